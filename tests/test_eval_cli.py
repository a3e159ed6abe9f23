"""`run_bot.py eval DIR`: the figures of shared/eval/README.md on a small labelled set of our own."""

from __future__ import annotations

import json

KB = [
    {"id": "x-1", "category": "测试", "question": "社区老年食堂怎么办理就餐卡？", "similar": ["老年饭堂怎么办卡", "食堂就餐卡在哪办", "老人吃饭卡怎么申请"],
     "keywords": ["就餐卡"], "answer": "带身份证到社区办理。"},
    {"id": "x-2", "category": "测试", "question": "高龄津贴怎么申请？", "similar": ["八十岁以上老人补贴怎么领", "高龄补贴申请流程", "老人津贴去哪里申请"],
     "keywords": ["高龄津贴"], "answer": "到社区申请。"},
]
MESSAGES = [
    {"text": "老年食堂的就餐卡去哪办啊", "mention": True, "expect": "faq", "faq_id": "x-1"},
    {"text": "我爸今年85了，高龄津贴怎么申请", "mention": False, "expect": "faq", "faq_id": "x-2"},
    {"text": "楼道灯坏了好几天都没人修", "mention": True, "expect": "complaint", "category": "public_facility"},
    {"text": "早上好", "mention": False, "expect": "none"},
    {"text": "大家早上好呀", "mention": False, "expect": "complaint", "category": "noise",
     "note": "labelled complaint on purpose: shows a failure"},
]


def test_eval_prints_every_figure_with_counts_and_failures(cli, tmp_path):
    (tmp_path / "kb.json").write_text(json.dumps(KB, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "messages.jsonl").write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in MESSAGES), encoding="utf-8")
    result = cli("eval", str(tmp_path), "--db", str(tmp_path / "unused.db"))
    assert result.code == 0
    out = result.out
    for name in ("faq_accuracy", "complaint_recall", "complaint_precision", "category_accuracy", "silence_rate", "wrong_answer_rate"):
        assert name in out
    assert "faq_accuracy                  1.000   2/2" in out
    assert "complaint_recall              0.500   1/2" in out
    assert "silence_rate                  1.000   1/1" in out
    assert "labelled complaint on purpose" in out  # the failing line is listed with its note
