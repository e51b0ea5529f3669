"""What an electronic licence library (电子证照库) gives us, and how a read of it fails.

An electronic licence has the legal force of the paper one (国办发〔2022〕3号): when the library
holds it, the citizen must not be asked to bring or upload it. These models are what the flows
need to decide that and to prefill an application; they are small, immutable and hold no
upstream wire format.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from auth import idnumber

MAX_TYPES_PER_BATCH = 20
"""Provincial sharing platforms cap one batch read; both adapters refuse more before any call."""


class LicenceType(StrEnum):
    """The value is the licence's Chinese name, as in the catalogue's `materials[].licence_type`."""

    ID_CARD = "身份证"
    HOUSEHOLD_REGISTER = "户口簿"
    MARRIAGE = "结婚证"
    REAL_ESTATE = "不动产权证书"
    SOCIAL_SECURITY = "社保卡"
    BIRTH_CERTIFICATE = "出生医学证明"
    BUSINESS_LICENCE = "营业执照"
    DRIVING_LICENCE = "驾驶证"
    VEHICLE_LICENCE = "行驶证"
    VETERAN = "退役军人证"
    DISABILITY = "残疾人证"


class LicenceStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    EXPIRED = "expired"  # the library holds it, but valid_until < today: not usable as proof


@dataclass(frozen=True, slots=True)
class Licence:
    """One electronic licence as the library holds it."""

    type: LicenceType
    number: str  # 证照编号 (for 身份证 and 驾驶证 this is the ID number itself)
    holder_name: str
    # Empty when the holder has no ID number yet: a newborn's 出生医学证明 is filed under the
    # parents' ID numbers until the child is registered in a 户口簿.
    holder_id_number: str
    issuer: str  # 发证机关
    issued_on: date
    valid_until: date | None  # None = 长期 (no expiry)
    # Structured data for prefilling forms, under stable English keys; see README.md.
    fields: Mapping[str, str]

    def expired_on(self, today: date) -> bool:
        """A licence is still valid on its `valid_until` day itself."""
        return self.valid_until is not None and self.valid_until < today


@dataclass(frozen=True, slots=True)
class LicenceLookup:
    type: LicenceType
    status: LicenceStatus
    licence: Licence | None  # present for FOUND and EXPIRED, None for NOT_FOUND


@dataclass(frozen=True, slots=True)
class FetchPurpose:
    """用证事由: real libraries record who read which licence for what, and refuse a read
    without it."""

    flow_id: str
    requester_id: str  # our account id of whoever asks (the citizen, or a relative acting)
    item_code: str  # the service item's task code or the 一件事 bundle code


class LicenceLibraryError(Exception):
    """The library could not answer. `retryable` says whether the same read may succeed later
    (busy, unreachable) or needs someone to fix something (credentials, contract).

    The message is ours and never holds a name or an ID number.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status_code: int | None = None,
        upstream_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status_code = status_code  # the HTTP status, when there was an answer
        self.upstream_code = upstream_code  # the library's own error code, for operators

    def __repr__(self) -> str:
        return (
            f"LicenceLibraryError(message={self.message!r}, retryable={self.retryable!r}, "
            f"status_code={self.status_code!r}, upstream_code={self.upstream_code!r})"
        )


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """A read after the checks both adapters share, with the inputs normalised."""

    holder_id_number: str
    holder_name: str
    types: tuple[LicenceType, ...]
    purpose: FetchPurpose
    today: date


def normalise_id_number(value: str) -> str:
    """Upper-case `x`, no surrounding blanks; ValueError for anything not shaped like a
    resident ID number (17 digits and a digit or X)."""
    normalised = value.strip().upper() if isinstance(value, str) else ""
    if not idnumber.has_shape(normalised):
        # Never echo the value: it is personal data.
        raise ValueError("holder_id_number is not an 18-character resident ID number")
    return normalised


def normalise_name(value: str) -> str:
    """NFKC (full-width letters, compatibility characters) and no blanks, so a name typed on
    a phone compares equal to the registered one; the interpunct of minority names
    (阿依古丽·买买提) is accepted in its common variants."""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(text.split())
    return text.replace("•", "·").replace("・", "·").replace("．", "·")


def check_request(
    *,
    holder_id_number: str,
    holder_name: str,
    types: Sequence[LicenceType | str],
    purpose: FetchPurpose,
    today: date,
) -> BatchRequest:
    """The shared preconditions of `LicenceLibrary.fetch`; ValueError names what is wrong.

    Types may be given by their Chinese names; duplicates are read once. The batch limit
    counts what was asked, so a caller never silently exceeds what the platform accepts.
    """
    if isinstance(types, str):
        raise TypeError("types must be a sequence of licence types, not one string")
    if len(types) > MAX_TYPES_PER_BATCH:
        raise ValueError(f"at most {MAX_TYPES_PER_BATCH} licence types per batch, got {len(types)}")
    try:
        wanted = tuple(dict.fromkeys(LicenceType(t) for t in types))
    except ValueError:
        raise ValueError("types holds a name that is not a known licence type") from None
    if not isinstance(holder_name, str) or not normalise_name(holder_name):
        raise ValueError("holder_name is empty")
    for label, value in (
        ("flow_id", purpose.flow_id),
        ("requester_id", purpose.requester_id),
        ("item_code", purpose.item_code),
    ):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"purpose.{label} is empty: a licence read needs its 用证事由")
    if not isinstance(today, date) or isinstance(today, datetime):
        # A datetime would compare with valid_until by accident of subclassing; the caller
        # decides which calendar day it is (China's, UTC+8).
        raise TypeError("today must be a date, not a datetime")
    return BatchRequest(
        holder_id_number=normalise_id_number(holder_id_number),
        holder_name=holder_name.strip(),
        types=wanted,
        purpose=purpose,
        today=today,
    )
