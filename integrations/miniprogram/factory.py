"""Composition: the local setup (real adapters against the reference servers) and the
production setup (real adapters against WeChat and Alipay)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import httpx
from redis.asyncio import Redis

from integrations.miniprogram.alipay import DEFAULT_GATEWAY_URL, AlipayLogin
from integrations.miniprogram.models import PLATFORMS, Platform
from integrations.miniprogram.port import MiniProgramLogin
from integrations.miniprogram.reference import (
    DEFAULT_CODE_TTL,
    DEFAULT_STORE_PREFIX,
    RedisCodeStore,
    create_alipay_reference,
    create_wechat_reference,
    demo_rsa_keypair,
    issue_alipay_code,
    issue_wechat_code,
)
from integrations.miniprogram.wechat import DEFAULT_BASE_URL, WeChatLogin

WECHAT_DEMO_APP_ID = "wx-demo-haoban"
ALIPAY_DEMO_APP_ID = "2021000000000000"
# Never resolved: requests go through the ASGI transport to the reference apps.
WECHAT_REFERENCE_URL = "http://wechat.reference.invalid"
ALIPAY_REFERENCE_GATEWAY = "http://alipay.reference.invalid/gateway.do"


def demo_wechat_app_secret(secret: str) -> str:
    """The demo app's WeChat secret, derived from the local secret (never the secret itself)."""
    return hmac.new(secret.encode(), b"haoban-wechat-demo-app-secret", hashlib.sha256).hexdigest()


def build_local_miniprogram_logins(
    redis: Redis,
    *,
    secret: str,
    fail_rate: float = 0.0,
    latency: float = 0.0,
    seed: int | None = None,
    store_prefix: str = DEFAULT_STORE_PREFIX,
    timeout: float = 5.0,
) -> dict[str, MiniProgramLogin]:
    """The embedded default: the HTTP adapters against in-process reference servers.

    Codes from `simulate_login_code(..., secret=secret)` are accepted by every process sharing
    `secret`; `redis` makes each code single-use across those processes.
    """
    if not secret:
        raise ValueError("build_local_miniprogram_logins needs a secret")
    store = RedisCodeStore(redis, prefix=store_prefix)
    app_secret = demo_wechat_app_secret(secret)
    wechat_app = create_wechat_reference(
        WECHAT_DEMO_APP_ID,
        app_secret,
        store=store,
        code_secret=secret,
        fail_rate=fail_rate,
        latency=latency,
        seed=seed,
    )
    app_private_pem, app_public_pem = demo_rsa_keypair("app")
    alipay_private_pem, alipay_public_pem = demo_rsa_keypair("alipay")
    alipay_app = create_alipay_reference(
        ALIPAY_DEMO_APP_ID,
        app_public_pem,
        alipay_private_pem,
        store=store,
        code_secret=secret,
        fail_rate=fail_rate,
        latency=latency,
        seed=seed,
    )
    return {
        "wechat": WeChatLogin(
            WECHAT_DEMO_APP_ID,
            app_secret,
            base_url=WECHAT_REFERENCE_URL,
            client=httpx.AsyncClient(transport=httpx.ASGITransport(app=wechat_app)),
            timeout=timeout,
        ),
        "alipay": AlipayLogin(
            ALIPAY_DEMO_APP_ID,
            app_private_pem,
            alipay_public_pem,
            gateway_url=ALIPAY_REFERENCE_GATEWAY,
            client=httpx.AsyncClient(transport=httpx.ASGITransport(app=alipay_app)),
            timeout=timeout,
        ),
    }


def simulate_login_code(
    platform: Platform,
    open_id: str,
    *,
    secret: str,
    union_id: str | None = None,
    ttl: int = DEFAULT_CODE_TTL,
) -> str:
    """A login code as the mini-program would get it, for the local setup keyed by `secret`."""
    if platform == "wechat":
        return issue_wechat_code(secret, open_id, union_id, ttl)
    if platform == "alipay":
        return issue_alipay_code(secret, open_id, union_id, ttl)
    raise ValueError(f"unknown mini-program platform {platform!r}; expected one of {PLATFORMS}")


def build_http_miniprogram_logins(
    config: Mapping[str, Mapping[str, Any]],
) -> dict[str, MiniProgramLogin]:
    """Production adapters for the platforms present in `config`:

    `{"wechat": {"app_id", "app_secret", "base_url"?, "timeout"?},
      "alipay": {"app_id", "app_private_key_pem", "alipay_public_key_pem", "gateway_url"?,
                 "timeout"?}}`
    """
    unknown = sorted(set(config) - set(PLATFORMS))
    if unknown:
        raise ValueError(f"unknown mini-program platform(s) in config: {', '.join(unknown)}")
    logins: dict[str, MiniProgramLogin] = {}
    if "wechat" in config:
        wechat = config["wechat"]
        logins["wechat"] = WeChatLogin(
            _required(wechat, "wechat", "app_id"),
            _required(wechat, "wechat", "app_secret"),
            base_url=str(wechat.get("base_url") or DEFAULT_BASE_URL),
            timeout=float(wechat.get("timeout") or 5.0),
        )
    if "alipay" in config:
        alipay = config["alipay"]
        logins["alipay"] = AlipayLogin(
            _required(alipay, "alipay", "app_id"),
            _required(alipay, "alipay", "app_private_key_pem"),
            _required(alipay, "alipay", "alipay_public_key_pem"),
            gateway_url=str(alipay.get("gateway_url") or DEFAULT_GATEWAY_URL),
            timeout=float(alipay.get("timeout") or 5.0),
        )
    return logins


def _required(section: Mapping[str, Any], platform: str, name: str) -> str:
    value = section.get(name)
    if not isinstance(value, str) or not value:
        # Name the setting, never echo its value: it may be a secret.
        raise ValueError(f"mini-program config: {platform}.{name} is missing or empty")
    return value
