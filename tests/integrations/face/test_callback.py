"""The citizen's browser coming back to our RedirectUrl: only a genuine, fresh, signed return
names a check, and a return never carries a result."""

from __future__ import annotations

import pytest

from integrations.face.models import FaceStatus
from integrations.face.tencent import callback_signature
from tests.integrations.face.support import KEYS, Face


async def _signed_query(face: Face) -> tuple[str, dict[str, str]]:
    started = await face.start()
    return started.provider_ref, await face.choose(started, "liveness")


async def test_a_genuine_return_names_its_check(face: Face) -> None:
    ref, query = await _signed_query(face)
    assert set(query) == {"token", "timestamp", "newSign"}
    assert await face.adapter.parse_callback(query, {}) == ref


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong_sign",
        "missing_sign",
        "missing_timestamp",
        "missing_token",
        "malformed_token",
        "other_token",
        "shifted_timestamp",
        "other_key",
        "non_hex_sign",
    ],
)
async def test_a_tampered_return_names_nothing(face: Face, tamper: str) -> None:
    ref, query = await _signed_query(face)
    other = "0A0B0C0D-0000-4000-8000-000000000000"
    forged = dict(query)
    if tamper == "wrong_sign":
        forged["newSign"] = ("0" if query["newSign"][0] != "0" else "1") + query["newSign"][1:]
    elif tamper == "missing_sign":
        del forged["newSign"]
    elif tamper == "missing_timestamp":
        del forged["timestamp"]
    elif tamper == "missing_token":
        del forged["token"]
    elif tamper == "malformed_token":
        forged["token"] = ref + "/../x"
        forged["newSign"] = callback_signature(
            KEYS.callback_key, forged["token"], query["timestamp"]
        )
    elif tamper == "other_token":
        forged["token"] = other  # a signature is bound to its token
    elif tamper == "shifted_timestamp":
        forged["timestamp"] = str(int(query["timestamp"]) + 1)
    elif tamper == "other_key":
        forged["newSign"] = callback_signature("another-key", ref, query["timestamp"])
    elif tamper == "non_hex_sign":
        forged["newSign"] = "z" * 64

    assert await face.adapter.parse_callback(forged, {}) is None


@pytest.mark.parametrize("skew", [-301, 301])
async def test_a_stale_or_future_return_names_nothing(face: Face, skew: int) -> None:
    ref, query = await _signed_query(face)
    face.clock.advance(300)
    assert await face.adapter.parse_callback(query, {}) == ref  # still inside ±300 s

    face.clock.advance(skew - 300)
    assert await face.adapter.parse_callback(query, {}) is None


async def test_a_forged_result_parameter_is_ignored(face: Face) -> None:
    started = await face.start()
    genuine = face.reference.callback_query(started.provider_ref)

    # Signed return plus "result=pass": the token is named, the result is not believed.
    named = await face.adapter.parse_callback({**genuine, "result": "pass", "ErrCode": "0"}, {})
    assert named == started.provider_ref
    assert (await face.adapter.fetch_result(started.provider_ref)).status is FaceStatus.PENDING

    # Unsigned, the same claim names nothing at all.
    bare = {"token": started.provider_ref, "result": "pass"}
    assert await face.adapter.parse_callback(bare, {}) is None


async def test_an_unsigned_return_is_accepted_only_when_signatures_are_off(face: Face) -> None:
    """Tencent's own H5 flow documents only `token` on the RedirectUrl (see README)."""
    started = await face.start()
    unsigned = face.adapter_with(require_callback_signature=False, callback_key="")

    assert (
        await unsigned.parse_callback({"token": started.provider_ref}, {}) == started.provider_ref
    )
    assert await unsigned.parse_callback({"token": "not a token"}, {}) is None
    assert await face.adapter.parse_callback({"token": started.provider_ref}, {}) is None
