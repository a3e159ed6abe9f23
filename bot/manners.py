"""Group manners: the bot knows its own messages, paces what it sends, and never floods a group.

WeChat and QQ penalise accounts that send in bursts, and a bot that talks too much is removed from the group.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict, deque
from collections.abc import Callable

# Two invisible separators end every group message we send: another instance of this bot in the same group (or
# this one, if the platform echoes our own messages back) recognises them and never answers its own answers.
SIGNATURE = "\u2063\u2063"
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


def signed(text: str) -> str:
    return text if text.endswith(SIGNATURE) else text + SIGNATURE


def is_ours(text: str) -> bool:
    return SIGNATURE in text


def split_long(text: str, limit: int) -> list[str]:
    """Cut a long reply at sentence ends into parts of at most `limit` characters."""
    limit = max(limit, 1)  # a width of 0 or less would cut empty pieces forever
    if len(text) <= limit:
        return [text]
    parts, current = [], ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > limit:  # one sentence longer than a message: cut it hard
            if current:
                parts.append(current)
                current = ""
            parts.append(sentence[:limit])
            sentence = sentence[limit:]
        if len(current) + len(sentence) > limit:
            parts.append(current)
            current = ""
        current += sentence
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


class Governor:
    """Outbound pacing: one message per `group_interval` seconds to a group, `per_minute` per sending account.

    The platforms count what each account sends, so the budget is the account's: a channel with several accounts
    (QQ) names the one that will send; a channel of one account (or one that cannot tell) is counted as one.
    """

    def __init__(self, group_interval: float, per_minute: int, now: Callable[[], float] = time.monotonic):
        self.group_interval = group_interval
        self.per_minute = max(per_minute, 1)  # 0 would hold every message back (and find no oldest one to wait for)
        self.now = now
        self._last_to_group: dict[tuple[str, str], float] = {}
        self._account: dict[tuple[str, str | None], deque[float]] = defaultdict(deque)

    def wait(self, channel: str, kind: str, target: str, account: str | None = None) -> float:
        """Seconds until a message to this target may go (from `account`); 0 when it may go now."""
        now = self.now()
        sent = self._account[(channel, account)]
        while sent and now - sent[0] >= 60:
            sent.popleft()
        waits = [0.0]
        if len(sent) >= self.per_minute:
            waits.append(60 - (now - sent[0]))
        if kind == "group" and (last := self._last_to_group.get((channel, target))) is not None:
            waits.append(self.group_interval - (now - last))
        return max(waits)

    def sent(self, channel: str, kind: str, target: str, account: str | None = None) -> None:
        now = self.now()
        self._account[(channel, account)].append(now)
        if kind == "group":
            self._last_to_group[(channel, target)] = now
