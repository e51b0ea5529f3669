"""JSON logs, one line per event, with the request id; never personal data.

Every line is passed through `scrub`, which masks ID and phone numbers wherever they appear,
as a last line of defence behind not logging them in the first place.

Only the method, route template, status and timings are logged for a request: no query
strings, bodies, headers or variables, since those may carry ID numbers or phone numbers.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from auth.masking import scrub

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        for key in ("route", "method", "status", "duration_ms", "operation"):
            value = record.__dict__.get(key)
            if value is not None:
                payload[key] = value
        if record.exc_info:
            payload["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    # Stamped when the record is made, so handlers formatting later still see the request.
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def configure_logging(level: str = "INFO") -> None:
    logging.setLogRecordFactory(_record_with_request_id)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs full URLs at INFO; upstream URLs may carry identifiers, so keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
