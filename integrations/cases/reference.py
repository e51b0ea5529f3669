"""A local reference case system (办件系统) that behaves like a real one.

It "processes" the cases it is told about and moves each through a realistic lifecycle:
收件 → 受理 → 承办 → 审核 → 审批 → 办结 → 送达, with 补正 and 特别程序 pauses, 不予受理 and
不予许可 along the way for some. A 一件事 case is split into one sub-case per department, all
moving in parallel. It is the embedded default (tests, `make run`): `advance()` gives the events
that happened "since last time", to push as webhooks, and it serves the same events to pollers
(`fetch_events`, or over HTTP with `create_reference_app`).

Everything is drawn from one seeded `random.Random` when a case is tracked, so a seed and the
order of `track` calls fix every outcome, remark and event id.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, Literal, get_args

from fastapi import FastAPI, Header, HTTPException, Query

from integrations.cases.models import FINAL, CaseEventIn, CaseStatus
from integrations.cases.port import (
    MAX_LIMIT,
    CaseSourceError,
    EventPage,
    check_limit,
    parse_events,
)

Outcome = Literal["approved", "denied", "not_accepted", "supplement", "special"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
# How often each outcome comes up when none is asked for (percent).
_OUTCOME_WEIGHTS: dict[Outcome, int] = {
    "approved": 70,
    "supplement": 12,
    "special": 6,
    "not_accepted": 6,
    "denied": 6,
}
CHINA = timezone(timedelta(hours=8), "CST")
"""Case systems in China stamp events in Beijing time."""

_PROMISED_DAYS = (1, 3, 5, 7, 10, 15, 20)
_RECEIVED = ("窗口已收件", "网上申请已提交，窗口已收件", "自助终端已收件", "综合窗口已收件")
_NOT_ACCEPTED = (
    "申请事项不属于本机关职权范围，请向属地市场监管部门申请",
    "申请人不具备申请资格",
    "申请材料不符合法定形式，且未在规定期限内补正",
)
_MATERIALS = (
    "户口簿复印件",
    "近期一寸免冠照片",
    "房屋租赁合同",
    "营业执照副本复印件",
    "法定代表人身份证明",
    "房屋产权证明",
    "出生医学证明",
    "委托书原件",
)
_SPECIAL = ("现场核查", "专家评审", "听证", "技术鉴定")
_HANDLING = ("承办人审核中", "已分派承办人办理", "承办人初审中")
_REVIEW = ("科室负责人审核中", "承办科室复核中")
_APPROVAL = ("科长审批中", "分管领导审批中")
_APPROVED = ("准予许可", "审批通过，准予许可", "准予许可，正在制证")
_DENIED = (
    "经现场核查，经营场所不符合条件",
    "申请人提交的材料不能证明符合法定条件",
    "不符合相关规划要求",
)
_CURSOR = re.compile(r"ref\.([0-9]{1,12})")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Step:
    status: CaseStatus
    remark: str
    gap: timedelta
    """How long after the sub-case's previous event this one happens (capped at "now")."""
    step: str | None = None
    missing_materials: tuple[str, ...] = ()


@dataclass(slots=True)
class _SubCase:
    department_code: str | None
    outcome: Outcome
    steps: list[_Step]
    position: int = 0
    last_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.position >= len(self.steps)


@dataclass
class TrackedCase:
    case_number: str
    department_codes: list[str]
    promised_days: int
    started_at: datetime
    script: list[_SubCase] = field(repr=False)
    """One sub-case per department (one without a department for an ordinary case)."""
    last_at: datetime | None = None

    @property
    def final(self) -> bool:
        return all(sub.done for sub in self.script)

    @property
    def outcomes(self) -> dict[str | None, Outcome]:
        return {sub.department_code: sub.outcome for sub in self.script}


class ReferenceCaseSystem:
    """A case system in a box; also a `CaseSource` over everything it has produced so far."""

    def __init__(self, *, seed: int = 0, clock: Callable[[], datetime] = _utcnow) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._clock = clock
        self._cases: dict[str, TrackedCase] = {}
        self._log: list[Any] = []

    # -- the case system's side -----------------------------------------------------------

    def track(
        self,
        case_number: str,
        *,
        department_codes: Sequence[str] = (),
        outcome: str | None = None,
    ) -> None:
        """Start processing a case. Tracking a case again does nothing.

        `outcome` fixes where the case (every sub-case of a 一件事 case) ends up; None draws it
        from the seed, independently per sub-case.
        """
        if not 1 <= len(case_number) <= 40:
            raise ValueError("case_number must have 1 to 40 characters")
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        codes = list(dict.fromkeys(department_codes))
        if any(not 1 <= len(code) <= 64 for code in codes):
            raise ValueError("department codes must have 1 to 64 characters")
        if case_number in self._cases:
            return
        rng = self._rng
        promised_days = rng.choice(_PROMISED_DAYS)
        targets: list[str | None] = [*codes] or [None]
        script = [
            _SubCase(
                department_code=code,
                outcome=chosen,
                steps=_script(rng, chosen, promised_days=promised_days, bundle=bool(codes)),
            )
            for code in targets
            for chosen in [_pick_outcome(rng, outcome)]
        ]
        self._cases[case_number] = TrackedCase(
            case_number=case_number,
            department_codes=codes,
            promised_days=promised_days,
            started_at=self._now(),
            script=script,
        )

    def advance(self, *, steps: int = 1) -> list[CaseEventIn]:
        """What happened since last time: the next `steps` events of every case that is not
        final (of every unfinished sub-case, for a 一件事 case), in the order they happened
        within each case. Each event is also kept for `fetch_events`."""
        if steps < 1:
            raise ValueError("steps must be at least 1")
        now = self._now()
        produced: list[CaseEventIn] = []
        for case in self._cases.values():
            for _ in range(steps):
                if case.final:
                    break
                produced.extend(self._emit(case, sub, now) for sub in case.script if not sub.done)
        self._log.extend(event.model_dump(mode="json") for event in produced)
        return produced

    def pending(self) -> list[str]:
        """Case numbers still in progress, in the order they were tracked."""
        return [number for number, case in self._cases.items() if not case.final]

    def case(self, case_number: str) -> TrackedCase:
        return self._cases[case_number]

    def inject_raw(self, record: Mapping[str, Any]) -> None:
        """Put a raw record in the feed as is, e.g. a malformed one that real systems send."""
        self._log.append(dict(record))

    # -- the polling contract --------------------------------------------------------------

    def records_after(self, *, since: str | None, limit: int) -> tuple[list[Any], str, bool]:
        """Raw records after a cursor: what the HTTP reference app serves."""
        check_limit(limit)
        start = 0
        if since is not None:
            match = _CURSOR.fullmatch(since)
            if match is None or int(match.group(1)) > len(self._log):
                raise CaseSourceError("unknown cursor", retryable=False)
            start = int(match.group(1))
        end = min(start + limit, len(self._log))
        return self._log[start:end], f"ref.{end}", end < len(self._log)

    async def fetch_events(self, *, since: str | None, limit: int = 200) -> EventPage:
        records, cursor, has_more = self.records_after(since=since, limit=limit)
        events, rejected = parse_events(records)
        return EventPage(events=events, cursor=cursor, has_more=has_more, rejected=rejected)

    async def aclose(self) -> None:
        return None

    # -- internals -------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        now = now.astimezone(CHINA)
        # Whole seconds, like real case systems; rounded up so an event is never stamped
        # before the moment the case was handed over.
        if now.microsecond:
            now = now.replace(microsecond=0) + timedelta(seconds=1)
        return now

    def _emit(self, case: TrackedCase, sub: _SubCase, now: datetime) -> CaseEventIn:
        step = sub.steps[sub.position]
        index = sub.position
        sub.position += 1
        at = min((sub.last_at or case.started_at) + step.gap, now)
        if case.last_at is not None and at <= case.last_at:
            at = case.last_at + timedelta(seconds=1)
        sub.last_at = case.last_at = at
        key = f"{self._seed}|{case.case_number}|{sub.department_code or ''}|{index}"
        return CaseEventIn(
            event_id="ref-" + hashlib.sha256(key.encode()).hexdigest()[:32],
            case_number=case.case_number,
            department_code=sub.department_code,
            status=step.status,
            step=step.step,
            occurred_at=at,
            remark=step.remark,
            missing_materials=list(step.missing_materials),
        )


def _pick_outcome(rng: random.Random, outcome: str | None) -> Outcome:
    for known in OUTCOMES:
        if outcome == known:
            return known
    return rng.choices(list(_OUTCOME_WEIGHTS), weights=list(_OUTCOME_WEIGHTS.values()))[0]


def _script(
    rng: random.Random, outcome: Outcome, *, promised_days: int, bundle: bool
) -> list[_Step]:
    """The events one (sub-)case will go through, with realistic gaps between them."""

    def hours(low: float, high: float) -> timedelta:
        return timedelta(minutes=rng.randint(int(low * 60), int(high * 60)))

    def ems() -> str:
        return f"EMS 11{rng.randrange(10**11):011d}"

    S = CaseStatus
    received = "综合窗口已收件，已分送本部门" if bundle else rng.choice(_RECEIVED)
    steps = [_Step(S.SUBMITTED, received, hours(0, 0.05) if bundle else timedelta(0))]
    if outcome == "not_accepted":
        reason = rng.choice(_NOT_ACCEPTED)
        steps.append(_Step(S.NOT_ACCEPTED, f"不予受理：{reason}", hours(0.5, 24)))
        return steps
    steps += [
        _Step(S.ACCEPTED, f"材料齐全，予以受理，承诺{promised_days}个工作日内办结", hours(0.2, 4)),
        _Step(S.PROCESSING, rng.choice(_HANDLING), hours(1, 24), step="承办"),
    ]
    if outcome == "supplement":
        missing = tuple(rng.sample(_MATERIALS, k=rng.randint(1, 2)))
        steps += [
            _Step(S.SUPPLEMENT, f"请补充：{'、'.join(missing)}", hours(2, 24), None, missing),
            _Step(S.PROCESSING, "已收到补正材料，继续办理", hours(24, 120), step="承办"),
        ]
    steps.append(_Step(S.PROCESSING, rng.choice(_REVIEW), hours(2, 48), step="审核"))
    if outcome == "special":
        kind = rng.choice(_SPECIAL)
        steps += [
            _Step(
                S.SPECIAL_PROCEDURE, f"进入特别程序：{kind}，所需时间不计入承诺时限", hours(1, 24)
            ),
            _Step(S.PROCESSING, f"{kind}结束，恢复办理", hours(72, 240), step="审核"),
        ]
    steps.append(_Step(S.PROCESSING, rng.choice(_APPROVAL), hours(2, 48), step="审批"))
    if outcome == "denied":
        steps += [
            _Step(S.DENIED, f"不予许可：{rng.choice(_DENIED)}", hours(1, 24)),
            _Step(S.DELIVERED, f"不予许可决定书已寄出 {ems()}", hours(4, 72)),
        ]
    else:
        delivered = rng.choice(
            (f"证照已寄出 {ems()}", "证照已在窗口领取", "电子证照已签发，可在卡包中查看")
        )
        steps += [
            _Step(S.APPROVED, rng.choice(_APPROVED), hours(1, 24)),
            _Step(S.DELIVERED, delivered, hours(4, 72)),
        ]
    assert steps[-1].status in FINAL
    return steps


def shuffle_for_delivery(events: Sequence[CaseEventIn], *, seed: int) -> list[CaseEventIn]:
    """The same events in another order, as webhooks retried in parallel arrive."""
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    return shuffled


def duplicate_some(
    events: Sequence[CaseEventIn], *, seed: int, rate: float = 0.2
) -> list[CaseEventIn]:
    """The events with about `rate` of them delivered a second time, at a random later place
    (at-least-once delivery)."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError("rate must be between 0 and 1")
    rng = random.Random(seed)
    # Originals keep their order at (i, 0); a copy goes right after some original j ≥ i.
    keyed = [((index, 0), event) for index, event in enumerate(events)]
    for index, event in enumerate(events):
        if rng.random() < rate:
            keyed.append(((rng.randint(index, len(events) - 1), 1), event))
    return [event for _, event in sorted(keyed, key=lambda pair: pair[0])]


def create_reference_app(system: ReferenceCaseSystem, *, token: str | None = None) -> FastAPI:
    """The polling endpoint of the HTTP contract, served from `system` (contract tests use
    it through httpx's ASGI transport)."""
    app = FastAPI(title="Reference case system")

    @app.get("/cases/events")
    async def case_events(
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 200,
        since: str | None = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        if token is not None and not hmac.compare_digest(
            (authorization or "").encode(), f"Bearer {token}".encode()
        ):
            raise HTTPException(401, "bad token")
        try:
            records, cursor, has_more = system.records_after(since=since, limit=limit)
        except CaseSourceError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"events": records, "cursor": cursor, "has_more": has_more}

    return app
