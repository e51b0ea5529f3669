"""One contract, two adapters: the embedded library and the HTTP adapter against the reference
platform (through httpx.ASGITransport) must answer every read alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from auth import idnumber
from integrations.licences.local import DEMO_HOLDERS, LocalLicenceLibrary
from integrations.licences.models import (
    MAX_TYPES_PER_BATCH,
    FetchPurpose,
    LicenceLookup,
    LicenceStatus,
    LicenceType,
)
from integrations.licences.port import LicenceLibrary
from tests.integrations.licences.support import CHEN, LI, PURPOSE, SUN, TODAY, WANG, ZHANG, ZHAO

T = LicenceType
S = LicenceStatus


async def read(
    library: LicenceLibrary,
    holder: tuple[str, str],
    *types: LicenceType,
    today: date = TODAY,
    name: str | None = None,
) -> dict[LicenceType, LicenceLookup]:
    holder_name, id_number = holder
    return await library.fetch(
        holder_id_number=id_number,
        holder_name=holder_name if name is None else name,
        types=list(types),
        purpose=PURPOSE,
        today=today,
    )


def statuses(result: dict[LicenceType, LicenceLookup]) -> dict[LicenceType, LicenceStatus]:
    return {t: lookup.status for t, lookup in result.items()}


async def test_the_main_demo_citizen_has_all_her_licences_with_prefill_data(
    library: LicenceLibrary,
) -> None:
    wanted = (T.ID_CARD, T.HOUSEHOLD_REGISTER, T.SOCIAL_SECURITY, T.REAL_ESTATE, T.MARRIAGE)
    result = await read(library, ZHANG, *wanted)

    assert list(result) == list(wanted)
    assert set(statuses(result).values()) == {S.FOUND}
    id_card = result[T.ID_CARD].licence
    assert id_card is not None
    assert id_card.type is T.ID_CARD
    assert (id_card.holder_name, id_card.holder_id_number) == ZHANG
    assert id_card.number == ZHANG[1]
    assert id_card.valid_until is None  # 长期
    assert id_card.fields["valid_until"] == "长期"
    assert id_card.fields["name"] == "张桂兰" and id_card.fields["id_number"] == ZHANG[1]
    assert id_card.fields["address"].startswith("河南省郑州市金水区")
    household = result[T.HOUSEHOLD_REGISTER].licence
    assert household is not None and household.fields["household_head"] == "张桂兰"
    marriage = result[T.MARRIAGE].licence
    assert marriage is not None and marriage.fields["spouse_name"] == "李建国"
    assert idnumber.is_valid(marriage.fields["spouse_id_number"])
    social = result[T.SOCIAL_SECURITY].licence
    assert social is not None and social.fields["card_number"] == social.number
    assert social.fields["bank"]
    estate = result[T.REAL_ESTATE].licence
    assert estate is not None and estate.fields["certificate_no"] == estate.number
    assert float(estate.fields["area"]) > 0 and estate.fields["address"]


async def test_a_batch_answers_every_requested_type_found_or_not(library: LicenceLibrary) -> None:
    result = await read(
        library, LI, T.ID_CARD, T.DRIVING_LICENCE, T.REAL_ESTATE, T.BIRTH_CERTIFICATE, T.MARRIAGE
    )

    assert statuses(result) == {
        T.ID_CARD: S.FOUND,
        T.DRIVING_LICENCE: S.FOUND,
        T.REAL_ESTATE: S.NOT_FOUND,
        T.BIRTH_CERTIFICATE: S.NOT_FOUND,
        T.MARRIAGE: S.FOUND,
    }
    assert result[T.REAL_ESTATE] == LicenceLookup(T.REAL_ESTATE, S.NOT_FOUND, None)
    driving = result[T.DRIVING_LICENCE].licence
    assert driving is not None and driving.fields["licence_class"] == "C1"


async def test_an_expired_licence_is_returned_as_expired_beside_valid_and_missing_ones(
    library: LicenceLibrary,
) -> None:
    result = await read(library, ZHAO, T.ID_CARD, T.HOUSEHOLD_REGISTER, T.SOCIAL_SECURITY)

    assert statuses(result) == {
        T.ID_CARD: S.EXPIRED,
        T.HOUSEHOLD_REGISTER: S.NOT_FOUND,
        T.SOCIAL_SECURITY: S.FOUND,
    }
    expired = result[T.ID_CARD].licence
    assert expired is not None  # kept, so the citizen can be told which licence to renew
    assert expired.valid_until == date(2025, 8, 20)


async def test_a_licence_is_valid_through_its_last_day(library: LicenceLibrary) -> None:
    last_day = date(2025, 8, 20)
    on_it = await read(library, ZHAO, T.ID_CARD, today=last_day)
    after = await read(library, ZHAO, T.ID_CARD, today=last_day + timedelta(days=1))

    assert on_it[T.ID_CARD].status is S.FOUND
    assert after[T.ID_CARD].status is S.EXPIRED


async def test_a_name_that_is_not_the_holders_finds_nothing(library: LicenceLibrary) -> None:
    wanted = (T.ID_CARD, T.HOUSEHOLD_REGISTER, T.MARRIAGE)
    wrong_name = await read(library, ZHANG, *wanted, name="李明")
    unknown = await read(library, ("张桂兰", _unknown_id_number()), *wanted)

    assert set(statuses(wrong_name).values()) == {S.NOT_FOUND}
    assert all(lookup.licence is None for lookup in wrong_name.values())
    # Indistinguishable from an unknown number: a wrong name learns nothing.
    assert wrong_name == unknown


async def test_blanks_and_full_width_forms_in_the_name_still_match(
    library: LicenceLibrary,
) -> None:
    result = await read(library, ZHANG, T.ID_CARD, name=" 张\u3000桂兰 ")
    assert result[T.ID_CARD].status is S.FOUND


async def test_the_newborns_birth_certificate_is_found_through_either_parent(
    library: LicenceLibrary,
) -> None:
    by_mother = await read(library, WANG, T.BIRTH_CERTIFICATE, T.MARRIAGE)
    by_father = await read(library, CHEN, T.BIRTH_CERTIFICATE)

    certificate = by_mother[T.BIRTH_CERTIFICATE].licence
    assert by_mother[T.BIRTH_CERTIFICATE].status is S.FOUND
    assert by_father[T.BIRTH_CERTIFICATE] == by_mother[T.BIRTH_CERTIFICATE]
    assert certificate is not None
    assert certificate.holder_name == "陈小满"
    assert certificate.holder_id_number == ""  # not yet registered in a 户口簿
    fields = certificate.fields
    assert fields["child_name"] == "陈小满"
    assert fields["birth_cert_no"] == certificate.number
    assert fields["mother_id_number"] == WANG[1] and fields["father_id_number"] == CHEN[1]
    born = date.fromisoformat(fields["child_birth_date"])
    assert timedelta(days=14) <= TODAY - born <= timedelta(days=28)
    marriage = by_mother[T.MARRIAGE].licence
    assert marriage is not None
    assert (marriage.fields["spouse_name"], marriage.fields["spouse_id_number"]) == CHEN


async def test_someone_else_does_not_find_the_birth_certificate(library: LicenceLibrary) -> None:
    result = await read(library, ZHANG, T.BIRTH_CERTIFICATE)
    assert result[T.BIRTH_CERTIFICATE].status is S.NOT_FOUND


async def test_an_unknown_person_gets_not_found_for_every_type(library: LicenceLibrary) -> None:
    every_type = tuple(LicenceType)
    result = await read(library, ("路人甲", _unknown_id_number()), *every_type)

    assert list(result) == list(every_type)
    assert set(statuses(result).values()) == {S.NOT_FOUND}


async def test_a_registered_person_without_licences_gets_not_found(
    library: LicenceLibrary,
) -> None:
    result = await read(library, SUN, T.ID_CARD, T.SOCIAL_SECURITY)
    assert set(statuses(result).values()) == {S.NOT_FOUND}


async def test_both_adapters_answer_each_demo_person_identically(library: LicenceLibrary) -> None:
    reference = LocalLicenceLibrary()
    for holder in DEMO_HOLDERS.values():
        expected = await read(reference, holder, *LicenceType)
        assert await read(library, holder, *LicenceType) == expected


async def test_a_type_asked_twice_is_answered_once(library: LicenceLibrary) -> None:
    result = await read(library, ZHANG, T.ID_CARD, T.MARRIAGE, T.ID_CARD)
    assert list(result) == [T.ID_CARD, T.MARRIAGE]


async def test_an_empty_request_answers_nothing(library: LicenceLibrary) -> None:
    assert await read(library, ZHANG) == {}


async def test_more_than_twenty_types_are_refused(library: LicenceLibrary) -> None:
    too_many = [*LicenceType, *LicenceType][: MAX_TYPES_PER_BATCH + 1]
    with pytest.raises(ValueError, match="at most 20"):
        await read(library, ZHANG, *too_many)
    # Exactly twenty is fine.
    await read(library, ZHANG, *too_many[:MAX_TYPES_PER_BATCH])


@pytest.mark.parametrize(
    ("id_number", "name", "purpose", "types"),
    [
        ("41010519520315122", "张桂兰", PURPOSE, [T.ID_CARD]),
        ("not an id number", "张桂兰", PURPOSE, [T.ID_CARD]),
        (ZHANG[1], "  ", PURPOSE, [T.ID_CARD]),
        (ZHANG[1], "张桂兰", FetchPurpose("", "demo", "ITEM"), [T.ID_CARD]),
        (ZHANG[1], "张桂兰", FetchPurpose("flow", " ", "ITEM"), [T.ID_CARD]),
        (ZHANG[1], "张桂兰", FetchPurpose("flow", "demo", ""), [T.ID_CARD]),
        (ZHANG[1], "张桂兰", PURPOSE, ["护照"]),
    ],
    ids=["short-id", "not-an-id", "blank-name", "no-flow", "no-requester", "no-item", "bad-type"],
)
async def test_a_malformed_read_is_refused_before_the_library_is_asked(
    library: LicenceLibrary,
    id_number: str,
    name: str,
    purpose: FetchPurpose,
    types: list[LicenceType],
) -> None:
    with pytest.raises(ValueError) as caught:
        await library.fetch(
            holder_id_number=id_number,
            holder_name=name,
            types=types,
            purpose=purpose,
            today=TODAY,
        )
    assert ZHANG[1] not in str(caught.value) and "张桂兰" not in str(caught.value)


async def test_types_may_be_given_by_their_chinese_names_and_the_number_is_normalised(
    library: LicenceLibrary,
) -> None:
    result = await library.fetch(
        holder_id_number=f" {WANG[1].lower()} ",
        holder_name=WANG[0],
        types=["出生医学证明"],  # type: ignore[list-item]
        purpose=PURPOSE,
        today=TODAY,
    )
    assert result[T.BIRTH_CERTIFICATE].status is S.FOUND
    assert result[T.BIRTH_CERTIFICATE].type is T.BIRTH_CERTIFICATE


@pytest.mark.usefixtures("no_personal_data_in_logs")
async def test_reads_leave_no_name_or_id_number_in_the_logs(library: LicenceLibrary) -> None:
    for holder in DEMO_HOLDERS.values():
        await read(library, holder, *LicenceType)
    await read(library, ZHANG, T.ID_CARD, name="李明")
    with pytest.raises(ValueError):
        await read(library, ("张桂兰", ZHANG[1][:-1]), T.ID_CARD)


def _unknown_id_number() -> str:
    """A well-formed number (right check digit) that no demo person holds."""
    first17 = "41010819700101002"
    return first17 + idnumber.check_digit(first17)
