"""Helpers for the licence library tests: the demo people, a fixed purpose and day, the HTTP
adapter against the reference platform, and a transport that records requests."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date

import httpx

from integrations.licences.http import HttpLicenceLibrary
from integrations.licences.local import DEMO_HOLDERS, LocalLicenceLibrary
from integrations.licences.models import FetchPurpose
from integrations.licences.reference import create_reference_app

TODAY = date(2026, 11, 28)
PURPOSE = FetchPurpose(flow_id="flow-0001", requester_id="demo", item_code="410100-TEST-0001")
APP_ID = "app-under-test"
APP_SECRET = "app-secret-for-tests-0123456789"
BASE_URL = "http://licences.test"
FIXED_NOW = 1_800_000_000.0  # a fixed clock keeps the timestamp tests free of real time

ZHANG = DEMO_HOLDERS["zhang_guilan"]
LI = DEMO_HOLDERS["li_ming"]
WANG = DEMO_HOLDERS["wang_fang"]
CHEN = DEMO_HOLDERS["chen_gang"]
ZHAO = DEMO_HOLDERS["zhao_qiang"]
SUN = DEMO_HOLDERS["sun_li"]


def reference_http(
    library: LocalLicenceLibrary | None = None,
    *,
    app_secret: str = APP_SECRET,
    app_id: str = APP_ID,
    clock: Callable[[], float] = lambda: FIXED_NOW,
    server_now: Callable[[], float] = lambda: FIXED_NOW,
) -> HttpLicenceLibrary:
    """The HTTP adapter talking to the reference platform in-process (httpx.ASGITransport)."""
    app = create_reference_app(
        library or LocalLicenceLibrary(), app_id=APP_ID, app_secret=APP_SECRET, now=server_now
    )
    return HttpLicenceLibrary(
        BASE_URL,
        app_id=app_id,
        app_secret=app_secret,
        transport=httpx.ASGITransport(app=app),
        clock=clock,
    )


def mocked_http(
    handler: Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]],
    *,
    timeout: float = 5.0,
) -> HttpLicenceLibrary:
    return HttpLicenceLibrary(
        BASE_URL,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        timeout=timeout,
        transport=httpx.MockTransport(handler),
        clock=lambda: FIXED_NOW,
    )


def all_demo_id_numbers() -> set[str]:
    """Every ID number the demo data holds: people, spouses, parents."""
    numbers = {number for _, number in DEMO_HOLDERS.values()}
    library = LocalLicenceLibrary()
    for _, number in DEMO_HOLDERS.values():
        for licence in library.issued_for(number):
            numbers.update(v for k, v in licence.fields.items() if k.endswith("id_number"))
    return numbers
