"""The dispatcher: one function decides what to do with a message; it stores, it never sends.

Order: a follow-up the bot is waiting for from this resident (a choice, a location), a chat command, an image
for a case just reported, then the understanding of the text (FAQ answer, complaint, or silence).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta

from sqlite_utils import Database

from bot import kb, outbox, replies
from bot.cases import preview_number
from bot.casework import CaseDesk
from bot.chat_commands import run_command
from bot.clock import Clock
from bot.config import Settings
from bot.manners import SIGNATURE, is_ours
from bot.messages import Incoming
from bot.numbers import whole_number
from bot.registry import GroupInfo, Person, actor_rows, find_group, note_unknown_group, responders
from intents.classify import Decision, Understanding
from intents.commands import is_command
from intents.location import find_location, names_a_place, place_description

log = logging.getLogger(__name__)
CHOICE_MINUTES = 10
ATTACH_MINUTES = 10  # an image sent this soon after a report belongs to it


class UnknownGroup(LookupError):
    """A dry run was asked about a group the registry does not have."""

    def __init__(self, group_id: str):
        super().__init__(f"没有登记群 {group_id}；用 `run_bot.py registry groups` 查看已登记的群")


@dataclass(frozen=True, slots=True)
class Plan:
    """What the bot would do with one classified message: computed without writing anything."""

    decision: Decision
    reply: str | None
    group: GroupInfo | None = None
    responders: list[Person] = field(default_factory=list)
    location: str | None = None


class Dispatcher:
    def __init__(self, db: Database, clock: Clock, understanding: Understanding, desk: CaseDesk, settings: Settings):
        self.db = db
        self.clock = clock
        self.understanding = understanding
        self.desk = desk
        self.settings = settings
        self.location_wait = timedelta(minutes=settings.location_wait_minutes)
        self.ignored = frozenset(u.strip() for u in settings.ignore_user_ids.split(",") if u.strip())
        self._owner_cache: dict[str, str] | None = None
        self.on_handled: Callable[[str], None] = lambda intent: None  # e.g. metrics by intent

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
            with self.db.atomic():
                intent, queued = self._respond(msg)
                self.db.execute("UPDATE inbox SET state = 'handled', intent = ?, handled_at = ? WHERE id = ?",
                                [intent, self.clock.iso(), inbox_id])
            self.on_handled(intent)
            return [q for q in queued if q is not None]
        except sqlite3.OperationalError:
            raise  # the store is locked or full: the message stays 'new' and is handled when it is back
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

    def expire_followups(self) -> list[int]:
        """Reports whose "where exactly?" got no answer in time are filed with 位置待核实."""
        queued: list[int] = []
        now = self.clock.iso()
        for row in list(self.db.query("SELECT * FROM followups WHERE kind = 'location' AND expires_at <= ?", [now])):
            with self.db.atomic():
                self._drop_followup(row["channel"], row["group_id"], row["user_id"])
                group = find_group(self.db, row["channel"], row["group_id"])
                if group is not None:
                    report, category = _pending_report(row)
                    queued += self._file(group, report, category, location="")
        return [q for q in queued if q is not None]

    # -- deciding and recording -------------------------------------------------------------------
    def _respond(self, msg: Incoming) -> tuple[str, list[int | None]]:
        if self._from_a_bot(msg):
            return "ignored", []
        group = find_group(self.db, msg.channel, msg.group_id) if msg.group_id else None
        if msg.group_id and group is None and msg.channel in ("qq", "wechat"):
            note_unknown_group(self.db, msg.channel, msg.group_id, self.clock.iso())
            return "none", []
        followup = self._followup(msg)
        return self._respond_to(msg, group, followup)

    def _respond_to(self, msg: Incoming, group: GroupInfo | None, followup: dict | None) -> tuple[str, list[int | None]]:
        if followup and followup["kind"] == "location":
            if self._answers_where(msg):
                return "complaint", self._location_answer(msg, group, followup)
            # Not an answer but something new: file the report as it is, then treat this message on its own.
            self._drop_followup(msg.channel, msg.group_id or "", msg.user_id)
            report, category = _pending_report(followup)
            filed = self._file(group, report, category, location="")
            intent, queued = self._respond_to(msg, group, None)
            return intent, filed + queued
        if followup and followup["kind"] == "choice" and (entry := self._chosen(msg, followup)):
            self._drop_followup(msg.channel, msg.group_id or "", msg.user_id)
            kb.count_hit(self.db, entry.id, self.clock.iso())
            return "faq", [self._reply(msg, entry.answer)]
        answer = run_command(self.db, self.desk, msg)
        if answer is not None:
            queued = [self._reply(msg, answer.text)]
            if answer.private is not None:
                queued.append(self._reply(msg, answer.private, purpose="private", privately=True))
            return "command", queued
        if msg.attachments and not msg.text.strip() and group is not None:
            return "attachment", self._attach(msg)
        if group is None:
            return self._private_chat(msg)
        plan = self._plan(self._classify(msg.text, msg.mentions_bot, group), group, msg.mentions_bot)
        return plan.decision.intent, self._apply(plan, msg)

    def _classify(self, text: str, mentioned: bool, group: GroupInfo | None,
                  units: frozenset[str] | None = None) -> Decision:
        """Entries a street, community or grid owns are answered only in its own groups.

        A dry run with no group in mind sees the entries of `units` and the district-wide ones; with `units` None
        (`ask`, a district admin's hit test) it sees every entry.
        """
        owners = self._owners()
        here = {group.street, group.community, group.grid} if group is not None else units
        if not owners or here is None:
            return self.understanding.classify(text, mentioned)
        return self.understanding.classify(text, mentioned, allow=lambda faq_id: owners.get(faq_id, "") in here or
                                           not owners.get(faq_id))

    def _owners(self) -> dict[str, str]:
        if self._owner_cache is None:
            self._owner_cache = {r[0]: r[1] for r in self.db.execute(
                "SELECT id, owner FROM faq WHERE owner != '' AND enabled = 1")}
        return self._owner_cache

    def knowledge_changed(self) -> None:
        self._owner_cache = None

    def preview(self, text: str, mentioned: bool, channel: str = "qq", group_id: str | None = None,
                units: frozenset[str] | None = None) -> Plan:
        """Dry run for `ask` and the console's hit test: the same decision, nothing stored.

        `units`: without a group, consider only entries owned by these places (and district-wide ones).
        Raises UnknownGroup for a `group_id` the registry does not have.
        """
        group = self.preview_group(group_id, channel) if group_id else None
        plan = self._plan(self._classify(text, mentioned, group, units), group, mentioned)
        d = plan.decision
        # The same problem already open in this grid: the report would join that case (as desk.file does when filing;
        # only the dry run asks here, so live traffic does not search twice).
        if d.intent == "complaint" and plan.location and group and \
                (duplicate := self.desk.find_duplicate(group.grid, d.category, text)):
            reporters = len(self.desk.get(duplicate["id"])["reporters"])
            return replace(plan, reply=replies.case_merged(duplicate["id"], reporters + 1))
        return plan

    def preview_group(self, group_id: str, channel: str = "qq") -> GroupInfo:
        """The registered group a dry run speaks in, looked up on `channel` first; UnknownGroup if there is none."""
        group = next(filter(None, (find_group(self.db, ch, group_id) for ch in (channel, "qq", "wechat"))), None)
        if group is None:
            raise UnknownGroup(group_id)
        return group

    def _plan(self, decision: Decision, group: GroupInfo | None, mentioned: bool) -> Plan:
        people = responders(self.db, group.grid, group.channel) if group else []
        if decision.intent == "faq":
            return Plan(decision, decision.faq.answer, group, people)
        if decision.intent == "complaint":
            label = self.desk.label(decision.category)
            location = find_location(decision.text)
            if location is None:
                return Plan(decision, replies.ask_location(label), group, people)
            number = preview_number(self.db, self.clock)
            due = self.desk.due(decision.category, self.clock.now())
            return Plan(decision, replies.case_filed(number, label, people, due), group, people, location)
        if not mentioned:
            return Plan(decision, None, group, people)
        if decision.suggestions:
            return Plan(decision, replies.did_you_mean([e.question for e in decision.suggestions]), group, people)
        if decision.is_question:
            return Plan(decision, replies.not_in_knowledge_base(people), group, people)
        return Plan(decision, replies.greeting(), group, people)

    def _apply(self, plan: Plan, msg: Incoming) -> list[int | None]:
        d = plan.decision
        if d.intent == "complaint":
            if plan.location is None and not (msg.group_id and self._over_budget(msg)):
                return self._ask_location(msg, d.category)
            # A place given, or no reply left to ask for one: the report is filed now (位置待核实 when no place).
            return self._file(plan.group, msg, d.category, plan.location or "")
        reply = plan.reply
        if d.intent == "faq" and self._answered_lately(msg, reply):
            reply = replies.answered_above(d.faq.question)
        queued = [self._reply(msg, reply)] if reply else []
        if d.intent == "faq":
            kb.count_hit(self.db, d.faq.id, self.clock.iso())
        elif d.suggestions:
            self._set_followup(msg, "choice", [e.id for e in d.suggestions], timedelta(minutes=CHOICE_MINUTES))
        if d.intent == "none" and d.is_question and (msg.mentions_bot or d.candidates):
            best = d.candidates[0] if d.candidates else None
            self.db["unanswered"].insert({
                "channel": msg.channel, "group_id": msg.group_id, "user_id": msg.user_id, "text": msg.text[:2000],
                "mentioned": int(msg.mentions_bot), "best_faq_id": best.entry.id if best else None,
                "best_score": best.score if best else None, "at": self.clock.iso(),
            })
        return queued

    def _private_chat(self, msg: Incoming) -> tuple[str, list[int | None]]:
        decision = self.understanding.classify(msg.text, mentioned=True)
        if decision.intent == "complaint":
            # A case belongs to a grid, and a private chat names none: the resident is sent to their grid's group.
            home = self._home_group(msg)
            people = responders(self.db, home.grid, home.channel) if home else []
            return "complaint", [self._reply(msg, replies.report_in_group(home.name if home else None, people))]
        if decision.intent == "faq":
            kb.count_hit(self.db, decision.faq.id, self.clock.iso())
            return "faq", [self._reply(msg, decision.faq.answer)]
        if decision.suggestions:
            self._set_followup(msg, "choice", [e.id for e in decision.suggestions], timedelta(minutes=CHOICE_MINUTES))
            return "none", [self._reply(msg, replies.did_you_mean([e.question for e in decision.suggestions]))]
        return "none", [self._reply(msg, replies.greeting())]

    def _home_group(self, msg: Incoming) -> GroupInfo | None:
        """The registered group this person last wrote in, if any."""
        # find_group reads the registry under the real channel, also for the simulator's (simulator:qq -> qq).
        row = self.db.execute(
            "SELECT group_id FROM inbox WHERE channel = ? AND user_id = ? AND group_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1", [msg.channel, msg.user_id]).fetchone()
        return find_group(self.db, msg.channel, row[0]) if row else None

    # -- cases ------------------------------------------------------------------------------------------
    def _ask_location(self, msg: Incoming, category: str) -> list[int | None]:
        pending = {"msg": {"channel": msg.channel, "message_id": msg.message_id, "group_id": msg.group_id,
                           "user_id": msg.user_id, "text": msg.text[:2000], "user_name": msg.user_name,
                           "mentions_bot": msg.mentions_bot, "attachments": list(msg.attachments)},
                   "category": category}
        self._set_followup(msg, "location", pending, self.location_wait)
        return [self._reply(msg, replies.ask_location(self.desk.label(category)))]

    def _answers_where(self, msg: Incoming) -> bool:
        """A place, or a short reply naming one that is neither a question nor a new report, answers "where exactly?".

        A command ("我的进度", "查询 1") or thanks ("好的谢谢") is something new: the report is then filed as it is."""
        if find_location(msg.text) or (msg.attachments and not msg.text.strip()):
            return True
        if len(msg.text) > 40 or is_command(msg.text) or not names_a_place(msg.text):
            return False
        decision = self.understanding.classify(msg.text, msg.mentions_bot)
        return decision.intent == "none" and not decision.is_question

    def _location_answer(self, msg: Incoming, group: GroupInfo, followup: dict) -> list[int | None]:
        self._drop_followup(msg.channel, msg.group_id or "", msg.user_id)
        report, category = _pending_report(followup)
        report = Incoming(**{**asdict(report), "attachments": report.attachments + msg.attachments})
        location = place_description(msg.text)
        return self._file(group, report, category, location, reply_to=msg)

    def _file(self, group: GroupInfo, msg: Incoming, category: str, location: str,
              reply_to: Incoming | None = None) -> list[int | None]:
        filed = self.desk.file(category=category, text=msg.text[:2000], group=group, reporter_id=msg.user_id,
                               reporter_name=msg.user_name, message_id=msg.message_id, attachments=msg.attachments,
                               location=location)
        label = self.desk.label(category)
        text = (replies.case_merged(filed.case_id, filed.reporters) if filed.merged
                else replies.case_filed(filed.case_id, label, filed.responders, filed.due))
        # Each resident learns the number of the case their report went to; a repeat of it is an answer like any other.
        return [self._reply(reply_to or msg, text, purpose="filed", budgeted=not filed.new_reporter)]

    def _attach(self, msg: Incoming) -> list[int | None]:
        since = self.clock.iso(self.clock.now() - timedelta(minutes=ATTACH_MINUTES))
        row = self.db.execute(
            "SELECT case_id FROM case_reporters WHERE channel = ? AND user_id = ? AND at >= ? ORDER BY at DESC LIMIT 1",
            [msg.channel, msg.user_id, since]).fetchone()
        if row:
            self.desk.add_attachments(row[0], msg.attachments)
        return []

    # -- manners ------------------------------------------------------------------------------------------
    def _from_a_bot(self, msg: Incoming) -> bool:
        """Our own messages (signed, or echoed back by the platform) and listed bots' are never answered."""
        if is_ours(msg.text) or msg.user_id in self.ignored:
            return True
        if not msg.group_id or len(msg.text) < 20:
            return False
        since = self.clock.iso(self.clock.now() - timedelta(minutes=30))
        return self.db.execute(
            "SELECT 1 FROM outbox WHERE kind = 'group' AND channel = ? AND target = ? AND created_at >= ? AND text = ? "
            "LIMIT 1", [msg.channel, msg.group_id, since, msg.text.strip() + SIGNATURE]).fetchone() is not None

    def _answered_lately(self, msg: Incoming, answer: str) -> bool:
        if not msg.group_id:
            return False
        since = self.clock.iso(self.clock.now() - timedelta(minutes=self.settings.repeat_answer_minutes))
        return self.db.execute(
            "SELECT 1 FROM outbox WHERE kind = 'group' AND channel = ? AND target = ? AND created_at >= ? AND text LIKE ? "
            "LIMIT 1", [msg.channel, msg.group_id, since, answer[:60].replace("%", "") + "%"]).fetchone() is not None

    def _over_budget(self, msg: Incoming) -> bool:
        """Per-resident and per-group reply budgets over the last 10 minutes: one person cannot make us flood."""
        since = self.clock.iso(self.clock.now() - timedelta(minutes=10))
        if not msg.group_id:
            # In private too: replies there spend the same account's sending budget as everyone's group replies.
            # Grid workers and community contacts work their cases in private, so theirs are not counted.
            if actor_rows(self.db, msg.channel, msg.user_id):
                return False
            to_person = self.db.execute(
                "SELECT count(*) FROM outbox WHERE kind = 'private' AND channel = ? AND target = ? AND created_at >= ? "
                "AND reply_to IS NOT NULL", [msg.channel, msg.user_id, since]).fetchone()[0]
            return to_person >= self.settings.resident_replies_per_10min
        to_group, to_resident = self.db.execute(
            "SELECT count(*), sum(mention_user_id = ?) FROM outbox WHERE kind = 'group' AND channel = ? AND target = ? "
            "AND created_at >= ? AND reply_to IS NOT NULL", [msg.user_id, msg.channel, msg.group_id, since]).fetchone()
        return (to_group >= self.settings.group_replies_per_10min
                or (to_resident or 0) >= self.settings.resident_replies_per_10min)

    # -- follow-ups ---------------------------------------------------------------------------------------
    def _followup(self, msg: Incoming) -> dict | None:
        rows = list(self.db.query(
            "SELECT * FROM followups WHERE channel = ? AND group_id = ? AND user_id = ? AND expires_at > ?",
            [msg.channel, msg.group_id or "", msg.user_id, self.clock.iso()]))
        return rows[0] if rows else None

    def _chosen(self, msg: Incoming, followup: dict):
        options = json.loads(followup["data"])
        number = whole_number(msg.text.strip().rstrip("。."), 0)
        return kb.get_entry(self.db, options[number - 1]) if 0 < number <= len(options) else None

    def _set_followup(self, msg: Incoming, kind: str, data, lasts: timedelta) -> None:
        self.db["followups"].upsert(
            {"channel": msg.channel, "group_id": msg.group_id or "", "user_id": msg.user_id, "kind": kind,
             "data": json.dumps(data, ensure_ascii=False), "expires_at": self.clock.iso(self.clock.now() + lasts)},
            pk=("channel", "group_id", "user_id"))

    def _drop_followup(self, channel: str, group_id: str, user_id: str) -> None:
        self.db.execute("DELETE FROM followups WHERE channel = ? AND group_id = ? AND user_id = ?",
                        [channel, group_id, user_id])

    def _reply(self, msg: Incoming, text: str, purpose: str = "answer", budgeted: bool = True,
               privately: bool = False) -> int | None:
        """One reply per message and purpose: a repeat of the same message queues nothing twice.

        The reply budgets hold back answers, never a resident's first acknowledgement of a report (budgeted=False): whoever
        reports a problem learns its case number (the governor still paces it). `privately`: to the sender alone, even
        when they wrote in a group."""
        in_group = msg.group_id is not None and not privately
        if budgeted and not privately and self._over_budget(msg):
            log.info("reply to %s in %s held back: reply budget used up", msg.user_id, msg.group_id or "private")
            return None
        quoted = in_group or msg.group_id is None  # a group's message is not quoted in a private chat
        return outbox.enqueue(
            self.db, self.clock, kind="group" if in_group else "private", channel=msg.channel,
            target=msg.group_id if in_group else msg.user_id, text=text,
            dedupe_key=f"reply:{purpose}:{msg.channel}:{msg.message_id}", reply_to=msg.message_id if quoted else None,
            mention_user_id=msg.user_id if in_group else None, mention_name=msg.user_name or None,
            max_chars=self.settings.max_message_chars,
        )


def _pending_report(followup: dict) -> tuple[Incoming, str]:
    """The report a "where exactly?" follow-up is holding, and its category."""
    pending = json.loads(followup["data"])
    return Incoming(**{**pending["msg"], "attachments": tuple(pending["msg"]["attachments"])}), pending["category"]
