"""The reference case system moves cases through realistic lifecycles, deterministically."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from integrations.cases.models import FINAL, PAUSING, CaseEventIn, CaseStatus
from integrations.cases.reference import (
    OUTCOMES,
    ReferenceCaseSystem,
    duplicate_some,
    shuffle_for_delivery,
)

S = CaseStatus
START = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)


def ticking(step: timedelta = timedelta(hours=5)) -> Callable[[], datetime]:
    now = [START]

    def clock() -> datetime:
        now[0] += step
        return now[0]

    return clock


def run_to_the_end(system: ReferenceCaseSystem, limit: int = 50) -> list[CaseEventIn]:
    events: list[CaseEventIn] = []
    for _ in range(limit):
        if not system.pending():
            return events
        events += system.advance()
    raise AssertionError(f"still pending after {limit} advances: {system.pending()}")


def by_sub_case(events: list[CaseEventIn]) -> dict[tuple[str, str | None], list[CaseEventIn]]:
    grouped: dict[tuple[str, str | None], list[CaseEventIn]] = defaultdict(list)
    for event in events:
        grouped[event.case_number, event.department_code].append(event)
    return grouped


def many(seed: int = 3, n: int = 60) -> tuple[ReferenceCaseSystem, list[CaseEventIn]]:
    system = ReferenceCaseSystem(seed=seed, clock=ticking())
    for i in range(n):
        codes = ["gongan", "renshe", "yibao"] if i % 10 == 0 else []
        system.track(f"ZZ2025{i:06d}", department_codes=codes)
    return system, run_to_the_end(system)


def test_every_case_and_sub_case_ends_in_a_final_status() -> None:
    system, events = many()
    assert system.pending() == []
    for key, history in by_sub_case(events).items():
        assert history[0].status is S.SUBMITTED, key
        assert history[-1].status in FINAL, key
        assert all(e.status not in FINAL for e in history[:-1]), key
    assert system.advance(steps=5) == []


def test_random_outcomes_give_realistic_variety() -> None:
    _, events = many(n=200)
    statuses = Counter(e.status for e in events)
    for status in S:
        if status is not S.WITHDRAWN:
            assert statuses[status] > 0, status
    finals = Counter(h[-1].status for h in by_sub_case(events).values())
    assert finals[S.DELIVERED] > 10 * finals[S.NOT_ACCEPTED] > 0


def test_timestamps_strictly_increase_within_each_case() -> None:
    _, events = many()
    per_case: dict[str, list[datetime]] = defaultdict(list)
    for event in events:
        assert event.occurred_at.utcoffset() == timedelta(0)  # normalised to UTC on the way in
        assert event.occurred_at.microsecond == 0
        per_case[event.case_number].append(event.occurred_at)
    for case_number, times in per_case.items():
        assert all(a < b for a, b in pairwise(times)), case_number


def test_timestamps_never_run_ahead_of_the_clock_with_a_moving_clock() -> None:
    clock = ticking(timedelta(days=1))
    system = ReferenceCaseSystem(seed=1, clock=clock)
    system.track("ZZ1")
    first = system.advance()[0]
    assert first.occurred_at == START + timedelta(days=1)
    for _ in range(12):
        for event in system.advance():
            assert event.occurred_at <= START + timedelta(days=13)


def test_a_frozen_clock_still_gives_increasing_times() -> None:
    system = ReferenceCaseSystem(clock=lambda: START)
    system.track("ZZ1", department_codes=["a", "b"])
    events = system.advance(steps=100)
    assert [e.occurred_at for e in events] == sorted({e.occurred_at for e in events})


def test_event_ids_are_unique() -> None:
    _, events = many(n=120)
    assert len({e.event_id for e in events}) == len(events)


def test_same_seed_same_story_other_seed_other_story() -> None:
    def story(seed: int) -> list[CaseEventIn]:
        return many(seed=seed, n=20)[1]

    assert story(5) == story(5)
    assert story(5) != story(6)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_the_chosen_outcome_is_honoured(outcome: str) -> None:
    system = ReferenceCaseSystem(seed=11, clock=ticking())
    system.track("ZZ1", outcome=outcome)
    system.track("ZZ2", department_codes=["gongan", "minzheng"], outcome=outcome)
    events = run_to_the_end(system)
    for key, history in by_sub_case(events).items():
        statuses = [e.status for e in history]
        match outcome:
            case "not_accepted":
                assert statuses == [S.SUBMITTED, S.NOT_ACCEPTED], key
            case "denied":
                assert statuses[-2:] == [S.DENIED, S.DELIVERED], key
            case _:
                assert statuses[-2:] == [S.APPROVED, S.DELIVERED], key
        if outcome in ("approved", "denied"):
            assert [e.step for e in history if e.status is S.PROCESSING] == ["承办", "审核", "审批"]
        pauses = [e for e in history if e.status in PAUSING]
        if outcome == "supplement":
            (pause,) = pauses
            assert pause.status is S.SUPPLEMENT and pause.missing_materials
            assert pause.remark == "请补充：" + "、".join(pause.missing_materials)
            assert statuses[statuses.index(S.SUPPLEMENT) + 1] is S.PROCESSING
        elif outcome == "special":
            (pause,) = pauses
            assert pause.status is S.SPECIAL_PROCEDURE
            assert statuses[statuses.index(S.SPECIAL_PROCEDURE) + 1] is S.PROCESSING
        else:
            assert pauses == []
    assert system.case("ZZ2").outcomes == {"gongan": outcome, "minzheng": outcome}


def test_an_approved_lifecycle_reads_like_a_real_one() -> None:
    system = ReferenceCaseSystem(seed=2, clock=ticking())
    system.track("ZZ1", outcome="approved")
    history = run_to_the_end(system)
    assert [(e.status, e.step) for e in history] == [
        (S.SUBMITTED, None),
        (S.ACCEPTED, None),
        (S.PROCESSING, "承办"),
        (S.PROCESSING, "审核"),
        (S.PROCESSING, "审批"),
        (S.APPROVED, None),
        (S.DELIVERED, None),
    ]
    promised = system.case("ZZ1").promised_days
    assert history[1].remark == f"材料齐全，予以受理，承诺{promised}个工作日内办结"
    assert all(e.remark and e.department_code is None for e in history)


def test_bundle_sub_cases_advance_in_parallel_and_each_finishes() -> None:
    system = ReferenceCaseSystem(seed=4, clock=ticking())
    system.track("ZZB", department_codes=["weijian", "gongan", "renshe", "gongan"])
    assert system.case("ZZB").department_codes == ["weijian", "gongan", "renshe"]
    first = system.advance()
    assert [(e.department_code, e.status) for e in first] == [
        ("weijian", S.SUBMITTED),
        ("gongan", S.SUBMITTED),
        ("renshe", S.SUBMITTED),
    ]
    events = first + run_to_the_end(system)
    grouped = by_sub_case(events)
    assert set(grouped) == {("ZZB", "weijian"), ("ZZB", "gongan"), ("ZZB", "renshe")}
    assert all(history[-1].status in FINAL for history in grouped.values())


def test_advance_gives_steps_events_per_case_and_pending_shrinks() -> None:
    system = ReferenceCaseSystem(seed=9, clock=ticking())
    system.track("ZZ1", outcome="approved")
    system.track("ZZ2", outcome="not_accepted")
    assert system.pending() == ["ZZ1", "ZZ2"]
    events = system.advance(steps=3)
    assert Counter(e.case_number for e in events) == {"ZZ1": 3, "ZZ2": 2}
    assert system.pending() == ["ZZ1"]
    with pytest.raises(ValueError):
        system.advance(steps=0)


def test_tracking_twice_changes_nothing_and_bad_input_is_refused() -> None:
    system = ReferenceCaseSystem(seed=1, clock=ticking())
    system.track("ZZ1", outcome="denied")
    system.track("ZZ1", outcome="approved")
    assert system.case("ZZ1").outcomes == {None: "denied"}
    with pytest.raises(ValueError):
        system.track("ZZ2", outcome="lost")
    with pytest.raises(ValueError):
        system.track("Z" * 41)
    with pytest.raises(ValueError):
        ReferenceCaseSystem(clock=lambda: datetime(2025, 1, 1)).track("ZZ3")


def test_delivery_helpers_shuffle_and_duplicate_deterministically() -> None:
    _, events = many(n=10)
    shuffled = shuffle_for_delivery(events, seed=1)
    assert shuffled != events and sorted(shuffled, key=events.index) == events
    assert shuffle_for_delivery(events, seed=1) == shuffled
    doubled = duplicate_some(events, seed=2, rate=0.3)
    counts = Counter(e.event_id for e in doubled)
    assert set(counts) == {e.event_id for e in events}
    assert 0 < sum(n - 1 for n in counts.values()) < len(events)
    assert max(counts.values()) == 2
    first_seen: dict[str, int] = {}
    for position, event in enumerate(doubled):
        first_seen.setdefault(event.event_id, position)
    assert [e for i, e in enumerate(doubled) if first_seen[e.event_id] == i] == events
    assert duplicate_some(events, seed=2, rate=0.3) == doubled
    assert duplicate_some(events, seed=2, rate=0.0) == events
    with pytest.raises(ValueError):
        duplicate_some(events, seed=2, rate=1.5)
