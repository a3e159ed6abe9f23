"""`run_bot.py chat`: the terminal channel, end to end in a real process."""

from __future__ import annotations

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
