"""Helpers for the face tests: a harness (the Tencent adapter against the reference server,
a browser on the reference's H5 page), an injectable clock, raw signed requests, JPEGs."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from integrations.face import tc3
from integrations.face.factory import DEMO_RULE_ID, REFERENCE_ENDPOINT, demo_credentials
from integrations.face.models import FaceStart, FaceSubject
from integrations.face.reference import TencentFaceReference
from integrations.face.tencent import API_VERSION, CONTENT_TYPE, SERVICE, TencentFaceId

REDIS_URL = os.environ.get("HAOBAN_TEST_REDIS_URL")
BACKENDS = ["fakeredis", *(["redis"] if REDIS_URL else [])]

SECRET = "face-test-secret"
KEYS = demo_credentials(SECRET)
MOUNT = "/reference/face"
PUBLIC_BASE_URL = f"http://haoban.test{MOUNT}"
CALLBACK_URL = "http://haoban.test/integrations/face/tencent/callback"
# A made-up citizen (the demo data's); the leak guard looks for these in every log record.
SUBJECT = FaceSubject(name="张桂兰", id_number="41010519520315122X")
OTHER_ID_NUMBER = "410105198006061234"
VALIDITY = 7200.0


class Clock:
    """`now` for the adapter and the reference: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Keeps each request (and its body), so a test can count calls and read what was sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    def sent(self, action: str) -> list[dict[str, Any]]:
        return [
            json.loads(r.content) for r in self.requests if r.headers.get("x-tc-action") == action
        ]


@dataclass
class Face:
    """One process: the adapter, the reference app, and a browser for the H5 page."""

    adapter: TencentFaceId
    reference: TencentFaceReference
    clock: Clock
    transport: RecordingTransport
    browser: httpx.AsyncClient
    extra: list[TencentFaceId] = field(default_factory=list)

    async def start(self, flow_id: str = "flow-0001", subject: FaceSubject = SUBJECT) -> FaceStart:
        return await self.adapter.start(flow_id=flow_id, subject=subject, return_url=CALLBACK_URL)

    async def open_page(self, started: FaceStart) -> httpx.Response:
        assert started.redirect_url is not None
        return await self.browser.get(started.redirect_url)

    async def choose(self, started: FaceStart, outcome: str) -> dict[str, str]:
        """The citizen picks an outcome on the H5 page; the query their browser brings back."""
        assert started.redirect_url is not None
        answer = await self.browser.post(started.redirect_url, data={"outcome": outcome})
        assert answer.status_code == 303, answer.text
        location = httpx.URL(answer.headers["location"])
        assert str(location).startswith(CALLBACK_URL)
        return dict(location.params)

    def adapter_with(self, **options: Any) -> TencentFaceId:
        """Another adapter against the same reference (other keys, another clock…)."""
        adapter = make_adapter(
            self.reference,
            transport=httpx.ASGITransport(app=self.reference),
            clock=self.clock,
            **options,
        )
        self.extra.append(adapter)
        return adapter

    async def aclose(self) -> None:
        for adapter in [self.adapter, *self.extra]:
            await adapter.aclose()
        await self.browser.aclose()


def make_reference(
    redis: Redis, *, prefix: str, clock: Clock, **options: Any
) -> TencentFaceReference:
    settings: dict[str, Any] = {
        "credentials": {KEYS.secret_id: KEYS.secret_key},
        "rule_id": DEMO_RULE_ID,
        "callback_key": KEYS.callback_key,
        "public_base_url": PUBLIC_BASE_URL,
        "key_prefix": prefix,
        "token_validity": VALIDITY,
        "seed": 7,
        "now": clock,
    }
    settings.update(options)
    return TencentFaceReference(redis, **settings)


def make_adapter(
    reference: TencentFaceReference,
    *,
    transport: httpx.AsyncBaseTransport,
    clock: Clock,
    **options: Any,
) -> TencentFaceId:
    settings: dict[str, Any] = {
        "secret_id": KEYS.secret_id,
        "secret_key": KEYS.secret_key,
        "rule_id": DEMO_RULE_ID,
        "callback_key": KEYS.callback_key,
        "callback_url": CALLBACK_URL,
        "endpoint": REFERENCE_ENDPOINT,
        "token_validity": VALIDITY,
        "photo_mode_supported": True,
        "now": clock,
    }
    settings.update(options)
    return TencentFaceId(client=httpx.AsyncClient(transport=transport), **settings)


def make_face(
    redis: Redis, *, prefix: str, clock: Clock | None = None, **reference_options: Any
) -> Face:
    clock = clock or Clock()
    reference = make_reference(redis, prefix=prefix, clock=clock, **reference_options)
    transport = RecordingTransport(httpx.ASGITransport(app=reference))
    adapter = make_adapter(reference, transport=transport, clock=clock)
    # The browser reaches the reference where the BFF mounts it.
    host = Starlette(routes=[Mount(MOUNT, app=reference)])
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=host))
    return Face(adapter, reference, clock, transport, browser)


async def signed_post(
    app: TencentFaceReference,
    action: str,
    params: dict[str, Any],
    *,
    timestamp: int,
    secret_id: str = KEYS.secret_id,
    secret_key: str = KEYS.secret_key,
    version: str = API_VERSION,
    body: bytes | None = None,
    signed_body: bytes | None = None,
) -> dict[str, Any]:
    """One raw API call, signed by hand: `signed_body` lets a test sign one body and send
    another. Returns the answer's Response object."""
    content = body if body is not None else json.dumps(params).encode()
    host = httpx.URL(REFERENCE_ENDPOINT).host
    headers = {
        "Content-Type": CONTENT_TYPE,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": version,
        "Authorization": tc3.authorization(
            secret_id=secret_id,
            secret_key=secret_key,
            service=SERVICE,
            timestamp=timestamp,
            content_type=CONTENT_TYPE,
            host=host,
            payload=signed_body if signed_body is not None else content,
        ),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        answer = await client.post(REFERENCE_ENDPOINT + "/", content=content, headers=headers)
    assert answer.status_code == 200
    response: dict[str, Any] = answer.json()["Response"]
    assert response["RequestId"]
    return response


def jpeg(width: int, height: int, *, kind: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 170, 150)).save(buffer, format=kind)
    return buffer.getvalue()


class LeakGuard:
    """Values that must appear in no log record; checked against caplog at teardown."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def watch(self, *values: str) -> None:
        self.values.extend(v for v in values if v)
