"""Case progress as citizens and the case system see it."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bff.cases.models import Case, CaseEvent
from bff.jobs import deliver_notification
from integrations.cases.signing import sign
from tests.conftest import GraphQLClient

SECRET = "haoban-dev-case-webhook-secret"

MY_CASES = """query($status: [CaseStatus!]) { myCases(first: 50, status: $status) { totalCount nodes {
  caseNumber title status summary queryCode isBundle
  deadline { date provisional remainingWorkingDays overdue } } } }"""


async def _headers(app: Any, user_id: str = "demo") -> dict[str, str]:
    pair = await app.state.haoban.auth.tokens.sign_in(
        user_id=user_id, client="test", provider="test"
    )
    return {"Authorization": f"Bearer {pair.access_token}"}


async def _case(app: Any, title_prefix: str) -> Case:
    async with app.state.haoban.sessionmaker() as session:
        case = await session.scalar(
            select(Case).where(Case.title.startswith(title_prefix), Case.applicant_id == "demo")
        )
    assert case is not None
    return case


async def _post_events(
    client: httpx.AsyncClient,
    events: list[dict[str, Any]],
    *,
    secret: str = SECRET,
    ts: int | None = None,
) -> httpx.Response:
    body = json.dumps({"events": events}, ensure_ascii=False).encode()
    headers = sign(secret, body, timestamp=ts if ts is not None else int(time.time()))
    headers["Content-Type"] = "application/json"
    return await client.post("/integrations/cases/events", content=body, headers=headers)


def _event(number: str, status: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"test-{uuid.uuid4().hex}",
        "case_number": number,
        "status": status,
        "occurred_at": at.isoformat(),
        **extra,
    }


async def test_my_cases_show_working_day_deadlines_and_a_plain_sentence(
    gql: GraphQLClient, app: Any
) -> None:
    cases = (await gql(MY_CASES, headers=await _headers(app)))["data"]["myCases"]
    assert cases["totalCount"] >= 7
    by_title = {c["title"]: c for c in cases["nodes"]}
    reviewing = by_title["不动产转移登记"]
    assert reviewing["status"] == "PROCESSING"
    assert "预计" in reviewing["summary"] and "星期" in reviewing["summary"]
    assert reviewing["deadline"]["remainingWorkingDays"] >= 0
    assert len(reviewing["queryCode"]) == 6
    waiting = next(c for c in cases["nodes"] if c["status"] == "SUPPLEMENT")
    assert waiting["summary"].startswith("请补充")
    bundle = next(c for c in cases["nodes"] if c["isBundle"])
    assert bundle["status"] == "PROCESSING"
    long = by_title["公共租赁住房申请资格审核认定"]
    assert long["deadline"]["date"] >= "2027-01-01" and long["deadline"]["provisional"] is True


async def test_a_case_with_sub_cases_tells_one_story(gql: GraphQLClient, app: Any) -> None:
    bundle = await _case(app, "新生儿出生一件事")
    query = "query($n: String!) { case(caseNumber: $n) { status parts { department status } timeline { status department remark } } }"
    case = (await gql(query, {"n": bundle.case_number}, headers=await _headers(app)))["data"][
        "case"
    ]
    statuses = {p["status"] for p in case["parts"]}
    assert len(case["parts"]) >= 3 and {"APPROVED", "PROCESSING"} <= statuses
    assert case["status"] == "PROCESSING"
    assert any(entry["department"] for entry in case["timeline"])


async def test_anyone_else_sees_no_such_case(gql: GraphQLClient, app: Any) -> None:
    mine = await _case(app, "不动产转移登记")
    state = app.state.haoban
    from auth.accounts import AccountService, VerifiedClaims
    from auth.models import RealNameLevel

    async with state.sessionmaker() as session:
        stranger = await AccountService(session, secret=state.settings.secret_key).sign_in_with(
            provider="test",
            subject=uuid.uuid4().hex,
            level=RealNameLevel.ID_VERIFIED,
            claims=VerifiedClaims(),
        )
        await session.commit()
    headers = await _headers(app, stranger.id)
    query = "query($n: String!) { case(caseNumber: $n) { title } }"
    theirs = await gql(query, {"n": mine.case_number}, headers=headers, expect_errors=True)
    missing = await gql(query, {"n": "ZZ2000010100000000"}, headers=headers, expect_errors=True)
    assert theirs["errors"][0]["message"] == missing["errors"][0]["message"]
    assert (
        theirs["errors"][0]["extensions"]
        == missing["errors"][0]["extensions"]
        == {"code": "NOT_FOUND"}
    )
    listed = (await gql(MY_CASES, headers=headers))["data"]["myCases"]
    assert listed["totalCount"] == 0
    withdraw = "mutation($n: String!) { withdrawCase(caseNumber: $n) { __typename ... on MutationError { code } } }"
    refused = (await gql(withdraw, {"n": mine.case_number}, headers=headers))["data"][
        "withdrawCase"
    ]
    assert refused == {"__typename": "MutationError", "code": "NOT_FOUND"}


async def test_a_relative_with_view_cases_sees_the_grantors_cases(
    gql: GraphQLClient, app: Any
) -> None:
    from auth.demo import DEMO_GRANT_ID

    headers = await _headers(app, "demo-relative")
    own = (await gql(MY_CASES, headers=headers))["data"]["myCases"]["totalCount"]
    await gql(
        "mutation($g: ID) { actFor(grantId: $g) { __typename } }",
        {"g": DEMO_GRANT_ID},
        headers=headers,
    )
    acting = (await gql(MY_CASES, headers=headers))["data"]["myCases"]
    await gql("mutation { actFor(grantId: null) { __typename } }", headers=headers)
    assert own == 0 and acting["totalCount"] >= 7
    assert all(c["queryCode"] is None for c in acting["nodes"]), "the query code is the owner's"


async def test_anonymous_lookup_needs_the_query_code_and_shows_no_personal_data(
    gql: GraphQLClient, app: Any
) -> None:
    case = await _case(app, "不动产转移登记")
    owner = await gql(
        "query($n: String!) { case(caseNumber: $n) { queryCode } }",
        {"n": case.case_number},
        headers=await _headers(app),
    )
    code = owner["data"]["case"]["queryCode"]
    query = "query($n: String!, $c: String!) { lookupCase(caseNumber: $n, queryCode: $c) { title status summary queryCode appliedBy } }"
    found = (await gql(query, {"n": case.case_number, "c": code}))["data"]["lookupCase"]
    assert (
        found["title"] == "不动产转移登记"
        and found["queryCode"] is None
        and found["appliedBy"] is None
    )
    wrong = await gql(
        query,
        {"n": case.case_number, "c": "000000" if code != "000000" else "111111"},
        expect_errors=True,
    )
    assert wrong["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_webhook_refuses_bad_signatures_and_stale_timestamps(
    client: httpx.AsyncClient, app: Any
) -> None:
    case = await _case(app, "社会保障卡申领")
    events = [_event(case.case_number, "accepted", datetime.now(UTC))]
    assert (await _post_events(client, events, secret="not-the-secret")).status_code == 401
    stale = await _post_events(client, events, ts=int(time.time()) - 3600)
    assert stale.status_code == 401 and stale.json()["code"] == "STALE_TIMESTAMP"
    unsigned = await client.post("/integrations/cases/events", json={"events": events})
    assert unsigned.status_code == 401
    bad = await _post_events(client, [{"event_id": "x"}])
    assert bad.status_code == 400
    async with app.state.haoban.sessionmaker() as session:
        fresh = await session.get(Case, case.id)
    assert fresh is not None and fresh.status == "submitted", "nothing was applied"


async def test_webhook_is_idempotent_tolerates_disorder_and_ignores_unknown_cases(
    client: httpx.AsyncClient, app: Any, gql: GraphQLClient
) -> None:
    case = await _case(app, "个体工商户设立登记")
    t0 = datetime.now(UTC) - timedelta(minutes=20)
    accepted = _event(case.case_number, "accepted", t0, remark="材料齐全，予以受理")
    reviewing = _event(case.case_number, "processing", t0 + timedelta(minutes=10), step="审核")
    first = await _post_events(client, [reviewing])
    assert first.json() == {"accepted": 1, "duplicates": 0, "stale": 0, "unknown_case": 0}
    late = await _post_events(client, [accepted])  # older, arrives later
    assert late.json()["stale"] == 1
    again = await _post_events(client, [reviewing, accepted])
    assert again.json() == {"accepted": 0, "duplicates": 2, "stale": 0, "unknown_case": 0}
    unknown = await _post_events(client, [_event("ZZ1999010100000000", "accepted", t0)])
    assert unknown.json()["unknown_case"] == 1

    async with app.state.haoban.sessionmaker() as session:
        fresh = await session.get(Case, case.id)
        events = await session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
        )
    assert fresh is not None and fresh.status == "processing" and fresh.step == "审核"
    assert fresh.accepted_on is not None and fresh.deadline is not None
    assert events == 3  # submitted + the two, each once
    timeline = (
        await gql(
            "query($n: String!) { case(caseNumber: $n) { timeline { status superseded } } }",
            {"n": case.case_number},
            headers=await _headers(app),
        )
    )["data"]["case"]["timeline"]
    assert {"status": "ACCEPTED", "superseded": True} in timeline


async def test_a_status_change_notifies_the_owner_and_the_worker_delivers_it(
    client: httpx.AsyncClient, app: Any, gql: GraphQLClient
) -> None:
    case = await _case(app, "社会保障卡申领")
    await _post_events(client, [_event(case.case_number, "accepted", datetime.now(UTC))])
    notes = (
        await gql(
            "{ myNotifications(first: 50) { id caseNumber body status } }",
            headers=await _headers(app),
        )
    )["data"]["myNotifications"]
    note = next(n for n in notes if n["caseNumber"] == case.case_number)
    assert note["status"] == "QUEUED".lower() and "已受理" in note["body"]
    status = await deliver_notification({"state": app.state.haoban, "job_try": 1}, note["id"])
    assert status == "delivered"
    assert (
        await deliver_notification({"state": app.state.haoban, "job_try": 1}, note["id"])
        == "delivered"
    )
    notes = (
        await gql("{ myNotifications(first: 50) { id status } }", headers=await _headers(app))
    )["data"]["myNotifications"]
    assert next(n for n in notes if n["id"] == note["id"])["status"] == "delivered"


async def test_the_owner_can_withdraw_before_conclusion_but_not_after(
    gql: GraphQLClient, app: Any
) -> None:
    headers = await _headers(app)
    withdraw = "mutation($n: String!) { withdrawCase(caseNumber: $n) { __typename ... on Case { status } ... on MutationError { code } } }"
    done = await _case(app, "住房公积金提取")
    refused = (await gql(withdraw, {"n": done.case_number}, headers=headers))["data"][
        "withdrawCase"
    ]
    assert refused["__typename"] == "MutationError"
    open_case = await _case(app, "机动车驾驶证换证")
    ok = (await gql(withdraw, {"n": open_case.case_number}, headers=headers))["data"][
        "withdrawCase"
    ]
    assert ok == {"__typename": "Case", "status": "WITHDRAWN"}


@pytest.mark.parametrize("locale", ["en"])
async def test_the_plain_sentence_follows_the_locale(
    gql: GraphQLClient, app: Any, locale: str
) -> None:
    headers = {**await _headers(app), "Accept-Language": locale}
    cases = (await gql(MY_CASES, headers=headers))["data"]["myCases"]["nodes"]
    reviewing = next(c for c in cases if c["title"] == "不动产转移登记")
    assert "should be done by" in reviewing["summary"]


async def test_events_in_beijing_time_apply_in_the_right_order(
    client: httpx.AsyncClient, app: Any, gql: GraphQLClient
) -> None:
    from datetime import timezone

    beijing = timezone(timedelta(hours=8))
    case = await _case(app, "公共租赁住房申请资格审核认定")
    at = datetime.now(beijing).replace(microsecond=0)
    result = await _post_events(client, [_event(case.case_number, "processing", at, step="承办")])
    assert result.json()["accepted"] == 1
    detail = (
        await gql(
            "query($n: String!) { case(caseNumber: $n) { status timeline { at status } } }",
            {"n": case.case_number},
            headers=await _headers(app),
        )
    )["data"]["case"]
    assert detail["status"] == "PROCESSING"
    latest = datetime.fromisoformat(detail["timeline"][-1]["at"])
    assert latest == at, "the same instant, whatever the offset it was sent with"


async def test_a_batch_of_department_events_reads_the_same_however_long(
    app: Any, count_statements: Any
) -> None:
    from bff.cases.ingest import calendar_for
    from bff.cases.models import SubCase
    from bff.cases.service import CaseService
    from bff.catalogue.models import Bundle, Department
    from bff.catalogue.repository import CatalogueRepository
    from integrations.cases.models import CaseEventIn

    state = app.state.haoban
    calendar = await calendar_for(state)

    async def cost(events_per_department: int) -> tuple[int, str]:
        async with state.sessionmaker() as session:
            bundle = await session.scalar(select(Bundle).where(Bundle.code == "bundle-newborn"))
            assert bundle is not None
            members = (await CatalogueRepository(session).items_by_bundle_ids([bundle.id]))[
                bundle.id
            ]
            service = CaseService(session, calendar=calendar, secret=state.settings.secret_key)
            case, _ = await service.open_case(
                applicant_id="demo", bundle=bundle, bundle_items=members, channel="app"
            )
            codes = list(
                await session.scalars(
                    select(Department.code)
                    .join(SubCase, SubCase.department_id == Department.id)
                    .where(SubCase.case_id == case.id)
                )
            )
            start = datetime.now(UTC)
            events = [
                CaseEventIn(
                    event_id=f"batch-{uuid.uuid4().hex}",
                    case_number=case.case_number,
                    department_code=code,
                    status="processing",
                    step=str(n),
                    occurred_at=start + timedelta(seconds=n),
                )
                for n in range(events_per_department)
                for code in codes
            ]
            await session.flush()
            before = count_statements.count
            report = await service.apply(events)
            # Reads: every row an event writes is its own INSERT, but nothing is looked up
            # per event.
            used = sum(1 for q in count_statements.statements[before:] if q.startswith("SELECT"))
            await session.rollback()
        assert report.accepted == len(events)
        return used, case.status

    few, _ = await cost(1)
    many, _ = await cost(6)
    assert few == many
