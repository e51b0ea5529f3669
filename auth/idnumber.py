"""GB 11643-1999 resident ID numbers: the check digit, and what the number itself says.

One implementation for everything that handles ID numbers: the licence library validating its
demo data, the face port refusing a malformed subject before the provider bills it, the flows
checking an answer, and tests that build fictitious people.
"""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def has_shape(id_number: str) -> bool:
    """17 ASCII digits, then a digit or an upper-case X (no check-digit test)."""
    return _SHAPE.fullmatch(id_number) is not None


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits: ISO 7064 MOD 11-2, 10 written as X."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("a check digit needs exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def is_valid(id_number: str) -> bool:
    """Shape, a real birth date and the right check digit (upper-case X only)."""
    if not has_shape(id_number):
        return False
    try:
        birth_date(id_number)
    except ValueError:
        return False
    return check_digit(id_number[:17]) == id_number[17]


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_female(id_number: str) -> bool:
    """The 17th digit (the last of the sequence code) is even for women, odd for men."""
    return int(id_number[16]) % 2 == 0
