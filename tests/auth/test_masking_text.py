"""Masks in free text hold next to Chinese characters, which are word characters to `\\b`."""

from __future__ import annotations

from auth.masking import scrub


def test_numbers_written_right_after_chinese_words_are_masked() -> None:
    assert scrub("身份证号410105195203151228，电话13812345678。") == (
        "身份证号4101**********1228，电话138****5678。"
    )
    # A longer run of digits is not an ID number or a phone number.
    assert scrub("订单1381234567890") == "订单1381234567890"
