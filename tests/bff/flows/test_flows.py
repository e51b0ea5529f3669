"""Zero-material face-verified applications end to end: the app over GraphQL, the citizen's
browser at the reference face provider, the local licence library, a real case at the end.
Runs on the embedded defaults and, in CI's second run, on PostgreSQL + Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from bff.flows.models import FaceCheck, Flow, FlowUpload, LicenceFetch
from tests.bff.flows.support import (
    ABANDON,
    FLOW,
    START,
    SUBMIT,
    SUN,
    WANG,
    ZHANG,
    ZHAO,
    authorise,
    citizen,
    complete,
    do_face_check,
    item_code,
    jpeg,
    started,
    upload,
)
from tests.bff.test_images import png_1bit
from tests.conftest import GraphQLClient


def _commitments(flow: dict[str, Any]) -> list[str]:
    return [m["key"] for m in flow["materials"] if m["action"] == "ACCEPT_COMMITMENT"]


async def test_housing_fund_withdrawal_by_face_with_no_upload_ends_in_a_concluded_case(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    user_id, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    flow_id = face["flow"]["id"]
    assert face["provider"] == "tencent" and face["sdkToken"] and face["checksLeftToday"] == 4

    page = await client.get(face["redirectUrl"].split("8000", 1)[-1])
    assert "张*" in page.text and "张桂兰" not in page.text
    assert "410105195203151228" not in page.text
    back = await do_face_check(client, face)
    assert back.status_code == 200 and "返回" in back.text

    flow = (await gql(FLOW, {"id": flow_id}, headers=headers))["data"]["flow"]
    assert flow["step"] == "CONFIRM"
    assert flow["faceCheck"]["status"] == "passed" and flow["faceCheck"]["similarity"] > 70
    id_card = next(m for m in flow["materials"] if m["provision"] == "LICENCE")
    assert id_card["licence"]["numberMasked"] == "4101**********1228"
    assert all(m["action"] != "UPLOAD_PHOTO" for m in flow["materials"])
    form = {f["key"]: f for f in flow["form"]}
    assert form["applicant_name"] == {
        **form["applicant_name"],
        "value": "张桂兰",
        "source": "licence:身份证",
        "editable": False,
    }
    assert form["applicant_idcard"]["value"] == "4101**********1228"

    # The commitments must be accepted: the case is not opened without them.
    refused = (await gql(SUBMIT, {"flow": flow_id, "commitments": []}, headers=headers))["data"][
        "submitFlow"
    ]
    assert refused["code"] == "COMMITMENT_MISSING" and "承诺" in refused["message"]
    assert refused["hotline"] == "12345"

    done = (
        await gql(SUBMIT, {"flow": flow_id, "commitments": _commitments(flow)}, headers=headers)
    )["data"]["submitFlow"]
    assert done["step"] == "COMPLETED" and done["completedInstantly"] is True
    assert "银行账户" in done["outcome"]
    assert done["case"]["status"] == "APPROVED"
    mine = (await gql("{ myCases(first: 10) { nodes { caseNumber status } } }", headers=headers))[
        "data"
    ]["myCases"]["nodes"]
    assert {"caseNumber": done["case"]["caseNumber"], "status": "APPROVED"} in mine

    # The citizen sees every read of their licences, and is now recently face-verified.
    uses = (
        await gql(
            "{ myLicenceUses { licenceType outcome forApplication byRelative } }", headers=headers
        )
    )["data"]["myLicenceUses"]
    assert {
        "licenceType": "身份证",
        "outcome": "found",
        "forApplication": "住房公积金提取",
        "byRelative": False,
    } in uses
    me = (await gql("{ me { realNameLevel } }", headers=headers))["data"]["me"]
    assert me["realNameLevel"] == "FACE_VERIFIED"
    async with app.state.haoban.sessionmaker() as session:
        check = await session.scalar(select(FaceCheck).where(FaceCheck.flow_id == flow_id))
        assert check is not None and check.status == "passed"
        assert user_id and len(check.subject_hash) == 64  # a keyed hash, never the number


async def test_a_tampered_callback_claiming_success_changes_nothing(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    token = face["sdkToken"]
    for query in (
        {"token": token, "result": "pass"},
        {"token": token, "timestamp": str(int(datetime.now(UTC).timestamp())), "newSign": "0" * 64},
    ):
        forged = await client.get("/integrations/face/tencent/callback", params=query)
        assert forged.status_code == 400
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    assert flow["step"] == "FACE_PENDING"
    # The check was not finished at the provider: asking for the result says so.
    result = await complete(gql, headers, face["flow"]["id"])
    assert result["code"] == "FACE_PENDING"


async def test_a_result_is_accepted_once_only_for_its_own_flow_and_citizen(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    first = await started(gql, headers, item=await item_code(app))
    await do_face_check(client, first)
    ref = first["sdkToken"]
    # Reported again for the same flow: nothing changes, nothing is fetched twice.
    again = await complete(gql, headers, first["flow"]["id"], ref)
    assert again["step"] == "CONFIRM"

    # The same citizen's second flow cannot borrow it…
    second = await started(gql, headers, item=await item_code(app, "住房公积金缴存证明"))
    borrowed = await complete(gql, headers, second["flow"]["id"], ref)
    assert borrowed["code"] == "FACE_RESULT_NOT_YOURS"
    # …nor can another citizen.
    _, other = await citizen(app, ZHANG)
    theirs = await started(gql, other, item=await item_code(app))
    stolen = await complete(gql, other, theirs["flow"]["id"], ref)
    assert stolen["code"] == "FACE_RESULT_NOT_YOURS"
    flow = (await gql(FLOW, {"id": theirs["flow"]["id"]}, headers=other))["data"]["flow"]
    assert flow["step"] == "FACE_PENDING"


async def test_a_pass_for_a_different_id_number_is_refused(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    reference = app.state.haoban.extras["face_reference"]
    await reference.complete(face["sdkToken"], outcome="pass", id_number=WANG[1])
    result = await complete(gql, headers, face["flow"]["id"])
    assert result["code"] == "FACE_SUBJECT_MISMATCH" and result["hotline"] == "12345"
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    assert flow["step"] == "FACE" and flow["faceCheck"]["status"] == "failed"
    async with app.state.haoban.sessionmaker() as session:
        fetched = await session.scalar(
            select(LicenceFetch).where(LicenceFetch.flow_id == face["flow"]["id"])
        )
    assert fetched is None  # no licence is read without the applicant's own pass


async def test_failed_liveness_asks_to_try_again_in_good_light(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    back = await do_face_check(client, face, outcome="liveness")
    assert "光线" in back.text
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    assert flow["step"] == "FACE"
    assert flow["faceCheck"]["errorCode"] == "1002" and "光线" in flow["faceCheck"]["message"]


async def test_an_expired_verification_needs_a_new_one(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    flow_id = face["flow"]["id"]
    async with app.state.haoban.sessionmaker() as session:
        await session.execute(
            update(FaceCheck)
            .where(FaceCheck.flow_id == flow_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    expired = await complete(gql, headers, flow_id)
    assert expired["code"] == "FACE_EXPIRED"
    assert (await gql(FLOW, {"id": flow_id}, headers=headers))["data"]["flow"]["step"] == "FACE"

    # A pass too old to submit with: verify again first.
    face = (
        await gql(
            """mutation($flow: ID!) { startFaceVerification(flowId: $flow) {
             ... on FaceVerificationStarted { redirectUrl sdkToken flow { id } } } }""",
            {"flow": flow_id},
            headers=headers,
        )
    )["data"]["startFaceVerification"]
    await do_face_check(client, face)
    async with app.state.haoban.sessionmaker() as session:
        await session.execute(
            update(Flow)
            .where(Flow.id == flow_id)
            .values(face_passed_at=datetime.now(UTC) - timedelta(minutes=31))
        )
        await session.commit()
    stale = (await gql(SUBMIT, {"flow": flow_id, "commitments": []}, headers=headers))["data"][
        "submitFlow"
    ]
    assert stale["code"] == "FACE_EXPIRED" and "30" in stale["message"]
    assert (await gql(FLOW, {"id": flow_id}, headers=headers))["data"]["flow"]["step"] == "FACE"


async def test_an_expired_licence_falls_back_to_an_upload_for_that_material_and_says_why(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHAO)
    face = await started(gql, headers, item=await item_code(app))
    await do_face_check(client, face)
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    id_card = next(m for m in flow["materials"] if m["name"].endswith("身份证"))
    assert id_card["provision"] == "UPLOAD" and id_card["action"] == "UPLOAD_PHOTO"
    assert id_card["fallbackReason"] == "LICENCE_EXPIRED"
    assert "过期" in id_card["fallbackMessage"] and "上传" in id_card["fallbackMessage"]
    # The other materials stay electronic.
    assert any(m["provision"] == "DATA_SHARING" for m in flow["materials"])
    refused = (
        await gql(SUBMIT, {"flow": flow["id"], "commitments": _commitments(flow)}, headers=headers)
    )["data"]["submitFlow"]
    assert refused["code"] == "UPLOAD_MISSING"

    uploaded = await upload(
        client,
        headers,
        _upload_query(),
        {"flow": flow["id"], "key": id_card["key"]},
        "file",
        jpeg(),
    )
    assert uploaded["data"]["uploadFlowMaterial"]["instruction"]
    done = (
        await gql(SUBMIT, {"flow": flow["id"], "commitments": _commitments(flow)}, headers=headers)
    )["data"]["submitFlow"]
    # A photo of a paper needs a person: submitted, not decided at once.
    assert done["step"] == "SUBMITTED" and done["case"]["status"] == "SUBMITTED"


async def test_a_citizen_with_no_electronic_licences_is_told_each_one_is_missing(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, SUN)
    face = await started(gql, headers, item=await item_code(app))
    await do_face_check(client, face)
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    missing = [m for m in flow["materials"] if m["fallbackReason"]]
    assert [m["fallbackReason"] for m in missing] == ["LICENCE_NOT_FOUND"]
    assert "未找到" in missing[0]["fallbackMessage"]
    uses = (await gql("{ myLicenceUses { licenceType outcome } }", headers=headers))["data"][
        "myLicenceUses"
    ]
    assert uses == [{"licenceType": "身份证", "outcome": "not_found"}]


async def test_newborn_bundle_starts_with_every_licence_prefilled(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, WANG, phone="13700001111")
    face = await started(gql, headers, bundle="bundle-newborn")
    await do_face_check(client, face)
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    licences = [m for m in flow["materials"] if m["licence"] or m["fallbackReason"]]
    assert {m["licence"]["type"] for m in licences if m["licence"]} == {
        "身份证",
        "户口簿",
        "结婚证",
        "出生医学证明",
    }
    assert all(m["fallbackReason"] is None for m in licences)
    form = {f["key"]: f for f in flow["form"]}
    for key in (
        "applicant_name",
        "child_birth_date",
        "birth_cert_no",
        "mother_idcard",
        "household_head",
    ):
        assert form[key]["value"] and form[key]["source"].startswith("licence:"), form[key]
    assert form["child_name"]["value"] == "陈小满"
    assert form["mother_idcard"]["value"] == "4101**********0268"
    uploads = [m for m in flow["materials"] if m["action"] == "UPLOAD_PHOTO"]
    assert any("照片" in m["name"] for m in uploads)


async def test_a_flow_resumes_can_be_abandoned_and_expires(gql: GraphQLClient, app: Any) -> None:
    _, headers = await citizen(app, ZHANG)
    code = await item_code(app, "住房公积金缴存证明")
    first = (await gql(START, {"item": code}, headers=headers))["data"]["startFlow"]
    again = (await gql(START, {"item": code}, headers=headers))["data"]["startFlow"]
    assert again["id"] == first["id"]  # after an app restart: the same flow
    mine = (await gql("{ myFlows { id step } }", headers=headers))["data"]["myFlows"]
    assert {"id": first["id"], "step": "CONSENT"} in mine
    gone = (await gql(ABANDON, {"flow": first["id"]}, headers=headers))["data"]["abandonFlow"]
    assert gone["step"] == "ABANDONED"
    fresh = (await gql(START, {"item": code}, headers=headers))["data"]["startFlow"]
    assert fresh["id"] != first["id"]
    async with app.state.haoban.sessionmaker() as session:
        await session.execute(
            update(Flow).where(Flow.id == fresh["id"]).values(expires_at=datetime.now(UTC))
        )
        await session.commit()
    late = (await gql(FLOW, {"id": fresh["id"]}, headers=headers))["data"]["flow"]
    assert late["step"] == "EXPIRED" and "重新" in late["instruction"]


async def test_an_item_that_needs_papers_cannot_be_done_by_face(
    gql: GraphQLClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    refused = (await gql(START, {"item": await item_code(app, "社会保障卡申领")}, headers=headers))[
        "data"
    ]["startFlow"]
    assert refused["code"] == "FLOW_NOT_ELIGIBLE" and refused["hotline"] == "12345"


async def test_face_checks_are_limited_per_citizen_per_day(gql: GraphQLClient, app: Any) -> None:
    _, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    restart = """mutation($flow: ID!) { startFaceVerification(flowId: $flow) {
        __typename ... on FaceVerificationStarted { checksLeftToday }
        ... on MutationError { code message } } }"""
    left = [face["checksLeftToday"]]
    for _ in range(4):
        again = (await gql(restart, {"flow": face["flow"]["id"]}, headers=headers))["data"]
        left.append(again["startFaceVerification"]["checksLeftToday"])
    assert left == [4, 3, 2, 1, 0]
    refused = (await gql(restart, {"flow": face["flow"]["id"]}, headers=headers))["data"][
        "startFaceVerification"
    ]
    assert refused["code"] == "FACE_QUOTA_EXCEEDED" and "明天" in refused["message"]


def _upload_query() -> str:
    from tests.bff.flows.support import UPLOAD

    return UPLOAD


async def test_uploads_are_cleaned_and_bad_images_refused_with_a_reason(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    import io

    from PIL import Image

    _, headers = await citizen(app, ZHAO)
    face = await started(gql, headers, item=await item_code(app))
    await do_face_check(client, face)
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    key = next(m["key"] for m in flow["materials"] if m["action"] == "UPLOAD_PHOTO")
    variables = {"flow": flow["id"], "key": key}

    async def send(data: bytes, name: str = "id.jpg", kind: str = "image/jpeg") -> dict[str, Any]:
        body = await upload(client, headers, _upload_query(), variables, "file", data, name, kind)
        result: dict[str, Any] = body["data"]["uploadFlowMaterial"]
        return result

    html = b"<!doctype html><html><script>alert(1)</script></html>"
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
    assert (await send(html))["code"] == "IMAGE_TYPE_NOT_ALLOWED"
    assert (await send(svg))["code"] == "IMAGE_TYPE_NOT_ALLOWED"
    bomb = png_1bit(30_000, 30_000)  # a tiny file declaring 900 million pixels
    assert (await send(bomb, "bomb.png", "image/png"))["code"] == "IMAGE_TOO_MANY_PIXELS"
    huge = b"\xff\xd8\xff" + b"0" * (app.state.haoban.settings.upload_max_bytes + 10)
    too_big = await send(huge)
    assert too_big["code"] == "IMAGE_TOO_LARGE" and "MB" in too_big["message"]

    # A phone photo taken sideways (EXIF orientation 6) with a GPS position.
    sideways = Image.new("RGB", (800, 400), (255, 255, 255))
    sideways.paste((255, 0, 0), (0, 0, 100, 100))  # red in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (34.0, 45.0, 0.0)}
    raw = io.BytesIO()
    sideways.save(raw, "JPEG", exif=exif)
    accepted = await send(raw.getvalue())
    assert accepted["__typename"] == "Flow"
    async with app.state.haoban.sessionmaker() as session:
        stored = await session.scalar(select(FlowUpload).where(FlowUpload.flow_id == flow["id"]))
    assert stored is not None and (stored.width, stored.height) == (400, 800)
    image = Image.open(io.BytesIO(stored.data))
    assert image.size == (400, 800) and not image.getexif()
    assert image.getpixel((399, 0))[0] > 200  # the red corner is now top-right, as seen
    # Abandoning deletes the upload.
    await gql(ABANDON, {"flow": flow["id"]}, headers=headers)
    async with app.state.haoban.sessionmaker() as session:
        assert (
            await session.scalar(select(FlowUpload).where(FlowUpload.flow_id == flow["id"])) is None
        )


async def test_uploads_need_a_signed_in_request(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        data={"operations": '{"query": "{ __typename }"}', "map": "{}"},
        files={"x": ("a.jpg", b"x", "image/jpeg")},
    )
    assert response.status_code == 401


async def test_a_relative_finishes_the_flow_for_an_elder_who_asked_with_her_own_face(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:

    from bff.notifications.models import Notification

    elder_id, elder = await citizen(app, ZHANG)
    son_id, son = await citizen(app, ("李明", "410105198006061235"), phone="13987654321")
    grant_id = await authorise(app, grantor_id=elder_id, grantee_id=son_id, relation="child")
    code = await item_code(app, "老年人优待证核发")

    # The elder starts, sees who may help, and asks her son to finish.
    flow = (await gql(START, {"item": code}, headers=elder))["data"]["startFlow"]
    assert flow["relatives"] == [{"grantId": grant_id, "relation": "child", "name": "李*"}]
    ask = """mutation($flow: ID!, $grant: ID!) { askRelativeToFinish(flowId: $flow, grantId: $grant) {
        __typename ... on MutationError { code } } }"""
    asked = (await gql(ask, {"flow": flow["id"], "grant": grant_id}, headers=elder))["data"]
    assert asked["askRelativeToFinish"]["__typename"] == "Flow"
    async with app.state.haoban.sessionmaker() as session:
        note = await session.scalar(
            select(Notification).where(
                Notification.user_id == son_id, Notification.kind == "flow_help"
            )
        )
    assert note is not None and "张*" in note.body and note.data["flowId"] == flow["id"]

    # The son acts for her: the same flow resumes; the face check is hers (her ID number).
    act = """mutation($id: ID) { actFor(grantId: $id) { __typename } }"""
    await gql(act, {"id": grant_id}, headers=son)
    face = await started(gql, son, item=code)
    assert face["flow"]["id"] == flow["id"] and face["flow"]["byRelative"] is False
    await do_face_check(client, face)
    confirm = (await gql(FLOW, {"id": flow["id"]}, headers=son))["data"]["flow"]
    assert confirm["step"] == "CONFIRM"
    # A relative sees the application masked and cannot ask others.
    assert {f["key"]: f["value"] for f in confirm["form"]}["applicant_name"] == "张**"
    assert confirm["relatives"] == []
    done = (
        await gql(SUBMIT, {"flow": flow["id"], "commitments": _commitments(confirm)}, headers=son)
    )["data"]["submitFlow"]
    assert done["step"] == "SUBMITTED"
    uses = (await gql("{ myLicenceUses { licenceType byRelative } }", headers=elder))["data"][
        "myLicenceUses"
    ]
    assert {"licenceType": "身份证", "byRelative": True} in uses
    activity = (await gql("{ me { activity { action byMe } } }", headers=elder))["data"]["me"][
        "activity"
    ]
    assert {"action": "flow.submitted", "byMe": False} in activity


async def test_elder_mode_gives_one_short_instruction_per_step(
    gql: GraphQLClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    elder = {**headers, "X-Haoban-Mode": "elder"}
    flow = (
        await gql(START, {"item": await item_code(app, "住房公积金异地转移接续")}, headers=elder)
    )["data"]["startFlow"]
    assert flow["instruction"] == "请阅读人脸识别授权说明，同意后继续。"
    wrong = (
        await gql(
            """mutation($flow: ID!) { giveFaceConsent(flowId: $flow, consentVersion: "1999-01") {
             ... on MutationError { code message hotline } } }""",
            {"flow": flow["id"]},
            headers=elder,
        )
    )["data"]["giveFaceConsent"]
    assert wrong == {**wrong, "code": "CONSENT_OUTDATED", "hotline": "12345"}


async def test_photo_mode_relays_a_cleaned_face_photo_and_stores_none(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    from tests.bff.flows.support import PHOTO

    _, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    variables = {"flow": face["flow"]["id"]}
    disguised = await upload(
        client, headers, PHOTO, variables, "photo", b"<html><body>hi</body></html>", "me.jpg"
    )
    assert disguised["data"]["submitFacePhoto"]["code"] == "IMAGE_TYPE_NOT_ALLOWED"
    body = await upload(client, headers, PHOTO, variables, "photo", jpeg(480, 640))
    flow = body["data"]["submitFacePhoto"]
    assert flow["step"] == "CONFIRM" and flow["faceCheck"]["status"] == "passed"
    async with app.state.haoban.sessionmaker() as session:
        stored = await session.scalar(
            select(FlowUpload).where(FlowUpload.flow_id == face["flow"]["id"])
        )
    assert stored is None  # a face is passed on, never kept


async def test_the_worker_expires_overdue_flows_and_deletes_their_uploads(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    from bff.jobs import expire_flows

    _, headers = await citizen(app, ZHAO)
    face = await started(gql, headers, item=await item_code(app))
    await do_face_check(client, face)
    flow = (await gql(FLOW, {"id": face["flow"]["id"]}, headers=headers))["data"]["flow"]
    key = next(m["key"] for m in flow["materials"] if m["action"] == "UPLOAD_PHOTO")
    await upload(client, headers, _upload_query(), {"flow": flow["id"], "key": key}, "file", jpeg())
    async with app.state.haoban.sessionmaker() as session:
        await session.execute(
            update(Flow)
            .where(Flow.id == flow["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await session.commit()
    assert await expire_flows({"state": app.state.haoban}) >= 1
    async with app.state.haoban.sessionmaker() as session:
        row = await session.get(Flow, flow["id"])
        assert row is not None and row.status == "expired" and row.form_enc is None
        assert (
            await session.scalar(select(FlowUpload).where(FlowUpload.flow_id == flow["id"])) is None
        )


async def test_two_reports_of_one_result_at_once_accept_it_once(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    import asyncio

    _, headers = await citizen(app, ZHANG)
    face = await started(gql, headers, item=await item_code(app))
    reference = app.state.haoban.extras["face_reference"]
    await reference.complete(face["sdkToken"], outcome="pass")
    flow_id = face["flow"]["id"]
    answers = await asyncio.gather(
        complete(gql, headers, flow_id, face["sdkToken"]),
        complete(gql, headers, flow_id, face["sdkToken"]),
    )
    assert any(a.get("step") == "CONFIRM" for a in answers), answers
    async with app.state.haoban.sessionmaker() as session:
        reads = list(
            await session.scalars(select(LicenceFetch).where(LicenceFetch.flow_id == flow_id))
        )
    assert [r.licence_type for r in reads] == ["身份证"]  # one batch, not two


async def test_a_signed_return_for_a_check_we_never_started_is_refused(
    client: httpx.AsyncClient, app: Any
) -> None:
    from integrations.face.models import FaceSubject

    state = app.state.haoban
    stray = await state.face.start(
        flow_id="not-a-flow",
        subject=FaceSubject(name=ZHANG[0], id_number=ZHANG[1]),
        return_url="",
    )
    query = state.extras["face_reference"].callback_query(stray.provider_ref)
    response = await client.get("/integrations/face/tencent/callback", params=query)
    assert response.status_code == 400 and "链接无效" in response.text
    assert (await client.get("/integrations/face/alipay/callback", params=query)).status_code == 404


async def test_elder_mode_offers_the_hotline_on_request_errors_too(
    gql: GraphQLClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    body = await gql(
        '{ flow(id: "00000000-0000-4000-8000-000000000000") { id } }',
        headers={**headers, "X-Haoban-Mode": "elder"},
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["hotline"] == "12345"
