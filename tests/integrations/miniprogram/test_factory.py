"""Composition: the local setup (HTTP adapters against in-process references, codes from
`simulate_login_code`) and the production setup from config."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from integrations.miniprogram import (
    ALIPAY_DEMO_APP_ID,
    WECHAT_DEMO_APP_ID,
    AlipayLogin,
    MiniProgramError,
    MiniProgramErrorCode,
    MiniProgramIdentity,
    WeChatLogin,
    build_http_miniprogram_logins,
    build_local_miniprogram_logins,
    simulate_login_code,
)
from integrations.miniprogram.models import PLATFORMS, Platform
from integrations.miniprogram.reference import RedisCodeStore, generate_rsa_keypair
from integrations.miniprogram.reference import issue_wechat_code as _issue_wechat

SECRET = "local-dev-secret"


@pytest.fixture
def prefix(store: RedisCodeStore) -> str:
    """The per-test prefix of the contract fixtures, so runs on a shared Redis never collide."""
    return store.prefix


async def test_local_logins_exchange_simulated_codes_through_the_http_adapters(
    code_redis: Redis, prefix: str
) -> None:
    logins = build_local_miniprogram_logins(code_redis, secret=SECRET, store_prefix=prefix)
    try:
        assert isinstance(logins["wechat"], WeChatLogin)
        assert isinstance(logins["alipay"], AlipayLogin)
        cases: list[tuple[Platform, str]] = [
            ("wechat", WECHAT_DEMO_APP_ID),
            ("alipay", ALIPAY_DEMO_APP_ID),
        ]
        for name, app_id in cases:
            code = simulate_login_code(name, "o-local", secret=SECRET, union_id="u-local")
            identity = await logins[name].exchange(code)
            assert identity == MiniProgramIdentity(name, app_id, "o-local", "u-local")
            with pytest.raises(MiniProgramError):
                await logins[name].exchange(code)
    finally:
        for login in logins.values():
            await login.aclose()


async def test_a_simulated_code_survives_into_another_process_and_stays_single_use(
    code_redis: Redis, prefix: str
) -> None:
    """Two processes: separate local setups sharing only the secret and Redis."""
    here = build_local_miniprogram_logins(code_redis, secret=SECRET, store_prefix=prefix)
    there = build_local_miniprogram_logins(code_redis, secret=SECRET, store_prefix=prefix)
    try:
        code = simulate_login_code("wechat", "o-travel", secret=SECRET)
        assert (await there["wechat"].exchange(code)).open_id == "o-travel"
        with pytest.raises(MiniProgramError) as reused:
            await here["wechat"].exchange(code)
        assert reused.value.code is MiniProgramErrorCode.CODE_USED
    finally:
        for login in [*here.values(), *there.values()]:
            await login.aclose()


async def test_a_code_simulated_with_another_secret_is_invalid(
    code_redis: Redis, prefix: str
) -> None:
    logins = build_local_miniprogram_logins(code_redis, secret=SECRET, store_prefix=prefix)
    try:
        for name in PLATFORMS:
            code = simulate_login_code(name, "o-1", secret="not-the-secret")
            with pytest.raises(MiniProgramError) as caught:
                await logins[name].exchange(code)
            assert caught.value.code is MiniProgramErrorCode.INVALID_CODE
    finally:
        for login in logins.values():
            await login.aclose()


async def test_local_logins_can_simulate_a_busy_upstream(code_redis: Redis, prefix: str) -> None:
    logins = build_local_miniprogram_logins(
        code_redis, secret=SECRET, store_prefix=prefix, fail_rate=1.0
    )
    try:
        with pytest.raises(MiniProgramError) as caught:
            await logins["alipay"].exchange(simulate_login_code("alipay", "o-1", secret=SECRET))
        assert caught.value.code is MiniProgramErrorCode.UPSTREAM_BUSY
    finally:
        for login in logins.values():
            await login.aclose()


def test_simulated_codes_are_the_reference_codes() -> None:
    code = simulate_login_code("wechat", "o-1", secret=SECRET)
    assert len(code) == len(_issue_wechat(SECRET, "o-1"))
    with pytest.raises(ValueError):
        simulate_login_code("qq", "o-1", secret=SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        build_local_miniprogram_logins(None, secret="")  # type: ignore[arg-type]


async def test_http_logins_are_built_from_config() -> None:
    private_pem, _ = generate_rsa_keypair()
    _, alipay_public_pem = generate_rsa_keypair()
    logins = build_http_miniprogram_logins(
        {
            "wechat": {"app_id": "wx123", "app_secret": "s3cret-value"},
            "alipay": {
                "app_id": "2021000000000001",
                "app_private_key_pem": private_pem,
                "alipay_public_key_pem": alipay_public_pem,
                "gateway_url": "https://openapi-sandbox.dl.alipaydev.com/gateway.do",
            },
        }
    )
    try:
        assert isinstance(logins["wechat"], WeChatLogin)
        assert "https://api.weixin.qq.com/sns/jscode2session" in repr(logins["wechat"])
        assert "s3cret-value" not in repr(logins["wechat"])
        assert isinstance(logins["alipay"], AlipayLogin)
        assert "alipaydev.com" in repr(logins["alipay"])
        assert {name: login.platform for name, login in logins.items()} == {
            "wechat": "wechat",
            "alipay": "alipay",
        }
    finally:
        for login in logins.values():
            await login.aclose()


async def test_http_config_may_name_one_platform_only() -> None:
    logins = build_http_miniprogram_logins({"wechat": {"app_id": "wx1", "app_secret": "s"}})
    assert list(logins) == ["wechat"]
    await logins["wechat"].aclose()


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"wechat": {"app_id": "VALUE-CANARY"}}, "wechat.app_secret"),
        (
            {"alipay": {"app_id": "1", "app_private_key_pem": "VALUE-CANARY"}},
            "alipay.alipay_public_key_pem",
        ),
        ({"wechat": {"app_id": "wx1", "app_secret": "VALUE-CANARY"}, "qq": {}}, "unknown"),
    ],
)
def test_http_config_errors_name_the_setting_not_its_value(
    config: dict[str, dict[str, str]], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as caught:
        build_http_miniprogram_logins(config)
    assert "VALUE-CANARY" not in str(caught.value)
