"""Which channels `serve` runs, from the settings; each channel module is imported only when it runs."""

from __future__ import annotations

import logging
import os

from bot.channels.base import Channel
from bot.config import Settings

log = logging.getLogger(__name__)


def configured_channels(settings: Settings) -> list[Channel]:
    from bot.channels.onebot import OneBotChannel

    # QQ: the reverse WebSocket endpoint is always mounted; implementations connect to it when configured.
    channels: list[Channel] = [OneBotChannel(settings)]
    if settings.wecom_webhook_url:
        from bot.channels.wecom import WeComWebhook

        channels.append(WeComWebhook(settings.wecom_webhook_url))
    if os.environ.get("WECHATY_PUPPET_SERVICE_ENDPOINT"):
        from bot.channels.wechat import WechatyChannel

        channels.append(WechatyChannel(settings))
    else:
        log.info("WeChat channel off: WECHATY_PUPPET_SERVICE_ENDPOINT is not set")
    return channels
