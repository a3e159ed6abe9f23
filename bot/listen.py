"""The HTTP server's address: as a browser writes it, and what to say when it cannot be taken."""

from __future__ import annotations

import errno


class CannotListen(OSError):
    """The HTTP server could not take its address; the message names the setting to change."""

    def __init__(self, host: str, port: int, cause: OSError):
        if cause.errno == errno.EADDRINUSE:
            what = f"端口 {port} 已被占用（可能是另一个网格小助手或其他程序在用）"
        else:
            what = f"无法在 {host} 的端口 {port} 上监听（{cause.strerror or cause}）"
        super().__init__(f"{what}：请停止占用它的程序，或用设置 web_port（环境变量 BOT_WEB_PORT）换一个端口、"
                         "web_host（BOT_WEB_HOST）换一个地址。")


def web_address(host: str, port: int) -> str:
    """The console's address as a browser takes it: an IPv6 host goes in brackets."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/console/"
