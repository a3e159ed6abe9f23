"""The case desk: 受理 → 派遣 → 处置 → 办结 → 回访/评价, every step an event, every notice through the outbox."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlite_utils import Database

from bot import cases, outbox, replies
from bot.clock import Clock
from bot.config import Settings
from bot.deadlines import due_at, parse_holidays, parse_limits
from bot.registry import GroupInfo, Person, community_contacts, responders
from bot.simulated import CHANNELS, alike, is_simulated
from bot.store import get_meta, set_meta

log = logging.getLogger(__name__)
OPEN = ("accepted", "assigned", "in_progress", "returned")
SIMILAR_TEXT = 55  # rapidfuzz partial-token score above which two reports in one grid are the same problem
NOTE_MAX = 300  # a resolve note is quoted to the residents' group: it must stay one message, never a flood


class CaseError(Exception):
    """An action on a case that cannot be done; the message is for the person who tried."""


def _short_enough(note: str, what: str) -> str:
    if len(note) > NOTE_MAX:
        raise CaseError(f"{what}最多 {NOTE_MAX} 个字（现在 {len(note)} 个字），请精简后再提交。")
    return note


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    kind: str  # "worker" | "contact" | "admin" | "resident" | "system"
    grids: frozenset[str] | None = None  # None: every grid
    channel: str | None = None
    user_id: str | None = None
    title: str = ""  # how notices name their role: 网格员, 社区联系人, 街道管理员 …

    def may_act_on(self, case: dict) -> bool:
        return self.grids is None or case["grid"] in self.grids


@dataclass(frozen=True, slots=True)
class Filed:
    case_id: str
    due: datetime
    responders: list[Person]
    merged: bool = False
    reporters: int = 1
    new_reporter: bool = True  # False when this resident had already reported the case


class CaseDesk:
    def __init__(self, db: Database, clock: Clock, settings: Settings, labels: dict[str, str]):
        self.db, self.clock, self.settings, self.labels = db, clock, settings, labels
        self.limits = parse_limits(settings.case_limits)
        self.holidays = parse_holidays(settings.holidays)

    # -- reading --------------------------------------------------------------------------------------
    def label(self, category: str) -> str:
        return self.labels.get(category, "其他")

    def case_json(self, case_id: str, with_events: bool = False) -> dict | None:
        return cases.case_json(self.db, case_id, with_events)

    def list_cases(self, **filters) -> list[dict]:
        return cases.list_cases(self.db, **filters)

    def get(self, case_id: str) -> dict:
        case = self.case_json(case_id)
        if case is None:
            raise CaseError(f"没有编号为 {case_id} 的事项。")
        return case

    def find(self, ref: str, actor: Actor) -> dict:
        """A case by its full number, or by the short number among the actor's open cases (7 -> SF-…-0007)."""
        if ref.startswith("SF-"):
            return self.get(ref)
        mine = [c for c in self.open_cases(actor.grids) if int(c["id"].rsplit("-", 1)[1]) == int(ref)]
        if len(mine) == 1:
            return mine[0]
        raise CaseError(f"找不到编号 {ref} 的事项，请写完整编号，如 SF-{self.clock.now():%Y%m%d}-{int(ref):04d}。")

    def open_cases(self, grids: frozenset[str] | None) -> list[dict]:
        found = [c for state in OPEN for c in cases.list_cases(self.db, state=state)]
        found = [c for c in found if grids is None or c["grid"] in grids]
        return sorted(found, key=lambda c: (c["created_at"], c["id"]))

    def reporter_cases(self, channel: str, user_id: str) -> list[dict]:
        ids = [r["case_id"] for r in self.db.query(
            "SELECT case_id FROM case_reporters WHERE channel = ? AND user_id = ? ORDER BY at DESC", [channel, user_id])]
        return [self.case_json(i, with_events=True) for i in ids]

    # -- filing (inside the dispatcher's transaction) ---------------------------------------------------
    def due(self, category: str, start: datetime) -> datetime:
        return due_at(start, self.limits.get(category, self.limits["default"]), self.holidays)

    def find_duplicate(self, grid: str, category: str, text: str) -> dict | None:
        since = self.clock.iso(self.clock.now() - timedelta(hours=self.settings.merge_window_hours))
        rows = self.db.query(
            f"SELECT id, text FROM cases WHERE grid = ? AND category = ? AND state IN ({','.join('?' * len(OPEN))}) "
            "AND created_at >= ? ORDER BY created_at DESC", [grid, category, *OPEN, since])
        for row in rows:
            if fuzz.partial_token_set_ratio(row["text"], text) >= SIMILAR_TEXT:
                return row
        return None

    def file(self, *, category: str, text: str, group: GroupInfo, reporter_id: str, reporter_name: str,
             message_id: str, attachments: tuple[str, ...] = (), location: str = "") -> Filed:
        duplicate = self.find_duplicate(group.grid, category, text)
        if duplicate:
            return self._merge(duplicate["id"], group, reporter_id, reporter_name, message_id, attachments, text, location)
        people = responders(self.db, group.grid, group.channel)
        new = cases.file_case(
            self.db, self.clock, category=category, text=text, channel=group.channel, group_id=group.group_id,
            grid=group.grid, community=group.community, street=group.street, reporter_id=reporter_id,
            reporter_name=reporter_name, message_id=message_id, attachments=attachments,
            location=location or replies.UNPLACED, due=self.due(category, self.clock.now()),
        )
        label = self.label(category)
        for person in people:
            self._notify(person, replies.worker_notice(new.id, label, group.name, reporter_name or reporter_id,
                                                       text[:500], location, new.due_at), f"notify:{new.id}")
        if self.settings.wecom_webhook_url and not is_simulated(group.channel):  # the admins' group hears of real cases only
            outbox.enqueue(self.db, self.clock, kind="webhook", channel="wecom", target=group.grid,
                           text=replies.webhook_case(new.id, label, group.name, group.grid, location, text[:500],
                                                     new.due_at),
                           dedupe_key=f"webhook:{new.id}")
        if people:
            cases.set_state(self.db, self.clock, new.id, "assigned", "系统", "派遣至 " + replies.names(people))
        return Filed(new.id, new.due_at, people)

    def _merge(self, case_id: str, group: GroupInfo, reporter_id: str, reporter_name: str, message_id: str,
               attachments: tuple[str, ...], text: str, location: str) -> Filed:
        """Another report of an open case: its words go on the timeline, its place fills a case still 位置待核实, and
        the workers hear of a new reporter or a place (not of one resident's repeats)."""
        added = self.db.execute(
            "INSERT INTO case_reporters (case_id, channel, group_id, user_id, user_name, message_id, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [case_id, group.channel, group.group_id, reporter_id, reporter_name, message_id, self.clock.iso()])
        if attachments:
            self.add_attachments(case_id, attachments)
        placed = bool(location) and self.get(case_id)["location"] in ("", None, replies.UNPLACED)
        if placed:
            self.db.execute("UPDATE cases SET location = ?, updated_at = ? WHERE id = ?", [location, self.clock.iso(), case_id])
        cases.add_event(self.db, self.clock, case_id, reporter_name or reporter_id, "merged",
                        f"同一问题再次被反映{f'（位置：{location}）' if location else ''}：{text[:500]}")
        case = self.get(case_id)
        if added.rowcount or placed:
            for person in responders(self.db, case["grid"], case["channel"]):
                self._notify(person, replies.merged_notice(case_id, len(case["reporters"]), location, case["location"],
                                                           text[:200]), f"merged:{case_id}:{message_id}")
        return Filed(case_id, datetime.fromisoformat(case["due_at"]), responders(self.db, case["grid"], group.channel),
                     merged=True, reporters=len(case["reporters"]), new_reporter=added.rowcount > 0)

    def add_attachments(self, case_id: str, attachments: tuple[str, ...]) -> None:
        current = json.loads(self.db.execute("SELECT attachments FROM cases WHERE id = ?", [case_id]).fetchone()[0] or "[]")
        self.db.execute("UPDATE cases SET attachments = ? WHERE id = ?",
                        [json.dumps(list(dict.fromkeys([*current, *attachments])), ensure_ascii=False), case_id])

    # -- the workflow -------------------------------------------------------------------------------------
    def _checked(self, case_id: str, actor: Actor, allowed: tuple[str, ...], doing: str) -> dict:
        case = self.get(case_id)
        if not actor.may_act_on(case):
            raise CaseError(replies.no_permission(case_id))
        if case["state"] not in allowed:
            raise CaseError(f"事项 {case_id} 当前状态为“{replies.STATE_LABELS.get(case['state'])}”，不能{doing}。")
        return case

    def accept(self, case_id: str, actor: Actor) -> dict:
        with self.db.atomic():
            self._checked(case_id, actor, ("accepted", "assigned", "returned"), "接单")
            self.db.execute("UPDATE cases SET accepted_at = ? WHERE id = ?", [self.clock.iso(), case_id])
            cases.set_state(self.db, self.clock, case_id, "in_progress", actor.name, "接单处理")
        return self.get(case_id)

    def resolve(self, case_id: str, actor: Actor, note: str) -> dict:
        if not note.strip():
            raise CaseError("请写明处理说明，如：办结 SF-… 已清理完毕。")
        _short_enough(note, "处理说明")
        with self.db.atomic():
            case = self._checked(case_id, actor, OPEN, "办结")
            now = self.clock.iso()
            self.db.execute("UPDATE cases SET resolved_at = ?, closed_at = ?, resolution = ? WHERE id = ?",
                            [now, now, note, case_id])
            cases.set_state(self.db, self.clock, case_id, "resolved", actor.name, note)
            for reporter in case["reporters"]:
                self._tell_reporter(case, reporter, replies.case_resolved_to_reporter(case_id, note), f"resolved:{case_id}:{now}")
        return self.get(case_id)

    def send_back(self, case_id: str, actor: Actor, reason: str) -> dict:
        _short_enough(reason, "退回原因")
        with self.db.atomic():
            case = self._checked(case_id, actor, ("accepted", "assigned", "in_progress"), "退回")
            cases.set_state(self.db, self.clock, case_id, "returned", actor.name, reason)
            for person in community_contacts(self.db, case["community"], case["channel"]):
                self._notify(person, replies.sent_back_notice(case_id, case["grid"], case["location"], actor.title + actor.name,
                                                               reason),
                             f"returned:{case_id}:{self.clock.iso()}")
        return self.get(case_id)

    def transfer(self, case_id: str, actor: Actor, grid: str) -> dict:
        grid = grid.strip()
        row = self.db.execute("SELECT g.name, g.community, c.street FROM grids g JOIN communities c ON c.name = g.community "
                              "WHERE g.name = ? OR g.name LIKE ?", [grid, f"%{grid}"]).fetchall()
        if len(row) != 1:
            raise CaseError(f"没有找到唯一的网格“{grid[:40]}”，请写完整网格名称，如 金盆岭社区第3网格。")
        name, community, street = row[0]
        with self.db.atomic():
            case = self._checked(case_id, actor, OPEN, "转派")
            self.db.execute("UPDATE cases SET grid = ?, community = ?, street = ? WHERE id = ?", [name, community, street, case_id])
            people = responders(self.db, name, case["channel"]) or [
                p for ch in CHANNELS for p in responders(self.db, name, alike(case["channel"], ch))][:1]
            cases.set_state(self.db, self.clock, case_id, "assigned", actor.name, f"转派至 {name}（{replies.names(people)}）")
            for person in people:
                self._notify(person, replies.transferred_notice(case_id, self.label(case["category"]), case["text"][:500],
                                                                case["location"], datetime.fromisoformat(case["due_at"])),
                             f"transfer:{case_id}:{name}:{self.clock.iso()}")
        return self.get(case_id)

    def rate(self, case_id: str, channel: str, user_id: str, rating: str, comment: str = "") -> dict:
        with self.db.atomic():
            case = self.get(case_id)
            if not any(r["channel"] == channel and r["user_id"] == user_id for r in case["reporters"]):
                raise CaseError(f"事项 {case_id} 不是您反映的，不能评价。")
            if case["state"] != "resolved":
                raise CaseError(f"事项 {case_id} 还没有办结，办结后再评价。")
            now = self.clock.iso()
            self.db.execute("UPDATE cases SET rating = ?, rated_at = ? WHERE id = ?", [rating, now, case_id])
            comment = comment.strip()[:NOTE_MAX]  # a resident's long comment is kept in part, not refused
            label = replies.RATING_LABELS[rating] + (f"（{comment}）" if comment else "")
            if rating == "unsatisfied":
                self.db.execute("UPDATE cases SET reopened = coalesce(reopened, 0) + 1, resolved_at = NULL, "
                                "closed_at = NULL WHERE id = ?", [case_id])
                cases.set_state(self.db, self.clock, case_id, "assigned", "居民", f"评价：{label}，事项重新打开")
                for person in community_contacts(self.db, case["community"], case["channel"]):
                    self._notify(person, replies.reopened_notice(case_id, case["grid"], case["location"], comment,
                                                                 to_worker=False),
                                 f"reopen:{case_id}:{now}")
                for person in responders(self.db, case["grid"], case["channel"]):
                    self._notify(person, replies.reopened_notice(case_id, case["grid"], case["location"], comment,
                                                                 to_worker=person.kind == "worker"),
                                 f"reopen:{case_id}:{now}")
            else:
                cases.set_state(self.db, self.clock, case_id, "closed", "居民", f"评价：{label}")
        return self.get(case_id)

    # -- time limits -----------------------------------------------------------------------------------------
    def tick(self) -> int:
        """Reminders before the limit, escalation after it, the daily digest; returns how many were queued."""
        now = self.clock.now()
        soon = self.clock.iso(now + timedelta(hours=self.settings.remind_before_hours))
        working = ("accepted", "assigned", "in_progress")  # a returned case waits for the community, not a worker
        marks = ",".join("?" * len(working))
        queued = 0
        with self.db.atomic():
            for case in list(self.db.query(
                    f"SELECT * FROM cases WHERE state IN ({marks}) AND due_at <= ? AND escalated_at IS NULL",
                    [*working, self.clock.iso(now)])):
                due = datetime.fromisoformat(case["due_at"])
                for person in community_contacts(self.db, case["community"], case["channel"]):
                    queued += self._notify(person, replies.overdue_notice(case["id"], case["grid"], case["location"], due),
                                           f"overdue:{case['id']}") is not None
                self.db.execute("UPDATE cases SET escalated_at = ? WHERE id = ?", [self.clock.iso(now), case["id"]])
                cases.add_event(self.db, self.clock, case["id"], "系统", "overdue", "超过办理时限，已通知社区督办")
            for case in list(self.db.query(
                    f"SELECT * FROM cases WHERE state IN ({marks}) AND due_at <= ? AND reminded_at IS NULL "
                    "AND escalated_at IS NULL", [*working, soon])):
                for person in responders(self.db, case["grid"], case["channel"]):
                    queued += self._notify(person, replies.reminder(case["id"], case["location"],
                                                                           datetime.fromisoformat(case["due_at"])),
                                           f"remind:{case['id']}") is not None
                self.db.execute("UPDATE cases SET reminded_at = ? WHERE id = ?", [self.clock.iso(now), case["id"]])
            today = f"{now:%Y-%m-%d}"
            if now.hour >= self.settings.digest_hour and get_meta(self.db, "digest_day") != today:
                queued += self._digests(today)
                set_meta(self.db, "digest_day", today)
        return queued

    def _digests(self, day: str) -> int:
        """Once a day, each worker's open cases, oldest first."""
        by_person: dict[tuple[str, str], tuple[Person, list[str]]] = {}
        for case in self.db.query(f"SELECT * FROM cases WHERE state IN ({','.join('?' * len(OPEN))}) "
                                  "ORDER BY created_at, id", list(OPEN)):
            for person in responders(self.db, case["grid"], case["channel"]):
                by_person.setdefault((person.channel, person.user_id), (person, []))[1].append(
                    replies.case_line(case, self.label(case["category"])))
        return sum(self._notify(person, replies.digest(lines), f"digest:{day}") is not None
                   for person, lines in by_person.values())

    # -- sending ---------------------------------------------------------------------------------------------
    def _notify(self, person: Person, text: str, key: str) -> int | None:
        return outbox.enqueue(self.db, self.clock, kind="private", channel=person.channel, target=person.user_id,
                              text=text, dedupe_key=f"{key}:{person.channel}:{person.user_id}")

    def _tell_reporter(self, case: dict, reporter: dict, text: str, key: str) -> None:
        """In the group where the reporter reported (QQ or WeChat, any group of the grid), @-mentioning them."""
        group_id = reporter["group_id"] or (case["group_id"] if reporter["channel"] == case["channel"] else None)
        if group_id is None:
            log.warning("reporter %s:%s of %s: the group they reported in is unknown", reporter["channel"],
                        reporter["user_id"], case["id"])
            return
        outbox.enqueue(self.db, self.clock, kind="group", channel=reporter["channel"], target=group_id, text=text,
                       dedupe_key=f"{key}:{reporter['channel']}:{reporter['user_id']}",
                       mention_user_id=reporter["user_id"], mention_name=reporter["name"])
