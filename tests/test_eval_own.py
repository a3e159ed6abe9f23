"""Our own labelled messages (tests/data/own, written by us, never drawn from ../shared/eval) against the shipped
knowledge base: a second, independent check that what the dev set taught the matcher carries over."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import run_eval

OWN = Path(__file__).resolve().parent / "data" / "own"
FLOORS = {
    "faq_accuracy": 0.88,
    "complaint_recall": 0.92,
    "complaint_precision": 0.92,
    "category_accuracy": 0.88,
    "silence_rate": 0.90,
}


@pytest.fixture(scope="module")
def report():
    return run_eval(OWN)


@pytest.mark.parametrize("name", FLOORS)
def test_figure_holds_on_our_own_messages(report, name):
    num, den = report.figures()[name]
    assert den and num / den >= FLOORS[name], f"{name} is {num}/{den}\n{report.render()}"


def test_wrong_answers_stay_rare_on_our_own_messages(report):
    num, den = report.figures()["wrong_answer_rate"]
    assert num / den <= 0.03, report.render()
