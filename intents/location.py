"""Where a reported problem is: a building, a unit, a road or a named place, if the message says so."""

from __future__ import annotations

import re

from intents.normalize import narrow

_NUMBER = r"[0-9一二三四五六七八九十两]+"
_BUILDING = re.compile(rf"{_NUMBER}\s*(?:栋|幢|号楼|单元|号门)(?:\s*{_NUMBER}\s*(?:单元|楼|层|号))*")
_NAMED = re.compile(
    r"[\u4e00-\u9fff]{1,8}?(?:路(?![灯面])|街(?!道办)|巷|大道|小区|广场|公园|市场|菜场|学校|医院|宿舍|新村|花园|家属区|大院|桥|河堤)"
    r"(?:[\u4e00-\u9fff]{0,4}?(?:门口|旁边|对面|路口|边上|后面|里面|入口))?"
)
_VAGUE_START = ("我们", "这个", "那个", "就在", "在", "的")
_VAGUE = {"小区", "院子", "马路", "路口", "市场", "楼下的路", "家属区"}
# Words that say where something is. A reply to "where exactly?" with none of them ("好的谢谢", "收到", "今天天气不错")
# names no place. Single characters that are common outside places (上, 下, 里, 道 in 知道) count only in compounds.
_PLACE_WORD = re.compile(
    r"[门口楼栋幢层号路街巷区院园场站店馆铺市边旁侧角村组塘湾岭山坡桥河江湖池沟坪厂房库棚亭台梯廊井墙屋舍室堂校东西南北左右]"
    r"|单元|(?:楼|通|过|车|步)道|(?:上|下|里|外|前|后)(?:面|头|边)|底下|中间|对面|隔壁|附近|这里|那里|这边|那边|这儿|那儿")
# Words with a place character that point at no spot: "谢谢社区" (the whole community), "东西" (a thing).
_NO_SPOT = re.compile(r"社区|东西")


def find_location(text: str) -> str | None:
    """The most specific place named in `text`: a building number first, else a named place; None for
    "楼下" or "我们小区" alone, which say too little to find the spot."""
    building = _BUILDING.search(text)
    if building:
        return building.group(0)
    found = [m.group(0).lstrip("在就的") for m in _NAMED.finditer(text)]
    found = [f for f in found if f not in _VAGUE and not f.startswith(_VAGUE_START) and len(f) >= 3]
    return max(found, key=len) if found else None


def names_a_place(text: str) -> bool:
    """Whether a short reply can be the answer to "where exactly?": it names a place, however vaguely (就在东门)."""
    return find_location(text) is not None or _PLACE_WORD.search(_NO_SPOT.sub("", text)) is not None


# A phone number (and the words that announce it): residents add one to a place; it is no part of the place.
_PHONE = re.compile(r"(?:我的?)?(?:联系)?(?:电话|手机号?|座机|号码|方式|tel)?(?:是|号码)?\s*[:：]?\s*"
                    r"(?:\+?86[-\s]?)?\d[\d\s-]{5,}\d", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[，,。；;！!？?、]+")
_LEADING_FILLER = re.compile(r"^(?:就在|就是在|就是|是在|在)")
_TRAILING_THANKS = re.compile(r"(?:谢谢(?:你们|您|了)?|麻烦(?:你们|您)?了?|辛苦(?:你们|您)?了?)[~～]*$")


def place_description(text: str) -> str:
    """The resident's own words for the spot, from an answer to "where exactly?": every clause that names a place,
    whole ("建设路12号楼下门口", not just "12号楼"), without phone numbers, thanks or a leading "就在"."""
    text = narrow(text)  # kept with ASCII digits, as cases and commands write them (１２号 -> 12号)
    clauses = (_TRAILING_THANKS.sub("", _LEADING_FILLER.sub("", c.strip())).strip()
               for c in _CLAUSE_END.split(_PHONE.sub("，", text)))
    kept = [c for c in clauses if c and names_a_place(c)]
    return "，".join(kept)[:100] if kept else _PHONE.sub("", text).strip()[:100]
