"""A reference licence sharing platform: the HTTP contract of README.md served over a
`LocalLicenceLibrary`.

The contract tests run `HttpLicenceLibrary` against it through `httpx.ASGITransport`, and the
local setup can do the same (`build_reference_licence_library`), so the real adapter, its
signature and its error handling are exercised without a network. It checks what a real
platform checks, in the same order: app id, headers, signature, clock skew, nonce reuse, then
the body.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from integrations.licences.local import LocalLicenceLibrary
from integrations.licences.models import (
    MAX_TYPES_PER_BATCH,
    FetchPurpose,
    LicenceLibraryError,
    LicenceType,
)
from integrations.licences.wire import (
    APP_ID_HEADER,
    BATCH_QUERY_PATH,
    MAX_CLOCK_SKEW,
    NONCE,
    NONCE_HEADER,
    SIGNATURE,
    SIGNATURE_HEADER,
    TIMESTAMP,
    TIMESTAMP_HEADER,
    MalformedError,
    decode_request,
    encode_response,
    signature,
)

logger = logging.getLogger("integrations.licences.reference")

_KNOWN_TYPES = frozenset(t.value for t in LicenceType)


def create_reference_app(
    library: LocalLicenceLibrary,
    *,
    app_id: str,
    app_secret: str,
    now: Callable[[], float] = time.time,
    max_skew: int = MAX_CLOCK_SKEW,
) -> Starlette:
    """`POST /v1/licences:batchQuery` for one calling app. A fault of `library` (its
    `fail_rate`) is answered 503, as a busy platform would."""
    if not app_id or not app_secret:
        raise ValueError("the reference licence library needs an app_id and an app_secret")
    # nonce → the timestamp it came with; forgotten once that timestamp is stale anyway.
    seen_nonces: dict[str, int] = {}

    def refuse(status: int, code: str, message: str) -> Response:
        return JSONResponse({"code": code, "message": message}, status_code=status)

    def first_use(nonce: str, timestamp: int, current: float) -> bool:
        for old in [n for n, ts in seen_nonces.items() if ts < current - max_skew]:
            del seen_nonces[old]
        if nonce in seen_nonces:
            return False
        seen_nonces[nonce] = timestamp
        return True

    async def batch_query(request: Request) -> Response:
        headers = request.headers
        if not hmac.compare_digest(headers.get(APP_ID_HEADER, "").encode(), app_id.encode()):
            return refuse(401, "UNKNOWN_APP", "unknown app id")
        timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
        nonce = headers.get(NONCE_HEADER, "").strip()
        given = headers.get(SIGNATURE_HEADER, "").strip().lower()
        if not timestamp or not nonce or not given:
            return refuse(401, "MISSING_SIGNATURE", "timestamp, nonce or signature missing")
        if not TIMESTAMP.fullmatch(timestamp):
            return refuse(401, "BAD_TIMESTAMP", "X-Timestamp must be unix seconds")
        if not NONCE.fullmatch(nonce):
            return refuse(401, "BAD_NONCE", "X-Nonce must be 16-64 characters [0-9A-Za-z_-]")
        body = await request.body()
        expected = signature(app_secret, timestamp, nonce, body)
        # Signature before clock: only an authentic caller learns that its clock is off.
        if not SIGNATURE.fullmatch(given) or not hmac.compare_digest(expected, given):
            return refuse(401, "BAD_SIGNATURE", "signature does not match")
        current = now()
        if abs(current - int(timestamp)) > max_skew:
            return refuse(401, "STALE_TIMESTAMP", f"timestamp more than {max_skew} s off")
        if not first_use(nonce, int(timestamp), current):
            return refuse(401, "REPLAYED_NONCE", "nonce already used")

        try:
            query = decode_request(body)
        except MalformedError as exc:
            return refuse(400, "BAD_REQUEST", str(exc))
        if len(query.types) > MAX_TYPES_PER_BATCH:
            return refuse(400, "TOO_MANY_TYPES", f"at most {MAX_TYPES_PER_BATCH} types per batch")
        if not all(t in _KNOWN_TYPES for t in query.types):
            return refuse(400, "UNKNOWN_TYPE", "types holds an unknown licence type")
        try:
            lookups = await library.fetch(
                holder_id_number=query.holder_id_number,
                holder_name=query.holder_name,
                types=[LicenceType(t) for t in query.types],
                purpose=FetchPurpose(
                    flow_id=query.flow_id,
                    requester_id=query.requester_id,
                    item_code=query.item_code,
                ),
                today=query.today,
            )
        except ValueError as exc:
            # Our own messages, which never echo a value.
            return refuse(400, "BAD_REQUEST", str(exc))
        except LicenceLibraryError as exc:
            if exc.retryable:
                return refuse(503, "UNAVAILABLE", "the licence library is busy; retry later")
            logger.error("reference licence library failed: %s", exc.message)
            return refuse(500, "INTERNAL", "the licence library failed")
        return Response(encode_response(lookups), media_type="application/json; charset=utf-8")

    return Starlette(routes=[Route(BATCH_QUERY_PATH, batch_query, methods=["POST"])])
