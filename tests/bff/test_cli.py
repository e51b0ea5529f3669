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
