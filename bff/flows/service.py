"""The flow engine: start → separate consent → face verification → licences fetched →
prefilled application confirmed → submit → a case (concluded at once where the city allows).

Every step is a row in the database, so a flow resumes on any instance after an app restart.
A face result is accepted once (one conditional UPDATE), only for the flow, citizen and ID
number that started it, and only within its validity; `fetch_result` is its only source.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accessibility.i18n import Translator, _
from auth.accounts import AccountService
from auth.crypto import decrypt, encrypt, keyed_hash
from auth.masking import mask_name
from auth.models import ProxyGrant, ProxyScope, ProxyStatus, User
from auth.proxies import grant_state
from bff.cases.models import Case
from bff.cases.service import ApplyReport, CaseService, china_day
from bff.catalogue.models import Bundle, ServiceItem
from bff.catalogue.repository import CatalogueRepository
from bff.db import aware
from bff.errors import ErrorCode, HaobanError
from bff.flows.consent import CONSENT_VERSION
from bff.flows.models import (
    ACTIVE_FLOW,
    FaceCheck,
    FaceCheckStatus,
    FaceConsent,
    Flow,
    FlowMaterial,
    FlowStatus,
    FlowUpload,
    LicenceFetch,
    Provision,
)
from bff.flows.plan import (
    CatalogueMaterial,
    FormField,
    PlannedMaterial,
    apply_answers,
    apply_lookups,
    build_form,
    licence_types,
    mask_licence_number,
    plan_materials,
)
from bff.images import CleanImage
from bff.notifications.models import DeliveryStatus, Notification
from integrations.cases.models import CaseEventIn, CaseStatus
from integrations.face.models import FaceProviderError, FaceStart, FaceStatus, FaceSubject
from integrations.face.port import FaceVerifier
from integrations.licences.models import (
    FetchPurpose,
    LicenceLibraryError,
    LicenceLookup,
    LicenceStatus,
    LicenceType,
)
from integrations.licences.port import LicenceLibrary

QUOTA_KEY = "haoban:face:quota:{user}:{day}"


class FlowReason(StrEnum):
    NOT_ELIGIBLE = "FLOW_NOT_ELIGIBLE"
    WRONG_STEP = "FLOW_WRONG_STEP"
    CLOSED = "FLOW_CLOSED"
    EXPIRED = "FLOW_EXPIRED"
    CONSENT_OUTDATED = "CONSENT_OUTDATED"
    QUOTA = "FACE_QUOTA_EXCEEDED"
    PROVIDER_UNAVAILABLE = "FACE_PROVIDER_UNAVAILABLE"
    FACE_PENDING = "FACE_PENDING"
    FACE_FAILED = "FACE_FAILED"
    FACE_EXPIRED = "FACE_EXPIRED"
    NOT_YOURS = "FACE_RESULT_NOT_YOURS"
    ALREADY_USED = "FACE_RESULT_ALREADY_USED"
    SUBJECT_MISMATCH = "FACE_SUBJECT_MISMATCH"
    COMMITMENT_MISSING = "COMMITMENT_MISSING"
    UPLOAD_MISSING = "UPLOAD_MISSING"
    NOT_UPLOADABLE = "MATERIAL_NOT_UPLOADABLE"
    ANSWER_INVALID = "ANSWER_INVALID"
    ANSWER_MISSING = "ANSWER_MISSING"


class FlowError(HaobanError):
    """`keep`: what the service recorded before refusing (a failed face check, an expiry)
    must be committed, not rolled back, so the flow shows it."""

    def __init__(
        self, reason: FlowReason, message: str, /, *, keep: bool = False, **params: Any
    ) -> None:
        code = ErrorCode.NOT_FOUND if reason is FlowReason.NOT_YOURS else ErrorCode.INVALID_ARGUMENT
        super().__init__(code, message, **params)
        self.reason = reason
        self.keep = keep
        self.extra["reason"] = reason.value


# Provider error codes (Tencent FaceID) → what the citizen can do about it.
FACE_FAILURES = {
    "1002": _("We could not confirm a live person. Face the screen in good light and try again."),
    "2006": _("The name and ID number do not match."),
    "2015": _("The face does not match the ID photo."),
    "2016": _("The face does not match the ID photo closely enough. Try again in good light."),
    "16": _("Too many attempts for this check. Start a new one."),
}
FACE_FAILED = _("The face check did not pass. Try again.")
INSTANT_OUTCOME = _("Approved at once: the money has been paid into your own bank account.")


@dataclass(frozen=True)
class FlowRules:
    flow_ttl: timedelta = timedelta(hours=24)
    # A pass is good for submitting this long; then the citizen verifies again.
    face_pass_valid: timedelta = timedelta(minutes=30)
    face_per_day: int = 5
    instant_items: frozenset[str] = frozenset()


@dataclass
class FlowPorts:
    face: FaceVerifier
    licences: LicenceLibrary
    redis: Redis
    secret: str
    face_callback_url: str


@dataclass
class SubmitResult:
    flow: Flow
    case: Case
    report: ApplyReport = field(default_factory=ApplyReport)


def _provider_unavailable() -> FlowError:
    return FlowError(
        FlowReason.PROVIDER_UNAVAILABLE,
        "The face-verification service is not answering. Try again in a few minutes.",
    )


@dataclass(frozen=True)
class Helper:
    """A relative the citizen authorised to finish applications (START_FLOWS)."""

    grant_id: str
    relation: str
    name_masked: str | None


def _verify_id_first() -> HaobanError:
    return HaobanError(
        ErrorCode.REAL_NAME_LEVEL_TOO_LOW,
        "Verify your identity (name and ID number) before applying.",
    ).with_extra(nextStep="VERIFY_ID")


def material_row(flow_id: str, position: int, m: PlannedMaterial) -> FlowMaterial:
    return FlowMaterial(
        flow_id=flow_id,
        key=m.key,
        position=position,
        name=m.name,
        required=m.required,
        source=m.source,
        licence_type=m.licence_type,
        provision=m.provision,
    )


def qualifies(item: ServiceItem) -> bool:
    """零材料 items can be done by face; others need papers a licence cannot replace."""
    return bool(item.zero_material)


def is_instant(item: ServiceItem | None, rules: FlowRules) -> bool:
    return item is not None and (
        item.task_code in rules.instant_items or item.basic_code in rules.instant_items
    )


class FlowService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        ports: FlowPorts,
        rules: FlowRules,
    ) -> None:
        self.session = session
        self.ports = ports
        self.rules = rules
        self.accounts = AccountService(session, secret=ports.secret)

    # --- reading ---------------------------------------------------------------------------

    async def get(self, flow_id: str, *, user_id: str, now: datetime) -> Flow:
        """The citizen's flow; another's answers like a missing one. An overdue flow expires
        here as well as in the worker's sweep, so nobody acts on a stale one."""
        flow = await self.session.get(Flow, flow_id[:36])
        if flow is None or flow.user_id != user_id:
            raise FlowError(FlowReason.NOT_YOURS, "No such application.")
        if flow.status in ACTIVE_FLOW and aware(flow.expires_at) <= now:
            self._end(flow, FlowStatus.EXPIRED, now)
            await self.session.flush()
        return flow

    async def materials(self, flow: Flow) -> list[FlowMaterial]:
        rows = await self.session.scalars(
            select(FlowMaterial)
            .where(FlowMaterial.flow_id == flow.id)
            .order_by(FlowMaterial.position)
        )
        return list(rows)

    def form(self, flow: Flow) -> list[FormField]:
        raw = decrypt(self.ports.secret, flow.form_enc)
        return [FormField.of(f) for f in json.loads(raw)] if raw else []

    async def face_check(self, flow: Flow) -> FaceCheck | None:
        if flow.face_check_id is None:
            return None
        return await self.session.get(FaceCheck, flow.face_check_id)

    async def face_checks_left(self, user_id: str, *, now: datetime) -> int:
        used = await self.ports.redis.get(self._quota_key(user_id, now))
        return max(0, self.rules.face_per_day - int(used or 0))

    # --- start -----------------------------------------------------------------------------

    async def start(
        self,
        *,
        user: User,
        actor_id: str,
        grant_id: str | None,
        item: ServiceItem | None = None,
        bundle: Bundle | None = None,
        bundle_items: Sequence[ServiceItem] = (),
        now: datetime,
    ) -> Flow:
        """A new flow, or the citizen's active one for the same item/bundle (resumed)."""
        if (item is None) == (bundle is None):
            raise ValueError("a flow is for one item or one bundle")
        if item is not None and not qualifies(item):
            raise FlowError(
                FlowReason.NOT_ELIGIBLE,
                "%(title)s cannot be done by face yet: it needs materials no electronic "
                "licence replaces. See the guide for how to apply.",
                title=item.plain_name or item.name,
            )
        if not self.accounts.personal_data(user).id_number:
            raise _verify_id_first()
        code = item.task_code if item is not None else bundle.code  # type: ignore[union-attr]
        existing = await self.session.scalar(
            select(Flow).where(
                Flow.user_id == user.id,
                Flow.target_code == code,
                Flow.status.in_([s.value for s in ACTIVE_FLOW]),
            )
        )
        if existing is not None:
            if aware(existing.expires_at) > now:
                return existing
            self._end(existing, FlowStatus.EXPIRED, now)
            await self.session.flush()
        members = [item] if item is not None else list(bundle_items)
        planned = plan_materials(
            [
                [
                    CatalogueMaterial(m.name, m.required, m.source, m.licence_type, m.note)
                    for m in sorted(member.materials, key=lambda m: m.position)
                ]
                for member in members
            ],
            bundle=bundle is not None,
            acting=grant_id is not None,
        )
        flow = Flow(
            id=str(uuid.uuid4()),
            user_id=user.id,
            started_by_id=actor_id,
            grant_id=grant_id,
            item_id=item.id if item is not None else None,
            bundle_id=bundle.id if bundle is not None else None,
            target_code=code,
            title=item.name if item is not None else bundle.name,  # type: ignore[union-attr]
            status=FlowStatus.CONSENT,
            commitments=[],
            instant=is_instant(item, self.rules),
            created_at=now,
            updated_at=now,
            expires_at=now + self.rules.flow_ttl,
        )
        self.session.add(flow)
        await self.session.flush()
        for position, m in enumerate(planned):
            self.session.add(material_row(flow.id, position, m))
        await self.session.flush()
        return flow

    # --- consent ---------------------------------------------------------------------------

    async def give_consent(
        self, flow: Flow, *, version: str, text_sha256: str, given_by_id: str, now: datetime
    ) -> Flow:
        self.require(flow, FlowStatus.CONSENT, FlowStatus.FACE, FlowStatus.FACE_PENDING)
        if version != CONSENT_VERSION:
            raise FlowError(
                FlowReason.CONSENT_OUTDATED,
                "The consent text has changed. Read the new text and agree again.",
            )
        consent = FaceConsent(
            id=str(uuid.uuid4()),
            user_id=flow.user_id,
            given_by_id=given_by_id,
            flow_id=flow.id,
            text_version=version,
            text_sha256=text_sha256,
            given_at=now,
        )
        self.session.add(consent)
        flow.consent_id = consent.id
        if flow.status == FlowStatus.CONSENT:
            flow.status = FlowStatus.FACE
        flow.updated_at = now
        await self.session.flush()
        return flow

    # --- face ------------------------------------------------------------------------------

    async def start_face(
        self, flow: Flow, *, user: User, actor_id: str, now: datetime
    ) -> FaceStart:
        """A face check at the provider, for the citizen's own name and ID number. Costs one
        of today's checks (each costs the city money)."""
        self.require(flow, FlowStatus.FACE, FlowStatus.FACE_PENDING)
        if flow.consent_id is None:
            raise FlowError(FlowReason.WRONG_STEP, "Agree to the face-verification notice first.")
        personal = self.accounts.personal_data(user)
        if not personal.id_number or not personal.name:
            raise _verify_id_first()
        key = self._quota_key(flow.user_id, now)
        used = int(await self.ports.redis.incr(key))
        if used == 1:
            await self.ports.redis.expire(key, 2 * 24 * 3600)
        if used > self.rules.face_per_day:
            await self.ports.redis.decr(key)
            raise FlowError(
                FlowReason.QUOTA,
                "You have used today's %(limit)s face checks. Try again tomorrow, or apply at "
                "a hall.",
                limit=self.rules.face_per_day,
            )
        try:
            subject = FaceSubject(name=personal.name, id_number=personal.id_number)
        except ValueError as exc:
            await self.ports.redis.decr(key)
            raise _verify_id_first() from exc
        try:
            started = await self.ports.face.start(
                flow_id=flow.id, subject=subject, return_url=self.ports.face_callback_url
            )
        except FaceProviderError as exc:
            await self.ports.redis.decr(key)  # the provider bills only a started check
            raise _provider_unavailable() from exc
        previous = await self.face_check(flow)
        if previous is not None and previous.status == FaceCheckStatus.PENDING:
            previous.status = FaceCheckStatus.EXPIRED  # superseded: its result is never used
            previous.settled_at = now
        check = FaceCheck(
            id=str(uuid.uuid4()),
            user_id=flow.user_id,
            flow_id=flow.id,
            consent_id=flow.consent_id,
            requested_by_id=actor_id,
            provider=started.provider,
            provider_ref=started.provider_ref,
            subject_hash=self._subject_hash(personal.id_number),
            status=FaceCheckStatus.PENDING,
            started_at=now,
            expires_at=started.expires_at,
        )
        self.session.add(check)
        flow.face_check_id = check.id
        flow.status = FlowStatus.FACE_PENDING
        flow.updated_at = now
        await self.session.flush()
        return started

    async def check_for_ref(self, provider_ref: str) -> FaceCheck | None:
        return await self.session.scalar(
            select(FaceCheck).where(FaceCheck.provider_ref == provider_ref[:128])
        )

    async def settle_face(
        self, flow: Flow, *, user: User, actor_id: str, provider_ref: str | None, now: datetime
    ) -> Flow:
        """Pull the result from the provider and accept it once. A ref the app reports is only
        a pointer: it must be this flow's own current check."""
        if flow.status in (FlowStatus.CONFIRM, FlowStatus.SUBMITTED, FlowStatus.COMPLETED):
            current = await self.face_check(flow)
            if current is not None and (
                provider_ref is None or current.provider_ref == provider_ref
            ):
                return flow  # already accepted: a repeated report changes nothing
        check = await (self.check_for_ref(provider_ref) if provider_ref else self.face_check(flow))
        if (
            check is None
            or check.flow_id != flow.id
            or check.user_id != flow.user_id
            or check.id != flow.face_check_id
        ):
            raise FlowError(
                FlowReason.NOT_YOURS, "This face check does not belong to this application."
            )
        self.require(flow, FlowStatus.FACE_PENDING)
        if check.status != FaceCheckStatus.PENDING:
            raise FlowError(
                FlowReason.ALREADY_USED,
                "This face check has already been used. Start a new one.",
            )
        try:
            result = await self.ports.face.fetch_result(check.provider_ref)
        except FaceProviderError as exc:
            raise _provider_unavailable() from exc
        if result.status is FaceStatus.PENDING:
            if aware(check.expires_at) <= now:
                return await self._fail(flow, check, FaceCheckStatus.EXPIRED, "15", None, now)
            raise FlowError(
                FlowReason.FACE_PENDING, "The face check is not finished yet. Finish it first."
            )
        if result.status is FaceStatus.EXPIRED:
            return await self._fail(
                flow, check, FaceCheckStatus.EXPIRED, result.error_code, None, now
            )
        if result.status is FaceStatus.FAILED:
            return await self._fail(
                flow, check, FaceCheckStatus.FAILED, result.error_code, result.similarity, now
            )
        # PASSED: for this citizen's ID number, recent, and accepted once.
        verified_id = (result.id_number or "").upper()
        if not verified_id or self._subject_hash(verified_id) != check.subject_hash:
            return await self._fail(
                flow, check, FaceCheckStatus.FAILED, "subject_mismatch", result.similarity, now
            )
        verified_at = aware(result.verified_at) or now
        if now - verified_at > self.rules.face_pass_valid or verified_at > now + timedelta(
            minutes=5
        ):
            return await self._fail(flow, check, FaceCheckStatus.EXPIRED, "stale", None, now)
        won = await self.session.execute(
            update(FaceCheck)
            .where(FaceCheck.id == check.id, FaceCheck.status == FaceCheckStatus.PENDING)
            .values(
                status=FaceCheckStatus.PASSED,
                similarity=result.similarity,
                error_code=None,
                settled_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            raise FlowError(
                FlowReason.ALREADY_USED, "This face check has already been used. Start a new one."
            )
        await self.session.refresh(check)
        flow.face_passed_at = verified_at
        flow.updated_at = now
        await self.accounts.record_face_verification(user, at=verified_at)
        await self.fetch_licences(flow, user=user, actor_id=actor_id, now=now)
        return flow

    async def _fail(
        self,
        flow: Flow,
        check: FaceCheck,
        status: FaceCheckStatus,
        error_code: str | None,
        similarity: float | None,
        now: datetime,
    ) -> Flow:
        check.status = status
        check.error_code = (error_code or "")[:16] or None
        check.similarity = similarity
        check.settled_at = now
        flow.status = FlowStatus.FACE
        flow.updated_at = now
        await self.session.flush()
        if status is FaceCheckStatus.EXPIRED:
            raise FlowError(
                FlowReason.FACE_EXPIRED,
                "The face check has expired. Start a new one.",
                keep=True,
            )
        if error_code == "subject_mismatch":
            raise FlowError(
                FlowReason.SUBJECT_MISMATCH,
                "The face check was for a different person than the applicant.",
                keep=True,
            )
        raise FlowError(
            FlowReason.FACE_FAILED,
            FACE_FAILURES.get(error_code or "", FACE_FAILED),
            keep=True,
        )

    # --- licences --------------------------------------------------------------------------

    async def fetch_licences(self, flow: Flow, *, user: User, actor_id: str, now: datetime) -> Flow:
        """One batch read of the licences this flow uses; every read is recorded for the
        citizen to see. A licence that cannot be used falls back for that material only."""
        personal = self.accounts.personal_data(user)
        rows = await self.materials(flow)
        planned = [
            PlannedMaterial(
                key=r.key,
                name=r.name,
                required=r.required,
                source=r.source,
                licence_type=r.licence_type,
                provision=Provision(r.provision),
            )
            for r in rows
        ]
        spec = await self._form_spec(flow)
        types = licence_types(planned, spec or ())
        lookups: dict[str, LicenceLookup] | None
        try:
            found = await self.ports.licences.fetch(
                holder_id_number=personal.id_number or "",
                holder_name=personal.name or "",
                types=[LicenceType(t) for t in types],
                purpose=FetchPurpose(
                    flow_id=flow.id, requester_id=actor_id, item_code=flow.target_code
                ),
                today=china_day(now),
            )
            lookups = {t.value: v for t, v in found.items()}
        except (LicenceLibraryError, ValueError):
            # ValueError: the library refused the request's shape before any call.
            lookups = None
        for t in types:
            lookup = lookups.get(t) if lookups is not None else None
            outcome = lookup.status.value if lookup is not None else "error"
            self.session.add(
                LicenceFetch(
                    user_id=flow.user_id,
                    actor_id=actor_id,
                    grant_id=flow.grant_id if actor_id != flow.user_id else None,
                    flow_id=flow.id,
                    target_title=flow.title,
                    licence_type=t,
                    outcome=outcome,
                    licence_number_masked=_masked(lookup),
                    at=now,
                )
            )
        apply_lookups(planned, lookups)
        by_key = {p.key: p for p in planned}
        for r in rows:
            p = by_key[r.key]
            r.provision = p.provision
            r.fallback_reason = p.fallback_reason
            r.licence_number_masked = p.licence_number_masked
            r.licence_issuer = p.licence_issuer
            r.licence_valid_until = p.licence_valid_until
        fields = build_form(
            spec,
            lookups,
            account_name=personal.name,
            account_id_number=personal.id_number,
            account_phone=personal.phone,
        )
        self._store_form(flow, fields)
        flow.licences_fetched_at = now
        flow.status = FlowStatus.CONFIRM
        flow.updated_at = now
        await self.session.flush()
        return flow

    async def _form_spec(self, flow: Flow) -> list[dict[str, Any]] | None:
        if flow.bundle_id is None:
            return None
        bundle = await self.session.get(Bundle, flow.bundle_id)
        fields = (bundle.form or {}).get("fields") if bundle is not None else None
        return list(fields) if fields else None

    def _store_form(self, flow: Flow, fields: Sequence[FormField]) -> None:
        flow.form_enc = encrypt(
            self.ports.secret, json.dumps([f.as_dict() for f in fields], ensure_ascii=False)
        )

    # --- uploads ---------------------------------------------------------------------------

    async def attach_upload(
        self, flow: Flow, *, material_key: str, image: CleanImage, now: datetime
    ) -> FlowMaterial:
        self.require(flow, FlowStatus.CONFIRM)
        material = next((m for m in await self.materials(flow) if m.key == material_key), None)
        if material is None or material.provision != Provision.UPLOAD:
            raise FlowError(
                FlowReason.NOT_UPLOADABLE, "This material is not one to upload in this application."
            )
        if material.upload_id is not None:  # a new photo replaces the old one
            await self.session.execute(
                delete(FlowUpload).where(FlowUpload.id == material.upload_id)
            )
        upload = FlowUpload(
            id=str(uuid.uuid4()),
            flow_id=flow.id,
            material_key=material.key,
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            size=len(image.data),
            sha256=image.sha256,
            data=image.data,
            created_at=now,
        )
        self.session.add(upload)
        material.upload_id = upload.id
        flow.updated_at = now
        await self.session.flush()
        return material

    # --- submit ----------------------------------------------------------------------------

    async def submit(
        self,
        flow: Flow,
        *,
        commitments: Sequence[str],
        answers: Mapping[str, str],
        actor_id: str,
        cases: CaseService,
        demo: bool,
        now: datetime,
    ) -> SubmitResult:
        self.require(flow, FlowStatus.CONFIRM)
        passed_at = aware(flow.face_passed_at)
        if passed_at is None or now - passed_at > self.rules.face_pass_valid:
            flow.status = FlowStatus.FACE
            flow.updated_at = now
            await self.session.flush()
            raise FlowError(
                FlowReason.FACE_EXPIRED,
                "Your face check is more than %(minutes)s minutes old. Verify again to submit.",
                keep=True,
                minutes=int(self.rules.face_pass_valid.total_seconds() // 60),
            )
        materials = await self.materials(flow)
        accepted = set(commitments)
        missing_commitments = [
            m.name
            for m in materials
            if m.provision == Provision.COMMITMENT and m.required and m.key not in accepted
        ]
        if missing_commitments:
            raise FlowError(
                FlowReason.COMMITMENT_MISSING,
                "Read and accept the commitment for: %(names)s.",
                names="、".join(missing_commitments),
            )
        missing_uploads = [
            m.name
            for m in materials
            if m.provision == Provision.UPLOAD and m.required and m.upload_id is None
        ]
        if missing_uploads:
            raise FlowError(
                FlowReason.UPLOAD_MISSING,
                "Upload a photo of: %(names)s.",
                names="、".join(missing_uploads),
            )
        fields = self.form(flow)
        problems = apply_answers(fields, answers)
        if problems.invalid:
            raise FlowError(
                FlowReason.ANSWER_INVALID,
                "Check these answers: %(names)s.",
                names="、".join(problems.invalid),
            )
        if problems.missing:
            raise FlowError(
                FlowReason.ANSWER_MISSING,
                "Fill in: %(names)s.",
                names="、".join(problems.missing),
            )
        self._store_form(flow, fields)
        flow.commitments = sorted(
            m.key for m in materials if m.provision == Provision.COMMITMENT and m.key in accepted
        )
        item = await self.session.get(ServiceItem, flow.item_id) if flow.item_id else None
        bundle = await self.session.get(Bundle, flow.bundle_id) if flow.bundle_id else None
        members: list[ServiceItem] = []
        if bundle is not None:
            members = (await CatalogueRepository(self.session).items_by_bundle_ids([bundle.id]))[
                bundle.id
            ]
        acting = actor_id != flow.user_id
        case, _code = await cases.open_case(
            applicant_id=flow.user_id,
            item=item,
            bundle=bundle,
            bundle_items=members,
            channel="app",
            agent_id=actor_id if acting else None,
            grant_id=flow.grant_id if acting else None,
            now=now,
            demo=demo,
        )
        flow.case_id = case.id
        flow.status = FlowStatus.SUBMITTED
        flow.updated_at = now
        flow.ended_at = now
        report = ApplyReport()
        # A photo of a paper needs a person to look at it: only all-electronic is decided at once.
        if flow.instant and not any(m.provision == Provision.UPLOAD for m in materials):
            # The city's rule for this item: all checks passed online → decided at once.
            outcome = INSTANT_OUTCOME
            report = await cases.apply(
                [
                    CaseEventIn(
                        event_id=f"instant:{case.id}:accepted",
                        case_number=case.case_number,
                        status=CaseStatus.ACCEPTED,
                        occurred_at=now,
                        remark="刷脸核验通过，材料由电子证照和共享数据核验，系统自动受理",
                    ),
                    CaseEventIn(
                        event_id=f"instant:{case.id}:approved",
                        case_number=case.case_number,
                        status=CaseStatus.APPROVED,
                        occurred_at=now,
                        remark="即时办结：提取资金已转入本人名下银行账户",
                    ),
                ]
            )
            flow.status = FlowStatus.COMPLETED
            flow.outcome = outcome
        await self.session.flush()
        return SubmitResult(flow=flow, case=case, report=report)

    async def submit_photo(
        self, flow: Flow, *, user: User, actor_id: str, jpeg: bytes, now: datetime
    ) -> Flow:
        """Photo mode: relay an already-cleaned photo for the started check, then settle it
        like any other. The photo is never written anywhere."""
        check = await self.face_check(flow)
        if flow.status != FlowStatus.FACE_PENDING or check is None:
            raise FlowError(FlowReason.WRONG_STEP, "Start a face check first.")
        try:
            await self.ports.face.submit_photo(check.provider_ref, jpeg)
        except FaceProviderError as exc:
            raise _provider_unavailable() from exc
        return await self.settle_face(
            flow, user=user, actor_id=actor_id, provider_ref=None, now=now
        )

    async def retry_licences(self, flow: Flow, *, user: User, actor_id: str, now: datetime) -> Flow:
        self.require(flow, FlowStatus.CONFIRM)
        return await self.fetch_licences(flow, user=user, actor_id=actor_id, now=now)

    # --- relatives -------------------------------------------------------------------------

    async def helpers_of(
        self, user_ids: Sequence[str], *, now: datetime
    ) -> dict[str, list[Helper]]:
        """The relatives each citizen may ask, in two statements for any number of citizens."""
        grants = [
            g
            for g in await self.session.scalars(
                select(ProxyGrant).where(ProxyGrant.grantor_id.in_(set(user_ids)))
            )
            if _may_finish(g, now)
        ]
        people = {
            u.id: u
            for u in await self.session.scalars(
                select(User).where(User.id.in_({g.grantee_id for g in grants}))
            )
        }
        found: dict[str, list[Helper]] = {}
        for g in grants:
            person = people.get(g.grantee_id or "")
            name = self.accounts.personal_data(person).name if person else None
            found.setdefault(g.grantor_id, []).append(
                Helper(grant_id=g.id, relation=g.relation, name_masked=mask_name(name))
            )
        return found

    async def ask_relative(
        self,
        flow: Flow,
        *,
        user: User,
        grant_id: str,
        translator: Translator,
        channel: str,
        now: datetime,
    ) -> Notification:
        """A message (outbox row) to a relative the citizen authorised, asking them to finish
        this application acting for the citizen."""
        self.require(flow, *ACTIVE_FLOW)
        grant = await self.session.get(ProxyGrant, grant_id[:36])
        if grant is None or grant.grantor_id != user.id or not _may_finish(grant, now):
            raise HaobanError(ErrorCode.NOT_FOUND, "No such authorisation.")
        assert grant.grantee_id is not None  # _may_finish
        note = Notification(
            id=str(uuid.uuid4()),
            user_id=grant.grantee_id,
            case_id=None,
            kind="flow_help",
            title=flow.title[:120],
            body=translator.gettext(
                "%(name)s asks you to finish the application “%(title)s”. Open the app, act "
                "for them, and continue it under “My applications”.",
                name=mask_name(self.accounts.personal_data(user).name) or "",
                title=flow.title,
            ),
            data={"flowId": flow.id, "grantId": grant.id},
            channel=channel,
            status=DeliveryStatus.QUEUED,
        )
        self.session.add(note)
        await self.session.flush()
        return note

    # --- ending ----------------------------------------------------------------------------

    async def abandon(self, flow: Flow, *, now: datetime) -> Flow:
        self.require(flow, *ACTIVE_FLOW)
        self._end(flow, FlowStatus.ABANDONED, now)
        await self.session.flush()
        await self._drop_uploads([flow.id])
        return flow

    async def expire_due(self, *, now: datetime) -> int:
        """The worker's sweep: flows past their time end; their uploads go with them."""
        due = list(
            await self.session.scalars(
                select(Flow).where(
                    Flow.status.in_([s.value for s in ACTIVE_FLOW]), Flow.expires_at <= now
                )
            )
        )
        for flow in due:
            self._end(flow, FlowStatus.EXPIRED, now)
        await self.session.flush()
        await self._drop_uploads([flow.id for flow in due])
        return len(due)

    async def _drop_uploads(self, flow_ids: Sequence[str]) -> None:
        """Two statements however many flows: the photos are never loaded to be deleted."""
        if not flow_ids:
            return
        await self.session.execute(
            update(FlowMaterial)
            .where(FlowMaterial.flow_id.in_(flow_ids), FlowMaterial.upload_id.is_not(None))
            .values(upload_id=None)
            .execution_options(synchronize_session="fetch")
        )
        await self.session.execute(delete(FlowUpload).where(FlowUpload.flow_id.in_(flow_ids)))

    def _end(self, flow: Flow, status: FlowStatus, now: datetime) -> None:
        flow.status = status
        flow.updated_at = now
        flow.ended_at = now
        flow.form_enc = None  # personal data is not kept for a flow that went nowhere

    # --- helpers ---------------------------------------------------------------------------

    def require(self, flow: Flow, *allowed: FlowStatus) -> None:
        if flow.status in allowed:
            return
        if flow.status == FlowStatus.EXPIRED:
            raise FlowError(
                FlowReason.EXPIRED, "This application has expired. Start again.", keep=True
            )
        if flow.status not in ACTIVE_FLOW:
            raise FlowError(FlowReason.CLOSED, "This application is already closed.")
        raise FlowError(FlowReason.WRONG_STEP, "This step is not the current one.")

    def _subject_hash(self, id_number: str) -> str:
        return keyed_hash(self.ports.secret, id_number.upper(), purpose="id")

    @staticmethod
    def _quota_key(user_id: str, now: datetime) -> str:
        return QUOTA_KEY.format(user=user_id, day=china_day(now).isoformat())


def _may_finish(grant: ProxyGrant, now: datetime) -> bool:
    return (
        grant.grantee_id is not None
        and grant_state(grant, now=now) == ProxyStatus.ACTIVE
        and ProxyScope.START_FLOWS.value in grant.scopes
    )


def _masked(lookup: LicenceLookup | None) -> str | None:
    if lookup is None or lookup.licence is None or lookup.status is LicenceStatus.NOT_FOUND:
        return None
    return mask_licence_number(lookup.licence.number)
