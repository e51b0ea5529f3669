"""GraphQL for zero-material face-verified flows (零材料/刷脸办).

Resolvers are thin: FlowService owns the rules. Every mutation answers the flow as it now
stands (or a MutationError with a stable code, a Chinese message and the hotline), so a client
renders one screen per step from one type, and resumes after a restart with `myFlows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from strawberry.file_uploads import Upload
from strawberry.types import Info

from auth.masking import mask_name
from auth.models import ProxyScope, User
from auth.proxies import ProxyService
from auth.viewer import acting_subject
from bff.cases import models as cm
from bff.cases.ingest import announce, calendar_for, stage_notifications
from bff.cases.service import CaseService
from bff.catalogue.models import ServiceItem as ItemRow
from bff.db import aware
from bff.errors import ErrorCode, HaobanError
from bff.flows import models as fm
from bff.flows.consent import CONSENT_TITLE, CONSENT_VERSION, consent_hash, consent_text
from bff.flows.models import ACTIVE_FLOW, FlowStatus, Provision
from bff.flows.plan import FormField
from bff.flows.runtime import flow_service
from bff.flows.service import FlowError, FlowService
from bff.images import CleanImage, ImageLimits, clean_image_async
from bff.schema.cases import Case
from bff.schema.context import Context
from bff.schema.identity import MutationError, _error

ContextInfo = Info[Context, None]


@strawberry.enum(description="Where a flow stands.")
class FlowStep(Enum):
    CONSENT = "consent"
    FACE = "face"
    FACE_PENDING = "face_pending"
    CONFIRM = "confirm"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    EXPIRED = "expired"


@strawberry.enum(description="How a material is provided in this application.")
class MaterialProvision(Enum):
    LICENCE = "licence"
    DATA_SHARING = "data_sharing"
    COMMITMENT = "commitment"
    UPLOAD = "upload"
    PROXY_GRANT = "proxy_grant"
    JOINT_FORM = "joint_form"
    NOT_NEEDED = "not_needed"


@strawberry.enum(description="What the citizen still has to do for a material.")
class MaterialAction(Enum):
    NONE = "none"
    WAIT_FOR_FACE_CHECK = "wait_for_face_check"
    ACCEPT_COMMITMENT = "accept_commitment"
    UPLOAD_PHOTO = "upload_photo"


@strawberry.type(description="The notice the citizen agrees to before a face check.")
class FaceConsentNotice:
    version: str
    title: str
    text: str
    given_at: datetime | None = strawberry.field(description="When it was given in this flow.")


@strawberry.type(description="The current face check (what is kept: outcome, code, score, time).")
class FaceCheckInfo:
    status: str = strawberry.field(description="pending, passed, failed or expired.")
    error_code: str | None = strawberry.field(description="The provider's code when it failed.")
    message: str | None = strawberry.field(description="What to do about a failure.")
    similarity: float | None
    started_at: datetime
    expires_at: datetime


@strawberry.type(description="An electronic licence used in place of a paper (masked number).")
class LicenceInfo:
    type: str
    number_masked: str | None
    issuer: str | None
    valid_until: str | None = strawberry.field(description="ISO date; empty for 长期.")


@strawberry.type(description="One material of the application and how it is provided.")
class FlowMaterial:
    key: str
    name: str
    required: bool
    provision: MaterialProvision
    action: MaterialAction
    licence: LicenceInfo | None
    fallback_reason: str | None = strawberry.field(
        description="Why a licence could not be used: LICENCE_NOT_FOUND, LICENCE_EXPIRED, "
        "LIBRARY_UNAVAILABLE."
    )
    fallback_message: str | None = strawberry.field(description="The reason, said to people.")
    uploaded: bool


@strawberry.type(description="A field of the prefilled application (ID and phone masked).")
class FlowFormField:
    key: str
    label: str
    type: str
    required: bool
    value: str | None
    source: str | None = strawberry.field(
        description="licence:<type> (from an electronic licence, not editable), account, or "
        "null (the citizen answers)."
    )
    editable: bool


@strawberry.type(description="A relative who may finish this application for the citizen.")
class FlowHelper:
    grant_id: strawberry.ID
    relation: str
    name: str | None = strawberry.field(description="Masked name.")


@strawberry.type(description="A face-verified application (零材料/刷脸办).")
class Flow:
    row: strawberry.Private[fm.Flow]
    materials_rows: strawberry.Private[list[fm.FlowMaterial]]
    form_fields: strawberry.Private[list[FormField]]
    check: strawberry.Private[fm.FaceCheck | None]
    consent_row: strawberry.Private[fm.FaceConsent | None]
    case_row: strawberry.Private[cm.Case | None]
    owner_view: strawberry.Private[bool]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="What is applied for.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="The item's code or the 一件事 bundle's code.")
    def target_code(self) -> str:
        return self.row.target_code

    @strawberry.field(description="True for a 一件事 bundle.")
    def is_bundle(self) -> bool:
        return self.row.bundle_id is not None

    @strawberry.field
    def step(self) -> FlowStep:
        return FlowStep(self.row.status)

    @strawberry.field(
        description="One short instruction for this step (elder mode shows only this)."
    )
    def instruction(self, info: ContextInfo) -> str:
        return _instruction(self, info)

    @strawberry.field(description="The separate consent to face processing, with its version.")
    def consent(self, info: ContextInfo) -> FaceConsentNotice:
        t = info.context.translator
        return FaceConsentNotice(
            version=CONSENT_VERSION,
            title=t.gettext(CONSENT_TITLE),
            text=consent_text(t),
            given_at=aware(self.consent_row.given_at) if self.consent_row else None,
        )

    @strawberry.field(description="The current face check, if one was started.")
    def face_check(self, info: ContextInfo) -> FaceCheckInfo | None:
        c = self.check
        if c is None:
            return None
        message = None
        if c.status in (fm.FaceCheckStatus.FAILED, fm.FaceCheckStatus.EXPIRED):
            from bff.flows.service import FACE_FAILED, FACE_FAILURES

            message = info.context._(
                FACE_FAILURES.get(c.error_code or "", FACE_FAILED)
                if c.status == fm.FaceCheckStatus.FAILED
                else "The face check has expired. Start a new one."
            )
        started, expires = aware(c.started_at), aware(c.expires_at)
        assert started is not None and expires is not None
        return FaceCheckInfo(
            status=c.status,
            error_code=c.error_code,
            message=message,
            similarity=c.similarity,
            started_at=started,
            expires_at=expires,
        )

    @strawberry.field(description="Materials: fetched licences, shared data, commitments, uploads.")
    def materials(self, info: ContextInfo) -> list[FlowMaterial]:
        return [
            _material(m, self.row, info)
            for m in self.materials_rows
            if m.provision != Provision.NOT_NEEDED
        ]

    @strawberry.field(description="The prefilled application, shown for confirmation.")
    def form(self) -> list[FlowFormField]:
        return [
            FlowFormField(
                key=f.key,
                label=f.label,
                type=f.type,
                required=f.required,
                value=f.masked_value()
                if self.owner_view or f.type in ("date",)
                else _mask_other(f),
                source=f.source,
                editable=f.editable,
            )
            for f in self.form_fields
        ]

    @strawberry.field(description="The case it became, once submitted.")
    def case(self) -> Case | None:
        return Case(row=self.case_row, owner_view=self.owner_view) if self.case_row else None

    @strawberry.field(
        description="For items the city decides at once: the result, e.g. the payout."
    )
    def outcome(self, info: ContextInfo) -> str | None:
        return info.context._(self.row.outcome) if self.row.outcome else None

    @strawberry.field(description="True when the case concluded at once (即时办结).")
    def completed_instantly(self) -> bool:
        return self.row.status == FlowStatus.COMPLETED

    @strawberry.field(description="Until when the application can be finished.")
    def expires_at(self) -> datetime:
        value = aware(self.row.expires_at)
        assert value is not None
        return value

    @strawberry.field(description="Started or finished by a relative acting for the citizen.")
    def by_relative(self) -> bool:
        return self.row.started_by_id != self.row.user_id

    @strawberry.field(
        description="Relatives the citizen has authorised to finish applications (START_FLOWS); "
        "ask one with askRelativeToFinish."
    )
    async def relatives(self, info: ContextInfo) -> list[FlowHelper]:
        if not self.owner_view:
            return []
        found = await info.context.flow_helpers.load(self.row.user_id)
        return [
            FlowHelper(grant_id=strawberry.ID(h.grant_id), relation=h.relation, name=h.name_masked)
            for h in found
        ]

    @strawberry.field(description="The city hotline, shown on every step.")
    def hotline(self, info: ContextInfo) -> str:
        return info.context.settings.hotline


def _mask_other(f: FormField) -> str | None:
    if f.type in ("text",) and f.key.endswith("name"):
        return mask_name(f.value)
    return f.masked_value()


def _material(m: fm.FlowMaterial, flow: fm.Flow, info: ContextInfo) -> FlowMaterial:
    _ = info.context._
    licence = None
    if m.licence_type and m.provision == Provision.LICENCE:
        licence = LicenceInfo(
            type=m.licence_type,
            number_masked=m.licence_number_masked,
            issuer=m.licence_issuer,
            valid_until=m.licence_valid_until,
        )
    fetched = flow.licences_fetched_at is not None
    if m.provision == Provision.COMMITMENT and m.required:
        action = (
            MaterialAction.ACCEPT_COMMITMENT
            if m.key not in (flow.commitments or [])
            else MaterialAction.NONE
        )
    elif m.provision == Provision.UPLOAD and m.required and m.upload_id is None:
        action = MaterialAction.UPLOAD_PHOTO
    elif m.licence_type and not fetched:
        action = MaterialAction.WAIT_FOR_FACE_CHECK
    else:
        action = MaterialAction.NONE
    message = None
    if m.fallback_reason:
        instead = (
            _("You can sign a commitment (告知承诺) instead.")
            if m.provision == Provision.COMMITMENT
            else _("Upload a photo of the paper one instead.")
        )
        if m.fallback_reason == "LICENCE_EXPIRED":
            why = _(
                "Your electronic %(licence)s expired on %(date)s.",
                licence=m.licence_type or m.name,
                date=_full_date(m.licence_valid_until, info),
            )
        elif m.fallback_reason == "LIBRARY_UNAVAILABLE":
            why = _("The licence library is not answering right now.")
        else:
            why = _(
                "No electronic %(licence)s was found in your name.",
                licence=m.licence_type or m.name,
            )
        message = (
            f"{why}{instead}"
            if info.context.translator.locale.startswith("zh")
            else f"{why} {instead}"
        )
    return FlowMaterial(
        key=m.key,
        name=m.name,
        required=m.required,
        provision=MaterialProvision(m.provision),
        action=action,
        licence=licence,
        fallback_reason=m.fallback_reason,
        fallback_message=message,
        uploaded=m.upload_id is not None,
    )


def _full_date(iso: str | None, info: ContextInfo) -> str:
    """With the year: an expiry may be years ago."""
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    if info.context.translator.locale.startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日"
    return day.strftime("%d %B %Y").lstrip("0")


def _instruction(flow: Flow, info: ContextInfo) -> str:
    _ = info.context._
    row = flow.row
    match row.status:
        case FlowStatus.CONSENT:
            return _("Read the notice on face verification and agree to go on.")
        case FlowStatus.FACE:
            return _("Tap “Start face check” and look at the screen.")
        case FlowStatus.FACE_PENDING:
            return _("Finish the face check, then come back here.")
        case FlowStatus.CONFIRM:
            uploads = sum(
                1
                for m in flow.materials_rows
                if m.provision == Provision.UPLOAD and m.required and m.upload_id is None
            )
            if uploads:
                return _("Take a photo of %(count)s paper material(s), then submit.", count=uploads)
            if any(m.provision == Provision.COMMITMENT and m.required for m in flow.materials_rows):
                return _("Check your details, accept the commitments, then submit.")
            return _("Check your details, then submit.")
        case FlowStatus.SUBMITTED:
            number = flow.case_row.case_number if flow.case_row else ""
            return _("Submitted. Your case number is %(number)s.", number=number)
        case FlowStatus.COMPLETED:
            return _("Done. %(outcome)s", outcome=_(row.outcome or ""))
        case FlowStatus.ABANDONED:
            return _("You cancelled this application.")
        case _:
            return _("This application has expired. Please start again.")


# --- loading --------------------------------------------------------------------------------


async def _subject(info: ContextInfo) -> tuple[User, str | None]:
    ctx = info.context
    viewer = ctx.require_viewer()
    async with ctx.db.use() as session:
        subject_id, grant = await acting_subject(session, viewer, ProxyScope.START_FLOWS)
        user = await session.get(User, subject_id)
    if user is None:
        raise HaobanError(ErrorCode.UNAUTHENTICATED, "Please sign in.")
    return user, grant.id if grant else None


async def to_graphql(info: ContextInfo, rows: list[fm.Flow]) -> list[Flow]:
    """A page of flows in a constant number of queries."""
    ctx = info.context
    owner = ctx.require_viewer().acting_grant_id is None
    if not rows:
        return []
    ids = [r.id for r in rows]
    async with ctx.db.use() as session:
        service = flow_service(ctx.state, session)
        materials: dict[str, list[fm.FlowMaterial]] = defaultdict(list)
        for m in await session.scalars(
            select(fm.FlowMaterial)
            .where(fm.FlowMaterial.flow_id.in_(ids))
            .order_by(fm.FlowMaterial.flow_id, fm.FlowMaterial.position)
        ):
            materials[m.flow_id].append(m)
        check_ids = [r.face_check_id for r in rows if r.face_check_id]
        checks = {
            c.id: c
            for c in await session.scalars(
                select(fm.FaceCheck).where(fm.FaceCheck.id.in_(check_ids))
            )
        }
        consent_ids = [r.consent_id for r in rows if r.consent_id]
        consents = {
            c.id: c
            for c in await session.scalars(
                select(fm.FaceConsent).where(fm.FaceConsent.id.in_(consent_ids))
            )
        }
        case_ids = [r.case_id for r in rows if r.case_id]
        cases = {
            c.id: c for c in await session.scalars(select(cm.Case).where(cm.Case.id.in_(case_ids)))
        }
        out = []
        for r in rows:
            out.append(
                Flow(
                    row=r,
                    materials_rows=materials[r.id],
                    form_fields=service.form(r),
                    check=checks.get(r.face_check_id or ""),
                    consent_row=consents.get(r.consent_id or ""),
                    case_row=cases.get(r.case_id or ""),
                    owner_view=owner,
                )
            )
    return out


FlowResult = Annotated[Flow | MutationError, strawberry.union("FlowResult")]


@strawberry.type(description="A face check started at the provider.")
class FaceVerificationStarted:
    flow: Flow
    provider: str
    redirect_url: str | None = strawberry.field(description="Open in a browser (H5 mode).")
    sdk_token: str | None = strawberry.field(description="For the provider's app SDK.")
    expires_at: datetime
    checks_left_today: int


FaceStartResult = Annotated[
    FaceVerificationStarted | MutationError, strawberry.union("FaceVerificationResult")
]


@strawberry.input(description="An answer to an editable field of the application.")
class FlowAnswerInput:
    key: str
    value: str


@strawberry.type(description="A read of one of the citizen's electronic licences (用证记录).")
class LicenceUse:
    licence_type: str
    outcome: str = strawberry.field(description="found, expired, not_found or error.")
    number_masked: str | None
    for_application: str = strawberry.field(description="The application it was read for.")
    by_relative: bool = strawberry.field(description="Read while a relative acted for you.")
    at: datetime


@strawberry.type
class FlowQuery:
    @strawberry.field(description="One of the citizen's face-verified applications.")
    async def flow(self, info: ContextInfo, id: strawberry.ID) -> Flow:
        user, _ = await _subject(info)
        async with info.context.db.use() as session:
            row = await flow_service(info.context.state, session).get(
                str(id), user_id=user.id, now=datetime.now(UTC)
            )
        await info.context.db.commit()  # an overdue flow has just expired
        return (await to_graphql(info, [row]))[0]

    @strawberry.field(
        description="The citizen's applications, newest first (active ones only by default): "
        "how an app resumes after a restart."
    )
    async def my_flows(self, info: ContextInfo, active_only: bool = True) -> list[Flow]:
        user, _ = await _subject(info)
        now = datetime.now(UTC)
        async with info.context.db.use() as session:
            stmt = select(fm.Flow).where(fm.Flow.user_id == user.id)
            if active_only:
                stmt = stmt.where(
                    fm.Flow.status.in_([s.value for s in ACTIVE_FLOW]), fm.Flow.expires_at > now
                )
            rows = list(await session.scalars(stmt.order_by(fm.Flow.created_at.desc()).limit(50)))
        return await to_graphql(info, rows)

    @strawberry.field(
        description="Every read of the citizen's electronic licences: which, when, for what."
    )
    async def my_licence_uses(self, info: ContextInfo, first: int = 50) -> list[LicenceUse]:
        user, _ = await _subject(info)
        async with info.context.db.use() as session:
            rows = await session.scalars(
                select(fm.LicenceFetch)
                .where(fm.LicenceFetch.user_id == user.id)
                .order_by(fm.LicenceFetch.at.desc(), fm.LicenceFetch.id.desc())
                .limit(max(1, min(first, 200)))
            )
            uses = []
            for r in rows:
                at = aware(r.at)
                assert at is not None
                uses.append(
                    LicenceUse(
                        licence_type=r.licence_type,
                        outcome=r.outcome,
                        number_masked=r.licence_number_masked,
                        for_application=r.target_title,
                        by_relative=r.actor_id != r.user_id,
                        at=at,
                    )
                )
        return uses


# One step of a flow: (service, the flow, the citizen, the acting user's id, now).
Step = Callable[[FlowService, fm.Flow, User, str, datetime], Awaitable[None]]


async def _record_act(
    session: AsyncSession, info: ContextInfo, user: User, action: str, row: fm.Flow
) -> None:
    """An act a relative did for the citizen, in the citizen's activity (both identities)."""
    viewer = info.context.require_viewer()
    if viewer.acting_grant_id is not None:
        await ProxyService(session).record(
            actor_id=viewer.user_id,
            subject_id=user.id,
            action=action,
            grant_id=viewer.acting_grant_id,
            details={"flow": row.id, "title": row.title},
        )


async def _run(info: ContextInfo, flow_id: str, action: str, step: Step) -> Flow | MutationError:
    """Load the flow, run one step, commit (also what a refusal recorded), answer the flow."""
    ctx = info.context
    try:
        user, _grant = await _subject(info)
        viewer = ctx.require_viewer()
        now = datetime.now(UTC)
        async with ctx.db.use() as session:
            service = flow_service(ctx.state, session)
            row = await service.get(flow_id, user_id=user.id, now=now)
            await step(service, row, user, viewer.user_id, now)
            await _record_act(session, info, user, action, row)
        await ctx.db.commit()
        return (await to_graphql(info, [row]))[0]
    except FlowError as exc:
        if exc.keep:
            await ctx.db.commit()
        else:
            await ctx.db.rollback()
        return _error(info, exc)
    except HaobanError as exc:
        await ctx.db.rollback()
        return _error(info, exc)


async def _read_upload(upload: Upload, limit: int) -> bytes:
    """At most limit + 1 bytes (enough to know it is too large); the spooled file is closed
    at once, so nothing of it stays on disk."""
    try:
        data: bytes = await upload.read(limit + 1)  # type: ignore[attr-defined]
    finally:
        await upload.close()  # type: ignore[attr-defined]
    return data


@strawberry.type
class FlowMutation:
    @strawberry.mutation(
        description="Start (or resume) a face-verified application for a 零材料 item or a 一件事 "
        "bundle. A relative with START_FLOWS starts it for the person they act for."
    )
    async def start_flow(
        self, info: ContextInfo, item_code: str | None = None, bundle_code: str | None = None
    ) -> FlowResult:
        ctx = info.context
        try:
            if (item_code is None) == (bundle_code is None):
                raise HaobanError(
                    ErrorCode.INVALID_ARGUMENT, "Give either an item code or a bundle code."
                )
            user, grant_id = await _subject(info)
            viewer = ctx.require_viewer()
            item = bundle = None
            members = []
            async with ctx.catalogue() as catalogue:
                if item_code is not None:
                    item = await catalogue.item(code=item_code)
                else:
                    bundle = await catalogue.bundle(code=bundle_code or "")
                    members = (await catalogue.repo.items_by_bundle_ids([bundle.id]))[bundle.id]
            async with ctx.db.use() as session:
                # The same request session as the catalogue's: only the materials are loaded.
                ids = [item.id] if item is not None else [m.id for m in members]
                loaded = {
                    i.id: i
                    for i in await session.scalars(
                        select(ItemRow)
                        .where(ItemRow.id.in_(ids))
                        .options(selectinload(ItemRow.materials))
                    )
                }
                row = await flow_service(ctx.state, session).start(
                    user=user,
                    actor_id=viewer.user_id,
                    grant_id=grant_id,
                    item=loaded[item.id] if item is not None else None,
                    bundle=bundle,
                    bundle_items=[loaded[m.id] for m in members],
                    now=datetime.now(UTC),
                )
                await _record_act(session, info, user, "flow.started", row)
            await ctx.db.commit()
            return (await to_graphql(info, [row]))[0]
        except HaobanError as exc:
            await ctx.db.rollback()
            return _error(info, exc)

    @strawberry.mutation(
        description="Agree to the face-verification notice (separate consent, recorded with the "
        "text's version). Send the version the citizen was shown."
    )
    async def give_face_consent(
        self, info: ContextInfo, flow_id: strawberry.ID, consent_version: str
    ) -> FlowResult:
        shown = consent_hash(info.context.translator)

        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            await service.give_consent(
                row, version=consent_version, text_sha256=shown, given_by_id=actor, now=now
            )

        return await _run(info, str(flow_id), "flow.consent", step)

    @strawberry.mutation(
        description="Start a face check at the provider for the citizen's own name and ID "
        "number. Open redirectUrl (H5) or pass sdkToken to the provider's SDK. Limited per day."
    )
    async def start_face_verification(
        self, info: ContextInfo, flow_id: strawberry.ID
    ) -> FaceStartResult:
        ctx = info.context
        started = None

        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            nonlocal started
            started = await service.start_face(row, user=user, actor_id=actor, now=now)

        result = await _run(info, str(flow_id), "flow.face_started", step)
        if isinstance(result, MutationError) or started is None:
            return result  # type: ignore[return-value]
        async with ctx.db.use() as session:
            left = await flow_service(ctx.state, session).face_checks_left(
                result.row.user_id, now=datetime.now(UTC)
            )
        return FaceVerificationStarted(
            flow=result,
            provider=started.provider,
            redirect_url=started.redirect_url,
            sdk_token=started.sdk_token,
            expires_at=started.expires_at,
            checks_left_today=left,
        )

    @strawberry.mutation(
        description="After the face check: the server pulls the result from the provider (the "
        "only source of pass/fail), then fetches the licences and prefills the application. "
        "providerRef is what the provider's SDK reported; it must be this flow's own check."
    )
    async def complete_face_verification(
        self, info: ContextInfo, flow_id: strawberry.ID, provider_ref: str | None = None
    ) -> FlowResult:
        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            await service.settle_face(
                row, user=user, actor_id=actor, provider_ref=provider_ref, now=now
            )

        return await _run(info, str(flow_id), "flow.face_completed", step)

    @strawberry.mutation(
        description="Photo mode: send a photo taken by the app for the started face check. It "
        "is cleaned (real type, size, pixels, orientation, no metadata), passed to the "
        "provider, never stored; then the result is pulled as in completeFaceVerification."
    )
    async def submit_face_photo(
        self, info: ContextInfo, flow_id: strawberry.ID, photo: Upload
    ) -> FlowResult:
        try:
            # Only in memory: the face goes to the provider and out of scope, never stored.
            clean = await _clean_upload(info.context, photo)
        except HaobanError as exc:
            return _error(info, exc)

        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            await service.submit_photo(row, user=user, actor_id=actor, jpeg=clean.data, now=now)

        return await _run(info, str(flow_id), "flow.face_completed", step)

    @strawberry.mutation(
        description="Upload a photo of a paper material where a licence could not be used (or "
        "the material has no electronic form). Cleaned and re-encoded; replaces an earlier one."
    )
    async def upload_flow_material(
        self, info: ContextInfo, flow_id: strawberry.ID, material_key: str, file: Upload
    ) -> FlowResult:
        try:
            clean = await _clean_upload(info.context, file)
        except HaobanError as exc:
            return _error(info, exc)

        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            await service.attach_upload(row, material_key=material_key, image=clean, now=now)

        return await _run(info, str(flow_id), "flow.material_uploaded", step)

    @strawberry.mutation(
        description="Fetch the licences again (e.g. after the library was not answering)."
    )
    async def retry_licences(self, info: ContextInfo, flow_id: strawberry.ID) -> FlowResult:
        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            await service.retry_licences(row, user=user, actor_id=actor, now=now)

        return await _run(info, str(flow_id), "flow.licences_fetched", step)

    @strawberry.mutation(
        description="Confirm the prefilled application and submit it: a case is opened (and, "
        "for items the city decides at once, concluded). `commitments` are the keys of the "
        "告知承诺 materials the citizen accepts; `answers` fill the editable fields."
    )
    async def submit_flow(
        self,
        info: ContextInfo,
        flow_id: strawberry.ID,
        commitments: list[str],
        answers: list[FlowAnswerInput] | None = None,
    ) -> FlowResult:
        ctx = info.context
        staged: list[str] = []
        report = None

        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            nonlocal staged, report
            cases = CaseService(
                service.session,
                calendar=await calendar_for(ctx.state),
                secret=ctx.settings.secret_key,
            )
            result = await service.submit(
                row,
                commitments=commitments,
                answers={a.key: a.value for a in answers or []},
                actor_id=actor,
                cases=cases,
                demo=ctx.settings.reference_cases,
                now=now,
            )
            report = result.report
            staged = await stage_notifications(ctx.state, service.session, report)

        answer = await _run(info, str(flow_id), "flow.submitted", step)
        if report is not None and not isinstance(answer, MutationError):
            await announce(ctx.state, report, staged)
        return answer

    @strawberry.mutation(description="Give up an application; uploads are deleted.")
    async def abandon_flow(self, info: ContextInfo, flow_id: strawberry.ID) -> FlowResult:
        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            await service.abandon(row, now=now)

        return await _run(info, str(flow_id), "flow.abandoned", step)

    @strawberry.mutation(
        description="Ask a relative the citizen has authorised (START_FLOWS) to finish this "
        "application: they get a message and continue it acting for the citizen."
    )
    async def ask_relative_to_finish(
        self, info: ContextInfo, flow_id: strawberry.ID, grant_id: strawberry.ID
    ) -> FlowResult:
        ctx = info.context
        note_id: list[str] = []

        async def step(
            service: FlowService, row: fm.Flow, user: User, actor: str, now: datetime
        ) -> None:
            if ctx.require_viewer().acting_grant_id is not None:
                raise HaobanError(
                    ErrorCode.INVALID_ARGUMENT, "Only the citizen can ask a relative for help."
                )
            note = await service.ask_relative(
                row,
                user=user,
                grant_id=str(grant_id),
                translator=ctx.translator,
                channel=ctx.state.notifier.channel,
                now=now,
            )
            note_id.append(note.id)

        answer = await _run(info, str(flow_id), "flow.help_asked", step)
        if note_id and not isinstance(answer, MutationError):
            from bff.jobs import enqueue_delivery

            await enqueue_delivery(ctx.state, note_id[0])
        return answer


async def _clean_upload(ctx: Context, upload: Upload) -> CleanImage:
    """Read (bounded), then clean with Pillow: type by content, limits, orientation, no
    metadata (bff/images.py)."""
    data = await _read_upload(upload, ctx.settings.upload_max_bytes)
    limits = ImageLimits(
        max_bytes=ctx.settings.upload_max_bytes, max_pixels=ctx.settings.upload_max_pixels
    )
    return await clean_image_async(data, limits=limits)


__all__ = ["FlowMutation", "FlowQuery"]
