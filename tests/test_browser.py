"""The console in a real browser (Debian's chromium via Playwright): log in, edit an FAQ and see the bot change,
talk in the simulator, file a complaint and close it from the case board. With GRIDBOT_SCREENSHOTS=1 it refreshes
docs/screenshots/*.png for the README; otherwise the screenshots go to a scratch folder."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bot import cases
from bot.app import Bot
from bot.channels.simulator import SimulatorChannel
from bot.clock import FakeClock
from bot.config import Settings
from bot.registry import groups_json
from bot.service import Service
from bot.web.testing import PASSWORD, add_test_users

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
SHOTS = (Path(__file__).resolve().parent.parent / "docs" / "screenshots" if os.environ.get("GRIDBOT_SCREENSHOTS")
         else Path(tempfile.gettempdir()) / "gridbot-screenshots")
GROUP = "wechat:86429270894@chatroom"  # 金盆岭社区第1网格便民服务群
ERRORS: list[str] = []

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need Debian's chromium at /usr/bin/chromium "
                                                              "(apt-get install chromium fonts-wqy-microhei)")


def seed_history(bot: Bot) -> None:
    """Some weeks of past cases, so that the dashboard's charts have something to show in the screenshots."""
    groups = groups_json(bot.db)
    kinds = ["sanitation", "cooking_fumes", "noise", "public_facility", "property_service", "illegal_building", "utilities"]
    now = bot.clock.now()
    with bot.db.atomic():
        for i in range(60):
            group = groups[(i * 37) % len(groups)]
            clock = FakeClock(now - timedelta(days=(i * 11) % 29 + 1, hours=i % 9))
            category = kinds[(i * 5) % len(kinds)]
            new = cases.file_case(bot.db, clock, category=category, text=f"历史事项 {i}", channel=group["channel"],
                                  group_id=group["group_id"], grid=group["grid"], community=group["community"],
                                  street=group["street"], reporter_id=f"h{i}", reporter_name="居民", message_id=f"h{i}",
                                  due=clock.now() + timedelta(days=3))
            if i % 4:
                done = clock.iso(clock.now() + timedelta(days=1 if i % 5 else 4))
                bot.db.execute("UPDATE cases SET state = ?, resolved_at = ?, closed_at = ?, rating = ? WHERE id = ?",
                               ["closed" if i % 3 else "resolved", done, done, "satisfied" if i % 7 else "unsatisfied", new.id])


class Server:
    """The real service (HTTP, simulator channel, outbox and clock loops) in a thread with its own event loop."""

    def __init__(self, db: Path):
        # No pacing: the test types faster than residents do, and the seeded history sends many digests at once.
        self.bot = Bot(Settings(db=str(db), group_min_interval_seconds=0, repeat_answer_minutes=0,
                                account_messages_per_minute=100_000))
        add_test_users(self.bot.db)
        seed_history(self.bot)
        self.service = Service(self.bot, [SimulatorChannel(clock=self.bot.clock)])
        self.ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.service.run("127.0.0.1", 0, ready=lambda service: self.ready.set())

    def __enter__(self) -> str:
        self.thread.start()
        assert self.ready.wait(30), "the service did not start"
        return f"http://127.0.0.1:{self.service.port}"

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.service.stop)
        self.thread.join(30)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("browser") / "bot.db")
    with server as url:
        yield url, server.bot


@pytest.fixture(scope="module")
def page(site):

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        context.set_default_timeout(10_000)
        tab = context.new_page()
        # HTTP statuses (a 401 for a wrong password) are logged as "Failed to load resource": not script errors.
        tab.on("console", lambda message: message.type == "error" and not message.text.startswith("Failed to load")
               and ERRORS.append(message.text))
        tab.on("pageerror", lambda error: ERRORS.append(str(error)))
        yield tab
        context.close()
        browser.close()


@pytest.fixture(autouse=True)
def no_browser_errors():
    """A script error or a Content-Security-Policy violation on any page fails the test that caused it."""
    ERRORS.clear()
    yield
    assert ERRORS == []


def shot(page, name: str, full: bool = False) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_log_in(site, page):
    url, _ = site
    page.goto(f"{url}/console/kb")
    assert "/console/login" in page.url
    page.fill("input[name=username]", "district")
    page.fill("input[name=password]", "wrong-password")
    page.click("button.primary")
    assert page.locator(".flash.error").inner_text() == "用户名或密码错误"
    shot(page, "login")
    page.fill("input[name=username]", "district")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/console/kb$"))
    assert page.locator("h1").inner_text().startswith("知识库")
    shot(page, "kb-list")


def test_edit_an_faq_and_the_bot_answers_with_it(site, page):
    url, _ = site
    question = "征收补偿标准是怎么定的"
    page.goto(f"{url}/console/kb/test?q={question}")
    assert "回答知识库" in page.locator(".result").first.inner_text()
    assert "以本项目方案为准" in page.locator("pre.reply").first.inner_text()

    page.goto(f"{url}/console/kb/entry/zs-001")
    answer = page.locator("textarea[name=answer]")
    answer.fill(answer.input_value() + "\n（石峰区征收办电话：0731-00000000）")
    page.click("form.entry button.primary")
    assert "已保存 zs-001" in page.locator(".flash").inner_text()
    shot(page, "kb-edit", full=True)

    page.goto(f"{url}/console/kb/test?q={question}")
    assert "石峰区征收办电话" in page.locator("pre.reply").nth(1).inner_text()
    shot(page, "hit-test", full=True)

    page.goto(f"{url}/console/kb/entry/zs-001/history")
    assert "石峰区征收办电话" in page.locator("pre.diff .dadd").first.inner_text()
    shot(page, "kb-history", full=True)

    page.goto(f"{url}/console/simulator?group={GROUP}")
    say(page, question, mention=True)
    reply = page.locator("#messages .msg.bot").last
    expect(reply).to_contain_text("征收办电话")
    assert "@李叔" in reply.inner_text()


def say(page, text: str, mention: bool = False, name: str = "李叔") -> None:
    page.fill("#resident", name)
    page.locator("#mention").set_checked(mention)
    page.fill("#text", text)
    page.press("#text", "Enter")


def test_a_complaint_in_the_simulator_is_closed_from_the_case_board(site, page):
    url, bot = site
    page.goto(f"{url}/console/simulator?group={GROUP}")
    bots = page.locator("#messages .msg.bot")
    expect(bots.last).to_be_visible()  # the earlier conversation is shown again
    before = bots.count()
    say(page, "小区门口垃圾三天没人清了，臭得很", mention=True, name="张阿姨")
    expect(bots).to_have_count(before + 1)
    assert "在哪里" in bots.last.inner_text()
    say(page, "就在3栋2单元门口", name="张阿姨")
    notice = page.locator("#inbox .msg.to_worker").last
    notice.wait_for()
    text = notice.inner_text()
    case_id = re.search(r"SF-\d{8}-\d{4}", text).group(0)
    assert "新网格事项" in text
    expect(page.locator("#messages")).to_contain_text(case_id)
    say(page, "@网格小助手 社区老年食堂几点开饭", name="王奶奶")
    expect(bots).to_have_count(before + 3)
    shot(page, "simulator")

    page.goto(f"{url}/console/cases")
    page.click(f"text={case_id}")
    assert "就在3栋2单元门口" in page.locator(".case-text").inner_text() or "垃圾" in page.locator(".case-text").inner_text()
    page.fill("form[action$='/resolve'] textarea[name=note]", "已联系物业清运完毕")
    page.click("form[action$='/resolve'] button")
    assert f"事项 {case_id} 已办结" in page.locator(".flash").inner_text()
    assert "已办结" in page.locator("h1").inner_text()
    assert bot.cases.case_json(case_id)["state"] == "resolved"
    shot(page, "case-detail", full=True)

    page.goto(f"{url}/console/simulator?group={GROUP}")
    expect(page.locator("#messages")).to_contain_text("已联系物业清运完毕")


def test_main_pages_render(site, page):
    url, _ = site
    for path, name in (("/console/cases?state=", "cases"), ("/console/unanswered", "unanswered"),
                       ("/console/registry?community=金盆岭社区", "registry"), ("/console/users", "users")):
        page.goto(url + path)
        assert page.locator("h1").count() == 1
        shot(page, name)
    page.goto(f"{url}/console/")
    page.locator("#chart-category canvas").first.wait_for()
    page.locator("#chart-place canvas").first.wait_for()
    assert "办结率" in page.locator(".figures").inner_text()
    shot(page, "dashboard", full=True)
