"""`run_bot.py ask`: the dry-run contract the evaluation tools drive."""

from __future__ import annotations

import sqlite3

from tests.conftest import ROOT, run_process

KEYS = {"text", "intent", "faq_id", "category", "score", "reply"}


def test_json_answer_per_line_in_input_order(cli):
    lines = ["房屋征收的补偿标准是怎么确定的？", "建设路12号楼下烧烤店油烟直排，呛得窗户都不敢开", "大家晚上好", ""]
    result = cli("ask", "--json", "--mention", stdin="\n".join(lines) + "\n")
    answers = result.json_lines()
    assert [a["text"] for a in answers] == lines
    assert all(set(a) >= KEYS for a in answers)
    faq, complaint, chat, empty = answers
    assert faq["intent"] == "faq" and faq["faq_id"].startswith("zs-") and faq["reply"]
    assert complaint["intent"] == "complaint" and complaint["category"] == "cooking_fumes"
    assert complaint["faq_id"] is None and "SF-" in complaint["reply"]
    assert chat["intent"] == "none" and chat["faq_id"] is None
    assert empty["intent"] == "none" and 0 <= empty["score"] <= 100


def test_complaint_without_a_place_asks_where(cli):
    answer = cli("ask", "楼下烧烤店油烟直排，呛得窗户都不敢开", "--json").json_lines()[0]
    assert answer["intent"] == "complaint" and answer["category"] == "cooking_fumes"
    assert "具体在哪里" in answer["reply"] and "SF-" not in answer["reply"]


def test_plain_message_without_mention_stays_silent_on_chat(cli):
    answer = cli("ask", "今天菜市场的白菜好便宜", "--json").json_lines()[0]
    assert answer["intent"] == "none" and answer["reply"] is None


def test_ask_stores_nothing(cli):
    cli("ask", "路灯坏了三天没人修", "--json", "--mention")
    db = sqlite3.connect(cli.db)
    assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_explain_shows_words_candidates_and_reason(cli):
    answer = cli("ask", "业委会怎么成立", "--json", "--explain", "--mention").json_lines()[0]
    explain = answer["explain"]
    assert "业委会" in explain["words"]
    assert explain["candidates"] and explain["candidates"][0]["faq_id"] == answer["faq_id"]
    assert explain["reason"]


def test_explain_shows_how_sure_the_meaning_band_was_when_words_left_the_bot_unsure(cli):
    unsure = cli("ask", "为什么那个安置费给得那么少，是按什么规定算的", "--json", "--explain").json_lines()[0]
    assert unsure["intent"] == "none" and unsure["explain"]["candidates"][0]["meaning"] > 0
    assert 0 <= unsure["explain"]["meaning_sure"] < 0.75
    sure = cli("ask", "业委会怎么成立", "--json", "--explain", "--mention").json_lines()[0]
    assert "meaning_sure" not in sure["explain"]  # the words were sure: the band was not asked


def test_explain_shows_how_sure_the_report_model_was_of_a_trouble_the_words_left_silent(cli):
    told = cli("ask", "楼上那户把花盆摆在窗台外沿，风一吹就往下掉土，下面是小孩上学走的路", "--json", "--explain").json_lines()[0]
    assert told["intent"] == "complaint" and told["explain"]["reason"].startswith("reads as a report")
    assert 0.5 <= told["explain"]["report_sure"] <= 1
    worded = cli("ask", "楼下路灯坏了三天了", "--json", "--explain").json_lines()[0]
    assert worded["intent"] == "complaint" and "report_sure" not in worded["explain"]  # the words were enough


def test_group_option_names_the_grid_worker(cli):
    group = cli("registry", "groups", "--json").json_lines()[0][0]
    answer = cli("ask", "请问社保卡丢了去哪里补办？", "--json", "--mention", "--group", group["group_id"]).json_lines()[0]
    assert answer["intent"] == "none" and answer["faq_id"] is None
    assert group["workers"][0]["name"] in answer["reply"]


def test_real_process_prints_only_answers_on_stdout(tmp_path):
    proc = run_process("ask", "--json", "--db", str(tmp_path / "p.db"), stdin="物业费怎么交\n你好\n")
    assert proc.returncode == 0
    import json

    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [a["text"] for a in answers] == ["物业费怎么交", "你好"]


def test_a_message_scores_the_same_in_every_process(tmp_path):
    """Python changes the order of sets with each process (its hash seed); the scores must not change with it."""
    import json

    db = str(tmp_path / "kb.db")
    assert run_process("kb", "import", str(ROOT / "tests" / "data" / "kb_aa" / "kb.json"), "--replace", "--db", db).returncode == 0
    texts = "".join(json.loads(line)["text"].replace("\n", " ") + "\n"
                    for line in open(ROOT / "tests" / "data" / "kb_aa" / "messages.jsonl", encoding="utf-8"))
    runs = [run_process("ask", "--json", "--mention", "--db", db, stdin=texts, env={"PYTHONHASHSEED": seed})
            for seed in ("1", "2", "3")]
    assert all(run.returncode == 0 for run in runs)
    first, *others = [[(a["intent"], a["faq_id"], a["category"], a["score"]) for a in map(json.loads, run.stdout.splitlines())]
                      for run in runs]
    assert len(first) == texts.count("\n")
    assert all(other == first for other in others)


def test_a_report_of_an_open_case_would_be_merged_and_an_unknown_group_is_refused(cli):
    from bot.app import Bot
    from bot.config import load_settings
    from bot.messages import Incoming

    group = cli("registry", "groups", "--json").json_lines()[0][0]
    bot = Bot(load_settings(db=cli.db))
    bot.handle(Incoming(group["channel"], "m-1", group["group_id"], "4242", "5栋门口的路灯坏了好几天一直不亮", "王阿姨", True))
    case_id = bot.db.execute("SELECT id FROM cases").fetchone()[0]
    bot.close()
    answer = cli("ask", "5栋门口路灯坏了", "--json", "--group", group["group_id"]).json_lines()[0]
    assert answer["intent"] == "complaint" and "已合并" in answer["reply"] and case_id in answer["reply"]
    db = sqlite3.connect(cli.db)
    assert db.execute("SELECT count(*) FROM case_reporters").fetchone()[0] == 1  # nothing stored
    refused = cli("ask", "5栋门口路灯坏了", "--group", "nonexist")
    assert refused.code == 2 and "没有登记群 nonexist" in refused.err and not refused.out


def test_the_meaning_and_report_model_thresholds_come_from_the_configuration(cli, monkeypatch):
    unsure_words = "屋被收了以后搬出去住的那段时间有冇得钱补"
    trouble_untold = "楼上那户把花盆摆在窗台外沿，风一吹就往下掉土，下面是小孩上学走的路"
    messages = unsure_words + "\n" + trouble_untold + "\n"
    answered, filed = cli("ask", "--json", "--explain", stdin=messages).json_lines()
    assert answered["intent"] == "faq" and answered["explain"]["reason"].startswith("meaning")
    assert filed["intent"] == "complaint" and filed["explain"]["reason"].startswith("reads as a report")
    monkeypatch.setenv("BOT_FAQ_MEANING_COSINE", "0.95")
    monkeypatch.setenv("BOT_FAQ_MEANING_SURE", "0.99")
    monkeypatch.setenv("BOT_REPORT_MODEL_SURE", "0.99")
    stricter = cli("ask", "--json", "--explain", stdin=messages).json_lines()
    assert [a["intent"] for a in stricter] == ["none", "none"]
