"""The HTTP contract in code, shared by the adapter and the reference server: path, headers,
the request signature, and the JSON shapes (README.md describes them for humans).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from integrations.licences.models import (
    BatchRequest,
    Licence,
    LicenceLookup,
    LicenceStatus,
    LicenceType,
)

BATCH_QUERY_PATH = "/v1/licences:batchQuery"
APP_ID_HEADER = "X-App-Id"
TIMESTAMP_HEADER = "X-Timestamp"
NONCE_HEADER = "X-Nonce"
SIGNATURE_HEADER = "X-Signature"
MAX_CLOCK_SKEW = 300
"""Seconds a request's timestamp may be off the library's clock, either way."""

TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() accepts "١٢"
NONCE = re.compile(r"[0-9A-Za-z_-]{16,64}")
SIGNATURE = re.compile(r"[0-9a-f]{64}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class MalformedError(ValueError):
    """A body that does not follow the contract; the message names the place, never a value."""


# --- signature --------------------------------------------------------------------------------


def string_to_sign(timestamp: str, nonce: str, body: bytes) -> str:
    """`{timestamp}\\n{nonce}\\n{sha256 hex of the exact body bytes}`."""
    return f"{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}"


def signature(app_secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256, keyed by the app secret (UTF-8), over `string_to_sign`."""
    if not app_secret:
        raise ValueError("an empty app secret signs nothing")
    message = string_to_sign(timestamp, nonce, body).encode("utf-8")
    return hmac.new(app_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(
    app_id: str, app_secret: str, body: bytes, *, timestamp: int, nonce: str
) -> dict[str, str]:
    stamp = str(int(timestamp))
    return {
        APP_ID_HEADER: app_id,
        TIMESTAMP_HEADER: stamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(app_secret, stamp, nonce, body),
    }


# --- request ----------------------------------------------------------------------------------


def encode_request(request: BatchRequest) -> bytes:
    """Compact UTF-8 JSON; these exact bytes are signed and sent."""
    document = {
        "holder": {"name": request.holder_name, "idNumber": request.holder_id_number},
        "types": [t.value for t in request.types],
        "purpose": {
            "flowId": request.purpose.flow_id,
            "requesterId": request.purpose.requester_id,
            "itemCode": request.purpose.item_code,
        },
        "today": request.today.isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class QueryIn:
    """A request body as the library reads it, before the semantic checks."""

    holder_name: str
    holder_id_number: str
    types: list[str]
    flow_id: str
    requester_id: str
    item_code: str
    today: date


def decode_request(raw: bytes) -> QueryIn:
    document = _json_object(raw, "request")
    holder = _object(document, "holder")
    purpose = _object(document, "purpose")
    types = document.get("types")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise MalformedError("types must be a list of strings")
    return QueryIn(
        holder_name=_string(holder, "name", "holder"),
        holder_id_number=_string(holder, "idNumber", "holder"),
        types=types,
        flow_id=_string(purpose, "flowId", "purpose"),
        requester_id=_string(purpose, "requesterId", "purpose"),
        item_code=_string(purpose, "itemCode", "purpose"),
        today=_iso_date(document.get("today"), "today"),
    )


# --- response ---------------------------------------------------------------------------------


def encode_response(lookups: Mapping[LicenceType, LicenceLookup]) -> bytes:
    results = [
        {
            "type": lookup.type.value,
            "status": lookup.status.value,
            "licence": None if lookup.licence is None else _licence_out(lookup.licence),
        }
        for lookup in lookups.values()
    ]
    return json.dumps({"results": results}, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def decode_response(raw: bytes, requested: tuple[LicenceType, ...]) -> list[LicenceLookup]:
    """The lookups for `requested`, in that order. Results for types we did not ask about are
    ignored (a library may know more types than we do); a missing, repeated or inconsistent
    result makes the whole answer unusable."""
    document = _json_object(raw, "response")
    results = document.get("results")
    if not isinstance(results, list):
        raise MalformedError("results must be a list")
    wanted = set(requested)
    found: dict[LicenceType, LicenceLookup] = {}
    for index, item in enumerate(results):
        where = f"results[{index}]"
        if not isinstance(item, dict):
            raise MalformedError(f"{where} must be an object")
        raw_type = item.get("type")
        if not isinstance(raw_type, str):
            raise MalformedError(f"{where}.type must be a string")
        try:
            licence_type = LicenceType(raw_type)
        except ValueError:
            continue  # a type we do not know cannot be one we asked for
        if licence_type not in wanted:
            continue
        if licence_type in found:
            raise MalformedError(f"{where} repeats a type")
        found[licence_type] = _lookup_in(item, licence_type, where)
    missing = [t.value for t in requested if t not in found]
    if missing:
        raise MalformedError(f"results lack {len(missing)} requested type(s)")
    return [found[t] for t in requested]


def _lookup_in(item: Mapping[str, Any], licence_type: LicenceType, where: str) -> LicenceLookup:
    try:
        status = LicenceStatus(item.get("status", ""))
    except ValueError:
        raise MalformedError(f"{where}.status is not found, not_found or expired") from None
    raw_licence = item.get("licence")
    if status is LicenceStatus.NOT_FOUND:
        # Whatever came with a not_found is not a licence we may show.
        return LicenceLookup(licence_type, status, None)
    if not isinstance(raw_licence, dict):
        raise MalformedError(f"{where}.licence must be an object for status {status.value}")
    licence = _licence_in(raw_licence, f"{where}.licence")
    if licence.type is not licence_type:
        raise MalformedError(f"{where}.licence.type differs from {where}.type")
    return LicenceLookup(licence_type, status, licence)


def _licence_out(licence: Licence) -> dict[str, Any]:
    return {
        "type": licence.type.value,
        "number": licence.number,
        "holderName": licence.holder_name,
        "holderIdNumber": licence.holder_id_number,
        "issuer": licence.issuer,
        "issuedOn": licence.issued_on.isoformat(),
        "validUntil": None if licence.valid_until is None else licence.valid_until.isoformat(),
        "fields": dict(licence.fields),
    }


def _licence_in(document: Mapping[str, Any], where: str) -> Licence:
    try:
        licence_type = LicenceType(document.get("type", ""))
    except ValueError:
        raise MalformedError(f"{where}.type is not a known licence type") from None
    fields = document.get("fields", {})
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise MalformedError(f"{where}.fields must map strings to strings")
    holder_id_number = document.get("holderIdNumber", "")
    if holder_id_number is None:
        holder_id_number = ""  # a newborn's certificate: no ID number yet
    if not isinstance(holder_id_number, str):
        raise MalformedError(f"{where}.holderIdNumber must be a string")
    valid_until = document.get("validUntil")
    return Licence(
        type=licence_type,
        number=_string(document, "number", where),
        holder_name=_string(document, "holderName", where),
        holder_id_number=holder_id_number,
        issuer=_string(document, "issuer", where),
        issued_on=_iso_date(document.get("issuedOn"), f"{where}.issuedOn"),
        valid_until=None if valid_until is None else _iso_date(valid_until, f"{where}.validUntil"),
        fields=MappingProxyType(dict(fields)),
    )


# --- small readers ----------------------------------------------------------------------------


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedError(f"the {what} is not UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise MalformedError(f"the {what} is not a JSON object")
    return document


def _object(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = document.get(name)
    if not isinstance(value, dict):
        raise MalformedError(f"{name} must be an object")
    return value


def _string(document: Mapping[str, Any], name: str, where: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedError(f"{where}.{name} must be a non-empty string")
    return value


def _iso_date(value: Any, where: str) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise MalformedError(f"{where} must be a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedError(f"{where} is not a calendar date") from None
