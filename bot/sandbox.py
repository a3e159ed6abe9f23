"""The terminal chat's database: an in-memory copy of the real one with its registry and knowledge base, and none of
its traffic, so a try-out in the terminal never sends, marks or files anything of the running bot's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from bot.migrations import migrations

# What a conversation needs to behave as it would in the real group. Every other table (inbox, outbox, cases,
# follow-ups, and any added later) is emptied: nothing that belongs to real residents or workers is carried over.
KEPT = frozenset({"meta", "faq", "streets", "communities", "grids", "groups", "people", migrations.migrations_table})


def sandbox_copy(path: Path) -> sqlite_utils.Database:
    """A private in-memory copy of the database at `path` (a fresh one if there is none), stripped to `KEPT`."""
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    if path.exists():
        # Opened without creating anything, only read; safe while `serve` writes to it (WAL readers see a snapshot).
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
        try:
            source.backup(memory)
        finally:
            source.close()
    db = sqlite_utils.Database(memory)
    migrations.apply(db)
    db.execute("PRAGMA foreign_keys=OFF")  # emptied all together: the order of foreign keys does not matter
    with db.atomic():
        for table in db.table_names():
            if table not in KEPT and not table.startswith("sqlite_"):
                db.execute(f"DELETE FROM [{table}]")
    db.execute("PRAGMA foreign_keys=ON")
    return db
