"""The SQLite store: one file, WAL mode, schema migrations applied on open."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from bot.migrations import migrations


def create_private(path: Path) -> None:
    """Create `path` as an empty file only its owner may read, unless it exists. The database holds residents'
    reports and the console's cookie key; SQLite would create it (and its -wal and -shm files, which copy the
    database file's mode) readable by everyone under the usual umask 022."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


def open_db(path: str | Path, busy_timeout: float = 10.0) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        create_private(Path(path))
        # A generous busy timeout: the console and the bot may write at the same moment.
        conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    migrations.apply(db)
    return db


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db["meta"].upsert({"key": key, "value": value}, pk="key")
