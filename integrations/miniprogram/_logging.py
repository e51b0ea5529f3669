"""Keep login codes and app secrets out of httpx's request log.

WeChat's jscode2session is a GET with `secret` and `js_code` in the query string, and httpx
logs every request URL at INFO ("HTTP Request: GET https://…?secret=…&js_code=…"). A filter on
the `httpx` logger masks those query values before any handler sees the record. It only
rewrites URLs carrying those parameter names, so other httpx logging is unchanged. (The app also
quiets httpx to WARNING in bff/logging.py; this holds when someone turns it back up.)
"""

from __future__ import annotations

import logging
import re

_SENSITIVE_QUERY = re.compile(r"(?i)([?&](?:secret|js_code|appsecret)=)[^&#\s\"']*")


class RedactSensitiveQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = _SENSITIVE_QUERY.sub(r"\1***", record.msg)
        return True


def _redact_arg(arg: object) -> object:
    if isinstance(arg, str):
        return _SENSITIVE_QUERY.sub(r"\1***", arg)
    if arg is None or isinstance(arg, bytes | int | float):
        return arg
    text = str(arg)  # e.g. an httpx.URL
    redacted = _SENSITIVE_QUERY.sub(r"\1***", text)
    return redacted if redacted != text else arg


def install_httpx_redaction() -> None:
    """Idempotent: attaches one filter to the `httpx` logger."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactSensitiveQuery) for f in httpx_logger.filters):
        httpx_logger.addFilter(RedactSensitiveQuery())


def scrub(text: str, *secrets: str, limit: int = 200) -> str:
    """An upstream message made safe for a log line: secrets masked, length bounded."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:limit]
