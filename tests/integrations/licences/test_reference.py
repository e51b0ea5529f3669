"""The reference platform checks what a real one checks, in the same order: app id, headers,
signature, clock, nonce reuse, then the body. Requests are built by hand here, so the checks
are tested on their own, not only through the adapter."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integrations.licences.local import LocalLicenceLibrary
from integrations.licences.reference import create_reference_app
from integrations.licences.wire import signed_headers
from tests.integrations.licences.support import APP_ID, APP_SECRET, FIXED_NOW, ZHANG

NONCE = "0123456789abcdef0123456789abcdef"


def body(**overrides: Any) -> bytes:
    document: dict[str, Any] = {
        "holder": {"name": ZHANG[0], "idNumber": ZHANG[1]},
        "types": ["身份证"],
        "purpose": {"flowId": "flow-1", "requesterId": "demo", "itemCode": "ITEM-1"},
        "today": "2026-11-28",
    }
    return json.dumps(document | overrides, ensure_ascii=False).encode()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_reference_app(
        LocalLicenceLibrary(), app_id=APP_ID, app_secret=APP_SECRET, now=lambda: FIXED_NOW
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://reference"
    ) as client:
        yield client


async def post(
    client: httpx.AsyncClient,
    content: bytes,
    *,
    timestamp: float = FIXED_NOW,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    signed = signed_headers(APP_ID, APP_SECRET, content, timestamp=int(timestamp), nonce=NONCE)
    signed.update(headers or {})
    return await client.post("/v1/licences:batchQuery", content=content, headers=signed)


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


async def test_a_signed_request_gets_one_result_per_type(client: httpx.AsyncClient) -> None:
    response = await post(client, body(types=["身份证", "驾驶证"]))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["type"], r["status"]) for r in results] == [
        ("身份证", "found"),
        ("驾驶证", "not_found"),
    ]
    assert results[0]["licence"]["validUntil"] is None  # 长期
    assert results[1]["licence"] is None


async def test_a_nonce_works_once(client: httpx.AsyncClient) -> None:
    assert (await post(client, body())).status_code == 200
    assert code(await post(client, body())) == (401, "REPLAYED_NONCE")


async def test_a_nonce_is_forgotten_only_once_its_timestamp_is_stale() -> None:
    clock = {"now": FIXED_NOW}
    app = create_reference_app(
        LocalLicenceLibrary(), app_id=APP_ID, app_secret=APP_SECRET, now=lambda: clock["now"]
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://reference"
    ) as client:
        assert (await post(client, body())).status_code == 200
        clock["now"] = FIXED_NOW + 300
        assert code(await post(client, body())) == (401, "REPLAYED_NONCE")
        clock["now"] = FIXED_NOW + 301
        assert code(await post(client, body())) == (401, "STALE_TIMESTAMP")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-App-Id": "intruder"}, "UNKNOWN_APP"),
        ({"X-Signature": ""}, "MISSING_SIGNATURE"),
        ({"X-Nonce": ""}, "MISSING_SIGNATURE"),
        ({"X-Timestamp": "1800000000.5"}, "BAD_TIMESTAMP"),
        ({"X-Nonce": "short"}, "BAD_NONCE"),
        ({"X-Signature": "0" * 64}, "BAD_SIGNATURE"),
        ({"X-Signature": "not hex"}, "BAD_SIGNATURE"),
    ],
)
async def test_a_request_that_is_not_provably_ours_is_refused(
    client: httpx.AsyncClient, headers: dict[str, str], expected: str
) -> None:
    assert code(await post(client, body(), headers=headers)) == (401, expected)


async def test_the_signature_covers_the_exact_body(client: httpx.AsyncClient) -> None:
    signed = body()
    headers = signed_headers(APP_ID, APP_SECRET, signed, timestamp=int(FIXED_NOW), nonce=NONCE)
    tampered = signed.replace("张桂兰".encode(), "李明".encode())
    response = await client.post("/v1/licences:batchQuery", content=tampered, headers=headers)
    assert code(response) == (401, "BAD_SIGNATURE")


async def test_a_wrong_signature_is_refused_before_the_clock_is_checked(
    client: httpx.AsyncClient,
) -> None:
    response = await post(
        client, body(), timestamp=FIXED_NOW - 3600, headers={"X-Signature": "0" * 64}
    )
    assert code(response) == (401, "BAD_SIGNATURE")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{", "BAD_REQUEST"),
        (body(holder={"name": ZHANG[0]}), "BAD_REQUEST"),
        (body(today="28/11/2026"), "BAD_REQUEST"),
        (body(types=["身份证"] * 21), "TOO_MANY_TYPES"),
        (body(types=["护照"]), "UNKNOWN_TYPE"),
        (body(holder={"name": ZHANG[0], "idNumber": "1234"}), "BAD_REQUEST"),
        (body(purpose={"flowId": "f", "requesterId": "r"}), "BAD_REQUEST"),
    ],
    ids=["not-json", "no-id", "bad-today", "21-types", "unknown-type", "bad-id", "no-item"],
)
async def test_a_body_outside_the_contract_is_a_400(
    client: httpx.AsyncClient, content: bytes, expected: str
) -> None:
    response = await post(client, content)
    assert code(response) == (400, expected)
    assert "1234" not in response.json()["message"]


async def test_only_post_is_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/licences:batchQuery")).status_code == 405


def test_the_reference_needs_credentials() -> None:
    with pytest.raises(ValueError):
        create_reference_app(LocalLicenceLibrary(), app_id="", app_secret=APP_SECRET)
