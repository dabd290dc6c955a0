"""Slash-command latency: 2,000 signed `/actie` requests, 20 at a time, over HTTP to `wijkbot run`.

Three servers, each its own process on 127.0.0.1, started fresh for every round: the floor (a bare
slack-bolt AsyncApp that acknowledges and posts a fixed reply, bench/floor_app.py), `wijkbot run`
on SQLite and `wijkbot run` on PostgreSQL. The Slack Web API and the response_urls are a fake in
a fourth process (bench/fake_api.py), the load generator a fifth (bench/loadgen.py). Each round
runs the three one after the other, so a ratio to the floor is measured in the same round; the
figures are the medians over the rounds. After the load, it waits (bounded) until every command
has been answered on its response_url, so one round's leftover work never slows the next.
"""

from __future__ import annotations

import json
import math
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, Options, child, free_port, median, percentile, reset_database, rss_mb
from bench.common import wait_for_http as wait_http
from bench.results import Goal, Section, ms, table
from bench.workload import Org, write_config

NAME = "latency"
SECRET = "bench-signing-secret-8f742231b10e"
P99_GOAL = 0.100  # seconds
RATIO_GOAL = 1.5  # p99 to the floor's
P50_RATIO_GOAL = 1.2


@dataclass
class Target:
    label: str
    database: str | None  # None: the floor
    workers: int = 1  # `wijkbot run --workers N`
    latency: bool = True  # a target of the acknowledgement goals (the others measure throughput)


def _fake_api(org: Org) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [PYTHON, "-m", "bench.fake_api", json.dumps(org.channels)], cwd=ROOT, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError("the fake Slack API did not start")
    return proc, url


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return dict(json.loads(resp.read()))


def _post(url: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=5):
        pass


def _senders(org: Org) -> list[list[str]]:
    """Every member of every team sends in turn, naming a teammate as owner."""
    out = []
    for team, members in enumerate(org.members):
        for k, user in enumerate(members):
            owner = members[(k + 1) % len(members)]
            channel_id = org.team_channel_ids[team]
            out.append([user, channel_id, org.channels[channel_id], owner, org.names[owner]])
    # interleave the teams, as a meeting day would
    return [out[(i % len(org.members)) * len(org.members[0]) + i // len(org.members)] for i in range(len(out))]


def one_run(
    target: Target, *, org: Org, api: str, tmp: Path, requests: int, concurrency: int, warmup: int, deadline: float
) -> dict[str, Any]:
    """Start the server, load it, wait for every answer, stop it; the figures of this run."""
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{api}/api/",
        "PORT": str(port),
        "WIJKBOT_LOG_LEVEL": "WARNING",
    }
    if target.database is None:
        args = [PYTHON, "-m", "bench.floor_app"]
    else:
        reset_database(target.database)
        env |= {"DATABASE_URL": target.database, "WIJKBOT_CONFIG": str(org.path)}
        args = [PYTHON, "-m", "bot", "run", "--workers", str(target.workers)]
    _post(f"{api}/reset")
    log = tmp / f"server-{target.label.replace(' ', '_')}.log"
    with child(args, env=env, log=log) as proc:
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{target.label} did not start: {exc}\n{log.read_text()[-2000:]}") from exc
        spec = {
            "url": f"http://127.0.0.1:{port}/slack/events",
            "secret": SECRET,
            "requests": requests,
            "concurrency": concurrency,
            "warmup": warmup,
            "deadline": deadline,
            "response_base": f"{api}/response",
            "senders": _senders(org),
        }
        done = subprocess.run(
            [PYTHON, "-m", "bench.loadgen", json.dumps(spec)],
            cwd=ROOT,
            capture_output=True,
            timeout=deadline + 60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed: {done.stderr.decode()[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
        # every command answered on its response_url (bounded wait)
        expected, waited_until = warmup + requests, time.monotonic() + 120
        stats = _get(f"{api}/stats")
        while stats["responses"] < expected and time.monotonic() < waited_until:
            time.sleep(0.2)
            stats = _get(f"{api}/stats")
        result["answered"] = stats["responses"] - 0
        result["all_answered_after"] = (
            stats["last_response_at"] - result["started_wall"] if stats["responses"] >= expected else float("nan")
        )
        result["rss_mb"] = rss_mb(proc.pid)
    lat = result.pop("latencies")
    result["p50"], result["p99"] = percentile(lat, 50), percentile(lat, 99)
    result["n"] = len(lat)
    result["errors"] = sum(n for s, n in result["statuses"].items() if s != "200")
    result["expected"] = expected
    return result


def run(opts: Options) -> Section:
    section = Section(NAME, "Slash-command latency: signed /actie over HTTP, against the floor")
    requests, concurrency = opts.size(2000, 60), opts.size(20, 5)
    warmup, deadline = opts.size(100, 5), float(opts.size(240, 60))
    tmp_dir = tempfile.TemporaryDirectory(prefix="wijkbot-bench-latency-")
    tmp = Path(tmp_dir.name)
    soon = datetime.now(UTC) + timedelta(days=10)
    org = write_config(tmp / "org.toml", teams=6, people_per_team=40, first_meeting=soon)
    targets = [Target("floor (bare Bolt app)", None), Target("wijkbot run, SQLite", f"sqlite:///{tmp}/latency.db")]
    if opts.pg_url:
        targets.append(Target("wijkbot run, PostgreSQL", opts.pg_url))
        for n in (2, 4) if not opts.smoke else (2,):
            targets.append(Target(f"wijkbot run --workers {n}, PostgreSQL", opts.pg_url, workers=n, latency=False))
    results: dict[str, list[dict[str, Any]]] = {t.label: [] for t in targets}
    api_proc, api = _fake_api(org)
    try:
        for r in range(opts.runs):
            for t in targets:
                res = one_run(
                    t,
                    org=org,
                    api=api,
                    tmp=tmp,
                    requests=requests,
                    concurrency=concurrency,
                    warmup=warmup,
                    deadline=deadline,
                )
                results[t.label].append(res)
                print(
                    f"   round {r + 1} {t.label}: p50 {ms(res['p50'])}, p99 {ms(res['p99'])}, "
                    f"{res['throughput']:.0f}/s, errors {res['errors']}, answered {res['answered']}/{res['expected']}",
                    flush=True,
                )
    finally:
        api_proc.terminate()
        api_proc.wait(timeout=10)
        if opts.pg_url:
            reset_database(opts.pg_url)
        tmp_dir.cleanup()

    floor = results[targets[0].label]
    rows = []
    scaling: dict[int, float] = {}
    for t in targets:
        runs = results[t.label]
        p50, p99 = median([x["p50"] for x in runs]), median([x["p99"] for x in runs])
        thr = median([x["throughput"] for x in runs])
        finished = [x for x in runs if math.isfinite(x["all_answered_after"])]  # rounds answered in full
        answered = median([x["all_answered_after"] for x in finished]) if finished else math.nan
        done_per_s = median([x["expected"] / x["all_answered_after"] for x in finished]) if finished else math.nan
        if t.database is not None and "PostgreSQL" in t.label:
            scaling[t.workers] = done_per_s
        if t.database is None:
            r50 = r99 = rthr = "1.00"
        else:
            r50 = f"{median([x['p50'] / f['p50'] for x, f in zip(runs, floor, strict=True)]):.2f}"
            ratio99 = median([x["p99"] / f["p99"] for x, f in zip(runs, floor, strict=True)])
            r99 = f"{ratio99:.2f}"
            rthr = f"{median([x['throughput'] / f['throughput'] for x, f in zip(runs, floor, strict=True)]):.2f}"
            db = "SQLite" if "SQLite" in t.label else "PostgreSQL"
        if t.database is not None and t.latency:
            ratio50 = median([x["p50"] / f["p50"] for x, f in zip(runs, floor, strict=True)])
            met = None if opts.smoke else ratio50 <= P50_RATIO_GOAL
            section.goals.append(Goal("/actie p50 ratio to the floor", db, f"{ratio50:.2f}x", "≤ 1.2x", met))
            met = None if opts.smoke else p99 < P99_GOAL
            section.goals.append(Goal("/actie p99 time to acknowledge", db, ms(p99), "< 100 ms", met))
            met = None if opts.smoke else ratio99 <= RATIO_GOAL
            section.goals.append(Goal("/actie p99 ratio to the floor", db, f"{ratio99:.2f}x", "≤ 1.5x", met))
        errors = sum(x["errors"] for x in runs)
        rss = median([x["rss_mb"] for x in runs])
        rows.append(
            [
                t.label,
                ms(p50),
                ms(p99),
                f"{thr:.0f}/s",
                f"{r50} / {r99} / {rthr}",
                f"{answered:.1f} s ({done_per_s:.0f}/s)",
                str(errors),
                f"{rss:.0f} MB",
            ]
        )
    section.lines += [
        f"{requests:,} signed `/actie <tekst> @eigenaar vrijdag` requests (after {warmup} warm-up requests)",
        f"at {concurrency} concurrent connections, from six teams of 40 people (so the per-person rate limit",
        f"never refuses one); median of {opts.runs} rounds, a fresh server process and database each round.",
        "Ratios (p50 / p99 / throughput) are to the floor of the same round. *All answered*: from the first",
        "request until the last command's answer arrived on its response_url (the work after the ack),",
        "and in brackets the commands done end to end per second. `wijkbot run` is the web process with",
        "`--workers N` worker processes and a scheduler process (RSS: the web process).",
        "",
        *table(
            ["server", "p50 ack", "p99 ack", "ack throughput", "ratio to floor", "all answered", "errors", "RSS after"],
            rows,
        ),
    ]
    if math.isfinite(scaling.get(1, math.nan)) and len(scaling) > 1:
        base = scaling[1]
        section.lines += [
            "",
            "Commands done end to end on PostgreSQL by the number of worker processes (two cores here):",
            "",
            *table(
                ["workers", "commands/s", "scaling"],
                [[str(n), f"{v:.0f}/s", f"{v / base:.2f}x"] for n, v in sorted(scaling.items())],
            ),
        ]
    return section
