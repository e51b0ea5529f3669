"""The embedded library on its own: fault injection, which of several licences wins, and the
checks that keep a bad data file from starting."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from auth import idnumber
from integrations.licences.local import LocalLicenceLibrary, load_demo_data
from integrations.licences.models import LicenceLibraryError, LicenceStatus, LicenceType
from tests.integrations.licences.support import PURPOSE, TODAY, ZHANG, reference_http

T = LicenceType
X_NUMBER = "41018219880227156X"  # a woman's number whose check digit is X


def person(*licences: dict[str, Any], number: str = X_NUMBER) -> dict[str, Any]:
    return {"holders": [{"key": "p", "name": "测试", "id_number": number, "licences": [*licences]}]}


def id_card(issued_on: str, valid_until: str | None, number: str = "A") -> dict[str, Any]:
    return {
        "type": "身份证",
        "number": number,
        "issuer": "郑州市公安局",
        "issued_on": issued_on,
        "valid_until": valid_until,
        "fields": {},
    }


async def read_zhang(library: LocalLicenceLibrary) -> LicenceStatus:
    result = await library.fetch(
        holder_id_number=ZHANG[1],
        holder_name=ZHANG[0],
        types=[T.ID_CARD],
        purpose=PURPOSE,
        today=TODAY,
    )
    return result[T.ID_CARD].status


async def test_a_full_fail_rate_makes_every_read_a_retryable_error() -> None:
    library = LocalLicenceLibrary(fail_rate=1.0)
    for _ in range(3):
        with pytest.raises(LicenceLibraryError) as caught:
            await read_zhang(library)
        assert caught.value.retryable


async def test_a_partial_fail_rate_is_reproducible_with_a_seed() -> None:
    async def outcomes(seed: int) -> list[bool]:
        library = LocalLicenceLibrary(fail_rate=0.5, seed=seed)
        seen = []
        for _ in range(20):
            try:
                await read_zhang(library)
                seen.append(True)
            except LicenceLibraryError:
                seen.append(False)
        return seen

    first = await outcomes(7)
    assert first == await outcomes(7)
    assert True in first and False in first


async def test_an_empty_request_is_no_read_and_cannot_fail() -> None:
    library = LocalLicenceLibrary(fail_rate=1.0)
    assert (
        await library.fetch(
            holder_id_number=ZHANG[1], holder_name=ZHANG[0], types=[], purpose=PURPOSE, today=TODAY
        )
        == {}
    )


@pytest.mark.parametrize(("latency", "fail_rate"), [(-1.0, 0.0), (0.0, -0.1), (0.0, 1.5)])
def test_nonsense_settings_are_refused(latency: float, fail_rate: float) -> None:
    with pytest.raises(ValueError):
        LocalLicenceLibrary(latency=latency, fail_rate=fail_rate)


@pytest.mark.parametrize("adapter", ["local", "http"])
async def test_a_renewed_licence_supersedes_the_expired_one(adapter: str) -> None:
    data = person(
        id_card("2006-01-01", "2016-01-01", "old"),
        id_card("2016-01-02", "2036-01-02", "new"),
        id_card("1996-01-01", "2006-01-01", "oldest"),
    )
    local = LocalLicenceLibrary(data)
    library = local if adapter == "local" else reference_http(local)

    async def at(today: date) -> tuple[LicenceStatus, str | None]:
        lookup = (
            await library.fetch(
                holder_id_number=X_NUMBER.lower(),  # a lower-case x is the same number
                holder_name="测试",
                types=[T.ID_CARD],
                purpose=PURPOSE,
                today=today,
            )
        )[T.ID_CARD]
        return lookup.status, lookup.licence.number if lookup.licence else None

    assert await at(date(2026, 11, 28)) == (LicenceStatus.FOUND, "new")
    assert await at(date(2040, 1, 1)) == (LicenceStatus.EXPIRED, "new")
    await library.aclose()


def test_issued_for_lists_what_is_filed_under_a_number() -> None:
    library = LocalLicenceLibrary()
    assert {licence.type for licence in library.issued_for(ZHANG[1])} == {
        T.ID_CARD,
        T.HOUSEHOLD_REGISTER,
        T.SOCIAL_SECURITY,
        T.REAL_ESTATE,
        T.MARRIAGE,
    }
    unknown = "41010819700101002"
    assert library.issued_for(unknown + idnumber.check_digit(unknown)) == []


def test_licence_fields_cannot_be_changed_by_a_caller() -> None:
    licence = LocalLicenceLibrary().issued_for(ZHANG[1])[0]
    with pytest.raises(TypeError):
        licence.fields["name"] = "someone else"  # type: ignore[index]


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(load_demo_data())
    first = data["holders"][0]
    if change == "check-digit":
        first["id_number"] = first["id_number"][:-1] + "0"
    elif change == "repeated-person":
        data["holders"].append(copy.deepcopy(first))
    elif change == "unknown-type":
        first["licences"][0]["type"] = "护照"
    elif change == "bad-date":
        first["licences"][0]["issued_on"] = "2012/04/18"
    elif change == "non-string-field":
        first["licences"][0]["fields"]["area"] = 86.42
    elif change == "unknown-filing":
        first["licences"][0]["also_filed_under"] = ["nobody"]
    elif change == "no-holders":
        del data["holders"]
    return data


@pytest.mark.parametrize(
    "change",
    [
        "check-digit",
        "repeated-person",
        "unknown-type",
        "bad-date",
        "non-string-field",
        "unknown-filing",
        "no-holders",
    ],
)
def test_a_bad_data_file_fails_at_start_up(change: str) -> None:
    with pytest.raises(ValueError, match="licence data"):
        LocalLicenceLibrary(_broken(change))
