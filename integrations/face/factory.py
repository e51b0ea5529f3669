"""Composition: the local setup (the real Tencent adapter against the reference server) and
the production setup (the same adapter against Tencent FaceID)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from redis.asyncio import Redis

from integrations.face.reference import DEFAULT_KEY_PREFIX, TencentFaceReference
from integrations.face.tencent import (
    DEFAULT_ENDPOINT,
    DEFAULT_REGION,
    DEFAULT_TOKEN_VALIDITY,
    TencentFaceId,
)

DEMO_RULE_ID = "1"
# Never resolved: requests go through the ASGI transport to the reference app.
REFERENCE_ENDPOINT = "http://faceid.reference.invalid"


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    secret_id: str
    secret_key: str
    callback_key: str

    def __repr__(self) -> str:
        return f"DemoCredentials(secret_id={self.secret_id!r})"


def demo_credentials(secret: str) -> DemoCredentials:
    """The local setup's keys, derived from the local secret (never the secret itself), so
    every process sharing the secret agrees on them."""

    def derive(purpose: str) -> str:
        return hmac.new(
            secret.encode(), f"haoban-face-{purpose}".encode(), hashlib.sha256
        ).hexdigest()

    return DemoCredentials(
        secret_id="AKID" + derive("secret-id")[:32],
        secret_key=derive("secret-key"),
        callback_key=derive("callback-key"),
    )


def build_local_face_verifier(
    redis: Redis,
    *,
    secret: str,
    public_base_url: str,
    callback_url: str,
    latency: float = 0.0,
    fail_rate: float = 0.0,
    now: Callable[[], datetime] | None = None,
    key_prefix: str = DEFAULT_KEY_PREFIX,
    seed: int | None = None,
    token_validity: float = DEFAULT_TOKEN_VALIDITY,
    timeout: float = 10.0,
) -> tuple[TencentFaceId, TencentFaceReference]:
    """The embedded default: `TencentFaceId` talking HTTP (ASGI) to an in-process reference.

    Returns the adapter and the reference app; mount the app where `public_base_url` points
    (e.g. `/reference/face`) so browsers can open the H5 page. `callback_url` is where the
    page sends the browser back when `start` is given no return_url. Checks live in `redis`
    under `key_prefix`, so processes sharing the secret and the Redis share them.
    """
    if not secret:
        raise ValueError("build_local_face_verifier needs a secret")
    keys = demo_credentials(secret)
    reference = TencentFaceReference(
        redis,
        credentials={keys.secret_id: keys.secret_key},
        rule_id=DEMO_RULE_ID,
        callback_key=keys.callback_key,
        public_base_url=public_base_url,
        key_prefix=key_prefix,
        token_validity=token_validity,
        latency=latency,
        fail_rate=fail_rate,
        seed=seed,
        now=now,
    )
    adapter = TencentFaceId(
        secret_id=keys.secret_id,
        secret_key=keys.secret_key,
        rule_id=DEMO_RULE_ID,
        callback_key=keys.callback_key,
        callback_url=callback_url,
        endpoint=REFERENCE_ENDPOINT,
        region=DEFAULT_REGION,
        timeout=timeout,
        token_validity=token_validity,
        photo_mode_supported=True,
        client=httpx.AsyncClient(transport=httpx.ASGITransport(app=reference)),
        now=now,
    )
    return adapter, reference


def build_tencent_face_verifier(
    *,
    secret_id: str,
    secret_key: str,
    rule_id: str,
    callback_key: str,
    callback_url: str,
    endpoint: str = DEFAULT_ENDPOINT,
    region: str = DEFAULT_REGION,
    timeout: float = 10.0,
    token_validity: float = DEFAULT_TOKEN_VALIDITY,
    require_callback_signature: bool = True,
) -> TencentFaceId:
    """Production: Tencent FaceID. Photo mode is off (Tencent's SDK uploads on its own).

    See README.md on `require_callback_signature`: Tencent's H5 flow documents only `token` on
    the RedirectUrl.
    """
    return TencentFaceId(
        secret_id=secret_id,
        secret_key=secret_key,
        rule_id=rule_id,
        callback_key=callback_key,
        callback_url=callback_url,
        endpoint=endpoint,
        region=region,
        timeout=timeout,
        token_validity=token_validity,
        photo_mode_supported=False,
        require_callback_signature=require_callback_signature,
    )
