"""The port to a mini-program platform's login-code exchange (WeChat, Alipay)."""

from __future__ import annotations

from typing import Protocol

from integrations.miniprogram.models import MiniProgramIdentity


class MiniProgramLogin(Protocol):
    """Exchanges a one-time login code from the mini-program for the account behind it.

    Raises `MiniProgramError` for every expected failure. Platform session material
    (WeChat `session_key`, Alipay tokens) never leaves the adapter.
    """

    platform: str

    async def exchange(self, code: str) -> MiniProgramIdentity: ...

    async def aclose(self) -> None: ...
