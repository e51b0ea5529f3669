"""A reference Tencent FaceID server: an in-process Starlette app speaking FaceID's protocol.

It is the local default (through `httpx.ASGITransport`), so dev and tests exercise the real
adapter, real TC3-HMAC-SHA256 signatures and a real browser round trip:

- `POST /` — the API: `DetectAuth`, `GetDetectInfoEnhanced`, and `SubmitPhoto`, an action
  only this server has: it stands in for the vendor SDK's own upload in photo mode.
- `GET /h5/{BizToken}` — the "face check" page the citizen's browser is sent to. It is a
  simulation: no camera, a select of the outcome instead.
- `POST /h5/{BizToken}` — records the chosen outcome and answers 303 to the RedirectUrl given
  at DetectAuth, with `token`, `timestamp` and `newSign`.

Checks live in Redis (`TokenStore`), so every process sharing the Redis and the credentials
sees the same tokens. Time comes from `now`, so tests expire tokens without sleeping. Tests
(and demos) can settle a check directly with `complete()`.

Never mount it in production: it is a simulation, and anyone holding a BizToken can pass it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import html
import io
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from PIL import Image, UnidentifiedImageError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from integrations.face import tc3
from integrations.face.models import id_number_has_shape, mask_id_number, mask_name
from integrations.face.tencent import (
    API_VERSION,
    BIZ_TOKEN_EXPIRED,
    DEFAULT_TOKEN_VALIDITY,
    ERR_NOT_FINISHED,
    ERR_TOKEN_EXPIRED,
    MAX_EXTRA_LENGTH,
    SERVICE,
    callback_signature,
    utc_now,
)

logger = logging.getLogger("integrations.face.reference")

DEFAULT_KEY_PREFIX = "haoban:face:reference:"
RESULT_RETENTION = 3 * 24 * 3600  # Tencent keeps a check's result three days
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_IMAGE_BASE64 = 3 * 1024 * 1024  # FaceID's limit on ImageBase64
MIN_PHOTO_SIDE = 200
MAX_PHOTO_PIXELS = 25_000_000
BIZ_TOKEN_ILLEGAL = "InvalidParameterValue.BizTokenIllegal"

# --- outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What Text reports for one simulated check (codes from Tencent's 1007/31082)."""

    err_code: int
    err_msg: str
    live_status: int | None
    live_msg: str | None
    compare_status: int | None
    compare_msg: str | None
    sim_range: tuple[float, float] | None


OUTCOMES: dict[str, Outcome] = {
    "pass": Outcome(0, "成功", 0, "成功", 0, "成功", (90.0, 99.5)),
    "liveness": Outcome(1002, "疑似非真人录制", 1002, "疑似非真人录制", None, None, None),
    "mismatch": Outcome(2015, "比对失败", 0, "成功", 2015, "比对失败", (20.0, 50.0)),
    "low_score": Outcome(
        2016, "比对相似度未达到通过标准", 0, "成功", 2016, "比对相似度未达到通过标准", (55.0, 69.9)
    ),
    "name_id_mismatch": Outcome(2006, "姓名和身份证号不一致", None, None, None, None, None),
    "retry_limit": Outcome(16, "验证次数超限", None, None, None, None, None),
}
# What the simulated H5 page offers, in order (the others are for `complete()` only).
H5_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("pass", "通过"),
    ("liveness", "活体检测未通过 (1002)"),
    ("mismatch", "非本人 (2015)"),
    ("low_score", "比对分数过低 (2016)"),
)

# --- the shared store -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A check as DetectAuth opened it. Holds the name and ID number, as Tencent does for the
    retention period; only this reference stores them, never the BFF."""

    rule_id: str
    id_card: str
    name: str
    redirect_url: str
    extra: str
    created_at: float  # unix seconds, on the reference's clock
    expires_at: float


@dataclass(frozen=True, slots=True)
class RecordedResult:
    outcome: str
    id_card: str
    name: str
    sim: str | None  # two decimals, as Tencent sends it
    req_time_ms: int


class TokenStore:
    """Checks in Redis: `<prefix>token:<BizToken>` (JSON, EX validity + retention) and
    `<prefix>result:<BizToken>` (JSON, written once with SET NX: the first outcome stands)."""

    def __init__(self, redis: Redis, *, prefix: str, ttl: int) -> None:
        self._redis = redis
        self.prefix = prefix
        self._ttl = max(int(ttl), 1)

    async def create(self, token: str, record: TokenRecord) -> None:
        await self._redis.set(
            self.prefix + "token:" + token, json.dumps(asdict(record)), ex=self._ttl
        )

    async def load(self, token: str) -> TokenRecord | None:
        raw = await self._redis.get(self.prefix + "token:" + token)
        return None if raw is None else TokenRecord(**json.loads(raw))

    async def record(self, token: str, result: RecordedResult) -> bool:
        won = await self._redis.set(
            self.prefix + "result:" + token, json.dumps(asdict(result)), nx=True, ex=self._ttl
        )
        return bool(won)

    async def result(self, token: str) -> RecordedResult | None:
        raw = await self._redis.get(self.prefix + "result:" + token)
        return None if raw is None else RecordedResult(**json.loads(raw))


# --- the server -------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class TencentFaceReference(Starlette):
    """The reference FaceID server for one RuleId.

    `credentials`: SecretId → SecretKey accepted on the API. `callback_key` signs the browser's
    return. `public_base_url`: where browsers reach this app (DetectAuth's Url is
    `{public_base_url}/h5/{BizToken}`). `fail_rate` answers InternalError (seeded with `seed`)
    after authentication, before any state is touched; `latency` delays each API answer.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        credentials: Mapping[str, str],
        rule_id: str,
        callback_key: str,
        public_base_url: str,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        token_validity: float = DEFAULT_TOKEN_VALIDITY,
        result_retention: float = RESULT_RETENTION,
        latency: float = 0.0,
        fail_rate: float = 0.0,
        seed: int | None = None,
        now: Callable[[], datetime] | None = None,
        max_clock_skew: float = tc3.MAX_CLOCK_SKEW,
    ) -> None:
        if not credentials or not rule_id or not callback_key:
            raise ValueError("the face reference needs credentials, a rule_id and a callback_key")
        self.tokens = TokenStore(
            redis, prefix=key_prefix, ttl=int(token_validity + result_retention)
        )
        self.rule_id = rule_id
        self.public_base_url = public_base_url.rstrip("/")
        self.token_validity = token_validity
        self._credentials = dict(credentials)
        self._callback_key = callback_key
        self._latency = latency
        self._fail_rate = fail_rate
        self._rng = random.Random(seed)
        self._clock = now or utc_now
        self._max_skew = max_clock_skew
        self._actions: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
            "DetectAuth": self._detect_auth,
            "GetDetectInfoEnhanced": self._get_detect_info,
            "SubmitPhoto": self._submit_photo,
        }
        super().__init__(
            routes=[
                Route("/", self._api, methods=["POST"]),
                Route("/h5/{biz_token}", self._h5_page, methods=["GET"]),
                Route("/h5/{biz_token}", self._h5_submit, methods=["POST"]),
            ]
        )

    def __repr__(self) -> str:
        return f"TencentFaceReference(rule_id={self.rule_id!r}, prefix={self.tokens.prefix!r})"

    # --- scripting (tests, demos) -----------------------------------------------------------

    async def complete(
        self, biz_token: str, *, outcome: str = "pass", id_number: str | None = None
    ) -> bool:
        """Settle a check as if the citizen had finished it. True when this call recorded the
        outcome; False when the check already had one (the first stands) or has expired.

        `id_number` replaces the ID number the provider reports as verified, to simulate a
        provider vouching for somebody else. Raises LookupError for an unknown BizToken.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {sorted(OUTCOMES)}")
        record = await self.tokens.load(biz_token)
        if record is None:
            raise LookupError("unknown BizToken")
        return await self._settle(biz_token, record, outcome, id_number=id_number)

    def callback_query(self, biz_token: str) -> dict[str, str]:
        """The signed parameters the citizen's browser brings back to the RedirectUrl."""
        timestamp = str(int(self._clock().timestamp()))
        return {
            "token": biz_token,
            "timestamp": timestamp,
            "newSign": callback_signature(self._callback_key, biz_token, timestamp),
        }

    def h5_url(self, biz_token: str) -> str:
        return f"{self.public_base_url}/h5/{biz_token}"

    # --- the API ----------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        if self._latency > 0:
            await asyncio.sleep(self._latency)
        try:
            body = await _read_capped(request, MAX_BODY_BYTES)
            if body is None:
                raise ApiError("RequestSizeLimitExceeded", "请求包超过限制大小。")
            self._authenticate(request, body)
            if request.headers.get("x-tc-version") != API_VERSION:
                raise ApiError("NoSuchVersion", "接口版本不存在。")
            action = self._actions.get(request.headers.get("x-tc-action", ""))
            if action is None:
                raise ApiError("InvalidAction", "接口不存在。")
            try:
                params = json.loads(body)
            except ValueError:
                params = None
            if not isinstance(params, dict):
                raise ApiError("InvalidParameter", "请求体不是 JSON 对象。")
            del body
            if self._fail_rate > 0 and self._rng.random() < self._fail_rate:
                raise ApiError("InternalError", "内部错误。")
            fields = await action(params)
        except ApiError as exc:
            return _answer({"Error": {"Code": exc.code, "Message": exc.message}})
        except RedisError:
            logger.exception("face reference: the token store failed")
            return _answer({"Error": {"Code": "InternalError", "Message": "内部错误。"}})
        return _answer(fields)

    def _authenticate(self, request: Request, body: bytes) -> None:
        parsed = tc3.parse_authorization(request.headers.get("authorization", ""))
        if parsed is None or not {"content-type", "host"} <= set(parsed.signed_headers):
            raise ApiError("AuthFailure.InvalidAuthorization", "Authorization 格式错误。")
        stamp = request.headers.get("x-tc-timestamp", "")
        if not stamp.isdigit() or len(stamp) > 12:
            raise ApiError("AuthFailure.InvalidAuthorization", "X-TC-Timestamp 格式错误。")
        timestamp = int(stamp)
        if abs(self._clock().timestamp() - timestamp) > self._max_skew:
            raise ApiError(
                "AuthFailure.SignatureExpire", "签名过期，时间戳与服务器时间相差超过五分钟。"
            )
        if parsed.service != SERVICE:
            raise ApiError("AuthFailure.InvalidAuthorization", "Credential 中的服务名错误。")
        secret_key = self._credentials.get(parsed.secret_id)
        if secret_key is None:
            raise ApiError("AuthFailure.SecretIdNotFound", "密钥不存在。")
        expected = tc3.signature(
            secret_key=secret_key,
            service=SERVICE,
            timestamp=timestamp,
            method=request.method,
            uri=request.url.path,
            query=request.url.query,
            headers={name: request.headers.get(name, "") for name in parsed.signed_headers},
            signed_headers=parsed.signed_headers,
            payload=body,
        )
        # The scope's date must be the timestamp's: a signature cannot be moved to another day.
        if parsed.date != tc3.credential_date(timestamp) or not _same(expected, parsed.signature):
            raise ApiError("AuthFailure.SignatureFailure", "签名错误。")

    async def _detect_auth(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_rule(params)
        id_card = _string(params, "IdCard").upper()
        name = _string(params, "Name").strip()
        redirect_url = _string(params, "RedirectUrl")
        extra = params.get("Extra") or ""
        # The real service can read the ID card itself (OCR); this simulation cannot.
        if not id_card or not name:
            raise ApiError("MissingParameter", "缺少参数 IdCard 或 Name。")
        if not id_number_has_shape(id_card):
            raise ApiError("FailedOperation.IdFormatError", "输入的身份证号有误。")
        if len(name) > 64 or not name.isprintable():
            raise ApiError("FailedOperation.NameFormatError", "输入的姓名有误。")
        parts = urlsplit(redirect_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ApiError("InvalidParameterValue", "RedirectUrl 不是有效的网址。")
        if not isinstance(extra, str) or len(extra) > MAX_EXTRA_LENGTH:
            raise ApiError("InvalidParameterValue", "Extra 过长。")
        now = self._clock().timestamp()
        token = str(uuid.uuid4()).upper()
        record = TokenRecord(
            rule_id=self.rule_id,
            id_card=id_card,
            name=name,
            redirect_url=redirect_url,
            extra=extra,
            created_at=now,
            expires_at=now + self.token_validity,
        )
        await self.tokens.create(token, record)
        return {"BizToken": token, "Url": self.h5_url(token)}

    async def _get_detect_info(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_rule(params)
        token = _string(params, "BizToken")
        if not token:
            raise ApiError("MissingParameter", "缺少参数 BizToken。")
        record = await self.tokens.load(token)
        if record is None:
            raise ApiError(BIZ_TOKEN_ILLEGAL, "BizToken不合法。")
        result = await self.tokens.result(token)
        # Images, frames and video (InfoType 2/3/4) are never simulated: always null.
        fields: dict[str, Any] = {
            "Text": self._text(record, result),
            "IdCardData": None,
            "BestFrame": None,
            "Encryption": None,
            "IntentionVerifyData": None,
            "IntentionQuestionResult": None,
        }
        return fields

    async def _submit_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """Reference only: stands in for the vendor SDK's upload in photo mode. A JPEG at
        least 200×200 passes (Sim 90+); anything else fails liveness (1002)."""
        self._check_rule(params)
        token = _string(params, "BizToken")
        image = params.get("ImageBase64")
        if not token or not isinstance(image, str) or not image:
            raise ApiError("MissingParameter", "缺少参数 BizToken 或 ImageBase64。")
        if len(image) > MAX_IMAGE_BASE64:
            raise ApiError("FailedOperation.ImageSizeTooLarge", "图片尺寸过大。")
        record = await self.tokens.load(token)
        if record is None:
            raise ApiError(BIZ_TOKEN_ILLEGAL, "BizToken不合法。")
        if self._expired(record):
            raise ApiError(BIZ_TOKEN_EXPIRED, "BizToken过期。")
        if await self.tokens.result(token) is not None:
            raise ApiError("UnsupportedOperation", "该 BizToken 的核验已完成。")
        try:
            jpeg = base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("FailedOperation.ImageDecodeFailed", "图片解码失败。") from None
        del image, params
        outcome = "pass" if _usable_photo(jpeg) else "liveness"
        del jpeg  # the photo is judged and dropped: nothing of it is kept
        if not await self._settle(token, record, outcome):
            raise ApiError("UnsupportedOperation", "该 BizToken 的核验已完成。")
        return {}

    def _check_rule(self, params: Mapping[str, Any]) -> None:
        rule = params.get("RuleId")
        if not rule:
            raise ApiError("MissingParameter", "缺少参数 RuleId。")
        if rule != self.rule_id:
            raise ApiError(
                "InvalidParameterValue.RuleIdNotExist", "RuleId不存在，请到人脸核身控制台申请。"
            )

    def _text(self, record: TokenRecord, result: RecordedResult | None) -> dict[str, Any]:
        if result is None:
            code, message = (
                (ERR_TOKEN_EXPIRED, "身份验证令牌已过期")
                if self._expired(record)
                else (ERR_NOT_FINISHED, "未完成身份验证流程")
            )
            return _text_fields(code, message, extra=record.extra)
        outcome = OUTCOMES[result.outcome]
        text = _text_fields(outcome.err_code, outcome.err_msg, extra=record.extra)
        text |= {
            "IdCard": result.id_card,
            "Name": result.name,
            "LiveStatus": outcome.live_status,
            "LiveMsg": outcome.live_msg,
            "Comparestatus": outcome.compare_status,
            "Comparemsg": outcome.compare_msg,
            "Sim": result.sim,
            "IdInfoFrom": "其他",
            "CompareLibType": "权威库",
            "LivenessMode": 3,
            "LivenessDetail": [
                {
                    "ReqTime": str(result.req_time_ms),
                    "Seq": str(uuid.uuid4()),
                    "Idcard": mask_id_number(result.id_card),
                    "Name": mask_name(result.name),
                    "Sim": result.sim,
                    "IsNeedCharge": outcome.compare_status is not None,
                    "Errcode": outcome.err_code,
                    "Errmsg": outcome.err_msg,
                    "Livestatus": outcome.live_status,
                    "Livemsg": outcome.live_msg,
                    "Comparestatus": outcome.compare_status,
                    "Comparemsg": outcome.compare_msg,
                    "CompareLibType": "权威库",
                    "LivenessMode": 3,
                }
            ],
        }
        return text

    def _expired(self, record: TokenRecord) -> bool:
        return self._clock().timestamp() >= record.expires_at

    async def _settle(
        self, token: str, record: TokenRecord, outcome: str, *, id_number: str | None = None
    ) -> bool:
        if self._expired(record):
            return False
        spec = OUTCOMES[outcome]
        sim = None
        if spec.sim_range is not None:
            sim = f"{self._rng.uniform(*spec.sim_range):.2f}"
        result = RecordedResult(
            outcome=outcome,
            id_card=(id_number or record.id_card).upper(),
            name=record.name,
            sim=sim,
            req_time_ms=int(self._clock().timestamp() * 1000),
        )
        recorded = await self.tokens.record(token, result)
        if recorded:
            logger.info("face reference: %s settled as %s", token, outcome)
        return recorded

    # --- the H5 page ------------------------------------------------------------------------

    async def _h5_page(self, request: Request) -> Response:
        token = request.path_params["biz_token"]
        record = await self.tokens.load(token)
        if record is None:
            return _page("核验链接无效", "<p>这个核验链接无效。请回到办事页面重新开始。</p>", 404)
        back = html.escape(self._signed_return(record, token))
        if await self.tokens.result(token) is not None:
            return _page(
                "核验已完成",
                f'<p>本次核验已完成。</p><p><a class="button" href="{back}">返回办事页面</a></p>',
            )
        if self._expired(record):
            return _page(
                "核验已过期",
                f'<p>核验链接已过期，请返回重新发起。</p><p><a class="button" href="{back}">返回办事页面</a></p>',
                410,
            )
        options = "".join(
            f'<option value="{value}">{html.escape(label)}</option>' for value, label in H5_OUTCOMES
        )
        body = f"""
<p class="who">请 <strong>{html.escape(mask_name(record.name) or "")}</strong> 本人刷脸</p>
<p class="who">身份证号 <strong>{html.escape(mask_id_number(record.id_card) or "")}</strong></p>
<p class="note">这是模拟页面：不会打开摄像头，也不会采集任何人脸信息。请选择模拟结果。</p>
<form method="post">
  <label for="outcome">模拟结果</label>
  <select id="outcome" name="outcome">{options}</select>
  <button type="submit">开始刷脸</button>
</form>"""
        return _page("刷脸核验", body)

    async def _h5_submit(self, request: Request) -> Response:
        token = request.path_params["biz_token"]
        async with request.form(max_files=0, max_fields=4) as form:
            outcome = form.get("outcome")
        if not isinstance(outcome, str) or outcome not in dict(H5_OUTCOMES):
            return _page("无法识别", "<p>请选择一个模拟结果。</p>", 400)
        record = await self.tokens.load(token)
        if record is None:
            return _page("核验链接无效", "<p>这个核验链接无效。请回到办事页面重新开始。</p>", 404)
        # An expired or already-finished check records nothing; the app learns why by pulling.
        await self._settle(token, record, outcome)
        return RedirectResponse(
            self._signed_return(record, token), status_code=303, headers=_PAGE_HEADERS
        )

    def _signed_return(self, record: TokenRecord, token: str) -> str:
        parts = urlsplit(record.redirect_url)
        replaced = {"token", "timestamp", "newSign"}
        query = [
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in replaced
        ]
        query.extend(self.callback_query(token).items())
        return urlunsplit(parts._replace(query=urlencode(query)))


# --- helpers ----------------------------------------------------------------------------------


def _answer(fields: dict[str, Any]) -> JSONResponse:
    # Tencent answers HTTP 200 for errors too; the error is inside Response.
    return JSONResponse({"Response": {**fields, "RequestId": str(uuid.uuid4())}})


def _string(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError("InvalidParameter", f"参数 {name} 类型错误。")
    return value


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _text_fields(code: int, message: str, *, extra: str) -> dict[str, Any]:
    """Text as Tencent shapes it: every field present, null when there is nothing."""
    return {
        "ErrCode": code,
        "ErrMsg": message,
        "IdCard": None,
        "Name": None,
        "OcrNation": None,
        "OcrAddress": None,
        "OcrBirth": None,
        "OcrAuthority": None,
        "OcrValidDate": None,
        "OcrName": None,
        "OcrIdCard": None,
        "OcrGender": None,
        "IdInfoFrom": None,
        "LiveStatus": None,
        "LiveMsg": None,
        "Comparestatus": None,
        "Comparemsg": None,
        "Sim": None,
        "Location": None,
        "Extra": extra or None,
        "LivenessDetail": [],
        "Mobile": None,
        "CompareLibType": None,
        "LivenessMode": None,
    }


async def _read_capped(request: Request, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _usable_photo(data: bytes) -> bool:
    """A JPEG that decodes and is at least 200×200 px (the simulation's "live face")."""
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                return False
            if min(width, height) < MIN_PHOTO_SIDE:
                return False
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    # The BizToken is in the URL: it must not leak to other sites through Referer.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"

_STYLE = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 22px;
       line-height: 1.6; margin: 0 auto; max-width: 36em; padding: 1.5em; color: #111; }
h1 { font-size: 32px; }
.who strong { font-size: 28px; letter-spacing: 0.05em; }
.note { color: #444; font-size: 20px; }
label { display: block; margin-top: 1em; }
select { font-size: 22px; padding: 0.4em; width: 100%; margin: 0.5em 0 1.5em; }
button, .button { display: block; width: 100%; font-size: 28px; padding: 0.8em; border: 0;
       border-radius: 0.4em; background: #0a6cff; color: #fff; text-align: center;
       text-decoration: none; }
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
{body}
</body>
</html>
"""
    headers = {**_PAGE_HEADERS, "Content-Security-Policy": _CSP}
    return HTMLResponse(document, status_code=status, headers=headers)
