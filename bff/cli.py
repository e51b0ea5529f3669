"""The `haoban` command line (see CONTRACT.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bff.settings import REPO_ROOT, Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings()  # fail fast on bad configuration, before workers fork
    if args.workers > 1 and not settings.redis_url:
        raise SystemExit(
            "haoban serve --workers N needs HAOBAN_REDIS_URL: the in-process store serves one "
            "process only, and instances share sessions, limits and caches through Redis"
        )
    uvicorn.run(
        "bff.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from bff.worker import run_worker

    return run_worker(Settings(), burst=args.burst)


def _db_upgrade(_: argparse.Namespace) -> int:
    from bff.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    print("database is at the latest revision")
    return 0


async def _run_sync(settings: Settings, upstream: Any, *, full: bool, show: bool) -> Any:
    from bff.db import create_engine, create_sessionmaker
    from bff.redis import create_redis
    from bff.sync import sync_catalogue

    engine = create_engine(settings.database_url)
    redis = create_redis(settings)
    try:
        if show:
            from rich.progress import Progress, SpinnerColumn, TextColumn

            with Progress(
                SpinnerColumn(), TextColumn("{task.description}"), transient=False
            ) as bar:
                task = bar.add_task("importing", total=None)
                counts: dict[str, int] = {}

                def progress(kind: str, n: int) -> None:
                    counts[kind] = counts.get(kind, 0) + n
                    summary = " ".join(f"{k}s {v}" for k, v in counts.items())
                    bar.update(task, description=f"importing: {summary}")

                report = await sync_catalogue(
                    sessionmaker=create_sessionmaker(engine),
                    upstream=upstream,
                    full=full,
                    progress=progress,
                    redis=redis,
                )
        else:
            report = await sync_catalogue(
                sessionmaker=create_sessionmaker(engine), upstream=upstream, full=full, redis=redis
            )
        return report
    finally:
        aclose = getattr(upstream, "aclose", None)
        if aclose is not None:
            await aclose()
        await redis.aclose()
        await engine.dispose()


def _upstream(args: argparse.Namespace, settings: Settings) -> Any:
    from integrations.catalogue.http import HttpCatalogue
    from integrations.catalogue.local import DEMO_CATALOGUE, LocalCatalogue

    source = getattr(args, "source", None) or settings.catalogue_source.value
    match source:
        case "local":
            return LocalCatalogue(
                Path(args.file) if getattr(args, "file", None) else DEMO_CATALOGUE
            )
        case "http":
            url = getattr(args, "url", None) or settings.catalogue_upstream_url
            if not url:
                raise SystemExit(
                    "catalogue sync --source http needs --url or HAOBAN_CATALOGUE_UPSTREAM_URL"
                )
            return HttpCatalogue(url, token=settings.catalogue_upstream_token)
    raise SystemExit(f"unknown catalogue source {source}")


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        return
    print(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}; catalogue version {report.version}"
    )
    for rejection in report.rejected:
        print(f"  rejected {rejection.kind} {rejection.key}:")
        for error in rejection.errors:
            print(f"    - {error}")


def _seed(args: argparse.Namespace) -> int:
    from integrations.catalogue.local import LocalCatalogue

    settings = Settings()

    async def run() -> int:
        from bff.db import create_engine, create_sessionmaker
        from bff.sync import catalogue_is_empty

        if args.if_empty:
            engine = create_engine(settings.database_url)
            try:
                empty = await catalogue_is_empty(create_sessionmaker(engine))
            finally:
                await engine.dispose()
            if not empty:
                print("catalogue already seeded")
                await _seed_demo_users(settings)
                return 0
        report = await _run_sync(settings, LocalCatalogue(), full=True, show=sys.stderr.isatty())
        _print_report(report, as_json=False)
        await _seed_demo_users(settings)
        return 1 if report.rejected else 0

    return asyncio.run(run())


async def _seed_demo_users(settings: Settings) -> None:
    from auth.demo import ensure_demo_users
    from bff.calendar.repository import load_calendar
    from bff.cases.demo import ensure_demo_cases
    from bff.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            created = await ensure_demo_users(session, secret=settings.secret_key)
            await session.commit()  # also any fix-up of existing demo citizens
            if created:
                print(
                    "demo citizens: demo (张**), demo-relative (李*), who may act for demo, "
                    "and demo-parent (王*)"
                )
            from bff.appointments.service import seed_hall_sessions

            if await seed_hall_sessions(session):
                await session.commit()
            opened = await ensure_demo_cases(
                session, calendar=await load_calendar(session), secret=settings.secret_key
            )
            if opened:
                await session.commit()
                print(f"demo cases: {opened} for the demo citizen")
            from bff.flows.demo import ensure_demo_flow

            if await ensure_demo_flow(session):
                await session.commit()
                print("demo application: 住房公积金缴存证明 by face, waiting for the face check")
    finally:
        await engine.dispose()


def _catalogue_sync(args: argparse.Namespace) -> int:
    settings = Settings()
    upstream = _upstream(args, settings)
    report = asyncio.run(
        _run_sync(settings, upstream, full=args.full, show=sys.stderr.isatty() and not args.json)
    )
    _print_report(report, as_json=args.json)
    return 2 if report.rejected else 0


def _token(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.is_dev:
        print(
            "haoban token is for development only; refused because HAOBAN_ENV=prod",
            file=sys.stderr,
        )
        return 2
    if not 60 <= args.ttl <= 900:
        print(
            "--ttl must be between 60 and 900 seconds (access tokens live at most 15 minutes)",
            file=sys.stderr,
        )
        return 2

    async def run() -> int:
        from auth.accounts import AccountService
        from auth.state import build_auth
        from bff.db import create_engine, create_sessionmaker
        from bff.redis import create_redis

        engine = create_engine(settings.database_url)
        redis = create_redis(settings)
        sessionmaker = create_sessionmaker(engine)
        auth = build_auth(settings, sessionmaker=sessionmaker, redis=redis)
        try:
            async with sessionmaker() as session:
                user = await AccountService(session, secret=settings.secret_key).get(args.user)
            if user is None:
                print(
                    f"no user {args.user!r}; the demo users are demo, demo-relative and demo-parent",
                    file=sys.stderr,
                )
                return 1
            token = await auth.tokens.dev_token(
                user_id=user.id, ttl=args.ttl, shared_store=bool(settings.redis_url)
            )
            print(token)
            return 0
        finally:
            await auth.aclose()
            await redis.aclose()
            await engine.dispose()

    return asyncio.run(run())


def _keys_rotate(_: argparse.Namespace) -> int:
    settings = Settings()

    async def run() -> str:
        from datetime import timedelta

        from auth.keys import KeyRing
        from bff.db import create_engine, create_sessionmaker

        engine = create_engine(settings.database_url)
        try:
            ring = KeyRing(
                create_sessionmaker(engine),
                secret=settings.secret_key,
                access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            )
            return await ring.rotate()
        finally:
            await engine.dispose()

    print(
        f"new signing key {asyncio.run(run())}; the previous keys stay published until their tokens expire"
    )
    return 0


def _calendar_import(args: argparse.Namespace) -> int:
    """Adds (or replaces) a year of the official holiday schedule, e.g. when the State Council
    publishes next year's in November; deadlines into that year stop being provisional."""
    settings = Settings()
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2

    async def run() -> int:
        from bff.calendar.calendar import ScheduleError
        from bff.calendar.repository import parse_schedule, store_schedule
        from bff.db import create_engine, create_sessionmaker

        try:
            schedule = parse_schedule(data)
        except ScheduleError as exc:
            print(f"invalid schedule for {data.get('year')!r}:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            return 2
        from bff.calendar.repository import load_calendar
        from bff.cases.service import refresh_provisional_deadlines

        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                await store_schedule(session, schedule)
                calendar = await load_calendar(session)
                fixed = await refresh_provisional_deadlines(
                    session, calendar=calendar, secret=settings.secret_key
                )
                await session.commit()
        finally:
            await engine.dispose()
        print(
            f"stored {schedule.year}: {len(schedule.holidays)} holiday days, "
            f"{len(schedule.workdays)} make-up working days; {fixed} provisional deadlines "
            "recomputed (instances reload the calendar within 10 minutes)"
        )
        return 0

    return asyncio.run(run())


def export_schema(root: Path = REPO_ROOT) -> tuple[str, str]:
    """(schema SDL, OpenAPI JSON) as the dev build of the app describes them."""
    from bff.app import create_app
    from bff.schema.root import build_schema

    settings = Settings(env="dev", database_url="sqlite+aiosqlite:///:memory:", redis_url=None)
    sdl = build_schema(settings).as_str() + "\n"
    openapi = json.dumps(create_app(settings).openapi(), ensure_ascii=False, indent=2) + "\n"
    return sdl, openapi


def _schema_export(_: argparse.Namespace) -> int:
    sdl, openapi = export_schema()
    (REPO_ROOT / "graphql").mkdir(exist_ok=True)
    (REPO_ROOT / "openapi").mkdir(exist_ok=True)
    (REPO_ROOT / "graphql" / "schema.graphql").write_text(sdl, encoding="utf-8")
    (REPO_ROOT / "openapi" / "openapi.json").write_text(openapi, encoding="utf-8")
    print("wrote graphql/schema.graphql and openapi/openapi.json")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="haoban", description="haoban (好办) BFF")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)

    worker = sub.add_parser("worker", help="run background jobs (needs HAOBAN_REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="run queued jobs, then exit")
    worker.set_defaults(func=_worker)

    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate to the latest revision").set_defaults(
        func=_db_upgrade
    )

    seed = sub.add_parser("seed", help="import the demo catalogue")
    seed.add_argument("--if-empty", action="store_true", help="only when nothing is seeded yet")
    seed.set_defaults(func=_seed)

    schema = sub.add_parser("schema", help="contract files")
    schema_sub = schema.add_subparsers(dest="schema_command", required=True)
    schema_sub.add_parser(
        "export", help="write graphql/schema.graphql and openapi/openapi.json"
    ).set_defaults(func=_schema_export)

    token = sub.add_parser("token", help="print an access token for a demo user (dev only)")
    token.add_argument("--user", required=True, help="user id, e.g. demo or demo-relative")
    token.add_argument("--ttl", type=int, default=900, help="seconds, at most 900")
    token.set_defaults(func=_token)

    keys = sub.add_parser("keys", help="token signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("rotate", help="start signing with a new key").set_defaults(
        func=_keys_rotate
    )

    calendar = sub.add_parser("calendar", help="the working-day calendar")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True)
    cal_import = calendar_sub.add_parser(
        "import", help="add a year's official holiday schedule (JSON)"
    )
    cal_import.add_argument(
        "file", help='{"year", "source", "holidays": {date: name}, "workdays": {...}}'
    )
    cal_import.set_defaults(func=_calendar_import)

    catalogue = sub.add_parser("catalogue", help="catalogue commands")
    catalogue_sub = catalogue.add_subparsers(dest="catalogue_command", required=True)
    sync = catalogue_sub.add_parser("sync", help="import changes from the upstream catalogue")
    sync.add_argument("--source", choices=["local", "http"])
    sync.add_argument("--file", help="local source: a catalogue JSON file")
    sync.add_argument("--url", help="http source: the upstream's base URL")
    sync.add_argument("--full", action="store_true", help="ignore the saved cursor")
    sync.add_argument("--json", action="store_true", help="print the report as JSON")
    sync.set_defaults(func=_catalogue_sync)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except ValueError as exc:  # configuration errors from Settings
        print(f"haoban: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
