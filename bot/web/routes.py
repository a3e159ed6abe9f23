"""Every console URL in one place (all under /console)."""

from __future__ import annotations

from aiohttp import web

from bot.web import (
    views_auth, views_cases, views_dashboard, views_kb, views_kb_files, views_registry, views_simulator,
    views_unanswered, views_users,
)


def console_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", views_dashboard.dashboard, name="dashboard")
    r.add_get("/login", views_auth.login_page, name="login")
    r.add_post("/login", views_auth.login)
    r.add_post("/logout", views_auth.logout, name="logout")
    r.add_get("/password", views_auth.password_page, name="password")
    r.add_post("/password", views_auth.change_password)

    r.add_get("/kb", views_kb.kb_list, name="kb")
    r.add_get("/kb/new", views_kb.new_entry_page)
    r.add_post("/kb/new", views_kb.create_entry)
    r.add_get("/kb/test", views_kb.hit_test_page, name="hit_test")
    r.add_get("/kb/export", views_kb_files.export)
    r.add_get("/kb/import", views_kb_files.import_page)
    r.add_post("/kb/import", views_kb_files.import_preview)
    r.add_post("/kb/import/confirm", views_kb_files.import_confirm)
    r.add_get("/kb/entry/{faq_id}", views_kb.edit_page)
    r.add_post("/kb/entry/{faq_id}", views_kb.save_entry)
    r.add_get("/kb/entry/{faq_id}/history", views_kb.history_page)
    r.add_post("/kb/entry/{faq_id}/revert", views_kb.revert)
    r.add_post("/kb/entry/{faq_id}/delete", views_kb.delete_entry)
    r.add_post("/kb/entry/{faq_id}/{action:enable|disable}", views_kb.set_enabled)

    r.add_get("/unanswered", views_unanswered.unanswered_page, name="unanswered")
    r.add_post("/unanswered/attach", views_unanswered.attach)
    r.add_post("/unanswered/dismiss", views_unanswered.dismiss)

    r.add_get("/cases", views_cases.board, name="cases")
    r.add_get("/cases/export", views_cases.export)
    r.add_get("/cases/{case_id}", views_cases.detail)
    r.add_post("/cases/{case_id}/{action:accept|resolve|send_back|transfer}", views_cases.act)

    r.add_get("/registry", views_registry.registry_page, name="registry")
    r.add_get("/registry/edit", views_registry.edit_page)
    r.add_post("/registry/edit", views_registry.save_row)
    r.add_post("/registry/delete", views_registry.delete_row)
    r.add_get("/registry/export", views_registry.export)
    r.add_get("/registry/import", views_registry.import_page)
    r.add_post("/registry/import", views_registry.import_preview)
    r.add_post("/registry/import/confirm", views_registry.import_confirm)

    r.add_get("/simulator", views_simulator.page, name="simulator")
    r.add_get("/simulator/feed", views_simulator.feed)
    r.add_post("/simulator/say", views_simulator.say)
    r.add_post("/simulator/whisper", views_simulator.whisper)

    r.add_get("/users", views_users.users_page, name="users")
    r.add_post("/users", views_users.add_user)
    r.add_post("/users/{username:.+}", views_users.update_user)  # accounts made before names were checked may hold "/"
