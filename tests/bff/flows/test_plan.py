"""The pure rules of a flow: materials, fallbacks and the prefilled application."""

from __future__ import annotations

from datetime import date

from bff.flows.models import Provision
from bff.flows.plan import (
    CatalogueMaterial,
    apply_answers,
    apply_lookups,
    build_form,
    licence_types,
    plan_materials,
)
from integrations.licences.models import Licence, LicenceLookup, LicenceStatus, LicenceType

ID = CatalogueMaterial("申请人居民身份证", True, "licence", "身份证")
HUKOU = CatalogueMaterial("居民户口簿", True, "licence", "户口簿")
BIRTH = CatalogueMaterial("出生医学证明", True, "licence", "出生医学证明")
FORM = CatalogueMaterial("业务申请表", True, "upload", None)
PROXY = CatalogueMaterial("授权委托书及受托人居民身份证", False, "upload", None)
PHOTO = CatalogueMaterial("近期免冠白底彩色照片", True, "upload", None)


def _licence(kind: LicenceType, **fields: str) -> Licence:
    return Licence(
        type=kind,
        number="410105195203151228" if kind is LicenceType.ID_CARD else "HZ20260001",
        holder_name="张桂兰",
        holder_id_number="410105195203151228",
        issuer="郑州市公安局",
        issued_on=date(2012, 1, 1),
        valid_until=None,
        fields=fields,
    )


def test_a_bundle_fetches_each_licence_once_and_its_joint_form_replaces_member_forms() -> None:
    planned = plan_materials(
        [[ID, FORM, PROXY], [ID, HUKOU, BIRTH, PHOTO]], bundle=True, acting=False
    )
    by_name = {m.name: m for m in planned}
    assert [m.licence_type for m in planned if m.licence_type] == [
        "身份证",
        "户口簿",
        "出生医学证明",
    ]
    assert by_name["业务申请表"].provision is Provision.JOINT_FORM
    assert by_name["授权委托书及受托人居民身份证"].provision is Provision.NOT_NEEDED
    assert by_name["近期免冠白底彩色照片"].provision is Provision.UPLOAD


def test_an_electronic_authorisation_replaces_the_paper_one_when_a_relative_acts() -> None:
    planned = plan_materials([[ID, PROXY]], bundle=False, acting=True)
    assert planned[1].provision is Provision.PROXY_GRANT


def test_a_missing_or_expired_licence_falls_back_for_that_material_only() -> None:
    planned = plan_materials([[ID, HUKOU, BIRTH]], bundle=False, acting=False)
    expired = Licence(
        type=LicenceType.HOUSEHOLD_REGISTER,
        number="410105007316",
        holder_name="张桂兰",
        holder_id_number="410105195203151228",
        issuer="郑州市公安局",
        issued_on=date(2000, 1, 1),
        valid_until=date(2025, 3, 1),
        fields={},
    )
    apply_lookups(
        planned,
        {
            "身份证": LicenceLookup(
                LicenceType.ID_CARD, LicenceStatus.FOUND, _licence(LicenceType.ID_CARD)
            ),
            "户口簿": LicenceLookup(LicenceType.HOUSEHOLD_REGISTER, LicenceStatus.EXPIRED, expired),
            "出生医学证明": LicenceLookup(
                LicenceType.BIRTH_CERTIFICATE, LicenceStatus.NOT_FOUND, None
            ),
        },
    )
    id_card, hukou, birth = planned
    assert (
        id_card.provision is Provision.LICENCE
        and id_card.licence_number_masked == "4101**********1228"
    )
    # 户口簿 may be replaced by 告知承诺; a birth certificate may not: upload the paper one.
    assert (hukou.provision, hukou.fallback_reason, hukou.licence_valid_until) == (
        Provision.COMMITMENT,
        "LICENCE_EXPIRED",
        "2025-03-01",
    )
    assert (birth.provision, birth.fallback_reason) == (Provision.UPLOAD, "LICENCE_NOT_FOUND")


def test_when_the_library_does_not_answer_every_licence_material_says_so() -> None:
    planned = plan_materials([[ID, HUKOU]], bundle=False, acting=False)
    apply_lookups(planned, None)
    assert [m.fallback_reason for m in planned] == ["LIBRARY_UNAVAILABLE"] * 2
    assert [m.provision for m in planned] == [Provision.UPLOAD, Provision.COMMITMENT]


def test_the_form_is_prefilled_from_licences_and_only_the_rest_is_editable() -> None:
    spec = [
        {
            "key": "applicant_name",
            "label": "申请人姓名",
            "type": "text",
            "required": True,
            "prefill": "licence:身份证",
        },
        {
            "key": "child_birth_date",
            "label": "出生日期",
            "type": "date",
            "required": True,
            "prefill": "licence:出生医学证明",
        },
        {
            "key": "applicant_phone",
            "label": "联系电话",
            "type": "phone",
            "required": True,
            "prefill": None,
        },
        {
            "key": "delivery_address",
            "label": "邮寄地址",
            "type": "text",
            "required": False,
            "prefill": None,
        },
    ]
    assert licence_types([], spec) == ["身份证", "出生医学证明"]
    lookups = {
        "身份证": LicenceLookup(
            LicenceType.ID_CARD, LicenceStatus.FOUND, _licence(LicenceType.ID_CARD, name="张桂兰")
        ),
        "出生医学证明": LicenceLookup(
            LicenceType.BIRTH_CERTIFICATE,
            LicenceStatus.FOUND,
            _licence(LicenceType.BIRTH_CERTIFICATE, child_birth_date="2026-11-06"),
        ),
    }
    fields = build_form(
        spec, lookups, account_name="张桂兰", account_id_number=None, account_phone="13812345678"
    )
    values = {f.key: (f.value, f.source, f.editable) for f in fields}
    assert values["applicant_name"] == ("张桂兰", "licence:身份证", False)
    assert values["child_birth_date"] == ("2026-11-06", "licence:出生医学证明", False)
    assert values["applicant_phone"] == ("13812345678", "account", True)
    assert values["delivery_address"] == (None, None, True)
    assert fields[2].masked_value() == "138****5678"
    # A licence value cannot be overwritten; answers are checked by type.
    problems = apply_answers(fields, {"applicant_name": "李四", "applicant_phone": "12345"})
    assert problems.invalid == ["applicant_name", "联系电话"]
    problems = apply_answers(
        fields, {"applicant_phone": "13900001111", "delivery_address": "郑州市金水路1号"}
    )
    assert problems.invalid == [] and problems.missing == []


def test_an_id_number_answer_is_checked_by_its_check_digit() -> None:
    spec = [{"key": "father_idcard", "label": "父亲身份证号码", "type": "idcard", "required": True}]
    fields = build_form(spec, None, account_name=None, account_id_number=None, account_phone=None)
    assert apply_answers(fields, {"father_idcard": "41010519520315122X"}).invalid == [
        "父亲身份证号码"
    ]
    assert apply_answers(fields, {"father_idcard": "410105195203151228"}).invalid == []
    assert fields[0].value == "410105195203151228"


async def test_demo_citizens_seeded_with_old_id_numbers_are_corrected(app: object) -> None:
    from typing import Any

    from auth.crypto import encrypt, keyed_hash
    from auth.demo import DEMO_USERS, ensure_demo_users
    from auth.models import User

    state: Any = app.state.haoban  # type: ignore[attr-defined]
    secret = state.settings.secret_key
    async with state.sessionmaker() as session:
        user = await session.get(User, "demo-parent")
        assert user is not None
        user.id_number_enc = encrypt(secret, "41010319950812026X")
        user.id_number_hash = keyed_hash(secret, "41010319950812026X", purpose="id")
        await session.commit()
        assert await ensure_demo_users(session, secret=secret) is False
        await session.commit()
        await session.refresh(user)
        assert user.id_number_hash == keyed_hash(secret, DEMO_USERS["demo-parent"][2], purpose="id")
