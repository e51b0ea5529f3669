"""Fixtures for the licence library tests: one contract, two adapters."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from integrations.licences.local import DEMO_HOLDERS, LocalLicenceLibrary
from integrations.licences.port import LicenceLibrary
from tests.integrations.licences.support import all_demo_id_numbers, reference_http


@pytest.fixture(params=["local", "http"])
async def library(request: pytest.FixtureRequest) -> AsyncIterator[LicenceLibrary]:
    adapter: LicenceLibrary = (
        LocalLicenceLibrary() if request.param == "local" else reference_http()
    )
    yield adapter
    await adapter.aclose()


@pytest.fixture
def no_personal_data_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if a demo ID number or name reaches any log record (httpx included:
    the app quiets it to WARNING, so it is opened up here to be checked, not suppressed)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")
    yield
    records = caplog.get_records("call")
    assert records, "the test logged nothing, so it checked nothing"
    watched = all_demo_id_numbers() | {name for name, _ in DEMO_HOLDERS.values()} | {"陈小满"}
    for record in records:
        line = record.getMessage()
        leaked = [value for value in watched if value in line]
        assert not leaked, f"personal data in a log record from {record.name}"
