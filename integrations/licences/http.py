"""HTTP adapter to a provincial electronic licence sharing platform (证照共享平台).

The contract is in README.md beside this file: one signed `POST {base}/v1/licences:batchQuery`
per read. Names and ID numbers travel only in the request body; they are never logged and never
put in an error message (error trackers capture both).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import date

import httpx

from integrations.licences.models import (
    FetchPurpose,
    LicenceLibraryError,
    LicenceLookup,
    LicenceStatus,
    LicenceType,
    check_request,
)
from integrations.licences.wire import (
    BATCH_QUERY_PATH,
    MalformedError,
    decode_response,
    encode_request,
    signed_headers,
)

logger = logging.getLogger("integrations.licences.http")

# Overload and server trouble pass; anything else needs a person (or a code fix) first.
_RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class HttpLicenceLibrary:
    """`LicenceLibrary` over HTTP. The adapter owns its `httpx.AsyncClient`.

    `transport` replaces the network (tests and the local setup pass an
    `httpx.ASGITransport` to the reference server); `clock` gives unix seconds for
    `X-Timestamp`. `timeout` is the total budget of one read, in seconds.
    """

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str,
        app_secret: str,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not base_url:
            raise ValueError("HttpLicenceLibrary needs a base_url")
        if not app_id or not app_secret:
            raise ValueError("HttpLicenceLibrary needs an app_id and an app_secret")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.app_id = app_id
        self._app_secret = app_secret
        self._url = base_url.rstrip("/") + BATCH_QUERY_PATH
        self._timeout = timeout
        self._clock = clock
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        # Never the secret.
        return f"HttpLicenceLibrary(url={self._url!r}, app_id={self.app_id!r})"

    async def fetch(
        self,
        *,
        holder_id_number: str,
        holder_name: str,
        types: Sequence[LicenceType],
        purpose: FetchPurpose,
        today: date,
    ) -> dict[LicenceType, LicenceLookup]:
        request = check_request(
            holder_id_number=holder_id_number,
            holder_name=holder_name,
            types=types,
            purpose=purpose,
            today=today,
        )
        if not request.types:
            return {}
        body = encode_request(request)
        # A fresh nonce per attempt: the library refuses a nonce it has seen (replay guard).
        nonce = secrets.token_hex(16)
        headers = signed_headers(
            self.app_id, self._app_secret, body, timestamp=int(self._clock()), nonce=nonce
        )
        headers["Content-Type"] = "application/json; charset=utf-8"
        headers["Accept"] = "application/json"
        response = await self._post(body, headers, purpose=purpose, nonce=nonce)
        del body  # it held the name and the ID number
        if response.status_code != 200:
            raise self._refused(response, purpose=purpose, nonce=nonce)
        try:
            lookups = decode_response(response.content, request.types)
        except MalformedError as exc:
            logger.error(
                "licence library answered outside the contract (flow=%s, nonce=%s): %s",
                purpose.flow_id,
                nonce,
                exc,
            )
            raise LicenceLibraryError(
                f"the licence library answered outside the contract: {exc}",
                retryable=False,
                status_code=200,
            ) from None
        return {lookup.type: _checked(lookup, request.today) for lookup in lookups}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(
        self, body: bytes, headers: dict[str, str], *, purpose: FetchPurpose, nonce: str
    ) -> httpx.Response:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._client.post(self._url, content=body, headers=headers)
        except TimeoutError:
            message = f"the licence library did not answer within {self._timeout:g} s"
        except httpx.HTTPError as exc:
            message = f"the licence library is unreachable ({type(exc).__name__})"
        logger.warning("%s (flow=%s, nonce=%s)", message, purpose.flow_id, nonce)
        # `from None`: an httpx exception carries the request, whose body names the person.
        raise LicenceLibraryError(message, retryable=True) from None

    def _refused(
        self, response: httpx.Response, *, purpose: FetchPurpose, nonce: str
    ) -> LicenceLibraryError:
        status = response.status_code
        upstream_code = _error_code(response.content)
        retryable = status in _RETRYABLE_STATUSES
        # 401/403 mean our app id, secret or clock is wrong: an operator must act.
        level = logging.ERROR if status in (401, 403) else logging.WARNING
        logger.log(
            level,
            "licence library answered HTTP %s %s (flow=%s, nonce=%s)",
            status,
            upstream_code or "-",
            purpose.flow_id,
            nonce,
        )
        return LicenceLibraryError(
            f"the licence library answered HTTP {status}"
            + (f" ({upstream_code})" if upstream_code else ""),
            retryable=retryable,
            status_code=status,
            upstream_code=upstream_code,
        )


def _checked(lookup: LicenceLookup, today: date) -> LicenceLookup:
    """Never present an expired licence as valid, whatever the library's clock says."""
    licence = lookup.licence
    if lookup.status is LicenceStatus.FOUND and licence is not None and licence.expired_on(today):
        return LicenceLookup(lookup.type, LicenceStatus.EXPIRED, licence)
    return lookup


def _error_code(content: bytes) -> str | None:
    """The library's `code` from an error body, if it is a short identifier (it is logged)."""
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    code = document.get("code") if isinstance(document, dict) else None
    if isinstance(code, str) and 0 < len(code) <= 64 and code.replace("_", "").isalnum():
        return code if code.isascii() else None
    return None
