"""What a face check is about and what it gives back.

Biometric data is sensitive personal information (PIPL Art. 28): nothing here ever holds a
frame, a photo or a video. The name and ID number travel to the provider and come back in the
result so the caller can compare them; every `repr` masks them, so a log line or a traceback
that prints one of these objects shows `张**` and `4101**********122X`, never the real values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from auth import idnumber
from auth.masking import mask_id_number as mask_id_number  # the house rule, one place
from auth.masking import mask_name as mask_name
from auth.masking import scrub


class FaceStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    PENDING = "pending"
    EXPIRED = "expired"


# The check character is not verified here: the provider checks the number against the
# authority's records anyway.
MAX_NAME_LENGTH = 64


def id_number_has_shape(value: str) -> bool:
    """18 characters: 17 digits, then a digit or an upper-case X."""
    return idnumber.has_shape(value)


def scrub_text(text: str, *, limit: int = 200) -> str:
    """Provider text made safe for a log line or an error: ID numbers masked, bounded."""
    text = scrub(text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:limit]


@dataclass(frozen=True, slots=True)
class FaceSubject:
    """Who must be verified. Never logged: the repr masks both fields.

    The ID number is normalised to upper-case X and must have the resident-ID shape, so an
    obvious typo is refused here rather than billed by the provider as a failed check.
    """

    name: str
    id_number: str

    def __post_init__(self) -> None:
        name = self.name.strip() if isinstance(self.name, str) else ""
        id_number = self.id_number.strip().upper() if isinstance(self.id_number, str) else ""
        # Messages name the field, never echo the value.
        if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
            raise ValueError(f"FaceSubject.name must be 1..{MAX_NAME_LENGTH} printable characters")
        if not id_number_has_shape(id_number):
            raise ValueError("FaceSubject.id_number is not an 18-character resident ID number")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "id_number", id_number)

    def __repr__(self) -> str:
        return (
            f"FaceSubject(name={mask_name(self.name)!r}, "
            f"id_number={mask_id_number(self.id_number)!r})"
        )


@dataclass(frozen=True, slots=True)
class FaceStart:
    """A check opened at the provider; the citizen finishes it in the browser or the SDK."""

    provider: str  # e.g. "tencent"
    provider_ref: str  # Tencent: the BizToken
    redirect_url: str | None  # the provider's H5 page for the citizen's browser
    sdk_token: str | None  # for the native SDK (Tencent: the same BizToken)
    expires_at: datetime  # aware UTC; after this the citizen can no longer finish the check


@dataclass(frozen=True, slots=True)
class FaceResult:
    """The outcome as the provider reports it, pulled server-side by `fetch_result`, the only
    source of pass or fail (a browser redirect or an SDK callback never is).

    `id_number` and `name` are what the provider verified: the caller compares them with the
    subject it started the check for, then discards them. The repr masks both.
    """

    provider_ref: str
    status: FaceStatus
    error_code: str | None  # the provider's code as text: "1002", "2015", "15"…
    error_message: str | None  # the provider's own text (Chinese)
    similarity: float | None  # Tencent Sim, 0..100
    id_number: str | None
    name: str | None
    verified_at: datetime | None  # when the provider compared the face (aware UTC)
    flow_id: str | None = None  # echoed from start (Tencent Extra), for cross-checking

    def __repr__(self) -> str:
        return (
            f"FaceResult(provider_ref={self.provider_ref!r}, status={self.status.value!r}, "
            f"error_code={self.error_code!r}, error_message={self.error_message!r}, "
            f"similarity={self.similarity!r}, id_number={mask_id_number(self.id_number)!r}, "
            f"name={mask_name(self.name)!r}, verified_at={self.verified_at!r}, "
            f"flow_id={self.flow_id!r})"
        )


class FaceProviderError(Exception):
    """The provider could not answer: network, timeout, 5xx, an unreadable answer, an error
    answer (including our own authentication failing). It never means "the face failed" — that
    is a `FaceResult` with status FAILED.

    `retryable`: the same call may succeed shortly (network, InternalError, rate limits).
    `upstream_code`: the provider's error code (e.g. "AuthFailure.SignatureFailure").
    The message is ours, never holding a name, an ID number, a secret or an image.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        upstream_code: str | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.upstream_code = upstream_code
        self.provider = provider

    def __repr__(self) -> str:
        return (
            f"FaceProviderError(message={self.message!r}, retryable={self.retryable!r}, "
            f"upstream_code={self.upstream_code!r}, provider={self.provider!r})"
        )
