"""Settings: every value is checked at start-up, and a bad one stops the bot with one clear Chinese message."""

from __future__ import annotations

import logging

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings


@pytest.mark.parametrize(("variable", "value", "allowed"), [
    ("BOT_MAX_MESSAGE_CHARS", "0", "不小于 50 的整数"),
    ("BOT_MAX_MESSAGE_CHARS", "-1", "不小于 50 的整数"),
    ("BOT_ACCOUNT_MESSAGES_PER_MINUTE", "0", "不小于 1 的整数"),
    ("BOT_DIGEST_HOUR", "25", "0 到 23 之间的整数"),
    ("BOT_WEB_PORT", "18083.9", "1 到 65535 之间的整数"),
    ("BOT_TIMEZONE", "Mars/X", "时区名称"),
    ("BOT_TIMEZONE", "", "时区名称"),
    ("BOT_TIMEZONE", "Asia", "时区名称"),
    ("BOT_DB", "", "不能为空"),
    ("BOT_HOLIDAYS", "2026-13-01", "2026-10-01"),
    ("BOT_CASE_LIMITS", "safety_hazard=soon", "safety_hazard=24h"),
    ("BOT_FAQ_THRESHOLD_PLAIN", "150", "0 到 100 之间的数"),
    ("BOT_OUTBOX_RETRY_SECONDS", "nan", "不小于 0.1 的数"),
])
def test_a_bad_environment_value_stops_the_command_with_a_message_naming_it(monkeypatch, capsys, tmp_path,
                                                                             variable, value, allowed):
    monkeypatch.setenv("BOT_DB", str(tmp_path / "bot.db"))
    monkeypatch.setenv(variable, value)
    assert main(["ask", "路灯坏了"]) == 2
    err = capsys.readouterr().err
    assert variable in err and repr(value) in err and allowed in err
    assert "Error" not in err and "Traceback" not in err


def test_a_malformed_webhook_url_is_refused_without_showing_its_key(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("BOT_WECOM_WEBHOOK_URL", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=WECOM-SECRET-789")
    assert main(["ask", "路灯坏了", "--db", str(tmp_path / "bot.db")]) == 2
    err = capsys.readouterr().err
    assert "BOT_WECOM_WEBHOOK_URL" in err and "https://" in err and "qyapi.weixin.qq.com" in err
    assert "WECOM-SECRET-789" not in err


@pytest.mark.parametrize(("line", "shown"), [
    ("web_port = 18083.9", "18083.9"),
    ("web_port = true", "True"),
    ('holidays = ["2026-10-01"]', "['2026-10-01']"),
])
def test_a_config_file_value_of_the_wrong_type_is_refused(tmp_path, line, shown):
    config = tmp_path / "config.toml"
    config.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=config, env={})
    message = str(caught.value)
    assert line.split()[0] in message and shown in message and str(config) in message


def test_good_values_from_a_config_file_and_the_environment_are_taken(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('web_port = 18083\nholidays = "2026-10-01,2026-10-02"\ndigest_hour = 0\n', encoding="utf-8")
    settings = load_settings(config_file=config, env={"BOT_TIMEZONE": "Asia/Urumqi", "BOT_OUTBOX_RETRY_SECONDS": "0.5"})
    assert (settings.web_port, settings.digest_hour, settings.timezone) == (18083, 0, "Asia/Urumqi")
    assert settings.outbox_retry_seconds == 0.5


def test_a_missing_config_file_named_by_bot_config_is_an_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("BOT_CONFIG", str(tmp_path / "nowhere.toml"))
    assert main(["ask", "路灯坏了", "--db", str(tmp_path / "bot.db")]) == 2
    err = capsys.readouterr().err
    assert "nowhere.toml" in err and "不存在" in err


def test_a_mistyped_bot_variable_is_warned_about(caplog, tmp_path):
    with caplog.at_level(logging.WARNING):
        settings = load_settings(env={"BOT_MAX_MESAGE_CHARS": "100", "BOT_CACHE_DIR": str(tmp_path)})
    assert settings.max_message_chars == 500
    assert "BOT_MAX_MESAGE_CHARS" in caplog.text and "BOT_MAX_MESSAGE_CHARS" in caplog.text
    assert "BOT_CACHE_DIR" not in caplog.text  # read by the word cache, not a setting, but no mistake


def test_an_unknown_key_in_the_config_file_is_named_in_chinese(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("max_mesage_chars = 100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="未知的设置：max_mesage_chars"):
        load_settings(config_file=config, env={})
