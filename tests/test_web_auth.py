"""The console's doors: login, throttling, sessions, CSRF, security headers; accounts and their first admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import accounts
from bot.app import Bot
from bot.config import Settings
from bot.web import auth
from bot.web.testing import PASSWORD, console_bot, open_console

PAGES = ["/console/", "/console/kb", "/console/kb/new", "/console/kb/test", "/console/kb/import", "/console/kb/export",
         "/console/kb/entry/zs-001", "/console/kb/entry/zs-001/history", "/console/unanswered", "/console/cases",
         "/console/cases/export", "/console/cases/SF-20261126-0001", "/console/registry", "/console/registry/edit",
         "/console/registry/import", "/console/registry/export", "/console/simulator", "/console/simulator/feed",
         "/console/users", "/console/password"]
POSTS = ["/console/kb/new", "/console/kb/entry/zs-001", "/console/kb/entry/zs-001/disable", "/console/kb/entry/zs-001/delete",
         "/console/kb/entry/zs-001/revert", "/console/kb/import", "/console/kb/import/confirm", "/console/unanswered/attach",
         "/console/unanswered/dismiss", "/console/cases/SF-20261126-0001/accept", "/console/registry/edit",
         "/console/registry/delete", "/console/registry/import/confirm", "/console/simulator/say", "/console/users",
         "/console/users/district", "/console/password", "/console/logout"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    instance = console_bot(tmp_path_factory.mktemp("auth"))
    yield instance
    instance.close()


@pytest.fixture
async def console(bot):
    client = await open_console(bot)
    yield client
    await client.close()


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_needs_a_login(console, path):
    page = await console.get(path, allow_redirects=False)
    assert page.status == 302
    assert page.headers["Location"].startswith("/console/login")


@pytest.mark.parametrize("path", POSTS)
async def test_every_post_needs_a_login(console, path):
    await console.get("/console/login")
    page = await console.post(path, {"x": "1"}, allow_redirects=False)
    assert page.status == 401


async def test_health_and_metrics_stay_public(console):
    assert (await console.get("/healthz")).status == 200
    assert "gridbot_" in (await console.get("/metrics")).text
    assert (await console.get("/", allow_redirects=False)).headers["Location"] == "/console/"


async def test_login_lands_on_the_page_asked_for(console):
    page = await console.get("/console/kb?q=征收")
    assert "/console/login?next=" in page.url and "/console/kb" in page.url
    await console.get("/console/login?next=/console/cases")
    page = await console.client.post("/console/login?next=/console/cases",
                                     data={"username": "district", "password": PASSWORD, "csrf_token": console.token})
    assert str(page.url).endswith("/console/cases")


async def test_login_does_not_redirect_off_site(console):
    for target in ("//evil.example/", "https://evil.example/", "/console//evil.example"):
        await console.get("/console/login")
        response = await console.client.post(f"/console/login?next={target}", allow_redirects=False,
                                             data={"username": "district", "password": PASSWORD, "csrf_token": console.token})
        assert response.headers["Location"] == "/console/"


async def test_wrong_password_is_refused(console):
    page = await console.login("district", "wrong-password")
    assert page.status == 401 and "用户名或密码错误" in page
    page = await console.login("nobody", "wrong-password")
    assert page.status == 401 and "用户名或密码错误" in page


async def test_five_failures_lock_the_account(bot, console):
    accounts.add_user(bot.db, "victim", PASSWORD, "district")
    for _ in range(accounts.MAX_FAILURES):
        await console.login("victim", "guess-123")
    page = await console.login("victim", PASSWORD)
    assert page.status == 401 and "锁定" in page
    accounts.set_password(bot.db, "victim", PASSWORD)  # an admin's reset lifts the lock
    assert (await console.login("victim", PASSWORD)).status == 200


def test_lock_ends_after_fifteen_minutes(bot):
    accounts.add_user(bot.db, "patient", PASSWORD, "grid", ["金盆岭社区第1网格"])
    start = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    for i in range(accounts.MAX_FAILURES):
        assert accounts.verify(bot.db, "patient", "nope-nope", now=start + timedelta(seconds=i)) is None
    assert accounts.verify(bot.db, "patient", PASSWORD, now=start + timedelta(minutes=10)) is None
    user = accounts.verify(bot.db, "patient", PASSWORD, now=start + timedelta(minutes=16))
    assert user is not None and user.scope == ("金盆岭社区第1网格",)


def test_passwords_are_stored_as_argon2_hashes(bot):
    stored = bot.db.execute("SELECT password_hash FROM users WHERE username = 'district'").fetchone()[0]
    assert stored.startswith("$argon2") and PASSWORD not in stored


def test_account_rules(bot):
    with pytest.raises(accounts.AccountError, match="至少"):
        accounts.add_user(bot.db, "short", "1234", "district")
    with pytest.raises(accounts.AccountError, match="所辖范围"):
        accounts.add_user(bot.db, "noscope", PASSWORD, "community", [])
    with pytest.raises(accounts.AccountError, match="没有社区"):
        accounts.add_user(bot.db, "typo", PASSWORD, "community", ["金盆岭"])
    with pytest.raises(accounts.AccountError, match="已存在"):
        accounts.add_user(bot.db, "district", PASSWORD, "district")


def test_first_admin_is_created_once(tmp_path):
    from bot.store import open_db

    db = open_db(tmp_path / "fresh.db")
    password = accounts.ensure_first_admin(db)
    assert password and len(password) >= 12
    assert accounts.ensure_first_admin(db) is None
    user = accounts.verify(db, "admin", password)
    assert user.role == "district" and user.must_change


async def test_one_time_password_must_be_changed_first(bot, console):
    accounts.add_user(bot.db, "newbie", PASSWORD, "district", must_change=True)
    page = await console.login("newbie")
    assert page.url.endswith("/console/password") and "一次性密码" in page
    assert (await console.get("/console/kb")).url.endswith("/console/password")
    page = await console.post("/console/password", {"current": PASSWORD, "new": "short", "again": "short"})
    assert page.status == 400
    page = await console.post("/console/password", {"current": PASSWORD, "new": "brand-new-pass", "again": "brand-new-pass"})
    assert page.url.endswith("/console/") and "密码已修改" in page
    assert (await console.get("/console/kb")).status == 200


async def test_the_new_password_must_differ_from_the_current_one(bot, console):
    accounts.add_user(bot.db, "samesame", PASSWORD, "district", must_change=True)
    await console.login("samesame")
    page = await console.post("/console/password", {"current": PASSWORD, "new": PASSWORD, "again": PASSWORD})
    assert page.status == 400 and "不能与当前密码相同" in page and "密码已修改" not in page
    assert accounts.get_user(bot.db, "samesame").must_change


async def test_a_locked_account_is_told_so_when_changing_its_password(bot, console):
    accounts.add_user(bot.db, "besieged", PASSWORD, "district")
    await console.login("besieged")
    for _ in range(accounts.MAX_FAILURES):  # someone elsewhere guesses
        accounts.verify(bot.db, "besieged", "guess-guess")
    page = await console.post("/console/password", {"current": PASSWORD, "new": "brand-new-pass", "again": "brand-new-pass"})
    assert page.status == 400 and "锁定" in page and "当前密码不正确" not in page


async def test_session_cookie_is_encrypted_and_http_only(console):
    await console.login("district")
    cookie = next(c for c in console.client.session.cookie_jar if c.key == auth.COOKIE)
    assert "district" not in cookie.value and cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_idle_session_expires(console, monkeypatch):
    await console.login("district")
    now = auth.time.time()
    monkeypatch.setattr(auth.time, "time", lambda: now + auth.IDLE_SECONDS + 5)
    page = await console.get("/console/kb")
    assert "/console/login" in page.url and "已自动退出" in page


async def test_disabled_account_loses_its_session(bot, console):
    accounts.add_user(bot.db, "leaver", PASSWORD, "district")
    await console.login("leaver")
    accounts.update_user(bot.db, "leaver", "district", [], disabled=True)
    assert "/console/login" in (await console.get("/console/kb")).url


async def test_logout(console):
    await console.login("district")
    await console.post("/console/logout")
    assert "/console/login" in (await console.get("/console/kb")).url


async def test_logout_ends_the_session_on_the_server(bot, console):
    await console.login("district")
    saved = next(c for c in console.client.session.cookie_jar if c.key == auth.COOKIE).value
    await console.post("/console/logout")
    thief = await open_console(bot)  # someone who copied the cookie before the logout
    try:
        response = await thief.raw_get("/console/cases", headers={"Cookie": f"{auth.COOKIE}={saved}"},
                                       allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/console/login")
    finally:
        await thief.close()
    assert (await console.login("district")).status == 200 and (await console.get("/console/cases")).status == 200


async def test_csrf_token_is_required(bot, console):
    await console.login("district")
    assert (await console.post("/console/kb/entry/zs-002/disable", csrf=False)).status == 403
    assert (await console.post("/console/kb/entry/zs-002/disable", {"csrf_token": "forged"})).status == 403
    status, body = await console.post_json("/console/simulator/say", {"group": "x", "name": "a", "text": "b"}, csrf=False)
    assert status == 403 and "CSRF" in body["error"]
    assert bot.db.execute("SELECT enabled FROM faq WHERE id = 'zs-002'").fetchone()[0] == 1


async def test_cross_site_posts_are_refused_even_with_a_token(bot, console):
    await console.login("district")
    page = await console.post("/console/kb/entry/zs-002/disable", headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status == 403 and "跨站" in page
    page = await console.post("/console/kb/entry/zs-002/disable", headers={"Origin": "https://evil.example"})
    assert page.status == 403
    assert bot.db.execute("SELECT enabled FROM faq WHERE id = 'zs-002'").fetchone()[0] == 1
    page = await console.post("/console/kb/entry/zs-002/disable", headers={"Sec-Fetch-Site": "same-origin"})
    assert page.status == 200 and bot.db.execute("SELECT enabled FROM faq WHERE id = 'zs-002'").fetchone()[0] == 0
    await console.post("/console/kb/entry/zs-002/enable")


async def test_login_form_is_csrf_protected_too(console):
    await console.get("/console/login")
    page = await console.post("/console/login", {"username": "district", "password": PASSWORD}, csrf=False)
    assert page.status == 403


async def test_pages_carry_security_headers(console):
    await console.login("district")
    page = await console.get("/console/kb")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"


# Each once crashed with aiohttp's English 500 page: "²" passes str.isdigit() but not int(), and SQLite stores 64 bits.
CRAFTED = [
    ("post", "/console/kb/entry/zs-001/revert", {"version": "abc"}),
    ("post", "/console/kb/entry/zs-001/revert", {"version": "99999999999999999999999"}),
    ("post", "/console/kb/entry/zs-001/revert", {"version": "²"}),
    ("get", "/console/kb/new?unanswered=²", None),
    ("get", "/console/kb/new?unanswered=99999999999999999999999,1", None),
    ("post", "/console/unanswered/dismiss", {"ids": "²,99999999999999999999999"}),
    ("post", "/console/unanswered/attach", {"ids": "²", "faq_id": "zs-001"}),
    ("get", "/console/registry/edit?kind=bogus", None),
    ("post", "/console/registry/edit", {"kind": "bogus", "channel": "fax", "community": "金盆岭社区", "id": "1", "name": "x"}),
    ("post", "/console/registry/edit", {}),  # an empty form once rewrote the registry unchanged, then crashed
    ("get", "/console/kb/entry/no-such-entry", None),
    ("get", "/console/no-such-page", None),
]


@pytest.mark.parametrize(("method", "path", "data"), CRAFTED)
async def test_crafted_requests_get_a_chinese_error_page_with_the_security_headers(console, method, path, data):
    await console.login("district")
    page = await (console.get(path) if method == "get" else console.post(path, data))
    assert page.status < 500 and "Server got itself in trouble" not in page
    if page.status >= 400:
        assert page.headers["Content-Security-Policy"] and page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Cache-Control"] == "no-store" and "网格小助手管理台" in page


async def test_an_unexpected_error_is_a_chinese_page_not_a_traceback(bot, console, monkeypatch):
    from bot import kb

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    await console.login("district")
    monkeypatch.setattr(kb, "entry_rows", broken)
    page = await console.get("/console/kb")
    assert page.status == 500 and "服务器内部错误" in page
    assert "disk on fire" not in page and "Traceback" not in page and "Server got itself" not in page
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"


async def test_session_key_comes_from_the_setting_or_the_database(bot, tmp_path):
    key = auth.session_key(bot)
    assert auth.session_key(bot) == key  # stored once, reused
    other = Bot(Settings(db=str(tmp_path / "b.db"), web_secret="something secret"), seed=False)
    try:
        assert auth.session_key(other) != key and other.db.execute(
            "SELECT 1 FROM meta WHERE key = 'web_session_key'").fetchone() is None
    finally:
        other.close()
