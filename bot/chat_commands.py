"""Chat commands: grid workers work their cases (接单/办结/退回/转派/我的事项), residents follow theirs (我的进度/查询/评价)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot import replies
from bot.casework import Actor, CaseDesk, CaseError
from bot.messages import Incoming
from bot.registry import actor_rows, grids_of
from intents.commands import Command, parse, usage_hint

WORKER_ONLY = {"accept", "resolve", "send_back", "transfer", "my_cases"}
RESIDENT_ACTIONS = {"accepted", "merged"}  # timeline events whose actor is a reporter


@dataclass(frozen=True, slots=True)
class Answer:
    text: str  # the reply where the command was written
    private: str | None = None  # sent to the sender alone as well: what the residents of a group must not read


def actor_for(db: Database, msg: Incoming) -> Actor | None:
    rows = actor_rows(db, msg.channel, msg.user_id)
    if not rows:
        return None
    kind = "worker" if any(r["kind"] == "worker" for r in rows) else "contact"
    return Actor(rows[0]["name"], kind, grids_of(db, rows), msg.channel, msg.user_id,
                 title="网格员" if kind == "worker" else "社区联系人")


def run_command(db: Database, desk: CaseDesk, msg: Incoming) -> Answer | None:
    """The reply to a command, or None if the message is no command for this sender (it then goes on as chat)."""
    command = parse(msg.text)
    if command is None:
        return None
    actor = actor_for(db, msg)
    if command.verb in WORKER_ONLY and actor is None:
        return None  # a resident typing "接单" is chat, not a command
    if command.problem:
        return Answer(command.problem)
    try:
        if command.verb == "my_cases":
            return _my_cases(desk, actor, in_group=msg.group_id is not None)
        if command.verb in WORKER_ONLY:
            return Answer(_worker(desk, actor, command))
        text = _resident(desk, msg, command)
        return Answer(text) if text is not None else None
    except CaseError as exc:
        return Answer(str(exc))


def _my_cases(desk: CaseDesk, actor: Actor, in_group: bool) -> Answer:
    """A worker's open cases; asked in a residents' group, the list (residents' complaints) goes in private."""
    open_cases = desk.open_cases(actor.grids)
    if not open_cases:
        return Answer("您负责的网格目前没有未办结的事项。")
    listing = replies.open_case_list([replies.case_line(c, desk.label(c["category"])) for c in open_cases])
    return Answer(replies.sent_privately(len(open_cases)), private=listing) if in_group else Answer(listing)


def _worker(desk: CaseDesk, actor: Actor, command: Command) -> str:
    case = desk.find(command.case_ref, actor)
    if command.verb == "accept":
        desk.accept(case["id"], actor)
        return replies.worker_accepted(case["id"])
    if command.verb == "resolve":
        desk.resolve(case["id"], actor, command.note)
        return f"已办结：{case['id']}，已通知反映的居民评价。"
    if command.verb == "send_back":
        desk.send_back(case["id"], actor, command.note)
        return f"已退回社区：{case['id']}。"
    if command.verb == "transfer":
        moved = desk.transfer(case["id"], actor, command.note)
        return f"已转派：{case['id']} → {moved['grid']}。"
    return usage_hint()


def _news(case: dict) -> dict | None:
    """The latest step taken by staff or the system. What residents did (reported, reported again, rated) is left out:
    it names them and quotes them, and a case may have several reporters reading its progress in a group."""
    return next((e for e in reversed(case["events"]) if e["action"] not in RESIDENT_ACTIONS and e["actor"] != "居民"),
                None)


def _resident(desk: CaseDesk, msg: Incoming, command: Command) -> str | None:
    mine = desk.reporter_cases(msg.channel, msg.user_id)
    if command.verb == "my_progress":
        if not mine:
            return replies.no_cases()
        return "\n".join(replies.progress(c, desk.label(c["category"]), _news(c)) for c in mine[:5])
    if command.verb == "query":
        # Residents see only the cases they reported (a case's notes may name people).
        case = next((c for c in mine if c["id"] == command.case_ref or c["id"].endswith(f"-{command.case_ref:0>4}")), None)
        if case is None:
            return f"没有找到您可查看的事项 {command.case_ref}。发送“我的进度”查看您反映的事项。"
        return replies.progress(case, desk.label(case["category"]), _news(case))
    # A rating (with a comment or not): without a number it goes to the reporter's one case awaiting a rating.
    waiting = [c for c in mine if c["state"] == "resolved"]
    if command.case_ref:
        waiting = [c for c in waiting if c["id"] == command.case_ref or c["id"].endswith(f"-{command.case_ref:0>4}")]
    if not waiting:
        return None  # "满意" with nothing to rate is just chat
    if len(waiting) > 1:
        return replies.which_to_rate([c["id"] for c in waiting], command.rating)
    desk.rate(waiting[0]["id"], msg.channel, msg.user_id, command.rating, command.note)
    return replies.rated(waiting[0]["id"], command.rating)
