"""Console accounts: roles and scopes, argon2 password hashes, throttled logins, the first admin."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

ROLES = {"district": "区级管理员", "street": "街道管理员", "community": "社区管理员", "grid": "网格员"}
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
FIRST_ADMIN = "admin"
# A username is part of console addresses (/console/users/<name>): no "/", "?", "#", spaces or a leading dot.
USERNAME = re.compile(r"[^\W_][\w.@-]{0,63}")

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(Exception):
    """An account could not be created or changed; the message says why, in Chinese, for the admin."""


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: str  # district | street | community | grid
    scope: tuple[str, ...]  # the street / community / grid names owned; empty for district admins
    display_name: str = ""
    must_change: bool = False

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def is_district(self) -> bool:
        return self.role == "district"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _user(row: dict) -> User:
    return User(row["username"], row["role"], tuple(json.loads(row["scope"] or "[]")),
                row["display_name"] or "", bool(row["must_change"]))


_UNIT_TABLES = {"street": ("streets", "街道"), "community": ("communities", "社区"), "grid": ("grids", "网格")}


def _check(db: Database, role: str, scope: list[str] | tuple[str, ...], password: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"角色应为 {' / '.join(ROLES)}，收到 {role!r}")
    if role != "district" and not scope:
        raise AccountError(f"{ROLES[role]}必须指定所辖范围（街道、社区或网格名称）")
    if role in _UNIT_TABLES:
        table, label = _UNIT_TABLES[role]
        unknown = [u for u in scope if not db.execute(f"SELECT 1 FROM {table} WHERE name = ?", [u]).fetchone()]
        if unknown:
            raise AccountError(f"登记表中没有{label}：{'、'.join(unknown)}（{ROLES[role]}的范围应填{label}名称）")
    if password is not None and len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")


def add_user(db: Database, username: str, password: str, role: str, scope: list[str] | tuple[str, ...] = (),
             display_name: str = "", must_change: bool = False, now: datetime | None = None) -> User:
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise AccountError("用户名只能由字母、数字、汉字和 _ . @ - 组成，以字母、数字或汉字开头，最长 64 个字符")
    _check(db, role, scope, password)
    if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise AccountError(f"用户名 {username} 已存在")
    scope = [] if role == "district" else list(dict.fromkeys(s.strip() for s in scope if s.strip()))
    db["users"].insert({
        "username": username, "password_hash": _hasher.hash(password), "role": role,
        "scope": json.dumps(scope, ensure_ascii=False), "display_name": display_name.strip(),
        "created_at": _now(now).isoformat(timespec="seconds"), "must_change": int(must_change),
    })
    return get_user(db, username)


def get_user(db: Database, username: str) -> User | None:
    rows = list(db.query("SELECT * FROM users WHERE username = ? AND disabled = 0", [username]))
    return _user(rows[0]) if rows else None


def list_users(db: Database) -> list[dict]:
    return [
        {"username": r["username"], "role": r["role"],
         "role_label": ROLES.get(r["role"], r["role"]), "scope": json.loads(r["scope"] or "[]"),
         "display_name": r["display_name"] or "", "last_login": r["last_login"], "locked_until": r["locked_until"],
         "failures": r["failures"], "disabled": bool(r["disabled"])}
        for r in db.query("SELECT * FROM users ORDER BY username")
    ]


def update_user(db: Database, username: str, role: str, scope: list[str] | tuple[str, ...], display_name: str = "",
                disabled: bool = False) -> None:
    _check(db, role, scope, None)
    scope = [] if role == "district" else list(dict.fromkeys(s.strip() for s in scope if s.strip()))
    cursor = db.execute(
        "UPDATE users SET role = ?, scope = ?, display_name = ?, disabled = ? WHERE username = ?",
        [role, json.dumps(scope, ensure_ascii=False), display_name.strip(), int(disabled), username],
    )
    if not cursor.rowcount:
        raise AccountError(f"没有用户 {username}")


def set_password(db: Database, username: str, password: str, must_change: bool = False) -> None:
    """A new password also lifts a lock: the admin who sets it vouches for the person."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")
    cursor = db.execute(
        "UPDATE users SET password_hash = ?, failures = 0, locked_until = NULL, must_change = ? WHERE username = ?",
        [_hasher.hash(password), int(must_change), username],
    )
    if not cursor.rowcount:
        raise AccountError(f"没有用户 {username}")


def credential_stamp(db: Database, username: str) -> str:
    """Changes whenever the password does, or the user logs out: a session stamped before is no longer valid."""
    row = db.execute("SELECT password_hash, session_generation FROM users WHERE username = ?", [username]).fetchone()
    return hashlib.sha256(f"{row[0]}:{row[1]}".encode() if row else b"").hexdigest()[:16]


def end_sessions(db: Database, username: str) -> None:
    """End every console session of this user (the cookies are stateless: their stamp stops matching)."""
    db.execute("UPDATE users SET session_generation = session_generation + 1 WHERE username = ?", [username])


def locked_until(db: Database, username: str, now: datetime | None = None) -> datetime | None:
    row = db.execute("SELECT locked_until FROM users WHERE username = ?", [username]).fetchone()
    if not row or not row[0]:
        return None
    until = datetime.fromisoformat(row[0])
    return until if until > _now(now) else None


def verify(db: Database, username: str, password: str, now: datetime | None = None) -> User | None:
    """The user if the password is right and the account is neither locked nor disabled; else None.

    After MAX_FAILURES wrong passwords in a row the account is locked for LOCK_MINUTES, even to the right password.
    """
    now = _now(now)
    rows = list(db.query("SELECT * FROM users WHERE username = ?", [username]))
    if not rows:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return None
    row = rows[0]
    if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
        return None
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        failures = (row["failures"] or 0) + 1
        lock = (now + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds") if failures >= MAX_FAILURES else None
        db.execute("UPDATE users SET failures = ?, locked_until = ? WHERE username = ?",
                   [0 if lock else failures, lock, username])
        return None
    if row["disabled"]:
        return None
    fields = {"failures": 0, "locked_until": None, "last_login": now.isoformat(timespec="seconds")}
    if _hasher.check_needs_rehash(row["password_hash"]):
        fields["password_hash"] = _hasher.hash(password)
    db["users"].update(username, fields)
    return _user(row)


def ensure_first_admin(db: Database) -> str | None:
    """On first start, create user "admin" with a random one-time password and return it; else None."""
    if db.execute("SELECT 1 FROM users LIMIT 1").fetchone():
        return None
    password = secrets.token_urlsafe(12)
    add_user(db, FIRST_ADMIN, password, "district", display_name="区级管理员", must_change=True)
    return password
