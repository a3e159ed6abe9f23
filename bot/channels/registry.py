"""Which channels run, from the settings: every channel module is imported only when it is configured."""

from __future__ import annotations

import logging

from bot.channels.base import Channel
from bot.config import Settings

log = logging.getLogger(__name__)


def configured_channels(settings: Settings) -> list[Channel]:
    channels: list[Channel] = []
    return channels
