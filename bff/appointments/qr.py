"""The signed check-in payload printed as the voucher's QR code.

Format: ``HB1.<base64url(json)>.<base64url(HMAC-SHA256)>`` without padding, where the JSON
holds ``b`` (booking id), ``v`` (booking version), ``h`` (hall code) and ``t`` (start, unix
seconds), and the MAC covers the text ``HB1.<base64url(json)>`` under a key derived from the
app secret for this purpose only (HMAC(secret, "haoban/check-in/v1")), so a MAC made for
another use of the same secret never verifies here.

A signature proves the payload was issued by us for that booking, version, hall and time; it
cannot be edited into another booking's. It does not stop reuse: the booking service rejects
a payload whose version is no longer the booking's (rescheduled or cancelled) or whose booking
is already checked in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

PREFIX = "HB1"
MAX_PAYLOAD_LENGTH = 512
_PURPOSE = b"haoban/check-in/v1"
_MAC_BYTES = 32
_B64URL = re.compile(r"[A-Za-z0-9_-]+")

QrErrorCode = Literal["MALFORMED", "BAD_SIGNATURE"]


@dataclass(frozen=True)
class CheckInClaim:
    booking_id: str
    version: int
    hall_code: str
    starts_at: datetime  # aware, UTC


class QrError(Exception):
    """A payload we will not act on: MALFORMED (not ours in shape) or BAD_SIGNATURE."""

    def __init__(self, code: QrErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: QrErrorCode = code


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url: our alphabet only, no padding, and only the canonical encoding (so
    no two texts decode to the same bytes)."""
    if not _B64URL.fullmatch(text):
        raise QrError("MALFORMED", "not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise QrError("MALFORMED", "not base64url") from exc
    if _b64encode(data) != text:
        raise QrError("MALFORMED", "not canonical base64url")
    return data


def _mac(secret: str, signed: str) -> bytes:
    return hmac.new(_key(secret), signed.encode("ascii"), hashlib.sha256).digest()


def sign_check_in(
    secret: str, *, booking_id: str, version: int, hall_code: str, starts_at: datetime
) -> str:
    """The QR payload for one version of one booking (a reschedule bumps the version)."""
    if not secret:
        raise ValueError("a check-in secret is required")
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    claims = {"b": booking_id, "v": version, "h": hall_code, "t": int(starts_at.timestamp())}
    body = json.dumps(claims, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    signed = f"{PREFIX}.{_b64encode(body.encode())}"
    payload = f"{signed}.{_b64encode(_mac(secret, signed))}"
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise ValueError("booking id or hall code too long for a check-in code")
    return payload


def verify_check_in(secret: str, payload: str) -> CheckInClaim:
    """The claim inside a payload we signed, or QrError.

    Checks shape, then the MAC in constant time, and only then reads the JSON: nothing in an
    unverified payload is trusted or even parsed.
    """
    if not secret:
        raise ValueError("a check-in secret is required")
    payload = payload.strip()  # scanners may add a line break
    if not payload or len(payload) > MAX_PAYLOAD_LENGTH or not payload.isascii():
        raise QrError("MALFORMED", "empty, too long or not ASCII")
    parts = payload.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise QrError("MALFORMED", "not a check-in code")
    body = _b64decode(parts[1])
    mac = _b64decode(parts[2])
    if len(mac) != _MAC_BYTES:
        raise QrError("MALFORMED", "wrong signature length")
    if not hmac.compare_digest(mac, _mac(secret, f"{parts[0]}.{parts[1]}")):
        raise QrError("BAD_SIGNATURE", "signature does not match")
    try:
        claims = json.loads(body.decode("utf-8"))
        booking_id, version, hall_code, start = claims["b"], claims["v"], claims["h"], claims["t"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise QrError("MALFORMED", "unreadable claims") from exc
    if not (
        isinstance(booking_id, str)
        and booking_id
        and isinstance(hall_code, str)
        and isinstance(version, int)
        and not isinstance(version, bool)
        and isinstance(start, int)
        and not isinstance(start, bool)
    ):
        raise QrError("MALFORMED", "claims of the wrong type")
    try:
        starts_at = datetime.fromtimestamp(start, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise QrError("MALFORMED", "start time out of range") from exc
    return CheckInClaim(
        booking_id=booking_id, version=version, hall_code=hall_code, starts_at=starts_at
    )
