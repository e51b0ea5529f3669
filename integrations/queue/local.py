"""The embedded queuing system: per-hall, per-category, per-day counters in Redis.

Numbers are the category's letter and a three-digit sequence (不动产 A, 公积金 B, 车驾管 C,
出入境 D, 医社保 E, everything else F); booked citizens who check in (预约优先) get a
separate range, "Y" before the letter ("YB003"), and are called first. Each booking's ticket
is remembered under its id, so every instance gives the same booking the same number.

All writes are Lua scripts: one round trip, atomic on the Redis server, so concurrent check-ins
get distinct numbers and a booking's number is taken exactly once (no gaps in the sequence).
Counters expire after two days; a day is China's calendar day (UTC+8, no DST).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from redis.asyncio import Redis

from integrations.queue.port import QueueTicket

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
TTL_SECONDS = 2 * 24 * 3600
PRIORITY_PREFIX = "Y"
CATEGORY_LETTERS: Mapping[str, str] = {
    "不动产": "A",
    "公积金": "B",
    "车驾管": "C",
    "出入境": "D",
    "医社保": "E",
}
OTHER_LETTER = "F"

# KEYS[1] memo, KEYS[2] issued counter; ARGV[1] ttl, ARGV[2] the memo's JSON up to the sequence.
_ISSUE = """
local memo = redis.call('GET', KEYS[1])
if memo then return memo end
local seq = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
memo = ARGV[2] .. seq .. '}'
redis.call('SET', KEYS[1], memo, 'EX', ARGV[1])
return memo
"""
# KEYS: priority issued, priority served, normal issued, normal served.
_COUNTS = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = tonumber(redis.call('GET', key) or '0') end
return out
"""
# Same KEYS; calls the next priority ticket if one waits, else the next normal one.
_SERVE = """
for _, pair in ipairs({{1, 2}, {3, 4}}) do
  local issued = tonumber(redis.call('GET', KEYS[pair[1]]) or '0')
  local served = tonumber(redis.call('GET', KEYS[pair[2]]) or '0')
  if served < issued then
    local n = redis.call('INCR', KEYS[pair[2]])
    redis.call('EXPIRE', KEYS[pair[2]], ARGV[1])
    return {pair[1], n}
  end
end
return false
"""


def category_letter(category: str) -> str:
    return CATEGORY_LETTERS.get(category, OTHER_LETTER)


def ticket_number(letter: str, seq: int, *, priority: bool) -> str:
    return f"{PRIORITY_PREFIX if priority else ''}{letter}{seq:03d}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Memo:
    hall: str
    letter: str
    day: str
    priority: bool
    window_hint: str | None
    issued_at: datetime
    seq: int


class LocalQueueSystem:
    """The reference adapter, and the default when a hall has no queuing system of its own."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "haoban:queue",
        windows: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._windows = dict(windows or {})  # category → where to wait, e.g. "B区 5-8号窗口"
        self._clock = clock
        self._issue = redis.register_script(_ISSUE)
        self._counts = redis.register_script(_COUNTS)
        self._serve = redis.register_script(_SERVE)

    def _day(self, at: datetime) -> str:
        return at.astimezone(CHINA).date().isoformat()

    def _counter_keys(self, hall: str, letter: str, day: str) -> list[str]:
        base = f"{self._prefix}:{hall}:{day}:{letter}"
        return [f"{base}:y:issued", f"{base}:y:served", f"{base}:n:issued", f"{base}:n:served"]

    async def issue_ticket(
        self, *, hall_code: str, category: str, booking_id: str, priority: bool
    ) -> QueueTicket:
        now = self._clock()
        letter, day = category_letter(category), self._day(now)
        keys = self._counter_keys(hall_code, letter, day)
        head = {
            "hall": hall_code,
            "letter": letter,
            "day": day,
            "priority": priority,
            "window_hint": self._windows.get(category),
            "issued_at": now.astimezone(UTC).isoformat(),
        }
        # The script closes the object after appending the sequence it takes.
        template = json.dumps(head, ensure_ascii=False)[:-1] + ', "seq": '
        raw = await self._issue(
            keys=[f"{self._prefix}:ticket:{booking_id}", keys[0] if priority else keys[2]],
            args=[TTL_SECONDS, template],
        )
        memo = _parse_memo(raw)
        return await self._ticket(memo)

    async def _ticket(self, memo: _Memo) -> QueueTicket:
        counts = await self._counts(keys=self._counter_keys(memo.hall, memo.letter, memo.day))
        y_issued, y_served, _, n_served = (int(c) for c in counts)
        if memo.priority:
            ahead = max(0, memo.seq - 1 - y_served)
        else:
            # Priority tickets still waiting are called before this one too.
            ahead = max(0, memo.seq - 1 - n_served) + max(0, y_issued - y_served)
        return QueueTicket(
            number=ticket_number(memo.letter, memo.seq, priority=memo.priority),
            waiting_ahead=ahead,
            window_hint=memo.window_hint,
            issued_at=memo.issued_at,
        )

    async def serve_next(self, hall_code: str, category: str) -> str | None:
        """Call the next ticket (priority first) today, as a window clerk would; the number
        called, or None when nobody waits. For the demo and tests: the real hall calls."""
        letter = category_letter(category)
        keys = self._counter_keys(hall_code, letter, self._day(self._clock()))
        called = await self._serve(keys=keys, args=[TTL_SECONDS])
        if not called:
            return None
        which, seq = (int(v) for v in called)
        return ticket_number(letter, seq, priority=which == 1)

    async def aclose(self) -> None:
        """The Redis client belongs to the caller, who closes it."""


def _parse_memo(raw: object) -> _Memo:
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    data = json.loads(text)
    return _Memo(
        hall=str(data["hall"]),
        letter=str(data["letter"]),
        day=str(data["day"]),
        priority=bool(data["priority"]),
        window_hint=data["window_hint"],
        issued_at=datetime.fromisoformat(data["issued_at"]),
        seq=int(data["seq"]),
    )
