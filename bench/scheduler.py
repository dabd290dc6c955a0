"""Scheduler: 10,000 planned reminders; start-up of `wijkbot run`, `:advance 1y`, idle memory.

The organisation is 100 teams meeting every week (reminders 7 and 1 days before), so a year ahead
holds about 5,200 meetings and 10,400 reminders, next to whatever other moments schedules/ derives
from them (nudges, the attendance question). It runs against whatever schedules/ registers.

- start-up: from starting `wijkbot run` (Slack in HTTP mode, a fake Web API) until `GET /healthz`
  answers; /healthz is served only after the transports and the scheduler have started.
- idle memory: VmRSS of that process from /proc, a few seconds after start-up, doing nothing.
- `:advance 1y`: `wijkbot console` on a fresh copy of the database; from writing `:advance 1y` to
  its "Het is nu ..." line, with every message the jobs post printed (to a pipe that is read).
"""

from __future__ import annotations

import json
import select
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import PYTHON, ROOT, Options, child, free_port, median, reset_database, rss_mb, wait_for_http
from bench.results import Goal, Section, median_of, sec, table
from bench.workload import TZ, Org, write_config
from bot.core import Clock, Wijkbot

NAME = "scheduler"
START_GOAL, ADVANCE_GOAL, RSS_GOAL = 1.5, 30.0, 150.0
YEAR_CAP = 150  # seconds: `:advance 1y` is stopped here and reported as "more than"


def prepare(url: str, org: Org, now: datetime) -> dict[str, int]:
    """A fresh database with the organisation seeded (meetings planned 400 days ahead)."""
    reset_database(url)
    bot = Wijkbot.create(db_url=url, config_path=str(org.path), clock=Clock(now))
    year = now + timedelta(days=365)
    with bot.engine.connect() as conn:
        meetings = conn.execute(
            sa.text("SELECT count(*) FROM meeting WHERE status = 'gepland' AND starts_at > :a AND starts_at <= :b"),
            {"a": now.astimezone(UTC).replace(tzinfo=None), "b": year.astimezone(UTC).replace(tzinfo=None)},
        ).scalar_one()
    bot.engine.dispose()
    return {"meetings": int(meetings), "reminders": int(meetings) * 2}


def start_up(url: str, org: Org, api: str, tmp: Path, idle: float) -> tuple[float, float]:
    """Seconds until /healthz answers, and RSS (MB) after `idle` seconds of doing nothing."""
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "SLACK_API_URL": f"{api}/api/",
        "PORT": str(port),
        "DATABASE_URL": url,
        "WIJKBOT_CONFIG": str(org.path),
        "WIJKBOT_LOG_LEVEL": "WARNING",
    }
    log = tmp / "run.log"
    t0 = time.perf_counter()
    with child([PYTHON, "-m", "bot", "run"], env=env, log=log) as proc:
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=120, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"wijkbot run did not start: {exc}\n{log.read_text()[-2000:]}") from exc
        started = time.perf_counter() - t0
        time.sleep(idle)
        rss = rss_mb(proc.pid)
    return started, rss


def advance(url: str, org: Org, now: datetime, span: str, timeout: float) -> dict[str, Any]:
    """`wijkbot console` with `:advance <span>`: its duration and how many lines it printed."""
    args = [PYTHON, "-m", "bot", "console", "--db", url, "--config", str(org.path), "--now", now.isoformat()]
    proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None
    assert proc.stdout is not None
    out = proc.stdout
    deadline = time.monotonic() + timeout
    lines = 0
    buf = b""

    def until(predicate: Any) -> str:
        nonlocal buf, lines
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines += 1
                text = line.decode(errors="replace")
                if predicate(text):
                    return text
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f":advance {span} took longer than {timeout:.0f} s ({lines} lines)")
            ready, _, _ = select.select([out], [], [], left)
            if ready:
                chunk = out.read1(65536)  # type: ignore[attr-defined]  # a pipe is a BufferedReader (read1), IO[bytes] does not say so
                if not chunk:
                    raise RuntimeError(f"the console stopped (exit {proc.wait()})")
                buf += chunk

    took, capped = float("nan"), False
    try:
        proc.stdin.write(b":now\n")
        proc.stdin.flush()
        until(lambda t: bool(t.strip()))  # the console has started and answered
        lines = 0
        t0 = time.perf_counter()
        proc.stdin.write(f":advance {span}\n".encode())
        proc.stdin.flush()
        try:
            until(lambda t: t.startswith("Het is nu"))
            took = time.perf_counter() - t0
            proc.stdin.write(b":quit\n")
            proc.stdin.close()
            proc.wait(timeout=30)
        except TimeoutError:
            took, capped = time.perf_counter() - t0, True
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return {"seconds": took, "lines": lines - 1, "capped": capped}


def run(opts: Options) -> Section:
    section = Section(NAME, "Scheduler: 10,000 planned reminders")
    teams, span, short = opts.size(100, 6), "1y" if not opts.smoke else "2w", "4w" if not opts.smoke else "1w"
    tmp_dir = tempfile.TemporaryDirectory(prefix="wijkbot-bench-scheduler-")
    tmp = Path(tmp_dir.name)
    # a whole minute, local time, shortly ahead: the console's --now and the live start see the same plan
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    org = write_config(
        tmp / "org.toml", teams=teams, people_per_team=5, every_weeks=1, first_meeting=now + timedelta(days=1)
    )
    databases = [("SQLite", f"sqlite:///{tmp}/sched.db")]
    if opts.pg_url:
        databases.append(("PostgreSQL", opts.pg_url))
    api_proc = subprocess.Popen(
        [PYTHON, "-m", "bench.fake_api", json.dumps(org.channels)], cwd=ROOT, stdout=subprocess.PIPE
    )
    rows = []
    try:
        assert api_proc.stdout is not None
        api = api_proc.stdout.readline().decode().strip()
        for label, url in databases:
            planned = prepare(url, org, now)
            starts, rss = [], []
            for _ in range(opts.runs):
                s, r = start_up(url, org, api, tmp, idle=opts.size(5, 1))
                starts.append(s)
                rss.append(r)
            # `:advance 4w` to the end, then the year with a cap (when it is far off, waiting it out
            # would only tell the same thing later); one run each: they are long
            prepare(url, org, now)
            month = advance(url, org, now, short, timeout=opts.size(600, 60))
            prepare(url, org, now)
            year = advance(url, org, now, span, timeout=opts.size(YEAR_CAP, 60))
            start_s, rss_s = median(starts), median(rss)
            adv_s = year["seconds"]
            year_text = (
                f"> {sec(adv_s)} (stopped; {year['lines']:,} lines by then)"
                if year["capped"]
                else f"{sec(adv_s)} ({year['lines']:,} lines)"
            )
            rows.append(
                [
                    label,
                    f"{planned['meetings']:,} / {planned['reminders']:,}",
                    sec(start_s),
                    f"{rss_s:.0f} MB",
                    f"{sec(month['seconds'])} ({month['lines']:,} lines)",
                    year_text,
                ]
            )

            def verdict(ok: bool) -> bool | None:
                return None if opts.smoke else ok

            section.goals += [
                Goal(
                    "`wijkbot run` start-up", label, sec(start_s), f"< {START_GOAL:g} s", verdict(start_s < START_GOAL)
                ),
                Goal(
                    f"console `:advance {span}`",
                    label,
                    ("> " if year["capped"] else "") + sec(adv_s),
                    "< 30 s",
                    verdict(not year["capped"] and adv_s < ADVANCE_GOAL),
                ),
                Goal("idle `wijkbot run` RSS", label, f"{rss_s:.0f} MB", "< 150 MB", verdict(rss_s < RSS_GOAL)),
            ]
            if url.startswith("postgresql"):
                reset_database(url)
    finally:
        api_proc.terminate()
        api_proc.wait(timeout=10)
        tmp_dir.cleanup()
    section.lines += [
        f"{teams} teams of 5 meeting every week, reminders 7 and 1 days before; planned = meetings in the year",
        f"ahead and their reminders. {median_of(opts.runs)}. Start-up: `wijkbot run` until /healthz answers;",
        f"RSS: {opts.size(5, 1)} s after that, idle. `:advance`: `wijkbot console` on a fresh database, printing",
        f"every message the jobs post; one run each, the year stopped after {YEAR_CAP:.0f} s when it takes longer.",
        "",
        *table(
            ["database", "meetings / reminders", "start-up", "idle RSS", f":advance {short}", f":advance {span}"],
            rows,
        ),
    ]
    return section
