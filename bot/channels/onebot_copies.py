"""One group message seen through several of our QQ accounts (all members of the group) is handled once.

Each account reports it under its own message id, so ids cannot tell the copies apart; the group, the sender and
the text can, within moments of each other.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot.messages import Incoming

WINDOW = 10.0  # seconds: every account in a group receives a message within moments of the others


class Copies:
    def __init__(self, window: float = WINDOW, now: Callable[[], float] = time.monotonic):
        self.window = window
        self.now = now
        # (group, sender, text) → when last seen, and how many times each account has reported it.
        self._seen: OrderedDict[tuple[str, str, str], tuple[float, dict[str, int]]] = OrderedDict()

    def is_copy(self, self_id: str, msg: Incoming) -> bool:
        """True when another account already reported this message.

        The n-th report of the same (group, sender, text) through one account is the n-th such message, so it is
        a copy when another account has reported n already: a resident who sends "1" twice is heard twice.
        """
        if msg.group_id is None:
            return False  # a private chat belongs to the one account it was written to
        now = self.now()
        while self._seen and now - next(iter(self._seen.values()))[0] > self.window:
            self._seen.popitem(last=False)
        key = (msg.group_id, msg.user_id, msg.text)
        _, counts = self._seen.pop(key, (now, {}))
        counts[self_id] = nth = counts.get(self_id, 0) + 1
        self._seen[key] = (now, counts)  # last: the oldest entries stay at the front, to be forgotten first
        return any(seen >= nth for account, seen in counts.items() if account != self_id)
