"""The dispatcher: one function decides what to do with a message; it stores, it never sends."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlite_utils import Database

from bot import cases, kb, outbox, replies
from bot.clock import Clock
from bot.messages import Incoming
from bot.registry import GroupInfo, Person, find_group, note_unknown_group, responders
from intents.classify import Decision, Understanding

log = logging.getLogger(__name__)
CHOICE_MINUTES = 10


@dataclass(frozen=True, slots=True)
class Plan:
    """What the bot would do with one message: computed without writing anything."""

    decision: Decision
    reply: str | None
    group: GroupInfo | None = None
    responders: list[Person] = field(default_factory=list)
    case_number: str | None = None
    choice_of: str | None = None  # faq id picked from an earlier "您是不是想问" list


class Dispatcher:
    def __init__(self, db: Database, clock: Clock, understanding: Understanding):
        self.db = db
        self.clock = clock
        self.understanding = understanding

    # -- the one entry point ------------------------------------------------------------------
    def handle(self, msg: Incoming) -> list[int]:
        """Store, decide, record; returns the ids of the outbox items to send (empty if nothing)."""
        inbox_id = self.receive(msg)
        if inbox_id is None:
            return []
        return self.process(inbox_id, msg)

    def receive(self, msg: Incoming) -> int | None:
        """Store the message before anything else; None if this (channel, message_id) was seen before."""
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO inbox (channel, message_id, group_id, user_id, user_name, text, mentions_bot, "
                "attachments, received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'new') "
                "ON CONFLICT (channel, message_id) DO NOTHING",
                [msg.channel, msg.message_id, msg.group_id, msg.user_id, msg.user_name, msg.text,
                 int(msg.mentions_bot), json.dumps(list(msg.attachments)), self.clock.iso()],
            )
        return cursor.lastrowid if cursor.rowcount else None

    def process(self, inbox_id: int, msg: Incoming) -> list[int]:
        try:
            plan = self.plan(msg)
            with self.db.atomic():
                queued = self._apply(plan, msg)
                self.db.execute("UPDATE inbox SET state = 'handled', intent = ?, handled_at = ? WHERE id = ?",
                                [plan.decision.intent, self.clock.iso(), inbox_id])
            return queued
        except Exception:
            log.exception("message %s/%s could not be handled", msg.channel, msg.message_id)
            self.db.execute("UPDATE inbox SET state = 'failed', error = 'see log' WHERE id = ?", [inbox_id])
            return []

    def resume(self) -> list[int]:
        """Handle what was stored but not handled before a crash or restart."""
        queued: list[int] = []
        for row in list(self.db.query("SELECT * FROM inbox WHERE state = 'new' ORDER BY id")):
            msg = Incoming(row["channel"], row["message_id"], row["group_id"], row["user_id"], row["text"] or "",
                           row["user_name"] or "", bool(row["mentions_bot"]), tuple(json.loads(row["attachments"] or "[]")))
            queued += self.process(row["id"], msg)
        return queued

    # -- deciding ---------------------------------------------------------------------------------
    def plan(self, msg: Incoming) -> Plan:
        if msg.group_id is None:
            return self._plan_private(msg)
        group = find_group(self.db, msg.channel, msg.group_id)
        if group is None and msg.channel in ("qq", "wechat"):
            return Plan(Decision("none", 0.0, "unregistered group"), None)
        choice = self._pending_choice(msg)
        if choice:
            entry = kb.get_entry(self.db, choice)
            if entry:
                decision = Decision("faq", 100.0, "chosen from offered list", faq=entry)
                return Plan(decision, replies.faq_answer(entry.answer), group, choice_of=choice)
        decision = self.understanding.classify(msg.text, msg.mentions_bot)
        return self._plan_decision(decision, group, msg.channel, msg.mentions_bot)

    def preview(self, text: str, mentioned: bool, channel: str = "qq", group_id: str | None = None) -> Plan:
        """Dry run for `ask` and the console's hit test: the same decision, nothing stored."""
        group = find_group(self.db, channel, group_id) if group_id else None
        if group_id and group is None:
            for other in ("qq", "wechat"):
                group = group or find_group(self.db, other, group_id)
        decision = self.understanding.classify(text, mentioned)
        return self._plan_decision(decision, group, group.channel if group else channel, mentioned)

    def _plan_decision(self, decision: Decision, group: GroupInfo | None, channel: str, mentioned: bool) -> Plan:
        people = responders(self.db, group.grid, channel) if group else []
        if decision.intent == "faq":
            return Plan(decision, replies.faq_answer(decision.faq.answer), group, people)
        if decision.intent == "complaint":
            number = cases.preview_number(self.db, self.clock)
            label = self.understanding.category_labels.get(decision.category, "其他")
            due = cases.due_date(decision.category, self.clock.now())
            return Plan(decision, replies.case_filed(number, label, people, due), group, people, number)
        if not mentioned:
            return Plan(decision, None, group, people)
        if decision.suggestions:
            return Plan(decision, replies.did_you_mean([e.question for e in decision.suggestions]), group, people)
        if decision.is_question:
            return Plan(decision, replies.not_in_knowledge_base(people), group, people)
        return Plan(decision, replies.greeting(), group, people)

    def _plan_private(self, msg: Incoming) -> Plan:
        decision = self.understanding.classify(msg.text, mentioned=True)
        if decision.intent == "faq":
            return Plan(decision, replies.faq_answer(decision.faq.answer))
        if decision.suggestions:
            return Plan(decision, replies.did_you_mean([e.question for e in decision.suggestions]))
        return Plan(Decision("none", decision.score, "private chat"), replies.greeting())

    def _pending_choice(self, msg: Incoming) -> str | None:
        text = msg.text.strip().rstrip("。.")
        if not text.isdigit():
            return None
        row = self.db.execute(
            "SELECT data, expires_at FROM followups WHERE channel = ? AND group_id = ? AND user_id = ? AND kind = 'choice'",
            [msg.channel, msg.group_id or "", msg.user_id],
        ).fetchone()
        if not row or row[1] < self.clock.iso():
            return None
        options = json.loads(row[0])
        index = int(text) - 1
        return options[index] if 0 <= index < len(options) else None

    # -- recording ----------------------------------------------------------------------------------
    def _apply(self, plan: Plan, msg: Incoming) -> list[int]:
        d = plan.decision
        now = self.clock.iso()
        key = f"{msg.channel}:{msg.message_id}"
        group = plan.group
        if group is None and msg.group_id and msg.channel in ("qq", "wechat"):
            note_unknown_group(self.db, msg.channel, msg.group_id, now)
            return []
        followup_key = [msg.channel, msg.group_id or "", msg.user_id]
        if plan.choice_of:
            self.db.execute("DELETE FROM followups WHERE channel = ? AND group_id = ? AND user_id = ?", followup_key)
        queued: list[int] = []
        if d.intent == "complaint" and group is not None:
            queued += self._file_case(plan, msg)
        elif plan.reply:
            queued.append(self._reply(msg, plan.reply, key))
        if d.intent == "faq":
            kb.count_hit(self.db, d.faq.id, now)
        elif d.suggestions:
            expires = self.clock.iso(self.clock.now() + timedelta(minutes=CHOICE_MINUTES))
            self.db["followups"].upsert(
                {"channel": msg.channel, "group_id": msg.group_id or "", "user_id": msg.user_id, "kind": "choice",
                 "data": json.dumps([e.id for e in d.suggestions]), "expires_at": expires},
                pk=("channel", "group_id", "user_id"),
            )
        if d.intent == "none" and d.is_question and (msg.mentions_bot or d.score > 0):
            best = d.candidates[0] if d.candidates else None
            self.db["unanswered"].insert({
                "channel": msg.channel, "group_id": msg.group_id, "user_id": msg.user_id, "text": msg.text[:2000],
                "mentioned": int(msg.mentions_bot), "best_faq_id": best.entry.id if best else None,
                "best_score": best.score if best else None, "at": now,
            })
        return [q for q in queued if q is not None]

    def _reply(self, msg: Incoming, text: str, key: str) -> int | None:
        kind = "group" if msg.group_id else "private"
        return outbox.enqueue(
            self.db, self.clock, kind=kind, channel=msg.channel, target=msg.group_id or msg.user_id, text=text,
            dedupe_key=f"reply:{key}", reply_to=msg.message_id,
            mention_user_id=msg.user_id if msg.group_id else None, mention_name=msg.user_name or None,
        )

    def _file_case(self, plan: Plan, msg: Incoming) -> list[int]:
        group, d = plan.group, plan.decision
        label = self.understanding.category_labels.get(d.category, "其他")
        case = cases.file_case(
            self.db, self.clock, category=d.category or "other", text=msg.text[:2000], channel=msg.channel,
            group_id=group.group_id, grid=group.grid, community=group.community, street=group.street,
            reporter_id=msg.user_id, reporter_name=msg.user_name, message_id=msg.message_id, attachments=msg.attachments,
        )
        queued = [self._reply(msg, replies.case_filed(case.id, label, plan.responders, case.due_at), f"{msg.channel}:{msg.message_id}")]
        for person in plan.responders:
            queued.append(outbox.enqueue(
                self.db, self.clock, kind="private", channel=person.channel, target=person.user_id,
                text=replies.worker_notice(case.id, label, group.name, msg.user_name or msg.user_id, msg.text[:500], case.due_at),
                dedupe_key=f"notify:{case.id}:{person.channel}:{person.user_id}",
            ))
        if plan.responders:
            cases.mark_assigned(self.db, self.clock, case.id, [p.name for p in plan.responders])
        return queued
