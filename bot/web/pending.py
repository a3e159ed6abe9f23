"""Previewed imports waiting for their confirmation, kept on the server so that the confirm form carries a token
rather than the whole file (which, url-encoded, can be three times the upload and over the request size limit)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class PendingImports:
    """One preview per person and kind of import: a newer preview replaces the older one, whose form then expires."""

    ttl_seconds: float = 3600.0
    _waiting: dict[tuple[str, str], tuple[str, float, object]] = field(default_factory=dict)

    def keep(self, kind: str, username: str, value: object) -> str:
        """Hold `value` until it is confirmed; returns the token the confirm form sends back."""
        self._forget_expired()
        token = secrets.token_urlsafe(16)
        self._waiting[(kind, username)] = (token, time.monotonic(), value)
        return token

    def take(self, kind: str, username: str, token: str) -> object | None:
        """The value previewed under `token`, once; None when it expired, was replaced or already confirmed."""
        self._forget_expired()
        held = self._waiting.get((kind, username))
        if held is None or not secrets.compare_digest(held[0].encode(), token.encode()):
            return None
        del self._waiting[(kind, username)]
        return held[2]

    def _forget_expired(self) -> None:
        oldest = time.monotonic() - self.ttl_seconds
        for key in [k for k, (_, at, _) in self._waiting.items() if at < oldest]:
            del self._waiting[key]
