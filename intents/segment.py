"""Segmentation: jieba with our policy-term dictionary, synonyms mapped to canonical terms, pinyin typo repair."""

from __future__ import annotations

import logging
import marshal
import os
import re
import tempfile
import unicodedata
import weakref
from collections import Counter
from functools import lru_cache
from pathlib import Path

import jieba

from knowledge.lexicon import Lexicon

jieba.setLogLevel(logging.WARNING)

# Modals, negations and particles that jieba sometimes fuses with the word next to them.
_GLUE = frozenset("要能会该是不没时问的了都也还就才在把被给让可得想去来只先些")
# A typo is repaired only where a content word starts: 谁管 is no 水管, 该做 no 改作, 不领 no 补领.
_FUNCTION = _GLUE | frozenset("谁啥咋哪怎什这那我你他她咱")
_WORDLIKE = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")
_STEP_ORDER = re.compile(r"先[^,.;!?，。；！？先]{1,8}?还是先[^,.;!?，。；！？\s]{1,8}")  # which step first: 先评估还是先签字
COMMON_WORD_FREQ = 50  # jieba knows rare typo-like words too (争收: 3); only common words are safe from repair
# Caches that spare each start work done before: jieba rebuilds its prefix dictionary (~1.5 s) unless it finds its
# cache file here; the pinyin table and sentence vectors (intents/meaning.py) are kept here too.
CACHE_DIR = Path(os.environ.get("BOT_CACHE_DIR") or Path(tempfile.gettempdir()) / "gridbot-cache")
CACHE_DIR.mkdir(parents=True, exist_ok=True)


def _toneless(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[str, str]:
    """Each character's most common reading, toneless. pypinyin's full table costs ~57 MB of memory, so the
    small table drawn from it is kept in a cache file and the big one is read only when that file is missing."""
    path = CACHE_DIR / "pinyin-v1.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        pass
    from pypinyin.pinyin_dict import pinyin_dict

    table = {chr(code): _toneless(readings.split(",")[0]) for code, readings in pinyin_dict.items()}
    scratch = path.with_suffix(f".{os.getpid()}.tmp")
    scratch.write_bytes(marshal.dumps(table))
    scratch.replace(path)
    return table


_SYLLABLE = re.compile(r"[a-z]+|[^\sa-z]")  # a run of Latin letters (typed pinyin: 强chai) is one syllable


def _char_pinyin(char: str) -> str:
    return _pinyin_table().get(char, char)


@lru_cache(maxsize=65536)
def pinyin_of(text: str) -> str:
    """Toneless pinyin, one syllable per character, joined by spaces: 物业费 -> 'wu ye fei'.

    Character by character (each character's most common reading): the same character always sounds the same
    on both sides of a comparison, and it is many times faster than reading whole phrases."""
    return " ".join(_char_pinyin(t) if len(t) == 1 else t for t in _SYLLABLE.findall(text))


_loaded_userdicts: set[str] = set()
# Synonyms already made words of the shared tokenizer: adding one again would add its weight to jieba's total once
# more, and every knowledge base loaded (each edit in the console) would shift how all later messages are cut.
_added_synonyms: set[str] = set()
# Knowledge-base terms in the shared tokenizer: how many live knowledge bases use each word we added, and a count
# of changes to them, by which every segmenter knows when the texts it has cut may now be cut differently.
_kb_word_users: Counter[str] = Counter()
_TERM_FREQ = 1500
_term_changes = [0]


@lru_cache(maxsize=1)
def _shared_tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer per process: its dictionary is ~45 MB and takes ~0.8 s to load. Every segmenter adds
    its knowledge base's terms to it and takes them out again when that knowledge base is replaced."""
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(CACHE_DIR)
    tokenizer.initialize()
    return tokenizer


def _drop_terms(tokenizer: jieba.Tokenizer, words) -> None:
    """One knowledge base no longer uses `words`: a term no other one uses leaves the tokenizer."""
    for word in list(words):
        _kb_word_users[word] -= 1
        if _kb_word_users[word] <= 0:
            del _kb_word_users[word]
            # Not jieba's del_word: it would leave its weight in the total and force-split the word for good.
            tokenizer.FREQ[word] = 0
            tokenizer.total -= _TERM_FREQ
            _term_changes[0] += 1


class Segmenter:
    """Words in, canonical terms out; knows nothing of the knowledge base until `learn_vocabulary`."""

    def __init__(self, lexicon: Lexicon):
        self._jieba = _shared_tokenizer()
        if str(lexicon.userdict) not in _loaded_userdicts:
            with open(lexicon.userdict, "rb") as handle:  # jieba leaves a path it opened itself unclosed
                self._jieba.load_userdict(handle)
            _loaded_userdicts.add(str(lexicon.userdict))
        self.synonyms = lexicon.synonyms
        self.kinds = lexicon.kinds
        for word in {*lexicon.synonyms, *lexicon.synonyms.values()} - _added_synonyms:
            if len(word) > 1:
                self._jieba.add_word(word, freq=2000)
                _added_synonyms.add(word)
        self.stopwords = lexicon.stopwords
        self.asking_words = lexicon.asking_words
        self._by_pinyin: dict[str, str] = {}
        self._by_spelling: dict[str, str] = {}
        # Caches of this segmenter's own (not shared between segmenters, and gone with it).
        self._cuts = lru_cache(maxsize=8192)(self._cut)
        self._vocabulary: frozenset[str] = frozenset()
        self._kb_words: set[str] = set()  # the terms this segmenter counts in _kb_word_users
        # A segmenter that goes takes its terms along (when the garbage collector frees it: it sits in a cycle).
        weakref.finalize(self, _drop_terms, self._jieba, self._kb_words)
        self._seen_changes = _term_changes[0]

    def is_common(self, word: str) -> bool:
        return (self._jieba.FREQ.get(word) or 0) >= COMMON_WORD_FREQ

    def use_words(self, words) -> None:
        """Make the knowledge base's own terms words of the tokenizer, and drop those of the knowledge base it
        replaces: a term of the old one would go on cutting residents' messages its way (eval, an edited KB)."""
        words = frozenset(w for w in words if 1 < len(w) <= 12)
        for word in words - self._kb_words:
            if word not in _kb_word_users:
                if self._jieba.FREQ.get(word):
                    continue  # jieba knows it already: nothing of ours to add, or to take out later
                self._jieba.add_word(word, freq=_TERM_FREQ)
                _term_changes[0] += 1
            _kb_word_users[word] += 1
        _drop_terms(self._jieba, self._kb_words - words)
        self._kb_words.clear()
        self._kb_words.update(w for w in words if w in _kb_word_users)
        self._forget_if_terms_changed()

    def _forget_if_terms_changed(self) -> None:
        """Texts cut before a knowledge base (this one or another) changed its terms may be cut differently now."""
        if self._seen_changes != _term_changes[0]:
            self._seen_changes = _term_changes[0]
            self._cuts.cache_clear()

    def learn_vocabulary(self, words: set[str]) -> None:
        """Words of the knowledge base: misspellings that sound like one of them are repaired to it."""
        self._vocabulary = frozenset(words)
        # Other names of its words are targets too: 过度费 sounds like 过渡费, a name of the KB's 临时安置费. Only names
        # of three characters or more: two sound like too much else (门卫 like 们围, 补领 like 不领).
        names = {v for v, canonical in self.synonyms.items() if canonical in self._vocabulary and len(v) >= 3}
        names -= self._vocabulary
        by_pinyin: dict[str, str] = {}
        for word in [*sorted(words, key=lambda w: (-len(w), w)), *sorted(names, key=lambda w: (-len(w), w))]:
            if 2 <= len(word) <= 6 and _WORDLIKE.match(word) and not word.isascii():
                by_pinyin.setdefault(pinyin_of(word), word)
        self._by_pinyin = by_pinyin
        # Whole words typed in pinyin (pinggu, wuyefei): five letters or more, so that few spell two words.
        spelled: dict[str, str | None] = {}
        for key, word in by_pinyin.items():
            letters = key.replace(" ", "")
            if len(letters) >= 5 and letters.isascii():
                spelled[letters] = None if spelled.get(letters, word) != word else word
        self._by_spelling = {letters: word for letters, word in spelled.items() if word}
        self._cuts.cache_clear()

    def homophone(self, word: str) -> str | None:
        """The knowledge-base word that sounds exactly like `word`, a real word typed for it (过度 for 过渡)."""
        if word in self._vocabulary or not 2 <= len(word) <= 6:
            return None
        return self._by_pinyin.get(pinyin_of(word))

    def raw_cut(self, text: str) -> tuple[str, ...]:
        """jieba's words, as they are. Not cached: this is for a knowledge base's own text, read once."""
        self._forget_if_terms_changed()
        return self._raw_cut(text)

    def canonical(self, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.synonyms.get(w, w) for w in words)

    def cut(self, text: str) -> tuple[str, ...]:
        """A resident's message: all words (stop words included), typo-repaired and canonical, in order. Asking which
        of two steps comes first ("先评估还是先签字") asks for the procedure, not about either step: it reads 流程."""
        self._forget_if_terms_changed()
        return self._cuts(_STEP_ORDER.sub("流程", text))

    def _raw_cut(self, text: str) -> tuple[str, ...]:
        return tuple(w for w in self._jieba.lcut(text) if _WORDLIKE.match(w))

    def _cut(self, text: str) -> tuple[str, ...]:
        return self.canonical(self._join_over_de(self._unglue(self._repair(self._unspell(self._raw_cut(text))))))

    def _unspell(self, words: tuple[str, ...]) -> list[str]:
        """A knowledge-base word typed in pinyin (pinggu, wuyefei) becomes that word."""
        return [self._by_spelling.get(w, w) if w.isascii() else w for w in words]

    def _join_over_de(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """Words joined by 的 that the knowledge base says as one: "搬家的钱" is its 搬家费, "租房子的钱" 租房费,
        "高龄的那个钱" 高龄补贴, "过期的药" 过期药, "补偿的标准" 补偿标准."""
        out: list[str] = []
        i = 0
        while i < len(words):
            if words[i + 1 : i + 2] == ("钱",) and (fee := self._money_for(words[i])):  # 长寿钱, with no 的
                out.append(fee)
                i += 2
                continue
            if words[i + 1 : i + 2] == ("的",) and i + 2 < len(words):
                end = i + 3 if words[i + 2] in ("那个", "这个", "那家", "这家") and i + 3 < len(words) else i + 2
                said = self._money_for(words[i]) if words[end] in ("钱", "费用") else None
                said = said or words[i] + words[end]
                if self._known(said):
                    out.append(said)
                    i = end + 1
                    continue
            out.append(words[i])
            i += 1
        return tuple(out)

    def _money_for(self, word: str) -> str | None:
        """The knowledge base's name for the money paid for `word`: 搬家 -> 搬家费, 高龄 -> 高龄补贴, 维修 -> 维修资金."""
        if len(word) < 2:
            return None
        return next((named for kind in ("费", "补贴", "津贴", "资金", "基金")
                     if self._known(named := word.removesuffix("子") + kind)), None)

    def _known(self, word: str) -> bool:
        return word in self._vocabulary or word in self.synonyms or word in self.kinds

    def _unglue(self, words: list[str]) -> tuple[str, ...]:
        """jieba glues a modal or a particle to the next verb (要分, 能换, 时能, 没发): when the pair is no word of the
        knowledge base nor a common one, and its other character is a word of the knowledge base, part them."""
        out: list[str] = []
        for word in words:
            if (len(word) == 2 and (word[0] in _GLUE) != (word[1] in _GLUE) and word not in self._vocabulary
                    and not self.is_common(word) and (word[1] if word[0] in _GLUE else word[0]) in self._vocabulary):
                out += word
            else:
                out.append(word)
        return tuple(out)

    def content(self, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w for w in words if w not in self.stopwords)

    def _repair(self, words: list[str]) -> list[str]:
        """Replace 2-6 characters starting at a word boundary whose pinyin spells a knowledge-base word
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
            word_ends = {e for e in ends.values() if pos < e <= pos + 8}
            for end in sorted({*(pos + n for n in (2, 3, 4)), *word_ends}, key=lambda e: (e not in word_ends, pos - e)):
                piece = text[pos:end]
                if (end > len(text) or piece[0] in _FUNCTION or not 2 <= len(pinyin_of(piece).split()) <= 6
                        or piece in self._vocabulary or self._asks_yes_or_no(piece, end, text)
                        or self._is_known_phrase(pos, piece, ends, text) or self._splits_common_word(end, starts, text)):
                    continue
                target = self._by_pinyin.get(pinyin_of(piece))
                if target and target != piece:
                    out.append(target)
                    pos = end
                    break
            else:
                end = ends.get(pos) or min((e for e in ends if e > pos), default=len(text))
                out.append(text[pos:end])
                pos = end
        return out

    @staticmethod
    def _asks_yes_or_no(piece: str, end: int, text: str) -> bool:
        """"沙袋发不" and "发不发" ask whether it is given out: the 不 of a verb at the end or repeated is no typo (发布)."""
        return piece.endswith("不") and (end == len(text) or text[end] == piece[-2])

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
