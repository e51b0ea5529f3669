"""Two BFF processes sharing PostgreSQL and Redis: a session made by one is honoured, rotated and
ended by the other (sessions, refresh-token families and signing keys are shared state).

Needs HAOBAN_TEST_DATABASE_URL and HAOBAN_TEST_REDIS_URL; skipped otherwise.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bff.settings import Settings
from tests.auth.oidc_support import REPO, error_code, free_port, stop, wait_for
from tests.conftest import PG_URL, REDIS_URL

pytestmark = pytest.mark.skipif(
    not (PG_URL and REDIS_URL),
    reason="two BFF processes need shared state: set HAOBAN_TEST_DATABASE_URL (PostgreSQL) "
    "and HAOBAN_TEST_REDIS_URL",
)

ME = "{ me { id realNameLevel } }"


@dataclass
class Instance:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAOBAN_")}
    # The suite's database already holds signing keys and personal data encrypted with the
    # suite's secret, so the processes must share it (it is fixed and long enough).
    assert len(settings.secret_key) >= 32
    assert settings.redis_url
    env.update(
        HAOBAN_DATABASE_URL=settings.database_url,
        HAOBAN_REDIS_URL=settings.redis_url,
        HAOBAN_SECRET_KEY=settings.secret_key,
        HAOBAN_AUTH_RATE_LIMIT_PER_IP="1000/minute",
        HAOBAN_LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="module")
def instances(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Two `uvicorn bff.main:app` processes on free ports, after the suite's database reset."""
    env = _env(settings)
    folder = tmp_path_factory.mktemp("bff-instances")
    started: list[Instance] = []
    try:
        for n in (1, 2):
            port = free_port()
            log = folder / f"bff-{n}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "bff.main:app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--no-access-log",
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            started.append(Instance(f"http://127.0.0.1:{port}", process, log))
        for instance in started:
            wait_for(f"{instance.base_url}/readyz", instance.process, instance.log)
        yield started
    finally:
        for instance in started:
            stop(instance.process)


async def _sign_in(settings: Settings, client: httpx.AsyncClient, base_url: str) -> dict[str, Any]:
    """A mini-program sign-in at `base_url` (or, without the mini-program module, the CLI's
    token for the demo citizen, which also makes a real session in Redis)."""
    try:
        from integrations.miniprogram import simulate_login_code
    except ImportError:
        return {"access_token": await _cli_token(settings)}
    code = simulate_login_code(
        "wechat", f"openid-{secrets.token_hex(6)}", secret=settings.secret_key
    )
    response = await client.post(f"{base_url}/auth/miniprogram/wechat", json={"code": code})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def _cli_token(settings: Settings) -> str:
    from auth.demo import ensure_demo_users
    from bff.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            if await ensure_demo_users(session, secret=settings.secret_key):
                await session.commit()
    finally:
        await engine.dispose()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bff.cli",
        "token",
        "--user",
        "demo",
        cwd=REPO,
        env=_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


async def _me(client: httpx.AsyncClient, base_url: str, token: str) -> dict[str, Any]:
    response = await client.post(
        f"{base_url}/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def test_a_session_from_one_process_works_at_the_other_until_either_signs_it_out(
    instances: list[Instance], settings: Settings
) -> None:
    one, two = (i.base_url for i in instances)
    async with httpx.AsyncClient(timeout=10.0) as client:
        tokens = await _sign_in(settings, client, one)
        access = tokens["access_token"]
        at_one = await _me(client, one, access)
        at_two = await _me(client, two, access)
        assert "errors" not in at_two, at_two
        assert at_two["data"]["me"]["id"] == at_one["data"]["me"]["id"]

        out = await client.post(f"{two}/auth/logout", headers={"Authorization": f"Bearer {access}"})
        assert out.status_code == 200, out.text
        assert error_code(await _me(client, one, access)) == "UNAUTHENTICATED"
        if "refresh_token" in tokens:
            refused = await client.post(
                f"{one}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert refused.status_code == 401, refused.text


async def test_a_refresh_token_rotated_at_one_process_is_a_replay_at_the_other(
    instances: list[Instance], settings: Settings
) -> None:
    one, two = (i.base_url for i in instances)
    async with httpx.AsyncClient(timeout=10.0) as client:
        tokens = await _sign_in(settings, client, one)
        if "refresh_token" not in tokens:
            pytest.skip("the CLI's token has no refresh token (no mini-program module yet)")
        rotated = await client.post(
            f"{one}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert rotated.status_code == 200, rotated.text
        replay = await client.post(
            f"{two}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert replay.status_code == 401
        assert replay.json()["code"] == "REFRESH_TOKEN_REUSED"
        new_access = rotated.json()["access_token"]
        assert error_code(await _me(client, one, new_access)) == "UNAUTHENTICATED"
