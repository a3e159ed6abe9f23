"""The neutral message types every channel translates to and from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: str  # "qq" | "wechat" | "terminal" | "simulator" | "memory"
    message_id: str  # a repeat is dropped: one WeChat message can arrive two or three times
    group_id: str | None  # None for a private chat
    user_id: str
    text: str
    user_name: str = ""
    mentions_bot: bool = False
    attachments: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One stored outbox item, ready for a channel to send."""

    id: int
    kind: str  # "group" | "private"
    channel: str
    target: str  # group id or user id
    text: str
    reply_to: str | None = None  # message id being answered
    mention_user_id: str | None = None
    mention_name: str | None = None
