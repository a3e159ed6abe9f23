"""Online backup and restore of the SQLite store (SQLite's backup API: consistent while the bot writes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store import create_private, open_db


class BackupError(Exception):
    pass


# SQLite's own words for the failures a person can do something about.
_REASONS = {"unable to open database file": "无法打开数据库文件（路径不存在或没有权限）",
            "database is locked": "数据库正被占用，请稍后再试",
            "database or disk is full": "磁盘已满",
            "file is not a database": "不是数据库文件",
            "attempt to write a readonly database": "没有写入权限"}


def _reason(exc: sqlite3.Error) -> str:
    return _REASONS.get(str(exc), f"数据库出错（{exc}）")


def _read_only(path: Path) -> sqlite3.Connection:
    """Open `path` read-only. The path goes into a file: URI escaped: a raw #, ? or % in it would make SQLite
    open (or create) another file."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def backup(db_path: Path, target: Path) -> int:
    """Copy the live database to `target` (a new file); returns its size in bytes."""
    if target.exists():
        raise BackupError(f"{target} 已存在：请换一个文件名，备份不会覆盖已有文件")
    if not db_path.exists():
        raise BackupError(f"数据库 {db_path} 不存在：请用 --db 或 BOT_DB 指定要备份的数据库")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_suffix(target.suffix + ".part")
    source = None
    try:
        source = _read_only(db_path)
        scratch.unlink(missing_ok=True)  # left by an interrupted backup: start afresh, with our mode
        create_private(scratch)  # a backup is as private as the database
        destination = sqlite3.connect(scratch)
        with destination:
            source.backup(destination, pages=1024)  # in steps, so the bot can keep writing in between
        destination.close()
        scratch.replace(target)
    except sqlite3.Error as exc:
        scratch.unlink(missing_ok=True)
        raise BackupError(f"备份失败：{_reason(exc)}") from None
    finally:
        if source is not None:
            source.close()
    return target.stat().st_size


def check(path: Path) -> None:
    """Raise BackupError unless `path` is an intact database of this bot."""
    if not path.exists():
        raise BackupError(f"{path} 不存在")
    try:
        conn = _read_only(path)
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 无法作为数据库读取：{_reason(exc)}") from None
    if result != "ok":
        raise BackupError(f"{path} 已损坏：{result}")
    if not {"_sqlite_migrations", "inbox", "cases", "outbox"} <= tables:
        raise BackupError(f"{path} 不是网格小助手的数据库")


def restore(source: Path, db_path: Path) -> None:
    """Replace the database's contents with the backup's, page by page under SQLite's locks; then migrate."""
    check(source)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = _read_only(source)
        create_private(db_path)
        dest = sqlite3.connect(db_path, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败：{_reason(exc)}") from None
    try:
        src.backup(dest)
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败：{_reason(exc)}") from None
    finally:
        src.close()
        dest.close()
    open_db(db_path).close()  # a backup from an older version gets the newer schema
