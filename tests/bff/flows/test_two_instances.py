"""A face-verified application across two BFF processes on PostgreSQL and Redis: started on
one, the citizen's browser and the provider's return land on the other, finished on the first.
The flow, the face check, the reference provider's tokens and the daily quota are shared state.
Needs HAOBAN_TEST_DATABASE_URL and HAOBAN_TEST_REDIS_URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.auth.test_shared_sessions import instances  # noqa: F401  (the two processes)
from tests.bff.flows.support import (
    CONSENT,
    FACE,
    FLOW,
    START,
    SUBMIT,
    ZHANG,
    citizen,
    item_code,
)
from tests.conftest import PG_URL, REDIS_URL

pytestmark = pytest.mark.skipif(
    not (PG_URL and REDIS_URL), reason="two processes need PostgreSQL and Redis to share"
)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def test_a_flow_started_on_one_instance_is_verified_and_finished_across_both(
    instances: Any,  # noqa: F811
    app: Any,
) -> None:
    first, second = instances[0].base_url, instances[1].base_url
    _, headers = await citizen(app, ZHANG)
    async with httpx.AsyncClient(timeout=20) as http:

        async def gql(base: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = await http.post(
                f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            data: dict[str, Any] = body["data"]
            return data

        flow = (await gql(first, START, {"item": await item_code(app)}))["startFlow"]
        version = flow["consent"]["version"]
        await gql(second, CONSENT, {"flow": flow["id"], "version": version})
        face = (await gql(first, FACE, {"flow": flow["id"]}))["startFaceVerification"]
        assert face["checksLeftToday"] == 4

        # The browser is served by the other instance: the check lives in Redis.
        page = await http.get(second + _path(face["redirectUrl"]))
        assert page.status_code == 200
        done = await http.post(second + _path(face["redirectUrl"]), data={"outcome": "pass"})
        assert done.status_code == 303
        back = await http.get(second + _path(done.headers["location"]))
        assert back.status_code == 200

        confirm = (await gql(first, FLOW, {"id": flow["id"]}))["flow"]
        assert confirm["step"] == "CONFIRM"
        keys = [m["key"] for m in confirm["materials"] if m["action"] == "ACCEPT_COMMITMENT"]
        result = (await gql(first, SUBMIT, {"flow": flow["id"], "commitments": keys}))["submitFlow"]
        assert result["step"] == "COMPLETED" and result["case"]["status"] == "APPROVED"

        # The daily allowance is one count, whichever instance is asked.
        other = (await gql(second, START, {"item": await item_code(app, "住房公积金缴存证明")}))[
            "startFlow"
        ]
        await gql(second, CONSENT, {"flow": other["id"], "version": version})
        again = (await gql(second, FACE, {"flow": other["id"]}))["startFaceVerification"]
        assert again["checksLeftToday"] == 3
