"""The group-chat simulator: type as a resident in a registered group, see the bot's replies and workers' inboxes."""

from __future__ import annotations

from aiohttp import web

from bot.channels.base import ChannelError
from bot.channels.simulator import SimulatorChannel
from bot.numbers import whole_number
from bot.registry import actor_rows, grids_of, groups_json
from bot.web.keys import BOT, SIMULATOR
from bot.web.render import render
from bot.web.scope import Scope, scope_for

MAX_TEXT = 2000
LONG_POLL = 20.0


def _simulator(request: web.Request) -> SimulatorChannel:
    simulator = request.config_dict.get(SIMULATOR)
    if simulator is None:
        raise web.HTTPNotFound(text="模拟群聊未启用：启动服务时没有加入模拟渠道")
    return simulator


def _groups(request: web.Request) -> list[dict]:
    scope = scope_for(request)
    return [g for g in groups_json(request.config_dict[BOT].db) if scope.covers(g["street"], g["community"], g["grid"])]


def _group(request: web.Request, key: str) -> dict:
    """The group `channel:group_id` if it is in the user's scope; 404 otherwise."""
    group = next((g for g in _groups(request) if f"{g['channel']}:{g['group_id']}" == key), None)
    if group is None:
        raise web.HTTPNotFound(text="没有这个群，或不在您的管辖范围内")
    return group


def _people(request: web.Request, group: dict) -> list[dict]:
    """Who is told about this group's cases (its grid's workers, its community's contacts) and whom this user
    may speak as and read the private notices of: only people who act for nothing outside the user's scope."""
    db, scope = request.config_dict[BOT].db, scope_for(request)
    rows = db.query(
        "SELECT name, channel, user_id, kind FROM people WHERE grid = ? OR (kind = 'contact' AND community = ?) "
        "ORDER BY kind DESC, id", [group["grid"], group["community"]])
    return [p for p in rows if _acts_within(db, scope, p)]


def _acts_within(db, scope: Scope, person: dict) -> bool:
    # A chat command's authority comes from the registry: a contact acts for every grid of the community, a worker
    # for each grid they are registered in. A grid account must not borrow a wider authority than its own.
    grids = grids_of(db, actor_rows(db, person["channel"], person["user_id"]))
    return all(scope.covers(grid=grid) for grid in grids)


async def page(request: web.Request) -> web.Response:
    simulator, groups = request.config_dict.get(SIMULATOR), _groups(request)
    key = request.query.get("group") or (f"{groups[0]['channel']}:{groups[0]['group_id']}" if groups else "")
    group = _group(request, key) if key else None
    people = _people(request, group) if group else []
    who = list(dict.fromkeys((p["name"], p["kind"]) for p in people))  # one person may be on two channels
    return render(request, "simulator.html", enabled=simulator is not None, groups=groups, group=group, key=key,
                  people=people, who=who)


async def feed(request: web.Request) -> web.Response:
    simulator, group = _simulator(request), _group(request, request.query.get("group", ""))
    since = whole_number(request.query.get("since", ""), 0)
    wait = min(whole_number(request.query.get("wait", ""), 0), LONG_POLL)
    people = [(p["channel"], p["user_id"]) for p in _people(request, group)]
    if wait:
        await simulator.wait(since, wait)
    lines = simulator.feed(since, [(group["channel"], group["group_id"])], people)
    last = lines[-1].seq if lines else since
    return web.json_response({"lines": [line.as_dict() for line in lines], "since": last})


async def say(request: web.Request) -> web.Response:
    simulator, data = _simulator(request), await _json(request)
    group = _group(request, str(data.get("group", "")))
    name, text = str(data.get("name", "")).strip()[:32], str(data.get("text", "")).strip()[:MAX_TEXT]
    if not name or not text:
        raise web.HTTPBadRequest(text="请填写居民昵称和消息内容")
    try:
        line = await simulator.say(group["channel"], group["group_id"], name, text, bool(data.get("mention")))
    except ChannelError as exc:
        raise web.HTTPServiceUnavailable(text=str(exc)) from None
    return web.json_response({"ok": True, "seq": line.seq})


async def whisper(request: web.Request) -> web.Response:
    """A worker writes to the bot in private (接单 / 办结 …), as from their own phone."""
    simulator, data = _simulator(request), await _json(request)
    group = _group(request, str(data.get("group", "")))
    person = next((p for p in _people(request, group) if f"{p['channel']}:{p['user_id']}" == data.get("person")), None)
    text = str(data.get("text", "")).strip()[:MAX_TEXT]
    if person is None or not text:
        raise web.HTTPBadRequest(text="请选择本网格的工作人员并填写消息")
    try:
        line = await simulator.whisper(person["channel"], person["user_id"], person["name"], text)
    except ChannelError as exc:
        raise web.HTTPServiceUnavailable(text=str(exc)) from None
    return web.json_response({"ok": True, "seq": line.seq})


async def _json(request: web.Request) -> dict:
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="请求内容应为 JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="请求内容应为 JSON 对象")
    return data
