"""Composition: the embedded library (the default), the production HTTP adapter, and the HTTP
adapter against the in-process reference platform (the real adapter without a network)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from integrations.licences.http import HttpLicenceLibrary
from integrations.licences.local import LocalLicenceLibrary
from integrations.licences.reference import create_reference_app

REFERENCE_APP_ID = "haoban-demo"
REFERENCE_APP_SECRET = "haoban-demo-licence-secret"  # demo only: the reference runs in-process
# Never resolved: requests go through the ASGI transport to the reference app.
REFERENCE_URL = "http://licences.reference.invalid"


def build_local_licence_library(
    *, latency: float = 0.0, fail_rate: float = 0.0, seed: int | None = None
) -> LocalLicenceLibrary:
    """The embedded default over the packaged demo holders (see README.md)."""
    return LocalLicenceLibrary(latency=latency, fail_rate=fail_rate, seed=seed)


def build_http_licence_library(
    url: str, app_id: str, app_secret: str, *, timeout: float = 5.0
) -> HttpLicenceLibrary:
    """Production: the province's sharing platform at `url` (its base, without the path)."""
    for name, value in (("url", url), ("app_id", app_id), ("app_secret", app_secret)):
        if not isinstance(value, str) or not value:
            # Name the setting, never echo a value: it may be the secret.
            raise ValueError(f"licence library config: {name} is missing or empty")
    return HttpLicenceLibrary(url, app_id=app_id, app_secret=app_secret, timeout=timeout)


def build_reference_licence_library(
    library: LocalLicenceLibrary | None = None,
    *,
    app_id: str = REFERENCE_APP_ID,
    app_secret: str = REFERENCE_APP_SECRET,
    timeout: float = 5.0,
    clock: Callable[[], float] = time.time,
) -> HttpLicenceLibrary:
    """`HttpLicenceLibrary` talking to `create_reference_app(library)` in-process, so local runs
    can exercise the signed HTTP path (default library: the demo holders)."""
    app = create_reference_app(
        library or build_local_licence_library(), app_id=app_id, app_secret=app_secret
    )
    return HttpLicenceLibrary(
        REFERENCE_URL,
        app_id=app_id,
        app_secret=app_secret,
        timeout=timeout,
        transport=httpx.ASGITransport(app=app),
        clock=clock,
    )
