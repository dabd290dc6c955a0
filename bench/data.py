"""Data at scale: six teams, five years (100,000 signalen, 200,000 actiepunten with history).

Times the weekly digest, the half-year report draft, `/actie lijst te-laat` (through the
router) and the App Home view, on SQLite and PostgreSQL: the median of several runs, each in a
fresh session. One more run is watched: how many statements it sends (a large repeat count is
an N+1), the slowest ones and the tables their plans read in full.
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bench.common import Options, median, reset_database
from bench.results import Goal, Section, median_of, ms, sec, table
from bench.sqlwatch import full_scans, plan, watch
from bench.workload import TZ, generate, write_config
from bot.core import Clock, Wijkbot
from handlers.base import Message
from handlers.router import dispatch
from handlers.state import BotState
from storage.models import Actiepunt, ActieStatus, Group, Person

NAME = "data"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday morning: the digest's week is complete
LIMIT = 1.0  # seconds: the goal for every operation

Operation = Callable[[], Any]


def _optional(module: str, attr: str) -> Any:
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def operations(bot: Wijkbot) -> dict[str, Operation | None]:
    """What a person waits for, each as a call that opens its own session."""
    engine, config, tz = bot.engine, bot.config, bot.config.tz
    with Session(engine) as s:
        team = s.exec(select(Group).where(col(Group.kind) == "team").order_by(col(Group.id))).first()
        assert team is not None
        chair = s.get(Person, team.chair_id)
        busiest = s.execute(
            sa.select(col(Person.key))
            .join(Actiepunt, col(Actiepunt.owner_id) == col(Person.id))
            .where(col(Actiepunt.status) == ActieStatus.open)
            .group_by(Person.key)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).scalar_one()
    assert chair is not None
    ops: dict[str, Operation | None] = {}

    weekly_digest = _optional("handlers.reports.digest", "weekly_digest")
    if weekly_digest is not None:

        def digest() -> Any:
            with Session(engine) as s:
                return weekly_digest(s, now=NOW, tz=tz)

        ops["weekly digest (regiegroep)"] = digest
    else:
        ops["weekly digest (regiegroep)"] = None

    compute = _optional("handlers.reports.voortgang", "compute_half_year")
    render = _optional("handlers.reports.voortgang", "render")
    half_year_of = _optional("handlers.reports.periods", "half_year_of")
    if compute and render and half_year_of:
        from storage.models import Voortgangsrapportage

        def half_year() -> Any:
            with Session(engine) as s:
                group = s.get(Group, team.id)
                period = half_year_of(NOW, tz)
                h = compute(s, group, period, now=NOW, tz=tz)
                draft = Voortgangsrapportage(group_id=team.id or 0, period=period.label, drafted_at=NOW)
                return render(h, draft, tz=tz, chair=chair.key)

        ops["half-year report draft (one team)"] = half_year
    else:
        ops["half-year report draft (one team)"] = None

    def te_laat() -> Any:
        msg = Message("/actie lijst te-laat", person=chair.key, channel=team.channel, now=NOW, transport="console")
        replies = dispatch(engine, config, msg, BotState())
        assert replies
        assert "te laat" in replies[0].text, replies[0].text[:200]
        return replies

    ops["/actie lijst te-laat (one team)"] = te_laat

    page = _optional("handlers.home", "view")
    blocks = _optional("bot.slack_blocks", "home_view")
    if page is not None and blocks is not None:

        def home() -> Any:  # what SlackBot.publish_home builds, without sending it
            return blocks(page(engine, config, busiest, now=NOW, transport="slack"), tz)

        ops["App Home view (busiest person)"] = home
    else:
        ops["App Home view (busiest person)"] = None
    return ops


def measure(bot: Wijkbot, runs: int) -> dict[str, dict[str, Any]]:
    """Median time of each operation over `runs` (after one warm-up), plus what one watched run sent."""
    out: dict[str, dict[str, Any]] = {}
    for name, op in operations(bot).items():
        if op is None:
            out[name] = {"median": float("nan"), "missing": True}
            continue
        op()  # warm-up: imports, caches, the database's own page cache
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            op()
            times.append(time.perf_counter() - t0)
        with watch(bot.engine) as w:
            op()
        slow = []
        for st in w.slowest(3):
            try:
                lines = plan(bot.engine, st)
            except Exception as exc:  # noqa: BLE001 - a plan we cannot get is reported, not fatal
                lines = [f"(no plan: {type(exc).__name__})"]
            slow.append((st, lines, full_scans(bot.engine, lines)))
        out[name] = {"median": median(times), "queries": w.count, "repeated": w.repeated(), "slow": slow}
    return out


def run(opts: Options) -> Section:
    section = Section(NAME, "Data at scale: six teams, five years")
    n_sig, n_act = opts.size(100_000, 2_000), opts.size(200_000, 4_000)
    databases: list[tuple[str, str]] = []
    tmp = tempfile.TemporaryDirectory(prefix="wijkbot-bench-data-")
    databases.append(("SQLite", f"sqlite:///{tmp.name}/data.db"))
    if opts.pg_url:
        databases.append(("PostgreSQL", opts.pg_url))
    results: dict[str, dict[str, dict[str, Any]]] = {}
    loads: list[list[str]] = []
    try:
        for label, url in databases:
            reset_database(url)
            org = write_config(Path(tmp.name) / "org.toml", first_meeting=NOW.replace(day=1), people_per_team=8)
            bot = Wijkbot.create(db_url=url, config_path=str(org.path), clock=Clock(NOW))
            t0 = time.perf_counter()
            counts = generate(bot.engine, now=NOW, signalen=n_sig, actiepunten=n_act)
            loaded = time.perf_counter() - t0
            loads.append(
                [
                    label,
                    f"{counts.signalen:,}",
                    f"{counts.actiepunten:,}",
                    f"{counts.wijzigingen:,}",
                    f"{counts.meetings:,} / {counts.attendance:,}",
                    sec(loaded),
                ]
            )
            results[label] = measure(bot, opts.runs if not opts.smoke else 1)
            bot.engine.dispose()
            if url.startswith("postgresql"):
                reset_database(url)
    finally:
        tmp.cleanup()

    labels = [label for label, _ in databases]
    names = list(next(iter(results.values())))
    rows = []
    for name in names:
        row = [name]
        for label in labels:
            r = results[label][name]
            row.append("not present" if r.get("missing") else f"{ms(r['median'])} ({r['queries']} queries)")
            if not r.get("missing"):
                section.goals.append(
                    Goal(name, label, ms(r["median"]), "< 1 s", r["median"] < LIMIT if not opts.smoke else None)
                )
        rows.append(row)
    section.lines += [
        f"Generated and bulk-loaded (executemany on SQLite, COPY on PostgreSQL), at {NOW:%Y-%m-%d %H:%M} local:",
        "",
        *table(["database", "signalen", "actiepunten", "history rows", "meetings / attendance", "load"], loads),
        "",
        f"{median_of(opts.runs if not opts.smoke else 1)} after a warm-up; goal: each under 1 s.",
        "",
        *table(["operation", *labels], rows),
        "",
        "Statements of one watched run: the most repeated statement (an N+1 shows as a count near the rows",
        "listed), the slowest statement and the tables its plan reads in full.",
        "",
    ]
    detail = []
    for label in labels:
        for name in names:
            r = results[label][name]
            if r.get("missing"):
                continue
            st, _lines, scans = r["slow"][0] if r["slow"] else (None, [], [])
            sql = " ".join(st.sql.split())[:110] if st else ""
            detail.append(
                [
                    label,
                    name,
                    str(r["queries"]),
                    str(r["repeated"]),
                    f"{ms(st.seconds) if st else '–'}: `{sql}…`",
                    ", ".join(scans) or "none",
                ]
            )
    section.lines += table(["database", "operation", "statements", "max repeat", "slowest", "full scans"], detail)
    return section
