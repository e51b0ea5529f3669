"""Alipay mini-program login: `my.getAuthCode` code → open_id/user_id via
`alipay.system.oauth.token`, signed RSA2 both ways.

The contract is in README.md beside this file. Requests are signed with the app's private key
over Alipay's signing string; answers are verified with Alipay's public key over the exact raw
JSON text of the `…_response` member. `access_token` and `refresh_token` are dropped while the
verified answer is parsed: we only need the identity.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations.miniprogram._logging import scrub
from integrations.miniprogram.models import (
    MiniProgramError,
    MiniProgramErrorCode,
    MiniProgramIdentity,
    check_code_shape,
)

logger = logging.getLogger("integrations.miniprogram.alipay")

DEFAULT_GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
METHOD = "alipay.system.oauth.token"
RESPONSE_KEY = "alipay_system_oauth_token_response"
ERROR_KEY = "error_response"
SUCCESS_CODE = "10000"
# China Standard Time has no daylight saving: a fixed offset is Asia/Shanghai.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

_DROPPED_FIELDS = frozenset({"access_token", "refresh_token"})
_E = MiniProgramErrorCode


# --- Alipay's signing, shared with the reference gateway -------------------------------------


def signing_string(params: Mapping[str, str | None]) -> str:
    """Alipay's string to sign: every parameter except `sign` with a non-empty value, sorted by
    name (ASCII), as raw `name=value` pairs joined by `&` (no URL encoding)."""
    return "&".join(
        f"{name}={params[name]}" for name in sorted(params) if name != "sign" and params[name]
    )


def rsa2_sign(content: str, private_key: rsa.RSAPrivateKey) -> str:
    """RSA2: SHA256withRSA, PKCS#1 v1.5, base64 (standard alphabet) over the UTF-8 bytes."""
    signature = private_key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(content: str, signature: str, public_key: rsa.RSAPublicKey) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def load_rsa_private_key(text: str) -> rsa.RSAPrivateKey:
    """A PEM key (PKCS#8 or PKCS#1), or the bare base64 PKCS#8 string Alipay's key tool gives."""
    if "-----BEGIN" in text:
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    else:
        key = serialization.load_der_private_key(_bare_base64(text), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the app private key is not an RSA key")
    return key


def load_rsa_public_key(text: str) -> rsa.RSAPublicKey:
    """A PEM public key, or the bare base64 X.509 SubjectPublicKeyInfo Alipay shows."""
    if "-----BEGIN" in text:
        key = serialization.load_pem_public_key(text.encode("ascii"))
    else:
        key = serialization.load_der_public_key(_bare_base64(text))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the Alipay public key is not an RSA key")
    return key


def _bare_base64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError("a key must be PEM or bare base64") from exc


def shanghai_timestamp(now: datetime | None = None) -> str:
    """`yyyy-MM-dd HH:mm:ss` in Beijing time, as Alipay's `timestamp` parameter wants it."""
    moment = now if now is not None else datetime.now(SHANGHAI)
    return moment.astimezone(SHANGHAI).strftime(TIMESTAMP_FORMAT)


def top_level_members(body: str) -> dict[str, str]:
    """The raw JSON text of each member of the top-level object, exactly as it appears.

    Alipay signs the `…_response` value as sent, so it must be cut out, not re-serialised.
    Raises ValueError for anything but one JSON object, or for a repeated member name (which
    would make "the" signed value ambiguous).
    """
    decoder = json.JSONDecoder()
    members: dict[str, str] = {}
    index = _skip_ws(body, 0)
    if body[index : index + 1] != "{":
        raise ValueError("not a JSON object")
    index = _skip_ws(body, index + 1)
    if body[index : index + 1] == "}":
        return _end(body, index + 1, members)
    while True:
        if body[index : index + 1] != '"':
            raise ValueError("expected a member name")
        name, index = decoder.raw_decode(body, index)
        index = _skip_ws(body, index)
        if body[index : index + 1] != ":":
            raise ValueError("expected ':'")
        start = _skip_ws(body, index + 1)
        _, end = decoder.raw_decode(body, start)
        if name in members:
            raise ValueError("a member name is repeated")
        members[name] = body[start:end]
        index = _skip_ws(body, end)
        separator = body[index : index + 1]
        if separator == "}":
            return _end(body, index + 1, members)
        if separator != ",":
            raise ValueError("expected ',' or '}'")
        index = _skip_ws(body, index + 1)


def _skip_ws(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _end(body: str, index: int, members: dict[str, str]) -> dict[str, str]:
    if _skip_ws(body, index) != len(body):
        raise ValueError("trailing data after the JSON object")
    return members


# --- the adapter ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Answer:
    """A verified answer's fields, with the tokens already dropped."""

    root: str
    fields: dict[str, Any]


class AlipayLogin:
    """`MiniProgramLogin` over Alipay's open API gateway. The adapter owns `client`."""

    platform: str = "alipay"

    def __init__(
        self,
        app_id: str,
        app_private_key_pem: str,
        alipay_public_key_pem: str,
        *,
        gateway_url: str = DEFAULT_GATEWAY_URL,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ) -> None:
        if not app_id:
            raise ValueError("AlipayLogin needs an app_id")
        self.app_id = app_id
        self._private_key = load_rsa_private_key(app_private_key_pem)
        self._alipay_key = load_rsa_public_key(alipay_public_key_pem)
        self._gateway_url = gateway_url
        self._timeout = timeout
        self._client = client or httpx.AsyncClient(timeout=timeout)

    def __repr__(self) -> str:
        return f"AlipayLogin(app_id={self.app_id!r}, gateway_url={self._gateway_url!r})"

    def signed_params(self, code: str, *, now: datetime | None = None) -> dict[str, str]:
        """The form we POST: common parameters, the method's parameters and `sign`."""
        params = {
            "app_id": self.app_id,
            "method": METHOD,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": shanghai_timestamp(now),
            "version": "1.0",
            "grant_type": "authorization_code",
            "code": code,
        }
        params["sign"] = rsa2_sign(signing_string(params), self._private_key)
        return params

    async def exchange(self, code: str) -> MiniProgramIdentity:
        check_code_shape(code, platform="alipay")
        body = await self._post(self.signed_params(code))
        outcome = self._read(body)
        del body  # the raw answer held the access and refresh tokens
        if isinstance(outcome, MiniProgramError):
            raise outcome
        return outcome

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, params: dict[str, str]) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.post(
                    self._gateway_url,
                    data=params,
                    headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                    timeout=self._timeout,
                )
        except TimeoutError:
            raise self._failure(
                _E.UPSTREAM_ERROR, f"Alipay did not answer within {self._timeout:g} s", True
            ) from None
        except httpx.HTTPError as exc:
            raise self._failure(
                _E.UPSTREAM_ERROR, f"Alipay unreachable ({type(exc).__name__})", True
            ) from None
        if response.status_code != 200:
            raise self._failure(
                _E.UPSTREAM_ERROR, f"Alipay answered HTTP {response.status_code}", True
            )
        try:
            return response.content.decode("utf-8")
        except UnicodeDecodeError:
            raise self._failure(_E.UPSTREAM_ERROR, "Alipay answered non-UTF-8 text", True) from None

    def _read(self, body: str) -> MiniProgramIdentity | MiniProgramError:
        """Verify, then parse; returns rather than raises so no frame holding the raw answer
        ends up in a traceback."""
        answer = self._verified(body)
        if isinstance(answer, MiniProgramError):
            return answer
        fields = answer.fields
        sub_code = fields.get("sub_code")
        code = fields.get("code")
        if answer.root == ERROR_KEY or sub_code or (code is not None and str(code) != SUCCESS_CODE):
            return self._mapped(fields)
        open_id = fields.get("open_id") or fields.get("user_id")
        if not isinstance(open_id, str) or not open_id:
            return self._failure(
                _E.UPSTREAM_ERROR, "Alipay answered without an open_id or user_id", False
            )
        union_id = fields.get("union_id")
        return MiniProgramIdentity(
            platform="alipay",
            app_id=self.app_id,
            open_id=open_id,
            union_id=union_id if isinstance(union_id, str) and union_id else None,
        )

    def _verified(self, body: str) -> _Answer | MiniProgramError:
        try:
            members = top_level_members(body)
        except ValueError:
            return self._failure(
                _E.UPSTREAM_ERROR, "Alipay answered something that is not its JSON envelope", True
            )
        root = RESPONSE_KEY if RESPONSE_KEY in members else ERROR_KEY
        raw = members.get(root)
        if raw is None:
            return self._failure(
                _E.UPSTREAM_ERROR, f"Alipay answered neither {RESPONSE_KEY} nor {ERROR_KEY}", False
            )
        fields = _parse_dropping_tokens(raw)
        if fields is None:
            return self._failure(_E.UPSTREAM_ERROR, f"Alipay's {root} is not a JSON object", False)
        sign = _json_string(members.get("sign"))
        is_error = root == ERROR_KEY or "sub_code" in fields
        # As Alipay's SDKs do: a success must be signed; an error is checked when signed (the
        # gateway leaves errors unsigned when it cannot tell which app is calling). An unsigned
        # error can only fail a login, never produce an identity.
        if sign is None and not is_error:
            return self._failure(_E.SIGNATURE_INVALID, "Alipay's answer is not signed", False)
        if sign is not None and not self._signature_holds(raw, sign):
            return self._failure(
                _E.SIGNATURE_INVALID, "Alipay's answer failed signature verification", False
            )
        return _Answer(root=root, fields=fields)

    def _signature_holds(self, raw: str, sign: str) -> bool:
        if rsa2_verify(raw, sign, self._alipay_key):
            return True
        # Alipay's SDKs retry once with JSON's optional "\/" escape undone.
        return "\\/" in raw and rsa2_verify(raw.replace("\\/", "/"), sign, self._alipay_key)

    def _mapped(self, fields: dict[str, Any]) -> MiniProgramError:
        code = str(fields.get("code") or "")
        sub_code = str(fields.get("sub_code") or "")
        upstream = sub_code or code or None
        detail = scrub(str(fields.get("sub_msg") or fields.get("msg") or ""))
        if sub_code == "isv.code-invalid":
            # Alipay answers this one sub_code for a wrong, used or expired code.
            return self._failure(
                _E.INVALID_CODE,
                "Alipay refused the auth code as invalid, used or expired",
                False,
                upstream,
                detail,
            )
        if code == "20000" or sub_code.startswith("isp."):
            return self._failure(
                _E.UPSTREAM_BUSY, "Alipay is unavailable; try again shortly", True, upstream, detail
            )
        if sub_code in {"isv.invalid-app-id", "isv.invalid-signature", "isv.missing-signature"}:
            logger.error(
                "alipay.system.oauth.token refused our app configuration (app_id=%s): %s",
                self.app_id,
                sub_code,
            )
        return self._failure(
            _E.UPSTREAM_ERROR, f"Alipay answered {upstream or 'an error'}", False, upstream, detail
        )

    def _failure(
        self,
        code: MiniProgramErrorCode,
        message: str,
        retryable: bool,
        upstream_code: str | None = None,
        detail: str = "",
    ) -> MiniProgramError:
        logger.warning(
            "alipay code exchange failed: %s (upstream=%s%s)",
            code.value,
            upstream_code,
            f", sub_msg={detail!r}" if detail else "",
        )
        return MiniProgramError(
            code, message, platform="alipay", retryable=retryable, upstream_code=upstream_code
        )


def _parse_dropping_tokens(raw: str) -> dict[str, Any] | None:
    def without_tokens(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return {key: value for key, value in pairs if key not in _DROPPED_FIELDS}

    try:
        parsed = json.loads(raw, object_pairs_hook=without_tokens)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _json_string(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, str) and value else None
