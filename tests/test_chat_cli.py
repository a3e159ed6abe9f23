"""`run_bot.py chat`: the terminal channel, end to end in a real process."""

from __future__ import annotations

import sqlite3

from bot.app import Bot
from bot.config import Settings
from bot.messages import Incoming
from tests.conftest import run_process


def test_terminal_chat_answers_files_and_shows_the_worker_notice(tmp_path):
    db = str(tmp_path / "chat.db")
    stdin = "@维修资金怎么申请使用？\n大家好\n@我家楼下的下水道堵了好几天了，脏水流到路面上没人管\n6栋2单元门口\n"
    proc = run_process("chat", "--as", "李大爷", "--db", db, stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "已进入" in out
    # The answer, the question where it is, and the case filed; the greeting among residents gets nothing.
    assert out.count("【网格小助手】") == 3
    assert "@李大爷" in out
    assert "SF-" in out and "私信 →" in out and "新网格事项" in out


def test_terminal_chat_on_the_live_database_touches_none_of_its_traffic(tmp_path):
    """`serve` and `chat` share data/bot.db by default: the chat must not send, mark or leave anything there."""
    db = tmp_path / "live.db"
    bot = Bot(Settings(db=str(db)))
    group = bot.db.execute("SELECT group_id FROM groups WHERE channel = 'qq' ORDER BY group_id LIMIT 1").fetchone()[0]
    # A real resident's question and complaint, answered into the outbox; QQ is down, so the replies wait there.
    bot.handle(Incoming("qq", "10001:1", group, "30003000", "物业费的收费标准是怎么定的？", "张阿姨", True))
    bot.handle(Incoming("qq", "10001:2", group, "30003001", "我们5栋楼下的路灯坏了一个星期了，晚上走路看不见也没人修",
                        "李叔", True))
    bot.close()
    live = sqlite3.connect(db)
    tables = ("inbox", "outbox", "cases", "case_events", "followups")
    before = {t: live.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    assert any(row for row in before["outbox"]) and before["cases"]

    stdin = "@我家楼下的下水道堵了好几天了，脏水流到路面上没人管\n6栋2单元门口\n"
    proc = run_process("chat", "--as", "王阿姨", "--db", str(db), "--group", group, stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    assert "临时副本" in proc.stdout and "SF-" in proc.stdout  # the chat works, on its own copy
    assert "@张阿姨" not in proc.stdout and "@李叔" not in proc.stdout  # nobody else's replies
    after = {t: live.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    assert after == before
