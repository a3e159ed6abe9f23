"""The neutral message types every channel translates to and from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A lone UTF-16 surrogate (JSON may carry "\ud800") is no character: it cannot be stored or sent, so it becomes U+FFFD.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: str  # "qq" | "wechat" | "terminal" | "simulator:qq" | "simulator:wechat" | "memory"
    message_id: str  # a repeat is dropped: one WeChat message can arrive two or three times
    group_id: str | None  # None for a private chat
    user_id: str
    text: str
    user_name: str = ""
    mentions_bot: bool = False
    attachments: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _storable(self.text))
        object.__setattr__(self, "user_name", _storable(self.user_name))


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
