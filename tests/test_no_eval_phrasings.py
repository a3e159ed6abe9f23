"""The bot must generalise: no phrasing of the evaluation set may sit in code, dictionaries or the shipped knowledge
base. Eight Chinese characters in a row shared with a labelled message or a dev entry count as a phrasing; official
names that any text on the subject uses are allowed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev"
RUN = 8
OFFICIAL_NAMES = {"三供一业分离移交"}
CHECKED = ("intents", "bot", "knowledge", "benchmarks")


def _han(text: str) -> str:
    return re.sub(r"[^\u4e00-\u9fff]", "", text)


def _runs(text: str) -> set[str]:
    han = _han(text)
    return {han[i : i + RUN] for i in range(len(han) - RUN + 1)}


def test_no_evaluation_phrasing_in_code_dictionaries_or_knowledge_base():
    if not (DEV / "messages.jsonl").exists():
        pytest.skip(f"no development set at {DEV}")
    messages = [json.loads(line)["text"] for line in (DEV / "messages.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    entries = json.loads((DEV / "kb.json").read_text(encoding="utf-8"))
    dev_runs = set().union(*map(_runs, messages + [t for e in entries for t in (e["question"], *e["similar"])]))
    found = {}
    for path in (p for folder in CHECKED for p in (ROOT / folder).rglob("*") if p.is_file()):
        if path.suffix not in (".py", ".yaml", ".txt", ".csv", ".md", ".toml", ".html", ".json"):
            continue
        shared = {r for r in _runs(path.read_text(encoding="utf-8", errors="ignore")) & dev_runs
                  if not any(r in name or name in r for name in OFFICIAL_NAMES)}
        if shared:
            found[str(path.relative_to(ROOT))] = sorted(shared)[:5]
    assert not found, f"phrasings of the evaluation set: {found}"
