"""`wijkbot run`: the web process, its worker processes, the scheduler, the outbox relay, /healthz.

Roles (`--role`):
- `web`: the HTTP server (/healthz and the transports' routes). A Slack command, click or event
  is verified, written to the inbox and acknowledged; nothing else runs on its event loop.
- `worker`: takes requests from the inbox and runs them (bot/inbox.py), and delivers the outbox.
- `scheduler`: the planned reminders, reports and digests (one leader on PostgreSQL), and the outbox.
- `all` (the default): the web process, which starts `--workers N` worker processes (default 1)
  and one scheduler process, and starts again one that dies. `--workers 0` runs everything in
  this one process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import signal
import socket
import sys
from datetime import timedelta

import uvicorn

from bot import transports
from bot.core import Wijkbot
from bot.http import create_http_app, server_config
from bot.inbox import InboxWorker, Processor, worker_id
from bot.settings import Settings
from bot.transports import Adapter as Transport
from handlers import inbox
from handlers.notify import DeliveryPolicy, outbox_health
from storage.db import reachable

log = logging.getLogger(__name__)
WORKER_THREADS = 2  # threads of the web process (and of everything in one process)
WORKER_PROCESS_THREADS = 4  # a worker acknowledges nothing: more threads may wait on the database
RELAY_INTERVAL = 5.0  # seconds between outbox rounds when nothing kicks it earlier
WORKER_RELAY_INTERVAL = 1.0  # workers look more often: the web process queues messages too
MAX_ROUNDS = 3  # outbox rounds running at once (a round may wait on a slow destination)
ROLES = ("all", "web", "worker", "scheduler")
RESTART_AFTER = (1.0, 30.0)  # seconds before a dead child is started again: at first, at most
STOP_GRACE = 10.0  # seconds a child gets to finish what it holds after SIGTERM


def configured_transports(bot: Wijkbot, settings: Settings) -> list[Transport]:
    """An adapter for every registered transport the settings turn on (bot/transports.py)."""
    return transports.build_enabled(bot, settings)


async def relay_outbox(bot: Wijkbot, wake: asyncio.Event, interval: float = RELAY_INTERVAL) -> None:
    """Deliver the outbox now and then, and at once when something was queued.

    A new round starts even while an earlier one still waits on a slow destination (up to
    MAX_ROUNDS at once): the claimed message keeps that destination out of the new round, so
    other places are never held back by it.
    """
    rounds: set[asyncio.Task[None]] = set()
    try:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=interval)
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
    """GET /healthz: the database, the transports, the inbox and the outbox; not ok past the limits."""
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
    waiting = inbox.counts(bot.engine)
    waited = max(0, int((bot.clock.now() - waiting.oldest).total_seconds())) if waiting.oldest else 0
    if waited > settings.wijkbot_health_max_age:
        problems.append(
            f"het oudste verzoek wacht {waited} s op een worker (langer dan {settings.wijkbot_health_max_age} s)"
        )
    info["inbox"] = {"open": waiting.open, "oldest_age_seconds": waited}
    info["outbox"] = {**state, "problems": problems}
    info["ok"] = not problems
    return info


def _threads(n: int) -> None:
    # Commands run in threads; in the web process few threads keep the event loop free to
    # acknowledge within Slack's 3 seconds (more threads only fight over the same cores).
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=n, thread_name_prefix="wijkbot")
    )


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)


def processors(running: list[Transport]) -> list[Processor]:
    """The transports whose requests come through the inbox (those with `process`)."""
    return [t for t in running if isinstance(t, Processor)]


async def run(
    *,
    db_url: str | None,
    config_path: str | None,
    settings: Settings | None = None,
    role: str = "all",
    workers: int = 1,
    prepared: bool = False,
) -> int:
    settings = settings or Settings()
    if not transports.enabled(settings):
        print(transports.nothing_configured(), file=sys.stderr)
        return 1
    url = db_url or settings.database_url
    if role in ("worker", "scheduler"):
        return await run_background(
            db_url=url, config_path=config_path, settings=settings, role=role, prepared=prepared
        )
    _threads(WORKER_THREADS)
    bot = Wijkbot.create(db_url=url, config_path=config_path, settings=settings, prepared=prepared)
    bot.delivery = delivery_policy(settings)
    running = configured_transports(bot, settings)
    bot.notifiers.extend(t.notifier for t in running)
    alone = role == "all" and workers <= 0  # everything in this one process

    def health() -> dict[str, object]:
        return health_report(bot, settings, [t.name for t in running])

    routes = [r for t in running for r in t.routes()]
    server = uvicorn.Server(server_config(create_http_app(routes, health), host="0.0.0.0", port=settings.port))
    for t in running:
        await t.start()
    stop = asyncio.Event()
    _stop_on_signals(stop)
    background: list[asyncio.Task[None]] = []
    scheduler = None
    if alone:
        worker = InboxWorker(bot, processors(running), lease=timedelta(seconds=settings.wijkbot_inbox_lease))
        bot.on_received = worker.wake
        background.append(asyncio.create_task(worker.run(stop)))
        from schedules.live import start_scheduler

        scheduler = start_scheduler(bot, leader_retry=settings.wijkbot_leader_retry)
    wake = asyncio.Event()
    bot.on_queued = wake.set  # what this process queues (Telegram, Teams, modals) goes at once
    background.append(asyncio.create_task(relay_outbox(bot, wake)))
    children = None
    if role == "all" and workers > 0:
        plan = [("worker", n) for n in range(workers)] + [("scheduler", 0)]
        children = Children(bot, plan, db_url=url, config_path=config_path)
        background.append(asyncio.create_task(children.run(stop)))
    serve = asyncio.create_task(server.serve())
    log.info("wijkbot draait: %s op poort %s", ", ".join(t.name for t in running), settings.port)
    await stop.wait()
    server.should_exit = True
    await serve
    if children is not None:
        await children.stopped()
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    for t in running:
        await t.stop()
    bot.engine.dispose()
    return 0


async def run_background(*, db_url: str, config_path: str | None, settings: Settings, role: str, prepared: bool) -> int:
    """A worker (the inbox and the outbox) or the scheduler (and the outbox): no HTTP, no listening."""
    with contextlib.suppress(OSError):
        os.nice(settings.wijkbot_worker_nice)  # the web process acknowledges first
    _threads(WORKER_PROCESS_THREADS)
    bot = Wijkbot.create(db_url=db_url, config_path=config_path, settings=settings, prepared=prepared)
    bot.delivery = delivery_policy(settings)
    running = configured_transports(bot, settings)
    bot.notifiers.extend(t.notifier for t in running)
    for t in running:
        await t.start(listen=False)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    orphaned = asyncio.create_task(_stop_when_orphaned(stop)) if prepared else None
    wake = asyncio.Event()
    bot.on_queued = wake.set
    relay = asyncio.create_task(relay_outbox(bot, wake, WORKER_RELAY_INTERVAL))
    working: asyncio.Task[None] | None = None
    scheduler = None
    if role == "worker":
        lease = timedelta(seconds=settings.wijkbot_inbox_lease)
        worker = InboxWorker(bot, processors(running), worker=worker_id(role), lease=lease)
        bot.on_received = worker.wake
        working = asyncio.create_task(worker.run(stop))
        log.info("wijkbot worker %s draait", os.getpid())
    else:
        from schedules.live import start_scheduler

        scheduler = start_scheduler(bot, leader_retry=settings.wijkbot_leader_retry)
        log.info("wijkbot planner %s draait", os.getpid())
    await stop.wait()
    if working is not None:  # what it holds is finished first (a kill leaves it to the lease)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(working), timeout=STOP_GRACE)
        working.cancel()
    relay.cancel()
    if orphaned is not None:
        orphaned.cancel()
    await asyncio.gather(relay, *([working] if working else []), return_exceptions=True)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    for t in running:
        await t.stop()
    bot.engine.dispose()
    return 0


async def _stop_when_orphaned(stop: asyncio.Event, every: float = 1.0) -> None:
    """A child of `wijkbot run` stops when its parent is gone (killed, say): nobody would stop it."""
    parent = os.getppid()
    while os.getppid() == parent:  # noqa: ASYNC110 - nothing to wait on: the kernel tells no event
        await asyncio.sleep(every)
    log.warning("wijkbot: het hoofdproces is weg; dit proces stopt")
    stop.set()


class Children:
    """The worker and scheduler processes of `wijkbot run`: started, started again when they die, stopped."""

    def __init__(self, bot: Wijkbot, plan: list[tuple[str, int]], *, db_url: str, config_path: str | None) -> None:
        self.bot, self.plan = bot, plan
        self.args = ["--db", db_url, *(["--config", config_path] if config_path else [])]
        self.procs: dict[tuple[str, int], asyncio.subprocess.Process] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def run(self, stop: asyncio.Event) -> None:
        self._tasks = [asyncio.create_task(self._keep(role, n)) for role, n in self.plan]
        await stop.wait()

    async def _keep(self, role: str, n: int) -> None:
        pause = RESTART_AFTER[0]
        loop = asyncio.get_running_loop()
        while not self._stopping:
            cmd = [sys.executable, "-m", "bot", "run", "--role", role, "--prepared", *self.args]
            proc = await asyncio.create_subprocess_exec(*cmd)
            self.procs[(role, n)] = proc
            started = loop.time()
            code = await proc.wait()
            if self._stopping:
                return
            # a dead worker's claims need not wait for their lease: it holds nothing any more
            prefix = f"{socket.gethostname()}:{proc.pid}:"
            freed = await asyncio.to_thread(inbox.release, self.bot.engine, prefix, now=self.bot.clock.now())
            log.error("wijkbot %s %s stopte (code %s); %s verzoeken vrijgegeven", role, proc.pid, code, freed)
            if loop.time() - started > 60:
                pause = RESTART_AFTER[0]
            await asyncio.sleep(pause)
            pause = min(pause * 2, RESTART_AFTER[1])

    async def stopped(self) -> None:
        """SIGTERM to every child; SIGKILL to one that has not stopped after STOP_GRACE."""
        self._stopping = True
        alive = [p for p in self.procs.values() if p.returncode is None]
        for p in alive:
            with contextlib.suppress(ProcessLookupError):
                p.terminate()
        for p in alive:
            try:
                await asyncio.wait_for(p.wait(), timeout=STOP_GRACE)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    p.kill()
                await p.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
