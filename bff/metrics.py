"""Prometheus metrics: requests and GraphQL operations with latency."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "haoban_http_requests_total",
    "HTTP requests by route template, method and status class.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "haoban_http_request_seconds",
    "HTTP request latency by route template.",
    ["route", "method"],
    registry=REGISTRY,
)
GRAPHQL_OPERATIONS = Counter(
    "haoban_graphql_operations_total",
    "GraphQL operations by operation name and outcome (ok, error, cached).",
    ["operation", "outcome"],
    registry=REGISTRY,
)
GRAPHQL_LATENCY = Histogram(
    "haoban_graphql_operation_seconds",
    "GraphQL operation latency by operation name.",
    ["operation"],
    registry=REGISTRY,
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_MAX_NAMES = 300
_seen: set[str] = set()


def operation_label(name: str | None) -> str:
    """Operation names come from clients: keep label cardinality bounded."""
    if not name:
        return "anonymous"
    if not _NAME.match(name):
        return "invalid"
    if name not in _seen:
        if len(_seen) >= _MAX_NAMES:
            return "other"
        _seen.add(name)
    return name


def record_operation(
    name: str | None, seconds: float, *, error: bool = False, cached: bool = False
) -> None:
    label = operation_label(name)
    outcome = "cached" if cached else ("error" if error else "ok")
    GRAPHQL_OPERATIONS.labels(label, outcome).inc()
    GRAPHQL_LATENCY.labels(label).observe(seconds)
