"""`run_bot.py serve`: the bot headless, as under systemd: HTTP server, channels, outbox loop; stops on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from bot.app import Bot
from bot.channels.base import Channel
from bot.web.app import build_app

log = logging.getLogger(__name__)


class Service:
    def __init__(self, bot: Bot, channels: list[Channel]):
        self.bot = bot
        self.channels = channels
        for channel in channels:
            bot.add_channel(channel)
        self.app = build_app(bot)
        self.stopping = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        self.runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("HTTP server on http://%s:%s", host, self.port)

    async def run(self, host: str, port: int, ready: Callable[[Service], None] | None = None) -> None:
        await self.start(host, port)
        self.bot.dispatcher.resume()
        loops = [asyncio.create_task(self.bot.run_outbox(self.stopping), name="outbox"),
                 asyncio.create_task(self.bot.run_clock(self.stopping), name="clock"),
                 asyncio.create_task(self.bot.warm_meaning(self.stopping), name="warm")]
        channels = [asyncio.create_task(c.run(self.bot.on_message), name=f"channel-{i}")
                    for i, c in enumerate(self.channels)]
        if ready:
            ready(self)
        await self.stopping.wait()
        log.info("stopping: no new messages; finishing what is in flight")
        await self.runner.cleanup()  # closes the OneBot sockets and refuses new requests
        for task in channels:  # the loops end on `stopping` by themselves
            task.cancel()
        await asyncio.gather(*loops, *channels, return_exceptions=True)
        self.bot.close()
        log.info("stopped")

    def stop(self) -> None:
        self.stopping.set()


def serve(bot: Bot, channels: list[Channel], host: str, port: int) -> None:
    async def main() -> None:
        service = Service(bot, channels)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, service.stop)
        await service.run(host, port)

    asyncio.run(main())
