"""Schema migrations (sqlite-utils Migrations): append new steps, never edit applied ones."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("gridbot")


@migrations()
def m001_initial(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")

    # Every inbound message, stored before it is handled; (channel, message_id) makes a repeat a no-op.
    db["inbox"].create(
        {
            "id": int, "channel": str, "message_id": str, "group_id": str, "user_id": str,
            "user_name": str, "text": str, "mentions_bot": int, "attachments": str,
            "received_at": str, "state": str, "intent": str, "handled_at": str, "error": str,
        },
        pk="id", not_null={"channel", "message_id", "user_id", "state"}, defaults={"state": "new"},
    )
    db["inbox"].create_index(["channel", "message_id"], unique=True)
    db["inbox"].create_index(["state"])

    db["faq"].create(
        {
            "id": str, "category": str, "question": str, "similar": str, "keywords": str,
            "answer": str, "enabled": int, "version": int, "updated_at": str, "updated_by": str,
            "hits": int, "last_hit_at": str,
        },
        pk="id", not_null={"category", "question", "answer"},
        defaults={"enabled": 1, "version": 1, "hits": 0, "similar": "[]", "keywords": "[]"},
    )
    db["faq_versions"].create(
        {"id": int, "faq_id": str, "version": int, "action": str, "data": str, "author": str, "at": str},
        pk="id",
    )
    db["faq_versions"].create_index(["faq_id", "version"])

    db["unanswered"].create(
        {
            "id": int, "channel": str, "group_id": str, "user_id": str, "text": str,
            "mentioned": int, "best_faq_id": str, "best_score": float, "at": str, "resolved": int,
        },
        pk="id", defaults={"resolved": 0},
    )

    # The district registry.
    db["streets"].create({"name": str}, pk="name")
    db["communities"].create({"name": str, "street": str}, pk="name", foreign_keys=[("street", "streets", "name")])
    db["grids"].create({"name": str, "community": str}, pk="name", foreign_keys=[("community", "communities", "name")])
    db["groups"].create(
        {"channel": str, "group_id": str, "name": str, "grid": str},
        pk=("channel", "group_id"), foreign_keys=[("grid", "grids", "name")],
    )
    # kind: "worker" (of a grid) or "contact" (of a community, the fallback and escalation point).
    db["people"].create(
        {"id": int, "kind": str, "name": str, "channel": str, "user_id": str, "community": str, "grid": str},
        pk="id", foreign_keys=[("community", "communities", "name")],
    )
    db["people"].create_index(["channel", "user_id"])
    db["people"].create_index(["grid"])
    db["unknown_groups"].create(
        {"channel": str, "group_id": str, "first_seen": str, "last_seen": str, "messages": int},
        pk=("channel", "group_id"),
    )

    db["cases"].create(
        {
            "id": str, "state": str, "category": str, "text": str, "location": str,
            "channel": str, "group_id": str, "grid": str, "community": str, "street": str,
            "reporter_id": str, "reporter_name": str, "attachments": str,
            "created_at": str, "due_at": str, "closed_at": str, "updated_at": str,
        },
        pk="id", not_null={"state", "category", "text"},
    )
    db["cases"].create_index(["state"])
    db["cases"].create_index(["grid"])
    db["case_reporters"].create(
        {"case_id": str, "channel": str, "user_id": str, "user_name": str, "message_id": str, "at": str},
        pk=("case_id", "channel", "user_id"), foreign_keys=[("case_id", "cases", "id")],
    )
    db["case_events"].create(
        {"id": int, "case_id": str, "at": str, "actor": str, "action": str, "note": str},
        pk="id", foreign_keys=[("case_id", "cases", "id")],
    )
    db["case_events"].create_index(["case_id"])
    db["case_numbers"].create({"day": str, "seq": int}, pk="day")

    # A question the bot asked one resident and is waiting for (e.g. "您是不是想问 1/2/3").
    db["followups"].create(
        {"channel": str, "group_id": str, "user_id": str, "kind": str, "data": str, "expires_at": str},
        pk=("channel", "group_id", "user_id"),
    )

    # Every reply and notification, stored before it is sent and retried until delivered.
    # kind: "group" (to a group, target = group id) or "private" (to a person, target = user id).
    db["outbox"].create(
        {
            "id": int, "kind": str, "channel": str, "target": str, "text": str,
            "reply_to": str, "mention_user_id": str, "mention_name": str, "dedupe_key": str,
            "created_at": str, "state": str, "attempts": int, "next_attempt_at": str,
            "sent_at": str, "last_error": str,
        },
        pk="id", not_null={"kind", "channel", "target", "text", "state"},
        defaults={"state": "pending", "attempts": 0},
    )
    db["outbox"].create_index(["dedupe_key"], unique=True)
    db["outbox"].create_index(["state", "next_attempt_at"])


# -- the admin console (m002_*) goes here, before the case loop's migrations --
@migrations()
def m002_console(db: Database) -> None:
    # Console accounts. role: district | street | community | grid; scope: JSON list of the units they own.
    # failures / locked_until throttle password guessing per account.
    db["users"].create(
        {
            "username": str, "password_hash": str, "role": str, "scope": str, "display_name": str,
            "created_at": str, "last_login": str, "failures": int, "locked_until": str,
            "must_change": int, "disabled": int,
        },
        pk="username", not_null={"password_hash", "role"},
        defaults={"scope": "[]", "failures": 0, "must_change": 0, "disabled": 0},
    )
    # A knowledge-base entry may belong to one street, community or grid (edited by its admins);
    # empty means district-wide (edited by district admins).
    db["faq"].add_column("owner", str, not_null_default="")
    db["unanswered"].add_column("resolved_at", str)
    db["unanswered"].add_column("resolved_by", str)
    db["unanswered"].add_column("resolution", str)  # the FAQ id the texts went to, or "" when dismissed
    db["unanswered"].create_index(["resolved", "at"])



# -- the case loop (m003_*) goes here --
@migrations()
def m003_case_loop(db: Database) -> None:
    cases = db["cases"]
    for column, kind in (("accepted_at", str), ("resolved_at", str), ("resolution", str), ("rating", str),
                         ("rated_at", str), ("reopened", int), ("reminded_at", str), ("escalated_at", str)):
        cases.add_column(column, kind)
    cases.create_index(["grid", "category", "state"])


@migrations()
def m004_outbox_by_target(db: Database) -> None:
    # Per-group and per-resident reply budgets count recent replies by target.
    db["outbox"].create_index(["kind", "target", "created_at"])
    # Delivery keeps each recipient's order: it looks up a recipient's older pending items.
    db["outbox"].create_index(["channel", "target", "state"])


@migrations()
def m005_kb_versions_keep_owner(db: Database) -> None:
    # Each version records the entry's owner, so an entry restored after a delete goes back to the unit that owned it.
    db["faq_versions"].add_column("owner", str)
    db.execute("UPDATE faq_versions SET owner = (SELECT owner FROM faq WHERE faq.id = faq_versions.faq_id) "
               "WHERE faq_id IN (SELECT id FROM faq)")
    # Restores used to number an entry's versions from 1 again; renumber such histories in the order they were
    # written (a "revert:N" keeps pointing at the row it restored), then let the database refuse repeats.
    repeated = db.execute("SELECT faq_id FROM faq_versions GROUP BY faq_id "
                          "HAVING count(*) > count(DISTINCT version)").fetchall()
    for (faq_id,) in repeated:
        renumbered: dict[int, int] = {}  # old number → new number of the latest row that had it
        rows = db.execute("SELECT id, version, action FROM faq_versions WHERE faq_id = ? ORDER BY id", [faq_id])
        for number, (row_id, old, action) in enumerate(rows.fetchall(), start=1):
            if action and action.startswith("revert:") and action[7:].isdigit():
                action = f"revert:{renumbered.get(int(action[7:]), action[7:])}"
            db.execute("UPDATE faq_versions SET version = ?, action = ? WHERE id = ?", [number, action, row_id])
            renumbered[old] = number
        db.execute("UPDATE faq SET version = ? WHERE id = ?", [number, faq_id])
    db.execute("DROP INDEX IF EXISTS idx_faq_versions_faq_id_version")
    db["faq_versions"].create_index(["faq_id", "version"], unique=True)


@migrations()
def m006_session_generation(db: Database) -> None:
    # Part of every console session's credential stamp: logging out bumps it, so a copied cookie dies with the logout
    # (the cookie itself is stateless).
    db["users"].add_column("session_generation", int, not_null_default=0)


@migrations()
def m008_reporter_groups(db: Database) -> None:
    # A case's reporters may have written in different groups of its grid (QQ and WeChat): each is told in their own.
    db["case_reporters"].add_column("group_id", str)
    db.execute(
        "UPDATE case_reporters SET group_id = coalesce("
        " (SELECT i.group_id FROM inbox i WHERE i.channel = case_reporters.channel AND i.message_id = case_reporters.message_id),"
        " (SELECT c.group_id FROM cases c WHERE c.id = case_reporters.case_id AND c.channel = case_reporters.channel))")
