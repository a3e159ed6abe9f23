"""The FAQ matcher: an inverted index gives a shortlist, rapidfuzz and term evidence re-rank it.

Each candidate gets a few features that do not depend on a particular knowledge base (similarities, how much of
the message the entry explains, how much of the message is about words the knowledge base never uses). A
conditional-logit model with a "none of these" option turns them into confidences 0-100 that sum to at most 100
over the shortlist, so two close candidates share the confidence. Its weights are fitted by benchmarks/calibrate.py.
"""

from __future__ import annotations

import math
import re
import sys
from array import array
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from intents.normalize import ages_in_digits
from intents.segment import Segmenter, pinyin_of
from intents.thesaurus import synonyms_of
from knowledge.entry import FaqEntry

SHORTLIST = 8
# A question about what a thing is: "什么是三供一业", "业委会是什么意思", "三供一业是搞什么的" (dialect already made Mandarin).
DEFINING = re.compile(r"(?<!为)(?:什么|啥)(?:是|叫)|(?:什么|啥)意思|是(?:搞|干)(?:什么|啥)的|是怎么回事|指的是什么"
                      r"|是(?:个|一个)?(?:什么|啥)(?:东西|政策|名堂|玩意儿?)?(?:[?？啊呀哦咯]|$)")
SOFT = 0.8  # a word matched through a synonym or an abbreviation counts a little less than the word itself
ANSWER_CHARS = 160
ANSWER_VOTE = 0.3  # words found only in an entry's answer still point to it, weakly
_THE_GROUP = frozenset({"群里", "群里面", "这个群", "本群"})
_UNITS = frozenset("岁周平米方元块号栋楼层户年月天日个")  # what a number counts; any other character after it is not its unit
FEATURES = ("ratio", "pinyin", "partial", "bigram", "tfidf", "query_cover", "phrasing_cover", "keywords",
            "answer_cover", "unknown", "length", "topic")
# Logistic weights (bias first), fitted on held-apart data by benchmarks/calibrate.py.
WEIGHTS = (-11.374, 4.750, 5.097, -1.437, -0.796, 5.215, 4.053, 0.090, -0.559, 3.192, -1.141, 1.745, 1.467)


@dataclass(frozen=True, slots=True)
class Phrasing:
    words: tuple[str, ...]  # distinct content words, canonical (a tuple: 10,000 entries hold 40,000 of them)
    text: str  # content words joined: what character similarity is computed on
    mass: float  # the IDF weight of its words


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: FaqEntry
    logit: float
    features: dict[str, float]
    best_phrasing: str
    score: float = 0.0  # confidence 0-100, set against the other candidates


def logit(features: dict[str, float], weights: tuple[float, ...] = WEIGHTS) -> float:
    return weights[0] + sum(w * features[name] for w, name in zip(weights[1:], FEATURES, strict=True))


def with_confidences(candidates: list[Candidate]) -> list[Candidate]:
    """Softmax over the candidates and a "none of these" option whose logit is 0; best first."""
    if not candidates:
        return []
    top = max(max(c.logit for c in candidates), 0.0)
    weights = [math.exp(c.logit - top) for c in candidates]
    total = sum(weights) + math.exp(-top)
    scored = [Candidate(c.entry, c.logit, c.features, c.best_phrasing, round(100 * w / total, 1))
              for c, w in zip(candidates, weights, strict=True)]
    return sorted(scored, key=lambda c: c.logit, reverse=True)


class FaqIndex:
    def __init__(self, entries: list[FaqEntry], segmenter: Segmenter, weights: tuple[float, ...] = WEIGHTS):
        self.entries = list(entries)
        self._positions = {e.id: i for i, e in enumerate(self.entries)}
        self.segmenter = segmenter
        self.weights = weights
        terms = {ages_in_digits(k) for e in self.entries for k in e.keywords}
        self.terms = frozenset(terms)  # what this index put into the shared tokenizer
        segmenter.use_words(terms)
        vocabulary = set(terms)  # jieba's words in the knowledge base: what residents' typos are repaired to

        # Texts repeat (keywords above all): each is cut once, and its words are shared as one string each.
        cut = lru_cache(maxsize=None)(lambda text: tuple(map(sys.intern, segmenter.raw_cut(text))))

        def content_words(text: str, learn: bool = True) -> tuple[str, ...]:
            # The knowledge base is read as residents' messages are after normalisation: 80岁, not 八十岁.
            words = cut(ages_in_digits(text))
            if learn:
                vocabulary.update(words)
            return segmenter.content(segmenter.canonical(words))

        phrasing_words = [[content_words(t) for t in (e.question, *e.similar)] for e in self.entries]
        self.keywords = [[k for k in map(content_words, e.keywords) if k] for e in self.entries]
        # Lists while building (each entry adds a word once): a set per word would hold twice the memory at the peak.
        postings: dict[str, list[int]] = defaultdict(list)
        for index, (phrasings, keywords) in enumerate(zip(phrasing_words, self.keywords, strict=True)):
            for word in {w for words in (*phrasings, *keywords) for w in words}:
                postings[word].append(index)
        self.postings = {w: _compact(ids) for w, ids in postings.items()}
        del postings
        segmenter.learn_vocabulary(vocabulary | {segmenter.synonyms.get(w, w) for w in vocabulary})
        answer_postings: dict[str, list[int]] = defaultdict(list)
        for index, entry in enumerate(self.entries):
            # The answer's opening says what it is about; the rest adds time, not evidence.
            for word in set(content_words(f"{entry.category} {entry.answer[:ANSWER_CHARS]}", learn=False)):
                answer_postings[word].append(index)
        # A word in more than a twentieth of the answers says little about any one of them: not indexed.
        common = max(20, len(self.entries) // 20)
        self.answer_postings = {w: _compact(ids) for w, ids in answer_postings.items() if len(ids) <= common}
        del answer_postings
        # For each thing, the one entry with a phrasing that asks what it is ("什么是三供一业"), if only one has. A word
        # of asking is no thing: "征收程序是什么" does not say what every 程序 is ("换物业的程序是么子").
        defined: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(self.entries):
            for text in (entry.question, *entry.similar):
                thing = defined_thing(text, lambda part: content_words(part, learn=False))
                if thing and not self.only_asks(thing):
                    defined[thing].add(index)
        self._definers = {word: ids.pop() for word, ids in defined.items() if len(ids) == 1}
        self.abbreviations = _abbreviation_index(self.postings)
        n = max(len(self.entries), 1)
        self.idf = {w: math.log(1 + n / len(ids)) for w, ids in self.postings.items()}
        self.max_idf = math.log(1 + n)
        self.answer_idf = {w: math.log(1 + n / len(ids)) for w, ids in self.answer_postings.items()}
        self.phrasings = [[self._phrasing(words) for words in ps] for ps in phrasing_words]
        del phrasing_words
        cut.cache_clear()  # a cut of every text in the knowledge base: let it go before the grams need room
        # Character uni- and bigram TF-IDF over each entry's phrasings: robust to words jieba cuts differently.
        self.grams = CharTfidf(["".join(p.text for p in ps) for ps in self.phrasings])

    def _phrasing(self, words: tuple[str, ...]) -> Phrasing:
        distinct = tuple(dict.fromkeys(words))
        return Phrasing(distinct, "".join(words), sum(self.idf[w] for w in distinct) or 1.0)

    def weight(self, word: str) -> float:
        # A word the knowledge base never uses weighs like a rare one: it is evidence of another topic.
        return self.idf.get(word, self.max_idf if len(word) > 1 else 0.5)

    def related(self, word: str, text: str = "") -> frozenset[str]:
        """Knowledge-base words an unknown word stands for: an abbreviation (老改 -> 老旧小区改造), a synonym,
        a homophone (过度 -> 过渡) or, when `text` asks about such things, the kind it is (体温计丢哪 -> 有害垃圾)."""
        if word in self.postings or len(word) < 2:
            return frozenset()
        if self.segmenter.is_common(word):
            found = set()
        else:
            found = set(self.abbreviations.get(word, ()))
        found |= synonyms_of(word)
        if sound_alike := self.segmenter.homophone(word):
            found.add(sound_alike)
        if (kind := self.segmenter.kinds.get(word)) and any(cue in text for cue in kind.cues):
            found.add(self.segmenter.synonyms.get(kind.name, kind.name))
        return frozenset(w for w in found & self.postings.keys() if len(w) > 1)

    def defining(self, thing: str | None) -> FaqEntry | None:
        """The one entry that says what `thing` is (by a phrasing shaped like a definition), if there is one."""
        index = self._definers.get(thing or "")
        return None if index is None else self.entries[index]

    def only_asks(self, word: str) -> bool:
        """Whether a word only says what the resident wants to know (申请, 流程; 收费标准 is 收费 + 标准: asking too)."""
        asking = self.segmenter.asking_words
        return word in asking or any(word[:i] in asking and word[i:] in asking for i in range(1, len(word)))

    def subjects(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """What a message is about: its content words of two or more characters, less those that only say what the
        resident wants to know (申请, 条件, 电话) and numbers."""
        found = tuple(dict.fromkeys(w for w in words if len(w) > 1 and not self.only_asks(w) and not w.isdigit()))
        # The chat group is where every message is said: what it is about only when nothing else is ("群里怎么报事").
        return tuple(w for w in found if w not in _THE_GROUP) or found

    def speaks_of(self, entry: FaqEntry, subjects: tuple[str, ...], text: str = "") -> bool:
        """Whether the entry speaks of at least one of a message's `subjects`, in its phrasings or its answer, by the
        word, a word it stands for, or two characters of it (安置金 ~ 临时安置费). "残疾人补贴怎么申请" shares only
        补贴 and 申请 with "加装电梯补贴怎么申请": the entry speaks of neither of its subjects, and answering it would
        answer another question."""
        index = self._positions[entry.id]
        if any(index in self.postings.get(word, ()) or index in self.answer_postings.get(word, ())
               or any(index in self.postings[other] for other in self.related(word, text)) for word in subjects):
            return True
        said = self.said(entry)  # joined only when the index has not settled it: it is the slow way
        return any(word[i : i + 2] in said for word in subjects for i in range(len(word) - 1))

    def shares_a_number(self, entry: FaqEntry, text: str) -> bool:
        """A number of two digits or more that the entry uses too (满80岁, 90平) names the same thing, with the same
        unit when the message gives one: 满45岁 is not 45号文, and 满80了 is 年满80周岁."""
        numbers = {(n, unit if unit in _UNITS else "")
                   for n, unit in re.findall(r"(?<!\d)(\d{2,})(?!\d)([\u4e00-\u9fff]?)", text)}
        if not numbers:
            return False
        said = self.said(entry)
        return any(re.search(rf"(?<!\d){n}(?!\d){re.escape(unit)}", said) for n, unit in numbers)

    def said(self, entry: FaqEntry) -> str:
        """All an entry says: its phrasings (as indexed and as written), keywords and answer, one text."""
        index = self._positions[entry.id]
        return "\n".join((*(p.text for p in self.phrasings[index]), entry.question, *entry.similar, *entry.keywords,
                          entry.answer))

    def search(self, words: tuple[str, ...], text: str = "") -> list[Candidate]:
        """Candidates for the content words of one message (`text`, normalised, tells what it asks), best first."""
        if not words:
            return []
        # Sums run in the message's word order and ties go to the earlier entry, so that a message scores the same in
        # every process (a set's order changes with Python's hash seed).
        query = tuple(dict.fromkeys(words))
        soft = {w: tuple(sorted(self.related(w, text))) for w in query if w not in self.postings}
        soft = {w: found for w, found in soft.items() if found}
        votes: dict[int, float] = defaultdict(float)
        for word in query:
            for index in self.postings.get(word, ()):
                votes[index] += self.idf[word]
        for word in query:
            for index in self.answer_postings.get(word, ()):
                votes[index] += ANSWER_VOTE * self.answer_idf[word]
        for found in soft.values():
            for other in found:
                for index in self.postings[other]:
                    votes[index] += SOFT * self.idf[other] / len(found)
        shortlist = sorted(votes, key=lambda index: (-votes[index], index))[:SHORTLIST]
        answer_mass = sum(self.answer_idf.get(w, self.max_idf) for w in query)
        # For character similarity, an unknown word with exactly one stand-in is written as that word.
        text = "".join(soft[w][0] if len(soft.get(w, ())) == 1 else w for w in words)
        mass = sum(self.weight(w) for w in query)
        unknown = sum(self.weight(w) for w in query if w not in self.postings and w not in soft)
        query_grams = self.grams.vector(text)
        context = (text, pinyin_of(text), set(query), soft, mass, unknown, answer_mass, query_grams)
        return with_confidences([self._candidate(i, *context) for i in shortlist])

    def _candidate(self, index: int, text: str, pinyin: str, words: set[str], soft: dict[str, tuple[str, ...]],
                   mass: float, unknown: float, answer_mass: float, query_grams: np.ndarray | None) -> Candidate:
        postings = self.postings
        matched = {w for w in words if index in postings.get(w, ())}
        soft_matched = {w: hits for w, found in soft.items() if (hits := {o for o in found if index in postings[o]})}
        words = words | {other for found in soft_matched.values() for other in found}
        best = (-1.0, 0.0, 0.0, self.phrasings[index][0])
        idf = self.idf
        for phrasing in self.phrasings[index]:
            ratio = fuzz.ratio(text, phrasing.text) / 100
            p_cover = sum(idf[w] for w in phrasing.words if w in words) / phrasing.mass
            if ratio + p_cover > best[0]:
                best = (ratio + p_cover, ratio, p_cover, phrasing)
        _, ratio, p_cover, phrasing = best
        py = fuzz.ratio(pinyin, pinyin_of(phrasing.text)) / 100
        keywords = self.keywords[index]
        features = {
            "ratio": ratio,
            "pinyin": py,
            "partial": fuzz.partial_ratio(phrasing.text, text) / 100 if text and phrasing.text else 0.0,
            "bigram": _dice(text, phrasing.text),
            "tfidf": self.grams.cosine(query_grams, index),
            "query_cover": (math.fsum(self.weight(w) for w in matched)
                            + SOFT * math.fsum(self.weight(w) for w in soft_matched)) / mass if mass else 0.0,
            "phrasing_cover": p_cover,
            "keywords": sum(1 for k in keywords if all(w in words for w in k)) / len(keywords) if keywords else 0.0,
            "answer_cover": math.fsum(self.answer_idf[w] for w in words if index in self.answer_postings.get(w, ())) / answer_mass
            if answer_mass else 0.0,
            "unknown": unknown / mass if mass else 0.0,
            "length": math.log1p(len(words)),
            "topic": max((self.idf[w] for w in matched | {o for f in soft_matched.values() for o in f}), default=0.0)
            / self.max_idf,
        }
        return Candidate(self.entries[index], logit(features, self.weights), features, phrasing.text)


def _compact(ids: list[int]) -> frozenset[int]:
    """A frozenset made from a set gets a table sized once (twice its members); made from a list, it grows as it
    fills, to four times: 10,000 entries' postings would hold some 10 MB more."""
    return frozenset(set(ids))


class CharTfidf:
    """Character uni- and bigram TF-IDF over texts (each entry's phrasings, joined): robust to words jieba cuts
    differently. The texts' unit vectors are the rows of one sparse matrix, so 10,000 entries' million grams are three
    arrays, not an object each, and a cosine is one gather and one dot product."""

    def __init__(self, texts: list[str]) -> None:
        self.ids: dict[str, int] = {}
        columns, counts, lengths = array("I"), array("f"), array("I")
        for text in texts:
            grams = _char_grams(text)
            columns.extend(self.ids.setdefault(g, len(self.ids)) for g in grams)
            counts.extend(grams.values())
            lengths.append(len(grams))
        self.columns = np.frombuffer(columns, dtype=np.uint32)
        lengths = np.frombuffer(lengths, dtype=np.uint32).astype(np.intp)
        self.offsets = np.zeros(len(texts) + 1, dtype=np.intp)
        np.cumsum(lengths, out=self.offsets[1:])
        df = np.bincount(self.columns, minlength=len(self.ids))
        self.idf = np.log1p(max(len(texts), 1) / np.maximum(df, 1)).astype(np.float32)
        self.weights = np.frombuffer(counts, dtype=np.float32)  # the counts, made unit weights in place
        self.weights *= self.idf[self.columns]
        if len(texts):
            # Each row's sum of squares; the 0 appended is the sum of an empty last row (reduceat has no empty rows).
            norms = np.sqrt(np.add.reduceat(np.append(np.square(self.weights), 0), self.offsets[:-1]))
            self.weights /= np.repeat(norms, lengths)

    def vector(self, text: str) -> np.ndarray | None:
        """A message's unit vector over the texts' grams (None when it has none of them)."""
        counts = {self.ids[g]: c for g, c in _char_grams(text).items() if g in self.ids}
        if not counts:
            return None
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) * self.idf[columns]
        vector = np.zeros(len(self.ids))
        vector[columns] = weights / math.sqrt(weights @ weights)
        return vector

    def cosine(self, vector: np.ndarray | None, row: int) -> float:
        if vector is None:
            return 0.0
        row = slice(self.offsets[row], self.offsets[row + 1])
        return float(vector[self.columns[row]] @ self.weights[row])


def _char_grams(text: str) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for i, char in enumerate(text):
        counts[char] += 1
        if i + 1 < len(text):
            counts[text[i : i + 2]] += 1
    return counts


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _dice(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def defined_thing(text: str, content: Callable[[str], tuple[str, ...]]) -> str | None:
    """What a question shaped like a definition asks about: the content word right after "什么是" (什么是三供一业) or
    right before "是什么" (业委会是什么意思; 收费标准, not 三供一业, in "三供一业移交后收费标准是什么")."""
    if not (match := DEFINING.search(text)):
        return None
    after = match.group(0).endswith(("是", "叫"))
    words = content(text[match.end():] if after else text[: match.start()])
    return (words[0] if after else words[-1]) if words else None


def _abbreviation_index(words) -> dict[str, frozenset[str]]:
    """Chinese abbreviations keep the first character and some later ones in order: 老旧小区改造 -> 老改, 老旧改."""
    index: dict[str, set[str]] = defaultdict(set)
    for word in words:
        if 4 <= len(word) <= 8 and not word.isascii():
            rest = word[1:]
            for i, second in enumerate(rest):
                index[word[0] + second].add(word)
                for third in rest[i + 1 :]:
                    index[word[0] + second + third].add(word)
    return {abbr: frozenset(found) for abbr, found in index.items() if len(found) <= 3}
