"""Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256, as Tencent documents it ("签名方法
v3", e.g. cloud.tencent.com/document/api/213/30654; the same steps as tencentcloud-sdk-python's
`_get_tc3_signature`). Used by the adapter to sign and by the reference server to verify.

1. CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n
   SignedHeaders \\n hex(SHA256(payload)); CanonicalHeaders are `name:value\\n` per signed
   header, both lower-cased and trimmed.
2. StringToSign = "TC3-HMAC-SHA256" \\n timestamp \\n "<UTC date>/<service>/tc3_request" \\n
   hex(SHA256(CanonicalRequest)).
3. Key = HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request");
   Signature = hex(HMAC(Key, StringToSign)).
4. Authorization = "TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request,
   SignedHeaders=content-type;host, Signature=<hex>".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"
TERMINATOR = "tc3_request"
SIGNED_HEADERS: tuple[str, ...] = ("content-type", "host")
# Tencent refuses a request whose X-TC-Timestamp is more than five minutes off its clock.
MAX_CLOCK_SKEW = 300


def credential_date(timestamp: int) -> str:
    """The UTC date of the timestamp, YYYY-MM-DD: part of the scope and of the key."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(
    *,
    method: str,
    uri: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload: bytes,
) -> str:
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed_headers
    )
    return "\n".join(
        [
            method.upper(),
            uri or "/",
            query,
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def signature(
    *,
    secret_key: str,
    service: str,
    timestamp: int,
    method: str,
    uri: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str] = SIGNED_HEADERS,
    payload: bytes,
) -> str:
    """The hex signature of one request. `headers` is keyed by lower-case name."""
    date = credential_date(timestamp)
    request = canonical_request(
        method=method,
        uri=uri,
        query=query,
        headers=headers,
        signed_headers=signed_headers,
        payload=payload,
    )
    scope = f"{date}/{service}/{TERMINATOR}"
    to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(request.encode("utf-8")).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), TERMINATOR)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    timestamp: int,
    content_type: str,
    host: str,
    payload: bytes,
    uri: str = "/",
) -> str:
    """The Authorization header of a JSON POST (the only form the adapter sends)."""
    sig = signature(
        secret_key=secret_key,
        service=service,
        timestamp=timestamp,
        method="POST",
        uri=uri,
        query="",
        headers={"content-type": content_type, "host": host},
        payload=payload,
    )
    return (
        f"{ALGORITHM} Credential={secret_id}/{credential_date(timestamp)}/{service}/{TERMINATOR}, "
        f"SignedHeaders={';'.join(SIGNED_HEADERS)}, Signature={sig}"
    )


@dataclass(frozen=True, slots=True)
class ParsedAuthorization:
    secret_id: str
    date: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(header: str) -> ParsedAuthorization | None:
    """The parts of a TC3 Authorization header, or None when it is not one."""
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep or name in parts:
            return None
        parts[name] = value.strip()
    if set(parts) != {"Credential", "SignedHeaders", "Signature"}:
        return None
    scope = parts["Credential"].split("/")
    if len(scope) != 4 or scope[3] != TERMINATOR or not all(scope):
        return None
    signed = tuple(parts["SignedHeaders"].split(";"))
    # Names must be lower-case and sorted, as the canonical form requires.
    if not all(signed) or list(signed) != sorted(n.lower() for n in signed):
        return None
    sig = parts["Signature"]
    if len(sig) != 64 or any(ch not in "0123456789abcdef" for ch in sig):
        return None
    return ParsedAuthorization(scope[0], scope[1], scope[2], signed, sig)
