"""Tencent Cloud FaceID (人脸核身, API version 2018-03-01) behind the `FaceVerifier` port.

`DetectAuth` opens a check and gives a BizToken and an H5 Url; the citizen's browser comes back
to our RedirectUrl carrying the token; `GetDetectInfoEnhanced` with InfoType "1" (text only,
never images or video) gives the verdict. The contract is in README.md beside this file.

Never logged: the name and ID number (sent in DetectAuth, returned in Text), the SecretKey, the
callback key, photos. Raw answers are dropped before an error is raised, so no traceback frame
(which error trackers capture, locals included) holds them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from integrations.face import tc3
from integrations.face.models import (
    FaceProviderError,
    FaceResult,
    FaceStart,
    FaceStatus,
    FaceSubject,
    scrub_text,
)

logger = logging.getLogger("integrations.face.tencent")

PROVIDER = "tencent"
SERVICE = "faceid"
API_VERSION = "2018-03-01"
DEFAULT_ENDPOINT = "https://faceid.tencentcloudapi.com"
DEFAULT_REGION = "ap-guangzhou"
CONTENT_TYPE = "application/json; charset=utf-8"
DEFAULT_TOKEN_VALIDITY = 7200.0  # seconds a BizToken can be used to finish a check
CALLBACK_MAX_AGE = 300.0  # seconds a signed return of the browser stays acceptable
INFO_TYPE_TEXT = "1"  # GetDetectInfoEnhanced: text only; "2"/"3"/"4" would return images/video
MAX_EXTRA_LENGTH = 1000  # DetectAuth Extra

# Text.ErrCode values with a meaning of their own (1007/31082); 0 passes, any other fails.
ERR_OK = 0
ERR_TOKEN_EXPIRED = 15
ERR_RETRY_LIMIT = 16
ERR_NOT_FINISHED = 17

BIZ_TOKEN = re.compile(r"[A-Za-z0-9-]{8,128}")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP = re.compile(r"\d{1,12}")

# Error answers the same call may get past shortly.
_RETRYABLE_PREFIXES = ("InternalError", "RequestLimitExceeded", "ResourceUnavailable")
_RETRYABLE_CODES = frozenset(
    {
        "FailedOperation.RequestLimitExceeded",
        "FailedOperation.UnKnown",
        "FailedOperation.DbError",
        "FailedOperation.CompareSystemError",
        "FailedOperation.LivessSystemError",
        "FailedOperation.IdPhotoSystemNoanswer",
        "FailedOperation.FileSaveError",
    }
)
# Our own configuration is wrong (keys, RuleId, service not activated): an operator must act.
_CONFIG_PREFIXES = (
    "AuthFailure",
    "UnauthorizedOperation",
    "InvalidParameterValue.RuleId",
    "InvalidParameter.RuleId",
    "NoSuchVersion",
    "InvalidAction",
)
BIZ_TOKEN_EXPIRED = "InvalidParameterValue.BizTokenExpired"


def utc_now() -> datetime:
    return datetime.now(UTC)


def callback_signature(key: str, token: str, timestamp: str) -> str:
    """`newSign` of a browser return: hex HMAC-SHA256 over "<token>\\n<timestamp>"."""
    message = f"{token}\n{timestamp}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def is_retryable_code(code: str) -> bool:
    return code.startswith(_RETRYABLE_PREFIXES) or code in _RETRYABLE_CODES


class TencentFaceId:
    """`FaceVerifier` over Tencent FaceID's HTTP API. The adapter owns `client` and closes it.

    `photo_mode_supported`: Tencent's public API has no "upload one photo" action (its SDK
    uploads the liveness video itself); only the reference server implements `SubmitPhoto`,
    so only the local setup turns this on.

    `require_callback_signature`: the reference signs the browser's return (`timestamp`,
    `newSign`); Tencent's H5 flow documents only `token` on the RedirectUrl. Turning the check
    off is safe only because a return names a check and never carries its result.
    """

    provider: str = PROVIDER

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        rule_id: str,
        callback_key: str,
        callback_url: str,
        endpoint: str = DEFAULT_ENDPOINT,
        region: str = DEFAULT_REGION,
        timeout: float = 10.0,
        token_validity: float = DEFAULT_TOKEN_VALIDITY,
        photo_mode_supported: bool = False,
        require_callback_signature: bool = True,
        callback_max_age: float = CALLBACK_MAX_AGE,
        client: httpx.AsyncClient | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        # Name the missing setting, never echo a value: it may be a secret.
        for name, value in (
            ("secret_id", secret_id),
            ("secret_key", secret_key),
            ("rule_id", rule_id),
        ):
            if not value:
                raise ValueError(f"TencentFaceId needs {name}")
        if require_callback_signature and not callback_key:
            raise ValueError("TencentFaceId needs callback_key to check signed browser returns")
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("TencentFaceId endpoint must be an http(s) URL")
        _check_url(callback_url, "callback_url")
        self.secret_id = secret_id
        self._secret_key = secret_key
        self.rule_id = rule_id
        self._callback_key = callback_key
        self.callback_url = callback_url
        self.endpoint = endpoint if parts.path else endpoint + "/"
        self._host = parts.netloc.lower()
        self._uri = parts.path or "/"
        self.region = region
        self._timeout = timeout
        self.token_validity = token_validity
        self.photo_mode_supported = photo_mode_supported
        self.require_callback_signature = require_callback_signature
        self._callback_max_age = callback_max_age
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._now = now or utc_now

    def __repr__(self) -> str:
        return (
            f"TencentFaceId(endpoint={self.endpoint!r}, secret_id={self.secret_id!r}, "
            f"rule_id={self.rule_id!r}, photo_mode_supported={self.photo_mode_supported!r})"
        )

    # --- the port ---------------------------------------------------------------------------

    async def start(self, *, flow_id: str, subject: FaceSubject, return_url: str) -> FaceStart:
        if not flow_id or len(flow_id) > MAX_EXTRA_LENGTH:
            raise ValueError(f"flow_id must be 1..{MAX_EXTRA_LENGTH} characters")
        redirect_url = return_url or self.callback_url
        _check_url(redirect_url, "return_url")
        answer = await self._call(
            "DetectAuth",
            {
                "RuleId": self.rule_id,
                "IdCard": subject.id_number,
                "Name": subject.name,
                "RedirectUrl": redirect_url,
                "Extra": flow_id,
            },
        )
        token = answer.get("BizToken")
        url = answer.get("Url")
        if not isinstance(token, str) or not BIZ_TOKEN.fullmatch(token):
            raise self._failure("DetectAuth", "answered without a usable BizToken", False)
        started = FaceStart(
            provider=PROVIDER,
            provider_ref=token,
            redirect_url=url if isinstance(url, str) and url else None,
            sdk_token=token,
            expires_at=self._now().astimezone(UTC) + timedelta(seconds=self.token_validity),
        )
        logger.info("face check started: flow=%s ref=%s", flow_id, token)
        return started

    async def parse_callback(
        self, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> str | None:
        # Only these three parameters are read: anything else (a forged "result=pass") is noise.
        token = query.get("token") or ""
        if not BIZ_TOKEN.fullmatch(token):
            return self._refused("no usable token")
        if not self.require_callback_signature:
            return token
        timestamp = query.get("timestamp") or ""
        sign = query.get("newSign") or ""
        if not _TIMESTAMP.fullmatch(timestamp):
            return self._refused("no usable timestamp")
        if not _HEX64.fullmatch(sign):
            return self._refused("no usable newSign")
        age = self._now().timestamp() - int(timestamp)
        if abs(age) > self._callback_max_age:
            return self._refused(f"stale by {int(age)} s")
        expected = callback_signature(self._callback_key, token, timestamp)
        if not hmac.compare_digest(expected, sign.lower()):
            return self._refused("wrong newSign")
        return token

    async def fetch_result(self, provider_ref: str) -> FaceResult:
        self._check_ref(provider_ref)
        answer = await self._call(
            "GetDetectInfoEnhanced",
            {"BizToken": provider_ref, "RuleId": self.rule_id, "InfoType": INFO_TYPE_TEXT},
            passthrough=(BIZ_TOKEN_EXPIRED,),
        )
        outcome = self._read_result(provider_ref, answer)
        del answer  # it held the ID number and name: no frame of a traceback may keep it
        if isinstance(outcome, FaceProviderError):
            raise outcome
        logger.info(
            "face result: ref=%s status=%s code=%s sim=%s",
            provider_ref,
            outcome.status.value,
            outcome.error_code,
            outcome.similarity,
        )
        return outcome

    async def submit_photo(self, provider_ref: str, jpeg: bytes) -> None:
        if not self.photo_mode_supported:
            raise FaceProviderError(
                "Tencent FaceID has no server-side photo upload: its SDK sends the citizen's "
                "video itself",
                retryable=False,
                provider=PROVIDER,
            )
        self._check_ref(provider_ref)
        if not isinstance(jpeg, bytes) or not jpeg:
            raise ValueError("submit_photo needs the JPEG's bytes")
        await self._call(
            "SubmitPhoto",
            {
                "BizToken": provider_ref,
                "RuleId": self.rule_id,
                "ImageBase64": base64.b64encode(jpeg).decode("ascii"),
            },
        )
        logger.info("face photo relayed: ref=%s", provider_ref)

    async def aclose(self) -> None:
        await self._client.aclose()

    # --- reading ----------------------------------------------------------------------------

    def _read_result(self, ref: str, answer: dict[str, Any]) -> FaceResult | FaceProviderError:
        """Returns rather than raises, so the answer is gone from every frame by then."""
        error = answer.get("Error")
        if isinstance(error, dict):  # only BizTokenExpired is passed through
            return FaceResult(
                provider_ref=ref,
                status=FaceStatus.EXPIRED,
                error_code=str(ERR_TOKEN_EXPIRED),
                error_message=_text(error.get("Message")),
                similarity=None,
                id_number=None,
                name=None,
                verified_at=None,
            )
        text = answer.get("Text")
        if text is None:
            return _pending(ref)
        if not isinstance(text, dict):
            return self._failure(
                "GetDetectInfoEnhanced", "answered a Text that is not an object", False
            )
        err_code = _integer(text.get("ErrCode"))
        if text.get("ErrCode") is None:
            return _pending(ref)
        if err_code is None:
            return self._failure("GetDetectInfoEnhanced", "answered a non-numeric ErrCode", False)
        message = _text(text.get("ErrMsg"))
        flow_id = _text(text.get("Extra"))
        if err_code == ERR_NOT_FINISHED:
            return _pending(ref, message, flow_id)
        if err_code == ERR_TOKEN_EXPIRED:
            return FaceResult(
                ref, FaceStatus.EXPIRED, str(err_code), message, None, None, None, None, flow_id
            )
        status: FaceStatus = FaceStatus.FAILED
        code: str | None = str(err_code)
        if err_code == ERR_OK:
            status, code = FaceStatus.PASSED, None
            # ErrCode is the pass rule; a pass that contradicts its own liveness or comparison
            # status is not one.
            for field in ("LiveStatus", "Comparestatus"):
                sub = _integer(text.get(field))
                if text.get(field) is not None and sub != ERR_OK:
                    logger.warning(
                        "face result %s: ErrCode 0 but %s=%s; treated as failed", ref, field, sub
                    )
                    status, code = FaceStatus.FAILED, str(sub) if sub is not None else field
                    break
        id_number = _text(text.get("IdCard"))
        return FaceResult(
            provider_ref=ref,
            status=status,
            error_code=code,
            error_message=message,
            similarity=_similarity(text.get("Sim")),
            id_number=id_number.upper() if id_number else None,
            name=_text(text.get("Name")),
            verified_at=_verified_at(text.get("LivenessDetail")),
            flow_id=flow_id,
        )

    # --- calling ----------------------------------------------------------------------------

    async def _call(
        self, action: str, params: dict[str, Any], *, passthrough: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """POST one signed action; the answer's `Response` object. Error answers raise
        FaceProviderError, except codes in `passthrough`, returned for the caller to read."""
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        del params  # it may hold the ID number, the name or a photo
        outcome = await self._exchange(action, body)
        del body
        if isinstance(outcome, FaceProviderError):
            raise outcome
        error = outcome.get("Error")
        if error is None:
            return outcome
        code = _text(error.get("Code")) if isinstance(error, dict) else None
        if code in passthrough:
            return outcome
        failure = self._upstream_error(action, code or "", error, outcome.get("RequestId"))
        del outcome
        raise failure

    async def _exchange(self, action: str, body: bytes) -> dict[str, Any] | FaceProviderError:
        """Never raises: a failure is returned, built outside any frame holding the body."""
        timestamp = int(self._now().timestamp())
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-TC-Action": action,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "Authorization": tc3.authorization(
                secret_id=self.secret_id,
                secret_key=self._secret_key,
                service=SERVICE,
                timestamp=timestamp,
                content_type=CONTENT_TYPE,
                host=self._host,
                payload=body,
                uri=self._uri,
            ),
        }
        if self.region:
            headers["X-TC-Region"] = self.region
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.post(
                    self.endpoint, content=body, headers=headers, timeout=self._timeout
                )
        except TimeoutError:
            return self._failure(action, f"did not answer within {self._timeout:g} s", True)
        except httpx.HTTPError as exc:
            return self._failure(action, f"unreachable ({type(exc).__name__})", True)
        if response.status_code != 200:
            retryable = response.status_code >= 500 or response.status_code == 429
            return self._failure(action, f"answered HTTP {response.status_code}", retryable)
        try:
            parsed = json.loads(response.content)
        except ValueError:
            return self._failure(action, "answered something that is not JSON", True)
        inner = parsed.get("Response") if isinstance(parsed, dict) else None
        if not isinstance(inner, dict):
            return self._failure(action, "answered without a Response object", True)
        return inner

    # --- failures ---------------------------------------------------------------------------

    def _upstream_error(
        self, action: str, code: str, error: Any, request_id: Any
    ) -> FaceProviderError:
        message = _text(error.get("Message")) if isinstance(error, dict) else None
        detail = scrub_text(message or "")
        rid = scrub_text(_text(request_id) or "", limit=64)
        if code.startswith(_CONFIG_PREFIXES):
            logger.error(
                "tencent faceid %s refused our configuration (secret_id=%s, rule_id=%s): "
                "%s %s (request_id=%s)",
                action,
                self.secret_id,
                self.rule_id,
                code,
                detail,
                rid,
            )
        else:
            logger.warning(
                "tencent faceid %s failed: %s %s (request_id=%s)", action, code, detail, rid
            )
        return FaceProviderError(
            f"Tencent FaceID {action} answered {code or 'an error'}"
            + (f": {detail}" if detail else ""),
            retryable=is_retryable_code(code),
            upstream_code=code or None,
            provider=PROVIDER,
        )

    def _failure(self, action: str, what: str, retryable: bool) -> FaceProviderError:
        logger.warning("tencent faceid %s failed: %s", action, what)
        return FaceProviderError(
            f"Tencent FaceID {action} {what}", retryable=retryable, provider=PROVIDER
        )

    def _refused(self, reason: str) -> str | None:
        logger.warning("face callback refused: %s", reason)
        return None

    def _check_ref(self, provider_ref: str) -> None:
        if not isinstance(provider_ref, str) or not BIZ_TOKEN.fullmatch(provider_ref):
            raise FaceProviderError("not a Tencent BizToken", retryable=False, provider=PROVIDER)


def _check_url(url: str, name: str) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an absolute http(s) URL")


def _pending(ref: str, message: str | None = None, flow_id: str | None = None) -> FaceResult:
    return FaceResult(ref, FaceStatus.PENDING, None, message, None, None, None, None, flow_id)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _similarity(value: Any) -> float | None:
    """Tencent sends Sim as text ("89.34"); anything outside 0..100 is not a score."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        return None
    return score if 0.0 <= score <= 100.0 else None


def _verified_at(detail: Any) -> datetime | None:
    """The time of the last comparison: LivenessDetail[-1].ReqTime, 13-digit milliseconds."""
    if not isinstance(detail, list) or not detail or not isinstance(detail[-1], dict):
        return None
    millis = _integer(detail[-1].get("ReqTime"))
    if millis is None or millis <= 0:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
