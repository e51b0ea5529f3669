"""The voucher's check-in code: only we can make one, and it names exactly one booking version."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bff.appointments.qr import (
    MAX_PAYLOAD_LENGTH,
    CheckInClaim,
    QrError,
    sign_check_in,
    verify_check_in,
)

SECRET = "test-secret-0123456789abcdef"
START = datetime(2025, 12, 6, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def payload_for(booking_id: str = "bk_A", version: int = 1, secret: str = SECRET) -> str:
    return sign_check_in(
        secret, booking_id=booking_id, version=version, hall_code="hall-zz-bdc", starts_at=START
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def code_of(secret: str, payload: str) -> str:
    with pytest.raises(QrError) as caught:
        verify_check_in(secret, payload)
    return caught.value.code


def test_a_signed_payload_verifies_to_its_claim() -> None:
    payload = payload_for(version=3)
    assert payload.startswith("HB1.") and payload.count(".") == 2
    assert len(unb64(payload.split(".")[2])) == 32
    assert verify_check_in(SECRET, payload) == CheckInClaim(
        booking_id="bk_A", version=3, hall_code="hall-zz-bdc", starts_at=START.astimezone(UTC)
    )


def test_payload_is_compact_enough_for_a_small_qr_code() -> None:
    assert len(payload_for(booking_id="01JDZ8Q3W5X7Y9ABCDEFGHJKMN")) < 160


def test_a_trailing_line_break_from_a_scanner_is_tolerated() -> None:
    assert verify_check_in(SECRET, payload_for() + "\r\n").booking_id == "bk_A"


def test_another_secret_does_not_verify() -> None:
    assert code_of("another-secret", payload_for()) == "BAD_SIGNATURE"


def test_a_mac_for_the_same_text_under_the_raw_secret_is_not_accepted() -> None:
    import hashlib
    import hmac

    signed = payload_for().rsplit(".", 1)[0]
    raw = hmac.new(SECRET.encode(), signed.encode(), hashlib.sha256).digest()
    assert code_of(SECRET, f"{signed}.{b64(raw)}") == "BAD_SIGNATURE"


def test_a_tampered_mac_is_refused() -> None:
    head, body, mac = payload_for().split(".")
    flipped = bytearray(unb64(mac))
    flipped[0] ^= 1
    assert code_of(SECRET, f"{head}.{body}.{b64(bytes(flipped))}") == "BAD_SIGNATURE"


def test_booking_a_payload_cannot_be_edited_into_booking_b() -> None:
    head, body, mac = payload_for("bk_A").split(".")
    claims = json.loads(unb64(body))
    claims["b"] = "bk_B"
    edited = b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    assert code_of(SECRET, f"{head}.{edited}.{mac}") == "BAD_SIGNATURE"
    # Nor by grafting B's body onto A's signature, or bumping the version back.
    _, body_b, _ = payload_for("bk_B").split(".")
    assert code_of(SECRET, f"{head}.{body_b}.{mac}") == "BAD_SIGNATURE"
    _, body_v2, _ = payload_for("bk_A", version=2).split(".")
    assert code_of(SECRET, f"{head}.{body_v2}.{mac}") == "BAD_SIGNATURE"


def test_an_old_version_still_verifies_so_the_booking_service_must_compare_it() -> None:
    # The signature only proves origin; reuse after a reschedule is the service's check.
    assert verify_check_in(SECRET, payload_for(version=1)).version == 1
    assert verify_check_in(SECRET, payload_for(version=2)).version == 2


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "   ",
        "HB1",
        "HB1..",
        "HB1.abc",
        "HB2.eyJ9.AAAA",
        "hello world",
        "HB1.!!!!.????",
        "HB1.eyJiIjoiYSJ9.c2hvcnQ",  # a 5-byte "MAC"
        "HB1.eyJiIjoiYSJ9.AAAA.AAAA",
        "HB1.预约.AAAA",
        "x" * (MAX_PAYLOAD_LENGTH + 1),
        "HB1." + "A" * 600 + "." + "A" * 43,
    ],
)
def test_malformed_payloads_are_refused_before_any_signature_check(payload: str) -> None:
    assert code_of(SECRET, payload) == "MALFORMED"


def test_non_canonical_base64_of_a_valid_mac_is_malformed() -> None:
    head, body, mac = payload_for().split(".")
    # 32 bytes = 43 base64 characters; the last carries 2 unused bits that must be zero.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(mac[-1])
    twin = mac[:-1] + alphabet[last ^ 1]
    assert unb64(twin) == unb64(mac)
    assert code_of(SECRET, f"{head}.{body}.{twin}") == "MALFORMED"


def test_signed_claims_of_the_wrong_shape_are_malformed() -> None:
    from bff.appointments import qr

    for claims in ({"b": "bk", "v": "1", "h": "h", "t": 1}, {"b": "bk"}, [1, 2]):
        signed = f"HB1.{b64(json.dumps(claims).encode())}"
        mac = qr._mac(SECRET, signed)
        assert code_of(SECRET, f"{signed}.{b64(mac)}") == "MALFORMED"


def test_signing_refuses_a_naive_start_time_and_an_empty_secret() -> None:
    with pytest.raises(ValueError):
        sign_check_in(
            SECRET, booking_id="b", version=1, hall_code="h", starts_at=datetime(2025, 1, 1)
        )
    with pytest.raises(ValueError):
        payload_for(secret="")
    with pytest.raises(ValueError):
        verify_check_in("", payload_for())
