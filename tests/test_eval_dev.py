"""Regression guard over the development evaluation set (../shared/eval/dev).

Complaint recall, precision, category accuracy, silence and the wrong-answer rate are held to the issue's targets.
FAQ accuracy does not reach its target (0.92) yet: its floor sits just under what the bot measures now (0.775; see
docs/matching.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import run_eval

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev"
FLOORS = {
    "faq_accuracy": 0.77,
    "complaint_recall": 0.92,
    "complaint_precision": 0.92,
    "category_accuracy": 0.88,
    "silence_rate": 0.97,
}
CEILINGS = {"wrong_answer_rate": 0.02}


@pytest.fixture(scope="module")
def figures():
    if not (DEV / "messages.jsonl").exists():
        pytest.skip(f"no development set at {DEV}")
    report = run_eval(DEV)
    return {name: num / den if den else 0.0 for name, (num, den) in report.figures().items()}


@pytest.mark.parametrize("name", FLOORS)
def test_figure_does_not_fall(figures, name):
    assert figures[name] >= FLOORS[name], f"{name} fell to {figures[name]:.3f}"


def test_wrong_answers_stay_rare(figures):
    assert figures["wrong_answer_rate"] <= CEILINGS["wrong_answer_rate"]
