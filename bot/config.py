"""Settings: environment variable BOT_<NAME> > config.toml > default."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting has a value that cannot be used."""


def _setting(default, help: str, secret: bool = False):
    return field(default=default, metadata={"help": help, "secret": secret})


@dataclass(slots=True)
class Settings:
    db: str = _setting("data/bot.db", "SQLite database file (created on first start)")
    db_busy_timeout: float = _setting(10.0, "seconds to wait for a database locked by another process before retrying later")
    web_host: str = _setting("127.0.0.1", "address the HTTP server (console, OneBot endpoint, /healthz) listens on")
    web_port: int = _setting(8080, "port of the HTTP server")
    timezone: str = _setting("Asia/Shanghai", "time zone for case numbers, due dates and reports")
    faq_threshold_mention: float = _setting(
        30.0, "minimum confidence (0-100) to answer a question that @-mentions the bot"
    )
    faq_threshold_plain: float = _setting(
        40.0, "minimum confidence to answer a plain group message (no @-mention)"
    )
    faq_suggest_threshold: float = _setting(
        15.0, "below the answer threshold but above this, an @-mentioned question gets 'did you mean' choices"
    )
    sentence_meaning: bool = _setting(
        True, "when words leave the bot unsure of a question, compare meanings with a sentence encoder (~60 MB, ~3 ms)")
    complaint_threshold: float = _setting(55.0, "minimum confidence to treat a message as a complaint")
    case_limits: str = _setting(
        "safety_hazard=24h, utilities=24h, default=3d",
        "handling time limit per case category: Nh = hours on the clock, Nd = working days; 'default' for the rest",
    )
    holidays: str = _setting("", "public holidays not counted as working days, comma-separated dates (2026-10-01,…)")
    remind_before_hours: float = _setting(4.0, "remind the grid worker this many hours before a case is due")
    digest_hour: int = _setting(8, "hour of the day (0-23) when each grid worker gets a digest of open cases")
    location_wait_minutes: float = _setting(
        10.0, "how long to wait for a resident's answer to 'where exactly?' before filing with 位置待核实")
    merge_window_hours: float = _setting(72.0, "the same problem reported again in the grid within this window joins the open case")
    group_min_interval_seconds: float = _setting(3.0, "at most one bot message per this many seconds in one group")
    account_messages_per_minute: int = _setting(20, "at most this many messages a minute from one bot account")
    resident_replies_per_10min: int = _setting(
        5, "at most this many replies to one resident in 10 minutes in a group, and as many in private "
           "(grid workers and community contacts working cases are exempt in private)")
    group_replies_per_10min: int = _setting(30, "at most this many replies in one group in 10 minutes")
    repeat_answer_minutes: float = _setting(
        10.0, "the same FAQ answered in the same group this recently is pointed to, not pasted again")
    max_message_chars: int = _setting(500, "longer replies are split at sentence ends into several messages")
    ignore_user_ids: str = _setting("", "accounts whose messages are ignored (other bots), comma-separated")
    outbox_retry_seconds: float = _setting(5.0, "first retry delay for an undelivered message (doubles each time)")
    outbox_max_delay_seconds: float = _setting(600.0, "upper bound of the retry delay")
    onebot_access_token: str = _setting("", "OneBot v11 access token (secret)", secret=True)
    onebot_secret: str = _setting("", "OneBot v11 HTTP POST signing secret for X-Signature (secret)", secret=True)
    onebot_api_url: str = _setting("", "OneBot v11 HTTP API base URL (e.g. http://127.0.0.1:5700) for HTTP-only setups")
    onebot_api_timeout: float = _setting(10.0, "seconds to wait for a OneBot API response")
    wechaty_login_timeout: float = _setting(60.0, "seconds the WeChat link may take to log in before it is restarted")
    wecom_webhook_url: str = _setting("", "WeCom (企业微信) group-robot webhook URL for case and alert messages (secret)",
                                      secret=True)
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


def load_settings(config_file: str | Path | None = None, env: dict[str, str] | None = None, **overrides) -> Settings:
    """Read config.toml (if any), then BOT_* variables, then explicit overrides such as --db."""
    env = os.environ if env is None else env
    path = Path(config_file or env.get("BOT_CONFIG") or ROOT / "config.toml")
    values: dict[str, object] = {}
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    for f in fields(Settings):
        if (raw := env.get(f"BOT_{f.name.upper()}")) is not None:
            values[f.name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name: f for f in fields(Settings)}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"unknown setting(s) {', '.join(sorted(unknown))} in {path}; known: {', '.join(known)}")
    settings = Settings()
    for name, value in values.items():
        kind = type(getattr(settings, name))
        try:
            setattr(settings, name, _as_bool(value) if kind is bool else kind(value))
        except (TypeError, ValueError):
            raise ConfigError(f"setting {name} (BOT_{name.upper()}) must be a {kind.__name__}, got {value!r}") from None
    return settings
