"""The `haoban` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from integrations.catalogue.local import DEMO_CATALOGUE

REPO = Path(__file__).resolve().parents[2]


def _haoban(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bff.cli", *args],
        cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_migrate_seed_and_sync_report_bad_records(tmp_path: Path) -> None:
    env = {"HAOBAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"}
    env.pop("HAOBAN_REDIS_URL", None)
    assert _haoban("db", "upgrade", env=env).returncode == 0
    seeded = _haoban("seed", "--if-empty", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "rejected 0" in seeded.stdout
    again = _haoban("seed", "--if-empty", env=env)
    assert "already seeded" in again.stdout

    data = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    bad = dict(data["items"][0], task_code="BROKEN-1", channels=[])
    data["items"].append(bad)
    path = tmp_path / "upstream.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = _haoban(
        "catalogue", "sync", "--source", "local", "--file", str(path), "--json", env=env
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert [r["key"] for r in report["rejected"]] == ["BROKEN-1"]
    assert any("channels" in e for e in report["rejected"][0]["errors"])


def test_token_command_is_not_offered_yet_in_a_way_that_pretends() -> None:
    result = _haoban("--help", env={})
    assert result.returncode == 0 and "catalogue" in result.stdout


def test_importing_next_years_schedule_makes_provisional_deadlines_exact(tmp_path: Path) -> None:
    import asyncio

    from sqlalchemy import select

    from bff.cases.models import Case
    from bff.db import create_engine, create_sessionmaker

    url = f"sqlite+aiosqlite:///{tmp_path / 'cal.sqlite3'}"
    env = {"HAOBAN_DATABASE_URL": url}
    assert _haoban("db", "upgrade", env=env).returncode == 0
    assert _haoban("seed", env=env).returncode == 0

    async def provisional() -> list[bool]:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            flags = list(
                await session.scalars(
                    select(Case.deadline_provisional).where(Case.deadline.is_not(None))
                )
            )
        await engine.dispose()
        return flags

    assert any(asyncio.run(provisional())), "a demo deadline runs into the unknown 2027"
    schedule = tmp_path / "2027.json"
    schedule.write_text(
        json.dumps(
            {
                "year": 2027,
                "source": "test schedule",
                "holidays": {"2027-01-01": "元旦"},
                "workdays": {},
            }
        ),
        encoding="utf-8",
    )
    result = _haoban("calendar", "import", str(schedule), env=env)
    assert result.returncode == 0, result.stderr
    assert not any(asyncio.run(provisional()))
    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027}', encoding="utf-8")
    refused = _haoban("calendar", "import", str(bad), env=env)
    assert refused.returncode == 2 and "holidays" in refused.stderr
