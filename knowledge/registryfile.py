"""The district registry file: streets, communities, grids, groups and the people who answer for them.

One table, one row per group or person (CSV or the first sheet of an XLSX workbook):

    kind,street,community,grid,channel,id,name
    contact,清水塘街道,金盆岭社区,,wechat,wxid_…,王丽            community contact (fallback and escalation)
    group,清水塘街道,金盆岭社区,金盆岭社区第1网格,qq,712345678,…   a grid group
    worker,清水塘街道,金盆岭社区,金盆岭社区第1网格,qq,2845123456,李娟  a grid worker

A person reachable on two channels has one row per channel.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from knowledge.entry import InvalidFile, Problem
from knowledge.tabular import read_rows, write_rows

COLUMNS = ["kind", "street", "community", "grid", "channel", "id", "name"]
KINDS = ("contact", "group", "worker")
CHANNELS = ("qq", "wechat")
SHIPPED = Path(__file__).resolve().parent / "registry.csv"

_ID_SHAPES = {
    ("qq", "group"): re.compile(r"^[1-9]\d{4,11}$"),
    ("qq", "person"): re.compile(r"^[1-9]\d{4,11}$"),
    ("wechat", "group"): re.compile(r"^[\w-]+@chatroom$"),
    ("wechat", "person"): re.compile(r"^[A-Za-z][\w-]{4,63}$"),
}


@dataclass(frozen=True, slots=True)
class RegistryRow:
    kind: str
    street: str
    community: str
    grid: str
    channel: str
    id: str
    name: str


def read_registry_file(path: str | Path) -> list[RegistryRow]:
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidFile(path.name, message=f"{path.name}：登记表请使用 .csv 或 .xlsx 文件")
    if not path.exists():
        raise InvalidFile(path.name, message=f"{path}：文件不存在")
    return validate(path.name, list(enumerate(read_rows(path, COLUMNS), start=2)))


def validate(source: str, records: list[tuple[int, dict[str, str]]]) -> list[RegistryRow]:
    problems: list[Problem] = []
    rows: list[tuple[int, RegistryRow]] = []
    for line, record in records:
        if not any(record.values()):
            continue
        row = RegistryRow(**{c: (record.get(c) or "").strip() for c in COLUMNS})
        before = len(problems)
        if row.kind not in KINDS:
            problems.append(Problem(line, "kind", f"应为 {' / '.join(KINDS)}"))
        if row.channel not in CHANNELS:
            problems.append(Problem(line, "channel", f"应为 {' / '.join(CHANNELS)}"))
        for name in ("street", "community", "id", "name"):
            if not getattr(row, name):
                problems.append(Problem(line, name, "不能为空"))
        if row.kind in ("group", "worker") and not row.grid:
            problems.append(Problem(line, "grid", "群和网格员必须填写所属网格"))
        if len(problems) == before:
            shape = _ID_SHAPES[(row.channel, "group" if row.kind == "group" else "person")]
            if not shape.match(row.id):
                problems.append(Problem(line, "id", f"“{row.id}” 不像 {row.channel} 的{'群号' if row.kind == 'group' else '用户号'}"))
            rows.append((line, row))  # checked for consistency with the others even if its id is wrong
    _check_consistency(rows, problems)
    if problems:
        raise InvalidFile(source, problems)
    if not rows:
        raise InvalidFile(source, message=f"{source}：没有任何登记内容")
    return [row for _, row in rows]


def _check_consistency(rows: list[tuple[int, RegistryRow]], problems: list[Problem]) -> None:
    parent_of_community: dict[str, str] = {}
    parent_of_grid: dict[str, str] = {}
    groups_seen: dict[tuple[str, str], int] = {}
    reachable: dict[str, set[str]] = defaultdict(set)
    for line, row in rows:
        if parent_of_community.setdefault(row.community, row.street) != row.street:
            problems.append(Problem(line, "street", f"社区 {row.community} 已属于 {parent_of_community[row.community]}"))
        if row.grid and parent_of_grid.setdefault(row.grid, row.community) != row.community:
            problems.append(Problem(line, "community", f"网格 {row.grid} 已属于 {parent_of_grid[row.grid]}"))
        if row.kind == "group":
            key = (row.channel, row.id)
            if key in groups_seen:
                problems.append(Problem(line, "id", f"群 {row.id} 重复（与第 {groups_seen[key]} 行相同）"))
            groups_seen.setdefault(key, line)
        elif row.kind == "worker":
            reachable[row.grid].add(row.channel)
    for line, row in rows:
        if row.kind == "group" and row.channel not in reachable[row.grid]:
            problems.append(Problem(line, "grid", f"网格 {row.grid} 没有可在 {row.channel} 上联系的网格员"))


def write_registry_file(path: str | Path, rows: list[RegistryRow]) -> None:
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidFile(path.name, message=f"{path.name}：登记表请使用 .csv 或 .xlsx 文件")
    order = {kind: i for i, kind in enumerate(KINDS)}
    ordered = sorted(rows, key=lambda r: (r.street, r.community, r.grid, order[r.kind], r.channel, r.id))
    write_rows(path, COLUMNS, [{c: getattr(r, c) for c in COLUMNS} for r in ordered])
