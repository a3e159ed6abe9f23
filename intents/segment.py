"""Segmentation: jieba with our policy-term dictionary, synonyms mapped to canonical terms, pinyin typo repair."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin

from knowledge.lexicon import Lexicon

jieba.setLogLevel(logging.WARNING)

_WORDLIKE = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")
COMMON_WORD_FREQ = 50  # jieba knows rare typo-like words too (争收: 3); only common words are safe from repair
# jieba rebuilds its prefix dictionary (~1.5 s) unless it finds its cache file here.
_CACHE_DIR = Path(os.environ.get("BOT_CACHE_DIR") or Path(tempfile.gettempdir()) / "gridbot-jieba")
_CACHE_DIR.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=65536)
def pinyin_of(text: str) -> str:
    """Toneless pinyin, syllables joined by spaces: 物业费 -> 'wu ye fei'."""
    return " ".join(lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: list(chars)))


@lru_cache(maxsize=1)
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's main dictionary, loaded once per process (its cache file still takes ~0.8 s to read)."""
    base = jieba.Tokenizer()
    base.tmp_dir = str(_CACHE_DIR)
    base.initialize()
    return base.FREQ, base.total


def _tokenizer() -> jieba.Tokenizer:
    """A fresh tokenizer sharing nothing mutable with others: a copy of the main dictionary."""
    freq, total = _base_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
    return tokenizer


class Segmenter:
    """Words in, canonical terms out; knows nothing of the knowledge base until `learn_vocabulary`."""

    def __init__(self, lexicon: Lexicon):
        self._jieba = _tokenizer()
        self._jieba.load_userdict(str(lexicon.userdict))
        self.synonyms = lexicon.synonyms
        for word in {*lexicon.synonyms, *lexicon.synonyms.values()}:
            if len(word) > 1:
                self._jieba.add_word(word, freq=2000)
        self.stopwords = lexicon.stopwords
        self._by_pinyin: dict[str, str] = {}
        self._vocabulary: frozenset[str] = frozenset()

    def is_common(self, word: str) -> bool:
        return (self._jieba.FREQ.get(word) or 0) >= COMMON_WORD_FREQ

    def add_words(self, words) -> None:
        for word in words:
            if 1 < len(word) <= 12 and not self._jieba.FREQ.get(word):
                self._jieba.add_word(word, freq=1500)

    def learn_vocabulary(self, words: set[str]) -> None:
        """Words of the knowledge base: misspellings that sound like one of them are repaired to it."""
        self._vocabulary = frozenset(words)
        by_pinyin: dict[str, str] = {}
        for word in sorted(words, key=lambda w: (-len(w), w)):
            if 2 <= len(word) <= 5 and _WORDLIKE.match(word) and not word.isascii():
                by_pinyin.setdefault(pinyin_of(word), word)
        self._by_pinyin = by_pinyin
        self.cut.cache_clear()

    def raw_cut(self, text: str) -> list[str]:
        return [w for w in self._jieba.lcut(text) if _WORDLIKE.match(w)]

    @lru_cache(maxsize=8192)
    def cut(self, text: str, repair: bool = True) -> tuple[str, ...]:
        """All words (stop words included), canonical and (for residents' text) typo-repaired, in order."""
        words = self.raw_cut(text)
        return tuple(self.synonyms.get(w, w) for w in (self._repair(words) if repair else words))

    def content(self, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w for w in words if w not in self.stopwords)

    def _repair(self, words: list[str]) -> list[str]:
        """Replace 2-4 characters starting at a word boundary whose pinyin spells a knowledge-base word
        they are not (物业 非是 -> 物业费 是, 争 收 -> 征收). Real words jieba knows are left alone."""
        if not self._by_pinyin:
            return words
        text = "".join(words)
        ends: dict[int, int] = {}  # word start -> word end
        pos = 0
        for word in words:
            ends[pos] = pos + len(word)
            pos += len(word)
        starts = {start: end for start, end in ends.items()}
        out: list[str] = []
        pos = 0
        while pos < len(text):
            # Windows that end where a word ends first: they repair the least (争收|补偿标准, not 争收补偿|标准).
            for size in sorted((4, 3, 2), key=lambda n: (pos + n not in ends.values(), -n)):
                piece = text[pos : pos + size]
                if (len(piece) < size or piece in self._vocabulary or self._is_known_phrase(pos, piece, ends, text)
                        or self._splits_common_word(pos + size, starts, text)):
                    continue
                target = self._by_pinyin.get(pinyin_of(piece))
                if target and target != piece:
                    out.append(target)
                    pos += size
                    break
            else:
                end = ends.get(pos) or min((e for e in ends if e > pos), default=len(text))
                out.append(text[pos:end])
                pos = end
        return out

    def _splits_common_word(self, cut: int, starts: dict[int, int], text: str) -> bool:
        """A window may not end inside a common word: 不|办事 must not become 补办|事."""
        for start, end in starts.items():
            if start < cut < end:
                return (self._jieba.FREQ.get(text[start:end]) or 0) >= COMMON_WORD_FREQ
        return False

    def _is_known_phrase(self, start: int, piece: str, ends: dict[int, int], text: str) -> bool:
        """True if `piece` is exactly whole words that are real: a known dictionary word, or KB words."""
        parts, pos = [], start
        while pos < start + len(piece):
            end = ends.get(pos)
            if end is None or end > start + len(piece):
                return False
            parts.append(text[pos:end])
            pos = end
        if len(parts) == 1:
            return (self._jieba.FREQ.get(parts[0]) or 0) >= COMMON_WORD_FREQ
        return all(len(p) > 1 and p in self._vocabulary for p in parts)
