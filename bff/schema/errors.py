"""Every error leaves with a stable `extensions.code` and a message in the request's language."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from accessibility.i18n import Translator, _
from bff.errors import ErrorCode, HaobanError

log = logging.getLogger("haoban.graphql")

REQUEST_ERROR_CODES = frozenset(
    {
        ErrorCode.GRAPHQL_PARSE_FAILED,
        ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ErrorCode.QUERY_TOO_DEEP,
        ErrorCode.TOO_MANY_ALIASES,
        ErrorCode.TOO_MANY_TOKENS,
        ErrorCode.BAD_USER_INPUT,
    }
)

_PATTERNS: list[tuple[re.Pattern[str], ErrorCode, str]] = [
    (
        re.compile(r"exceeds maximum operation depth"),
        ErrorCode.QUERY_TOO_DEEP,
        _("The query is nested too deeply."),
    ),
    (
        re.compile(r"aliases found\. Allowed"),
        ErrorCode.TOO_MANY_ALIASES,
        _("The query uses too many aliases."),
    ),
    (
        re.compile(r"Document contains more than \d+ tokens"),
        ErrorCode.TOO_MANY_TOKENS,
        _("The query is too long."),
    ),
    (
        # Variable coercion (graphql-core 3.3, then 3.2 and graphql-js wordings); validation
        # messages about variables ("is never used", "is not defined", "used in position
        # expecting", "cannot be non-input type") are validation failures, not these.
        re.compile(
            r"^Variable ['\"]\$[^'\"]*['\"] (has invalid (default )?value|got invalid value"
            r"|of non-null type .* must not be null|of required type .* was not provided)"
            r"|^Variable values are nested too deeply"
        ),
        ErrorCode.BAD_USER_INPUT,
        _("A variable has an invalid value."),
    ),
]


def classify(error: GraphQLError) -> tuple[ErrorCode, str, dict[str, Any]]:
    """(code, msgid, params) for an error raised anywhere in parsing, validation or execution."""
    original = error.original_error
    if isinstance(original, HaobanError):
        return original.code, original.msgid, original.params
    # graphql-core keeps the cause of a variable coercion failure as the original error.
    wraps_graphql_error = isinstance(original, GraphQLError) and error.path is None
    if original is None or wraps_graphql_error or isinstance(error, GraphQLSyntaxError):
        for pattern, code, msgid in _PATTERNS:
            if pattern.search(error.message):
                return code, msgid, {}
        if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
            return ErrorCode.GRAPHQL_PARSE_FAILED, _("The query could not be parsed."), {}
        if error.path is None:
            return (
                ErrorCode.GRAPHQL_VALIDATION_FAILED,
                _("The query is not valid for this schema."),
                {},
            )
    return ErrorCode.INTERNAL, _("Something went wrong on our side. Please try again later."), {}


def format_error(
    error: GraphQLError, translator: Translator, *, mask_unexpected: bool
) -> GraphQLError:
    """The error as clients get it: a translated message and `extensions.code` (and `detail`)."""
    code, msgid, params = classify(error)
    extensions: dict[str, Any] = {"code": code.value}
    if code is ErrorCode.INTERNAL:
        log.error(
            "unexpected error in %s",
            ".".join(str(p) for p in error.path or []),
            exc_info=error.original_error,
        )
        if not mask_unexpected:
            extensions["detail"] = error.message
    elif not isinstance(error.original_error, HaobanError):
        extensions["detail"] = error.message
    else:
        extensions.update(error.original_error.extra)
    return GraphQLError(
        message=translator.gettext(msgid, **params),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


def is_formatted(error: GraphQLError) -> bool:
    return "code" in (error.extensions or {})


class ErrorFormatter(SchemaExtension):
    """Translates expected errors; hides the text of unexpected ones in production.

    Errors raised while an extension's hook is being entered (strawberry's ParserCache parses
    in `on_parse`, so a syntax error or the token limit raises there) end the operation before
    this hook resumes; the router formats those with `format_error` (see `is_formatted`).
    """

    def __init__(self, *, mask_unexpected: bool) -> None:
        self.mask_unexpected = mask_unexpected

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        context = self.execution_context.context
        translator: Translator = getattr(context, "translator", None) or Translator("zh_Hans")
        formatted = [self._format(error, translator) for error in errors]
        if getattr(context, "elder", False):
            # Elder mode: every error offers the hotline, whatever went wrong.
            hotline = context.settings.hotline
            for error in formatted:
                if error.extensions is not None:
                    error.extensions["hotline"] = hotline
        result.errors = formatted  # type: ignore[union-attr]

    def _format(self, error: GraphQLError, translator: Translator) -> GraphQLError:
        return format_error(error, translator, mask_unexpected=self.mask_unexpected)


def translated(error: HaobanError, translator: Translator) -> GraphQLError:
    """For paths our extension does not see (subscriptions over WebSocket): the same code and
    translated message a query would carry."""
    return GraphQLError(
        translator.gettext(error.msgid, **error.params),
        original_error=error,
        extensions={"code": error.code.value, **error.extra},
    )
