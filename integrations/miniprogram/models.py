"""What a mini-program code exchange gives us, and how it fails.

A mini-program identity says "this WeChat/Alipay account opened our mini-program"; it is not
a real-name identity (face verification is still required for that).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Platform = Literal["wechat", "alipay"]
PLATFORMS: tuple[Platform, ...] = ("wechat", "alipay")

MAX_CODE_LENGTH = 128


@dataclass(frozen=True, slots=True)
class MiniProgramIdentity:
    """The account behind a login code; key accounts on (platform, app_id, open_id) or union_id."""

    platform: Platform
    app_id: str
    open_id: str  # WeChat openid / Alipay open_id (or user_id when the app has no open_id)
    union_id: str | None


class MiniProgramErrorCode(StrEnum):
    INVALID_CODE = "INVALID_CODE"
    CODE_USED = "CODE_USED"
    CODE_EXPIRED = "CODE_EXPIRED"
    RATE_LIMITED = "RATE_LIMITED"
    BLOCKED = "BLOCKED"
    UPSTREAM_BUSY = "UPSTREAM_BUSY"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    UPSTREAM_ERROR = "UPSTREAM_ERROR"


_RETRYABLE_BY_DEFAULT = frozenset(
    {MiniProgramErrorCode.UPSTREAM_BUSY, MiniProgramErrorCode.RATE_LIMITED}
)

#: Codes after which the mini-program must obtain a fresh login code (wx.login / my.getAuthCode).
NEEDS_NEW_CODE = frozenset(
    {
        MiniProgramErrorCode.INVALID_CODE,
        MiniProgramErrorCode.CODE_USED,
        MiniProgramErrorCode.CODE_EXPIRED,
    }
)


class MiniProgramError(Exception):
    """An expected failure of a code exchange.

    The message is ours: it never carries the login code, an app secret, a session key or an
    upstream token. `upstream_code` is the platform's own error code (WeChat `errcode`, Alipay
    `sub_code` or `code`) for operators.
    """

    def __init__(
        self,
        code: MiniProgramErrorCode,
        message: str,
        *,
        platform: Platform | None = None,
        retryable: bool | None = None,
        upstream_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.platform = platform
        self.retryable = code in _RETRYABLE_BY_DEFAULT if retryable is None else retryable
        self.upstream_code = upstream_code

    def __repr__(self) -> str:
        return (
            f"MiniProgramError(code={self.code.value!r}, message={self.message!r}, "
            f"platform={self.platform!r}, retryable={self.retryable!r}, "
            f"upstream_code={self.upstream_code!r})"
        )


def check_code_shape(code: str, *, platform: Platform) -> None:
    """Refuse a code no platform would issue, before spending an upstream call (and quota) on it.

    Real codes are short ASCII tokens; anything empty, longer than 128 characters, or holding
    whitespace, control or non-ASCII characters is refused as INVALID_CODE.
    """
    if not isinstance(code, str) or not code:
        raise MiniProgramError(
            MiniProgramErrorCode.INVALID_CODE, "login code is empty", platform=platform
        )
    if len(code) > MAX_CODE_LENGTH:
        raise MiniProgramError(
            MiniProgramErrorCode.INVALID_CODE,
            f"login code is longer than {MAX_CODE_LENGTH} characters",
            platform=platform,
        )
    if not all("!" <= ch <= "~" for ch in code):
        raise MiniProgramError(
            MiniProgramErrorCode.INVALID_CODE,
            "login code holds whitespace, control or non-ASCII characters",
            platform=platform,
        )
