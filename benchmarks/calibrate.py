"""Fit the matcher's logistic weights on a labelled set, with cross-validation to show how well they carry over.

    python benchmarks/calibrate.py ../shared/eval/dev [--folds 4] [--with-shipped] [--also tests/data/kb_a ...]

Prints cross-validated top-1 accuracy and wrong answers per threshold, and the weights to put in
intents/matcher.py (WEIGHTS). Only numbers are learned; no phrasing of the set enters the code.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intents.classify import Understanding  # noqa: E402
from intents.matcher import FEATURES  # noqa: E402
from knowledge.kbfile import read_kb_file, read_shipped  # noqa: E402


def rows_for(understanding: Understanding, messages: list[dict]) -> list[list[tuple[np.ndarray, int, str]]]:
    """Per message: its candidates as (feature vector, is-correct, faq id)."""
    out = []
    for m in messages:
        norm = understanding.normalize(m["text"])
        words = understanding.segmenter.cut(norm)
        cands = understanding.index.search(understanding.segmenter.content(words), norm)
        out.append([(np.array([c.features[f] for f in FEATURES]), int(c.entry.id == m.get("faq_id")), c.entry.id)
                    for c in cands[:8]])
    return out


def fit(per_message: list[list[tuple[np.ndarray, int, str]]], l2: float = 0.001, steps: int = 4000, lr: float = 1.0) -> np.ndarray:
    """Conditional logit with a null option: each message picks one of its candidates, or none of them.

    A candidate's logit is bias + w·features, the null option's is 0, so one model learns both to rank and to abstain.
    """
    dims = len(FEATURES) + 1
    weights = np.zeros(dims)
    groups = [(np.array([np.concatenate(([1.0], f)) for f, _, _ in rows]).reshape(-1, dims),
               next((i for i, (_, label, _) in enumerate(rows) if label), None)) for rows in per_message]
    for _ in range(steps):
        grad = np.zeros(dims)
        for x, correct in groups:
            if not len(x):
                continue
            logits = x @ weights
            top = max(logits.max(), 0.0)
            p = np.exp(logits - top)
            p = p / (p.sum() + np.exp(-top))
            grad += x.T @ p
            if correct is not None:
                grad -= x[correct]
        weights -= lr * (grad / len(groups) + l2 * np.r_[0, weights[1:]])
    return weights


def score(weights: np.ndarray, features: np.ndarray) -> float:
    return float(weights[0] + features @ weights[1:])


def confidences(logits: list[float]) -> list[float]:
    top = max(max(logits), 0.0)
    e = [np.exp(v - top) for v in logits]
    total = sum(e) + np.exp(-top)
    return [100 * v / total for v in e]


# Messages that are no question for the knowledge base (written for this purpose, not taken from any eval set).
CHATTER = ["大家早上好", "收到，谢谢", "哈哈哈太好笑了", "今天天气真不错", "晚上一起去跳广场舞吗", "谁家的快递放错了",
           "明天几点去菜市场", "这个视频太搞笑了", "孩子放学了没", "恭喜恭喜", "好的好的", "辛苦了", "谢谢网格员",
           "有人要团购水果吗", "周末去哪里玩", "今天的菜好便宜", "手机怎么截图", "附近哪家理发店好", "我家猫丢了谁看到了",
           "健身房几点开门", "医院挂号怎么挂", "明天会下雨吗", "电视剧好看吗", "请问哪里可以修手机", "社保卡密码忘了怎么办",
           "孩子上学的学区怎么划", "驾照到期了去哪换", "公交卡怎么充值", "疫苗在哪里打", "火车票怎么退",
           # greetings that share one everyday word (晚上, 周末, 小区) with some entry
           "大家晚上好", "各位中午好", "早安各位邻居", "周末愉快", "小区的朋友们新年快乐", "晚上好呀", "中秋节快乐",
           "今天风好大晾的衣服都吹跑了", "楼下的桂花开了好香", "下午好"]


def shipped_rows(understanding_factory) -> list[list[tuple[np.ndarray, int, str]]]:
    """Held-apart data from our own knowledge base: index each entry with half its phrasings, ask with the rest;
    chatter and out-of-scope questions must pick nothing."""
    from knowledge.entry import FaqEntry

    entries = read_shipped()
    kept = [FaqEntry(e.id, e.category, e.question, e.similar[: len(e.similar) // 2], e.keywords, e.answer) for e in entries]
    asks = [{"text": t, "faq_id": e.id} for e in entries for t in e.similar[len(e.similar) // 2:]]
    asks += [{"text": t} for t in CHATTER]
    return rows_for(understanding_factory(kept), asks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--margin", type=float, default=0.0)
    parser.add_argument("--with-shipped", action="store_true",
                        help="also train on held-apart phrasings of the shipped knowledge base and on chatter")
    parser.add_argument("--also", nargs="*", default=[], metavar="DIR",
                        help="also train on these labelled sets (DIR/kb.json, or the shipped knowledge base, and DIR/messages.jsonl)")
    args = parser.parse_args()
    directory = Path(args.dir)
    messages = [json.loads(line) for line in (directory / "messages.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    understanding = Understanding(read_kb_file(directory / "kb.json"))
    per_message = rows_for(understanding, messages)
    extra = shipped_rows(Understanding) if args.with_shipped else []
    for other in map(Path, args.also):
        entries = read_kb_file(other / "kb.json") if (other / "kb.json").exists() else read_shipped()
        lines = (other / "messages.jsonl").read_text(encoding="utf-8").splitlines()
        extra += rows_for(Understanding(entries), [json.loads(line) for line in lines if line.strip()])

    order = list(range(len(messages)))
    random.Random(7).shuffle(order)
    predictions: list[tuple[dict, float, float, str | None]] = [None] * len(messages)  # type: ignore[list-item]
    for fold in range(args.folds):
        test = set(order[fold::args.folds])
        weights = fit([rs for i, rs in enumerate(per_message) if i not in test] + extra)
        for i in test:
            logits = [score(weights, f) for f, _, _ in per_message[i]]
            scored = sorted(zip(confidences(logits) if logits else [], (fid for _, _, fid in per_message[i])), reverse=True)
            top, second = (scored + [(0.0, None), (0.0, None)])[:2]
            predictions[i] = (messages[i], top[0], top[0] - second[0], top[1])

    print(f"cross-validated, answering when score >= T and margin >= {args.margin:.1f}")
    print("  T   mention: acc  wrong | plain: acc  wrong")
    for threshold in (0, 10, *range(20, 95, 5)):
        stats = {}
        for mention in (True, False):
            lines = [p for p in predictions if bool(p[0].get("mention")) == mention]
            answered = [p for p in lines if p[1] >= threshold and p[2] >= args.margin]
            right = sum(p[3] == p[0].get("faq_id") for p in answered if p[0]["expect"] == "faq")
            wrong = sum(p[3] != p[0].get("faq_id") for p in answered)
            faq_lines = sum(p[0]["expect"] == "faq" for p in lines)
            stats[mention] = (right / max(faq_lines, 1), wrong)
        print(f"  {threshold:<3} {stats[True][0]:.3f} {stats[True][1]:>5}  |  {stats[False][0]:.3f} {stats[False][1]:>5}")
    weights = fit(per_message + extra)
    print("WEIGHTS = (" + ", ".join(f"{w:.3f}" for w in weights) + ")  # bias, " + ", ".join(FEATURES))


if __name__ == "__main__":
    main()
