"""Where a reported problem is: a building, a unit, a road or a named place, if the message says so."""

from __future__ import annotations

import re

_NUMBER = r"[0-9一二三四五六七八九十两]+"
_BUILDING = re.compile(rf"{_NUMBER}\s*(?:栋|幢|号楼|单元|号门)(?:\s*{_NUMBER}\s*(?:单元|楼|层|号))*")
_NAMED = re.compile(
    r"[\u4e00-\u9fff]{1,8}?(?:路(?![灯面])|街(?!道办)|巷|大道|小区|广场|公园|市场|菜场|学校|医院|宿舍|新村|花园|家属区|大院|桥|河堤)"
    r"(?:[\u4e00-\u9fff]{0,4}?(?:门口|旁边|对面|路口|边上|后面|里面|入口))?"
)
_VAGUE_START = ("我们", "这个", "那个", "就在", "在", "的")
_VAGUE = {"小区", "院子", "马路", "路口", "市场", "楼下的路", "家属区"}


def find_location(text: str) -> str | None:
    """The most specific place named in `text`: a building number first, else a named place; None for
    "楼下" or "我们小区" alone, which say too little to find the spot."""
    building = _BUILDING.search(text)
    if building:
        return building.group(0)
    found = [m.group(0).lstrip("在就的") for m in _NAMED.finditer(text)]
    found = [f for f in found if f not in _VAGUE and not f.startswith(_VAGUE_START) and len(f) >= 3]
    return max(found, key=len) if found else None
