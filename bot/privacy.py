"""Residents' phone and ID numbers never go into a group: mask them in any text bound for one."""

from __future__ import annotations

import re

# Mainland ID card (18 digits, last may be X) before mobile numbers, so an ID is not half-masked as a phone.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask_personal_numbers(text: str) -> str:
    text = _ID_CARD.sub(r"\1********\3", text)
    text = _MOBILE.sub(r"\1****\3", text)
    return _LANDLINE.sub(r"\1****\3", text)
