"""Scale of a country: 2,000 teams under one regiegroep and 20,000 people on one deployment (PostgreSQL).

Seeds through the normal path (Wijkbot.create), adds a little work per team (bench/workload.py
generate), then measures, each once after a warm-up and bounded: the weekly digest of the regiegroep,
the App Home view of the busiest person, and a simulated week of the scheduler (Wijkbot.advance a
day at a time, as `:advance` does; stopped at a cap). For each: the time, how many statements, the
most repeated statement and the tables the plans of the slowest statements read in full.
"""

from __future__ import annotations

import asyncio
import importlib
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from bench.common import Options, reset_database
from bench.results import Section, sec, table
from bench.sqlwatch import Watch, full_scans, plan, watch
from bench.workload import TZ, generate, write_config
from bot.core import Clock, Wijkbot
from storage.models import Actiepunt, ActieStatus, Person

NAME = "scale"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday morning
WEEK_CAP = 120.0  # seconds: the simulated week is stopped here and reported as "> cap"


def _optional(module: str, attr: str) -> Any:
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def _busiest(bot: Wijkbot) -> str:
    with Session(bot.engine) as s:
        key = s.execute(
            sa.select(col(Person.key))
            .join(Actiepunt, col(Actiepunt.owner_id) == col(Person.id))
            .where(col(Actiepunt.status) == ActieStatus.open)
            .group_by(Person.key)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).scalar()
    return str(key or "regie01")


def _most_repeated(w: Watch) -> tuple[int, str]:
    seen: dict[str, int] = {}
    for s in w.statements:
        seen[s.sql] = seen.get(s.sql, 0) + 1
    if not seen:
        return 0, ""
    sql, n = max(seen.items(), key=lambda kv: kv[1])
    return n, " ".join(sql.split())[:100]


def _scans(bot: Wijkbot, w: Watch) -> list[str]:
    found: set[str] = set()
    for st in w.slowest(5):
        try:
            found.update(full_scans(bot.engine, plan(bot.engine, st)))
        except Exception:  # noqa: BLE001 - a plan we cannot get is left out, not fatal
            continue
    return sorted(found)


def _watched(bot: Wijkbot, op: Callable[[], str]) -> dict[str, Any]:
    op()  # warm-up
    with watch(bot.engine) as w:
        t0 = time.perf_counter()
        shown = op()
        took = time.perf_counter() - t0
    n, sql = _most_repeated(w)
    return {"time": shown or sec(took), "queries": w.count, "repeat": n, "sql": sql, "scans": _scans(bot, w)}


def _week(bot: Wijkbot, cap: float) -> str:
    """Advance 7 days a day at a time; the time, or "> cap" when the cap stopped it."""
    from schedules import console_runner

    bot.job_runner = console_runner
    t0 = time.perf_counter()
    for day in range(7):
        if time.perf_counter() - t0 > cap:
            return f"> {sec(cap)} (stopped after {day} of 7 days)"
        asyncio.run(bot.advance(timedelta(days=1)))
    return sec(time.perf_counter() - t0)


def run(opts: Options) -> Section:
    teams, per_team = opts.size(2_000, 20), 10
    section = Section(NAME, f"Scale: {teams:,} teams, {teams * per_team:,} people, one deployment (PostgreSQL)")
    if not opts.pg_url:
        section.lines.append(f"No PostgreSQL available ({opts.pg_note or 'no URL'}); nothing measured.")
        return section
    url = opts.pg_url
    tmp = tempfile.TemporaryDirectory(prefix="wijkbot-bench-scale-")
    rows: list[list[str]] = []
    try:
        reset_database(url)
        # every team's first meeting falls in the measured week: a worst-case week for the scheduler
        org = write_config(
            Path(tmp.name) / "org.toml", teams=teams, people_per_team=per_team, first_meeting=NOW + timedelta(days=3)
        )
        t0 = time.perf_counter()
        bot = Wijkbot.create(db_url=url, config_path=str(org.path), clock=Clock(NOW))
        seeded = time.perf_counter() - t0
        t0 = time.perf_counter()
        counts = generate(bot.engine, now=NOW, years=1, signalen=teams * 10, actiepunten=teams * 20)
        loaded = time.perf_counter() - t0
        tz = bot.config.tz

        weekly_digest = _optional("handlers.reports.digest", "weekly_digest")
        if weekly_digest is not None:

            def digest() -> str:
                with Session(bot.engine) as s:
                    weekly_digest(s, now=NOW, tz=tz)
                return ""

            rows.append(["weekly digest (regiegroep)", *_cells(_watched(bot, digest))])
        page = _optional("handlers.home", "view")
        blocks = _optional("bot.slack_blocks", "home_view")
        if page is not None and blocks is not None:
            busiest = _busiest(bot)

            def home() -> str:  # what SlackBot.publish_home builds, without sending it
                blocks(page(bot.engine, bot.config, busiest, now=NOW, transport="slack"), tz)
                return ""

            rows.append(["App Home view (busiest person)", *_cells(_watched(bot, home))])
        cap = float(opts.size(int(WEEK_CAP), 30))
        with watch(bot.engine) as w:
            shown = _week(bot, cap)
        n, sql = _most_repeated(w)
        week = {"time": shown, "queries": w.count, "repeat": n, "sql": sql, "scans": _scans(bot, w)}
        rows.append(["scheduler, a simulated week", *_cells(week)])
        bot.engine.dispose()
        reset_database(url)
    finally:
        tmp.cleanup()
    section.lines += [
        f"Seeded through Wijkbot.create in {sec(seeded)}; then {counts.signalen:,} signalen and "
        f"{counts.actiepunten:,} actiepunten bulk-loaded in {sec(loaded)}. Every team's first meeting",
        "falls in the simulated week (a worst case: all teams meet and are reminded that week).",
        "One watched run after a warm-up (the week: one run, a day at a time, capped).",
        "",
        *table(["operation", "time", "statements", "max repeat", "most repeated statement", "full scans"], rows),
    ]
    return section


def _cells(r: dict[str, Any]) -> list[str]:
    return [
        r["time"],
        f"{r['queries']:,}",
        str(r["repeat"]),
        f"`{r['sql']}…`" if r["sql"] else "–",
        ", ".join(r["scans"]) or "none",
    ]
