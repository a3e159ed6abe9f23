"""Questions the bot could not answer, grouped; one click makes a group a new entry or phrasings of an existing one."""

from __future__ import annotations

from aiohttp import web

from bot import kb, unanswered
from bot.app import Bot
from bot.numbers import whole_numbers
from bot.web.auth import current_user, require_admin
from bot.web.kbedit import GRID_READ_ONLY, editable_entry
from bot.web.keys import BOT
from bot.web.render import flash, redirect, render
from bot.web.scope import scope_for


def words_of(bot: Bot):
    """The bot's own segmentation, so that 补偿咋算 and 补偿怎么算 land in one group."""
    u = bot.understanding
    return lambda text: " ".join(u.segmenter.content(u.segmenter.cut(u.normalize(text)))) or text


def grouped(bot: Bot, grids) -> list[unanswered.QuestionGroup]:
    return unanswered.group_questions(unanswered.open_questions(bot.db, grids), words_of(bot))


async def _posted_ids(request: web.Request) -> list[int]:
    """The ids posted, limited to open questions in this user's scope: other ids are silently dropped."""
    form, bot = await request.post(), request.config_dict[BOT]
    wanted = set(whole_numbers(form.get("ids", "")))
    return [r["id"] for r in unanswered.open_questions(bot.db, scope_for(request).grids) if r["id"] in wanted]


async def unanswered_page(request: web.Request) -> web.Response:
    bot, scope = request.config_dict[BOT], scope_for(request)
    entries = kb.entry_rows(bot.db, owners=None if scope.everything else set(scope.units), include_shared=scope.everything)
    return render(request, "unanswered.html", groups=grouped(bot, scope.grids), entries=entries)


async def attach(request: web.Request) -> web.Response:
    """Add a group's texts to an existing entry's similar phrasings."""
    bot, user, ids = request.config_dict[BOT], current_user(request), await _posted_ids(request)
    row = editable_entry(bot, scope_for(request), str((await request.post()).get("faq_id", "")), user)
    if not ids:
        raise web.HTTPBadRequest(text="这些问题已处理或不在您的管辖范围内")
    kb.add_similar(bot.db, row["id"], unanswered.texts_of(bot.db, ids), user.username, bot.clock.iso())
    unanswered.resolve(bot.db, ids, user.username, bot.clock.iso(), row["id"])
    bot.reload_kb()
    flash(request, f"已把 {len(ids)} 条问法加入 {row['id']} 的相似问法")
    raise redirect("/console/unanswered")


async def dismiss(request: web.Request) -> web.Response:
    bot, user, ids = request.config_dict[BOT], require_admin(request, GRID_READ_ONLY), await _posted_ids(request)
    count = unanswered.resolve(bot.db, ids, user.username, bot.clock.iso(), "")
    flash(request, f"已忽略 {count} 条")
    raise redirect("/console/unanswered")
