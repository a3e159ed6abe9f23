"""The FAQ knowledge base in the store: entries, their version history and hit counts."""

from __future__ import annotations

import json

from sqlite_utils import Database

from knowledge.entry import FaqEntry


def _entry(row: dict) -> FaqEntry:
    return FaqEntry(
        row["id"], row["category"], row["question"], tuple(json.loads(row["similar"] or "[]")),
        tuple(json.loads(row["keywords"] or "[]")), row["answer"],
    )


def load_entries(db: Database, enabled_only: bool = True) -> list[FaqEntry]:
    where = "WHERE enabled = 1 " if enabled_only else ""
    return [_entry(r) for r in db.query(f"SELECT * FROM faq {where}ORDER BY id")]


def get_entry(db: Database, faq_id: str) -> FaqEntry | None:
    rows = list(db.query("SELECT * FROM faq WHERE id = ?", [faq_id]))
    return _entry(rows[0]) if rows else None


def save_entry(db: Database, entry: FaqEntry, author: str, at: str, action: str = "update") -> int:
    """Create or update one entry and keep the new state as a version; returns the version number."""
    current = db.execute("SELECT version FROM faq WHERE id = ?", [entry.id]).fetchone()
    version = (current[0] + 1) if current else 1
    data = entry.as_dict()
    with db.atomic():
        db["faq"].upsert(
            {**data, "similar": json.dumps(data["similar"], ensure_ascii=False),
             "keywords": json.dumps(data["keywords"], ensure_ascii=False),
             "version": version, "updated_at": at, "updated_by": author, "enabled": 1},
            pk="id",
        )
        db["faq_versions"].insert(
            {"faq_id": entry.id, "version": version, "action": action if current else "create",
             "data": json.dumps(data, ensure_ascii=False), "author": author, "at": at}
        )
    return version


def import_entries(db: Database, entries: list[FaqEntry], author: str, at: str, replace: bool = False) -> dict[str, int]:
    """All or nothing: every entry is written in one transaction, or none is."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    with db.atomic():
        existing = {e.id: e for e in load_entries(db, enabled_only=False)}
        for entry in entries:
            if existing.get(entry.id) == entry:
                counts["unchanged"] += 1
                continue
            counts["updated" if entry.id in existing else "created"] += 1
            save_entry(db, entry, author, at, action="import")
        if replace:
            keep = {e.id for e in entries}
            for faq_id in set(existing) - keep:
                delete_entry(db, faq_id, author, at)
                counts["removed"] += 1
    return counts


def delete_entry(db: Database, faq_id: str, author: str, at: str) -> None:
    row = db.execute("SELECT version FROM faq WHERE id = ?", [faq_id]).fetchone()
    if not row:
        return
    with db.atomic():
        db["faq_versions"].insert(
            {"faq_id": faq_id, "version": row[0] + 1, "action": "delete", "data": None, "author": author, "at": at}
        )
        db.execute("DELETE FROM faq WHERE id = ?", [faq_id])


def count_hit(db: Database, faq_id: str, at: str) -> None:
    db.execute("UPDATE faq SET hits = hits + 1, last_hit_at = ? WHERE id = ?", [at, faq_id])
