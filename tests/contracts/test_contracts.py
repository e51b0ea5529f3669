"""The exported contracts (schema, OpenAPI, documented operations) match the running code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from bff.cli import export_schema
from tests.conftest import REPO, GraphQLClient

OPERATIONS = sorted((REPO / "graphql" / "operations").rglob("*.graphql"))


def test_import_graphql_is_graphql_core() -> None:
    import graphql

    assert Path(graphql.__file__).parent.name == "graphql"
    assert "site-packages" in graphql.__file__ or ".venv" in graphql.__file__
    assert hasattr(graphql, "graphql_sync") and hasattr(graphql, "GraphQLSchema")
    assert not (REPO / "graphql" / "__init__.py").exists()


def test_exported_schema_and_openapi_are_current() -> None:
    sdl, openapi = export_schema()
    assert (REPO / "graphql" / "schema.graphql").read_text(encoding="utf-8") == sdl, (
        "graphql/schema.graphql is stale: run `haoban schema export`"
    )
    assert (REPO / "openapi" / "openapi.json").read_text(encoding="utf-8") == openapi, (
        "openapi/openapi.json is stale: run `haoban schema export`"
    )


async def test_served_openapi_equals_the_exported_file(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    assert served == json.loads((REPO / "openapi" / "openapi.json").read_text(encoding="utf-8"))


def test_operations_are_documented() -> None:
    assert len(OPERATIONS) >= 8
    assert any("elder" in p.parts for p in OPERATIONS)


@pytest.mark.parametrize("path", OPERATIONS, ids=[p.stem for p in OPERATIONS])
async def test_documented_operation_runs_against_the_demo_data(
    gql: GraphQLClient, path: Path, app: Any
) -> None:
    document = path.read_text(encoding="utf-8")  # noqa: ASYNC240 (a small local file)
    if "\nsubscription " in "\n" + document or document.startswith("# Runs in sequence"):
        # Subscriptions need a WebSocket, and steps of a sequence need the steps before them:
        # each one is run by a test that names its file.
        runners = [p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("test_*.py")]
        assert any(path.name in text for text in runners), f"no test runs {path.name}"
        return
    assert (
        document.count("query ") + document.count("mutation ") + document.count("subscription ")
        == 1
    )
    variables_file = path.with_suffix(".variables.json")
    variables = (
        json.loads(variables_file.read_text(encoding="utf-8")) if variables_file.exists() else {}
    )
    # As the contract says: with the token of `haoban token --user demo`.
    demo = await app.state.haoban.auth.tokens.sign_in(
        user_id="demo", client="test", provider="test"
    )
    headers = {"Authorization": f"Bearer {demo.access_token}"}
    if "elder" in path.parts:
        headers["X-Haoban-Mode"] = "elder"
    body = await gql(document, variables, headers=headers)
    assert body["data"] and all(value is not None for value in body["data"].values())
    for value in body["data"].values():
        if isinstance(value, dict) and "__typename" in value:
            assert value["__typename"] != "MutationError", value
