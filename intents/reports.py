"""A second reading for reports the complaint words leave silent.

The lexicon (knowledge/categories.yaml) files a case when its words add up. Residents new to a group tell the same
troubles in words no list holds: a neighbour "welded a ring of iron frames out past the balcony", a stray dog "chases
whoever passes". When the words saw something (a thing a case can be about, a problem word or a sign of trouble) but
not enough, and nothing sets the message aside (a notice, news passed on, a joke, thanks), a logistic model over the
message's sentence vector and the lexicon's own reading says how sure it is that the message reports a problem.

Its numbers are fitted by benchmarks/calibrate_reports.py on our labelled sets and kept in report_model.json beside
this file; no phrasing enters the code. A model file for other features or another vector size is refused when it
is loaded (the bot then files reports by the lexicon alone, and says so in its log).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from intents.meaning import DIMENSIONS

if TYPE_CHECKING:
    from intents.classify import Decision

MODEL_FILE = Path(__file__).with_name("report_model.json")
# The lexicon's reading, as the model sees it (see report_features).
REPORT_FEATURES = ("score", "problems", "objects", "signs", "policy_words", "lasting", "mentioned", "question",
                   "faq_score")


def asks_the_model(decision: Decision) -> bool:
    """Whether a message the words left silent told of something a report could be about."""
    signal = decision.complaint
    return (decision.intent == "none" and signal is not None and not signal.set_aside
            and bool(signal.problems or signal.objects or signal.signs))


def report_features(decision: Decision, mentioned: bool) -> tuple[float, ...]:
    signal = decision.complaint
    top = decision.candidates[0].score if decision.candidates else 0.0
    return (signal.score / 100, float(bool(signal.problems)), float(bool(signal.objects)), float(bool(signal.signs)),
            float(bool(signal.policy_words)), float(signal.lasting), float(mentioned), float(decision.is_question),
            top / 100)


class ReportModel:
    """p(report) = logistic(bias + features · w + vector · v)."""

    def __init__(self, bias: float, feature_weights: tuple[float, ...], vector_weights: np.ndarray):
        if len(feature_weights) != len(REPORT_FEATURES):
            raise ValueError(f"{len(feature_weights)} feature weights for {len(REPORT_FEATURES)} features")
        if len(vector_weights) != DIMENSIONS:
            raise ValueError(f"fitted on vectors of {len(vector_weights)} numbers, not {DIMENSIONS}")
        self.bias = bias
        self.feature_weights = np.array(feature_weights, dtype=np.float32)
        self.vector_weights = vector_weights.astype(np.float32)

    @classmethod
    def load(cls, path: Path | None = None) -> ReportModel:
        path = path or MODEL_FILE
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != REPORT_FEATURES:
            raise ValueError(f"{path}: fitted on features {data['features']}, not {list(REPORT_FEATURES)}")
        try:
            return cls(data["bias"], tuple(data["feature_weights"]), np.array(data["vector_weights"]))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc

    @classmethod
    def blank(cls) -> ReportModel:
        """A model that is never sure: for fitting a new one when the old does not load."""
        return cls(-math.inf, (0.0,) * len(REPORT_FEATURES), np.zeros(DIMENSIONS))

    def save(self, path: Path, fitted_on: str) -> None:
        path.write_text(json.dumps({
            "fitted_on": fitted_on, "features": list(REPORT_FEATURES), "bias": round(float(self.bias), 4),
            "feature_weights": [round(float(w), 4) for w in self.feature_weights],
            "vector_weights": [round(float(w), 4) for w in self.vector_weights],
        }, ensure_ascii=False) + "\n", encoding="utf-8")

    def sureness(self, vector: np.ndarray, features: tuple[float, ...]) -> float:
        z = self.bias + float(np.dot(self.feature_weights, features)) + float(vector.astype(np.float32) @ self.vector_weights)
        return 1 / (1 + math.exp(-z)) if z > -700 else 0.0
