"""Sessions and refresh tokens in Redis, shared by every instance.

A session is one signed-in device. Refresh tokens are opaque (256 random bits), stored only as
SHA-256 hashes, rotated on every use; presenting a used one means it was stolen or replayed,
so the whole family (the session) is revoked (RFC 9700 §4.14.2). Rotation runs in one Lua
script, so two instances racing on the same token cannot both win.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

PREFIX = "haoban:auth:"

ROTATE = """
local prefix = ARGV[1]
local data = redis.call('HGETALL', KEYS[1])
if #data == 0 then return {'invalid'} end
local h = {}
for i = 1, #data, 2 do h[data[i]] = data[i + 1] end
local sid, uid = h['sid'], h['uid']
local sess = prefix .. 'sess:' .. sid
if redis.call('EXISTS', sess) == 0 then return {'revoked', sid, uid} end
local fam = prefix .. 'fam:' .. sid
if h['used'] == '1' then
  for _, member in ipairs(redis.call('SMEMBERS', fam)) do
    redis.call('DEL', prefix .. 'rt:' .. member)
  end
  redis.call('DEL', fam, sess)
  redis.call('SREM', prefix .. 'user:' .. uid .. ':sessions', sid)
  return {'reuse', sid, uid}
end
redis.call('HSET', KEYS[1], 'used', '1')
local new = prefix .. 'rt:' .. ARGV[2]
redis.call('HSET', new, 'sid', sid, 'uid', uid, 'used', '0')
redis.call('EXPIRE', new, ARGV[3])
redis.call('SADD', fam, ARGV[2])
redis.call('EXPIRE', fam, ARGV[3])
redis.call('HSET', sess, 'last_seen_at', ARGV[4])
return {'ok', sid, uid}
"""

REVOKE = """
local prefix = ARGV[1]
local sid = ARGV[2]
local sess = prefix .. 'sess:' .. sid
local uid = redis.call('HGET', sess, 'uid')
local fam = prefix .. 'fam:' .. sid
for _, member in ipairs(redis.call('SMEMBERS', fam)) do
  redis.call('DEL', prefix .. 'rt:' .. member)
end
redis.call('DEL', fam, sess)
if uid then redis.call('SREM', prefix .. 'user:' .. uid .. ':sessions', sid) end
return uid
"""


class RotateOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # unknown or expired token
    REUSE = "reuse"  # a used token again: the session is now revoked
    REVOKED = "revoked"  # the session was signed out


@dataclass(frozen=True)
class Rotation:
    outcome: RotateOutcome
    session_id: str | None = None
    user_id: str | None = None
    refresh_token: str | None = None


@dataclass(frozen=True)
class SessionInfo:
    id: str
    user_id: str
    client: str
    provider: str
    created_at: float
    last_seen_at: float
    acting_grant_id: str | None
    presentation: str | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else value


class SessionStore:
    def __init__(self, redis: Redis, *, session_ttl: int, refresh_ttl: int) -> None:
        self.redis = redis
        self.session_ttl = session_ttl
        self.refresh_ttl = refresh_ttl
        self._rotate = redis.register_script(ROTATE)
        self._revoke = redis.register_script(REVOKE)

    async def create(
        self, *, user_id: str, client: str, provider: str, presentation: str | None
    ) -> tuple[str, str]:
        """A new session and its first refresh token (a new one at every sign-in, ASVS 7.2.4)."""
        sid = secrets.token_urlsafe(16)
        token = secrets.token_urlsafe(32)
        now = str(time.time())
        fields: dict[bytes | bytearray | memoryview[int] | str | int | float, str] = {
            "uid": user_id,
            "client": client[:64],
            "provider": provider[:64],
            "created_at": now,
            "last_seen_at": now,
        }
        if presentation:
            fields["presentation"] = presentation
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(f"{PREFIX}sess:{sid}", mapping=fields)
            pipe.expire(f"{PREFIX}sess:{sid}", self.session_ttl)
            pipe.sadd(f"{PREFIX}user:{user_id}:sessions", sid)
            pipe.hset(
                f"{PREFIX}rt:{_hash(token)}", mapping={"sid": sid, "uid": user_id, "used": "0"}
            )
            pipe.expire(f"{PREFIX}rt:{_hash(token)}", self.refresh_ttl)
            pipe.sadd(f"{PREFIX}fam:{sid}", _hash(token))
            pipe.expire(f"{PREFIX}fam:{sid}", self.refresh_ttl)
            await pipe.execute()
        return sid, token

    async def rotate(self, refresh_token: str) -> Rotation:
        if not refresh_token or len(refresh_token) > 256:
            return Rotation(RotateOutcome.INVALID)
        new = secrets.token_urlsafe(32)
        result = await self._rotate(
            keys=[f"{PREFIX}rt:{_hash(refresh_token)}"],
            args=[PREFIX, _hash(new), self.refresh_ttl, str(time.time())],
        )
        outcome = RotateOutcome(_text(result[0]) or "invalid")
        sid = _text(result[1]) if len(result) > 1 else None
        uid = _text(result[2]) if len(result) > 2 else None
        if outcome is RotateOutcome.OK:
            return Rotation(outcome, sid, uid, new)
        return Rotation(outcome, sid, uid)

    async def peek_refresh(self, refresh_token: str) -> str | None:
        """The session a refresh token belongs to, without using it (for logout)."""
        if not refresh_token or len(refresh_token) > 256:
            return None
        return _text(await self.redis.hget(f"{PREFIX}rt:{_hash(refresh_token)}", "sid"))

    async def revoke(self, session_id: str) -> str | None:
        """Signs a session out everywhere at once; returns its user id."""
        return _text(await self._revoke(keys=[], args=[PREFIX, session_id]))

    async def get(self, session_id: str) -> SessionInfo | None:
        raw = await self.redis.hgetall(f"{PREFIX}sess:{session_id}")
        if not raw:
            return None
        data = {_text(k): _text(v) for k, v in raw.items()}
        return SessionInfo(
            id=session_id,
            user_id=data.get("uid") or "",
            client=data.get("client") or "",
            provider=data.get("provider") or "",
            created_at=float(data.get("created_at") or 0),
            last_seen_at=float(data.get("last_seen_at") or 0),
            acting_grant_id=data.get("acting") or None,
            presentation=data.get("presentation") or None,
        )

    async def list_for_user(self, user_id: str) -> list[SessionInfo]:
        ids = [
            _text(s) or "" for s in await self.redis.smembers(f"{PREFIX}user:{user_id}:sessions")
        ]
        found = []
        for sid in sorted(ids):
            info = await self.get(sid)
            if info is None:  # expired: tidy the index
                await self.redis.srem(f"{PREFIX}user:{user_id}:sessions", sid)
            elif info.user_id == user_id:
                found.append(info)
        return sorted(found, key=lambda s: -s.last_seen_at)

    async def set_acting(self, session_id: str, grant_id: str | None) -> None:
        key = f"{PREFIX}sess:{session_id}"
        if grant_id:
            await self.redis.hset(key, "acting", grant_id)
        else:
            await self.redis.hdel(key, "acting")

    async def set_presentation(self, user_id: str, presentation: str | None) -> None:
        for info in await self.list_for_user(user_id):
            key = f"{PREFIX}sess:{info.id}"
            if presentation:
                await self.redis.hset(key, "presentation", presentation)
            else:
                await self.redis.hdel(key, "presentation")
