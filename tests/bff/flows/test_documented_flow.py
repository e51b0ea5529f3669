"""The documented flow operations (graphql/operations/flows/*.graphql), run in the order a
client runs them: the steps of a sequence need the steps before them."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.bff.flows.support import ZHANG, ZHAO, authorise, citizen, do_face_check, jpeg, upload
from tests.conftest import REPO, GraphQLClient

OPERATIONS = REPO / "graphql" / "operations" / "flows"
# The steps that need earlier steps; the contract test checks each is run here.
SEQUENCE = [
    "CompleteFaceVerification.graphql",
    "SubmitFlow.graphql",
    "UploadFlowMaterial.graphql",
    "AskRelativeToFinish.graphql",
    "AbandonFlow.graphql",
]


def test_every_step_of_a_sequence_is_run_below() -> None:
    marked = {
        p.name
        for p in OPERATIONS.glob("*.graphql")
        if p.read_text(encoding="utf-8").startswith("# Runs in sequence")
    }
    assert marked == set(SEQUENCE)


def op(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (OPERATIONS / f"{name}.variables.json").read_text(encoding="utf-8")
    )
    return loaded


async def _through_face(
    gql: GraphQLClient, client: httpx.AsyncClient, headers: dict[str, str]
) -> str:
    flow = (await gql(op("StartFlow"), example("StartFlow"), headers=headers))["data"]["startFlow"]
    flow_id = flow["id"]
    version = flow["consent"]["version"]
    consent = {"flowId": flow_id, "consentVersion": version}
    assert (await gql(op("GiveFaceConsent"), consent, headers=headers))["data"]["giveFaceConsent"][
        "step"
    ] == "FACE"
    face = (await gql(op("StartFaceVerification"), {"flowId": flow_id}, headers=headers))["data"][
        "startFaceVerification"
    ]
    await do_face_check(client, face)
    done = (
        await gql(
            op("CompleteFaceVerification"),
            {"flowId": flow_id, "providerRef": face["sdkToken"]},
            headers=headers,
        )
    )["data"]["completeFaceVerification"]
    assert done["step"] == "CONFIRM", done
    return flow_id


async def test_the_documented_housing_fund_sequence_ends_in_a_payout(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await citizen(app, ZHANG)
    flow_id = await _through_face(gql, client, headers)
    flow = (await gql(op("FlowDetail"), {"id": flow_id}, headers=headers))["data"]["flow"]
    commitments = [m["key"] for m in flow["materials"] if m["action"] == "ACCEPT_COMMITMENT"]
    done = (
        await gql(
            op("SubmitFlow"),
            {"flowId": flow_id, "commitments": commitments, "answers": []},
            headers=headers,
        )
    )["data"]["submitFlow"]
    assert done["step"] == "COMPLETED" and done["case"]["status"] == "APPROVED"
    uses = (await gql(op("MyLicenceUses"), headers=headers))["data"]["myLicenceUses"]
    assert uses[0]["licenceType"] == "身份证" and uses[0]["numberMasked"].startswith("4101")


async def test_the_documented_upload_help_and_abandon_steps(
    gql: GraphQLClient, client: httpx.AsyncClient, app: Any
) -> None:

    user_id, headers = await citizen(app, ZHAO)
    helper_id, _ = await citizen(app, ZHANG)
    grant_id = await authorise(app, grantor_id=user_id, grantee_id=helper_id, relation="spouse")
    flow_id = await _through_face(gql, client, headers)
    flow = (await gql(op("FlowDetail"), {"id": flow_id}, headers=headers))["data"]["flow"]
    key = next(m["key"] for m in flow["materials"] if m["action"] == "UPLOAD_PHOTO")
    sent = await upload(
        client,
        headers,
        op("UploadFlowMaterial"),
        {"flowId": flow_id, "materialKey": key},
        "file",
        jpeg(),
    )
    material = next(m for m in sent["data"]["uploadFlowMaterial"]["materials"] if m["key"] == key)
    assert material["uploaded"] is True and material["action"] == "NONE"
    asked = (
        await gql(
            op("AskRelativeToFinish"), {"flowId": flow_id, "grantId": grant_id}, headers=headers
        )
    )["data"]["askRelativeToFinish"]
    assert asked["__typename"] == "Flow"
    mine = (await gql(op("MyFlows"), headers=headers))["data"]["myFlows"]
    assert [f["id"] for f in mine] == [flow_id]
    gone = (await gql(op("AbandonFlow"), {"flowId": flow_id}, headers=headers))["data"][
        "abandonFlow"
    ]
    assert gone["step"] == "ABANDONED"
