"""Demo cases for the demo citizen, in every state a citizen meets (made-up applications)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bff.calendar.calendar import WorkingCalendar
from bff.cases.models import Case
from bff.cases.service import CaseService
from bff.catalogue.models import Bundle, Department, ServiceItem, bundle_items
from integrations.cases.models import CaseEventIn, CaseStatus

# Fixed so the documented operations have working examples: ZZDEMO000002 is the 不动产转移登记
# case in review, ZZDEMO000007 a delivered 失业保险金申领 case waiting to be rated.
DEMO_QUERY_CODE = "246810"


def _event(number: str, n: int, status: CaseStatus, at: datetime, **extra: object) -> CaseEventIn:
    return CaseEventIn.model_validate(
        {
            "event_id": f"demo:{number}:{n}",
            "case_number": number,
            "status": status,
            "occurred_at": at,
            **extra,
        }
    )


async def _item(session: AsyncSession, name: str) -> ServiceItem | None:
    return await session.scalar(
        select(ServiceItem).where(ServiceItem.name.startswith(name)).order_by(ServiceItem.id)
    )


async def ensure_demo_cases(
    session: AsyncSession, *, calendar: WorkingCalendar, secret: str, now: datetime | None = None
) -> int:
    """Opens the demo cases once; returns how many it opened."""
    if await session.scalar(select(Case.id).where(Case.demo.is_(True)).limit(1)):
        return 0
    now = now or datetime.now(UTC)
    service = CaseService(session, calendar=calendar, secret=secret)
    day = timedelta(days=1)

    numbers = iter(f"ZZDEMO{n:06d}" for n in range(1, 100))

    async def open_item(name: str, ago: timedelta, channel: str = "mobile") -> Case | None:
        item = await _item(session, name)
        if item is None:
            return None
        case, _code = await service.open_case(
            applicant_id="demo",
            item=item,
            channel=channel,
            now=now - ago,
            demo=True,
            case_number=next(numbers),
            query_code=DEMO_QUERY_CODE,
        )
        return case

    events: list[CaseEventIn] = []
    # Concluded and delivered a few days ago: ready to be rated (好差评).
    if case := await open_item("住房公积金提取", 6 * day):
        t, n = now - 6 * day, case.case_number
        events += [
            _event(
                n, 1, CaseStatus.ACCEPTED, t + timedelta(minutes=5), remark="材料齐全，予以受理"
            ),
            _event(
                n,
                2,
                CaseStatus.APPROVED,
                t + timedelta(hours=2),
                remark="准予提取，资金已转入本人银行卡",
            ),
            _event(
                n, 3, CaseStatus.DELIVERED, t + timedelta(hours=3), remark="办结，结果已短信告知"
            ),
        ]
    # In review now.
    if case := await open_item("不动产转移登记", 3 * day, channel="window"):
        t, n = now - 3 * day, case.case_number
        events += [
            _event(
                n, 1, CaseStatus.ACCEPTED, t + timedelta(hours=1), remark="窗口已收件，材料齐全"
            ),
            _event(
                n,
                2,
                CaseStatus.PROCESSING,
                t + timedelta(hours=20),
                step="承办",
                remark="承办人核查中",
            ),
            _event(n, 3, CaseStatus.PROCESSING, t + 2 * day, step="审核", remark="登簿审核中"),
        ]
    # Waiting for the citizen to add a material (the clock is paused).
    if case := await open_item("机动车驾驶证换证", 2 * day):
        t, n = now - 2 * day, case.case_number
        events += [
            _event(n, 1, CaseStatus.ACCEPTED, t + timedelta(hours=1), remark="已受理"),
            _event(
                n,
                2,
                CaseStatus.SUPPLEMENT,
                t + timedelta(hours=5),
                remark="体检证明已过期，请补充",
                missing_materials=["机动车驾驶人身体条件证明"],
            ),
        ]
    # A long time limit: the deadline runs into next year, before its holiday schedule is out.
    if case := await open_item("公共租赁住房申请资格审核认定", 1 * day, channel="window"):
        events += [
            _event(
                case.case_number,
                1,
                CaseStatus.ACCEPTED,
                now - day + timedelta(hours=2),
                remark="已受理，待评定",
            )
        ]
    # Just submitted: the reference case system moves these on while you watch.
    for name in ("个体工商户设立登记", "社会保障卡申领"):
        await open_item(name, timedelta(minutes=30))
    # Another concluded one, to rate.
    if case := await open_item("失业保险金申领", 9 * day):
        t, n = now - 9 * day, case.case_number
        events += [
            _event(n, 1, CaseStatus.ACCEPTED, t + timedelta(hours=1), remark="已受理"),
            _event(n, 2, CaseStatus.APPROVED, t + 2 * day, remark="核定失业保险金，按月发放"),
            _event(n, 3, CaseStatus.DELIVERED, t + 2 * day + timedelta(hours=1), remark="已办结"),
        ]
    # 新生儿出生一件事: several departments in parallel.
    bundle = await session.scalar(select(Bundle).where(Bundle.code == "bundle-newborn"))
    if bundle is not None:
        members = list(
            await session.scalars(
                select(ServiceItem)
                .join(bundle_items, bundle_items.c.item_id == ServiceItem.id)
                .where(bundle_items.c.bundle_id == bundle.id)
                .order_by(bundle_items.c.position)
            )
        )
        case, _code = await service.open_case(
            applicant_id="demo",
            bundle=bundle,
            bundle_items=members,
            channel="mobile",
            now=now - 2 * day,
            demo=True,
            case_number=next(numbers),
            query_code=DEMO_QUERY_CODE,
        )
        codes = {
            d.id: d.code
            for d in await session.scalars(
                select(Department).where(Department.id.in_({m.department_id for m in members}))
            )
        }
        t, n = now - 2 * day, case.case_number
        for k, member in enumerate(m for m in members if m.department_id in codes):
            code = codes.pop(member.department_id)
            events.append(
                _event(
                    n,
                    10 * k + 1,
                    CaseStatus.ACCEPTED,
                    t + timedelta(hours=1),
                    department_code=code,
                    remark="联办受理",
                )
            )
            if k % 2 == 0:
                events.append(
                    _event(
                        n,
                        10 * k + 2,
                        CaseStatus.APPROVED,
                        t + day,
                        department_code=code,
                        remark="本部门已办结",
                    )
                )
            else:
                events.append(
                    _event(
                        n,
                        10 * k + 2,
                        CaseStatus.PROCESSING,
                        t + day,
                        department_code=code,
                        step="审核",
                        remark="审核中",
                    )
                )
    await session.flush()
    await service.apply(events)
    return len(list(await session.scalars(select(Case.id).where(Case.demo.is_(True)))))
