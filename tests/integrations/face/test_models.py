"""The port's small models: the subject is checked and never shown in full."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.face.models import (
    FaceProviderError,
    FaceResult,
    FaceStatus,
    FaceSubject,
    mask_id_number,
    mask_name,
    scrub_text,
)


def test_a_subject_is_normalised() -> None:
    subject = FaceSubject(name=" 张桂兰 ", id_number="41010519520315122x")
    assert subject.name == "张桂兰" and subject.id_number == "41010519520315122X"


@pytest.mark.parametrize(
    ("name", "id_number", "field"),
    [
        ("张桂兰", "4101051952031512", "id_number"),
        ("张桂兰", "41010519520315122Y", "id_number"),
        ("张桂兰", "X10105195203151220", "id_number"),
        ("", "41010519520315122X", "name"),
        ("张\n桂兰", "41010519520315122X", "name"),
        ("张" * 65, "41010519520315122X", "name"),
    ],
)
def test_a_subject_that_is_not_a_person_is_refused_without_echoing_it(
    name: str, id_number: str, field: str
) -> None:
    with pytest.raises(ValueError, match=field) as refused:
        FaceSubject(name=name, id_number=id_number)
    if id_number:
        assert id_number not in str(refused.value)


def test_reprs_mask_the_name_and_id_number() -> None:
    subject = FaceSubject(name="张桂兰", id_number="41010519520315122X")
    result = FaceResult(
        provider_ref="REF-0001",
        status=FaceStatus.PASSED,
        error_code=None,
        error_message=None,
        similarity=92.1,
        id_number="41010519520315122X",
        name="张桂兰",
        verified_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    for shown in (repr(subject), str(subject), repr(result), f"{result}"):
        assert "41010519520315122X" not in shown and "张桂兰" not in shown
    assert "4101**********122X" in repr(subject) and "张**" in repr(result)
    assert "92.1" in repr(result) and "REF-0001" in repr(result)


def test_masks_follow_the_house_rule() -> None:
    assert mask_id_number("41010519520315122X") == "4101**********122X"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    assert mask_id_number(None) is None and mask_name("") == ""


def test_scrubbed_text_masks_id_numbers_and_is_bounded() -> None:
    text = scrub_text("身份证号 41010519520315122x 与姓名不一致\n" + "x" * 500)
    assert "4101**********122x" in text and "19520315" not in text
    assert "\n" not in text and len(text) == 200


def test_a_provider_error_says_whether_to_retry() -> None:
    error = FaceProviderError("busy", retryable=True, upstream_code="InternalError")
    assert str(error) == "busy" and error.retryable and error.upstream_code == "InternalError"
    assert "retryable=True" in repr(error)
