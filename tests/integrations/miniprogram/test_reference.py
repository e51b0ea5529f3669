"""The reference servers' own machinery: simulated codes, the Redis code store, seeded faults
and runtime-generated keys."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from redis.asyncio import Redis

from integrations.miniprogram.models import MAX_CODE_LENGTH, MiniProgramError
from integrations.miniprogram.reference import (
    RedisCodeStore,
    demo_rsa_keypair,
    generate_rsa_keypair,
    issue_alipay_code,
    issue_wechat_code,
    read_code,
)
from tests.integrations.miniprogram.support import CODE_SECRET, Harness


def test_a_code_is_short_url_safe_and_carries_its_claims() -> None:
    code = issue_wechat_code(
        CODE_SECRET, "oAbCdEfGhIjKlMnOpQrStUvWxYz1", "oUnIoNiDaBcDeFgHiJkLmNoPqRsT"
    )
    assert len(code) <= MAX_CODE_LENGTH and re.fullmatch(r"[A-Za-z0-9_-]+", code)
    claims = read_code("wechat", CODE_SECRET, code)
    assert claims is not None
    assert (claims.open_id, claims.union_id) == (
        "oAbCdEfGhIjKlMnOpQrStUvWxYz1",
        "oUnIoNiDaBcDeFgHiJkLmNoPqRsT",
    )
    assert not claims.expired()


def test_each_code_has_its_own_random_id() -> None:
    first = read_code("alipay", CODE_SECRET, issue_alipay_code(CODE_SECRET, "o-1"))
    second = read_code("alipay", CODE_SECRET, issue_alipay_code(CODE_SECRET, "o-1"))
    assert first and second and first.code_id != second.code_id


def test_a_code_is_bound_to_its_platform_and_secret() -> None:
    code = issue_wechat_code(CODE_SECRET, "o-1")
    assert read_code("alipay", CODE_SECRET, code) is None
    assert read_code("wechat", "another-secret", code) is None


def test_ids_too_long_for_a_128_character_code_are_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        issue_wechat_code(CODE_SECRET, "o" * 40, "u" * 40)
    with pytest.raises(ValueError):
        issue_wechat_code("", "o-1")
    with pytest.raises(ValueError):
        issue_alipay_code(CODE_SECRET, "")


def test_a_negative_ttl_gives_an_expired_code() -> None:
    claims = read_code("wechat", CODE_SECRET, issue_wechat_code(CODE_SECRET, "o-1", ttl=-1))
    assert claims is not None and claims.expired()


async def test_the_store_claims_a_key_once_and_holds_it_for_the_ttl(
    store: RedisCodeStore, code_redis: Redis
) -> None:
    assert await store.claim("wechat:abc", 120) is True
    assert await store.claim("wechat:abc", 120) is False
    assert await store.claim("wechat:abd", 120) is True
    keys = [key async for key in code_redis.scan_iter(match=store.prefix + "*")]
    assert len(keys) == 2
    assert 0 < await code_redis.ttl(keys[0]) <= 120


async def test_fault_injection_is_reproducible_with_a_seed(platform: Harness) -> None:
    async def outcomes(seed: int) -> list[str]:
        login = platform.login(fail_rate=0.5, seed=seed)
        seen = []
        for n in range(12):
            try:
                await login.exchange(platform.code(f"o-seed-{n}"))
                seen.append("ok")
            except MiniProgramError as error:
                seen.append(error.code.value)
        return seen

    first, again = await outcomes(11), await outcomes(11)
    assert first == again
    assert set(first) == {"ok", "UPSTREAM_BUSY"}


def test_generated_keys_are_fresh_rsa_2048_pems() -> None:
    private_pem, public_pem = generate_rsa_keypair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert generate_rsa_keypair()[0] != private_pem


def test_demo_keys_are_generated_once_per_process_and_role() -> None:
    assert demo_rsa_keypair("app") is demo_rsa_keypair("app")
    assert demo_rsa_keypair("app") != demo_rsa_keypair("alipay")
