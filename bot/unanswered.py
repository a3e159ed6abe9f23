"""Questions the bot could not answer: grouped by similarity for the admins, then resolved into the knowledge base."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlite_utils import Database

SIMILAR = 70.0  # token-set similarity (0-100) at which two questions count as the same question
LIMIT = 2000  # the newest open questions considered: grouping is quadratic in the worst case
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(slots=True)
class QuestionGroup:
    ids: list[int] = field(default_factory=list)
    texts: Counter[str] = field(default_factory=Counter)
    faq_ids: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    first_seen: str = ""
    last_seen: str = ""

    @property
    def key(self) -> int:
        return min(self.ids)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def question(self) -> str:
        """The most common wording (the newest on a tie): a good standard question to start from."""
        return self.texts.most_common(1)[0][0]

    @property
    def best_faq_id(self) -> str | None:
        return self.faq_ids.most_common(1)[0][0] if self.faq_ids else None


def open_questions(db: Database, grids: set[str] | None = None) -> list[dict]:
    """Unresolved rows, newest first, with the group's grid; `grids` limits to groups in those grids."""
    sql = ("SELECT u.*, g.grid, g.name AS group_name FROM unanswered u "
           "LEFT JOIN groups g ON g.channel = u.channel AND g.group_id = u.group_id WHERE u.resolved = 0")
    params: list = []
    if grids is not None:
        sql += f" AND g.grid IN ({', '.join('?' for _ in grids) or 'NULL'})"
        params += sorted(grids)
    return list(db.query(sql + " ORDER BY u.at DESC, u.id DESC LIMIT ?", [*params, LIMIT]))


def group_questions(rows: list[dict], tokens: Callable[[str], str] | None = None,
                    similar: float = SIMILAR) -> list[QuestionGroup]:
    """Single-linkage grouping: a question joins the group of its most similar earlier question, if similar enough.

    `tokens` turns a text into space-separated words (the bot's segmenter); without it, characters are compared.
    """
    tokens = tokens or (lambda text: " ".join(_NOISE.sub("", text.lower())))
    groups: list[QuestionGroup] = []
    seen: list[str] = []  # the tokenised text of every question placed so far …
    owner: list[int] = []  # … and the index of its group
    for row in rows:
        text = (row["text"] or "").strip()
        if not text:
            continue
        key = tokens(text)
        match = process.extractOne(key, seen, scorer=fuzz.token_set_ratio, score_cutoff=similar) if seen else None
        if match is None:
            groups.append(QuestionGroup(first_seen=row["at"], last_seen=row["at"]))
            index = len(groups) - 1
        else:
            index = owner[match[2]]
        group = groups[index]
        group.ids.append(row["id"])
        group.texts[text] += 1
        if row.get("best_faq_id"):
            group.faq_ids[row["best_faq_id"]] += 1
        if row.get("group_name"):
            group.places[row["group_name"]] += 1
        group.first_seen = min(group.first_seen, row["at"])
        group.last_seen = max(group.last_seen, row["at"])
        seen.append(key)
        owner.append(index)
    return sorted(groups, key=lambda g: (g.count, g.last_seen), reverse=True)


def texts_of(db: Database, ids: list[int]) -> list[str]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(f"SELECT text FROM unanswered WHERE id IN ({marks}) ORDER BY at DESC", ids).fetchall()
    return list(dict.fromkeys(r[0].strip() for r in rows if r[0] and r[0].strip()))


def resolve(db: Database, ids: list[int], by: str, at: str, resolution: str = "") -> int:
    """Mark questions as dealt with: `resolution` is the FAQ entry that now answers them, or "" when dismissed."""
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    cursor = db.execute(
        f"UPDATE unanswered SET resolved = 1, resolved_at = ?, resolved_by = ?, resolution = ? "
        f"WHERE resolved = 0 AND id IN ({marks})",
        [at, by, resolution, *ids],
    )
    return cursor.rowcount
