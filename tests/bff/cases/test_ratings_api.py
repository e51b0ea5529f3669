"""好差评 over GraphQL: rate once, a 差评 opens a rectification the citizen follows and answers,
and the supervision ranking reflects it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bff.cases.models import Case
from bff.cases.reference_driver import advance_demo_rectifications
from tests.conftest import GraphQLClient

RATE = """mutation($n: String!, $g: Int!, $c: String) { rateCase(caseNumber: $n, grade: $g, comment: $c,
  scores: {efficiency: 2, guideAccuracy: 1}) {
  __typename ... on Rating { grade gradeLabel } ... on MutationError { code message } } }"""
CASE = """query($n: String!) { case(caseNumber: $n) { canRate rating { grade }
  rectification { status dueOn dueSpoken canRespond steps { status note } citizenResponse } } }"""
RESPOND = """mutation($n: String!) { respondToRectification(caseNumber: $n, response: BASICALLY_SATISFIED) {
  __typename ... on Rectification { status citizenResponse } ... on MutationError { code } } }"""


async def _headers(app: Any, user_id: str = "demo") -> dict[str, str]:
    pair = await app.state.haoban.auth.tokens.sign_in(
        user_id=user_id, client="test", provider="test"
    )
    return {"Authorization": f"Bearer {pair.access_token}"}


async def test_a_bad_rating_opens_a_rectification_the_citizen_follows_to_the_end(
    gql: GraphQLClient, app: Any
) -> None:
    async with app.state.haoban.sessionmaker() as session:
        case = await session.scalar(
            select(Case).where(Case.title == "住房公积金提取", Case.applicant_id == "demo")
        )
    assert case is not None
    headers = await _headers(app)

    stranger = await _stranger(app)
    refused = (await gql(RATE, {"n": case.case_number, "g": 5}, headers=stranger))["data"][
        "rateCase"
    ]
    assert refused["code"] == "NOT_FOUND"

    before = (await gql(CASE, {"n": case.case_number}, headers=headers))["data"]["case"]
    assert before["canRate"] is True and before["rating"] is None
    rated = (
        await gql(RATE, {"n": case.case_number, "g": 2, "c": "窗口让我跑了两次"}, headers=headers)
    )["data"]["rateCase"]
    assert rated == {"__typename": "Rating", "grade": 2, "gradeLabel": "不满意"}
    again = (await gql(RATE, {"n": case.case_number, "g": 5}, headers=headers))["data"]["rateCase"]
    assert again["code"] == "ALREADY_RATED" and again["message"]

    opened = (await gql(CASE, {"n": case.case_number}, headers=headers))["data"]["case"]
    assert opened["canRate"] is False and opened["rectification"]["status"] == "open"
    assert "星期" in opened["rectification"]["dueSpoken"]
    early = (await gql(RESPOND, {"n": case.case_number}, headers=headers))["data"][
        "respondToRectification"
    ]
    assert early["__typename"] == "MutationError"

    for _ in range(3):  # the department verifies, rectifies and gives feedback
        await advance_demo_rectifications(app.state.haoban)
    fed_back = (await gql(CASE, {"n": case.case_number}, headers=headers))["data"]["case"][
        "rectification"
    ]
    assert fed_back["status"] == "feedback" and fed_back["canRespond"] is True
    assert [s["status"] for s in fed_back["steps"]][-1] == "feedback"

    answered = (await gql(RESPOND, {"n": case.case_number}, headers=headers))["data"][
        "respondToRectification"
    ]
    assert answered == {
        "__typename": "Rectification",
        "status": "confirmed",
        "citizenResponse": "BASICALLY_SATISFIED",
    }

    today = datetime.now(UTC).date()
    ranking = (
        await gql(
            "query($s: Date!, $e: Date!) { supervisionRanking(start: $s, end: $e) { departmentName ratings satisfactionRate rectificationOnTimeRate rank } }",
            {
                "s": (today - timedelta(days=30)).isoformat(),
                "e": (today + timedelta(days=30)).isoformat(),
            },
        )
    )["data"]["supervisionRanking"]
    fund = next(r for r in ranking if r["departmentName"] == "郑州住房公积金管理中心")
    assert (
        fund["ratings"] >= 1
        and fund["satisfactionRate"] is not None
        and fund["satisfactionRate"] < 1
    )
    assert fund["rectificationOnTimeRate"] == 1.0


async def test_an_open_case_cannot_be_rated(gql: GraphQLClient, app: Any) -> None:
    async with app.state.haoban.sessionmaker() as session:
        case = await session.scalar(
            select(Case).where(Case.title == "不动产转移登记", Case.applicant_id == "demo")
        )
    assert case is not None
    refused = (await gql(RATE, {"n": case.case_number, "g": 4}, headers=await _headers(app)))[
        "data"
    ]["rateCase"]
    assert refused["code"] == "NOT_CONCLUDED"


async def _stranger(app: Any) -> dict[str, str]:
    from auth.accounts import AccountService, VerifiedClaims
    from auth.models import RealNameLevel

    state = app.state.haoban
    async with state.sessionmaker() as session:
        user = await AccountService(session, secret=state.settings.secret_key).sign_in_with(
            provider="test",
            subject=uuid.uuid4().hex,
            level=RealNameLevel.ID_VERIFIED,
            claims=VerifiedClaims(),
        )
        await session.commit()
    return await _headers(app, user.id)
