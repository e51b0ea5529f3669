"""WeChat mini-program login: `wx.login` code → openid/unionid via `jscode2session`.

The contract is in README.md beside this file. `session_key` is dropped while the answer is
parsed: it is never returned, stored or logged (WeChat: the developer server must not hand it
out). The login code and the app secret are never logged either.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import httpx

from integrations.miniprogram._logging import install_httpx_redaction
from integrations.miniprogram.models import (
    MiniProgramError,
    MiniProgramErrorCode,
    MiniProgramIdentity,
    check_code_shape,
)

logger = logging.getLogger("integrations.miniprogram.wechat")

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
JSCODE2SESSION_PATH = "/sns/jscode2session"

_E = MiniProgramErrorCode
# errcode → (our code, retryable, message)
_ERRCODES: dict[int, tuple[MiniProgramErrorCode, bool, str]] = {
    -1: (_E.UPSTREAM_BUSY, True, "WeChat is busy; try again shortly"),
    40029: (_E.INVALID_CODE, False, "WeChat refused the login code as invalid or expired"),
    40163: (_E.CODE_USED, False, "WeChat says the login code was already used"),
    45011: (_E.RATE_LIMITED, True, "WeChat rate-limits logins for this user"),
    40226: (_E.BLOCKED, False, "WeChat blocked this user as high-risk"),
}
# Our own configuration is wrong: an operator must act, retrying will not help.
_CONFIG_ERRCODES = {40013: "invalid appid", 40125: "invalid appsecret", 41002: "appid missing"}

_DROPPED_FIELDS = frozenset({"session_key"})
_RID = re.compile(r"rid:\s*([0-9A-Za-z-]{1,64})")


class WeChatLogin:
    """`MiniProgramLogin` over WeChat's HTTP API. The adapter owns `client` and closes it."""

    platform: str = "wechat"

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ) -> None:
        if not app_id or not app_secret:
            raise ValueError("WeChatLogin needs an app_id and an app_secret")
        self.app_id = app_id
        self._app_secret = app_secret
        self._url = base_url.rstrip("/") + JSCODE2SESSION_PATH
        self._timeout = timeout
        self._client = client or httpx.AsyncClient(timeout=timeout)
        install_httpx_redaction()

    def __repr__(self) -> str:
        return f"WeChatLogin(app_id={self.app_id!r}, url={self._url!r})"

    async def exchange(self, code: str) -> MiniProgramIdentity:
        check_code_shape(code, platform="wechat")
        body = await self._fetch(code)
        outcome = self._read(body)
        del body  # the raw answer held session_key: no frame of a traceback may keep it
        if isinstance(outcome, MiniProgramError):
            raise outcome
        return outcome

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _fetch(self, code: str) -> bytes:
        params = {
            "appid": self.app_id,
            "secret": self._app_secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.get(self._url, params=params, timeout=self._timeout)
        except TimeoutError:
            raise self._failure(
                _E.UPSTREAM_ERROR, f"WeChat did not answer within {self._timeout:g} s", True
            ) from None
        except httpx.HTTPError as exc:
            # `from None`: httpx exceptions carry the request, whose URL holds secret and code.
            raise self._failure(
                _E.UPSTREAM_ERROR, f"WeChat unreachable ({type(exc).__name__})", True
            ) from None
        if response.status_code != 200:
            raise self._failure(
                _E.UPSTREAM_ERROR, f"WeChat answered HTTP {response.status_code}", True
            )
        return response.content

    def _read(self, body: bytes) -> MiniProgramIdentity | MiniProgramError:
        """Parse, dropping session_key on the way; returns rather than raises, so the answer
        is gone from every frame by the time an error is raised."""
        fields = _parse_dropping_secrets(body)
        if fields is None:
            return self._failure(
                _E.UPSTREAM_ERROR, "WeChat answered something that is not a JSON object", True
            )
        errcode = _errcode(fields.get("errcode"))
        if errcode is None:
            return self._failure(_E.UPSTREAM_ERROR, "WeChat answered a non-numeric errcode", False)
        if errcode != 0:
            return self._mapped(errcode, fields.get("errmsg"))
        open_id = fields.get("openid")
        if not isinstance(open_id, str) or not open_id:
            return self._failure(_E.UPSTREAM_ERROR, "WeChat answered without an openid", False)
        union_id = fields.get("unionid")
        return MiniProgramIdentity(
            platform="wechat",
            app_id=self.app_id,
            open_id=open_id,
            union_id=union_id if isinstance(union_id, str) and union_id else None,
        )

    def _mapped(self, errcode: int, errmsg: Any) -> MiniProgramError:
        # Only errmsg's request id is logged (for WeChat support): its free text is not ours.
        detail = _request_id(errmsg)
        if errcode in _ERRCODES:
            our_code, retryable, message = _ERRCODES[errcode]
            return self._failure(our_code, message, retryable, errcode, detail)
        if errcode in _CONFIG_ERRCODES:
            logger.error(
                "wechat jscode2session refused our app configuration (app_id=%s): errcode=%s %s",
                self.app_id,
                errcode,
                _CONFIG_ERRCODES[errcode],
            )
            return self._failure(
                _E.UPSTREAM_ERROR,
                f"WeChat refused the app configuration (errcode {errcode})",
                False,
                errcode,
                detail,
            )
        return self._failure(
            _E.UPSTREAM_ERROR, f"WeChat answered errcode {errcode}", False, errcode, detail
        )

    def _failure(
        self,
        code: MiniProgramErrorCode,
        message: str,
        retryable: bool,
        errcode: int | None = None,
        detail: str = "",
    ) -> MiniProgramError:
        logger.warning(
            "wechat code exchange failed: %s (errcode=%s%s)",
            code.value,
            errcode,
            f", rid={detail}" if detail else "",
        )
        return MiniProgramError(
            code,
            message,
            platform="wechat",
            retryable=retryable,
            upstream_code=None if errcode is None else str(errcode),
        )


def _parse_dropping_secrets(body: bytes) -> dict[str, Any] | None:
    """The answer's fields without `session_key`, which is dropped while parsing."""

    def without_secrets(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return {key: value for key, value in pairs if key not in _DROPPED_FIELDS}

    try:
        parsed = json.loads(body, object_pairs_hook=without_secrets)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _errcode(value: Any) -> int | None:
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _request_id(errmsg: Any) -> str:
    match = _RID.search(errmsg) if isinstance(errmsg, str) else None
    return match.group(1) if match else ""
