"""GraphQL over HTTP: the reference audit (npm graphql-http) against the real server, and direct
checks of our request-error policy (status, media type, `data` key, codes, Chinese messages).

The audit needs Node and `cd tests/node && npm ci` (done by `make test`); without them it is
skipped. See domain/graphql.md §3.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette warns at import when its TestClient runs on `httpx` rather than `httpx2`; the
    # locked test dependencies have httpx only (and filterwarnings=error turns it into an error).
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from bff.app import create_app
from bff.migrate import upgrade
from bff.settings import Environment, Settings

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / "tests" / "node"
AUDIT_SCRIPT = NODE_DIR / "audit.mjs"
AUDIT_COUNT = 61  # graphql-http 1.23.1 (pinned in tests/node/package.json)
AUDIT_TIMEOUT_SECONDS = 120
STARTUP_TIMEOUT_SECONDS = 30

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _migrate(path: Path) -> str:
    """A fresh SQLite database at the latest migration; the schema needs no data here."""
    url = f"sqlite+aiosqlite:///{path}"
    # Alembic's env runs its own event loop: keep it off the test thread's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(upgrade, url).result()
    return url


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- the audit against a real uvicorn process -------------------------------------------------


def _node_missing_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not on PATH: the GraphQL-over-HTTP audit needs Node >= 18"
    if not (NODE_DIR / "node_modules" / "graphql-http").is_dir():
        return (
            "tests/node/node_modules is missing: run `cd tests/node && npm ci` "
            "(or `make node-deps`) for the GraphQL-over-HTTP audit"
        )
    return None


NODE_MISSING = _node_missing_reason()


def _wait_until_healthy(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"the server exited with {proc.returncode} before answering /healthz:\n"
                + log.read_text(errors="replace")[-4000:]
            )
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(
        f"the server did not answer /healthz within {STARTUP_TIMEOUT_SECONDS}s:\n"
        + log.read_text(errors="replace")[-4000:]
    )


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """`uvicorn bff.main:app` on a free port and a fresh database; killed afterwards."""
    database_url = _migrate(tmp_path / "a.sqlite3")
    port = _free_port()
    env = {**os.environ, "HAOBAN_DATABASE_URL": database_url, "HAOBAN_ENV": "dev"}
    env.pop("HAOBAN_REDIS_URL", None)  # the in-process store is enough for one process
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bff.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(proc, base_url, log)
            yield f"{base_url}/graphql"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.mark.node
@pytest.mark.skipif(NODE_MISSING is not None, reason=NODE_MISSING or "")
def test_graphql_over_http_audit(server_url: str) -> None:
    node = shutil.which("node")
    assert node is not None
    try:
        completed = subprocess.run(
            [node, str(AUDIT_SCRIPT), server_url],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=AUDIT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the audit did not finish within {AUDIT_TIMEOUT_SECONDS}s")
    assert completed.returncode == 0, f"audit.mjs failed:\n{completed.stderr}"
    results: list[dict[str, Any]] = json.loads(completed.stdout)

    assert len(results) == AUDIT_COUNT, (
        f"expected {AUDIT_COUNT} audits, got {len(results)}: did the graphql-http pin change?"
    )
    failing = [r for r in results if r["status"] != "ok"]
    assert not failing, f"{len(failing)} of {len(results)} audits are not ok:\n" + "\n".join(
        f"- {r['id']} [{r['status']}] {r['name']}: {r['reason']}" for r in failing
    )


# -- direct checks, in process -----------------------------------------------------------------


@pytest.fixture(scope="module")
def http_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    database_url = _migrate(tmp_path_factory.mktemp("graphql_over_http") / "a.sqlite3")
    return Settings(database_url=database_url, env=Environment.DEV)


@pytest.fixture(scope="module")
def http(http_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(http_settings)) as client:
        yield client


def _post(
    http: TestClient, query: str, *, accept: str = GRAPHQL_RESPONSE_JSON, **extra: Any
) -> Any:
    return http.post("/graphql", json={"query": query, **extra}, headers={"Accept": accept})


def _request_error(response: Any, code: str, *, status: int = 400) -> dict[str, Any]:
    """The body of a request error: the status, one error with `code`, and no `data` key."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    assert body["errors"][0]["extensions"]["code"] == code, body
    return body


def _assert_chinese(body: dict[str, Any]) -> None:
    message = body["errors"][0]["message"]
    # Translated by the Babel catalogues under accessibility/locale (zh_Hans is the default).
    assert CJK.search(message), f"message is not Chinese: {message!r}"


def test_parse_error_with_graphql_response_json_is_400_without_data(http: TestClient) -> None:
    response = _post(http, "{", accept=GRAPHQL_RESPONSE_JSON)
    body = _request_error(response, "GRAPHQL_PARSE_FAILED", status=400)
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    _assert_chinese(body)


def test_parse_error_with_json_is_200_without_data(http: TestClient) -> None:
    response = _post(http, "{", accept="application/json")
    body = _request_error(response, "GRAPHQL_PARSE_FAILED", status=200)
    assert response.headers["content-type"].startswith("application/json")
    _assert_chinese(body)


def test_validation_error(http: TestClient) -> None:
    response = _post(http, "{ noSuchField }")
    body = _request_error(response, "GRAPHQL_VALIDATION_FAILED")
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    _assert_chinese(body)


@pytest.mark.parametrize(
    ("accept", "status"), [(GRAPHQL_RESPONSE_JSON, 400), ("application/json", 200)]
)
def test_variable_coercion_failure(http: TestClient, accept: str, status: int) -> None:
    query = "query Item($code: String!) { serviceItem(code: $code) { code } }"
    response = _post(http, query, accept=accept, variables={"code": None})
    body = _request_error(response, "BAD_USER_INPUT", status=status)
    _assert_chinese(body)


def test_unused_variable_is_a_validation_error(http: TestClient) -> None:
    response = _post(http, "query Q($n: Int) { __typename }", variables={"n": 1})
    _request_error(response, "GRAPHQL_VALIDATION_FAILED")


def test_mutation_over_get_is_405(http: TestClient) -> None:
    response = http.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"Accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 405, response.text
    assert "POST" in response.headers.get("allow", "")


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {}])
def test_post_without_json_content_type_is_415(http: TestClient, headers: dict[str, str]) -> None:
    response = http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415, response.text


def test_accept_negotiation(http: TestClient) -> None:
    cases = {
        "application/graphql-response+json, application/json;q=0.9": GRAPHQL_RESPONSE_JSON,
        "application/json;q=0.9, application/graphql-response+json": GRAPHQL_RESPONSE_JSON,
        "application/json, application/graphql-response+json": "application/json",
        "application/graphql-response+json;q=0, */*": "application/json",
        "*/*": "application/json",
        "": "application/json",
    }
    for accept, media_type in cases.items():
        response = _post(http, "{ __typename }", accept=accept)
        assert response.status_code == 200, (accept, response.text)
        assert response.headers["content-type"].startswith(media_type), accept


def test_query_over_get_is_an_api_call_and_html_get_renders_graphiql(http: TestClient) -> None:
    api = http.get("/graphql", params={"query": "{ __typename }"}, headers={"Accept": "*/*"})
    assert api.status_code == 200, api.text
    assert api.json() == {"data": {"__typename": "Query"}}
    ide = http.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200
    assert ide.headers["content-type"].startswith("text/html")


def test_too_deep(http: TestClient, http_settings: Settings) -> None:
    levels = http_settings.max_query_depth + 2
    query = "code"
    for level in range(levels):
        query = f"{'items' if level % 2 == 0 else 'bundles'} {{ {query} }}"
    response = _post(http, f"{{ bundles {{ {query} }} }}")
    body = _request_error(response, "QUERY_TOO_DEEP")
    _assert_chinese(body)


def test_too_many_aliases(http: TestClient, http_settings: Settings) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(http_settings.max_aliases + 1))
    body = _request_error(_post(http, f"{{ {aliases} }}"), "TOO_MANY_ALIASES")
    _assert_chinese(body)


def test_too_many_tokens(http: TestClient, http_settings: Settings) -> None:
    query = "{ " + "a " * (http_settings.max_tokens + 10) + "}"
    assert len(query.encode()) < http_settings.max_query_bytes  # the token limit, not the size one
    body = _request_error(_post(http, query), "TOO_MANY_TOKENS")
    _assert_chinese(body)


def test_too_large(http: TestClient, http_settings: Settings) -> None:
    query = "# " + "x" * http_settings.max_query_bytes + "\n{ __typename }"
    body = _request_error(_post(http, query), "QUERY_TOO_LARGE")
    _assert_chinese(body)
