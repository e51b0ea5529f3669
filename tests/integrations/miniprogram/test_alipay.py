"""Alipay specifics: the signed alipay.system.oauth.token request, verification of the answer
over its raw text, forged and unsigned answers, error mapping, and dropped tokens.

Signatures in this file are made and checked with `cryptography` directly, not with the
adapter's helpers, so a mistake shared by the adapter and the reference cannot hide."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations.miniprogram.alipay import (
    AlipayLogin,
    load_rsa_private_key,
    load_rsa_public_key,
    signing_string,
    top_level_members,
)
from integrations.miniprogram.models import MiniProgramErrorCode
from tests.integrations.miniprogram.support import (
    ALIPAY_APP_ID,
    ALIPAY_GATEWAY,
    Harness,
    LeakGuard,
    expect_error,
)

E = MiniProgramErrorCode
ROOT = "alipay_system_oauth_token_response"
BEIJING = timezone(timedelta(hours=8))


def _sign(text: str, private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _verify(text: str, signature: str, public_pem: str) -> None:
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())


def _body(root: str, raw: str, sign: str | None) -> str:
    if sign is None:
        return "{" + json.dumps(root) + ":" + raw + "}"
    return "{" + json.dumps(root) + ":" + raw + ',"sign":' + json.dumps(sign) + "}"


def _serving(body: str) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda _: httpx.Response(
            200, content=body.encode(), headers={"Content-Type": "application/json;charset=utf-8"}
        )
    )


SUCCESS = (
    '{"access_token":"authbseB-token-canary","alipay_user_id":"20880000","expires_in":1296000,'
    '"open_id":"074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5","re_expires_in":2592000,'
    '"refresh_token":"authbseB-refresh-canary","union_id":"u-alipay-1"}'
)


def test_the_signing_string_follows_alipay_rules() -> None:
    """Alipay's documented example: sorted by name, raw values, `sign` and empty values left
    out, `sign_type` kept."""
    params = {
        "app_id": "2014072300007148",
        "method": "alipay.mobile.public.menu.add",
        "charset": "GBK",
        "sign_type": "RSA2",
        "timestamp": "2014-07-24 03:07:50",
        "biz_content": '{"button":[{"actionParam":"ZFB_HFCZ","actionType":"out","name":"话费充值"}]}',
        "version": "1.0",
        "sign": "ignored",
        "app_auth_token": "",
    }
    assert signing_string(params) == (
        "app_id=2014072300007148"
        '&biz_content={"button":[{"actionParam":"ZFB_HFCZ","actionType":"out","name":"话费充值"}]}'
        "&charset=GBK&method=alipay.mobile.public.menu.add&sign_type=RSA2"
        "&timestamp=2014-07-24 03:07:50&version=1.0"
    )


async def test_the_request_is_a_form_post_signed_rsa2_with_the_app_key(alipay: Harness) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    code = alipay.code("o-1")
    await expect_error(alipay.login(transport=httpx.MockTransport(handler)), code, E.UPSTREAM_ERROR)

    (request,) = seen
    assert request.method == "POST" and str(request.url) == ALIPAY_GATEWAY
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = dict(parse_qsl(request.content.decode("utf-8"), keep_blank_values=True))
    sign = form.pop("sign")
    assert {k: v for k, v in form.items() if k != "timestamp"} == {
        "app_id": ALIPAY_APP_ID,
        "method": "alipay.system.oauth.token",
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "version": "1.0",
        "grant_type": "authorization_code",
        "code": code,
    }
    sent_at = datetime.strptime(form["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    assert abs((sent_at - datetime.now(BEIJING)).total_seconds()) < 120
    content = "&".join(f"{k}={form[k]}" for k in sorted(form))  # rebuilt here, independently
    _verify(content, sign, alipay.keys.app_public)


async def test_the_reference_refuses_a_request_signed_with_another_key(
    alipay: Harness, leaks: LeakGuard
) -> None:
    code = alipay.code("o-2")
    leaks.watch(code)
    await expect_error(
        alipay.login(app_private_key=alipay.keys.stranger_private),
        code,
        E.UPSTREAM_ERROR,
        retryable=False,
        upstream_code="isv.invalid-signature",
    )
    assert (await alipay.login().exchange(code)).open_id == "o-2"  # the code was not used up


async def test_the_reference_refuses_an_unknown_app_with_an_unsigned_error(
    alipay: Harness,
) -> None:
    await expect_error(
        alipay.login(app_id="2021000099999999"),
        alipay.code("o-3"),
        E.UPSTREAM_ERROR,
        upstream_code="isv.invalid-app-id",
    )


async def test_the_reference_refuses_a_stale_timestamp(alipay: Harness) -> None:
    login = alipay.login()
    assert isinstance(login, AlipayLogin)
    stale = login.signed_params(alipay.code("o-4"), now=datetime.now(BEIJING) - timedelta(hours=1))
    client = httpx.AsyncClient(transport=alipay.transports[-1].inner)
    body = (await client.post(ALIPAY_GATEWAY, data=stale)).text
    await client.aclose()
    assert json.loads(body)["error_response"]["sub_code"] == "isv.invalid-timestamp"


async def test_an_answer_signed_with_another_key_is_refused(alipay: Harness) -> None:
    forged = _body(ROOT, SUCCESS, _sign(SUCCESS, alipay.keys.stranger_private))
    await expect_error(
        alipay.login(transport=_serving(forged)),
        alipay.code("o-5"),
        E.SIGNATURE_INVALID,
        retryable=False,
    )


async def test_an_unsigned_success_is_refused(alipay: Harness) -> None:
    await expect_error(
        alipay.login(transport=_serving(_body(ROOT, SUCCESS, None))),
        alipay.code("o-6"),
        E.SIGNATURE_INVALID,
    )


async def test_an_answer_changed_after_signing_is_refused(alipay: Harness) -> None:
    sign = _sign(SUCCESS, alipay.keys.alipay_private)
    changed = SUCCESS.replace("074a1CcTG1", "074a1CcTG2")
    await expect_error(
        alipay.login(transport=_serving(_body(ROOT, changed, sign))),
        alipay.code("o-7"),
        E.SIGNATURE_INVALID,
    )


async def test_a_signed_error_with_a_bad_signature_is_refused(alipay: Harness) -> None:
    raw = '{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid"}'
    body = _body("error_response", raw, _sign(raw, alipay.keys.stranger_private))
    await expect_error(
        alipay.login(transport=_serving(body)), alipay.code("o-8"), E.SIGNATURE_INVALID
    )


async def test_a_verified_answer_gives_the_identity_and_drops_the_tokens(
    alipay: Harness, leaks: LeakGuard
) -> None:
    leaks.watch("authbseB-token-canary", "authbseB-refresh-canary")
    body = _body(ROOT, SUCCESS, _sign(SUCCESS, alipay.keys.alipay_private))
    identity = await alipay.login(transport=_serving(body)).exchange(alipay.code("o-9"))
    assert identity.open_id == "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"
    assert identity.union_id == "u-alipay-1"
    assert "canary" not in repr(identity)


async def test_the_signature_is_checked_over_the_raw_text_not_a_reserialisation(
    alipay: Harness,
) -> None:
    """Spacing, key order and \\u escapes as sent: only the exact substring verifies."""
    raw = '{ "user_id" : "2088102150477652",\n "union_id":"\\u4e2d-u", "access_token":"t" }'
    good = _body(ROOT, raw, _sign(raw, alipay.keys.alipay_private))
    identity = await alipay.login(transport=_serving(good)).exchange(alipay.code("o-10"))
    assert (identity.open_id, identity.union_id) == ("2088102150477652", "中-u")

    reserialised = json.dumps(json.loads(raw), separators=(",", ":"))
    signed_elsewise = _body(ROOT, raw, _sign(reserialised, alipay.keys.alipay_private))
    await expect_error(
        alipay.login(transport=_serving(signed_elsewise)),
        alipay.code("o-10"),
        E.SIGNATURE_INVALID,
    )


async def test_an_escaped_slash_verifies_as_alipay_sdks_accept_it(alipay: Harness) -> None:
    raw = '{"open_id":"a\\/b","union_id":"u"}'
    body = _body(ROOT, raw, _sign(raw.replace("\\/", "/"), alipay.keys.alipay_private))
    identity = await alipay.login(transport=_serving(body)).exchange(alipay.code("o-11"))
    assert identity.open_id == "a/b"


async def test_user_id_stands_in_when_there_is_no_open_id(alipay: Harness) -> None:
    raw = '{"user_id":"2088102150477652","access_token":"t","refresh_token":"r"}'
    body = _body(ROOT, raw, _sign(raw, alipay.keys.alipay_private))
    identity = await alipay.login(transport=_serving(body)).exchange(alipay.code("o-12"))
    assert (identity.open_id, identity.union_id) == ("2088102150477652", None)


async def test_a_repeated_member_makes_the_answer_unusable(alipay: Harness) -> None:
    raw = '{"open_id":"o-a"}'
    other = '{"open_id":"o-b"}'
    body = (
        "{" + f'"{ROOT}":{raw},"{ROOT}":{other},"sign":"{_sign(raw, alipay.keys.alipay_private)}"}}'
    )
    await expect_error(
        alipay.login(transport=_serving(body)), alipay.code("o-13"), E.UPSTREAM_ERROR
    )


@pytest.mark.parametrize(
    ("fields", "expected", "retryable"),
    [
        ({"code": "40002", "sub_code": "isv.code-invalid"}, E.INVALID_CODE, False),
        ({"code": "20000", "sub_code": "isp.unknow-error"}, E.UPSTREAM_BUSY, True),
        ({"code": "20000", "msg": "Service Currently Unavailable"}, E.UPSTREAM_BUSY, True),
        ({"code": "40002", "sub_code": "isv.invalid-app-id"}, E.UPSTREAM_ERROR, False),
        (
            {"code": "40006", "sub_code": "isv.insufficient-isv-permissions"},
            E.UPSTREAM_ERROR,
            False,
        ),
    ],
)
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
async def test_error_responses_map_to_stable_error_codes(
    alipay: Harness,
    fields: dict[str, str],
    expected: MiniProgramErrorCode,
    retryable: bool,
    signed: bool,
) -> None:
    raw = json.dumps(
        {"msg": "Invalid Arguments", **fields, "sub_msg": "授权码无效"}, ensure_ascii=False
    )
    sign = _sign(raw, alipay.keys.alipay_private) if signed else None
    error = await expect_error(
        alipay.login(transport=_serving(_body("error_response", raw, sign))),
        alipay.code("o-14"),
        expected,
        retryable=retryable,
    )
    assert error.upstream_code == (fields.get("sub_code") or fields["code"])


async def test_the_tokens_from_the_reference_never_surface(
    alipay: Harness, leaks: LeakGuard
) -> None:
    login = alipay.login()
    code = alipay.code("o-15", union_id="u-15")
    leaks.watch(code)
    identity = await login.exchange(code)

    (body,) = alipay.transports[0].bodies
    answer = json.loads(body)[ROOT]
    leaks.watch(answer["access_token"], answer["refresh_token"])
    assert answer["access_token"] not in repr(identity)
    assert answer["refresh_token"] not in repr(identity)


def test_keys_load_from_pem_or_bare_base64(alipay: Harness) -> None:
    pem = alipay.keys.app_private
    bare = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    assert (
        load_rsa_private_key(bare).private_numbers() == load_rsa_private_key(pem).private_numbers()
    )
    pub = alipay.keys.alipay_public
    bare_pub = "".join(line for line in pub.splitlines() if not line.startswith("-----"))
    assert (
        load_rsa_public_key(bare_pub).public_numbers() == load_rsa_public_key(pub).public_numbers()
    )
    with pytest.raises(ValueError):
        load_rsa_private_key("not a key!")


def test_top_level_members_are_cut_out_verbatim() -> None:
    body = '{ "a" : {"x": "\\"a\\":1"} , "sign":"s==" ,"b":[1, 2]}'
    assert top_level_members(body) == {"a": '{"x": "\\"a\\":1"}', "sign": '"s=="', "b": "[1, 2]"}
    for bad in ["", "[]", '{"a":1} x', '{"a":1,"a":2}', '{"a" 1}', '{"a":1,}']:
        with pytest.raises(ValueError):
            top_level_members(bad)
