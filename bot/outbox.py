"""The outbox: every reply and notification is stored before it is sent and retried until delivered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.clock import Clock
from bot.messages import Outgoing
from bot.manners import Governor, signed, split_long
from bot.privacy import mask_personal_numbers

log = logging.getLogger(__name__)


def enqueue(
    db: Database, clock: Clock, *, kind: str, channel: str, target: str, text: str, dedupe_key: str,
    reply_to: str | None = None, mention_user_id: str | None = None, mention_name: str | None = None,
    max_chars: int = 500,
) -> int | None:
    """Queue one message (inside the caller's transaction); a repeated dedupe_key queues nothing.

    Group messages are masked (no phone or ID numbers), signed (so bots never answer bots) and, when long,
    split at sentence ends; the first part carries the reply/mention. Returns the first part's id."""
    parts = [text]
    if kind == "group":
        parts = [signed(p) for p in split_long(mask_personal_numbers(text), max_chars)]
    now = clock.iso()
    first = None
    for number, part in enumerate(parts):
        key = dedupe_key if number == 0 else f"{dedupe_key}#{number + 1}"
        cursor = db.execute(
            "INSERT INTO outbox (kind, channel, target, text, reply_to, mention_user_id, mention_name, dedupe_key, "
            "created_at, state, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?) "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            [kind, channel, target, part, reply_to if number == 0 else None, mention_user_id if number == 0 else None,
             mention_name if number == 0 else None, key, now, now],
        )
        if number == 0:
            first = cursor.lastrowid if cursor.rowcount else None
            if first is None:
                return None
    return first


def _outgoing(row: dict) -> Outgoing:
    return Outgoing(row["id"], row["kind"], row["channel"], row["target"], row["text"],
                    row["reply_to"], row["mention_user_id"], row["mention_name"])


def due(db: Database, clock: Clock, channels: set[str] | None = None, limit: int = 100) -> list[Outgoing]:
    """Pending items whose time has come, oldest first; an item waits while an older one to the same recipient
    is backing off, so each recipient gets its messages in the order they were queued."""
    now = clock.iso()
    rows = db.query(
        "SELECT * FROM outbox o WHERE state = 'pending' AND next_attempt_at <= ? AND NOT EXISTS ("
        " SELECT 1 FROM outbox e WHERE e.state = 'pending' AND e.channel = o.channel AND e.target = o.target"
        " AND e.id < o.id AND e.next_attempt_at > ?) ORDER BY id LIMIT ?",
        [now, now, limit],
    )
    items = [_outgoing(r) for r in rows]
    return [i for i in items if channels is None or i.channel in channels]


def mark_sent(db: Database, clock: Clock, item_id: int) -> None:
    with db.atomic():
        db.execute("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                   [clock.iso(), item_id])


def mark_failed(db: Database, clock: Clock, item_id: int, error: str, first_delay: float, max_delay: float) -> None:
    """Retry later with exponential backoff; an item is never dropped."""
    with db.atomic():
        attempts = db.execute("SELECT attempts FROM outbox WHERE id = ?", [item_id]).fetchone()[0] + 1
        delay = min(first_delay * 2 ** (attempts - 1), max_delay)
        next_at = clock.iso(clock.now() + timedelta(seconds=delay))
        db.execute("UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                   [attempts, next_at, error[:500], item_id])


def backlog(db: Database, channels: set[str] | None = None) -> int:
    """Undelivered items (on the given channels only, if named)."""
    if channels is None:
        return db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    names = sorted(channels)
    return db.execute(f"SELECT count(*) FROM outbox WHERE state = 'pending' AND channel IN ({','.join('?' * len(names))})",
                      names).fetchone()[0]


async def deliver_due(
    db: Database, clock: Clock, send: Callable[[Outgoing], Awaitable[None]], channels: set[str],
    first_delay: float = 5.0, max_delay: float = 600.0, governor: Governor | None = None,
    sender_of: Callable[[Outgoing], str | None] = lambda item: None,
) -> int:
    """Send what is due on the given channels, as fast as the governor allows; returns how many were delivered.

    Recipients are served side by side; each recipient's messages go one after another, in the order queued, and
    one that fails holds the rest of that recipient's back (order is kept)."""
    queues: dict[tuple[str, str], list[Outgoing]] = {}
    for item in due(db, clock, channels, limit=500):
        queues.setdefault((item.channel, item.target), []).append(item)

    async def serve(items: list[Outgoing]) -> int:
        sent = 0
        for item in items:
            if governor is not None:
                account = sender_of(item)  # the pace is each sending account's own
                if governor.wait(item.channel, item.kind, item.target, account) > 0:
                    break  # not a failure: it goes in a later round
                # Reserved before the await: no over-sending.
                governor.sent(item.channel, item.kind, item.target, account)
            try:
                await send(item)
            except Exception as exc:  # a channel error of any kind: keep the item and retry later
                log.warning("outbox %s to %s:%s failed: %s", item.id, item.channel, item.target, exc)
                mark_failed(db, clock, item.id, f"{type(exc).__name__}: {exc}", first_delay, max_delay)
                break
            mark_sent(db, clock, item.id)  # at once: a crash now re-sends at most the one message in flight
            sent += 1
        return sent

    return sum(await asyncio.gather(*(serve(items) for items in queues.values())))


def next_due_at(db: Database) -> datetime | None:
    row = db.execute("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None
