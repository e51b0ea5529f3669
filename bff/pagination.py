"""Opaque cursors for Relay connections."""

from __future__ import annotations

import base64
import binascii

from bff.errors import ErrorCode, HaobanError

_PREFIX = "hb1:"


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise HaobanError(ErrorCode.BAD_CURSOR, "The cursor is malformed.") from exc
    if not text.startswith(_PREFIX) or not text[len(_PREFIX) :].isdigit():
        raise HaobanError(ErrorCode.BAD_CURSOR, "The cursor is malformed.")
    return int(text[len(_PREFIX) :])


def page_bounds(
    *, first: int | None, after: str | None, default: int, maximum: int
) -> tuple[int, int]:
    """(offset, limit) from Relay arguments, refusing sizes a client should not ask for."""
    limit = default if first is None else first
    if limit < 0:
        raise HaobanError(ErrorCode.INVALID_ARGUMENT, "`first` must not be negative.")
    if limit > maximum:
        raise HaobanError(
            ErrorCode.PAGE_TOO_LARGE, "At most %(maximum)s results per page.", maximum=maximum
        )
    offset = decode_cursor(after) + 1 if after else 0
    return offset, limit
