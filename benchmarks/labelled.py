"""The bot's decision on each message of a labelled set, for the scripts that fit its models."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

from intents.classify import Decision, Thresholds, Understanding
from intents.reports import ReportModel
from knowledge.kbfile import read_kb_file, read_shipped


def decisions(directory: Path, thresholds: Thresholds, reports: ReportModel | None = None) \
        -> Iterator[tuple[dict, Understanding, Decision]]:
    """Each message of DIR/messages.jsonl with its decision against DIR/kb.json (or the shipped knowledge base)."""
    gc.collect()  # the last set's knowledge-base words leave jieba's dictionary only once its Understanding is collected
    entries = read_kb_file(directory / "kb.json") if (directory / "kb.json").exists() else read_shipped()
    understanding = Understanding(entries, thresholds=thresholds, reports=reports)
    for line in (directory / "messages.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            message = json.loads(line)
            yield message, understanding, understanding.classify(message["text"], bool(message.get("mention")))
