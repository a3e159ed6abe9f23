"""Console accounts page: only district admins manage accounts; scopes must name real places."""

from __future__ import annotations


import pytest

from bot import accounts
from bot.web.testing import PASSWORD, as_user, console_bot


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    instance = console_bot(tmp_path_factory.mktemp("users"))
    yield instance
    instance.close()



async def test_district_admin_adds_and_changes_accounts(bot):
    client = await as_user(bot, "district")
    try:
        page = await client.post("/console/users", {"username": "qingxia", "password": "first-pass-1", "role": "community",
                                                    "scope": "清霞社区", "display_name": "清霞管理员"})
        assert "已添加账号 qingxia" in page and accounts.get_user(bot.db, "qingxia").scope == ("清霞社区",)
        page = await client.post("/console/users", {"username": "bad", "password": "first-pass-1", "role": "community",
                                                    "scope": "清霞"})
        assert page.status == 400 and "没有社区" in page and accounts.get_user(bot.db, "bad") is None
        page = await client.post("/console/users/qingxia", {"role": "community", "scope": "清霞社区，霞湾社区",
                                                           "display_name": "两个社区"})
        assert accounts.get_user(bot.db, "qingxia").scope == ("清霞社区", "霞湾社区")
        page = await client.post("/console/users/district", {"role": "grid", "scope": "金盆岭社区第1网格"})
        assert page.status == 400 and "不能降低" in page
        await client.post("/console/users/qingxia", {"password": "reset-pass-2"})
    finally:
        await client.close()
    fresh = await as_user(bot, "qingxia", "reset-pass-2")
    try:
        assert (await fresh.get("/console/kb")).url.endswith("/console/password")  # must change a password set for them
    finally:
        await fresh.close()


async def test_a_username_must_be_usable_in_the_pages_addresses(bot):
    client = await as_user(bot, "district")
    try:
        page = await client.post("/console/users", {"username": "wang/li", "password": "first-pass-1", "role": "district"})
        assert page.status == 400 and "用户名只能" in page and accounts.get_user(bot.db, "wang/li") is None
        page = await client.post("/console/users", {"username": "王丽.wl-2", "password": "first-pass-1", "role": "district"})
        assert "已添加账号 王丽.wl-2" in page
        page = await client.post("/console/users/王丽.wl-2", {"role": "district", "scope": "", "disabled": "1"})
        assert page.status == 200 and accounts.get_user(bot.db, "王丽.wl-2") is None  # disabled
    finally:
        await client.close()


async def test_an_older_account_with_a_slash_can_still_be_managed(bot):
    bot.db["users"].insert({"username": "old/name", "password_hash": "x", "role": "district", "scope": "[]"})
    client = await as_user(bot, "district")
    try:
        page = await client.post("/console/users/old/name", {"role": "district", "scope": "", "disabled": "1"})
        assert page.status == 200 and "账号 old/name 已更新" in page
    finally:
        await client.close()


@pytest.mark.parametrize("user", ["street", "jinpenling", "grid1"])
async def test_others_cannot_manage_accounts(bot, user):
    client = await as_user(bot, user)
    try:
        assert (await client.get("/console/users")).status == 403
        page = await client.post("/console/users", {"username": "sneaky", "password": "sneaky-pass", "role": "district"})
        assert page.status == 403 and accounts.get_user(bot.db, "sneaky") is None
        assert (await client.post(f"/console/users/{user}", {"role": "district"})).status == 403
        assert "/console/users" not in (await client.get("/console/")).text
    finally:
        await client.close()


async def test_a_password_reset_ends_the_other_sessions_of_that_account(bot):
    accounts.add_user(bot.db, "reset-me", PASSWORD, "community", ["湘河社区"])
    first = await as_user(bot, "reset-me")
    try:
        assert (await first.get("/console/kb")).url.endswith("/console/kb")
        accounts.set_password(bot.db, "reset-me", "Brand-new-pass-1")  # e.g. by an admin, or on another device
        page = await first.get("/console/kb")
        assert "/console/login" in page.url
    finally:
        await first.close()
    second = await as_user(bot, "reset-me", "Brand-new-pass-1")
    try:
        page = await second.post("/console/password", {"current": "Brand-new-pass-1", "new": "Another-pass-22",
                                                        "again": "Another-pass-22"})
        assert (await second.get("/console/kb")).url.endswith("/console/kb")  # changing one's own keeps this session
    finally:
        await second.close()
