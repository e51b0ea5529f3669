"""A subscriber on one BFF process hears a case change that arrived at another (Redis
pub/sub), over graphql-transport-ws. Needs PostgreSQL and Redis; skipped otherwise."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from bff.cases.models import Case
from integrations.cases.signing import sign
from tests.auth.test_shared_sessions import instances  # noqa: F401  (the two processes)
from tests.conftest import PG_URL, REDIS_URL, REPO

pytestmark = pytest.mark.skipif(
    not (PG_URL and REDIS_URL), reason="two processes need PostgreSQL and Redis to share"
)

# The documented operation itself (graphql/operations/cases/CaseUpdated.graphql).
SUBSCRIBE = (REPO / "graphql" / "operations" / "cases" / "CaseUpdated.graphql").read_text(
    encoding="utf-8"
)


async def test_a_subscriber_hears_a_change_that_arrived_at_the_other_process(
    instances: Any,  # noqa: F811
    app: Any,
) -> None:
    first, second = instances[0], instances[1]
    async with app.state.haoban.sessionmaker() as session:
        case = await session.scalar(
            select(Case).where(Case.title == "社会保障卡申领", Case.applicant_id == "demo")
        )
    assert case is not None
    pair = await app.state.haoban.auth.tokens.sign_in(
        user_id="demo", client="test", provider="test"
    )
    url = first.base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {pair.access_token}"},
                }
            )
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"caseNumber": case.case_number}},
                }
            )
        )
        await asyncio.sleep(0.5)  # let the subscription reach Redis before the change is pushed

        body = json.dumps(
            {
                "events": [
                    {
                        "event_id": f"live-{uuid.uuid4().hex}",
                        "case_number": case.case_number,
                        "status": "processing",
                        "step": "审批",
                        "occurred_at": datetime.now(UTC).isoformat(),
                        "remark": "科长审批中",
                    }
                ]
            },
            ensure_ascii=False,
        ).encode()
        headers = sign("haoban-dev-case-webhook-secret", body, timestamp=int(time.time()))
        headers["Content-Type"] = "application/json"
        async with httpx.AsyncClient() as client:
            pushed = await client.post(
                second.base_url + "/integrations/cases/events", content=body, headers=headers
            )
        assert pushed.status_code == 200 and pushed.json()["accepted"] == 1

        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next", message
        update = message["payload"]["data"]["caseUpdated"]
        assert update["caseNumber"] == case.case_number
        assert update["status"] == "PROCESSING" and update["step"] == "审批"


async def test_nobody_else_can_subscribe_to_a_case(instances: Any, app: Any) -> None:  # noqa: F811
    from auth.accounts import AccountService, VerifiedClaims
    from auth.models import RealNameLevel

    state = app.state.haoban
    async with state.sessionmaker() as session:
        case = await session.scalar(select(Case).where(Case.applicant_id == "demo"))
        stranger = await AccountService(session, secret=state.settings.secret_key).sign_in_with(
            provider="test",
            subject=uuid.uuid4().hex,
            level=RealNameLevel.ID_VERIFIED,
            claims=VerifiedClaims(),
        )
        await session.commit()
    assert case is not None
    pair = await state.auth.tokens.sign_in(user_id=stranger.id, client="test", provider="test")
    url = instances[0].base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {pair.access_token}"},
                }
            )
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"caseNumber": case.case_number}},
                }
            )
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] in ("error", "next") and '"NOT_FOUND"' in json.dumps(message), message
    assert "caseUpdated" not in json.dumps(message.get("payload", {}).get("data") or {}), message
