"""GraphiQL works with no network: the page references only files this package serves.

The fast tests build the app in-process. The `browser` tests start the real server with uvicorn
and load the page in Debian's headless Chromium, with every host name but the server's made
unresolvable and no proxy, so a single CDN reference would leave the page blank:

- `--dump-dom`: GraphiQL rendered, and the query editor's validation marks (which need the
  schema fetched by introspection) are there;
- DevTools protocol: the documentation explorer lists our types (`ServiceItem`), the explorer
  plugin lists our fields, a query runs, and the browser requested nothing from another origin.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from strawberry.http.ides import get_graphql_ide_html
from websockets.sync.client import ClientConnection, connect

import bff
from bff.app import create_app
from bff.schema.graphiql import GRAPHIQL_ASSETS, GRAPHIQL_ASSETS_DIR, GRAPHIQL_ASSETS_PATH
from bff.settings import Environment, Settings

REPO_ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
SERVER_START_TIMEOUT = 60.0
BROWSER_TIMEOUT = 90.0

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is absent (Debian: apt-get install -y chromium)",
)


# ---------------------------------------------------------------------------------------------
# The page and its assets, in-process
# ---------------------------------------------------------------------------------------------


class _AssetRefs(HTMLParser):
    """`<script src>` and `<link href>` of a page, with their `integrity` attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str | None]] = []  # (tag, url, integrity)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        url = attributes.get("src") if tag == "script" else attributes.get("href")
        if tag in ("script", "link") and url:
            self.refs.append((tag, url, attributes.get("integrity")))


def asset_refs(page: str) -> list[tuple[str, str, str | None]]:
    parser = _AssetRefs()
    parser.feed(page)
    return parser.refs


def sri_sha384(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode("ascii")


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    db = tmp_path_factory.mktemp("graphiql") / "t.sqlite3"
    settings = Settings(
        env=Environment.DEV, database_url=f"sqlite+aiosqlite:///{db}", redis_url=None
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        yield http


@pytest.fixture(scope="module")
async def page(client: httpx.AsyncClient) -> str:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_graphql_get_with_accept_html_returns_graphiql(page: str) -> None:
    assert 'class="graphiql-container"' in page
    assert "GraphiQLPluginExplorer.explorerPlugin()" in page
    assert "isHeadersEditorEnabled: true" in page
    # Subscriptions: graphql-transport-ws at the page's own URL (strawberry's behaviour).
    assert "subscriptionUrl" in page and "httpUrlToWebSockeUrl(fetchURL)" in page


def test_page_has_no_external_reference(page: str) -> None:
    # Not even in a comment or the favicon: nothing on the page names another host.
    assert not re.search(r"https?://", page), re.findall(r".{40}https?://.{40}", page)
    refs = asset_refs(page)
    scripts_and_styles = [url for tag, url, _ in refs if not url.startswith("data:")]
    assert len(scripts_and_styles) == len(GRAPHIQL_ASSETS) == 7
    for url in scripts_and_styles:
        assert url.startswith(GRAPHIQL_ASSETS_PATH + "/"), url
        assert urllib.parse.urlsplit(url).netloc == "", url


async def test_every_referenced_asset_is_served_and_matches_its_integrity(
    client: httpx.AsyncClient, page: str
) -> None:
    expected_type = {"script": "text/javascript", "link": "text/css"}
    refs = [(tag, url, integrity) for tag, url, integrity in asset_refs(page) if integrity]
    assert len(refs) == len(GRAPHIQL_ASSETS)
    for tag, url, integrity in refs:
        response = await client.get(url)
        assert response.status_code == 200, url
        media_type = response.headers["content-type"].split(";")[0].strip()
        assert media_type == expected_type[tag], (url, response.headers["content-type"])
        # The browser refuses a file whose hash differs from the page's `integrity`.
        assert sri_sha384(response.content) == integrity, url
        assert "max-age" in response.headers.get("cache-control", ""), url
        assert response.headers.get("x-content-type-options") == "nosniff", url


def test_assets_are_the_files_strawberrys_own_page_loads_from_the_cdn() -> None:
    """Same package versions and same bytes as strawberry's page: the SRI hashes must agree.

    If this fails after upgrading strawberry, re-vendor the files it now references
    (see bff/static/graphiql/README.md).
    """
    stock = asset_refs(get_graphql_ide_html("graphiql"))
    stock_assets = {(url, integrity) for _, url, integrity in stock if url.startswith("https://")}
    ours = {(asset.unpkg_url, asset.integrity) for asset in GRAPHIQL_ASSETS}
    assert ours == stock_assets


def test_asset_files_ship_inside_the_package_with_their_licences() -> None:
    package_dir = Path(bff.__file__).resolve().parent
    assert package_dir / "static" / "graphiql" == GRAPHIQL_ASSETS_DIR
    for asset in GRAPHIQL_ASSETS:
        content = (GRAPHIQL_ASSETS_DIR / asset.file).read_bytes()
        assert sri_sha384(content) == asset.integrity, asset.file
    licences = {
        "react": "react.LICENSE",
        "react-dom": "react-dom.LICENSE",
        "js-cookie": "js-cookie.LICENSE",
        "graphiql": "graphiql.LICENSE",
        "@graphiql/plugin-explorer": "graphiql-plugin-explorer.LICENSE",
    }
    assert {asset.package for asset in GRAPHIQL_ASSETS} == set(licences)
    for licence in [*licences.values(), "graphiql-explorer.LICENSE"]:
        assert "MIT" in (GRAPHIQL_ASSETS_DIR / licence).read_text(encoding="utf-8"), licence
    readme = (GRAPHIQL_ASSETS_DIR / "README.md").read_text(encoding="utf-8")
    for asset in GRAPHIQL_ASSETS:
        assert f"{asset.package}@{asset.version}" in readme
        assert asset.integrity in readme


async def test_unknown_asset_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{GRAPHIQL_ASSETS_PATH}/nope.js")).status_code == 404


# ---------------------------------------------------------------------------------------------
# The real server and headless Chromium
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop a process started with start_new_session=True, and everything it started."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=grace)
    else:  # the leader is gone; its group may not be
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Server:
    base_url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian: apt-get install -y chromium)")
    from bff.migrate import upgrade

    tmp = tmp_path_factory.mktemp("graphiql-server")
    database_url = f"sqlite+aiosqlite:///{tmp / 't.sqlite3'}"
    upgrade(database_url)
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "bff.main:app", "--host", "127.0.0.1"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAOBAN_")}
    env.update(HAOBAN_ENV="dev", HAOBAN_DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Server(base_url=f"http://127.0.0.1:{port}", log=log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        with httpx.Client(trust_env=False, timeout=2.0) as http:
            while True:
                if process.poll() is not None:
                    pytest.fail(f"uvicorn exited with {process.returncode}:\n{running.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if http.get(f"{running.base_url}/healthz").status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"uvicorn not ready in {SERVER_START_TIMEOUT}s:\n{running.log_tail()}"
                    )
                time.sleep(0.2)
        yield running
    finally:
        _stop(process)


def _chromium_command(profile: Path) -> list[str]:
    return [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        # Offline for real, even on a machine with internet: no proxy, no other host resolves.
        "--no-proxy-server",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ]


@contextlib.contextmanager
def _chromium(args: list[str], stdout: int | None) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        _stop(process, grace=5.0)


# A query with one field of our schema and one that no schema has. The editor validates it only
# once introspection has returned our schema: then the unknown field, and only it, is marked.
PROBE_QUERY = "{ presentation { __typename } haobanNoSuchField }"


@pytest.mark.browser
@needs_chromium
def test_graphiql_renders_in_headless_chromium_with_no_network(
    server: Server, tmp_path: Path
) -> None:
    url = f"{server.base_url}/graphql?q={urllib.parse.quote(PROBE_QUERY)}"
    args = [
        *_chromium_command(tmp_path / "profile"),
        "--virtual-time-budget=15000",
        "--dump-dom",
        url,
    ]
    with _chromium(args, stdout=subprocess.PIPE) as browser:
        try:
            out, _ = browser.communicate(timeout=BROWSER_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"chromium --dump-dom took more than {BROWSER_TIMEOUT}s")
    dom = out.decode("utf-8", errors="replace")
    context = f"\n--- DOM (start) ---\n{dom[:3000]}\n--- server log ---\n{server.log_tail()}"

    # React, GraphiQL and the explorer plugin all loaded and rendered.
    assert 'class="graphiql-container"' in dom, context
    assert "Loading..." not in dom, context
    for label in (
        "Show Documentation Explorer",
        "Show GraphiQL Explorer",  # the explorer plugin
        "Re-fetch GraphQL schema",
        "Execute query (Ctrl-Enter)",
    ):
        assert f'aria-label="{label}"' in dom, label + context
    assert 'class="graphiql-query-editor"' in dom, context

    # The schema came from our server by introspection: the editor validated the query with it.
    marked = re.findall(r'<span class="[^"]*CodeMirror-lint-mark-error[^"]*">([^<]*)</span>', dom)
    assert "haobanNoSuchField" in marked, context
    assert "presentation" not in marked, context
    assert re.search(r'class="cm-property">presentation</span>', dom), context


_DEVTOOLS_PROBE = """
(async () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const waitFor = async (what, check) => {
    for (let i = 0; i < 200; i++) {
      const value = check();
      if (value) return value;
      await sleep(100);
    }
    throw new Error("timed out waiting for " + what);
  };
  const one = (selector) => document.querySelector(selector);
  const button = (label) => waitFor(label, () => one(`button[aria-label="${label}"]`));

  (await button("Show Documentation Explorer")).click();
  const docs = await waitFor("the documentation explorer", () =>
    one(".graphiql-doc-explorer"));
  const typeLink = (name) => [...docs.querySelectorAll("a.graphiql-doc-explorer-type-name")]
    .find((a) => a.textContent === name);
  await waitFor("ServiceItem among the schema types", () => typeLink("ServiceItem"));
  const rootTypes = docs.textContent;
  (await waitFor("the Query type", () => typeLink("Query"))).click();
  await waitFor("the fields of Query", () =>
    docs.querySelector(".graphiql-doc-explorer-field-name"));
  const queryFields = [...docs.querySelectorAll(".graphiql-doc-explorer-field-name")]
    .map((a) => a.textContent);

  (await button("Show GraphiQL Explorer")).click();
  const explorer = await waitFor("the explorer plugin", () => {
    const root = one(".graphiql-explorer-root");
    return root && root.textContent.includes("serviceItems") && root;
  });
  const explorerText = explorer.textContent;

  (await button("Execute query (Ctrl-Enter)")).click();
  const result = await waitFor("the query result", () => {
    const text = one(".graphiql-response")?.textContent || "";
    return text.includes("__typename") && text;
  });
  return { rootTypes, queryFields, explorerText, result };
})()
"""


class DevTools:
    """The smallest Chrome DevTools protocol client: one page, commands in order."""

    def __init__(self, websocket: ClientConnection) -> None:
        self._ws = websocket
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        command_id = next(self._ids)
        self._ws.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message: dict[str, Any] = json.loads(
                self._ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            )
            if message.get("id") == command_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self.events.append(message)


@contextlib.contextmanager
def _devtools_page(profile: Path) -> Iterator[DevTools]:
    args = [*_chromium_command(profile), "--remote-debugging-port=0", "about:blank"]
    with _chromium(args, stdout=subprocess.DEVNULL) as browser:
        active_port = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active_port.exists() and "\n" in active_port.read_text()):
            if browser.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chromium did not open its DevTools port (exit {browser.poll()})")
            time.sleep(0.1)
        port = int(active_port.read_text().splitlines()[0])
        with httpx.Client(trust_env=False, timeout=10) as http:
            targets = http.get(f"http://127.0.0.1:{port}/json/list").json()
        page = next(target for target in targets if target["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10) as websocket:
            yield DevTools(websocket)


@pytest.mark.browser
@needs_chromium
def test_graphiql_docs_explorer_and_queries_work_offline(server: Server, tmp_path: Path) -> None:
    query = "query Probe { __typename }"
    url = f"{server.base_url}/graphql?q={urllib.parse.quote(query)}"
    with _devtools_page(tmp_path / "profile") as devtools:
        devtools.call("Network.enable")
        devtools.call("Runtime.enable")
        devtools.call("Page.navigate", url=url)
        evaluated = devtools.call(
            "Runtime.evaluate",
            timeout=BROWSER_TIMEOUT,
            expression=_DEVTOOLS_PROBE,
            awaitPromise=True,
            returnByValue=True,
        )
    context = f"\n--- server log ---\n{server.log_tail()}"
    assert "exceptionDetails" not in evaluated, json.dumps(evaluated)[:3000] + context
    found: dict[str, Any] = evaluated["result"]["value"]

    assert "ServiceItem" in found["rootTypes"]
    assert {"serviceItem", "serviceItems", "search", "halls"} <= set(found["queryFields"])
    assert "serviceItems" in found["explorerText"] and "presentation" in found["explorerText"]
    assert '"__typename": "Query"' in found["result"], found["result"]

    requested = [
        event["params"]["request"]["url"]
        for event in devtools.events
        if event["method"] == "Network.requestWillBeSent"
    ]
    assert any(GRAPHIQL_ASSETS_PATH in url for url in requested), requested
    elsewhere = [
        url
        for url in requested
        if not url.startswith((server.base_url + "/", "data:", "ws://127.0.0.1"))
    ]
    assert not elsewhere, elsewhere
    exceptions = [e for e in devtools.events if e["method"] == "Runtime.exceptionThrown"]
    assert not exceptions, json.dumps(exceptions)[:3000]
