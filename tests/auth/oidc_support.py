"""Helpers for the sign-in tests: a browser that follows redirects by hand with one cookie jar
per site, the real OpenID provider (npm oidc-provider) as a subprocess, and a fake provider in
Python that hands out deliberately broken id_tokens."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / "tests" / "node"
PROVIDER_SCRIPT = NODE_DIR / "oidc" / "provider.mjs"
APP_HOST = "testserver"  # httpx.ASGITransport: our app in-process
APP_BASE = f"http://{APP_HOST}"
STARTUP_TIMEOUT_SECONDS = 20.0
TOKEN_KEYS = {"access_token", "refresh_token", "expires_in", "token_type"}

ME = "{ me { id realNameLevel name } }"

# Made-up citizens known to the local provider (fictitious ID numbers).
CITIZENS: dict[str, dict[str, Any]] = {
    "alice": {
        "name": "王小明",
        "phone_number": "13800001111",
        "id_number": "410105199001011234",
        "id_verified": True,
    },
    "bob": {
        "name": "赵大力",
        "phone_number": "13900002222",
        "id_number": "410105198502024321",
        "id_verified": True,
    },
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def node_missing_reason() -> str | None:
    node = shutil.which("node")
    if node is None:
        return "node is not on PATH: the OpenID provider tests need Node >= 20"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    major = re.match(r"v(\d+)\.", version.stdout)
    if major is None or int(major.group(1)) < 20:
        return (
            f"the OpenID provider tests need Node >= 20 (oidc-provider 9), not {version.stdout!r}"
        )
    if not (NODE_DIR / "node_modules" / "oidc-provider").is_dir():
        return (
            "tests/node/node_modules/oidc-provider is missing: run `cd tests/node && npm ci` "
            "(or `make node-deps`) for the OpenID provider tests"
        )
    return None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unverified_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, read without checking the signature (to look, never to trust)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    """`url` with some query parameters replaced."""
    parts = urlsplit(url)
    params = query_of(url)
    params.update(changes)
    return parts._replace(query=urlencode(params)).geturl()


def wait_for(url: str, process: subprocess.Popen[bytes] | None, log: Path | None) -> None:
    """Polls `url` until it answers 200; fails early if the process died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = log.read_text(errors="replace") if log else ""
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    output = log.read_text(errors="replace") if log else ""
    raise RuntimeError(f"{url} did not answer within {STARTUP_TIMEOUT_SECONDS} s:\n{output}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# -- the real provider ------------------------------------------------------------------------


@dataclass
class NodeProvider:
    """npm oidc-provider on loopback, with one confidential client for our BFF."""

    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @classmethod
    def start(cls, log: Path, *, redirect_uris: list[str]) -> NodeProvider:
        port = free_port()
        client_id, client_secret = "haoban-bff", secrets.token_urlsafe(24)
        config = {
            "port": port,
            "clients": [
                {
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uris": redirect_uris,
                }
            ],
            "accounts": CITIZENS,
        }
        out: IO[bytes] = log.open("wb")
        process = subprocess.Popen(
            ["node", str(PROVIDER_SCRIPT), json.dumps(config)],
            cwd=NODE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        out.close()
        provider = cls(f"http://127.0.0.1:{port}", client_id, client_secret, process, log)
        try:
            wait_for(provider.metadata_url, process, log)
        except BaseException:
            stop(process)
            raise
        return provider


# -- a fake provider whose id_tokens are broken on purpose ---------------------------------------

ID_TOKEN_FLAWS = (
    "wrong_audience",
    "wrong_audience_naming_us_as_azp",  # OIDC Core 3.1.3.7: aud must contain our client_id
    "wrong_nonce",
    "expired",
    "unsigned",  # alg "none"
    "unpublished_key",  # signed with a key (and kid) that is not in its JWKS
    "forged_signature",  # the published kid, but signed with another key
    "wrong_issuer",
)


@dataclass
class FakeProvider:
    """An OpenID provider in Python that signs its id_tokens with a key it publishes, except
    that `flaw` (set by a test) breaks the next id_token in one chosen way."""

    client_id: str = "haoban-bff"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    issuer: str = ""
    flaw: str | None = None
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
    )
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
                Route("/jwks", self._jwks),
                Route("/userinfo", self._userinfo),
            ]
        )

    async def _discovery(self, _: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "authorization_response_iss_parameter_supported": True,
            }
        )

    async def _authorize(self, request: Request) -> Response:
        params = request.query_params
        if (
            params.get("client_id") != self.client_id
            or params.get("code_challenge_method") != "S256"
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": params.get("nonce", ""),
            "redirect_uri": params["redirect_uri"],
            "code_challenge": params["code_challenge"],
        }
        query = urlencode({"code": code, "state": params["state"], "iss": self.issuer})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

    async def _token(self, request: Request) -> Response:
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await request.form()
        grant = self.codes.pop(str(form.get("code", "")), None)
        if grant is None or s256(str(form.get("code_verifier", ""))) != grant["code_challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant["nonce"]),
            },
            headers={"Cache-Control": "no-store"},
        )

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "fake-citizen",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        header: dict[str, Any] = {"alg": "RS256", "kid": "fake-1"}
        key = self.key
        match self.flaw:
            case None:
                pass
            case "wrong_audience":
                claims["aud"] = "someone-else"
            case "wrong_audience_naming_us_as_azp":
                claims["aud"], claims["azp"] = "someone-else", self.client_id
            case "wrong_nonce":
                claims["nonce"] = secrets.token_urlsafe(16)
            case "expired":
                claims["iat"], claims["exp"] = now - 7200, now - 3600
            case "wrong_issuer":
                claims["iss"] = "http://127.0.0.1:1/evil"
            case "unsigned":
                head = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
                return f"{head}.{b64url(json.dumps(claims).encode())}."
            case "unpublished_key":
                header["kid"], key = "not-published", self.other_key
            case "forged_signature":
                key = self.other_key
            case _:
                raise AssertionError(f"unknown flaw {self.flaw}")
        return jwt.encode(header, claims, key, algorithms=["RS256"])

    async def _jwks(self, _: Request) -> Response:
        public = self.key.as_dict(private=False)
        return JSONResponse({"keys": [{**public, "kid": "fake-1", "use": "sig", "alg": "RS256"}]})

    async def _userinfo(self, _: Request) -> Response:
        return JSONResponse({"sub": "fake-citizen"})

    def start(self) -> None:
        config = uvicorn.Config(
            self.app(),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            ws="none",
            http="h11",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-idp", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake OpenID provider did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.issuer = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


# -- a browser ----------------------------------------------------------------------------------

FORM_ACTION = re.compile(r'<form[^>]*\baction="([^"]+)"', re.IGNORECASE)


class Browser:
    """One user agent: our app in-process (ASGI) and the providers over real HTTP, each with
    its own cookie jar; redirects are followed by hand so each hop can be inspected."""

    def __init__(self, app: Any) -> None:
        transport = httpx.ASGITransport(app=app)
        self.app = httpx.AsyncClient(transport=transport, base_url=APP_BASE)
        self.idp = httpx.AsyncClient(timeout=10.0)

    async def aclose(self) -> None:
        await self.app.aclose()
        await self.idp.aclose()

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def start(self, path: str) -> str:
        """GET one of our /auth/login URLs; the provider URL it redirects to."""
        response = await self.app.get(path)
        assert response.status_code == 302, (response.status_code, response.text)
        return response.headers["location"]

    async def authorize(self, login: str, path: str = "/auth/login/localidp") -> str:
        """Our login → the provider's login form → consent → the redirect back to our callback,
        returned without following it (tests send it, change it, or send it twice)."""
        url = await self.start(path)
        for _ in range(20):
            if urlsplit(url).hostname == APP_HOST:
                return url
            response = await self.idp.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            assert response.status_code == 200, (url, response.status_code, response.text)
            url = await self._submit(url, response.text, login)
        raise AssertionError("too many redirects")

    async def _submit(self, url: str, page: str, login: str) -> str:
        found = FORM_ACTION.search(page)
        assert found, page
        action = urljoin(url, html.unescape(found.group(1)))
        if 'name="login"' in page:
            data = {"prompt": "login", "login": login, "password": "any"}
        else:
            data = {"prompt": "consent"}
        response = await self.idp.post(action, data=data)
        assert response.is_redirect, (response.status_code, response.text)
        return urljoin(action, response.headers["location"])

    async def callback(self, url: str, *, accept: str = "application/json") -> httpx.Response:
        parts = urlsplit(url)
        assert parts.hostname == APP_HOST, url
        return await self.app.get(f"{parts.path}?{parts.query}", headers={"Accept": accept})

    async def sign_in(self, login: str, path: str = "/auth/login/localidp") -> dict[str, Any]:
        """The whole browser sign-in; our JSON tokens."""
        response = await self.callback(await self.authorize(login, path))
        assert response.status_code == 200, (response.status_code, response.text)
        tokens: dict[str, Any] = response.json()
        return tokens


async def graphql(
    client: httpx.AsyncClient,
    query: str,
    access_token: str | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


def error_code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    code: str | None = errors[0].get("extensions", {}).get("code") if errors else None
    return code


def assert_refused(response: httpx.Response, code: str | None = None) -> dict[str, Any]:
    """A safe failure: a 4xx with an OAuth error body, no tokens, no redirect anywhere."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert "location" not in response.headers, response.headers
    body: dict[str, Any] = response.json()
    assert body.get("error"), body
    assert not TOKEN_KEYS & body.keys(), body
    if code is not None:
        assert body.get("code") == code, body
    return body
