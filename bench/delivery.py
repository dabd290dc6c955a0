"""Delivery against Slack's physical limit: the outbox to 200 channels, one message a second each.

The fake Slack (bench/fake_api.py, its own process) enforces Slack's rule for chat.postMessage,
about one message a second per channel, with 429 and Retry-After. wijkbot's real delivery (the
Slack notifier, `Wijkbot.flush`, the outbox relay of `wijkbot run`) sends N messages to each of
200 channels. In T seconds a channel can take at most T + 1 messages, so the limit is N - 1
seconds from the first post to the last: the fraction of the limit is (N - 1) / T (goal ≥ 80%).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bench.common import PYTHON, ROOT, Options, median, reset_database
from bench.results import Goal, Section, median_of
from bench.workload import write_config

NAME = "delivery"
GOAL = 0.8  # of the physical limit
PACE = 1.0  # Slack: about one message a second per channel
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _fake(channels: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [PYTHON, "-m", "bench.fake_api", json.dumps(channels), str(PACE)], cwd=ROOT, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().decode().strip()


async def _stats(http: aiohttp.ClientSession, api: str) -> dict[str, Any]:
    async with http.get(f"{api}/stats") as resp:
        answer: dict[str, Any] = await resp.json()
        return answer


async def _deliver(url: str, config: Path, api: str, channels: list[str], per: int, cap: float) -> dict[str, Any]:
    """Queue `per` messages to each channel, run the relay until the fake took them all."""
    from bot.core import Clock, Wijkbot
    from bot.run import relay_outbox
    from bot.settings import Settings
    from bot.slack import SlackTransport
    from storage import outbox
    from storage.db import transaction

    bot = Wijkbot.create(db_url=url, config_path=str(config), clock=Clock(NOW))
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-bench"),
        slack_signing_secret=SecretStr("bench-secret"),
        slack_api_url=f"{api}/api/",
        wijkbot_outbox_pace=PACE,
    )
    transport = SlackTransport(bot, settings)
    bot.notifiers.append(transport.notifier)
    await transport.start(listen=False)
    with transaction(bot.engine) as s:
        for n in range(per):
            for channel in channels:
                outbox.enqueue(
                    s, kind="channel", destination=channel, text=f"Bericht {n + 1} voor #{channel} & <buren>", now=NOW
                )
    total = per * len(channels)
    async with aiohttp.ClientSession() as http:
        await http.post(f"{api}/reset")
        wake = asyncio.Event()
        wake.set()
        started = time.monotonic()
        relay = asyncio.create_task(relay_outbox(bot, wake))
        stats = await _stats(http, api)
        while stats["posts"] < total and time.monotonic() - started < cap:
            await asyncio.sleep(0.2)  # the fake is another process: its counter is polled
            stats = await _stats(http, api)
        waiting = await asyncio.to_thread(_waiting, bot.engine)
        while waiting and time.monotonic() - started < cap:  # every post also recorded as sent
            await asyncio.sleep(0.2)
            waiting = await asyncio.to_thread(_waiting, bot.engine)
        recorded = time.monotonic()  # CLOCK_MONOTONIC: the same clock as the fake's, another process
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)
    await transport.stop()
    bot.engine.dispose()
    span = float(stats["last_post_at"]) - float(stats["first_post_at"])
    return {
        "posts": int(stats["posts"]),
        "refused": int(stats["refused"]),
        "span": span,
        "waiting": waiting,
        "recorded": recorded - float(stats["last_post_at"]),  # after the last post (polled: ± 0.2 s)
        "complete": stats["posts"] >= total and not waiting,
    }


def _waiting(engine: Any) -> int:
    from storage import outbox
    from storage.db import transaction

    with transaction(engine) as s:
        return outbox.counts(s).waiting


def run(opts: Options) -> Section:
    section = Section(NAME, "Delivery: the outbox to 200 channels at Slack's one message a second each")
    n_channels, per = opts.size(200, 5), opts.size(15, 3)
    limit = per - 1  # seconds from the first post to the last, at best
    tmp = Path(tempfile.mkdtemp(prefix="wijkbot-delivery-"))
    org = write_config(tmp / "org.toml", teams=1, first_meeting=NOW)
    channels = [f"kanaal-{n:03d}" for n in range(n_channels)]
    slack_channels = {f"C0K{n:06d}": name for n, name in enumerate(channels)}
    databases = [("SQLite", f"sqlite:///{tmp}/delivery.db")]
    if opts.pg_url:
        databases.append(("PostgreSQL", opts.pg_url))
    section.lines += [
        f"{per} messages to each of {n_channels} channels ({per * n_channels:,} in all), queued at once; "
        f"the fake Slack answers 429 (Retry-After) to a post sooner than {PACE:.0f} s after the channel's last. "
        f"At best the last post comes {limit} s after the first. {median_of(opts.runs)}.",
        "",
        "| database | first to last post | fraction of the limit | posts | 429s | recorded after last post | left |",
        "|---|---|---|---|---|---|---|",
    ]
    api_proc, api = _fake(slack_channels)
    try:
        for label, url in databases:
            results = []
            for _ in range(opts.runs):
                reset_database(url)
                results.append(asyncio.run(_deliver(url, org.path, api, channels, per, cap=opts.size(300, 60))))
            span = median([r["span"] for r in results])
            complete = all(r["complete"] for r in results)
            fraction = limit / span if complete and span > 0 else 0.0
            worst = max(results, key=lambda r: r["span"])
            section.lines.append(
                f"| {label} | {span:.1f} s | {fraction:.0%} | {worst['posts']:,} | {worst['refused']:,} "
                f"| {worst['recorded']:.1f} s | {worst['waiting']:,} |"
            )
            met = None if opts.smoke else complete and fraction >= GOAL
            section.goals.append(
                Goal("delivery to 200 channels, fraction of Slack's limit", label, f"{fraction:.0%}", "≥ 80%", met)
            )
    finally:
        api_proc.terminate()
        api_proc.wait(timeout=10)
    return section
