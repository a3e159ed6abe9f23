"""Settings: environment variable BOT_<NAME> > config.toml > default, each checked against its allowed values."""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent
# BOT_* variables read outside the settings, so not mistyped settings.
OTHER_VARIABLES = {"BOT_CONFIG", "BOT_CACHE_DIR"}

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A setting has a value that cannot be used."""


# A check returns None for a usable text value, else what is allowed, in Chinese: "应为……" or "不能为空".
Check = Callable[[str], "str | None"]


def _setting(default, help: str, secret: bool = False, *, low: float | None = None, high: float | None = None,
             check: Check | None = None):
    return field(default=default, metadata={"help": help, "secret": secret, "low": low, "high": high, "check": check})


def _not_empty(value: str) -> str | None:
    return "不能为空" if not value.strip() else None


def _time_zone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ValueError, OSError, ZoneInfoNotFoundError):  # OSError: "Asia" is a folder, not a zone
        return "应为时区名称，如 Asia/Shanghai"
    return None


def _case_limits(value: str) -> str | None:
    from bot.deadlines import LimitError, parse_limits

    try:
        parse_limits(value)
    except LimitError as exc:
        return f"应写成 类别=时限，逗号分隔，如 safety_hazard=24h, default=3d（{exc}）"
    return None


def _holidays(value: str) -> str | None:
    from bot.deadlines import LimitError, parse_holidays

    try:
        parse_holidays(value)
    except LimitError:
        return "应为逗号分隔的日期，如 2026-10-01,2026-10-02"
    return None


def _http_url(value: str) -> str | None:
    if not value:
        return None  # not used
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "应为以 http:// 或 https:// 开头的完整网址（或留空不用）"
    return None


@dataclass(slots=True)
class Settings:
    db: str = _setting("data/bot.db", "SQLite database file (created on first start)", check=_not_empty)
    db_busy_timeout: float = _setting(
        10.0, "seconds to wait for a database locked by another process before retrying later", low=0, high=600)
    web_host: str = _setting(
        "127.0.0.1", "address the HTTP server (console, OneBot endpoint, /healthz) listens on", check=_not_empty)
    web_port: int = _setting(8080, "port of the HTTP server", low=1, high=65535)
    timezone: str = _setting("Asia/Shanghai", "time zone for case numbers, due dates and reports", check=_time_zone)
    faq_threshold_mention: float = _setting(
        30.0, "minimum confidence (0-100) to answer a question that @-mentions the bot", low=0, high=100
    )
    faq_threshold_plain: float = _setting(
        40.0, "minimum confidence to answer a plain group message (no @-mention)", low=0, high=100
    )
    faq_suggest_threshold: float = _setting(
        15.0, "below the answer threshold but above this, an @-mentioned question gets 'did you mean' choices",
        low=0, high=100)
    sentence_meaning: bool = _setting(
        True, "a sentence encoder (~60 MB, ~3 ms) for questions words leave unsure and reports the complaint words miss")
    faq_margin: float = _setting(
        5.0, "the top entry must lead the next by this many points to be answered on words alone", low=0, high=100)
    faq_meaning_cosine: float = _setting(
        0.55, "a question the words leave unsure is answered when its meaning is this close (cosine) to the top entry's "
              "phrasings …", low=0, high=1)
    faq_meaning_lead: float = _setting(
        0.05, "… and this much closer than to the next entries", low=0, high=1)
    faq_meaning_sure: float = _setting(
        0.75, "… or else when the meaning band's model, weighing words and meaning together, is this sure (0-1)",
        low=0, high=1)
    complaint_threshold: float = _setting(55.0, "minimum confidence to treat a message as a complaint", low=0, high=100)
    report_model_sure: float = _setting(
        0.5, "a message the complaint words saw something in but left unsure is filed when the report model is this "
             "sure (0-1)", low=0, high=1)
    case_limits: str = _setting(
        "safety_hazard=24h, utilities=24h, default=3d",
        "handling time limit per case category: Nh = hours on the clock, Nd = working days; 'default' for the rest",
        check=_case_limits)
    holidays: str = _setting(
        "", "public holidays not counted as working days, comma-separated dates (2026-10-01,…)", check=_holidays)
    remind_before_hours: float = _setting(4.0, "remind the grid worker this many hours before a case is due", low=0)
    digest_hour: int = _setting(
        8, "hour of the day (0-23) when each grid worker gets a digest of open cases", low=0, high=23)
    location_wait_minutes: float = _setting(
        10.0, "how long to wait for a resident's answer to 'where exactly?' before filing with 位置待核实", low=0)
    merge_window_hours: float = _setting(
        72.0, "the same problem reported again in the grid within this window joins the open case", low=0)
    group_min_interval_seconds: float = _setting(
        3.0, "at most one bot message per this many seconds in one group", low=0)
    account_messages_per_minute: int = _setting(
        20, "at most this many messages a minute from one bot account", low=1)
    resident_replies_per_10min: int = _setting(
        5, "at most this many replies to one resident in 10 minutes in a group, and as many in private "
           "(grid workers and community contacts working cases are exempt in private)", low=1)
    group_replies_per_10min: int = _setting(30, "at most this many replies in one group in 10 minutes", low=1)
    repeat_answer_minutes: float = _setting(
        10.0, "the same FAQ answered in the same group this recently is pointed to, not pasted again", low=0)
    max_message_chars: int = _setting(
        500, "longer replies are split at sentence ends into several messages", low=50)
    ignore_user_ids: str = _setting("", "accounts whose messages are ignored (other bots), comma-separated")
    outbox_retry_seconds: float = _setting(
        5.0, "first retry delay for an undelivered message (doubles each time)", low=0.1)
    outbox_max_delay_seconds: float = _setting(600.0, "upper bound of the retry delay", low=1)
    onebot_access_token: str = _setting("", "OneBot v11 access token (secret)", secret=True)
    onebot_secret: str = _setting("", "OneBot v11 HTTP POST signing secret for X-Signature (secret)", secret=True)
    onebot_api_url: str = _setting(
        "", "OneBot v11 HTTP API base URL (e.g. http://127.0.0.1:5700) for HTTP-only setups", check=_http_url)
    onebot_api_timeout: float = _setting(10.0, "seconds to wait for a OneBot API response", low=0.1)
    wechaty_login_timeout: float = _setting(
        60.0, "seconds the WeChat link may take to log in before it is restarted", low=1)
    wecom_webhook_url: str = _setting("", "WeCom (企业微信) group-robot webhook URL for case and alert messages (secret)",
                                      secret=True, check=_http_url)
    web_secret: str = _setting("", "key for the console's encrypted session cookies; generated and stored if empty (secret)",
                               secret=True)

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown.append(f"{f.name}={'***' if f.metadata['secret'] and value else value!r}")
        return f"Settings({', '.join(shown)})"

    @property
    def db_path(self) -> Path:
        path = Path(self.db)
        return path if path.is_absolute() or self.db == ":memory:" else ROOT / path


def setting_help() -> dict[str, str]:
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def _as_bool(value: object) -> bool:
    """TOML gives a bool; an environment variable gives text, where bool("false") would be True."""
    if isinstance(value, bool):
        return value
    words = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
    word = str(value).strip().lower()
    if word not in words:
        raise ValueError(value)
    return words[word]


def _as_int(value: object) -> int:
    """An integer from TOML or text; 18083.9 or true is refused, not silently made 18083 or 1."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(value)
    return int(value)


def _as_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _as_str(value: object) -> str:
    # A TOML list (holidays = ["2026-10-01"]) is refused with the comma-separated form in the message.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(value)
    return str(value)


_CONVERT = {bool: _as_bool, int: _as_int, float: _as_float, str: _as_str}
_KIND = {bool: "开关值 true 或 false", int: "整数", float: "数", str: "文本"}


def _allowed(f, kind: type) -> str:
    low, high = f.metadata["low"], f.metadata["high"]
    if low is not None and high is not None:
        return f"应为 {low:g} 到 {high:g} 之间的{_KIND[kind]}"
    if low is not None:
        return f"应为不小于 {low:g} 的{_KIND[kind]}"
    return "应为" + _KIND[kind] + ("（多项用逗号分隔，写在一对引号里）" if kind is str else "")


def _problem(f, kind: type, value: object) -> str | None:
    """None if `value` is usable for setting `f`, else what is allowed."""
    if (low := f.metadata["low"]) is not None and value < low:
        return _allowed(f, kind)
    if (high := f.metadata["high"]) is not None and value > high:
        return _allowed(f, kind)
    if (check := f.metadata["check"]) is not None:
        return check(value)
    return None


def _shown(f, value: object) -> str:
    if not f.metadata["secret"] or not value:
        return repr(value)
    # A secret URL keeps its shape (a missing https:// is the usual mistake) but none of its query values.
    return repr(re.sub(r"=[^&]*", "=***", str(value))) if "?" in str(value) else "***"


def _warn_about_unknown_variables(env: dict[str, str]) -> None:
    """A mistyped BOT_* variable would otherwise be ignored without a word."""
    known = {f"BOT_{f.name.upper()}" for f in fields(Settings)} | OTHER_VARIABLES
    for name in sorted(n for n in env if n.startswith("BOT_") and n not in known):
        close = difflib.get_close_matches(name, known, n=1)
        log.warning("环境变量 %s 不是网格小助手的设置，已忽略%s", name, f"（是不是 {close[0]}？）" if close else "")


def load_settings(config_file: str | Path | None = None, env: dict[str, str] | None = None, **overrides) -> Settings:
    """Read config.toml (if any), then BOT_* variables, then explicit overrides such as --db; check every value."""
    env = os.environ if env is None else env
    named = config_file or env.get("BOT_CONFIG")
    path = Path(named or ROOT / "config.toml")
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    if named and not path.is_file():
        raise ConfigError(f"配置文件 {path} 不存在（由 {'BOT_CONFIG' if not config_file else '参数'} 指定）")
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"配置文件 {path} 格式有误（{exc}）") from None
        sources.update(dict.fromkeys(values, f"配置文件 {path}"))
    known = {f.name: f for f in fields(Settings)}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"配置文件 {path} 中有未知的设置：{', '.join(sorted(unknown))}；可用的设置：{', '.join(known)}")
    _warn_about_unknown_variables(env)
    for name in known:
        if (raw := env.get(f"BOT_{name.upper()}")) is not None:
            values[name] = raw
            sources[name] = f"环境变量 BOT_{name.upper()}"
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
            sources[name] = f"命令行参数 --{name.replace('_', '-')}"
    settings = Settings()
    for name, value in values.items():
        f = known[name]
        kind = type(f.default)
        try:
            converted = _CONVERT[kind](value)
            problem = _problem(f, kind, converted)
        except (TypeError, ValueError):
            problem = _allowed(f, kind)
        if problem:
            raise ConfigError(f"设置 {name} 的值 {_shown(f, value)} 不可用（来自{sources[name]}）：{problem}")
        setattr(settings, name, converted)
    return settings
