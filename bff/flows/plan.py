"""Pure rules of a flow: which materials it needs, how each is provided once the licences are
known, and the prefilled application. No I/O: tested directly."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auth import idnumber
from auth.masking import mask_id_number, mask_phone
from bff.flows.models import Provision
from integrations.licences.models import LicenceLookup, LicenceStatus, LicenceType

# 告知承诺 may replace these licences when they cannot be fetched (国办发〔2020〕42号 excludes
# identity documents and matters of personal status such as a birth certificate).
COMMITMENT_ALLOWED = frozenset(
    {
        LicenceType.HOUSEHOLD_REGISTER.value,
        LicenceType.MARRIAGE.value,
        LicenceType.SOCIAL_SECURITY.value,
        LicenceType.REAL_ESTATE.value,
        LicenceType.VETERAN.value,
    }
)
PROXY_MATERIAL = re.compile(r"授权委托书|委托书")
MEMBER_FORM = re.compile(r"申请表|登记表")

# Where a form field's value comes from in a licence's structured data.
FIELD_SOURCES: dict[str, tuple[str, str]] = {
    "applicant_name": (LicenceType.ID_CARD.value, "name"),
    "applicant_idcard": (LicenceType.ID_CARD.value, "id_number"),
    "child_name": (LicenceType.BIRTH_CERTIFICATE.value, "child_name"),
    "child_birth_date": (LicenceType.BIRTH_CERTIFICATE.value, "child_birth_date"),
    "birth_cert_no": (LicenceType.BIRTH_CERTIFICATE.value, "birth_cert_no"),
    "mother_idcard": (LicenceType.BIRTH_CERTIFICATE.value, "mother_id_number"),
    "father_idcard": (LicenceType.BIRTH_CERTIFICATE.value, "father_id_number"),
    "marriage_cert_no": (LicenceType.MARRIAGE.value, "marriage_cert_no"),
    "household_head": (LicenceType.HOUSEHOLD_REGISTER.value, "household_head"),
}
ITEM_FORM: list[dict[str, Any]] = [
    {"key": "applicant_name", "label": "申请人姓名", "type": "text", "required": True},
    {"key": "applicant_idcard", "label": "申请人身份证号码", "type": "idcard", "required": True},
    {"key": "applicant_phone", "label": "联系电话", "type": "phone", "required": True},
]
_PHONE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True, slots=True)
class CatalogueMaterial:
    name: str
    required: bool
    source: str
    licence_type: str | None
    note: str | None = None


@dataclass(slots=True)
class PlannedMaterial:
    key: str
    name: str
    required: bool
    source: str
    licence_type: str | None
    provision: Provision
    fallback_reason: str | None = None
    licence_number_masked: str | None = None
    licence_issuer: str | None = None
    licence_valid_until: str | None = None


@dataclass(slots=True)
class FormField:
    key: str
    label: str
    type: str
    required: bool
    value: str | None = None
    source: str | None = None  # "licence:身份证", "account", or None (the citizen answers)
    editable: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "value": self.value,
            "source": self.source,
            "editable": self.editable,
        }

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> FormField:
        return cls(
            key=str(data["key"]),
            label=str(data["label"]),
            type=str(data.get("type") or "text"),
            required=bool(data.get("required")),
            value=data.get("value"),
            source=data.get("source"),
            editable=bool(data.get("editable", True)),
        )

    def masked_value(self) -> str | None:
        if self.value is None:
            return None
        if self.type == "idcard":
            return mask_id_number(self.value)
        if self.type == "phone":
            return mask_phone(self.value)
        return self.value


def _key(licence_type: str | None, name: str) -> str:
    if licence_type:
        return f"licence-{hashlib.sha256(licence_type.encode()).hexdigest()[:8]}"
    return f"m-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def plan_materials(
    members: Sequence[Sequence[CatalogueMaterial]], *, bundle: bool, acting: bool
) -> list[PlannedMaterial]:
    """The materials of one item, or the union of a bundle's members: one entry per licence
    type (a licence is fetched once however many members need it) and per other material."""
    planned: dict[str, PlannedMaterial] = {}
    for materials in members:
        for m in materials:
            key = _key(m.licence_type if m.source == "licence" else None, m.name)
            if key in planned:
                planned[key].required = planned[key].required or m.required
                continue
            provision = Provision(m.source) if m.source in Provision.__members__.values() else None
            if provision is None:
                provision = Provision.UPLOAD
            if PROXY_MATERIAL.search(m.name):
                provision = Provision.PROXY_GRANT if acting else Provision.NOT_NEEDED
            elif bundle and MEMBER_FORM.search(m.name) and m.source in ("upload", "commitment"):
                provision = Provision.JOINT_FORM
            elif provision is Provision.UPLOAD and not m.required:
                provision = Provision.NOT_NEEDED
            name = m.licence_type if (m.source == "licence" and bundle and m.licence_type) else None
            planned[key] = PlannedMaterial(
                key=key,
                name=_licence_title(name) if name else m.name,
                required=m.required,
                source=m.source,
                licence_type=m.licence_type if m.source == "licence" else None,
                provision=provision,
            )
    return list(planned.values())


def _licence_title(licence_type: str) -> str:
    return {"身份证": "居民身份证"}.get(licence_type, licence_type)


def licence_types(
    materials: Sequence[PlannedMaterial], form: Sequence[Mapping[str, Any]] = ()
) -> list[str]:
    """What to fetch in one batch: the licence materials and whatever the form prefills from."""
    wanted = [m.licence_type for m in materials if m.licence_type]
    for spec in form:
        prefill = str(spec.get("prefill") or "")
        if prefill.startswith("licence:"):
            wanted.append(prefill.removeprefix("licence:"))
        source = FIELD_SOURCES.get(str(spec.get("key")))
        if source:
            wanted.append(source[0])
    if not wanted or LicenceType.ID_CARD.value not in wanted:
        wanted.append(LicenceType.ID_CARD.value)
    known = {t.value for t in LicenceType}
    return [t for t in dict.fromkeys(wanted) if t in known]


def apply_lookups(
    materials: Sequence[PlannedMaterial],
    lookups: Mapping[str, LicenceLookup] | None,
) -> None:
    """Licence materials become LICENCE when found and valid; otherwise 告知承诺 where allowed,
    upload elsewhere — only for that one material, with the reason."""
    for m in materials:
        if not m.licence_type:
            continue
        lookup = lookups.get(m.licence_type) if lookups is not None else None
        if lookup is not None and lookup.status is LicenceStatus.FOUND and lookup.licence:
            licence = lookup.licence
            m.provision = Provision.LICENCE
            m.fallback_reason = None
            m.licence_number_masked = mask_licence_number(licence.number)
            m.licence_issuer = licence.issuer
            m.licence_valid_until = licence.valid_until.isoformat() if licence.valid_until else ""
            continue
        if lookups is None:
            reason = "LIBRARY_UNAVAILABLE"
        elif lookup is not None and lookup.status is LicenceStatus.EXPIRED:
            reason = "LICENCE_EXPIRED"
            if lookup.licence and lookup.licence.valid_until:
                m.licence_valid_until = lookup.licence.valid_until.isoformat()
        else:
            reason = "LICENCE_NOT_FOUND"
        m.fallback_reason = reason
        m.licence_number_masked = None
        m.licence_issuer = None
        if reason != "LICENCE_EXPIRED":
            m.licence_valid_until = None
        m.provision = (
            Provision.COMMITMENT if m.licence_type in COMMITMENT_ALLOWED else Provision.UPLOAD
        )


def mask_licence_number(number: str) -> str:
    """Enough to recognise one's own licence, not enough to copy it."""
    if len(number) >= 15 and re.fullmatch(r"\d{17}[\dXx]", number):
        return mask_id_number(number) or ""
    if len(number) <= 6:
        return number[:1] + "*" * (len(number) - 1)
    return number[:3] + "*" * (len(number) - 6) + number[-3:]


def build_form(
    spec: Sequence[Mapping[str, Any]] | None,
    lookups: Mapping[str, LicenceLookup] | None,
    *,
    account_name: str | None,
    account_id_number: str | None,
    account_phone: str | None,
) -> list[FormField]:
    """The prefilled application: licence data first (authoritative, not editable), then the
    account's verified data, the rest for the citizen to answer."""
    fields: list[FormField] = []
    for raw in spec or ITEM_FORM:
        f = FormField(
            key=str(raw["key"]),
            label=str(raw["label"]),
            type=str(raw.get("type") or "text"),
            required=bool(raw.get("required")),
        )
        source = FIELD_SOURCES.get(f.key)
        prefill = str(raw.get("prefill") or "")
        if source is None and prefill.startswith("licence:"):
            source = (prefill.removeprefix("licence:"), f.key)
        if source is not None and lookups is not None:
            lookup = lookups.get(source[0])
            if lookup and lookup.status is LicenceStatus.FOUND and lookup.licence:
                value = lookup.licence.fields.get(source[1])
                if value:
                    f.value, f.source, f.editable = str(value), f"licence:{source[0]}", False
        if f.value is None:
            account = {
                "applicant_name": account_name,
                "applicant_idcard": account_id_number,
                "applicant_phone": account_phone,
            }.get(f.key)
            if account:
                f.value, f.source = account, "account"
                f.editable = f.key == "applicant_phone"
        fields.append(f)
    return fields


@dataclass
class AnswerProblems:
    invalid: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def apply_answers(fields: Sequence[FormField], answers: Mapping[str, str]) -> AnswerProblems:
    """The citizen's answers to editable fields, each checked by the field's type."""
    problems = AnswerProblems()
    by_key = {f.key: f for f in fields}
    for key, raw in answers.items():
        f = by_key.get(key)
        if f is None or not f.editable:
            problems.invalid.append(key)
            continue
        value = raw.strip()
        if not value:
            f.value = None
            continue
        if not _valid(f.type, value):
            problems.invalid.append(f.label)
            continue
        f.value, f.source = value.upper() if f.type == "idcard" else value, None
    problems.missing = [f.label for f in fields if f.required and not f.value]
    return problems


def _valid(kind: str, value: str) -> bool:
    if kind == "phone":
        return bool(_PHONE.match(value))
    if kind == "idcard":
        return idnumber.is_valid(value.upper())
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return 0 < len(value) <= 100
