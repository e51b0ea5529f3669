"""200 people try for the last 10 places of one slot at once, through two BFF processes on
PostgreSQL: exactly 10 get in, everyone else hears "slot full", nothing is lost.
Needs PostgreSQL and Redis (HAOBAN_TEST_DATABASE_URL, HAOBAN_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from auth.models import RealNameLevel, User
from bff.appointments.models import Appointment, Slot
from bff.appointments.service import CHINA, item_category
from bff.catalogue.models import ServiceItem, item_halls
from tests.auth.test_shared_sessions import instances  # noqa: F401  (the two processes)
from tests.conftest import PG_URL, REDIS_URL

pytestmark = pytest.mark.skipif(
    not (PG_URL and REDIS_URL), reason="two processes need PostgreSQL and Redis to share"
)

BOOK = """mutation($slot: ID!, $item: String!, $key: String!) {
  bookAppointment(slotId: $slot, itemCode: $item, idempotencyKey: $key) {
    __typename ... on Appointment { id } ... on MutationError { code } } }"""


async def test_two_hundred_attempts_for_ten_places_across_two_processes(
    instances: Any,  # noqa: F811
    app: Any,
) -> None:
    state = app.state.haoban
    async with state.sessionmaker() as session:
        item = await session.scalar(select(ServiceItem).where(ServiceItem.name == "住房公积金提取"))
        assert item is not None
        hall_id = await session.scalar(
            select(item_halls.c.hall_id).where(item_halls.c.item_id == item.id)
        )
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=30)
        slot = Slot(
            hall_id=hall_id,
            category=item_category(item),
            day=starts.astimezone(CHINA).date(),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=10,
            booked=0,
        )
        session.add(slot)
        users = [
            User(id=str(uuid.uuid4()), real_name_level=RealNameLevel.ID_VERIFIED)
            for _ in range(200)
        ]
        session.add_all(users)
        await session.commit()
        slot_id, item_code = slot.id, item.task_code
    tokens = [
        (await state.auth.tokens.sign_in(user_id=u.id, client="test", provider="test")).access_token
        for u in users
    ]

    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def attempt(n: int) -> str:
            base = instances[n % 2].base_url
            response = await client.post(
                base + "/graphql",
                json={
                    "query": BOOK,
                    "variables": {"slot": str(slot_id), "item": item_code, "key": uuid.uuid4().hex},
                },
                headers={"Authorization": f"Bearer {tokens[n]}"},
            )
            assert response.status_code == 200, response.text
            result = response.json()["data"]["bookAppointment"]
            return "booked" if result["__typename"] == "Appointment" else result["code"]

        outcomes = await asyncio.gather(*(attempt(n) for n in range(200)))

    assert outcomes.count("booked") == 10
    assert outcomes.count("SLOT_FULL") == 190
    async with state.sessionmaker() as session:
        booked = await session.scalar(select(Slot.booked).where(Slot.id == slot_id))
        rows = await session.scalar(
            select(func.count(Appointment.id)).where(Appointment.slot_id == slot_id)
        )
    assert booked == 10 and rows == 10
