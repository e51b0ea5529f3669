"""Composition: the local setup (the Tencent adapter against the in-process reference) and
the production adapter from settings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from integrations.face import (
    FaceProviderError,
    FaceStatus,
    FaceVerifier,
    TencentFaceId,
    TencentFaceReference,
    build_local_face_verifier,
    build_tencent_face_verifier,
    demo_credentials,
)
from tests.integrations.face.support import SUBJECT, Clock, jpeg

SECRET = "local-dev-secret"
PUBLIC = "http://localhost:8000/reference/face"
CALLBACK = "http://localhost:8000/integrations/face/tencent/callback"


def _port(verifier: FaceVerifier) -> FaceVerifier:
    return verifier


async def test_the_local_setup_runs_a_check_through_the_mounted_reference(
    face_redis: Redis, prefix: str
) -> None:
    adapter, reference = build_local_face_verifier(
        face_redis, secret=SECRET, public_base_url=PUBLIC, callback_url=CALLBACK, key_prefix=prefix
    )
    host = Starlette(routes=[Mount("/reference/face", app=reference)])
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=host))
    try:
        assert isinstance(reference, Starlette) and isinstance(reference, TencentFaceReference)
        port = _port(adapter)
        started = await port.start(flow_id="flow-local", subject=SUBJECT, return_url="")
        assert started.redirect_url == f"{PUBLIC}/h5/{started.provider_ref}"

        answer = await browser.post(started.redirect_url, data={"outcome": "pass"})
        assert answer.status_code == 303
        location = httpx.URL(answer.headers["location"])
        assert str(location.copy_with(query=None)) == CALLBACK
        ref = await port.parse_callback(dict(location.params), {})

        assert ref == started.provider_ref
        assert (await port.fetch_result(ref)).status is FaceStatus.PASSED
    finally:
        await adapter.aclose()
        await browser.aclose()


async def test_the_local_setup_supports_photo_mode_and_an_injected_clock(
    face_redis: Redis, prefix: str
) -> None:
    clock = Clock()
    adapter, _ = build_local_face_verifier(
        face_redis,
        secret=SECRET,
        public_base_url=PUBLIC,
        callback_url=CALLBACK,
        key_prefix=prefix,
        now=clock,
    )
    try:
        assert adapter.photo_mode_supported
        started = await adapter.start(flow_id="flow-photo", subject=SUBJECT, return_url=CALLBACK)
        await adapter.submit_photo(started.provider_ref, jpeg(200, 200))
        assert (await adapter.fetch_result(started.provider_ref)).status is FaceStatus.PASSED

        late = await adapter.start(flow_id="flow-late", subject=SUBJECT, return_url=CALLBACK)
        clock.advance(7200)
        assert (await adapter.fetch_result(late.provider_ref)).status is FaceStatus.EXPIRED
    finally:
        await adapter.aclose()


async def test_local_setups_sharing_secret_and_redis_share_checks_and_others_are_refused(
    face_redis: Redis, prefix: str
) -> None:
    here, _ = build_local_face_verifier(
        face_redis, secret=SECRET, public_base_url=PUBLIC, callback_url=CALLBACK, key_prefix=prefix
    )
    there, there_reference = build_local_face_verifier(
        face_redis, secret=SECRET, public_base_url=PUBLIC, callback_url=CALLBACK, key_prefix=prefix
    )
    stranger, _ = build_local_face_verifier(
        face_redis,
        secret="another",
        public_base_url=PUBLIC,
        callback_url=CALLBACK,
        key_prefix=prefix,
    )
    try:
        started = await here.start(flow_id="flow-shared", subject=SUBJECT, return_url=CALLBACK)
        await there_reference.complete(started.provider_ref, outcome="low_score")
        query = there_reference.callback_query(started.provider_ref)

        assert await here.parse_callback(query, {}) == started.provider_ref
        assert (await here.fetch_result(started.provider_ref)).error_code == "2016"
        # Another secret: other keys, so its return signatures and API calls do not verify.
        assert await stranger.parse_callback(query, {}) is None
    finally:
        for adapter in (here, there, stranger):
            await adapter.aclose()


def test_demo_credentials_are_derived_from_the_secret_and_never_are_it() -> None:
    keys = demo_credentials(SECRET)
    assert keys == demo_credentials(SECRET) != demo_credentials("another")
    assert keys.secret_id.startswith("AKID")
    assert SECRET not in (keys.secret_id, keys.secret_key, keys.callback_key)
    assert len({keys.secret_id, keys.secret_key, keys.callback_key}) == 3
    assert keys.secret_key not in repr(keys) and keys.callback_key not in repr(keys)


def test_the_local_setup_needs_a_secret(face_redis: Redis) -> None:
    with pytest.raises(ValueError, match="secret"):
        build_local_face_verifier(
            face_redis, secret="", public_base_url=PUBLIC, callback_url=CALLBACK
        )


async def test_the_production_adapter_talks_to_tencent_without_photo_mode() -> None:
    adapter = build_tencent_face_verifier(
        secret_id="AKIDprod",
        secret_key="prod-secret-key",
        rule_id="3",
        callback_key="prod-callback-key",
        callback_url=CALLBACK,
    )
    try:
        assert isinstance(adapter, TencentFaceId)
        assert adapter.endpoint == "https://faceid.tencentcloudapi.com/"
        assert adapter.region == "ap-guangzhou" and adapter.rule_id == "3"
        assert adapter.token_validity == 7200.0 and adapter.require_callback_signature
        assert "prod-secret-key" not in repr(adapter)
        with pytest.raises(FaceProviderError) as refused:
            await adapter.submit_photo("CE661F1A-0F1E-45BD-BE13-34C05CEA7681", b"\xff\xd8")
        assert refused.value.retryable is False
    finally:
        await adapter.aclose()


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("secret_id", "secret_id"),
        ("secret_key", "secret_key"),
        ("rule_id", "rule_id"),
        ("callback_key", "callback_key"),
    ],
)
def test_the_production_adapter_names_a_missing_setting(missing: str, message: str) -> None:
    settings: dict[str, Any] = {
        "secret_id": "AKIDprod",
        "secret_key": "prod-secret-key",
        "rule_id": "3",
        "callback_key": "prod-callback-key",
        "callback_url": CALLBACK,
    }
    settings[missing] = ""
    with pytest.raises(ValueError, match=message) as refused:
        build_tencent_face_verifier(**settings)
    assert "prod-secret-key" not in str(refused.value)
