"""WeChat specifics: the jscode2session request, errcode mapping, a wrong secret, and the
session_key that must never leave the adapter."""

from __future__ import annotations

import dataclasses
import json
import logging
import traceback
from types import TracebackType

import httpx
import pytest

from integrations.miniprogram.models import MiniProgramError, MiniProgramErrorCode
from integrations.miniprogram.wechat import WeChatLogin
from tests.integrations.miniprogram.support import (
    WECHAT_APP_ID,
    WECHAT_APP_SECRET,
    Harness,
    LeakGuard,
    expect_error,
)

E = MiniProgramErrorCode
CANARY = "SESSIONKEY-canary-tW9pbmcgc2Vzc2lvbiBrZXk="


def _answer(fields: dict[str, object]) -> httpx.MockTransport:
    def handler(_: httpx.Request) -> httpx.Response:
        # WeChat labels its JSON text/plain.
        return httpx.Response(200, text=json.dumps(fields), headers={"Content-Type": "text/plain"})

    return httpx.MockTransport(handler)


def _adapter_frames_hold(tb: TracebackType | None, value: str) -> bool:
    """Whether a frame below the catching test's own frame still references `value`."""
    frames = [frame for frame, _ in traceback.walk_tb(tb)][1:]
    assert frames, "the traceback should reach into the adapter"
    return any(value in repr(frame.f_locals) for frame in frames)


async def test_the_request_is_jscode2session_with_appid_secret_code_and_grant_type(
    wechat: Harness,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"openid": "o-1", "session_key": CANARY})

    code = wechat.code("o-1")
    await wechat.login(transport=httpx.MockTransport(handler)).exchange(code)

    (request,) = seen
    assert request.method == "GET"
    assert request.url.path == "/sns/jscode2session"
    assert dict(request.url.params) == {
        "appid": WECHAT_APP_ID,
        "secret": WECHAT_APP_SECRET,
        "js_code": code,
        "grant_type": "authorization_code",
    }


@pytest.mark.parametrize(
    ("errcode", "expected", "retryable"),
    [
        (-1, E.UPSTREAM_BUSY, True),
        (40029, E.INVALID_CODE, False),
        ("40029", E.INVALID_CODE, False),
        (40163, E.CODE_USED, False),
        (45011, E.RATE_LIMITED, True),
        (40226, E.BLOCKED, False),
        (40125, E.UPSTREAM_ERROR, False),
        (40013, E.UPSTREAM_ERROR, False),
        (99999, E.UPSTREAM_ERROR, False),
        ("not-a-number", E.UPSTREAM_ERROR, False),
    ],
)
async def test_errcodes_map_to_stable_error_codes(
    wechat: Harness, errcode: object, expected: MiniProgramErrorCode, retryable: bool
) -> None:
    login = wechat.login(transport=_answer({"errcode": errcode, "errmsg": "whatever, rid: 1"}))
    error = await expect_error(login, wechat.code("o-2"), expected, retryable=retryable)
    if isinstance(errcode, int):
        assert error.upstream_code == str(errcode)


async def test_errcode_zero_with_text_plain_is_a_success(wechat: Harness) -> None:
    login = wechat.login(
        transport=_answer({"errcode": 0, "errmsg": "ok", "openid": "o-3", "unionid": "u-3"})
    )
    identity = await login.exchange(wechat.code("o-3"))
    assert (identity.open_id, identity.union_id) == ("o-3", "u-3")


async def test_an_answer_without_openid_is_an_upstream_error(wechat: Harness) -> None:
    login = wechat.login(transport=_answer({"session_key": CANARY}))
    error = await expect_error(login, wechat.code("o-4"), E.UPSTREAM_ERROR, retryable=False)
    assert CANARY not in str(error)


async def test_a_wrong_app_secret_is_an_upstream_error_and_leaves_the_code_usable(
    wechat: Harness, leaks: LeakGuard
) -> None:
    code = wechat.code("o-5")
    leaks.watch(code, "wrong-secret-value")
    await expect_error(
        wechat.login(app_secret="wrong-secret-value"),
        code,
        E.UPSTREAM_ERROR,
        retryable=False,
        upstream_code="40125",
    )
    assert (await wechat.login().exchange(code)).open_id == "o-5"


async def test_a_wrong_app_id_is_an_upstream_error(wechat: Harness) -> None:
    await expect_error(
        wechat.login(app_id="wx-someone-else"),
        wechat.code("o-6"),
        E.UPSTREAM_ERROR,
        upstream_code="40013",
    )


async def test_the_session_key_from_the_reference_never_surfaces(
    wechat: Harness, leaks: LeakGuard
) -> None:
    login = wechat.login()
    code = wechat.code("o-7", union_id="u-7")
    leaks.watch(code, WECHAT_APP_SECRET)

    identity = await login.exchange(code)

    (body,) = wechat.transports[0].bodies
    session_key = json.loads(body)["session_key"]
    assert session_key  # the reference did send one
    leaks.watch(session_key)
    for text in (repr(identity), str(identity), repr(dataclasses.astuple(identity)), repr(login)):
        assert session_key not in text
    assert session_key not in repr(vars(login))
    with pytest.raises(MiniProgramError) as reused:
        await login.exchange(code)
    assert session_key not in str(reused.value) and session_key not in repr(reused.value)


@pytest.mark.parametrize(
    "fields",
    [
        {"openid": "o-8", "session_key": CANARY, "unionid": "u-8"},
        {"session_key": CANARY},
        {"errcode": 40029, "errmsg": "invalid code", "session_key": CANARY},
        {"errcode": -1, "errmsg": f"system error {CANARY}", "session_key": CANARY},
    ],
    ids=["success", "no-openid", "error", "echoed-in-errmsg"],
)
async def test_the_session_key_appears_in_no_result_error_frame_or_log(
    wechat: Harness, leaks: LeakGuard, caplog: pytest.LogCaptureFixture, fields: dict[str, object]
) -> None:
    leaks.watch(CANARY)
    login = wechat.login(transport=_answer(fields))
    try:
        identity = await login.exchange(wechat.code("o-8"))
    except MiniProgramError as error:
        assert CANARY not in str(error) and CANARY not in repr(error)
        assert CANARY not in repr(error.args)
        assert error.__cause__ is None and error.__context__ is None
        # No frame of the traceback (what error trackers capture) still holds the raw answer.
        assert not _adapter_frames_hold(error.__traceback__, CANARY)
    else:
        assert CANARY not in repr(identity)
        assert identity.union_id == "u-8"
    assert caplog.records  # logging was on (httpx logs every request)


async def test_the_request_log_masks_the_code_and_the_secret(
    wechat: Harness, leaks: LeakGuard, caplog: pytest.LogCaptureFixture
) -> None:
    code = wechat.code("o-9")
    leaks.watch(code, WECHAT_APP_SECRET)

    await wechat.login().exchange(code)

    request_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert request_lines, "httpx logs each request at INFO"
    assert all("secret=***" in line and "js_code=***" in line for line in request_lines)
    assert any(f"appid={WECHAT_APP_ID}" in line for line in request_lines)


def test_the_adapter_refuses_to_start_without_credentials() -> None:
    with pytest.raises(ValueError):
        WeChatLogin("", "secret")
    with pytest.raises(ValueError):
        WeChatLogin("wx-app", "")


async def test_the_adapter_repr_omits_the_secret_and_installs_the_log_filter() -> None:
    login = WeChatLogin("wx-app", "super-secret-value")
    assert "super-secret-value" not in repr(login)
    await login.aclose()
    assert any(
        type(f).__name__ == "RedactSensitiveQuery" for f in logging.getLogger("httpx").filters
    )
