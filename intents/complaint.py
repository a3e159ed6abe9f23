"""Complaint detection: does a message report a concrete, present problem, and of which category?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.lexicon import Lexicon


@dataclass(frozen=True, slots=True)
class ComplaintSignal:
    score: float  # 0-100
    category: str | None
    category_words: tuple[str, ...]
    problem_words: tuple[str, ...]
    policy_words: tuple[str, ...]


def _matcher(words) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


class ComplaintDetector:
    def __init__(self, lexicon: Lexicon):
        self._categories = [(c.code, _matcher(c.words)) for c in lexicon.categories]
        self._problem = _matcher(lexicon.problem_words)
        self._policy = _matcher(lexicon.policy_words)

    def assess(self, text: str) -> ComplaintSignal:
        best_code, best_words, best_weight = None, (), 0.0
        for code, pattern in self._categories:
            if pattern is None:
                continue
            found = tuple(dict.fromkeys(pattern.findall(text)))
            weight = sum(min(len(w), 4) for w in found)
            if weight > best_weight:
                best_code, best_words, best_weight = code, found, weight
        problems = tuple(dict.fromkeys(self._problem.findall(text))) if self._problem else ()
        policy = tuple(dict.fromkeys(self._policy.findall(text))) if self._policy else ()
        score = 0.0
        if best_words:
            score += 30 + 8 * min(best_weight, 5)
        if problems:
            score += 20 + 10 * min(len(problems), 2)
        score -= 25 * min(len(policy), 2)
        if not best_words and not problems:
            score = 0.0
        return ComplaintSignal(max(0.0, min(score, 100.0)), best_code or ("other" if problems else None),
                               best_words, problems, policy)
