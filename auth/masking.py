"""Masks for personal data in every output and log (house rule; GB/T 35273 de-identified display)."""

from __future__ import annotations

import re

# Not `\b`: in Python's Unicode regexes a Chinese character is a word character, so
# "身份证号410105…" has no word boundary before the digits and would go unmasked.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")


def mask_id_number(value: str | None) -> str | None:
    """410105199001011234 → 4101**********1234."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """13812345678 → 138****5678."""
    if not value:
        return value
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """张三 → 张*; 欧阳娜娜 → 欧***; a single character stays."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def scrub(text: str) -> str:
    """Masks ID and phone numbers anywhere in free text (log lines, error details)."""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
