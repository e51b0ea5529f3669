"""GraphQL for identity: `me`, sessions, family proxies (亲友代办), preferences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry.schema_directive import Location
from strawberry.types import Info

from auth import models as am
from auth.accounts import AccountService, effective_level
from auth.masking import mask_id_number, mask_name, mask_phone
from auth.proxies import ProxyService, grant_state
from auth.viewer import NEXT_STEP, level_too_low, require_level
from bff.db import aware
from bff.errors import ErrorCode, HaobanError
from bff.schema.context import Context

ContextInfo = Info[Context, None]


@strawberry.enum(description="How sure we are who the citizen is.")
class RealNameLevel(Enum):
    ACCOUNT = "ACCOUNT"
    ID_VERIFIED = "ID_VERIFIED"
    FACE_VERIFIED = "FACE_VERIFIED"


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="The real-name level this field or mutation needs; below it, the answer is "
    "REAL_NAME_LEVEL_TOO_LOW with the next step.",
)
class RequiresLevel:
    level: RealNameLevel


@strawberry.enum(description="What the client should do next to go on.")
class NextStep(Enum):
    SIGN_IN = "SIGN_IN"
    REFRESH_TOKEN = "REFRESH_TOKEN"
    VERIFY_ID = "VERIFY_ID"
    VERIFY_FACE = "VERIFY_FACE"


@strawberry.enum(description="What a relative may do for the citizen.")
class ProxyScope(Enum):
    VIEW_CASES = "view_cases"
    BOOK_APPOINTMENTS = "book_appointments"
    START_FLOWS = "start_flows"


@strawberry.enum(description="How the relative is related to the citizen.")
class ProxyRelation(Enum):
    CHILD = "child"
    SPOUSE = "spouse"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER = "other"


@strawberry.enum(description="State of an authorisation.")
class ProxyStatus(Enum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    REVOKED = "revoked"
    EXPIRED = "expired"


@strawberry.enum(description="The viewer's side of an authorisation.")
class ProxyRole(Enum):
    GRANTOR = "grantor"
    GRANTEE = "grantee"


@strawberry.enum(description="Saved presentation preference.")
class PresentationMode(Enum):
    STANDARD = "standard"
    ELDER = "elder"


@strawberry.type(
    description="A failed mutation: a stable code, a message for people, the next step."
)
class MutationError:
    code: str
    message: str
    next_step: NextStep | None = None
    hotline: str = strawberry.field(
        default="12345", description="The city hotline to call for help."
    )


def _error(info: ContextInfo, exc: HaobanError) -> MutationError:
    step = exc.extra.get("nextStep")
    return MutationError(
        # A domain's own reason (e.g. ALREADY_RATED) is more useful than the generic code.
        code=str(exc.extra.get("reason") or exc.code.value),
        message=info.context._(exc.msgid, **exc.params),
        next_step=NextStep(step) if step in NextStep.__members__ else None,
        hotline=info.context.settings.hotline,
    )


@strawberry.type(description="A signed-in device.")
class Session:
    id: strawberry.ID
    client: str = strawberry.field(description="browser, app, wechat-miniprogram …")
    provider: str = strawberry.field(description="How the citizen signed in.")
    created_at: datetime
    last_seen_at: datetime
    current: bool = strawberry.field(description="This request's session.")


@strawberry.type(description="An authorisation for a relative to act for a citizen (亲友代办).")
class ProxyGrant:
    id: strawberry.ID
    role: ProxyRole = strawberry.field(description="Whether the viewer gave or received it.")
    relation: ProxyRelation
    scopes: list[ProxyScope]
    status: ProxyStatus
    created_at: datetime
    accepted_at: datetime | None
    expires_at: datetime
    other_party_name: str | None = strawberry.field(
        description="The other person's name, masked (张*); empty until accepted."
    )


@strawberry.type(description="Something done for the citizen by someone else, or an unmasked view.")
class AuditEntry:
    at: datetime
    action: str
    by_me: bool
    actor_name: str | None = strawberry.field(description="Who did it, masked.")
    grant_id: strawberry.ID | None


async def _names(info: ContextInfo, user_ids: set[str]) -> dict[str, str | None]:
    async with info.context.db.use() as session:
        accounts = AccountService(session, secret=info.context.settings.secret_key)
        users = {
            u.id: u for u in await session.scalars(select(am.User).where(am.User.id.in_(user_ids)))
        }
        return {
            uid: mask_name(accounts.personal_data(users[uid]).name) if uid in users else None
            for uid in user_ids
        }


def _grant(row: am.ProxyGrant, viewer_id: str, names: dict[str, str | None]) -> ProxyGrant:
    other = row.grantee_id if row.grantor_id == viewer_id else row.grantor_id
    return ProxyGrant(
        id=strawberry.ID(row.id),
        role=ProxyRole.GRANTOR if row.grantor_id == viewer_id else ProxyRole.GRANTEE,
        relation=ProxyRelation(row.relation),
        scopes=[ProxyScope(s) for s in row.scopes],
        status=ProxyStatus(grant_state(row, now=datetime.now(UTC))),
        created_at=aware(row.created_at),
        accepted_at=aware(row.accepted_at) if row.accepted_at else None,
        expires_at=aware(row.expires_at),
        other_party_name=names.get(other) if other else None,
    )


@strawberry.type(description="The signed-in citizen. Personal data is masked unless unmasked.")
class Me:
    id: strawberry.ID
    user: strawberry.Private[am.User]

    @strawberry.field(description="Current real-name level (face verification decays).")
    def real_name_level(self, info: ContextInfo) -> RealNameLevel:
        ttl = timedelta(seconds=info.context.settings.face_verification_ttl_seconds)
        return RealNameLevel(effective_level(self.user, now=datetime.now(UTC), face_ttl=ttl).name)

    @strawberry.field(description="The step that would raise the level, if any.")
    def next_step(self, info: ContextInfo) -> NextStep | None:
        ttl = timedelta(seconds=info.context.settings.face_verification_ttl_seconds)
        level = effective_level(self.user, now=datetime.now(UTC), face_ttl=ttl)
        if level >= am.RealNameLevel.FACE_VERIFIED:
            return None
        return NextStep(NEXT_STEP[am.RealNameLevel(level + 1)])

    @strawberry.field(description="When the face was last verified.")
    def face_verified_at(self) -> datetime | None:
        at = self.user.face_verified_at
        return aware(at) if at else None

    async def _personal(self, info: ContextInfo, field: str, unmasked: bool) -> str | None:
        ctx = info.context
        viewer = ctx.require_viewer()
        async with ctx.db.use() as session:
            accounts = AccountService(session, secret=ctx.settings.secret_key)
            value = getattr(accounts.personal_data(self.user), field)
            if not unmasked or value is None:
                return {"name": mask_name, "phone": mask_phone, "id_number": mask_id_number}[field](
                    value
                )
            if viewer.acting_grant_id is not None:
                raise HaobanError(
                    ErrorCode.PROXY_SCOPE_MISSING, "Only the owner can see the full value."
                )
            await require_level(
                session,
                secret=ctx.settings.secret_key,
                user_id=viewer.user_id,
                required=am.RealNameLevel.FACE_VERIFIED,
                face_ttl=timedelta(seconds=ctx.settings.face_verification_ttl_seconds),
            )
            await ProxyService(session).record(
                actor_id=viewer.user_id,
                subject_id=viewer.user_id,
                action="personal_data.unmasked",
                grant_id=None,
                details={"field": field},
            )
            return str(value)

    @strawberry.field(
        description="Name, masked (张*). `unmasked: true` needs a recent face verification "
        "and is recorded."
    )
    async def name(self, info: ContextInfo, unmasked: bool = False) -> str | None:
        return await self._personal(info, "name", unmasked)

    @strawberry.field(description="Phone, masked (138****5678); see `name` for unmasking.")
    async def phone(self, info: ContextInfo, unmasked: bool = False) -> str | None:
        return await self._personal(info, "phone", unmasked)

    @strawberry.field(
        description="ID number, masked (4101**********1234); see `name` for unmasking."
    )
    async def id_number(self, info: ContextInfo, unmasked: bool = False) -> str | None:
        return await self._personal(info, "id_number", unmasked)

    @strawberry.field(description="Saved presentation preference; it wins over the header.")
    def presentation(self) -> PresentationMode | None:
        return PresentationMode(self.user.presentation) if self.user.presentation else None

    @strawberry.field(description="Signed-in devices, most recently used first.")
    async def sessions(self, info: ContextInfo) -> list[Session]:
        ctx = info.context
        viewer = ctx.require_viewer()
        found = await ctx.state.auth.sessions.list_for_user(viewer.user_id)
        return [
            Session(
                id=strawberry.ID(s.id),
                client=s.client,
                provider=s.provider,
                created_at=datetime.fromtimestamp(s.created_at, UTC),
                last_seen_at=datetime.fromtimestamp(s.last_seen_at, UTC),
                current=s.id == viewer.session_id,
            )
            for s in found
        ]

    @strawberry.field(description="Authorisations the citizen gave or received.")
    async def proxies(self, info: ContextInfo) -> list[ProxyGrant]:
        viewer = info.context.require_viewer()
        async with info.context.db.use() as session:
            rows = await ProxyService(session).grants_of(viewer.user_id)
        others = {r.grantee_id if r.grantor_id == viewer.user_id else r.grantor_id for r in rows}
        names = await _names(info, {o for o in others if o})
        return [_grant(r, viewer.user_id, names) for r in rows]

    @strawberry.field(description="The authorisation this session acts under, if any.")
    async def acting_for(self, info: ContextInfo) -> ProxyGrant | None:
        viewer = info.context.require_viewer()
        if viewer.acting_grant_id is None:
            return None
        async with info.context.db.use() as session:
            grant = await session.get(am.ProxyGrant, viewer.acting_grant_id)
        if grant is None:
            return None
        names = await _names(info, {grant.grantor_id})
        return _grant(grant, viewer.user_id, names)

    @strawberry.field(
        description="What others did for the citizen under an authorisation, and unmasked "
        "views of their personal data, newest first."
    )
    async def activity(self, info: ContextInfo, first: int = 20) -> list[AuditEntry]:
        viewer = info.context.require_viewer()
        first = max(0, min(first, 100))
        async with info.context.db.use() as session:
            rows = await ProxyService(session).records_about(viewer.user_id, limit=first)
        names = await _names(info, {r.actor_id for r in rows})
        return [
            AuditEntry(
                at=aware(r.at),
                action=r.action,
                by_me=r.actor_id == viewer.user_id,
                actor_name=names.get(r.actor_id),
                grant_id=strawberry.ID(r.grant_id) if r.grant_id else None,
            )
            for r in rows
        ]


@strawberry.type(description="A new invitation; give the code to the relative. Shown once.")
class ProxyInvitation:
    grant: ProxyGrant
    code: str
    code_expires_at: datetime


@strawberry.type(description="The session was signed out.")
class SignedOut:
    session_id: strawberry.ID


@strawberry.type(description="Which authorisation this session now acts under (none: yourself).")
class ActingChanged:
    acting_for: ProxyGrant | None


@strawberry.type(description="The saved preference.")
class PresentationSaved:
    mode: PresentationMode


ProxyInvitationResult = Annotated[
    ProxyInvitation | MutationError, strawberry.union("ProxyInvitationResult")
]
ProxyGrantResult = Annotated[ProxyGrant | MutationError, strawberry.union("ProxyGrantResult")]
SignOutResult = Annotated[SignedOut | MutationError, strawberry.union("SignOutResult")]
ActingResult = Annotated[ActingChanged | MutationError, strawberry.union("ActingResult")]
PresentationResult = Annotated[
    PresentationSaved | MutationError, strawberry.union("PresentationResult")
]


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The signed-in citizen (UNAUTHENTICATED when signed out).")
    async def me(self, info: ContextInfo) -> Me:
        ctx = info.context
        viewer = ctx.require_viewer()
        async with ctx.db.use() as session:
            user = await AccountService(session, secret=ctx.settings.secret_key).get(viewer.user_id)
        if user is None:
            raise HaobanError(ErrorCode.UNAUTHENTICATED, "Please sign in first.")
        return Me(id=strawberry.ID(user.id), user=user)


async def _level(info: ContextInfo, required: am.RealNameLevel) -> str:
    ctx = info.context
    viewer = ctx.require_viewer()
    async with ctx.db.use() as session:
        await require_level(
            session,
            secret=ctx.settings.secret_key,
            user_id=viewer.user_id,
            required=required,
            face_ttl=timedelta(seconds=ctx.settings.face_verification_ttl_seconds),
        )
    return viewer.user_id


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Invite a relative to act for you. Requires real-name level ID_VERIFIED.",
        directives=[RequiresLevel(level=RealNameLevel.ID_VERIFIED)],
    )
    async def create_proxy_invitation(
        self,
        info: ContextInfo,
        relation: ProxyRelation,
        scopes: list[ProxyScope],
        valid_days: int = 90,
    ) -> ProxyInvitationResult:
        try:
            user_id = await _level(info, am.RealNameLevel.ID_VERIFIED)
            if info.context.require_viewer().acting_grant_id:
                raise HaobanError(ErrorCode.PROXY_SCOPE_MISSING, "Only the owner can do this.")
            async with info.context.db.use() as session:
                invitation = await ProxyService(session).invite(
                    grantor_id=user_id,
                    relation=relation.value,
                    scopes=[am.ProxyScope(s.value) for s in scopes],
                    valid_days=valid_days,
                )
            grant = invitation.grant
            assert grant.invite_expires_at is not None
            return ProxyInvitation(
                grant=_grant(grant, user_id, {}),
                code=invitation.code,
                code_expires_at=aware(grant.invite_expires_at),
            )
        except HaobanError as exc:
            return _error(info, exc)

    @strawberry.mutation(
        description="Accept a relative's invitation. Requires real-name level ID_VERIFIED.",
        directives=[RequiresLevel(level=RealNameLevel.ID_VERIFIED)],
    )
    async def accept_proxy_invitation(self, info: ContextInfo, code: str) -> ProxyGrantResult:
        try:
            user_id = await _level(info, am.RealNameLevel.ID_VERIFIED)
            async with info.context.db.use() as session:
                grant = await ProxyService(session).accept(grantee_id=user_id, code=code[:64])
            names = await _names(info, {grant.grantor_id})
            return _grant(grant, user_id, names)
        except HaobanError as exc:
            return _error(info, exc)

    @strawberry.mutation(description="Decline a relative's invitation.")
    async def decline_proxy_invitation(self, info: ContextInfo, code: str) -> ProxyGrantResult:
        try:
            viewer = info.context.require_viewer()
            async with info.context.db.use() as session:
                grant = await ProxyService(session).decline(
                    grantee_id=viewer.user_id, code=code[:64]
                )
            return _grant(grant, viewer.user_id, {})
        except HaobanError as exc:
            return _error(info, exc)

    @strawberry.mutation(description="End an authorisation; either side may.")
    async def revoke_proxy(self, info: ContextInfo, grant_id: strawberry.ID) -> ProxyGrantResult:
        try:
            viewer = info.context.require_viewer()
            async with info.context.db.use() as session:
                grant = await ProxyService(session).revoke(
                    user_id=viewer.user_id, grant_id=str(grant_id)[:64]
                )
            return _grant(grant, viewer.user_id, {})
        except HaobanError as exc:
            return _error(info, exc)

    @strawberry.mutation(
        description="Act for the citizen who gave `grantId` (null: act for yourself again). "
        "Everything done meanwhile is recorded for them."
    )
    async def act_for(self, info: ContextInfo, grant_id: strawberry.ID | None) -> ActingResult:
        ctx = info.context
        try:
            viewer = ctx.require_viewer()
            if grant_id is None:
                await ctx.state.auth.sessions.set_acting(viewer.session_id, None)
                return ActingChanged(acting_for=None)
            async with ctx.db.use() as session:
                proxies = ProxyService(session)
                grant = await proxies.usable_grant(
                    grantee_id=viewer.user_id, grant_id=str(grant_id)[:64]
                )
                await proxies.record(
                    actor_id=viewer.user_id,
                    subject_id=grant.grantor_id,
                    action="proxy.acting_started",
                    grant_id=grant.id,
                )
            await ctx.state.auth.sessions.set_acting(viewer.session_id, grant.id)
            names = await _names(info, {grant.grantor_id})
            return ActingChanged(acting_for=_grant(grant, viewer.user_id, names))
        except HaobanError as exc:
            return _error(info, exc)

    @strawberry.mutation(description="Sign one of your devices out.")
    async def sign_out_session(self, info: ContextInfo, session_id: strawberry.ID) -> SignOutResult:
        ctx = info.context
        try:
            viewer = ctx.require_viewer()
            found = await ctx.state.auth.sessions.get(str(session_id)[:64])
            if found is None or found.user_id != viewer.user_id:
                raise HaobanError(ErrorCode.NOT_FOUND, "No such session.")
            await ctx.state.auth.sessions.revoke(found.id)
            return SignedOut(session_id=strawberry.ID(found.id))
        except HaobanError as exc:
            return _error(info, exc)

    @strawberry.mutation(description="Save standard or elder mode; it follows you to every device.")
    async def set_presentation(
        self, info: ContextInfo, mode: PresentationMode
    ) -> PresentationResult:
        ctx = info.context
        try:
            viewer = ctx.require_viewer()
            async with ctx.db.use() as session:
                accounts = AccountService(session, secret=ctx.settings.secret_key)
                user = await accounts.get(viewer.user_id)
                if user is None:
                    raise HaobanError(ErrorCode.UNAUTHENTICATED, "Please sign in first.")
                await accounts.set_presentation(user, mode.value)
            await ctx.state.auth.sessions.set_presentation(viewer.user_id, mode.value)
            return PresentationSaved(mode=mode)
        except HaobanError as exc:
            return _error(info, exc)


__all__ = ["IdentityMutation", "IdentityQuery", "level_too_low"]
