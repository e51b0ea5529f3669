"""Operating the service: health, readiness, metrics, request ids, logs, production guards."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from bff.app import create_app
from bff.settings import Settings
from tests.conftest import GraphQLClient

ID_NUMBER = "410105199001011234"


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readiness_fails_when_the_database_is_unreachable() -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc12345-client"})
    assert given.headers["X-Request-ID"] == "abc12345-client"
    made = await client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) == 32


async def test_metrics_count_graphql_operations_by_name(
    client: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    await gql("query MetricsProbe { departments { code } }")
    text = (await client.get("/metrics")).text
    assert 'haoban_graphql_operations_total{operation="MetricsProbe"' in text
    assert "haoban_graphql_operation_seconds_bucket" in text
    assert 'haoban_http_requests_total{method="POST",route="/graphql",status="2xx"}' in text


async def test_logs_are_json_with_the_request_id_and_no_personal_data(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    from bff.logging import JsonFormatter

    caplog.set_level(logging.INFO)
    query = f'{{ serviceItem(code: "{ID_NUMBER}") {{ name }} }}'
    response = await client.get(
        "/graphql", params={"query": query}, headers={"X-Request-ID": "req-logs-0001"}
    )
    assert response.status_code == 200
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert lines and all(json.loads(line) for line in lines)
    assert any(json.loads(line).get("request_id") == "req-logs-0001" for line in lines)
    assert not any(ID_NUMBER in line for line in lines)


async def test_responses_vary_on_presentation_and_locale(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ presentation { mode } }"})
    vary = response.headers["Vary"]
    assert "X-Haoban-Mode" in vary and "Accept-Language" in vary


def test_production_refuses_the_development_key_and_a_missing_redis() -> None:
    with pytest.raises(ValueError, match="secret key"):
        Settings(env="prod", redis_url="redis://127.0.0.1:6379/0")
    with pytest.raises(ValueError, match="REDIS_URL"):
        Settings(env="prod", secret_key="x" * 40)


async def test_production_turns_off_graphiql_introspection_and_suggestions(
    settings: Settings,
) -> None:
    prod = settings.model_copy(
        update={
            "env": "prod",
            "secret_key": "p" * 40,
            "redis_url": settings.redis_url or "redis://x",
        }
    )
    if not settings.redis_url:
        prod = prod.model_copy(update={"redis_url": None})  # in-process store for this test only
    app = create_app(prod)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            page = await client.get("/graphql", headers={"Accept": "text/html"})
            assert page.status_code != 200 or "graphiql" not in page.text.lower()
            intro = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
            assert "errors" in intro.json()
            typo = await client.post(
                "/graphql", json={"query": '{ serviceItemz(code: "x") { name } }'}
            )
            message = json.dumps(typo.json(), ensure_ascii=False)
            assert "Did you mean" not in message and "serviceItem'" not in message
