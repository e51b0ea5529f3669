"""Reference WeChat and Alipay login servers: in-process ASGI apps speaking the real protocols.

They are the local default (through `httpx.ASGITransport`), so dev and tests exercise the real
HTTP adapters, Alipay's real RSA2 signatures both ways, and single-use codes in Redis.

Login codes are simulated by `issue_wechat_code` / `issue_alipay_code` (what `wx.login` /
`my.getAuthCode` would hand the mini-program). A code is self-contained and HMAC-signed, so it
survives across processes: it carries the open_id, union_id, expiry and a random id; the
random id is claimed once in the shared `CodeStore`.

The RSA keys here are generated at runtime (`generate_rsa_keypair`); no private key is kept in
the repository.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
import random
import secrets
import struct
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from integrations.miniprogram.alipay import (
    ERROR_KEY,
    METHOD,
    RESPONSE_KEY,
    SHANGHAI,
    TIMESTAMP_FORMAT,
    load_rsa_private_key,
    load_rsa_public_key,
    rsa2_sign,
    rsa2_verify,
    shanghai_timestamp,
    signing_string,
)
from integrations.miniprogram.models import MAX_CODE_LENGTH, Platform
from integrations.miniprogram.wechat import JSCODE2SESSION_PATH

logger = logging.getLogger("integrations.miniprogram.reference")

DEFAULT_CODE_TTL = 300
DEFAULT_STORE_PREFIX = "haoban:miniprogram:used-code:"

# --- single use -------------------------------------------------------------------------------


class CodeStore(Protocol):
    async def claim(self, key: str, ttl: int) -> bool:
        """True the first time `key` is claimed (it is then held for `ttl` seconds)."""
        ...


class RedisCodeStore:
    """`SET key 1 NX EX ttl`: one winner per key, across every process sharing the Redis."""

    def __init__(self, redis: Redis, *, prefix: str = DEFAULT_STORE_PREFIX) -> None:
        self._redis = redis
        self.prefix = prefix

    async def claim(self, key: str, ttl: int) -> bool:
        won = await self._redis.set(self.prefix + key, b"1", nx=True, ex=max(int(ttl), 1))
        return bool(won)


# --- simulated login codes --------------------------------------------------------------------

_CODE_VERSION = 1
_NONCE_BYTES = 8
_MAC_BYTES = 16
_HEADER = struct.Struct(">BI")  # version, expiry (unix seconds)


@dataclass(frozen=True, slots=True)
class CodeClaims:
    open_id: str
    union_id: str | None
    expires_at: int
    code_id: str  # the random id, hex

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at


def _mac(secret: str, platform: Platform, payload: bytes) -> bytes:
    message = b"haoban-miniprogram-code\x00" + platform.encode() + b"\x00" + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()[:_MAC_BYTES]


def _issue(platform: Platform, secret: str, open_id: str, union_id: str | None, ttl: int) -> str:
    if not secret:
        raise ValueError("a code secret is required")
    open_bytes = open_id.encode("utf-8")
    union_bytes = (union_id or "").encode("utf-8")
    if not open_bytes:
        raise ValueError("open_id must not be empty")
    expires_at = min(max(int(time.time()) + ttl, 0), 2**32 - 1)
    payload = (
        _HEADER.pack(_CODE_VERSION, expires_at)
        + secrets.token_bytes(_NONCE_BYTES)
        + bytes([min(len(open_bytes), 255)])
        + open_bytes[:255]
        + bytes([min(len(union_bytes), 255)])
        + union_bytes[:255]
    )
    code = base64.urlsafe_b64encode(payload + _mac(secret, platform, payload)).decode().rstrip("=")
    if len(open_bytes) > 255 or len(union_bytes) > 255 or len(code) > MAX_CODE_LENGTH:
        raise ValueError(
            f"open_id and union_id are too long for a {MAX_CODE_LENGTH}-character code "
            "(together at most 65 bytes)"
        )
    return code


def issue_wechat_code(
    secret: str, open_id: str, union_id: str | None = None, ttl: int = DEFAULT_CODE_TTL
) -> str:
    """What `wx.login` would give the mini-program, for the reference signed with `secret`."""
    return _issue("wechat", secret, open_id, union_id, ttl)


def issue_alipay_code(
    secret: str, open_id: str, union_id: str | None = None, ttl: int = DEFAULT_CODE_TTL
) -> str:
    """What `my.getAuthCode` would give the mini-program, for the reference signed with `secret`."""
    return _issue("alipay", secret, open_id, union_id, ttl)


def read_code(platform: Platform, secret: str, code: str) -> CodeClaims | None:
    """The claims of a genuine code for `platform`, expired or not; None for anything else."""
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    try:
        raw = base64.b64decode(code + "=" * (-len(code) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    # One spelling per code: refuse "+", "/", padding and stray low bits that decode the same.
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != code:
        return None
    if len(raw) < _HEADER.size + _NONCE_BYTES + 2 + _MAC_BYTES:
        return None
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(secret, platform, payload)):
        return None
    try:
        version, expires_at = _HEADER.unpack_from(payload, 0)
        at = _HEADER.size
        code_id = payload[at : at + _NONCE_BYTES].hex()
        at += _NONCE_BYTES
        open_id, at = _length_prefixed(payload, at)
        union_id, at = _length_prefixed(payload, at)
    except (struct.error, IndexError, UnicodeDecodeError):
        return None
    if version != _CODE_VERSION or at != len(payload) or not open_id:
        return None
    return CodeClaims(open_id, union_id or None, expires_at, code_id)


def _length_prefixed(payload: bytes, at: int) -> tuple[str, int]:
    length = payload[at]
    end = at + 1 + length
    if end > len(payload):
        raise IndexError("truncated")
    return payload[at + 1 : end].decode("utf-8"), end


# --- demo keys --------------------------------------------------------------------------------


def generate_rsa_keypair() -> tuple[str, str]:
    """A fresh RSA-2048 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


@functools.cache
def demo_rsa_keypair(role: str) -> tuple[str, str]:
    """One generated key pair per role ("app", "alipay") and process, for the local setup."""
    return generate_rsa_keypair()


# --- WeChat -----------------------------------------------------------------------------------


def _wechat_answer(fields: dict[str, Any]) -> Response:
    # WeChat answers HTTP 200 with JSON labelled text/plain, errors included.
    return Response(json.dumps(fields, ensure_ascii=False), media_type="text/plain")


def _wechat_error(errcode: int, errmsg: str) -> Response:
    rid = secrets.token_hex(8)
    return _wechat_answer({"errcode": errcode, "errmsg": f"{errmsg}, rid: {rid}"})


def create_wechat_reference(
    app_id: str,
    app_secret: str,
    *,
    store: CodeStore,
    code_secret: str | None = None,
    fail_rate: float = 0.0,
    latency: float = 0.0,
    seed: int | None = None,
) -> Starlette:
    """`GET /sns/jscode2session` for one mini-program. Codes are checked with `code_secret`
    (default: `app_secret`); `fail_rate` answers errcode -1 (seeded), `latency` delays."""
    code_key = code_secret or app_secret
    rng = random.Random(seed)

    async def jscode2session(request: Request) -> Response:
        if latency > 0:
            await asyncio.sleep(latency)
        query = request.query_params
        appid, secret = query.get("appid", ""), query.get("secret", "")
        js_code = query.get("js_code", "")
        if not appid:
            return _wechat_error(41002, "appid missing")
        if not hmac.compare_digest(appid.encode(), app_id.encode()):
            return _wechat_error(40013, "invalid appid")
        if not secret:
            return _wechat_error(41004, "appsecret missing")
        if not hmac.compare_digest(secret.encode(), app_secret.encode()):
            return _wechat_error(40125, "invalid appsecret")
        if query.get("grant_type") != "authorization_code":
            return _wechat_error(40002, "invalid grant_type")
        if not js_code:
            return _wechat_error(41008, "missing code")
        if fail_rate > 0 and rng.random() < fail_rate:
            return _wechat_error(-1, "system error")
        claims = read_code("wechat", code_key, js_code)
        if claims is None:
            return _wechat_error(40029, "invalid code")
        if claims.expired():
            return _wechat_error(40029, "invalid code, code expired")
        try:
            first = await store.claim(f"wechat:{claims.code_id}", _hold_for(claims))
        except RedisError:
            logger.exception("reference wechat: the code store failed")
            return _wechat_error(-1, "system error")
        if not first:
            return _wechat_error(40163, "code been used")
        fields: dict[str, Any] = {
            "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
            "openid": claims.open_id,
        }
        if claims.union_id:
            fields["unionid"] = claims.union_id
        return _wechat_answer(fields)

    return Starlette(routes=[Route(JSCODE2SESSION_PATH, jscode2session, methods=["GET"])])


def _hold_for(claims: CodeClaims) -> int:
    """Hold a used code's id a minute past its expiry; after that the expiry refuses it."""
    return max(claims.expires_at - int(time.time()), 0) + 60


# --- Alipay -----------------------------------------------------------------------------------


def create_alipay_reference(
    app_id: str,
    app_public_key_pem: str,
    alipay_private_key_pem: str,
    *,
    store: CodeStore,
    code_secret: str,
    fail_rate: float = 0.0,
    latency: float = 0.0,
    seed: int | None = None,
    max_clock_skew: float = 900.0,
) -> Starlette:
    """`POST /gateway.do` serving `alipay.system.oauth.token` for one app: checks the request's
    RSA2 signature with the app's public key and signs every answer about that app with
    Alipay's key (an unknown app_id gets an unsigned error, as from Alipay's gateway)."""
    app_key = load_rsa_public_key(app_public_key_pem)
    alipay_key = load_rsa_private_key(alipay_private_key_pem)
    rng = random.Random(seed)

    def signed(root: str, fields: dict[str, Any]) -> Response:
        raw = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        sign = rsa2_sign(raw, alipay_key)
        body = "{" + json.dumps(root) + ":" + raw + ',"sign":' + json.dumps(sign) + "}"
        return Response(body, media_type="application/json", headers=_UTF8)

    def error(code: str, msg: str, sub_code: str, sub_msg: str) -> Response:
        fields = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}
        return signed(ERROR_KEY, fields)

    async def gateway(request: Request) -> Response:
        if latency > 0:
            await asyncio.sleep(latency)
        params = dict(request.query_params)
        body = await request.body()
        params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        if params.get("app_id") != app_id:
            unknown_app = {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-app-id",
                "sub_msg": "无效的AppID参数",
            }
            raw = json.dumps({ERROR_KEY: unknown_app}, ensure_ascii=False, separators=(",", ":"))
            return Response(raw, media_type="application/json", headers=_UTF8)
        if params.get("method") != METHOD:
            return error("40002", "Invalid Arguments", "isv.invalid-method", "不存在的方法名")
        if params.get("charset", "").lower() != "utf-8":
            return error("40002", "Invalid Arguments", "isv.invalid-charset", "字符集错误")
        if params.get("format", "JSON") != "JSON":
            return error("40002", "Invalid Arguments", "isv.invalid-format", "无效的数据格式")
        if params.get("version") != "1.0":
            return error("40002", "Invalid Arguments", "isv.invalid-version", "版本号错误")
        if params.get("sign_type") != "RSA2":
            return error("40002", "Invalid Arguments", "isv.invalid-signature-type", "无效签名类型")
        if not _timestamp_ok(params.get("timestamp", ""), max_clock_skew):
            return error("40002", "Invalid Arguments", "isv.invalid-timestamp", "非法的时间戳参数")
        sign = params.get("sign", "")
        if not sign:
            return error(
                "40001", "Missing Required Arguments", "isv.missing-signature", "缺少签名参数"
            )
        if not rsa2_verify(signing_string(params), sign, app_key):
            return error(
                "40002",
                "Invalid Arguments",
                "isv.invalid-signature",
                "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配",
            )
        if params.get("grant_type") != "authorization_code":
            return error(
                "40002", "Invalid Arguments", "isv.grant-type-invalid", "grant_type参数不正确"
            )
        if fail_rate > 0 and rng.random() < fail_rate:
            return error("20000", "Service Currently Unavailable", "isp.unknow-error", "系统繁忙")
        claims = read_code("alipay", code_secret, params.get("code", ""))
        # Alipay answers one sub_code for a wrong, expired or used code; only sub_msg differs.
        if claims is None:
            return error("40002", "Invalid Arguments", "isv.code-invalid", "授权码code无效")
        if claims.expired():
            return error("40002", "Invalid Arguments", "isv.code-invalid", "授权码code已过期")
        try:
            first = await store.claim(f"alipay:{claims.code_id}", _hold_for(claims))
        except RedisError:
            logger.exception("reference alipay: the code store failed")
            return error("20000", "Service Currently Unavailable", "isp.unknow-error", "系统繁忙")
        if not first:
            return error("40002", "Invalid Arguments", "isv.code-invalid", "授权码code已被使用")
        fields: dict[str, Any] = {"open_id": claims.open_id}
        if claims.union_id:
            fields["union_id"] = claims.union_id
        fields |= {
            "access_token": "authbseB" + secrets.token_hex(16),
            "expires_in": 1296000,
            "refresh_token": "authbseB" + secrets.token_hex(16),
            "re_expires_in": 2592000,
            "auth_start": shanghai_timestamp(),
        }
        return signed(RESPONSE_KEY, fields)

    return Starlette(routes=[Route("/gateway.do", gateway, methods=["GET", "POST"])])


_UTF8 = {"Content-Type": "application/json;charset=utf-8"}


def _timestamp_ok(text: str, max_skew: float) -> bool:
    try:
        moment = datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=SHANGHAI)
    except ValueError:
        return False
    return abs(moment.timestamp() - time.time()) <= max_skew
