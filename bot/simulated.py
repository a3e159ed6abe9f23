"""The console simulator's channel names: "simulator:qq" and "simulator:wechat" stand for QQ and WeChat on the page.

Every row the simulator causes (inbox, outbox, follow-ups, cases and their reporters) carries such a name, so no real
channel ever delivers it and no real group's replies depend on it, even when `serve` later runs on the same database;
the registry is still read under the real channel, so a simulated group behaves as the real one would."""

from __future__ import annotations

PREFIX = "simulator:"
# Rows of real traffic, as SQL on a table with a `channel` column: what the simulator caused is practice.
REAL_ROWS = f"coalesce(channel, '') NOT LIKE '{PREFIX}%'"
CHANNELS = ("qq", "wechat")


def simulated(channel: str) -> str:
    return channel if is_simulated(channel) else PREFIX + channel


def is_simulated(channel: str) -> bool:
    return channel.startswith(PREFIX)


def real(channel: str) -> str:
    """The channel whose registry rows a (simulated) channel uses."""
    return channel.removeprefix(PREFIX)


def alike(channel: str, other: str) -> str:
    """The real channel `other` as seen from `channel`: simulated when `channel` is, so an answer stays on its side."""
    return simulated(other) if is_simulated(channel) else other
