"""The demo people are fictitious but must look real to every check a real system makes:
GB 11643 check digits, Zhengzhou (4101xx) numbers, sex and birth date agreeing with the
licences, and DEMO_HOLDERS in step with the data file."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from auth import idnumber
from integrations.licences.local import DEMO_HOLDERS, LocalLicenceLibrary, load_demo_data
from integrations.licences.models import LicenceType
from tests.integrations.licences.support import TODAY

ID_LIKE = re.compile(r"[0-9]{17}[0-9Xx]")
# GB 11643 written out again here, independently of the package's implementation.
WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def expected_check_digit(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_weights_are_the_standard_ones() -> None:
    assert WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def test_every_id_number_in_the_data_file_has_a_correct_check_digit() -> None:
    numbers = {s for s in strings(load_demo_data()) if ID_LIKE.fullmatch(s)}
    assert len(numbers) >= 8  # the six people, and the spouses who are not holders
    for number in numbers:
        assert number[17] == expected_check_digit(number[:17]), number
        assert idnumber.is_valid(number)
        assert number.startswith("4101"), number  # Zhengzhou
        assert date(1900, 1, 1) < idnumber.birth_date(number) < TODAY


def test_the_package_check_digit_agrees_with_the_standard() -> None:
    for first17 in ("11010519491231002", "44052418800101001", "41010519520315122"):
        assert idnumber.check_digit(first17) == expected_check_digit(first17)
    assert idnumber.check_digit("11010519491231002") == "X"  # GB 11643's own example
    assert not idnumber.is_valid("41010519520315122X")  # wrong check digit
    assert not idnumber.is_valid("410105195202301228")  # no 30 February


def test_demo_holders_match_the_data_file() -> None:
    in_file = {h["key"]: (h["name"], h["id_number"]) for h in load_demo_data()["holders"]}
    assert in_file == DEMO_HOLDERS


def test_sex_and_birth_date_on_the_id_cards_agree_with_the_numbers() -> None:
    library = LocalLicenceLibrary()
    for _, number in DEMO_HOLDERS.values():
        for licence in library.issued_for(number):
            if licence.type is LicenceType.ID_CARD:
                assert licence.fields["id_number"] == number
                assert licence.fields["birth_date"] == idnumber.birth_date(number).isoformat()
                assert licence.fields["sex"] == ("女" if idnumber.is_female(number) else "男")


def test_the_demo_people_are_who_the_flows_expect() -> None:
    assert DEMO_HOLDERS["zhang_guilan"][0] == "张桂兰"
    assert idnumber.birth_date(DEMO_HOLDERS["zhang_guilan"][1]).year == 1952
    assert idnumber.is_female(DEMO_HOLDERS["zhang_guilan"][1])
    assert not idnumber.is_female(DEMO_HOLDERS["li_ming"][1])
    wang = DEMO_HOLDERS["wang_fang"][1]
    assert idnumber.is_female(wang) and idnumber.birth_date(wang).year == 1995
    assert not idnumber.is_female(DEMO_HOLDERS["chen_gang"][1])
    assert DEMO_HOLDERS["sun_li"][1].endswith("X")  # exercises the X check digit downstream
