"""`eval DIR`: run a labelled message set through the bot and report the figures of shared/eval/README.md."""

from __future__ import annotations

import gc
import json
import logging
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import Bot
from bot.config import Settings
from bot import kb
from knowledge.entry import InvalidFile
from knowledge.kbfile import read_kb_file, read_shipped

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    line: int
    message: dict
    intent: str
    faq_id: str | None
    category: str | None
    score: float
    reply: str | None


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _lines(self, expect: str, mention: bool | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if o.message["expect"] == expect
                and (mention is None or bool(o.message.get("mention")) == mention)]

    def figures(self) -> dict[str, tuple[int, int]]:
        """name -> (numerator, denominator)."""
        faq = self._lines("faq")
        filed = [o for o in self.outcomes if o.intent == "complaint"]
        complaints = self._lines("complaint")
        recalled = [o for o in complaints if o.intent == "complaint"]
        quiet = self._lines("none", mention=False)
        wrong = [o for o in self.outcomes if o.faq_id and o.faq_id != o.message.get("faq_id")]
        figs = {
            "faq_accuracy": (sum(o.faq_id == o.message["faq_id"] for o in faq), len(faq)),
            "faq_accuracy_mention": self._faq_acc(True),
            "faq_accuracy_plain": self._faq_acc(False),
            "complaint_recall": (len(recalled), len(complaints)),
            "complaint_precision": (sum(o.message["expect"] == "complaint" for o in filed), len(filed)),
            "category_accuracy": (sum(o.category == o.message.get("category") for o in recalled), len(recalled)),
            "silence_rate": (sum(o.reply is None and o.intent == "none" for o in quiet), len(quiet)),
            "wrong_answer_rate": (len(wrong), len(self.outcomes)),
        }
        return figs

    def _faq_acc(self, mention: bool) -> tuple[int, int]:
        lines = self._lines("faq", mention)
        return sum(o.faq_id == o.message["faq_id"] for o in lines), len(lines)

    def failures(self) -> list[tuple[Outcome, str]]:
        out = []
        for o in self.outcomes:
            m = o.message
            expect = m["expect"]
            if expect == "faq" and o.faq_id != m.get("faq_id"):
                out.append((o, f"expected faq {m['faq_id']}, got {o.intent} {o.faq_id or ''}".rstrip()))
            elif expect == "complaint" and o.intent != "complaint":
                out.append((o, f"expected complaint/{m.get('category')}, got {o.intent} {o.faq_id or ''}".rstrip()))
            elif expect == "complaint" and o.category != m.get("category"):
                out.append((o, f"expected category {m.get('category')}, got {o.category}"))
            elif expect == "none" and (o.intent != "none" or (not m.get("mention") and o.reply is not None)):
                out.append((o, f"expected silence, got {o.intent} {o.faq_id or o.category or ''} reply={o.reply is not None}"))
        return out

    def _per_category(self) -> list[str]:
        lines = ["", "per complaint category (expected: recalled, right category / lines):"]
        by_code: dict[str, list[Outcome]] = {}
        for o in self._lines("complaint"):
            by_code.setdefault(o.message.get("category") or "?", []).append(o)
        for code, outcomes in sorted(by_code.items()):
            filed = sum(o.intent == "complaint" for o in outcomes)
            right = sum(o.intent == "complaint" and o.category == code for o in outcomes)
            lines.append(f"  {code:<18} {filed}/{len(outcomes)} filed, {right} right category")
        topics: dict[str, list[Outcome]] = {}
        for o in self._lines("faq"):
            topics.setdefault(o.message["faq_id"].rsplit("-", 1)[0], []).append(o)
        lines.append("per FAQ id prefix (answered right / lines):")
        for prefix, outcomes in sorted(topics.items()):
            lines.append(f"  {prefix:<18} {sum(o.faq_id == o.message['faq_id'] for o in outcomes)}/{len(outcomes)}")
        return lines

    def as_json(self) -> dict:
        """The figures as [count, of], and every failure: for tools and tests."""
        return {"figures": {name: [num, den] for name, (num, den) in self.figures().items()},
                "failures": [{"line": o.line, "text": o.message["text"], "expected": o.message["expect"],
                              "intent": o.intent, "faq_id": o.faq_id, "category": o.category, "why": why}
                             for o, why in self.failures()]}

    def render(self) -> str:
        lines = ["指标 / metric                 value    count"]
        for name, (num, den) in self.figures().items():
            rate = num / den if den else 0.0
            lines.append(f"{name:<28} {rate:6.3f}   {num}/{den}")
        intents = Counter((o.message["expect"], o.intent) for o in self.outcomes)
        lines.append("")
        lines.append("expected → decided: " + ", ".join(f"{e}→{i} {n}" for (e, i), n in sorted(intents.items())))
        lines += self._per_category()
        confusion = Counter((o.message["faq_id"], o.faq_id) for o in self._lines("faq") if o.faq_id and o.faq_id != o.message["faq_id"])
        if confusion:
            lines.append("")
            lines.append("FAQ confusion (expected → answered): " + ", ".join(f"{a}→{b} {n}" for (a, b), n in confusion.most_common()))
        fails = self.failures()
        lines.append("")
        lines.append(f"failures ({len(fails)}):")
        for o, why in fails:
            note = f"  [{o.message['note']}]" if o.message.get("note") else ""
            mention = "@ " if o.message.get("mention") else ""
            lines.append(f"  #{o.line} {mention}{o.message['text'][:60]!r}: {why} (score {o.score}){note}")
        return "\n".join(lines)


def run_eval(directory: str | Path, settings: Settings | None = None) -> Report:
    directory = Path(directory)
    # A bot built before in this process (the tests evaluate many sets) keeps its knowledge base's terms in the shared
    # tokenizer until it is collected, and they would cut this set's messages their way.
    gc.collect()
    if (directory / "kb.json").exists():
        entries = read_kb_file(directory / "kb.json")
    else:  # a set written against our own knowledge base (tests/data/own)
        log.warning("%s has no kb.json: evaluating against the shipped knowledge base", directory)
        entries = read_shipped()
    source = directory / "messages.jsonl"
    if not source.is_file():
        raise InvalidFile(str(source), message=f"找不到评测消息文件：{source}")
    messages = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        base = settings or Settings()
        cfg = Settings(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, "db": str(Path(scratch) / "eval.db")})
        bot = Bot(cfg, seed=False)  # no shipped registry or knowledge base: only the set's entries are ever read
        try:
            kb.import_entries(bot.db, entries, author="eval", at=bot.clock.iso(), replace=True)
            bot.reload_kb()
            report = Report()
            for number, message in enumerate(messages, start=1):
                plan = bot.dispatcher.preview(message["text"], bool(message.get("mention")))
                d = plan.decision
                report.outcomes.append(Outcome(number, message, d.intent, d.faq.id if d.faq else None,
                                               d.category, d.score, plan.reply))
        finally:
            bot.close()
    return report
