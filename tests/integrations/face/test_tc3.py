"""TC3-HMAC-SHA256, checked against a second, literal transcription of Tencent's steps."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from integrations.face import tc3


def _by_the_book(secret_key: str, timestamp: int, host: str, payload: str) -> str:
    """Tencent's documented example, step by step (service faceid, a JSON POST to "/")."""
    date = tc3.credential_date(timestamp)
    canonical_request = (
        "POST\n/\n\n"
        f"content-type:application/json; charset=utf-8\nhost:{host}\n\n"
        "content-type;host\n" + hashlib.sha256(payload.encode()).hexdigest()
    )
    string_to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/faceid/tc3_request\n"
        + hashlib.sha256(canonical_request.encode()).hexdigest()
    )

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    secret_date = sign(("TC3" + secret_key).encode(), date)
    secret_service = sign(secret_date, "faceid")
    secret_signing = sign(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("timestamp", "payload"),
    [
        (
            1551113065,
            '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
        ),
        (1772415000, '{"RuleId":"1","Name":"张桂兰"}'),
        (0, ""),
    ],
)
def test_the_signature_follows_tencents_steps(timestamp: int, payload: str) -> None:
    header = tc3.authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="faceid",
        timestamp=timestamp,
        content_type="application/json; charset=utf-8",
        host="faceid.tencentcloudapi.com",
        payload=payload.encode(),
    )
    expected = _by_the_book(
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", timestamp, "faceid.tencentcloudapi.com", payload
    )
    date = tc3.credential_date(timestamp)
    assert header == (
        f"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/{date}/faceid/"
        f"tc3_request, SignedHeaders=content-type;host, Signature={expected}"
    )


def test_the_credential_date_is_the_utc_date() -> None:
    # 2019-02-25 16:44:25 UTC is already the 26th in Beijing: the scope uses UTC.
    assert tc3.credential_date(1551113065) == "2019-02-25"
    assert tc3.credential_date(1551139199) == "2019-02-25"
    assert tc3.credential_date(1551139200) == "2019-02-26"


def test_an_authorization_header_parses_back() -> None:
    header = tc3.authorization(
        secret_id="AKIDabc",
        secret_key="k",
        service="faceid",
        timestamp=1772415000,
        content_type="application/json",
        host="h",
        payload=b"{}",
    )
    parsed = tc3.parse_authorization(header)
    assert parsed is not None
    assert (parsed.secret_id, parsed.date, parsed.service) == ("AKIDabc", "2026-03-02", "faceid")
    assert parsed.signed_headers == ("content-type", "host")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer abc",
        "TC3-HMAC-SHA256 Credential=AKID/2026-03-02/faceid/tc3_request, SignedHeaders=content-type;host",
        "TC3-HMAC-SHA256 Credential=AKID/2026-03-02/faceid, SignedHeaders=content-type;host, Signature="
        + "a" * 64,
        "TC3-HMAC-SHA256 Credential=AKID/2026-03-02/faceid/tc3_request, SignedHeaders=host;content-type, Signature="
        + "a" * 64,
        "TC3-HMAC-SHA256 Credential=AKID/2026-03-02/faceid/tc3_request, SignedHeaders=content-type;host, Signature="
        + "A" * 64,
        "TC3-HMAC-SHA256 Credential=AKID/2026-03-02/faceid/tc3_request, SignedHeaders=content-type;host, Signature=abc",
        "TC3-HMAC-SHA256 Credential=AKID/2026-03-02/faceid/tc3_request, Credential=x, SignedHeaders=content-type;host, Signature="
        + "a" * 64,
    ],
)
def test_a_malformed_authorization_header_does_not_parse(header: str) -> None:
    assert tc3.parse_authorization(header) is None
