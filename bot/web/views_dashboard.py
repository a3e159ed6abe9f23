"""The dashboard: the headline rates, charts of cases over time, busiest grids, most asked and unanswered."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.web.dashboard import PERIODS, busiest_grids, headline, most_asked, place_column, series
from bot.web.keys import BOT
from bot.web.render import render
from bot.web.scope import scope_for
from bot.web.views_unanswered import grouped


async def dashboard(request: web.Request) -> web.Response:
    bot, scope = request.config_dict[BOT], scope_for(request)
    days = request.query.get("days", "30") if request.query.get("days") in PERIODS else "30"
    start = bot.clock.now() - timedelta(days=int(days) - 1)
    column, by_place = place_column(scope)
    charts = {"category": series(bot, scope, start, "category", bot.understanding.category_labels),
              "place": series(bot, scope, start, column), "place_title": by_place}
    return render(request, "dashboard.html", days=days, periods=PERIODS, charts=charts,
                  figures=headline(bot, scope, start.date().isoformat(), None), grids=busiest_grids(bot, scope, start),
                  asked=most_asked(bot, scope), unanswered=grouped(bot, scope.grids)[:10])
