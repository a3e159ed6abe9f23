"""`run_bot.py` with no command (what `make run` calls): the console and simulator come up on their own."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import free_port, run_process

ROOT = Path(__file__).resolve().parent.parent


def test_default_start_prints_the_address_and_a_one_time_password(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "run_bot.py", "--db", str(tmp_path / "d.db")], cwd=ROOT,
                            env={**os.environ, "BOT_WEB_PORT": str(port)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert f"http://127.0.0.1:{port}/console/" in lines[1]
        assert re.search(r"admin\s+一次性密码：\S{10,}", lines[2])
        deadline = time.time() + 30
        while True:
            try:
                health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read())
                break
            except OSError:
                assert time.time() < deadline, "the console did not come up"
                time.sleep(0.2)
        # Only the simulator stands in for QQ and WeChat: /healthz says so and claims no real link.
        assert health["status"] == "ok" and not {"qq", "wechat"} & set(health["channels"])
        assert health["channels"]["simulator:wechat"] == {"state": "up", "simulated": True}
        while health["sentence_meaning"] != "ready":  # the bot loads the sentence encoder in the background
            assert time.time() < deadline and health["sentence_meaning"] == "not loaded", health
            time.sleep(0.2)
            health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read())
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/console/", timeout=5)
        assert "登录" in login.read().decode("utf-8")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_users_command(cli):
    assert cli("users", "add", "xiaoli", "--role", "community", "--scope", "金盆岭社区", "--password", "Secret-123456").code == 0
    listed = cli("users", "list").out
    assert "xiaoli" in listed and "金盆岭社区" in listed
    bad = cli("users", "add", "x2", "--role", "community", "--scope", "不存在社区", "--password", "Secret-123456")
    assert bad.code == 2 and bad.err.strip()
    assert cli("users", "passwd", "xiaoli", "--password", "Another-654321").code == 0


def test_users_add_refuses_a_name_the_console_cannot_address(cli):
    for name in ("wang/li", "wang li", "../admin", "a?b"):
        bad = cli("users", "add", name, "--role", "district", "--password", "Secret-123456")
        assert bad.code == 2 and "用户名只能" in bad.err, name
    assert "wang" not in cli("users", "list").out


def _occupied_port() -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


def test_a_port_in_use_is_said_plainly_and_the_password_is_kept(tmp_path):
    """QA: the banner and the one-time password were printed (and spent) before the bind failed with an OSError."""
    db = str(tmp_path / "p.db")
    with _occupied_port() as holder:
        port = holder.getsockname()[1]
        failed = run_process("-v", "--db", db, env={"BOT_WEB_PORT": str(port)}, timeout=60)  # -v before the default
    assert failed.returncode == 2
    assert f"端口 {port} 已被占用" in failed.stderr and "BOT_WEB_PORT" in failed.stderr
    assert "一次性密码" not in failed.stdout and "Traceback" not in failed.stderr and "OSError" not in failed.stderr
    # The next start that gets its port makes the admin and shows its password; an IPv6 address is in brackets.
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "run_bot.py", "--db", db], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "BOT_WEB_PORT": str(port), "BOT_WEB_HOST": "::1"})
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert f"http://[::1]:{port}/console/" in lines[1]
        assert re.search(r"admin\s+一次性密码：\S{10,}", lines[2])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_verbose_works_after_serve(tmp_path):
    """QA: `-v serve` logged no DEBUG lines (serve forced INFO) and `serve -v` was refused."""
    with _occupied_port() as holder:
        port = str(holder.getsockname()[1])
        for args in (("-v", "serve"), ("serve", "-v")):
            result = run_process(*args, "--db", str(tmp_path / "v.db"), env={"BOT_WEB_PORT": port}, timeout=60)
            assert result.returncode == 2 and "已被占用" in result.stderr, result.stderr
            assert " DEBUG " in result.stdout, args


def test_ctrl_c_during_start_up_is_one_plain_line(cli, monkeypatch):
    """QA: Ctrl-C while the models load (before the server takes the signal) printed a Python traceback."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("bot.app.Bot.__init__", interrupted)
    result = cli("console")
    assert result.code == 130 and result.err.strip() == "已中断。" and result.out == ""
