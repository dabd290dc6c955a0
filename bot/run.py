"""`wijkbot run`: every configured transport, the scheduler, the outbox relay and /healthz."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import signal
import sys
from datetime import timedelta

import uvicorn

from bot import transports
from bot.core import Wijkbot
from bot.http import create_http_app, server_config
from bot.settings import Settings
from bot.transports import Adapter as Transport
from handlers.notify import DeliveryPolicy, outbox_health
from storage.db import reachable

log = logging.getLogger(__name__)
WORKER_THREADS = 2
RELAY_INTERVAL = 5.0  # seconds between outbox rounds when nothing kicks it earlier
MAX_ROUNDS = 3  # outbox rounds running at once (a round may wait on a slow destination)


def configured_transports(bot: Wijkbot, settings: Settings) -> list[Transport]:
    """An adapter for every registered transport the settings turn on (bot/transports.py)."""
    return transports.build_enabled(bot, settings)


async def relay_outbox(bot: Wijkbot, wake: asyncio.Event) -> None:
    """Deliver the outbox now and then, and at once when something was queued.

    A new round starts even while an earlier one still waits on a slow destination (up to
    MAX_ROUNDS at once): the claimed message keeps that destination out of the new round, so
    other places are never held back by it.
    """
    rounds: set[asyncio.Task[None]] = set()
    try:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=RELAY_INTERVAL)
            wake.clear()
            if len(rounds) >= MAX_ROUNDS:
                await asyncio.wait(rounds, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(_round(bot))
            rounds.add(task)
            task.add_done_callback(rounds.discard)
    finally:  # stopping: a message in flight stays claimed and goes again after its lease
        for task in list(rounds):
            task.cancel()
        await asyncio.gather(*rounds, return_exceptions=True)


async def _round(bot: Wijkbot) -> None:
    try:
        await bot.flush()
    except Exception:
        log.exception("outbox round failed; retrying later")


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        send_timeout=settings.wijkbot_send_timeout,
        max_age=timedelta(seconds=settings.wijkbot_outbox_max_age),
    )


def health_report(bot: Wijkbot, settings: Settings, transports: list[str]) -> dict[str, object]:
    """GET /healthz: the database, the transports and the outbox; not ok past the configured limits."""
    db_ok = reachable(bot.engine)
    info: dict[str, object] = {"ok": db_ok, "database": db_ok, "transports": transports}
    if not db_ok:
        return info
    state = outbox_health(bot.engine, bot.notifiers, now=bot.clock.now())
    problems: list[str] = []
    parked = int(str(state["parked"]))
    if parked > settings.wijkbot_health_max_parked:
        problems.append(f"{parked} geparkeerde berichten (meer dan {settings.wijkbot_health_max_parked})")
    age = int(str(state["oldest_deliverable_age_seconds"]))
    if age > settings.wijkbot_health_max_age:
        problems.append(f"het oudste bezorgbare bericht wacht {age} s (langer dan {settings.wijkbot_health_max_age} s)")
    info["outbox"] = {**state, "problems": problems}
    info["ok"] = not problems
    return info


async def run(*, db_url: str | None, config_path: str | None, settings: Settings | None = None) -> int:
    settings = settings or Settings()
    if not transports.enabled(settings):
        print(transports.nothing_configured(), file=sys.stderr)
        return 1
    # Commands run in worker threads; few threads keep the event loop free to acknowledge Slack
    # within its 3 seconds under a burst (more threads only fight over the same cores).
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="wijkbot")
    )
    bot = Wijkbot.create(db_url=db_url or settings.database_url, config_path=config_path, settings=settings)
    bot.delivery = delivery_policy(settings)
    running = configured_transports(bot, settings)
    bot.notifiers.extend(t.notifier for t in running)
    wake = asyncio.Event()
    bot.on_queued = wake.set

    def health() -> dict[str, object]:
        return health_report(bot, settings, [t.name for t in running])

    routes = [r for t in running for r in t.routes()]
    server = uvicorn.Server(server_config(create_http_app(routes, health), host="0.0.0.0", port=settings.port))
    for t in running:
        await t.start()
    from schedules.live import start_scheduler

    scheduler = start_scheduler(bot, leader_retry=settings.wijkbot_leader_retry)
    relay = asyncio.create_task(relay_outbox(bot, wake))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    serve = asyncio.create_task(server.serve())
    log.info("wijkbot draait: %s op poort %s", ", ".join(t.name for t in running), settings.port)
    await stop.wait()
    server.should_exit = True
    await serve
    relay.cancel()
    scheduler.shutdown(wait=False)
    for t in running:
        await t.stop()
    bot.engine.dispose()
    return 0
