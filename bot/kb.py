"""The FAQ knowledge base in the store: entries, their version history and hit counts."""

from __future__ import annotations

import json
from collections.abc import Mapping

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


def revision(db: Database) -> int:
    """Grows with every change to the knowledge base, whichever process made it: each change writes a version."""
    return db.execute("SELECT coalesce(max(id), 0) FROM faq_versions").fetchone()[0]


def get_entry(db: Database, faq_id: str) -> FaqEntry | None:
    rows = list(db.query("SELECT * FROM faq WHERE id = ?", [faq_id]))
    return _entry(rows[0]) if rows else None


def save_entry(db: Database, entry: FaqEntry, author: str, at: str, action: str = "update",
               owner: str | None = None, enabled: bool | None = None) -> int:
    """Create or update one entry and keep the new state as a version; returns the version number.

    `owner` and `enabled` None keep what the entry had; an entry restored after a delete gets back the owner
    its last version recorded, and its version numbers carry on where its history left off."""
    with db.atomic():
        current = db.execute("SELECT owner, enabled FROM faq WHERE id = ?", [entry.id]).fetchone()
        # Every change writes a version, also a delete: numbering carries on across delete and restore.
        last = db.execute("SELECT version, owner FROM faq_versions WHERE faq_id = ? ORDER BY version DESC, id DESC "
                          "LIMIT 1", [entry.id]).fetchone()
        version = (last[0] if last else 0) + 1
        if owner is None:
            owner = current[0] if current else (last[1] if last and last[1] is not None else "")
        if enabled is None:
            enabled = bool(current[1]) if current else True
        data = entry.as_dict()
        db["faq"].upsert(
            {**data, "similar": json.dumps(data["similar"], ensure_ascii=False),
             "keywords": json.dumps(data["keywords"], ensure_ascii=False),
             "version": version, "updated_at": at, "updated_by": author, "enabled": int(enabled), "owner": owner},
            pk="id",
        )
        db["faq_versions"].insert(
            {"faq_id": entry.id, "version": version, "action": action if last else "create",
             "data": json.dumps(data, ensure_ascii=False), "author": author, "at": at, "owner": owner}
        )
    return version


def import_entries(db: Database, entries: list[FaqEntry], author: str, at: str, replace: bool = False,
                   enabled: Mapping[str, bool] | None = None) -> dict[str, int]:
    """All or nothing: every entry is written in one transaction, or none is. An entry keeps its enabled state
    unless `enabled` (what the file says) gives it one; a new entry is enabled unless the file says not."""
    enabled = enabled or {}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    with db.atomic():
        existing = {e.id: e for e in load_entries(db, enabled_only=False)}
        states = enabled_states(db)
        for entry in entries:
            wanted = enabled.get(entry.id)
            if existing.get(entry.id) == entry:
                if wanted is None or wanted == states[entry.id]:
                    counts["unchanged"] += 1
                else:
                    counts["updated"] += 1
                    set_enabled(db, entry.id, wanted, author, at)
                continue
            counts["updated" if entry.id in existing else "created"] += 1
            save_entry(db, entry, author, at, action="import", enabled=wanted)
        if replace:
            keep = {e.id for e in entries}
            for faq_id in set(existing) - keep:
                delete_entry(db, faq_id, author, at)
                counts["removed"] += 1
    return counts


def enabled_states(db: Database) -> dict[str, bool]:
    return {r[0]: bool(r[1]) for r in db.execute("SELECT id, enabled FROM faq")}


def delete_entry(db: Database, faq_id: str, author: str, at: str) -> None:
    with db.atomic():
        row = db.execute("SELECT version, owner FROM faq WHERE id = ?", [faq_id]).fetchone()
        if not row:
            return
        db["faq_versions"].insert({"faq_id": faq_id, "version": row[0] + 1, "action": "delete", "data": None,
                                   "author": author, "at": at, "owner": row[1]})
        db.execute("DELETE FROM faq WHERE id = ?", [faq_id])


def count_hit(db: Database, faq_id: str, at: str) -> None:
    db.execute("UPDATE faq SET hits = hits + 1, last_hit_at = ? WHERE id = ?", [at, faq_id])


# -- for the admin console: listing, versions, enabling, reverting -----------------------------------------------


def entry_rows(db: Database, q: str = "", category: str = "", enabled: bool | None = None,
               owners: set[str] | None = None, include_shared: bool = True) -> list[dict]:
    """Entries as rows for a table. `owners` limits to entries owned by those units (plus district-wide ones
    when `include_shared`); None means every entry."""
    clauses, params = [], []
    if q:
        like = f"%{q.strip()}%"
        clauses.append("(id LIKE ? OR question LIKE ? OR similar LIKE ? OR keywords LIKE ? OR answer LIKE ?)")
        params += [like] * 5
    if category:
        clauses.append("category = ?")
        params.append(category)
    if enabled is not None:
        clauses.append("enabled = ?")
        params.append(int(enabled))
    if owners is not None:
        clauses.append(_owned_by(owners, include_shared))
        params += sorted(owners)
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    rows = list(db.query(f"SELECT * FROM faq {where}ORDER BY category, id", params))
    for row in rows:
        row["similar"] = json.loads(row["similar"] or "[]")
        row["keywords"] = json.loads(row["keywords"] or "[]")
    return rows


def entry_row(db: Database, faq_id: str) -> dict | None:
    rows = list(db.query("SELECT * FROM faq WHERE id = ?", [faq_id]))
    if not rows:
        return None
    row = rows[0]
    row["similar"] = json.loads(row["similar"] or "[]")
    row["keywords"] = json.loads(row["keywords"] or "[]")
    return row


def categories(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT category FROM faq ORDER BY category").fetchall()]



def set_enabled(db: Database, faq_id: str, enabled: bool, author: str, at: str) -> int | None:
    """Disable (the bot stops answering with it) or enable again; kept in the history like any change."""
    entry = get_entry(db, faq_id)
    row = db.execute("SELECT version, enabled, owner FROM faq WHERE id = ?", [faq_id]).fetchone()
    if entry is None or row is None:
        return None
    if bool(row[1]) == enabled:
        return row[0]
    version = row[0] + 1
    with db.atomic():
        db.execute("UPDATE faq SET enabled = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                   [int(enabled), version, at, author, faq_id])
        db["faq_versions"].insert({
            "faq_id": faq_id, "version": version, "action": "enable" if enabled else "disable",
            "data": json.dumps(entry.as_dict(), ensure_ascii=False), "author": author, "at": at, "owner": row[2],
        })
    return version


def versions(db: Database, faq_id: str) -> list[dict]:
    """Every saved version of one entry, newest first (also for a deleted entry)."""
    rows = list(db.query("SELECT * FROM faq_versions WHERE faq_id = ? ORDER BY version DESC, id DESC", [faq_id]))
    for row in rows:
        row["data"] = json.loads(row["data"]) if row["data"] else None
    return rows


def version_entry(db: Database, faq_id: str, version: int) -> FaqEntry | None:
    row = db.execute("SELECT data FROM faq_versions WHERE faq_id = ? AND version = ? AND data IS NOT NULL "
                     "ORDER BY id DESC LIMIT 1", [faq_id, version]).fetchone()
    if not row:
        return None
    data = json.loads(row[0])
    return FaqEntry(data["id"], data["category"], data["question"], tuple(data.get("similar") or ()),
                    tuple(data.get("keywords") or ()), data["answer"])


def revert_entry(db: Database, faq_id: str, version: int, author: str, at: str) -> int | None:
    """Make an earlier version current again, as a new version (history is never rewritten)."""
    entry = version_entry(db, faq_id, version)
    if entry is None:
        return None
    return save_entry(db, entry, author, at, action=f"revert:{version}")


def add_similar(db: Database, faq_id: str, texts: list[str], author: str, at: str) -> int | None:
    """Add residents' phrasings to an entry's similar questions (skipping ones it already has)."""
    entry = get_entry(db, faq_id)
    if entry is None:
        return None
    known = {entry.question, *entry.similar}
    new = tuple(t for t in dict.fromkeys(t.strip() for t in texts) if t and t not in known)
    if not new:
        return db.execute("SELECT version FROM faq WHERE id = ?", [faq_id]).fetchone()[0]
    changed = FaqEntry(entry.id, entry.category, entry.question, entry.similar + new, entry.keywords, entry.answer)
    return save_entry(db, changed, author, at, action="similar")


def _owned_by(owners: set[str], include_shared: bool = True) -> str:
    """SQL for entries owned by one of `owners` (their names bound in sorted order), and district-wide ones too."""
    marks = ", ".join("?" for _ in owners) or "NULL"
    shared = " OR owner = ''" if include_shared else ""
    return f"(owner IN ({marks}){shared})"


def most_asked(db: Database, limit: int = 10, owners: set[str] | None = None) -> list[dict]:
    """The entries answered most often; with `owners`, only district-wide ones and those the units own."""
    mine = "" if owners is None else f"AND {_owned_by(owners)} "
    return list(db.query(f"SELECT id, question, category, hits, last_hit_at FROM faq WHERE hits > 0 {mine}"
                         "ORDER BY hits DESC, id LIMIT ?", [*sorted(owners or ()), limit]))


def suggest_id(db: Database, category: str) -> str:
    """The next free id in the style of the category's entries (zs-007 → zs-008), else faq-001 …"""
    import re

    prefixes: dict[str, int] = {}
    for (faq_id,) in db.execute("SELECT id FROM faq WHERE category = ?", [category]).fetchall():
        if m := re.match(r"^([A-Za-z]+)-(\d+)$", faq_id):
            prefixes[m.group(1)] = max(prefixes.get(m.group(1), 0), int(m.group(2)))
    prefix = max(prefixes, key=lambda p: prefixes[p]) if prefixes else "faq"
    taken = {r[0] for r in db.execute("SELECT DISTINCT faq_id FROM faq_versions").fetchall()}
    taken |= {r[0] for r in db.execute("SELECT id FROM faq").fetchall()}
    number = prefixes.get(prefix, 0) + 1
    while f"{prefix}-{number:03d}" in taken:
        number += 1
    return f"{prefix}-{number:03d}"
