"""The webhook signature: only the case system, with a current secret and a fresh timestamp,
gets through."""

from __future__ import annotations

import hmac

import pytest

from integrations.cases.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    sign,
    verify,
)

BODY = b'{"events":[{"event_id":"e1","case_number":"ZZ1","status":"accepted"}]}'
NOW = 1_741_000_000


def _code(secrets: list[str], body: bytes, headers: dict[str, str], now: float = NOW) -> str:
    with pytest.raises(SignatureError) as caught:
        verify(secrets, body, headers, now=now)
    return caught.value.code


def test_signature_matches_the_documented_test_vector() -> None:
    assert sign("s3cret", b'{"events":[]}', timestamp=1741000000) == {
        TIMESTAMP_HEADER: "1741000000",
        SIGNATURE_HEADER: "v1=edd8181591da30bdc397075b767b1cf78b56571c4025573767a482d833f08cab",
    }


def test_signed_body_verifies() -> None:
    verify(["s3cret"], BODY, sign("s3cret", BODY, timestamp=NOW), now=NOW)


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in sign("s3cret", BODY, timestamp=NOW).items()}
    verify(["s3cret"], BODY, headers, now=NOW)


def test_tampered_body_is_refused() -> None:
    headers = sign("s3cret", BODY, timestamp=NOW)
    assert _code(["s3cret"], BODY.replace(b"accepted", b"approved"), headers) == "BAD_SIGNATURE"


def test_changed_timestamp_is_refused() -> None:
    headers = sign("s3cret", BODY, timestamp=NOW) | {TIMESTAMP_HEADER: str(NOW + 1)}
    assert _code(["s3cret"], BODY, headers) == "BAD_SIGNATURE"


def test_wrong_secret_is_refused() -> None:
    assert _code(["s3cret"], BODY, sign("other", BODY, timestamp=NOW)) == "BAD_SIGNATURE"


def test_rotation_accepts_either_secret_and_either_signature() -> None:
    new = sign("new", BODY, timestamp=NOW)
    old = sign("old", BODY, timestamp=NOW)
    both = {
        TIMESTAMP_HEADER: str(NOW),
        SIGNATURE_HEADER: f"{new[SIGNATURE_HEADER]}, {old[SIGNATURE_HEADER]}",
    }
    for secrets in (["new", "old"], ["old"], ["new"]):
        verify(secrets, BODY, both, now=NOW)
    verify(["new", "old"], BODY, old, now=NOW)
    verify(["new", "old"], BODY, new, now=NOW)
    assert _code(["newer"], BODY, both) == "BAD_SIGNATURE"


def test_other_schemes_are_ignored() -> None:
    headers = sign("s3cret", BODY, timestamp=NOW)
    headers[SIGNATURE_HEADER] = "v0=abc," + headers[SIGNATURE_HEADER]
    verify(["s3cret"], BODY, headers, now=NOW)
    headers[SIGNATURE_HEADER] = "v0=" + "0" * 64
    assert _code(["s3cret"], BODY, headers) == "BAD_SIGNATURE"


@pytest.mark.parametrize("skew", [301, -301, 86_400, -86_400])
def test_stale_or_future_timestamp_is_refused(skew: int) -> None:
    headers = sign("s3cret", BODY, timestamp=NOW)
    assert _code(["s3cret"], BODY, headers, now=NOW + skew) == "STALE_TIMESTAMP"


@pytest.mark.parametrize("skew", [300, -300, 0])
def test_timestamp_inside_the_tolerance_is_accepted(skew: int) -> None:
    verify(["s3cret"], BODY, sign("s3cret", BODY, timestamp=NOW), now=NOW + skew)


def test_stale_is_only_reported_to_an_authentic_sender() -> None:
    headers = sign("other", BODY, timestamp=NOW)
    assert _code(["s3cret"], BODY, headers, now=NOW + 3600) == "BAD_SIGNATURE"


@pytest.mark.parametrize("drop", [TIMESTAMP_HEADER, SIGNATURE_HEADER])
def test_missing_header_is_reported(drop: str) -> None:
    headers = sign("s3cret", BODY, timestamp=NOW)
    del headers[drop]
    assert _code(["s3cret"], BODY, headers) == "MISSING_SIGNATURE"
    assert _code(["s3cret"], BODY, {}) == "MISSING_SIGNATURE"


@pytest.mark.parametrize("stamp", ["", "abc", "-5", "1.5", "١٧٤١٠٠٠٠٠٠", "9" * 13, "0x10"])
def test_garbled_timestamp_is_reported(stamp: str) -> None:
    headers = sign("s3cret", BODY, timestamp=NOW) | {TIMESTAMP_HEADER: stamp}
    assert _code(["s3cret"], BODY, headers) == "BAD_TIMESTAMP"


@pytest.mark.parametrize(
    "value",
    [
        "v1=",
        "v1=zz",
        "v1=" + "g" * 64,
        "edd8181591da30bdc397075b767b1cf78b56571c4025573767a482d833f08cab",
        "v1=é" + "0" * 63,
        ",,,",
        ",".join(["v1=" + "0" * 64] * 9),
    ],
)
def test_garbled_signature_is_refused(value: str) -> None:
    headers = sign("s3cret", BODY, timestamp=NOW) | {SIGNATURE_HEADER: value}
    assert _code(["s3cret"], BODY, headers) == "BAD_SIGNATURE"


def test_uppercase_hex_is_accepted() -> None:
    headers = sign("s3cret", BODY, timestamp=NOW)
    headers[SIGNATURE_HEADER] = "v1=" + headers[SIGNATURE_HEADER][3:].upper()
    verify(["s3cret"], BODY, headers, now=NOW)


def test_misconfigured_secrets_fail_loudly() -> None:
    headers = sign("s3cret", BODY, timestamp=NOW)
    with pytest.raises(ValueError):
        verify([], BODY, headers, now=NOW)
    with pytest.raises(ValueError):
        verify(["s3cret", ""], BODY, headers, now=NOW)
    with pytest.raises(TypeError):
        verify("s3cret", BODY, headers, now=NOW)
    with pytest.raises(ValueError):
        sign("", BODY, timestamp=NOW)


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # what signing.py calls
    new = sign("new", BODY, timestamp=NOW)[SIGNATURE_HEADER]
    old = sign("old", BODY, timestamp=NOW)[SIGNATURE_HEADER]
    headers = {TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: f"{new},{old}"}
    verify(["new", "old"], BODY, headers, now=NOW)
    assert len(calls) == 4  # every secret against every value, even after a match
