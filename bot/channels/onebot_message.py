"""OneBot v11 messages: CQ strings and segment arrays in, our Incoming out, and reply segments that are safe to send."""

from __future__ import annotations

from collections.abc import Container

import re
from typing import Any

from bot.messages import Incoming
from bot.numbers import whole_number

Segment = dict[str, Any]  # {"type": "text", "data": {"text": "…"}}; received data values may be numbers

_CQ_CODE = re.compile(r"\[CQ:([^,\[\]]+)((?:,[^\[\]]*)?)\]")
_NUMBER = re.compile(r"-?\d{1,20}")


class BadEvent(ValueError):
    """An event lacks a field or has one of the wrong type; the channel logs it and skips the frame."""


def escape(text: str, *, param: bool = False) -> str:
    """CQ-string escaping: `&` first, so that an escape sequence is never escaped twice."""
    text = text.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")
    return text.replace(",", "&#44;") if param else text


def unescape(text: str) -> str:
    # `&amp;` last: "&amp;#91;" is the literal text "&#91;", not "[".
    return text.replace("&#44;", ",").replace("&#91;", "[").replace("&#93;", "]").replace("&amp;", "&")


def parse_cq(text: str) -> list[Segment]:
    """`"[CQ:at,qq=1] 你好"` → segments; the type ends at the first `,` or `]`, each param splits on its first `=`."""
    segments: list[Segment] = []
    pos = 0
    for code in _CQ_CODE.finditer(text):
        if code.start() > pos:
            segments.append(text_segment(unescape(text[pos:code.start()])))
        data: dict[str, str] = {}
        for param in code.group(2)[1:].split(",") if code.group(2) else []:
            key, _, value = param.partition("=")
            if key:
                data[key] = unescape(value)
        segments.append({"type": code.group(1), "data": data})
        pos = code.end()
    if pos < len(text):
        segments.append(text_segment(unescape(text[pos:])))
    return segments


def segments_of(message: object) -> list[Segment]:
    """The `message` field in any of its legal shapes: CQ string, segment array, or one segment."""
    if isinstance(message, str):
        return parse_cq(message)
    if isinstance(message, dict):
        message = [message]
    if not isinstance(message, list):
        raise BadEvent(f"message must be a string or a segment array, got {type(message).__name__}")
    segments = []
    for seg in message:
        if not isinstance(seg, dict) or not isinstance(seg.get("type"), str):
            raise BadEvent(f"segment without a type: {str(seg)[:80]}")
        data = seg.get("data") or {}
        if not isinstance(data, dict):
            raise BadEvent(f"segment {seg['type']} has data of type {type(data).__name__}")
        segments.append({"type": seg["type"], "data": data})
    return segments


def text_segment(text: str) -> Segment:
    return {"type": "text", "data": {"text": text}}


def field_text(data: dict[str, Any], key: str) -> str:
    """A segment's data value as text; absent or null is empty (str(None) would be the text "None")."""
    value = data.get(key)
    return "" if value is None else str(value)


def plain_text(segments: list[Segment]) -> str:
    """Only what the resident typed: text segments joined; at, reply, image and the rest left out."""
    return "".join(field_text(s["data"], "text") for s in segments if s["type"] == "text").strip()


def mentions(segments: list[Segment], bot_ids: Container[str], ours: Container[str] = ()) -> bool:
    """@-mentions the bot (any of its accounts), or quotes one of the bot's own messages (a reply to the bot is
    addressed to it)."""
    return any((s["type"] == "at" and field_text(s["data"], "qq").strip() in bot_ids)
               or (s["type"] == "reply" and field_text(s["data"], "id").strip() in ours) for s in segments)


def attachments(segments: list[Segment]) -> tuple[str, ...]:
    found = []
    for s in segments:
        if s["type"] == "image":
            ref = s["data"].get("url") or s["data"].get("file")
            if isinstance(ref, str) and ref:
                found.append(ref)
    return tuple(found)


def number_id(value: object, name: str) -> str:
    """Ids arrive as numbers or as strings of digits (NapCat allows both); anything else is malformed."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return value.strip()
    raise BadEvent(f"{name} must be a number, got {value!r}"[:120])


def to_incoming(event: dict, self_id: str, ours: Container[str] = (), others: Container[str] = ()) -> Incoming | None:
    """A `post_type: message` event as our Incoming; None for what the bot must not handle (its own messages …).

    `others`: the bot's other QQ accounts; a message from one is the bot's, and @-ing one is @-ing the bot."""
    kind = event.get("message_type")
    if kind not in ("group", "private"):
        if kind is None:
            raise BadEvent("message event without message_type")
        return None  # guild, channel and other extensions
    user_id = number_id(event.get("user_id"), "user_id")
    if user_id == self_id or user_id in others:
        return None  # our own message echoed back (reportSelfMessage), or one of our other accounts speaking
    message_id = number_id(event.get("message_id"), "message_id")
    group_id = number_id(event.get("group_id"), "group_id") if kind == "group" else None
    if "message" not in event:
        raise BadEvent("message event without message")
    segments = segments_of(event["message"])
    sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
    name = next((n for n in (sender.get("card"), sender.get("nickname")) if isinstance(n, str) and n.strip()), "")
    return Incoming(
        channel="qq", message_id=f"{self_id}:{message_id}", group_id=group_id, user_id=user_id,
        text=plain_text(segments), user_name=name.strip(), mentions_bot=mentions(segments, {self_id, *others}, ours),
        attachments=attachments(segments),
    )


def our_message_id(message_id: str | None) -> tuple[str, str] | None:
    """`"10001000:123456"` (how to_incoming names a message) → ("10001000", "123456"); None for other ids."""
    self_id, sep, native = (message_id or "").partition(":")
    if sep and whole_number(self_id) is not None and _NUMBER.fullmatch(native):
        return self_id, native
    return None


def reply_segments(text: str, *, reply_id: str | None = None, mention: str | None = None) -> list[Segment]:
    """What the bot sends to a group: quote or @ first, then the text in one text segment, never parsed as CQ code."""
    segments: list[Segment] = []
    if reply_id:
        segments.append({"type": "reply", "data": {"id": reply_id}})
    elif mention and whole_number(mention) is not None:  # never "all": only the resident we answer
        segments.append({"type": "at", "data": {"qq": mention}})
        text = " " + text
    segments.append(text_segment(text))
    return segments
