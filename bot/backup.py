"""Online backup and restore of the SQLite store (SQLite's backup API: consistent while the bot writes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store import open_db


class BackupError(Exception):
    pass


def backup(db_path: Path, target: Path) -> int:
    """Copy the live database to `target` (a new file); returns its size in bytes."""
    if target.exists():
        raise BackupError(f"{target} 已存在：请换一个文件名，备份不会覆盖已有文件")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    scratch = target.with_suffix(target.suffix + ".part")
    try:
        destination = sqlite3.connect(scratch)
        with destination:
            source.backup(destination, pages=1024)  # in steps, so the bot can keep writing in between
        destination.close()
        scratch.replace(target)
    except sqlite3.Error as exc:
        scratch.unlink(missing_ok=True)
        raise BackupError(f"备份失败：{exc}") from None
    finally:
        source.close()
    return target.stat().st_size


def check(path: Path) -> None:
    """Raise BackupError unless `path` is an intact database of this bot."""
    if not path.exists():
        raise BackupError(f"{path} 不存在")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 不是有效的数据库文件（{exc}）") from None
    if result != "ok":
        raise BackupError(f"{path} 已损坏：{result}")
    if not {"_sqlite_migrations", "inbox", "cases", "outbox"} <= tables:
        raise BackupError(f"{path} 不是网格小助手的数据库")


def restore(source: Path, db_path: Path) -> None:
    """Replace the database's contents with the backup's, page by page under SQLite's locks; then migrate."""
    check(source)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dest = sqlite3.connect(db_path, timeout=30)
    try:
        src.backup(dest)
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败：{exc}") from None
    finally:
        src.close()
        dest.close()
    open_db(db_path).close()  # a backup from an older version gets the newer schema
