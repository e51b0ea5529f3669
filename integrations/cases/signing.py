"""The case-system webhook signature: HMAC-SHA256 over the timestamp and the raw body.

A sender signs with `sign`; the BFF checks with `verify` before it parses the body. Several
`v1=` values may be sent and several secrets accepted, so a secret can be rotated without a
flag day. See README.md beside this file.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Literal

TIMESTAMP_HEADER = "X-Haoban-Timestamp"
SIGNATURE_HEADER = "X-Haoban-Signature"
SCHEME = "v1"
MAX_SIGNATURES = 8
"""More `v1=` values than this in one header is not a rotation, it is a guessing attempt."""

SignatureErrorCode = Literal[
    "MISSING_SIGNATURE", "BAD_SIGNATURE", "STALE_TIMESTAMP", "BAD_TIMESTAMP"
]

_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() accepts "١٢"
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class SignatureError(Exception):
    """The request is not provably from the case system; answer 401 and apply nothing."""

    def __init__(self, code: SignatureErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: SignatureErrorCode = code


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    if not secret:
        raise ValueError("an empty webhook secret signs nothing")
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int) -> dict[str, str]:
    """The two headers a sender attaches to `body` (the exact bytes it will send)."""
    if timestamp < 0:
        raise ValueError("timestamp must be unix seconds")
    stamp = str(int(timestamp))
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: f"{SCHEME}={_digest(secret, stamp, body)}",
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup, for plain dicts as well as Starlette's `Headers`."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def verify(
    secrets: Sequence[str],
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float,
    tolerance: int = 300,
) -> None:
    """Return if any `v1=` value matches any secret and the timestamp is within ±tolerance.

    The signature is checked before the timestamp's age, so only an authentic sender learns
    that its clock is off (STALE_TIMESTAMP); anyone else gets BAD_SIGNATURE.
    """
    if isinstance(secrets, str):
        raise TypeError("secrets must be a sequence of secrets, not one string")
    if not secrets or not all(secrets):
        raise ValueError("at least one non-empty webhook secret is needed")
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")

    raw_timestamp = _header(headers, TIMESTAMP_HEADER)
    raw_signature = _header(headers, SIGNATURE_HEADER)
    if raw_timestamp is None or raw_signature is None or not raw_signature.strip():
        raise SignatureError("MISSING_SIGNATURE", "signature or timestamp header missing")
    timestamp = raw_timestamp.strip()
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureError("BAD_TIMESTAMP", "timestamp is not unix seconds")

    prefix = f"{SCHEME}="
    candidates = [
        part.strip()[len(prefix) :].lower()
        for part in raw_signature.split(",")
        if part.strip().startswith(prefix)
    ]
    candidates = [c for c in candidates if _HEX_DIGEST.fullmatch(c)]
    if not candidates or len(candidates) > MAX_SIGNATURES:
        raise SignatureError("BAD_SIGNATURE", "no usable v1 signature")

    matched = False
    for secret in secrets:
        expected = _digest(secret, timestamp, body)
        for candidate in candidates:
            # Every pair is compared, in constant time, whatever matched before.
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("BAD_SIGNATURE", "signature does not match")

    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError("STALE_TIMESTAMP", "timestamp outside the accepted window")
