"""Booking weekend-hall appointments over GraphQL, as a citizen (and a relative) would."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bff.appointments.models import Appointment, AppointmentStatus, Slot
from bff.appointments.service import CHINA, item_category
from bff.catalogue.models import ServiceItem
from tests.conftest import GraphQLClient

FUND = "住房公积金提取"
BOOK = """mutation($slot: ID!, $item: String!, $key: String!) {
  bookAppointment(slotId: $slot, itemCode: $item, idempotencyKey: $key) {
    __typename
    ... on Appointment { id code status spokenTime summary qrPayload voucherUrl hall { name } }
    ... on MutationError { code message }
  } }"""
SLOTS = """query($item: String!, $weekend: Boolean) { availableSlots(itemCode: $item, near: {lat: 34.75, lng: 113.63}, weekendOnly: $weekend, first: 100) {
  slotId startsAt spoken remaining category hall { code name distanceMeters } } }"""


async def _user(app: Any, name: str = "周慧") -> tuple[str, dict[str, str]]:
    from auth.accounts import AccountService, VerifiedClaims
    from auth.models import RealNameLevel

    state = app.state.haoban
    async with state.sessionmaker() as session:
        user = await AccountService(session, secret=state.settings.secret_key).sign_in_with(
            provider="test",
            subject=uuid.uuid4().hex,
            level=RealNameLevel.ID_VERIFIED,
            claims=VerifiedClaims(name=name),
        )
        await session.commit()
    pair = await state.auth.tokens.sign_in(user_id=user.id, client="test", provider="test")
    return user.id, {"Authorization": f"Bearer {pair.access_token}"}


async def _item(app: Any, name: str = FUND) -> ServiceItem:
    async with app.state.haoban.sessionmaker() as session:
        item = await session.scalar(select(ServiceItem).where(ServiceItem.name == name))
    assert item is not None
    return item


async def _slot_soon(app: Any, *, minutes: int, capacity: int = 5, item_name: str = FUND) -> int:
    """A slot starting in `minutes` at a hall that handles the item (made for the test)."""
    from bff.catalogue.models import item_halls

    item = await _item(app, item_name)
    async with app.state.haoban.sessionmaker() as session:
        hall_id = await session.scalar(
            select(item_halls.c.hall_id).where(item_halls.c.item_id == item.id)
        )
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(
            minutes=minutes, seconds=uuid.uuid4().int % 600
        )
        slot = Slot(
            hall_id=hall_id,
            category=item_category(item),
            day=starts.astimezone(CHINA).date(),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=capacity,
            booked=0,
        )
        session.add(slot)
        await session.commit()
        return slot.id


async def test_a_citizen_finds_a_saturday_slot_nearby_books_cancels_and_rebooks(
    gql: GraphQLClient, app: Any
) -> None:
    _, headers = await _user(app)
    item = await _item(app)
    slots = (await gql(SLOTS, {"item": item.task_code, "weekend": True}, headers=headers))["data"][
        "availableSlots"
    ]
    assert slots, "the 公积金 weekend halls take appointments"
    assert all(s["category"] == "公积金" for s in slots)
    assert all(
        datetime.fromisoformat(s["startsAt"]).astimezone(CHINA).isoweekday() >= 6 for s in slots
    )
    distances = [s["hall"]["distanceMeters"] for s in slots]
    assert distances == sorted(distances), "nearest hall first"
    later = datetime.now(UTC) + timedelta(hours=3)
    first = next(s for s in slots if datetime.fromisoformat(s["startsAt"]) > later)

    booked = (
        await gql(
            BOOK,
            {"slot": first["slotId"], "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    assert booked["__typename"] == "Appointment" and booked["status"] == "booked"
    assert "星期六" in booked["spokenTime"] or "星期日" in booked["spokenTime"]
    assert booked["hall"]["name"] in booked["summary"] and booked["qrPayload"]
    twice = (
        await gql(
            BOOK,
            {"slot": first["slotId"], "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    assert twice["code"] == "ALREADY_BOOKED"

    cancel = "mutation($id: ID!) { cancelAppointment(appointmentId: $id) { __typename ... on Appointment { status qrPayload } } }"
    cancelled = (await gql(cancel, {"id": booked["id"]}, headers=headers))["data"][
        "cancelAppointment"
    ]
    assert cancelled == {"__typename": "Appointment", "status": "cancelled", "qrPayload": None}
    again = (
        await gql(
            BOOK,
            {"slot": first["slotId"], "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    assert again["__typename"] == "Appointment"
    mine = (await gql("{ myAppointments { id status } }", headers=headers))["data"][
        "myAppointments"
    ]
    assert [a["id"] for a in mine] == [again["id"]]


async def test_a_retry_with_the_same_key_returns_the_same_booking(
    gql: GraphQLClient, app: Any
) -> None:
    _, headers = await _user(app)
    item = await _item(app)
    slot = await _slot_soon(app, minutes=600)
    key = uuid.uuid4().hex
    variables = {"slot": str(slot), "item": item.task_code, "key": key}
    answers = await asyncio.gather(*(gql(BOOK, variables, headers=headers) for _ in range(5)))
    ids = {a["data"]["bookAppointment"].get("id") for a in answers}
    assert len(ids) == 1 and None not in ids
    async with app.state.haoban.sessionmaker() as session:
        assert (await session.get(Slot, slot)).booked == 1  # type: ignore[union-attr]


async def test_cancelling_closes_two_hours_before(gql: GraphQLClient, app: Any) -> None:
    _, headers = await _user(app)
    item = await _item(app)
    slot = await _slot_soon(app, minutes=60)
    booked = (
        await gql(
            BOOK,
            {"slot": str(slot), "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    cancel = "mutation($id: ID!) { cancelAppointment(appointmentId: $id) { __typename ... on MutationError { code message } } }"
    refused = (await gql(cancel, {"id": booked["id"]}, headers=headers))["data"][
        "cancelAppointment"
    ]
    assert refused["code"] == "CUTOFF_PASSED" and "2" in refused["message"]


async def test_two_missed_appointments_in_thirty_days_suspend_booking(
    gql: GraphQLClient, app: Any
) -> None:
    user_id, headers = await _user(app)
    item = await _item(app)
    state = app.state.haoban
    async with state.sessionmaker() as session:
        for days_ago in (3, 10):
            slot_id = await _slot_soon(app, minutes=-60 * 24 * days_ago, item_name=FUND)
            slot = await session.get(Slot, slot_id)
            assert slot is not None
            session.add(
                Appointment(
                    id=str(uuid.uuid4()),
                    code=uuid.uuid4().hex[:8].upper(),
                    user_id=user_id,
                    booked_by_id=user_id,
                    slot_id=slot.id,
                    hall_id=slot.hall_id,
                    item_id=item.id,
                    category=slot.category,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    status=AppointmentStatus.NO_SHOW,
                    version=1,
                    idempotency_key=uuid.uuid4().hex,
                    details={},
                )
            )
        await session.commit()
    status = (await gql("{ myBookingStatus { suspendedUntil noShows reason } }", headers=headers))[
        "data"
    ]["myBookingStatus"]
    assert status["suspendedUntil"] and status["noShows"] == 2 and "2" in status["reason"]
    slot = await _slot_soon(app, minutes=600)
    refused = (
        await gql(
            BOOK,
            {"slot": str(slot), "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    assert refused["code"] == "SUSPENDED" and status["suspendedUntil"] in refused["message"]


async def test_a_relative_books_for_the_person_they_act_for(gql: GraphQLClient, app: Any) -> None:
    from auth.demo import DEMO_GRANT_ID

    pair = await app.state.haoban.auth.tokens.sign_in(
        user_id="demo-relative", client="test", provider="test"
    )
    headers = {"Authorization": f"Bearer {pair.access_token}"}
    await gql(
        "mutation($g: ID) { actFor(grantId: $g) { __typename } }",
        {"g": DEMO_GRANT_ID},
        headers=headers,
    )
    item = await _item(app, "不动产转移登记")
    slot = await _slot_soon(app, minutes=900, item_name="不动产转移登记")
    booked = (
        await gql(
            BOOK,
            {"slot": str(slot), "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    await gql("mutation { actFor(grantId: null) { __typename } }", headers=headers)
    assert booked["__typename"] == "Appointment"
    async with app.state.haoban.sessionmaker() as session:
        row = await session.get(Appointment, booked["id"])
    assert row is not None and row.user_id == "demo" and row.booked_by_id == "demo-relative"
    demo = await app.state.haoban.auth.tokens.sign_in(
        user_id="demo", client="test", provider="test"
    )
    activity = (
        await gql(
            "{ me { activity { action actorName } } }",
            headers={"Authorization": f"Bearer {demo.access_token}"},
        )
    )["data"]["me"]["activity"]
    assert {"action": "appointment.booked", "actorName": "李*"} in activity


async def test_check_in_with_the_qr_gives_a_queue_number_once(gql: GraphQLClient, app: Any) -> None:
    _, headers = await _user(app)
    item = await _item(app)
    slot = await _slot_soon(app, minutes=10)
    booked = (
        await gql(
            BOOK,
            {"slot": str(slot), "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    check_in = "mutation($qr: String!) { checkIn(qrPayload: $qr) { __typename ... on Appointment { status queueNumber } ... on MutationError { code } } }"
    forged = booked["qrPayload"][:-3] + (
        "AAA" if not booked["qrPayload"].endswith("AAA") else "BBB"
    )
    assert (await gql(check_in, {"qr": forged}))["data"]["checkIn"]["code"] == "INVALID_QR"
    done = (
        await gql(check_in.replace("{ code }", "{ code message }"), {"qr": booked["qrPayload"]})
    )["data"]["checkIn"]
    assert done["__typename"] == "Appointment", done
    assert done["status"] == "checked_in" and done["queueNumber"]
    reused = (await gql(check_in, {"qr": booked["qrPayload"]}))["data"]["checkIn"]
    assert reused["code"] == "INVALID_QR"


async def test_a_rescheduled_booking_voids_the_old_qr(gql: GraphQLClient, app: Any) -> None:
    _, headers = await _user(app)
    item = await _item(app)
    first, second = await _slot_soon(app, minutes=200), await _slot_soon(app, minutes=600)
    booked = (
        await gql(
            BOOK,
            {"slot": str(first), "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    move = "mutation($id: ID!, $slot: ID!) { rescheduleAppointment(appointmentId: $id, slotId: $slot) { __typename ... on Appointment { qrPayload } ... on MutationError { code message } } }"
    moved = (await gql(move, {"id": booked["id"], "slot": str(second)}, headers=headers))["data"][
        "rescheduleAppointment"
    ]
    assert moved["__typename"] == "Appointment", moved
    assert moved["qrPayload"] != booked["qrPayload"]
    check_in = "mutation($qr: String!) { checkIn(qrPayload: $qr) { __typename ... on MutationError { code } } }"
    assert (await gql(check_in, {"qr": booked["qrPayload"]}))["data"]["checkIn"][
        "code"
    ] == "INVALID_QR"
    async with app.state.haoban.sessionmaker() as session:
        old, new = await session.get(Slot, first), await session.get(Slot, second)
    assert old is not None and new is not None and (old.booked, new.booked) == (0, 1)


async def test_the_voucher_is_an_image_for_its_owner_only(
    client: Any, gql: GraphQLClient, app: Any
) -> None:
    _, headers = await _user(app)
    _, other = await _user(app)
    item = await _item(app)
    slot = await _slot_soon(app, minutes=700)
    booked = (
        await gql(
            BOOK,
            {"slot": str(slot), "item": item.task_code, "key": uuid.uuid4().hex},
            headers=headers,
        )
    )["data"]["bookAppointment"]
    png = await client.get(booked["voucherUrl"], headers=headers)
    assert (
        png.status_code == 200
        and png.headers["content-type"] == "image/png"
        and png.content[:4] == b"\x89PNG"
    )
    elder = await client.get(
        booked["voucherUrl"].replace("mode=standard", "mode=elder"), headers=headers
    )
    assert elder.status_code == 200 and elder.content != png.content
    assert (await client.get(booked["voucherUrl"], headers=other)).status_code == 404
    assert (await client.get(booked["voucherUrl"])).status_code == 401


@pytest.mark.parametrize("weekend", [True])
async def test_an_item_not_served_at_weekends_has_no_weekend_slots(
    gql: GraphQLClient, app: Any, weekend: bool
) -> None:
    _, headers = await _user(app)
    item = await _item(app, "个体工商户设立登记")
    slots = (await gql(SLOTS, {"item": item.task_code, "weekend": weekend}, headers=headers))[
        "data"
    ]["availableSlots"]
    assert slots == []
