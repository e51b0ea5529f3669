"""Driving a face-verified application over GraphQL and the reference face provider's pages,
as the app and the citizen's browser would."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from PIL import Image
from sqlalchemy import select

from bff.catalogue.models import ServiceItem
from tests.conftest import GraphQLClient

FUND = "住房公积金提取"
ZHANG = ("张桂兰", "410105195203151228")  # holds 身份证, 户口簿, 社保卡, 不动产权证书, 结婚证
WANG = ("王芳", "410103199508120268")  # a young mother: her baby's 出生医学证明 is in the library
ZHAO = ("赵强", "410102199304110571")  # his electronic 身份证 has expired
SUN = ("孙丽", "41018219880227148X")  # no electronic licences at all

FLOW_BODY = """
    id step title instruction hotline completedInstantly outcome byRelative expiresAt
    consent { version title text givenAt }
    faceCheck { status errorCode message similarity }
    materials { key name required provision action fallbackReason fallbackMessage uploaded
                licence { type numberMasked issuer validUntil } }
    form { key label type value source editable required }
    relatives { grantId relation name }
    case { caseNumber status title }
"""
FLOW_FIELDS = f"""
  __typename
  ... on Flow {{ {FLOW_BODY} }}
  ... on MutationError {{ code message hotline nextStep }}
"""
START = f"""mutation($item: String, $bundle: String) {{
  startFlow(itemCode: $item, bundleCode: $bundle) {{ {FLOW_FIELDS} }} }}"""
CONSENT = f"""mutation($flow: ID!, $version: String!) {{
  giveFaceConsent(flowId: $flow, consentVersion: $version) {{ {FLOW_FIELDS} }} }}"""
FACE = f"""mutation($flow: ID!) {{ startFaceVerification(flowId: $flow) {{
  __typename
  ... on FaceVerificationStarted {{ provider redirectUrl sdkToken expiresAt checksLeftToday
                                    flow {{ {FLOW_BODY} }} }}
  ... on MutationError {{ code message hotline }} }} }}"""
COMPLETE = f"""mutation($flow: ID!, $ref: String) {{
  completeFaceVerification(flowId: $flow, providerRef: $ref) {{ {FLOW_FIELDS} }} }}"""
SUBMIT = f"""mutation($flow: ID!, $commitments: [String!]!, $answers: [FlowAnswerInput!]) {{
  submitFlow(flowId: $flow, commitments: $commitments, answers: $answers) {{ {FLOW_FIELDS} }} }}"""
FLOW = f"""query($id: ID!) {{ flow(id: $id) {{ {FLOW_BODY} }} }}"""
UPLOAD = f"""mutation($flow: ID!, $key: String!, $file: Upload!) {{
  uploadFlowMaterial(flowId: $flow, materialKey: $key, file: $file) {{ {FLOW_FIELDS} }} }}"""
PHOTO = f"""mutation($flow: ID!, $photo: Upload!) {{
  submitFacePhoto(flowId: $flow, photo: $photo) {{ {FLOW_FIELDS} }} }}"""
ABANDON = f"""mutation($flow: ID!) {{ abandonFlow(flowId: $flow) {{ {FLOW_FIELDS} }} }}"""


async def citizen(
    app: Any, person: tuple[str, str] = ZHANG, phone: str = "13812345678"
) -> tuple[str, dict[str, str]]:
    """A fresh ID-verified account for a person of the licence library (fresh, so the daily
    face-check quota and the one-active-flow rule start from zero)."""
    from auth.accounts import AccountService, VerifiedClaims
    from auth.models import RealNameLevel

    state = app.state.haoban
    async with state.sessionmaker() as session:
        user = await AccountService(session, secret=state.settings.secret_key).sign_in_with(
            provider="test",
            subject=uuid.uuid4().hex,
            level=RealNameLevel.ID_VERIFIED,
            claims=VerifiedClaims(name=person[0], id_number=person[1], phone=phone),
        )
        await session.commit()
    pair = await state.auth.tokens.sign_in(user_id=user.id, client="test", provider="test")
    return user.id, {"Authorization": f"Bearer {pair.access_token}"}


async def item_code(app: Any, name: str = FUND) -> str:
    async with app.state.haoban.sessionmaker() as session:
        code = await session.scalar(select(ServiceItem.task_code).where(ServiceItem.name == name))
    assert code is not None
    return code


async def started(
    gql: GraphQLClient,
    headers: dict[str, str],
    *,
    item: str | None = None,
    bundle: str | None = None,
) -> dict[str, Any]:
    """A flow with consent given and a face check started; returns startFaceVerification."""
    flow = (await gql(START, {"item": item, "bundle": bundle}, headers=headers))["data"][
        "startFlow"
    ]
    assert flow["__typename"] == "Flow", flow
    assert flow["step"] == "CONSENT"
    version = flow["consent"]["version"]
    consented = (await gql(CONSENT, {"flow": flow["id"], "version": version}, headers=headers))[
        "data"
    ]["giveFaceConsent"]
    assert consented["step"] == "FACE", consented
    face = (await gql(FACE, {"flow": flow["id"]}, headers=headers))["data"]["startFaceVerification"]
    assert face["__typename"] == "FaceVerificationStarted", face
    assert face["flow"]["step"] == "FACE_PENDING"
    return face


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def do_face_check(
    client: httpx.AsyncClient, face: dict[str, Any], outcome: str = "pass"
) -> httpx.Response:
    """The citizen's browser: the provider's page, the check, back to our callback."""
    page = await client.get(_path(face["redirectUrl"]))
    assert page.status_code == 200
    done = await client.post(_path(face["redirectUrl"]), data={"outcome": outcome})
    assert done.status_code == 303, done.text
    return await client.get(_path(done.headers["location"]))


async def complete(
    gql: GraphQLClient, headers: dict[str, str], flow_id: str, ref: str | None = None
) -> dict[str, Any]:
    body = await gql(COMPLETE, {"flow": flow_id, "ref": ref}, headers=headers)
    result: dict[str, Any] = body["data"]["completeFaceVerification"]
    return result


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    query: str,
    variables: dict[str, Any],
    field: str,
    data: bytes,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
) -> dict[str, Any]:
    """GraphQL multipart request (the graphql-multipart-request-spec)."""
    operations = json.dumps({"query": query, "variables": {**variables, field: None}})
    response = await client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": [f"variables.{field}"]})},
        files={"0": (filename, data, content_type)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def jpeg(
    width: int = 800, height: int = 600, colour: tuple[int, int, int] = (200, 180, 160)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


async def authorise(app: Any, *, grantor_id: str, grantee_id: str, relation: str = "child") -> str:
    """An active 亲友代办 authorisation with START_FLOWS, as accepting an invitation leaves it."""
    from datetime import UTC, datetime, timedelta

    from auth.models import ProxyGrant, ProxyScope, ProxyStatus

    grant_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    async with app.state.haoban.sessionmaker() as session:
        session.add(
            ProxyGrant(
                id=grant_id,
                grantor_id=grantor_id,
                grantee_id=grantee_id,
                relation=relation,
                scopes=[ProxyScope.START_FLOWS.value],
                status=ProxyStatus.ACTIVE,
                created_at=now,
                accepted_at=now,
                expires_at=now + timedelta(days=30),
            )
        )
        await session.commit()
    return grant_id
