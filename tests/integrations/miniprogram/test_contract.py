"""One contract for both mini-program platforms: each HTTP adapter against its reference server
(WeChat jscode2session, Alipay alipay.system.oauth.token with real RSA2 signatures), with
single use in fakeredis and, when HAOBAN_TEST_REDIS_URL is set, in real Redis."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from integrations.miniprogram.models import (
    NEEDS_NEW_CODE,
    MiniProgramError,
    MiniProgramErrorCode,
    MiniProgramIdentity,
)
from integrations.miniprogram.reference import issue_alipay_code, issue_wechat_code
from tests.integrations.miniprogram.support import (
    ALIPAY_APP_ID,
    WECHAT_APP_ID,
    Harness,
    LeakGuard,
    expect_error,
)

E = MiniProgramErrorCode
APP_IDS = {"wechat": WECHAT_APP_ID, "alipay": ALIPAY_APP_ID}
# WeChat says "code been used" (40163); Alipay answers isv.code-invalid for a wrong, expired
# or used code alike, so a reused Alipay code is INVALID_CODE. Both need a fresh code.
REUSED = {"wechat": E.CODE_USED, "alipay": E.INVALID_CODE}


async def test_a_valid_code_exchanges_for_the_account_behind_it(
    platform: Harness, leaks: LeakGuard
) -> None:
    login = platform.login()
    code = platform.code("o-alice-0001", union_id="u-alice")
    leaks.watch(code)

    identity = await login.exchange(code)

    assert identity == MiniProgramIdentity(
        platform=platform.platform,
        app_id=APP_IDS[platform.platform],
        open_id="o-alice-0001",
        union_id="u-alice",
    )
    assert login.platform == platform.platform


async def test_an_account_without_union_id_has_none(platform: Harness) -> None:
    identity = await platform.login().exchange(platform.code("o-bob-0002"))
    assert identity.open_id == "o-bob-0002" and identity.union_id is None


async def test_a_code_works_only_once(platform: Harness, leaks: LeakGuard) -> None:
    login = platform.login()
    code = platform.code("o-carol-0003")
    leaks.watch(code)
    await login.exchange(code)

    error = await expect_error(login, code, REUSED[platform.platform], retryable=False)
    assert error.code in NEEDS_NEW_CODE
    assert error.platform == platform.platform


async def test_single_use_holds_across_reference_instances_sharing_the_store(
    platform: Harness,
) -> None:
    """Two processes: each has its own reference server; they share the secret and Redis."""
    first, second = platform.login(), platform.login()
    code = platform.code("o-dave-0004")

    assert (await second.exchange(code)).open_id == "o-dave-0004"
    await expect_error(first, code, REUSED[platform.platform])


async def test_concurrent_exchanges_of_one_code_yield_one_identity(platform: Harness) -> None:
    logins = [platform.login() for _ in range(5)]
    code = platform.code("o-erin-0005")

    results = await asyncio.gather(*(lg.exchange(code) for lg in logins), return_exceptions=True)

    identities = [r for r in results if isinstance(r, MiniProgramIdentity)]
    refusals = [r for r in results if isinstance(r, MiniProgramError)]
    assert len(identities) == 1 and len(refusals) == 4
    assert {r.code for r in refusals} == {REUSED[platform.platform]}


def _flip(code: str, at: int) -> str:
    replacement = "A" if code[at] != "A" else "B"
    return code[:at] + replacement + code[at + 1 :]


@pytest.mark.parametrize(
    "tamper",
    ["payload", "signature", "other_secret", "other_platform", "non_canonical", "truncated"],
)
async def test_a_tampered_or_foreign_code_is_invalid(
    platform: Harness, tamper: str, leaks: LeakGuard
) -> None:
    code = platform.code("o-frank-0006")
    other_issue = issue_alipay_code if platform.platform == "wechat" else issue_wechat_code
    forged = {
        "payload": _flip(code, 8),
        "signature": _flip(code, len(code) - 3),
        "other_secret": (issue_wechat_code if platform.platform == "wechat" else issue_alipay_code)(
            "another-secret", "o-frank-0006"
        ),
        "other_platform": other_issue("code-secret-for-tests", "o-frank-0006"),
        "non_canonical": code.replace("-", "+").replace("_", "/")
        if ("-" in code or "_" in code)
        else code + "=",
        "truncated": code[:-4],
    }[tamper]
    assert forged != code
    leaks.watch(forged)

    await expect_error(platform.login(), forged, E.INVALID_CODE, retryable=False)


async def test_an_expired_code_is_refused(platform: Harness) -> None:
    code = platform.code("o-grace-0007", ttl=-1)
    await expect_error(platform.login(), code, {E.INVALID_CODE, E.CODE_EXPIRED}, retryable=False)


@pytest.mark.parametrize(
    "bad_code",
    ["", "a" * 129, "abc def", "abc\n", "abc\x00def", "\u6388\u6743\u7801", "\t"],
    ids=["empty", "129-chars", "space", "newline", "nul", "non-ascii", "tab"],
)
async def test_a_malformed_code_is_refused_without_calling_upstream(
    platform: Harness, bad_code: str
) -> None:
    login = platform.login()
    await expect_error(login, bad_code, E.INVALID_CODE, retryable=False)
    assert platform.requests == 0


async def test_a_code_of_128_characters_still_reaches_upstream(platform: Harness) -> None:
    await expect_error(platform.login(), "x" * 128, E.INVALID_CODE)
    assert platform.requests == 1


async def test_a_busy_upstream_is_retryable_and_does_not_use_up_the_code(
    platform: Harness,
) -> None:
    code = platform.code("o-heidi-0008")
    await expect_error(platform.login(fail_rate=1.0), code, E.UPSTREAM_BUSY, retryable=True)

    assert (await platform.login().exchange(code)).open_id == "o-heidi-0008"


async def test_an_unreachable_upstream_is_a_retryable_upstream_error(
    platform: Harness, leaks: LeakGuard
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    code = platform.code("o-ivan-0009")
    leaks.watch(code)
    error = await expect_error(
        platform.login(transport=httpx.MockTransport(refuse)),
        code,
        E.UPSTREAM_ERROR,
        retryable=True,
    )
    assert error.__cause__ is None and error.__suppress_context__


async def test_a_slow_upstream_times_out_as_a_retryable_upstream_error(platform: Harness) -> None:
    login = platform.login(latency=2.0, timeout=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await expect_error(login, platform.code("o-judy-0010"), E.UPSTREAM_ERROR, retryable=True)
    assert loop.time() - started < 1.0


@pytest.mark.parametrize("status", [500, 502, 404])
async def test_a_non_200_answer_is_a_retryable_upstream_error(
    platform: Harness, status: int
) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, text="<html>oops</html>"))
    await expect_error(
        platform.login(transport=transport),
        platform.code("o-ken-0011"),
        E.UPSTREAM_ERROR,
        retryable=True,
    )


@pytest.mark.parametrize("body", ["<html>gateway</html>", "", "[1, 2]", '"text"'])
async def test_an_answer_that_is_not_the_contract_is_an_upstream_error(
    platform: Harness, body: str
) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(200, text=body))
    await expect_error(
        platform.login(transport=transport), platform.code("o-leo-0012"), E.UPSTREAM_ERROR
    )


async def test_the_identity_carries_nothing_but_the_identity(platform: Harness) -> None:
    identity = await platform.login().exchange(platform.code("o-mia-0013", union_id="u-mia"))
    assert [f.name for f in dataclasses.fields(identity)] == [
        "platform",
        "app_id",
        "open_id",
        "union_id",
    ]
    assert not hasattr(identity, "__dict__")  # slots: nothing can be stuck onto it
    with pytest.raises(dataclasses.FrozenInstanceError):
        identity.open_id = "someone-else"  # type: ignore[misc]
