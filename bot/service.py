"""`run_bot.py serve`: the bot headless, as under systemd: HTTP server, channels, outbox loop; stops on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from bot.accounts import ensure_first_admin
from bot.app import Bot
from bot.channels.base import Channel
from bot.listen import CannotListen, web_address
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
        self.first_admin_password: str | None = None  # set when this start created the console's first account

    async def start(self, host: str, port: int) -> None:
        self.runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await self.runner.cleanup()
            raise CannotListen(host, port, exc) from exc
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("HTTP server on %s", web_address(host, self.port))

    async def run(self, host: str, port: int, ready: Callable[[Service], None] | None = None) -> None:
        """`ready` (default: log the first admin's password, if one was made) runs once the port is taken."""
        try:
            await self.start(host, port)
        except CannotListen:
            self.bot.close()
            raise
        # Only now that the port is ours: a start that fails must not spend the password on a console never shown.
        self.first_admin_password = ensure_first_admin(self.bot.db)
        self.bot.dispatcher.resume()
        loops = [asyncio.create_task(self.bot.run_outbox(self.stopping), name="outbox"),
                 asyncio.create_task(self.bot.run_clock(self.stopping), name="clock"),
                 asyncio.create_task(self.bot.warm_meaning(self.stopping), name="warm")]
        channels = [asyncio.create_task(c.run(self.bot.on_message), name=f"channel-{i}")
                    for i, c in enumerate(self.channels)]
        (ready or _log_first_admin)(self)
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


def _log_first_admin(service: Service) -> None:
    if service.first_admin_password:
        log.warning("控制台首个管理员账号已创建：用户名 admin，一次性密码 %s（首次登录后须修改）",
                    service.first_admin_password)


def serve(bot: Bot, channels: list[Channel], host: str, port: int,
          ready: Callable[[Service], None] | None = None) -> None:
    """Run until SIGTERM or Ctrl-C; `ready` runs once the port is taken, before any request is served.
    Raises CannotListen when the address cannot be taken."""
    async def main() -> None:
        service = Service(bot, channels)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, service.stop)
        await service.run(host, port, ready)

    asyncio.run(main())
