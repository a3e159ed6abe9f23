"""Regression guard over the development evaluation set (../shared/eval/dev), run as users run it: `run_bot.py eval`
in a process of its own, so nothing another test loaded can colour the figures.

Every figure is held to the issue's targets: FAQ accuracy with and without an @-mention, complaint recall, precision,
category accuracy, silence and the wrong-answer rate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_process

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev"
FLOORS = {
    "faq_accuracy": 0.92,
    "faq_accuracy_mention": 0.92,
    "faq_accuracy_plain": 0.92,
    "complaint_recall": 0.92,
    "complaint_precision": 0.92,
    "category_accuracy": 0.88,
    "silence_rate": 0.97,
}
CEILINGS = {"wrong_answer_rate": 0.02}


def eval_figures(directory: Path) -> tuple[dict[str, float], list[dict]]:
    done = run_process("eval", str(directory), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return {name: num / den if den else 0.0 for name, (num, den) in report["figures"].items()}, report["failures"]


@pytest.fixture(scope="module")
def figures():
    if not (DEV / "messages.jsonl").exists():
        pytest.skip(f"no development set at {DEV}")
    return eval_figures(DEV)[0]


@pytest.mark.parametrize("name", FLOORS)
def test_figure_does_not_fall(figures, name):
    assert figures[name] >= FLOORS[name], f"{name} fell to {figures[name]:.3f}"


def test_wrong_answers_stay_rare(figures):
    assert figures["wrong_answer_rate"] <= CEILINGS["wrong_answer_rate"]
