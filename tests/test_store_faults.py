"""The store under faults: locked by another process, full, backed up and restored while in use."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import Bot
from bot.channels.memory import MemoryChannel
from tests.conftest import Harness, run_process


@pytest.fixture
def quick(settings, clock):
    bot = Bot(replace(settings, db_busy_timeout=0.2), clock=clock)
    channel = MemoryChannel()
    bot.add_channel(channel)
    yield Harness(bot, channel)
    bot.close()


def test_a_database_locked_by_another_process_delays_but_loses_nothing(quick, settings, caplog):
    locker = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]); c.execute('BEGIN EXCLUSIVE');"
         "print('locked', flush=True); time.sleep(2); c.rollback()", str(settings.db_path)],
        stdout=subprocess.PIPE, text=True)
    assert locker.stdout.readline().strip() == "locked"
    asyncio.run(quick.bot.on_message(quick.message("3栋门口的路灯坏了好几天了", mention=True)))
    assert "数据库暂不可用" in caplog.text and "database is locked" in caplog.text
    assert quick.bot.retry_unstored() == 0  # still locked
    locker.wait()
    assert quick.bot.retry_unstored() == 1
    assert quick.bot.retry_unstored() == 0
    assert quick.bot.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert quick.bot.db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 1


def test_a_full_disk_delays_but_loses_nothing_and_corrupts_nothing(quick, caplog):
    db = quick.bot.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # as if the disk were full
    texts = [f"{n}栋楼道里堆满了杂物，消防通道都堵死了，好几天没人管" for n in range(1, 30)]
    for text in texts:
        asyncio.run(quick.bot.on_message(quick.message(text, mention=True)))
    assert "database or disk is full" in caplog.text
    db.execute("PRAGMA max_page_count = 1073741823")
    quick.bot.retry_unstored()
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == len(texts)
    assert db.execute("SELECT count(*) FROM inbox WHERE state = 'handled'").fetchone()[0] == len(texts)


def test_online_backup_and_restore(chat, settings, tmp_path):
    chat.say("5栋门口的井盖坏了好几天没人修", mention=True)
    backup = tmp_path / "backup.db"
    proc = run_process("db", "backup", str(backup), "--db", str(settings.db_path))
    assert proc.returncode == 0, proc.stderr
    chat.say("8栋楼道灯坏了一个星期了", mention=True, user="999")
    assert chat.bot.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
    again = run_process("db", "backup", str(backup), "--db", str(settings.db_path))
    assert again.returncode == 2 and "已存在" in again.stderr
    restored = tmp_path / "restored.db"
    assert run_process("db", "restore", str(backup), "--db", str(restored)).returncode == 0
    conn = sqlite3.connect(restored)
    assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_restore_refuses_a_broken_file(tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    proc = run_process("db", "restore", str(broken), "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    proc = run_process("db", "restore", str(other), "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 2 and "不是网格小助手的数据库" in proc.stderr


def test_backup_and_check_find_a_database_whose_path_has_url_characters(chat, tmp_path):
    chat.say("5栋门口的井盖坏了好几天没人修", mention=True)
    for odd in ("odd#dir", "odd?dir", "odd%41dir"):
        live = tmp_path / odd / "bot.db"
        live.parent.mkdir()
        assert run_process("db", "restore", str(chat.bot.settings.db_path), "--db", str(live)).returncode == 0
        check = run_process("db", "check", "--db", str(live))
        assert check.returncode == 0 and "数据库完好" in check.stdout, check.stderr
        backup = tmp_path / f"{odd}-backup.db"
        assert run_process("db", "backup", str(backup), "--db", str(live)).returncode == 0
        assert sqlite3.connect(backup).execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert not (tmp_path / "odd").exists()  # the path cut at # or ?: once created as an empty database


def test_backing_up_a_missing_database_says_so_in_chinese(tmp_path):
    proc = run_process("db", "backup", str(tmp_path / "b.db"), "--db", str(tmp_path / "nowhere" / "bot.db"))
    assert proc.returncode == 2 and "不存在" in proc.stderr
    assert "Error" not in proc.stderr and "unable" not in proc.stderr
    assert not (tmp_path / "b.db").exists()


def test_a_path_that_cannot_be_written_is_named_with_the_reason_in_chinese(chat, tmp_path):
    (tmp_path / "afile").write_text("")
    for command in (("db", "backup", str(tmp_path / "afile" / "b.db")), ("kb", "export", str(tmp_path / "afile" / "kb.csv"))):
        proc = run_process(*command, "--db", str(chat.bot.settings.db_path))
        assert proc.returncode == 1 and str(tmp_path / "afile") in proc.stderr, proc.stderr
        assert "已有同名的文件" in proc.stderr or "不是文件夹" in proc.stderr
        assert "Error" not in proc.stderr and "exists" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_new_database_and_its_backup_are_readable_by_their_owner_only(cli, tmp_path):
    old = os.umask(0o022)  # the usual umask, under which SQLite alone would make them readable by everyone
    try:
        assert cli("ask", "路灯坏了", "--json").code == 0  # creates the database
        backup = tmp_path / "backups" / "b.db"
        assert cli("db", "backup", str(backup)).code == 0
        restored = tmp_path / "restored.db"
        assert cli("db", "restore", str(backup), "--db", str(restored)).code == 0
    finally:
        os.umask(old)
    for path in (Path(cli.db), Path(cli.db + "-wal"), backup, restored):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
