"""Fit the meaning band's logistic model on labelled sets, cross-validated by set to show how well it carries over.

    python benchmarks/calibrate_meaning.py tests/data/kb_* [--folds 8] [--l2 1.0]

The band (intents/classify.py) looks at questions the words leave unsure: the top candidate scored at least
`meaning_floor` but not enough to answer. For each such message of the sets this takes the band's features
(MEANING_FEATURES) and whether the top candidate is the right answer, and fits a logistic model. Whole sets are held
out in turn, so the figures are for knowledge bases and writers the model has not seen. Prints right and wrong
answers the band would add per probability threshold, and the weights to put in intents/classify.py
(MEANING_WEIGHTS). Only numbers are learned; no phrasing of the sets enters the code.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.labelled import decisions  # noqa: E402
from intents.classify import MEANING_FEATURES, Thresholds, meaning_features  # noqa: E402


def band_rows(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """The band's features of every message of the set it is asked about, and whether the top candidate is right."""
    rows, right = [], []
    for message, _, decision in decisions(directory, Thresholds(meaning_sure=math.inf)):  # the model never answers
        if decision.meaning_sure is None:  # the model was not asked (sure words, the cosine alone, a report …)
            continue
        top, *rest = decision.candidates
        rows.append(meaning_features(top, rest[0].score if rest else 0.0, bool(message.get("mention")), decision.meaning))
        right.append(message["expect"] == "faq" and message.get("faq_id") == top.entry.id)
    return np.array(rows, dtype=float).reshape(-1, len(MEANING_FEATURES)), np.array(right, dtype=float)


def fit(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 4000, rate: float = 0.5) -> np.ndarray:
    """Logistic regression on standardised features (so one L2 penalty suits them all); weights for the raw ones."""
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mean) / spread]
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        w -= rate * (z.T @ (p - y) / len(y) + l2 * np.r_[0, w[1:]] / len(y))
    raw = w[1:] / spread
    return np.r_[w[0] - raw @ mean, raw]


def probability(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(weights[0] + x @ weights[1:])))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dirs", nargs="+", type=Path, help="labelled sets: DIR/kb.json (or the shipped one) and DIR/messages.jsonl")
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    sets = [band_rows(d) for d in args.dirs]
    held_out: list[tuple[np.ndarray, np.ndarray]] = []
    for fold in range(args.folds):
        train = [s for i, s in enumerate(sets) if i % args.folds != fold and len(s[1])]
        test = [s for i, s in enumerate(sets) if i % args.folds == fold and len(s[1])]
        if not train or not test:
            continue
        weights = fit(np.vstack([x for x, _ in train]), np.concatenate([y for _, y in train]), args.l2)
        held_out += [(probability(weights, x), y) for x, y in test]
    p = np.concatenate([q for q, _ in held_out])
    y = np.concatenate([y for _, y in held_out])
    print(f"{len(y)} unsure questions in {len(args.dirs)} sets, top candidate right in {int(y.sum())}")
    print("held out by set: answered when sure >= P")
    for threshold in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        answered = p >= threshold
        print(f"  P {threshold:.2f}: right {int((answered & (y == 1)).sum()):>4}  wrong {int((answered & (y == 0)).sum()):>4}")
    weights = fit(np.vstack([x for x, _ in sets]), np.concatenate([y for _, y in sets]), args.l2)
    print("MEANING_WEIGHTS = (" + ", ".join(f"{w:.3f}" for w in weights) + ")  # bias, " + ", ".join(MEANING_FEATURES))


if __name__ == "__main__":
    main()
