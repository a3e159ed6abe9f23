"""The store: schema migrations on a new and an existing file, WAL mode, configuration of the path."""

from __future__ import annotations

from bot.config import load_settings
from bot.migrations import migrations
from bot.store import open_db


def test_new_file_gets_the_whole_schema_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "new.db"
    db = open_db(path)
    assert path.exists()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = set(db.table_names())
    assert {"inbox", "faq", "faq_versions", "unanswered", "cases", "case_events", "outbox", "groups", "people"} <= tables
    assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]


def test_existing_file_keeps_its_data_and_is_not_migrated_twice(tmp_path):
    path = tmp_path / "old.db"
    db = open_db(path)
    db["meta"].insert({"key": "marker", "value": "kept"})
    db.close()
    again = open_db(path)
    assert again.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0] == "kept"
    assert again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(migrations._migrations)


def test_db_path_from_environment_and_option(tmp_path):
    env = {"BOT_DB": str(tmp_path / "env.db")}
    assert load_settings(env=env).db_path == tmp_path / "env.db"
    assert load_settings(env=env, db=str(tmp_path / "opt.db")).db_path == tmp_path / "opt.db"
    assert load_settings(env={}).db_path.name == "bot.db"


def test_bad_setting_names_the_variable(tmp_path):
    import pytest

    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="BOT_FAQ_THRESHOLD_PLAIN"):
        load_settings(env={"BOT_FAQ_THRESHOLD_PLAIN": "high"})
    assert load_settings(env={"BOT_SENTENCE_MEANING": "false"}).sentence_meaning is False
    assert load_settings(env={"BOT_SENTENCE_MEANING": "yes"}).sentence_meaning is True
    with pytest.raises(ConfigError, match="BOT_SENTENCE_MEANING"):
        load_settings(env={"BOT_SENTENCE_MEANING": "maybe"})
    config = tmp_path / "config.toml"
    config.write_text('unknown_thing = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown_thing"):
        load_settings(config_file=config, env={})


def test_histories_numbered_again_after_a_restore_are_renumbered(tmp_path):
    import json
    import sqlite3

    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(tmp_path / "restored.db"))
    migrations.apply(db, stop_before="m005_kb_versions_keep_owner")
    data = json.dumps({"id": "a-1", "category": "测试", "question": "问", "similar": [], "keywords": [], "answer": "答"})
    # Before the fix, a restore after a delete started again at version 1.
    for version, action in ((1, "create"), (2, "update"), (3, "delete"), (1, "revert:1"), (2, "update"), (3, "revert:2")):
        db["faq_versions"].insert({"faq_id": "a-1", "version": version, "action": action, "author": "x", "at": "t",
                                   "data": None if action == "delete" else data})
    db["faq"].insert({"id": "a-1", "category": "测试", "question": "问", "answer": "答", "version": 3, "owner": "金盆岭社区"})
    db.conn.commit()
    db.close()
    db = open_db(tmp_path / "restored.db")
    rows = list(db.query("SELECT version, action, owner FROM faq_versions ORDER BY id"))
    assert [(r["version"], r["action"]) for r in rows] == [
        (1, "create"), (2, "update"), (3, "delete"), (4, "revert:1"), (5, "update"), (6, "revert:5")]
    assert {r["owner"] for r in rows} == {"金盆岭社区"}
    assert db.execute("SELECT version FROM faq WHERE id = 'a-1'").fetchone()[0] == 6


def test_reporters_in_an_older_file_get_the_group_they_wrote_in(tmp_path):
    import sqlite_utils

    path = tmp_path / "before-m008.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m008_reporter_groups")
    db["cases"].insert({"id": "SF-20261126-0001", "state": "assigned", "category": "road", "text": "井盖坏了",
                        "channel": "qq", "group_id": "111"})
    db["inbox"].insert_all([{"channel": "qq", "message_id": "q1", "group_id": "111", "user_id": "1", "state": "handled"},
                            {"channel": "wechat", "message_id": "w1", "group_id": "9@chatroom", "user_id": "2",
                             "state": "handled"}])
    db["case_reporters"].insert_all([{"case_id": "SF-20261126-0001", "channel": channel, "user_id": user, "message_id": message}
                                     for channel, user, message in (("qq", "1", "q1"), ("wechat", "2", "w1"),
                                                                    ("qq", "3", "no-longer-stored"))])
    db.close()
    after = open_db(path)
    groups = {r["user_id"]: r["group_id"] for r in after.query("SELECT user_id, group_id FROM case_reporters")}
    assert groups == {"1": "111", "2": "9@chatroom", "3": "111"}
