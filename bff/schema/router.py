"""strawberry's FastAPI router, made to follow the GraphQL-over-HTTP spec and our policies.

- `application/graphql-response+json` when the client prefers it (Accept, with q-values), with
  HTTP 4xx and no `data` key on request errors (parse, validation, variable coercion), which
  stock strawberry misses.
- Malformed requests are refused with 4xx before execution: a body that is not `application/json`
  (415), a non-string `operationName` (400), a mutation over GET (405, `Allow: POST`).
- Documents above the size limit are refused before parsing.
- Public catalogue queries are answered from the Redis response cache.
- JSON keeps Chinese as UTF-8 instead of \\uXXXX escapes (23% fewer bytes).
- GraphiQL is rendered from assets served by this package (no CDN), in dev only.
"""

from __future__ import annotations

import contextvars
import json
import time
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from graphql import GraphQLError
from starlette import status
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from bff.errors import ErrorCode
from bff.metrics import record_operation
from bff.schema.cache import (
    ResponseCache,
    cache_key,
    is_public_query,
    operation_cost,
    operation_name_of,
)
from bff.schema.context import Context
from bff.schema.errors import REQUEST_ERROR_CODES, format_error, is_formatted

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
_accept: contextvars.ContextVar[str] = contextvars.ContextVar("graphql_accept", default="")
_status: contextvars.ContextVar[int] = contextvars.ContextVar("graphql_status", default=200)
VARY = "Accept, Accept-Language, X-Haoban-Mode, Authorization"


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, q) in the order listed; q=0 ranges are kept (they refuse a type)."""
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        if not media_range:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        ranges.append((media_range.lower(), q))
    return ranges


def _quality(ranges: list[tuple[str, float]], media_type: str) -> tuple[float, int, int]:
    """(q, specificity, -position) of the most specific range matching `media_type`."""
    kind = media_type.split("/")[0]
    best: tuple[float, int, int] = (0.0, -1, 0)
    for position, (media_range, q) in enumerate(ranges):
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (q, specificity, -position)
    return best


def wants_graphql_response_json(accept: str) -> bool:
    """The newer media type when the client prefers it to application/json (RFC 9110 q-values;
    a tie goes to an explicit listing, then to the first listed, then to application/json)."""
    if not accept:
        return False
    ranges = _accept_ranges(accept)
    new = _quality(ranges, GRAPHQL_RESPONSE_JSON)
    old = _quality(ranges, "application/json")
    return new[0] > 0 and new[1] == 2 and new > old


def _is_request_error(result: ExecutionResult) -> bool:
    if result.data is not None or not result.errors:
        return False
    return all(
        (err.extensions or {}).get("code")
        in REQUEST_ERROR_CODES | {ErrorCode.QUERY_TOO_LARGE, ErrorCode.RATE_LIMITED}
        and not err.path
        for err in result.errors
    )


class HaobanGraphQLRouter(GraphQLRouter[Context, None]):
    def __init__(self, *args: Any, graphiql_html: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._graphiql_html = graphiql_html

    def encode_json(self, data: object) -> str:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # Only a browser asking for HTML, never `Accept: */*` (which breaks API GETs).
        return (
            request.method == "GET"
            and request.query_params.get("query") is None
            and "text/html" in request.headers.get("accept", "")
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self._graphiql_html or self.graphql_ide_html)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        # FastAPI's handlers always pass the context and root value their dependencies made
        # (None is a valid root value): hand them on as they are.
        if not isinstance(request, Request):  # a WebSocket
            return await super().run(request, context=context, root_value=root_value)
        accept_token = _accept.set(request.headers.get("accept", ""))
        status_token = _status.set(status.HTTP_200_OK)
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            return self._refusal(exc)
        finally:
            _accept.reset(accept_token)
            _status.reset(status_token)

    def _refusal(self, exc: HTTPException) -> Response:
        """A request refused before execution: strawberry's plain-text reason and status, plus
        the headers HTTP asks for."""
        response = PlainTextResponse(exc.reason, status_code=exc.status_code)
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            response.headers["Allow"] = "POST"
        response.headers["Vary"] = VARY
        return response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            content_type, params = parse_content_type(request.content_type or "")
            multipart = self.multipart_uploads_enabled and content_type == "multipart/form-data"
            if content_type != "application/json" and not multipart:
                raise HTTPException(
                    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported content type: send the request as application/json",
                )
            if multipart and not request.headers.get("authorization"):
                # Uploads are for signed-in citizens only; a bearer header cannot be sent
                # cross-site without a CORS preflight, so a multipart form is no CSRF vector.
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "File uploads need a signed-in request (Authorization: Bearer …)",
                )
            if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
                raise HTTPException(
                    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Unsupported charset: use utf-8"
                )
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item.operation_name, str | None):
                raise HTTPException(
                    status.HTTP_400_BAD_REQUEST,
                    "The GraphQL operation's `operationName` must be a string or null, "
                    "if provided.",
                )
        return data

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        started = time.perf_counter()
        operation = request_data.operation_name
        query = request_data.query
        if isinstance(query, str) and len(query.encode()) > context.settings.max_query_bytes:
            error = GraphQLError(
                context._(
                    "The query is too large (at most %(max)s bytes).",
                    max=context.settings.max_query_bytes,
                ),
                extensions={"code": ErrorCode.QUERY_TOO_LARGE.value},
            )
            record_operation(operation, time.perf_counter() - started, error=True)
            return ExecutionResult(data=None, errors=[error])
        label = operation or (operation_name_of(query) if isinstance(query, str) else None)
        if isinstance(query, str):
            limited = await self._rate_limited(context, query)
            if limited is not None:
                record_operation(label, time.perf_counter() - started, error=True)
                return limited

        key = None
        cache = ResponseCache(
            context.state.redis, ttl_seconds=context.settings.catalogue_cache_ttl_seconds
        )
        if (
            isinstance(query, str)
            and context.settings.catalogue_cache_ttl_seconds > 0
            and request_adapter.method in ("GET", "POST")
            and is_public_query(query, operation)
        ):
            key = cache_key(
                version=await context.catalogue_version(),
                presentation=context.presentation.value,
                locale=context.locale,
                document=query,
                operation_name=operation,
                variables=request_data.variables,
            )
            cached = await cache.get(key)
            if cached is not None:
                record_operation(label, time.perf_counter() - started, cached=True)
                return ExecutionResult(data=cached, errors=None)

        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as exc:
            if request_adapter.method == "GET" and isinstance(
                exc.__cause__, InvalidOperationTypeError
            ):
                # The spec: a mutation over GET is answered 405 Method Not Allowed.
                raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, exc.reason) from exc
            raise
        if result.errors and not all(is_formatted(err) for err in result.errors):
            # Raised before ErrorFormatter's hook could resume (see its docstring).
            result.errors = [
                err
                if is_formatted(err)
                else format_error(
                    err, context.translator, mask_unexpected=not context.settings.is_dev
                )
                for err in result.errors
            ]
        if key is not None and result.data is not None and not result.errors:
            await cache.set(key, result.data)
        record_operation(label, time.perf_counter() - started, error=bool(result.errors))
        return result

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A WebSocket may carry its token in connection_init: {"Authorization": "Bearer …"}."""
        from bff.app import resolve_viewer

        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        if context.viewer is None and isinstance(authorization, str):
            context.viewer, context.auth_error = await resolve_viewer(context.state, authorization)
        return UnsetType()

    async def _rate_limited(self, context: Context, query: str) -> ExecutionResult | None:
        """Per viewer (or per IP when signed out); each root field and alias counts."""
        viewer = context.viewer
        identity = f"user:{viewer.user_id}" if viewer else f"ip:{context.client_ip}"
        verdict = await context.state.auth.limiter.hit(
            context.settings.graphql_rate_limit,
            "graphql",
            identity,
            cost=operation_cost(query, context.settings.max_tokens),
        )
        if verdict.allowed:
            return None
        _status.set(status.HTTP_429_TOO_MANY_REQUESTS)
        error = GraphQLError(
            context._(
                "Too many requests; please wait %(seconds)s seconds.", seconds=verdict.retry_after
            ),
            extensions={"code": ErrorCode.RATE_LIMITED.value, "retryAfter": verdict.retry_after},
        )
        return ExecutionResult(data=None, errors=[error])

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            response["errors"] = [err.formatted for err in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        if _is_request_error(result):
            # A request error never began execution: the spec forbids a `data` entry.
            response.pop("data", None)
            if wants_graphql_response_json(_accept.get()) and _status.get() == status.HTTP_200_OK:
                _status.set(status.HTTP_400_BAD_REQUEST)
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        media_type = (
            GRAPHQL_RESPONSE_JSON
            if wants_graphql_response_json(_accept.get())
            else "application/json"
        )
        status_code = _status.get()
        if status_code == status.HTTP_200_OK and sub_response.status_code:
            status_code = sub_response.status_code  # set by a resolver through info.context
        response = Response(
            self.encode_json(response_data), media_type=media_type, status_code=status_code
        )
        response.headers.raw.extend(sub_response.headers.raw)  # e.g. cookies set by resolvers
        response.headers["Vary"] = VARY
        return response
