"""The HTTP adapter alone: how it signs, and how it reports a library that refuses, fails or
answers outside the contract (retry later, or someone must act)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import date

import httpx
import pytest

from integrations.licences.local import LocalLicenceLibrary
from integrations.licences.models import (
    LicenceLibraryError,
    LicenceLookup,
    LicenceStatus,
    LicenceType,
)
from integrations.licences.port import LicenceLibrary
from tests.integrations.licences.support import (
    APP_ID,
    APP_SECRET,
    BASE_URL,
    FIXED_NOW,
    PURPOSE,
    TODAY,
    ZHANG,
    mocked_http,
    reference_http,
)

T = LicenceType
Handler = Callable[[httpx.Request], httpx.Response]


async def read(library: LicenceLibrary, *types: LicenceType) -> dict[LicenceType, LicenceLookup]:
    try:
        return await library.fetch(
            holder_id_number=ZHANG[1],
            holder_name=ZHANG[0],
            types=list(types) or [T.ID_CARD],
            purpose=PURPOSE,
            today=TODAY,
        )
    finally:
        await library.aclose()


async def failure(library: LicenceLibrary, *types: LicenceType) -> LicenceLibraryError:
    with pytest.raises(LicenceLibraryError) as caught:
        await read(library, *types)
    error = caught.value
    assert ZHANG[1] not in str(error) and ZHANG[0] not in str(error)
    assert error.__cause__ is None  # no httpx exception (holding the request body) chained
    return error


def answer(status: int, body: bytes | str | object) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, bytes | str):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body)

    return handler


def licence_json(**overrides: object) -> dict[str, object]:
    licence: dict[str, object] = {
        "type": "身份证",
        "number": ZHANG[1],
        "holderName": ZHANG[0],
        "holderIdNumber": ZHANG[1],
        "issuer": "郑州市公安局金水分局",
        "issuedOn": "2012-04-18",
        "validUntil": None,
        "fields": {"name": ZHANG[0]},
    }
    return licence | overrides


# --- the request ------------------------------------------------------------------------------


async def test_the_request_is_the_documented_signed_post() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"results": []})

    with pytest.raises(LicenceLibraryError):
        await read(mocked_http(handler), T.ID_CARD, T.MARRIAGE)

    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == f"{BASE_URL}/v1/licences:batchQuery"
    assert request.headers["Content-Type"].startswith("application/json")
    body = request.content
    assert json.loads(body) == {
        "holder": {"name": ZHANG[0], "idNumber": ZHANG[1]},
        "types": ["身份证", "结婚证"],
        "purpose": {"flowId": "flow-0001", "requesterId": "demo", "itemCode": "410100-TEST-0001"},
        "today": "2026-11-28",
    }
    timestamp, nonce = request.headers["X-Timestamp"], request.headers["X-Nonce"]
    assert request.headers["X-App-Id"] == APP_ID
    assert timestamp == str(int(FIXED_NOW))
    assert 16 <= len(nonce) <= 64
    # Recomputed by hand from README.md, not with the package's own helper.
    message = f"{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    expected = hmac.new(APP_SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert request.headers["X-Signature"] == expected


def test_the_readme_signature_vector_holds() -> None:
    from integrations.licences.wire import signature

    assert (
        signature("s3cret", "1800000000", "0123456789abcdef0123456789abcdef", b'{"types":[]}')
        == "66242e2a8ac85bcaadd50ecf333b002a35e2aebfe02100d47ebd552277c3e0a9"
    )


async def test_each_read_uses_a_fresh_nonce() -> None:
    nonces: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        nonces.append(request.headers["X-Nonce"])
        return httpx.Response(503)

    library = mocked_http(handler)
    for _ in range(3):
        with pytest.raises(LicenceLibraryError):
            await library.fetch(
                holder_id_number=ZHANG[1],
                holder_name=ZHANG[0],
                types=[T.ID_CARD],
                purpose=PURPOSE,
                today=TODAY,
            )
    await library.aclose()
    assert len(set(nonces)) == 3


async def test_refused_reads_never_reach_the_network() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    library = mocked_http(handler)
    with pytest.raises(ValueError):
        await library.fetch(
            holder_id_number=ZHANG[1],
            holder_name=ZHANG[0],
            types=[*LicenceType, *LicenceType],
            purpose=PURPOSE,
            today=TODAY,
        )
    with pytest.raises(ValueError):
        await library.fetch(
            holder_id_number=ZHANG[1][:-1],
            holder_name=ZHANG[0],
            types=[LicenceType.ID_CARD],
            purpose=PURPOSE,
            today=TODAY,
        )
    empty = await library.fetch(
        holder_id_number=ZHANG[1], holder_name=ZHANG[0], types=[], purpose=PURPOSE, today=TODAY
    )
    assert empty == {}
    await library.aclose()
    assert calls == []


# --- against the reference platform -------------------------------------------------------------


async def test_a_wrong_secret_is_refused_as_a_bad_signature_not_worth_retrying() -> None:
    error = await failure(reference_http(app_secret="not-the-secret"))
    assert (error.status_code, error.upstream_code, error.retryable) == (
        401,
        "BAD_SIGNATURE",
        False,
    )


async def test_an_unknown_app_id_is_refused_not_worth_retrying() -> None:
    error = await failure(reference_http(app_id="someone-else"))
    assert (error.status_code, error.upstream_code, error.retryable) == (401, "UNKNOWN_APP", False)


@pytest.mark.parametrize("offset", [-301, 301])
async def test_a_clock_more_than_300_seconds_off_is_refused(offset: int) -> None:
    error = await failure(reference_http(clock=lambda: FIXED_NOW + offset))
    assert (error.status_code, error.upstream_code, error.retryable) == (
        401,
        "STALE_TIMESTAMP",
        False,
    )


@pytest.mark.parametrize("offset", [-300, 300])
async def test_a_clock_up_to_300_seconds_off_is_accepted(offset: int) -> None:
    result = await read(reference_http(clock=lambda: FIXED_NOW + offset))
    assert result[T.ID_CARD].status is LicenceStatus.FOUND


async def test_a_busy_library_answers_503_which_is_retryable() -> None:
    error = await failure(reference_http(LocalLicenceLibrary(fail_rate=1.0)))
    assert (error.status_code, error.upstream_code, error.retryable) == (503, "UNAVAILABLE", True)


# --- statuses and transport failures ------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_overload_and_server_errors_are_retryable(status: int) -> None:
    error = await failure(mocked_http(answer(status, {"code": "BUSY", "message": "稍后再试"})))
    assert error.retryable and error.status_code == status and error.upstream_code == "BUSY"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_final(status: int) -> None:
    error = await failure(mocked_http(answer(status, b"<html>nope</html>")))
    assert not error.retryable and error.status_code == status and error.upstream_code is None


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.RemoteProtocolError]
)
async def test_an_unreachable_library_is_retryable(exc: type[httpx.TransportError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    error = await failure(mocked_http(handler))
    assert error.retryable and error.status_code is None


async def test_a_library_slower_than_the_timeout_is_retryable() -> None:
    never = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await never.wait()
        raise AssertionError("unreachable")

    library = mocked_http(handler, timeout=0.01)
    error = await failure(library)
    assert error.retryable and "did not answer" in error.message


# --- answers outside the contract ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"\xff\xfe",
        b"[]",
        {"results": "no"},
        {"results": []},  # the requested type is missing
        {"results": [{"type": "身份证", "status": "maybe", "licence": None}]},
        {"results": [{"type": "身份证", "status": "found", "licence": None}]},
        {"results": [{"type": "身份证", "status": "found", "licence": {"number": "x"}}]},
        {
            "results": [
                {"type": "身份证", "status": "found", "licence": licence_json(type="户口簿")}
            ]
        },
        {
            "results": [
                {
                    "type": "身份证",
                    "status": "found",
                    "licence": licence_json(issuedOn="2012/04/18"),
                }
            ]
        },
        {
            "results": [
                {
                    "type": "身份证",
                    "status": "found",
                    "licence": licence_json(fields={"area": 86.4}),
                }
            ]
        },
        {"results": [{"type": "身份证", "status": "not_found", "licence": None}] * 2},
    ],
    ids=[
        "not-json",
        "not-utf8",
        "not-an-object",
        "results-not-a-list",
        "type-missing",
        "unknown-status",
        "found-without-licence",
        "licence-incomplete",
        "licence-of-another-type",
        "bad-date",
        "non-string-field",
        "type-repeated",
    ],
)
async def test_an_answer_outside_the_contract_is_final(body: object) -> None:
    error = await failure(mocked_http(answer(200, body)))
    assert not error.retryable and error.status_code == 200
    assert "outside the contract" in error.message


async def test_results_for_types_not_asked_for_are_ignored() -> None:
    body = {
        "results": [
            {"type": "护照", "status": "found", "licence": {"weird": True}},
            {"type": "结婚证", "status": "not_found", "licence": None},
            {"type": "身份证", "status": "found", "licence": licence_json()},
        ]
    }
    result = await read(mocked_http(answer(200, body)), T.ID_CARD)
    assert list(result) == [T.ID_CARD] and result[T.ID_CARD].status is LicenceStatus.FOUND


async def test_a_licence_past_its_date_is_expired_whatever_the_library_says() -> None:
    body = {
        "results": [
            {
                "type": "身份证",
                "status": "found",
                "licence": licence_json(validUntil="2026-11-27"),
            }
        ]
    }
    result = await read(mocked_http(answer(200, body)))
    lookup = result[T.ID_CARD]
    assert lookup.status is LicenceStatus.EXPIRED
    assert lookup.licence is not None and lookup.licence.valid_until == date(2026, 11, 27)


async def test_not_found_drops_whatever_came_with_it() -> None:
    body = {"results": [{"type": "身份证", "status": "not_found", "licence": licence_json()}]}
    result = await read(mocked_http(answer(200, body)))
    assert result[T.ID_CARD] == LicenceLookup(T.ID_CARD, LicenceStatus.NOT_FOUND, None)


@pytest.mark.usefixtures("no_personal_data_in_logs")
async def test_failures_leave_no_name_or_id_number_in_the_logs() -> None:
    await failure(reference_http(app_secret="not-the-secret"))
    await failure(reference_http(LocalLicenceLibrary(fail_rate=1.0)))
    await failure(mocked_http(answer(200, {"results": [{"type": "身份证", "status": "?"}]})))
    await failure(mocked_http(answer(502, b"upstream down")))

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("boom", request=request)

    await failure(mocked_http(unreachable))


def test_the_adapter_never_shows_its_secret() -> None:
    library = reference_http()
    assert APP_SECRET not in repr(library)
