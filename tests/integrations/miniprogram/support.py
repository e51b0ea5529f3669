"""Helpers for the mini-program login tests: a harness per platform (its adapter against its
reference server), a transport that counts requests and keeps raw answers, a leak guard."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from integrations.miniprogram.alipay import AlipayLogin
from integrations.miniprogram.models import MiniProgramError, MiniProgramErrorCode, Platform
from integrations.miniprogram.port import MiniProgramLogin
from integrations.miniprogram.reference import (
    RedisCodeStore,
    create_alipay_reference,
    create_wechat_reference,
    issue_alipay_code,
    issue_wechat_code,
)
from integrations.miniprogram.wechat import WeChatLogin

REDIS_URL = os.environ.get("HAOBAN_TEST_REDIS_URL")
BACKENDS = ["fakeredis", *(["redis"] if REDIS_URL else [])]

WECHAT_APP_ID = "wx-test-app"
WECHAT_APP_SECRET = "wechat-app-secret-for-tests-0123"
ALIPAY_APP_ID = "2021000000000042"
CODE_SECRET = "code-secret-for-tests"
WECHAT_URL = "http://wechat.test"
ALIPAY_GATEWAY = "http://alipay.test/gateway.do"


@dataclass(frozen=True)
class RsaKeys:
    app_private: str
    app_public: str
    alipay_private: str
    alipay_public: str
    stranger_private: str
    stranger_public: str


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts requests and keeps each raw answer body, so a test can look for secrets in it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.bodies.append(body)
        return httpx.Response(response.status_code, headers=response.headers, content=body)


@dataclass
class Harness:
    """One platform: its adapter against its reference server, and codes for it."""

    platform: Platform
    keys: RsaKeys
    store: RedisCodeStore
    adapters: list[MiniProgramLogin] = field(default_factory=list)
    transports: list[CountingTransport] = field(default_factory=list)

    def login(
        self,
        *,
        fail_rate: float = 0.0,
        latency: float = 0.0,
        seed: int | None = 7,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        app_secret: str = WECHAT_APP_SECRET,
        app_private_key: str | None = None,
        app_id: str | None = None,
    ) -> MiniProgramLogin:
        """An adapter; by default against a fresh reference server sharing this store."""
        if transport is None:
            if self.platform == "wechat":
                app = create_wechat_reference(
                    WECHAT_APP_ID,
                    WECHAT_APP_SECRET,
                    store=self.store,
                    code_secret=CODE_SECRET,
                    fail_rate=fail_rate,
                    latency=latency,
                    seed=seed,
                )
            else:
                app = create_alipay_reference(
                    ALIPAY_APP_ID,
                    self.keys.app_public,
                    self.keys.alipay_private,
                    store=self.store,
                    code_secret=CODE_SECRET,
                    fail_rate=fail_rate,
                    latency=latency,
                    seed=seed,
                )
            transport = httpx.ASGITransport(app=app)
        counting = CountingTransport(transport)
        client = httpx.AsyncClient(transport=counting)
        adapter: MiniProgramLogin
        if self.platform == "wechat":
            adapter = WeChatLogin(
                app_id or WECHAT_APP_ID,
                app_secret,
                base_url=WECHAT_URL,
                client=client,
                timeout=timeout,
            )
        else:
            adapter = AlipayLogin(
                app_id or ALIPAY_APP_ID,
                app_private_key or self.keys.app_private,
                self.keys.alipay_public,
                gateway_url=ALIPAY_GATEWAY,
                client=client,
                timeout=timeout,
            )
        self.adapters.append(adapter)
        self.transports.append(counting)
        return adapter

    def code(self, open_id: str, union_id: str | None = None, ttl: int = 300) -> str:
        issue = issue_wechat_code if self.platform == "wechat" else issue_alipay_code
        return issue(CODE_SECRET, open_id, union_id, ttl)

    @property
    def requests(self) -> int:
        return sum(len(t.requests) for t in self.transports)

    async def aclose(self) -> None:
        for adapter in self.adapters:
            await adapter.aclose()


class LeakGuard:
    """Values that must appear in no log record; checked against caplog at teardown."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def watch(self, *values: str) -> None:
        self.values.extend(v for v in values if v)


async def expect_error(
    adapter: MiniProgramLogin,
    code: str,
    expected: MiniProgramErrorCode | set[MiniProgramErrorCode],
    *,
    retryable: bool | None = None,
    **attributes: Any,
) -> MiniProgramError:
    """Exchange `code`, expect a MiniProgramError with that code, whose text omits `code`."""
    with pytest.raises(MiniProgramError) as caught:
        await adapter.exchange(code)
    error = caught.value
    allowed = expected if isinstance(expected, set) else {expected}
    assert error.code in allowed, repr(error)
    if retryable is not None:
        assert error.retryable is retryable, repr(error)
    for name, value in attributes.items():
        assert getattr(error, name) == value, repr(error)
    if len(code) >= 4:
        assert code not in str(error) and code not in repr(error)
    return error
