"""Time a face-verified 公积金提取 end to end, step by step, through the whole app in-process
(ASGI): start, consent, face check started, the citizen's browser at the reference provider
and back to our callback, result pulled + licences fetched + form prefilled, submit (a case
opened and concluded at once).

    .venv/bin/python bench/flows.py [--flows 40] [--concurrency 8]
    HAOBAN_BENCH_DATABASE_URL=postgresql+asyncpg://… HAOBAN_BENCH_REDIS_URL=redis://…/14 \
        .venv/bin/python bench/flows.py

Prints p50 / p95 milliseconds per step for sequential flows, then flows per second with
`--concurrency` citizens at once. The reference provider and the local licence library answer
without injected latency, so this measures our side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FUND = "41B001901153-410100000000-000-12410100443650643T-1-00"
PERSON = ("张桂兰", "410105195203151228")


def op(name: str) -> str:
    return (ROOT / "graphql" / "operations" / "flows" / f"{name}.graphql").read_text("utf-8")


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def citizen(state: Any) -> dict[str, str]:
    from auth.accounts import AccountService, VerifiedClaims
    from auth.models import RealNameLevel

    async with state.sessionmaker() as session:
        user = await AccountService(session, secret=state.settings.secret_key).sign_in_with(
            provider="bench",
            subject=uuid.uuid4().hex,
            level=RealNameLevel.ID_VERIFIED,
            claims=VerifiedClaims(name=PERSON[0], id_number=PERSON[1], phone="13812345678"),
        )
        await session.commit()
    pair = await state.auth.tokens.sign_in(user_id=user.id, client="bench", provider="bench")
    return {"Authorization": f"Bearer {pair.access_token}"}


async def one_flow(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, float]:
    times: dict[str, float] = {}

    async def gql(name: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        times[name] = (time.perf_counter() - started) * 1000
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]

    flow = (await gql("start", op("StartFlow"), {"itemCode": FUND}))["startFlow"]
    version = flow["consent"]["version"]
    await gql("consent", op("GiveFaceConsent"), {"flowId": flow["id"], "consentVersion": version})
    face = (await gql("face_start", op("StartFaceVerification"), {"flowId": flow["id"]}))[
        "startFaceVerification"
    ]
    started = time.perf_counter()
    done = await client.post(path(face["redirectUrl"]), data={"outcome": "pass"})
    await client.get(path(done.headers["location"]))  # our callback: pulls the result
    times["browser+callback"] = (time.perf_counter() - started) * 1000
    confirm = (await gql("complete", op("CompleteFaceVerification"), {"flowId": flow["id"]}))[
        "completeFaceVerification"
    ]
    keys = [m["key"] for m in confirm["materials"] if m["action"] == "ACCEPT_COMMITMENT"]
    result = (await gql("submit", op("SubmitFlow"), {"flowId": flow["id"], "commitments": keys}))[
        "submitFlow"
    ]
    assert result["step"] == "COMPLETED", result
    times["total"] = sum(v for k, v in times.items() if k != "total")
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    url = os.environ.get("HAOBAN_BENCH_DATABASE_URL")
    tmp = tempfile.mkdtemp()
    url = url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
    env = {**os.environ, "HAOBAN_DATABASE_URL": url}
    env.pop("HAOBAN_REDIS_URL", None)
    for cmd in (["db", "upgrade"], ["seed"]):
        # Set-up before any timing: the same commands a deployer runs.
        subprocess.run(  # noqa: ASYNC221
            [sys.executable, "-m", "bff.cli", *cmd], env=env, check=True, cwd=ROOT
        )
    from bff.app import create_app
    from bff.settings import Settings

    settings = Settings(
        database_url=url,
        redis_url=os.environ.get("HAOBAN_BENCH_REDIS_URL"),
        run_jobs_in_process=False,
        reference_cases=False,
        graphql_rate_limit="100000/minute",
        face_checks_per_day=100,
        catalogue_cache_ttl_seconds=0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state.haoban
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            await one_flow(c, await citizen(state))  # warm-up
            samples = [await one_flow(c, await citizen(state)) for _ in range(args.flows)]
            print(f"database: {url.split(':')[0]}, redis: {bool(settings.redis_url)}")
            print(f"{'step':18} {'p50 ms':>8} {'p95 ms':>8}")
            for step in samples[0]:
                values = sorted(s[step] for s in samples)
                p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
                print(f"{step:18} {statistics.median(values):8.1f} {p95:8.1f}")
            people = [await citizen(state) for _ in range(args.flows)]
            started = time.perf_counter()
            gate = asyncio.Semaphore(args.concurrency)

            async def bounded(headers: dict[str, str]) -> None:
                async with gate:
                    await one_flow(c, headers)

            await asyncio.gather(*(bounded(h) for h in people))
            elapsed = time.perf_counter() - started
            print(
                f"{args.flows} flows, {args.concurrency} at once: {args.flows / elapsed:.1f} "
                "complete flows per second (one process)"
            )


if __name__ == "__main__":
    asyncio.run(main())
