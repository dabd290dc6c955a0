"""How long the weekly digest takes on a year of data of six teams.

    .venv/bin/python bench/bench_digest.py            # a year: ~30,000 signalen, ~25,000 actiepunten
    .venv/bin/python bench/bench_digest.py --smoke    # small, for CI: only checks that it runs
    .venv/bin/python bench/bench_digest.py --db postgresql://...   # an empty database to fill

The data is random but seeded (the same every run) and bulk-inserted with executemany. The
digest is computed the way the Monday job does it (`weekly_digest`), cold once and then warm a
few times; the median of the warm runs must stay under a second (exit status 1 otherwise).
EXPLAIN QUERY PLAN of the heaviest queries is printed on SQLite, to see which indexes they use.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.reports.digest import weekly_digest
from storage.config import load_config, seed
from storage.db import make_engine, migrate, transaction
from storage.models import (
    Actiepunt,
    Attendance,
    Bijeenkomst,
    Group,
    Meeting,
    Membership,
    Signaal,
)

TZ = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)  # before the first meetings of the example config
NOW = datetime(2027, 11, 22, 8, 0, tzinfo=TZ)  # a Monday at 08:00, a year later: digest time
CATEGORIES = ["overlast", "veiligheid", "woonomgeving", "jeugd", "zorg", "openbare-ruimte", "overig"]
BUDGET_SECONDS = 1.0
WARM_RUNS = 5
CHUNK = 5_000


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _insert(engine: sa.Engine, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(table.insert(), rows[i : i + CHUNK])


def generate(engine: sa.Engine, *, signalen_per_team: int, seed_value: int = 2027) -> dict[str, int]:
    """Fill a seeded database with a year of signalen, actiepunten, attendance and bijeenkomsten."""
    rnd = random.Random(seed_value)
    year = (NOW - START).total_seconds()
    with transaction(engine) as s:
        teams = [(g.id, g.chair_id) for g in s.exec(select(Group).where(Group.kind == "team")).all()]
        members = {
            gid: list(s.exec(select(Membership.person_id).where(Membership.group_id == gid)).all()) for gid, _ in teams
        }
        meetings = [(m.id, m.group_id) for m in s.exec(select(Meeting).where(Meeting.starts_at <= NOW)).all()]
    signalen: list[dict[str, Any]] = []
    acties: list[dict[str, Any]] = []
    sig_id = act_id = 0
    for gid, _chair in teams:
        people = members[gid]
        for _ in range(signalen_per_team):
            sig_id += 1
            created = START + timedelta(seconds=rnd.random() * year)
            closed = created + timedelta(days=rnd.uniform(1, 60)) if rnd.random() < 0.7 else None
            if closed is not None and closed > NOW:
                closed = None
            has_action = rnd.random() < 0.6
            status = "gesloten" if closed else ("actie" if has_action else rnd.choice(["open", "in_behandeling"]))
            signalen.append(
                {
                    "id": sig_id,
                    "group_id": gid,
                    "text": f"signaal {sig_id}",
                    "category": rnd.choice(CATEGORIES),
                    "status": status,
                    "source": "team",
                    "reported_by_id": rnd.choice(people),
                    "created_at": utc(created),
                    "updated_at": utc(closed or created),
                    "closed_at": utc(closed) if closed else None,
                }
            )
            n_actions = (1 + (rnd.random() < 0.25)) if has_action else 0
            if rnd.random() < 0.2:
                n_actions += 1  # a standalone actiepunt, made in a meeting
            for k in range(n_actions):
                act_id += 1
                linked = has_action and k < 2
                if linked:
                    made = created + timedelta(days=rnd.uniform(0, 10))
                else:
                    made = START + timedelta(seconds=rnd.random() * year)
                made = min(made, NOW - timedelta(minutes=1))
                deadline = made + timedelta(days=rnd.uniform(7, 60))
                roll = rnd.random()
                done = made + timedelta(days=rnd.uniform(1, 50)) if roll < 0.65 else None
                if done is not None and done > NOW:
                    done = None
                a_status = "gedaan" if done else ("vervallen" if roll > 0.95 else "open")
                acties.append(
                    {
                        "id": act_id,
                        "group_id": gid,
                        "text": f"actiepunt {act_id}",
                        "owner_id": rnd.choice(people),
                        "deadline": utc(deadline),
                        "status": a_status,
                        "signaal_id": sig_id if linked else None,
                        "created_by_id": rnd.choice(people),
                        "created_at": utc(made),
                        "updated_at": utc(done or made),
                        "done_at": utc(done) if done else None,
                    }
                )
    attendance: list[dict[str, Any]] = []
    for mid, gid in meetings:
        for pid in members.get(gid, []):
            status = rnd.choices(["aanwezig", "afgemeld", "afwezig"], weights=[8, 2, 1])[0]
            attendance.append({"meeting_id": mid, "person_id": pid, "status": status, "responded_at": utc(START)})
    bijeenkomsten = [
        {
            "group_id": gid,
            "starts_at": utc(START + timedelta(days=rnd.uniform(0, 420))),
            "description": "participatiebijeenkomst",
            "created_at": utc(START),
        }
        for gid, _ in teams
        for _ in range(4)
    ]
    _insert(engine, Signaal.__table__, signalen)  # type: ignore[attr-defined]
    _insert(engine, Actiepunt.__table__, acties)  # type: ignore[attr-defined]
    _insert(engine, Attendance.__table__, attendance)  # type: ignore[attr-defined]
    _insert(engine, Bijeenkomst.__table__, bijeenkomsten)  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        with engine.begin() as conn:
            for table in ("signaal", "actiepunt"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return {
        "teams": len(teams),
        "signalen": len(signalen),
        "actiepunten": len(acties),
        "attendance": len(attendance),
        "bijeenkomsten": len(bijeenkomsten),
    }


def explain(engine: sa.Engine) -> list[str]:
    """The SQLite query plans of the digest's heaviest queries (which index each one uses)."""
    if engine.dialect.name != "sqlite":
        return []
    # as UtcDateTime stores them: naive UTC
    week_start = utc(NOW - timedelta(weeks=1)).replace(tzinfo=None).isoformat(sep=" ")
    now = utc(NOW).replace(tzinfo=None).isoformat(sep=" ")
    queries = {
        "new signalen": f"SELECT group_id, category, count(*) FROM signaal WHERE group_id IN (1,2,3,4,5,6) "
        f"AND created_at >= '{week_start}' AND created_at < '{now}' GROUP BY group_id, category",
        "open signalen": "SELECT group_id, created_at FROM signaal WHERE group_id IN (1,2,3,4,5,6) "
        "AND status IN ('open','in_behandeling','actie')",
        "done actiepunten": f"SELECT group_id, created_at, done_at FROM actiepunt WHERE group_id IN (1,2,3,4,5,6) "
        f"AND status = 'gedaan' AND done_at >= '{week_start}' AND done_at < '{now}'",
        "deadlines in window": f"SELECT group_id, status FROM actiepunt WHERE group_id IN (1,2,3,4,5,6) "
        f"AND deadline >= '{week_start}' AND deadline < '{now}' AND status != 'vervallen'",
        "first action": f"SELECT s.group_id FROM actiepunt a JOIN signaal s ON s.id = a.signaal_id "
        f"WHERE a.created_at >= '{week_start}' AND a.created_at < '{now}' AND NOT EXISTS "
        "(SELECT 1 FROM actiepunt b WHERE b.signaal_id = a.signaal_id AND b.created_at < a.created_at)",
    }
    out = []
    with engine.connect() as conn:
        for name, sql in queries.items():
            plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
            out.append(f"  {name}: " + " | ".join(plan))
    return out


def measure(engine: sa.Engine) -> tuple[float, list[float], str]:
    tz = ZoneInfo("Europe/Amsterdam")
    t0 = time.perf_counter()
    with transaction(engine) as s:
        digest = weekly_digest(s, now=NOW, tz=tz)
        assert digest is not None
        _, text = digest
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(WARM_RUNS):
        t0 = time.perf_counter()
        with transaction(engine) as s:
            weekly_digest(s, now=NOW, tz=tz)
        warm.append(time.perf_counter() - t0)
    return cold, warm, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="a small dataset, only checks that it runs")
    parser.add_argument("--db", help="an empty database URL to fill (default: a temporary SQLite file)")
    parser.add_argument("--signalen-per-team", type=int, default=None)
    args = parser.parse_args(argv)
    per_team = args.signalen_per_team or (200 if args.smoke else 5_000)
    with tempfile.TemporaryDirectory(prefix="wijkbot-bench-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        with transaction(engine) as s:
            seed(s, load_config(None), now=START)
        t0 = time.perf_counter()
        counts = generate(engine, signalen_per_team=per_team)
        gen_seconds = time.perf_counter() - t0
        cold, warm, text = measure(engine)
        plans = explain(engine)
        engine.dispose()
    med = statistics.median(warm)
    print(f"wijkbot digest benchmark ({engine.dialect.name}{', smoke' if args.smoke else ''})")
    print("  data: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" (generated in {gen_seconds:.1f} s)")
    print(f"  digest for the week before {NOW:%Y-%m-%d %H:%M} ({len(text.splitlines())} lines, {len(text):,} chars)")
    print(
        f"  cold: {cold * 1000:.0f} ms; warm: median {med * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms "
        f"({WARM_RUNS} runs)"
    )
    print(f"  budget: {BUDGET_SECONDS * 1000:.0f} ms -> {'OK' if med < BUDGET_SECONDS else 'TOO SLOW'}")
    if plans:
        print("  query plans (SQLite):")
        print("\n".join(plans))
    if not args.smoke and med >= BUDGET_SECONDS:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
