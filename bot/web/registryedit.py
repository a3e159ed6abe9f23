"""Editing the registry row by row: every change is checked as a whole registry, exactly as an imported file is."""

from __future__ import annotations

from sqlite_utils import Database

from bot.registry import registry_rows, replace_registry
from bot.web.scope import Scope
from knowledge.entry import InvalidFile
from knowledge.registryfile import COLUMNS, KINDS, RegistryRow, validate

KIND_LABELS = {"group": "网格群", "worker": "网格员", "contact": "社区联系人"}
FIELD_LABELS = {"kind": "类型", "street": "街道", "community": "社区", "grid": "网格", "channel": "渠道",
                "id": "群号/用户号", "name": "名称", "-": "行"}


def row_key(row: RegistryRow) -> str:
    return "|".join((row.kind, row.channel, row.id, row.grid or row.community))


def covers(scope: Scope, row: RegistryRow) -> bool:
    return scope.covers(row.street, row.community, row.grid or None)


def visible_rows(db: Database, scope: Scope, f: dict[str, str]) -> list[RegistryRow]:
    order = {kind: i for i, kind in enumerate(KINDS)}
    rows = [r for r in registry_rows(db) if covers(scope, r)]
    for field in ("street", "community", "grid", "kind"):
        if f.get(field):
            rows = [r for r in rows if getattr(r, field) == f[field]]
    if q := f.get("q", "").strip():
        rows = [r for r in rows if q in r.name or q in r.id or q in r.grid]
    return sorted(rows, key=lambda r: (r.street, r.community, r.grid, order.get(r.kind, 9), r.channel, r.id))


def find_row(db: Database, scope: Scope, key: str) -> RegistryRow | None:
    return next((r for r in registry_rows(db) if row_key(r) == key and covers(scope, r)), None)


def row_from_form(db: Database, form) -> RegistryRow:
    values = {c: str(form.get(c, "")).strip() for c in COLUMNS}
    if values["community"] and not values["street"]:  # an existing community knows its street
        found = db.execute("SELECT street FROM communities WHERE name = ?", [values["community"]]).fetchone()
        values["street"] = found[0] if found else ""
    if values["kind"] == "contact":
        values["grid"] = ""
    return RegistryRow(**values)


def change(db: Database, scope: Scope, old_key: str | None, new: RegistryRow | None) -> list[str]:
    """Replace the row `old_key` by `new` (either may be None); returns the problems, or [] once written."""
    rows = registry_rows(db)
    if old_key is not None:
        old = find_row(db, scope, old_key)
        if old is None:
            return ["要修改的登记行不存在，或不在您的管辖范围内"]
        rows.remove(old)
    if new is not None:
        if new.kind not in KIND_LABELS:  # also an empty form, which the file validator would skip as a blank line
            return [f"类型应为{'、'.join(KIND_LABELS.values())}之一"]
        if not covers(scope, new):
            return ["只能登记您管辖范围内的街道、社区或网格"]
        rows.insert(0, new)
    records = [(i, {c: getattr(r, c) for c in COLUMNS}) for i, r in enumerate(rows, start=1)]
    try:
        checked = validate("登记表", records)
    except InvalidFile as exc:
        return [_say(p, rows) for p in exc.problems] or [str(exc)]
    replace_registry(db, checked)
    return []


def _say(problem, rows: list[RegistryRow]) -> str:
    row = rows[problem.row - 1] if isinstance(problem.row, int) and 0 < problem.row <= len(rows) else None
    where = f"{KIND_LABELS.get(row.kind, row.kind)}“{row.name}”" if row else "登记表"
    return f"{where}，{FIELD_LABELS.get(problem.field, problem.field)}：{problem.message}"


def import_summary(db: Database, rows: list[RegistryRow]) -> dict:
    before = {row_key(r) for r in registry_rows(db)}
    after = {row_key(r) for r in rows}
    accounts = {kind: sum(r.kind == kind for r in rows) for kind in KINDS}
    return {**counts(rows), "workers": accounts["worker"], "contacts": accounts["contact"],
            "added": len(after - before), "removed": len(before - after)}


def counts(rows: list[RegistryRow]) -> dict[str, int]:
    return {"streets": len({r.street for r in rows}), "communities": len({r.community for r in rows}),
            "grids": len({r.grid for r in rows if r.grid}), "groups": sum(r.kind == "group" for r in rows),
            "workers": len({(r.grid, r.name) for r in rows if r.kind == "worker"})}


def unknown_groups(db: Database) -> list[dict]:
    return list(db.query("SELECT * FROM unknown_groups ORDER BY last_seen DESC LIMIT 50"))
