"""A demo application for the documented operations and GraphiQL: the demo citizen's 住房公积金
缴存证明 by face, consent given, waiting for the face check (made-up data, marked demo)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bff.catalogue.models import ServiceItem
from bff.flows.consent import CONSENT_VERSION
from bff.flows.models import FaceConsent, Flow, FlowStatus
from bff.flows.plan import CatalogueMaterial, plan_materials
from bff.flows.service import material_row

DEMO_FLOW_ID = "00000000-0000-4000-8000-00000000f10a"
DEMO_FLOW_ITEM = "住房公积金缴存证明"


async def ensure_demo_flow(session: AsyncSession, *, user_id: str = "demo") -> bool:
    if await session.get(Flow, DEMO_FLOW_ID) is not None:
        return False
    item = await session.scalar(
        select(ServiceItem)
        .where(ServiceItem.name == DEMO_FLOW_ITEM)
        .options(selectinload(ServiceItem.materials))
    )
    if item is None:
        return False
    now = datetime.now(UTC)
    consent_id = str(uuid.uuid4())
    flow = Flow(
        id=DEMO_FLOW_ID,
        user_id=user_id,
        started_by_id=user_id,
        item_id=item.id,
        target_code=item.task_code,
        title=item.name,
        status=FlowStatus.FACE,
        consent_id=consent_id,
        commitments=[],
        instant=False,
        created_at=now,
        updated_at=now,
        # Demo data: kept open for a year so the documented operations keep working.
        expires_at=now + timedelta(days=365),
    )
    session.add(flow)
    await session.flush()
    session.add(
        FaceConsent(
            id=consent_id,
            user_id=user_id,
            given_by_id=user_id,
            flow_id=flow.id,
            text_version=CONSENT_VERSION,
            text_sha256=hashlib.sha256(b"demo").hexdigest(),
            given_at=now,
        )
    )
    planned = plan_materials(
        [[CatalogueMaterial(m.name, m.required, m.source, m.licence_type) for m in item.materials]],
        bundle=False,
        acting=False,
    )
    for position, m in enumerate(planned):
        session.add(material_row(flow.id, position, m))
    await session.flush()
    return True
