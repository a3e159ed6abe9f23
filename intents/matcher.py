"""The FAQ matcher: an inverted index gives a shortlist, rapidfuzz and term evidence re-rank it."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from intents.segment import Segmenter, pinyin_of
from knowledge.entry import FaqEntry

SHORTLIST = 12


@dataclass(frozen=True, slots=True)
class Phrasing:
    words: tuple[str, ...]  # content words, canonical
    text: str  # content words joined: what character similarity is computed on
    pinyin: str


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: FaqEntry
    score: float  # 0-100
    ratio: float
    pinyin: float
    query_cover: float
    phrasing_cover: float
    keyword_hits: int
    best_phrasing: str


class FaqIndex:
    def __init__(self, entries: list[FaqEntry], segmenter: Segmenter):
        self.entries = [e for e in entries]
        self.segmenter = segmenter
        texts = [t for e in self.entries for t in (e.question, *e.similar, *e.keywords)]
        segmenter.add_words(k for e in self.entries for k in e.keywords)
        vocabulary = {w for t in texts for w in segmenter.raw_cut(t)}
        vocabulary |= {segmenter.synonyms.get(w, w) for w in vocabulary}
        segmenter.learn_vocabulary(vocabulary | {k for e in self.entries for k in e.keywords})

        self.phrasings: list[list[Phrasing]] = []
        self.keywords: list[list[frozenset[str]]] = []
        postings: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(self.entries):
            phrasings = [self._phrasing(t) for t in (entry.question, *entry.similar)]
            keywords = [frozenset(segmenter.content(segmenter.cut(k))) for k in entry.keywords]
            self.phrasings.append(phrasings)
            self.keywords.append([k for k in keywords if k])
            for word in {w for p in phrasings for w in p.words} | {w for k in keywords for w in k}:
                postings[word].add(index)
        self.postings = {w: frozenset(ids) for w, ids in postings.items()}
        n = max(len(self.entries), 1)
        self.idf = {w: math.log(1 + n / len(ids)) for w, ids in self.postings.items()}
        self.vocabulary = frozenset(self.postings)

    def _phrasing(self, text: str) -> Phrasing:
        words = self.segmenter.content(self.segmenter.cut(text))
        joined = "".join(words)
        return Phrasing(words, joined, pinyin_of(joined))

    def weight(self, word: str) -> float:
        # A word the knowledge base never uses still counts (it is evidence of another topic).
        return self.idf.get(word, 1.5 if len(word) > 1 else 0.6)

    def search(self, words: tuple[str, ...]) -> list[Candidate]:
        """Candidates for the content words of one message, best first."""
        if not words:
            return []
        votes: dict[int, float] = defaultdict(float)
        for word in set(words):
            for index in self.postings.get(word, ()):
                votes[index] += self.idf[word]
        shortlist = sorted(votes, key=votes.__getitem__, reverse=True)[:SHORTLIST]
        query_text = "".join(words)
        query_pinyin = pinyin_of(query_text)
        query_set = set(words)
        query_mass = sum(self.weight(w) for w in query_set)
        ranked = [self._score(i, query_text, query_pinyin, query_set, query_mass) for i in shortlist]
        return sorted(ranked, key=lambda c: c.score, reverse=True)

    def _score(self, index: int, text: str, pinyin: str, words: set[str], mass: float) -> Candidate:
        entry_words = {w for p in self.phrasings[index] for w in p.words}
        entry_words |= {w for k in self.keywords[index] for w in k}
        query_cover = sum(self.weight(w) for w in words & entry_words) / mass if mass else 0.0
        best: tuple[float, float, float, float, str] = (-1.0, 0.0, 0.0, 0.0, "")
        for phrasing in self.phrasings[index]:
            ratio = fuzz.ratio(text, phrasing.text)
            py = fuzz.ratio(pinyin, phrasing.pinyin)
            p_words = set(phrasing.words)
            p_mass = sum(self.idf.get(w, 0.0) for w in p_words) or 1.0
            p_cover = sum(self.idf.get(w, 0.0) for w in p_words & words) / p_mass
            combined = 0.45 * ratio + 0.15 * py + 40 * p_cover
            if combined > best[0]:
                best = (combined, ratio, py, p_cover, phrasing.text)
        _, ratio, py, p_cover, best_text = best
        keyword_hits = sum(1 for k in self.keywords[index] if k <= words)
        score = 0.35 * ratio + 0.10 * py + 30 * query_cover + 25 * p_cover + min(keyword_hits, 2) * 5
        return Candidate(self.entries[index], round(min(score, 100.0), 1), ratio, py, query_cover, p_cover, keyword_hits, best_text)
