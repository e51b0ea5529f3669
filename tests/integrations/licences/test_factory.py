"""Composition: the embedded default, the production adapter, and the HTTP adapter against the
in-process reference."""

from __future__ import annotations

import pytest

from integrations.licences import (
    DEMO_HOLDERS,
    HttpLicenceLibrary,
    LicenceStatus,
    LicenceType,
    LocalLicenceLibrary,
    build_http_licence_library,
    build_local_licence_library,
    build_reference_licence_library,
)
from tests.integrations.licences.support import PURPOSE, TODAY


def test_the_local_default_is_the_demo_library_without_faults() -> None:
    library = build_local_licence_library()
    assert isinstance(library, LocalLicenceLibrary)
    assert (library.latency, library.fail_rate) == (0.0, 0.0)
    assert library.issued_for(DEMO_HOLDERS["zhang_guilan"][1])


async def test_the_production_adapter_is_built_without_echoing_the_secret() -> None:
    library = build_http_licence_library("https://licences.example.gov.cn/api", "app", "secret-1")
    assert isinstance(library, HttpLicenceLibrary)
    assert "secret-1" not in repr(library)
    assert "https://licences.example.gov.cn/api/v1/licences:batchQuery" in repr(library)
    await library.aclose()


@pytest.mark.parametrize(
    ("url", "app_id", "app_secret", "named"),
    [
        ("", "app", "very-secret", "url"),
        ("https://x", "", "very-secret", "app_id"),
        ("https://x", "app", "", "app_secret"),
    ],
)
def test_a_missing_setting_is_named_never_echoed(
    url: str, app_id: str, app_secret: str, named: str
) -> None:
    with pytest.raises(ValueError, match=named) as caught:
        build_http_licence_library(url, app_id, app_secret)
    assert "very-secret" not in str(caught.value)


async def test_the_reference_setup_reads_the_demo_people_over_signed_http() -> None:
    library = build_reference_licence_library()
    name, number = DEMO_HOLDERS["wang_fang"]
    result = await library.fetch(
        holder_id_number=number,
        holder_name=name,
        types=[LicenceType.BIRTH_CERTIFICATE],
        purpose=PURPOSE,
        today=TODAY,
    )
    await library.aclose()
    assert result[LicenceType.BIRTH_CERTIFICATE].status is LicenceStatus.FOUND
