"""Fit the report model (intents/reports.py) on labelled sets, cross-validated by set to show how well it carries over.

    python benchmarks/calibrate_reports.py tests/data/kb_* [--folds 8] [--l2 300] [--write]

For every message the complaint words leave silent though they saw something (the messages the bot asks the model
about), this takes the message's sentence vector and the lexicon's reading (REPORT_FEATURES) and whether the line is
labelled a complaint, and fits a logistic model. Whole sets are held out in turn, so the figures are for writers and
knowledge bases the model has not seen. Prints the reports the model would add per threshold, right and wrong, and with
--write saves the fit on all sets to intents/report_model.json. Only numbers are learned; no phrasing enters the code.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.calibrate_meaning import fit, probability  # noqa: E402
from benchmarks.labelled import decisions  # noqa: E402
from intents.classify import Thresholds  # noqa: E402
from intents.meaning import DIMENSIONS  # noqa: E402
from intents.reports import MODEL_FILE, REPORT_FEATURES, ReportModel, asks_the_model, report_features  # noqa: E402


def asked_rows(directory: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Vector and features of each message of the set the model is asked about, whether it is labelled a complaint,
    and what it is labelled (for the table)."""
    rows, labels = [], []
    # A blank model that never files: the shipped one may be for other features, or missing, when this refits it.
    for message, understanding, decision in decisions(directory, Thresholds(report_sure=math.inf), ReportModel.blank()):
        if asks_the_model(decision) and (vector := understanding.meaning.vector(decision.text)) is not None:
            rows.append(np.r_[report_features(decision, bool(message.get("mention"))), vector])
            labels.append(message["expect"])
    x = np.array(rows, dtype=float).reshape(-1, len(REPORT_FEATURES) + DIMENSIONS)
    return x, np.array([label == "complaint" for label in labels], dtype=float), labels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dirs", nargs="+", type=Path, help="labelled sets: DIR/kb.json (or the shipped one) and DIR/messages.jsonl")
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--l2", type=float, default=300.0)
    parser.add_argument("--write", action="store_true", help=f"save the fit on all sets to {MODEL_FILE}")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    sets = [asked_rows(d) for d in args.dirs]
    held_out: list[tuple[np.ndarray, list[str]]] = []
    for fold in range(args.folds):
        train = [s for i, s in enumerate(sets) if i % args.folds != fold and len(s[1])]
        test = [s for i, s in enumerate(sets) if i % args.folds == fold and len(s[1])]
        if train and test:
            weights = fit(np.vstack([x for x, _, _ in train]), np.concatenate([y for _, y, _ in train]), args.l2)
            held_out += [(probability(weights, x), labels) for x, _, labels in test]
    p = np.concatenate([q for q, _ in held_out])
    labels = np.array([label for _, ls in held_out for label in ls])
    print(f"{len(labels)} messages asked about in {len(args.dirs)} sets, {int((labels == 'complaint').sum())} of them reports")
    print("held out by set: filed as reports when sure >= P")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        filed = p >= threshold
        counts = {kind: int((filed & (labels == kind)).sum()) for kind in ("complaint", "none", "faq")}
        print(f"  P {threshold:.1f}: reports {counts['complaint']:>4}  wrong: chat {counts['none']:>4}, questions {counts['faq']:>4}")
    if args.write:
        weights = fit(np.vstack([x for x, _, _ in sets]), np.concatenate([y for _, y, _ in sets]), args.l2)
        n = len(REPORT_FEATURES)  # the columns: the features, then the vector
        model = ReportModel(weights[0], tuple(weights[1 : 1 + n]), weights[1 + n :])
        model.save(MODEL_FILE, fitted_on=f"benchmarks/calibrate_reports.py, {len(args.dirs)} sets, l2 {args.l2:g}")
        print(f"saved {MODEL_FILE}")


if __name__ == "__main__":
    main()
