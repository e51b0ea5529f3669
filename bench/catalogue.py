"""Load the catalogue: GraphQL against a plain FastAPI JSON endpoint, in the same run.

Starts one uvicorn worker per configuration on loopback against a seeded database, then
drives it from this process with a bounded number of concurrent keep-alive connections for
a fixed time, and prints requests per second and p50/p99 latency.

    .venv/bin/python bench/catalogue.py [--seconds 10] [--concurrency 16]

Cases:
  rest-page        GET /api/catalogue/items?first=50 (department, materials, halls)
  graphql-page     the same 50 items with the same relations through GraphQL, cache off
  graphql-page-cached  the same, Redis response cache on (what clients normally get)
  graphql-mix      60% page, 25% item detail, 15% search (varied terms), cache off
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = """query CataloguePage($first: Int!) { serviceItems(first: $first) { totalCount edges { node {
  code name type promisedDays zeroMaterial department { code name }
  materials(limit: 100) { name required source } halls(limit: 100) { code name address } } } } }"""
DETAIL = """query ItemDetail($code: String!) { serviceItem(code: $code) { code title name conditions
  promisedDays legalDays fee { charged text } channels zeroMaterial hotline department { name phone }
  materials { name required source howProvided } steps { name description }
  faqs { question answer } guide { sentences } halls { name address phone } } }"""
SEARCH = """query Search($text: String!) { search(text: $text, first: 10) { totalCount results {
  kind match { field marked } node { ... on ServiceItem { code title } ... on Bundle { code title } } } } }"""
TERMS = [
    "提公积金",
    "gjj",
    "公积金提取",
    "新生儿",
    "营业执照",
    "换驾照",
    "社保卡",
    "退休",
    "hz",
    "不动产登记",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else float("nan")


async def drive(base: str, name: str, make: Any, seconds: float, concurrency: int) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                method, url, body = make(rng)
                started = time.perf_counter()
                response = await client.request(method, url, json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or b'"errors"' in response.content[:200]:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(name, len(latencies), errors, elapsed, latencies)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bff.main:app",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if Path("/usr/bin/taskset").exists():
        cmd = ["taskset", "-c", "0", *cmd]  # server on core 0, load generator on core 1
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_ready(base: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


async def item_codes(base: str) -> list[str]:
    async with httpx.AsyncClient(base_url=base) as client:
        r = await client.post("/graphql", json={"query": PAGE, "variables": {"first": 100}})
        return [e["node"]["code"] for e in r.json()["data"]["serviceItems"]["edges"]]


async def run(args: argparse.Namespace) -> None:
    from bff.migrate import upgrade
    from tests.conftest import reset_database, seed

    tmp = tempfile.mkdtemp(prefix="haoban-bench-")
    url = os.environ.get("HAOBAN_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
    if url.startswith("sqlite"):
        await asyncio.to_thread(upgrade, url)
    else:
        await reset_database(url)
    await seed(url)
    results: list[Result] = []
    for cache in (False, True):
        port = free_port()
        env = dict(
            os.environ,
            HAOBAN_DATABASE_URL=url,
            HAOBAN_LOG_LEVEL="WARNING",
            HAOBAN_CATALOGUE_CACHE_TTL_SECONDS="600" if cache else "0",
        )
        server = start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base)
            codes = await item_codes(base)

            def rest(_: random.Random) -> tuple[str, str, Any]:
                return "GET", "/api/catalogue/items?first=50", None

            def page(_: random.Random) -> tuple[str, str, Any]:
                return "POST", "/graphql", {"query": PAGE, "variables": {"first": 50}}

            def mix(rng: random.Random, codes: list[str] = codes) -> tuple[str, str, Any]:
                roll = rng.random()
                if roll < 0.60:
                    return page(rng)
                if roll < 0.85:
                    return (
                        "POST",
                        "/graphql",
                        {"query": DETAIL, "variables": {"code": rng.choice(codes)}},
                    )
                return (
                    "POST",
                    "/graphql",
                    {"query": SEARCH, "variables": {"text": rng.choice(TERMS)}},
                )

            cases = (
                [("graphql-page-cached", page)]
                if cache
                else [("rest-page", rest), ("graphql-page", page), ("graphql-mix", mix)]
            )
            for name, make in cases:
                await drive(base, name, make, 2, args.concurrency)  # warm-up
                results.append(await drive(base, name, make, args.seconds, args.concurrency))
        finally:
            server.terminate()
            server.wait(10)
    print(f"{'case':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(f"{r.name:22} {r.rps:8.1f} {r.pct(0.5):8.1f} {r.pct(0.99):8.1f} {r.errors:7d}")
    by = {r.name: r for r in results}
    ratio = by["graphql-page"].rps / by["rest-page"].rps
    print(f"\nGraphQL page / plain FastAPI page throughput (cache off): {ratio:.2f}")
    print(
        f"GraphQL page cached / plain FastAPI page: {by['graphql-page-cached'].rps / by['rest-page'].rps:.2f}"
    )
    print(
        f"(median latency of rest-page {statistics.median(by['rest-page'].latencies) * 1000:.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
