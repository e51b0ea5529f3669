"""Expected failures: a stable code for clients and a message translated for people."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    BAD_CURSOR = "BAD_CURSOR"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    SEARCH_TOO_LONG = "SEARCH_TOO_LONG"
    PAGE_TOO_LARGE = "PAGE_TOO_LARGE"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    REAL_NAME_LEVEL_TOO_LOW = "REAL_NAME_LEVEL_TOO_LOW"
    PROXY_NOT_ACTIVE = "PROXY_NOT_ACTIVE"
    PROXY_SCOPE_MISSING = "PROXY_SCOPE_MISSING"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL = "INTERNAL_SERVER_ERROR"


class HaobanError(Exception):
    """An expected failure. `message` is an English msgid, translated per request locale."""

    def __init__(self, code: ErrorCode, message: str, /, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.code = code
        self.msgid = message
        self.params = params
        # Machine-readable hints for clients, e.g. {"nextStep": "VERIFY_FACE"}.
        self.extra: dict[str, Any] = {}

    def with_extra(self, **extra: Any) -> HaobanError:
        self.extra.update(extra)
        return self


class NotFound(HaobanError):
    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(ErrorCode.NOT_FOUND, message, **params)


class InvalidArgument(HaobanError):
    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(ErrorCode.INVALID_ARGUMENT, message, **params)
