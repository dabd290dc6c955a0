"""The live scheduler (APScheduler 3.x AsyncIOScheduler) for `wijkbot run`.

- Recurring jobs (`JobSpec`) live in a persistent job store (SQLAlchemyJobStore on the bot's own
  database) under their explicit ids, added with `replace_existing=True`, `coalesce` and a
  per-job `misfire_grace_time`. A run missed while the bot was down is kept on restart (the
  stored next run time survives when the trigger is unchanged), so it happens once on start
  when still within its grace, and is skipped with APScheduler's log line when not.
- Data-driven moments (`InstantSource`, e.g. meeting reminders) are not stored as thousands of
  jobs: each source is one job at its next moment, recomputed from the data after each run and
  every minute (meetings planned in chat, possibly by another process). The source keeps its
  own mark, so what was missed while the bot was down is handled once on start.
- Only one process schedules: on PostgreSQL the leader holds `pg_try_advisory_lock` on a
  dedicated connection for its lifetime; the others retry now and then and take over when the
  leader goes away. Dedupe keys in the outbox make a double run harmless anyway.
- Nothing runs between 02:00 and 03:00 local time: a job that comes due then is moved to 03:00.

The scheduler's notion of now is the bot's clock (`schedules.clocked`), never the machine's: what
is due, what was missed beyond its grace and how long to wait are decided on that clock. Jobs get
`now` from the same clock and run one at a time in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from schedules.clocked import ClockedAsyncIOScheduler
from schedules.jobs import (
    DEFAULT_MISFIRE_GRACE,
    QUIET_HOUR,
    InstantSource,
    JobSpec,
    after_quiet_hour,
    all_jobs,
    all_sources,
    due_moment,
    in_quiet_hour,
    read_marks,
    write_mark,
)
from schedules.runtime import Runtime
from storage.db import transaction

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
VOLATILE = "volatile"  # in-memory store for jobs recomputed from the data on every start
LOCK_KEY = 0x77696A6B626F74  # "wijkbot": the advisory lock of the scheduler leader
DEFERRED = "@na-nachtrust"  # suffix of a one-off job that runs a deferred job at 03:00
RETRY = "@opnieuw"  # suffix of a one-off job that runs a failed job again
JOB_MARK = "job:"  # ClockState key prefix: the due moment a recurring job last completed
RESYNC_ID = "wijkbot:bijwerken"
LEADER_RETRY = 30.0  # seconds; `wijkbot run` passes WIJKBOT_LEADER_RETRY (bot.settings)


def resync_trigger(tz: object) -> CronTrigger:
    """Every minute, except in the quiet hour."""
    return CronTrigger(minute="*", hour=f"0-{QUIET_HOUR - 1},{QUIET_HOUR + 1}-23", timezone=tz)


async def run_spec(spec_id: str) -> None:
    """The name under which the persistent job store keeps every recurring job (`schedules.live:run_spec`).

    A stored job names a module-level function; the store hands each job it loads to the scheduler
    that loaded it (`_JobStore`), so there is no process-wide "active scheduler". This function only
    runs when a job reaches a scheduler without that store.
    """
    log.warning("job %s kwam aan de beurt, maar er draait geen planner", spec_id)


class _JobStore(SQLAlchemyJobStore):  # type: ignore[misc]  # APScheduler 3 has no type hints
    """The SQLAlchemy job store on the bot's engine, owned by one LiveScheduler.

    A job it loads runs on its own scheduler (`LiveScheduler.run_spec`), and it must not dispose
    the bot's engine on shutdown.
    """

    def __init__(self, live: LiveScheduler, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.live = live

    def _reconstitute_job(self, job_state: bytes) -> Job:
        job: Job = super()._reconstitute_job(job_state)
        if job.func is run_spec:
            job.func = self.live.run_spec  # the stored reference stays `run_spec` (func_ref)
        return job

    def shutdown(self) -> None:
        pass


class LiveScheduler:
    """The scheduler of one `wijkbot run` process: leader election, persistent and volatile jobs."""

    def __init__(self, bot: Runtime, *, leader_retry: float = LEADER_RETRY) -> None:
        self.bot = bot
        self.specs: dict[str, JobSpec] = {s.id: s for s in all_jobs(bot.config)}
        self.sources: dict[str, InstantSource] = {s.id: s for s in all_sources(bot.config)}
        self.scheduler: ClockedAsyncIOScheduler | None = None
        self.leader_retry = leader_retry  # how often a process that is not the leader tries to become it
        self._lock = asyncio.Lock()
        self._lock_conn: sa.Connection | None = None
        self._watch: asyncio.Task[None] | None = None
        self.retry_after = timedelta(minutes=1)

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> LiveScheduler:
        """Become the scheduler, or (PostgreSQL, another process leads) wait to become it."""
        if self.bot.engine.dialect.name != "postgresql":
            self._lead()  # SQLite: one process
            return self
        if self._try_lock():
            self._lead()
        else:
            log.info("planner: een ander proces plant al; ik probeer het elke %.0f s opnieuw", self.leader_retry)
        self._watch = asyncio.get_running_loop().create_task(self._watch_leadership())
        return self

    def shutdown(self, wait: bool = False) -> None:
        """Stop scheduling and give up the leadership."""
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        self._step_down(wait=wait)

    # a deadline of our own (not asyncio.timeout) so the error says in Dutch what was still busy
    async def settled(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until nothing is due on the bot's clock and no job is running.

        With a clock that stands still (tests) this is the moment everything due has been done.
        """
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while (sched := self.scheduler) is not None and (sched.busy() or self._lock.locked()):
            if loop.time() > end:
                raise TimeoutError(f"planner: na {timeout:.0f} s nog steeds bezig")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """`shutdown`, and let the event loop finish it."""
        self.shutdown(wait=False)
        await asyncio.sleep(0)

    # -- leadership (PostgreSQL) ------------------------------------------------------------

    def _try_lock(self) -> bool:
        try:
            conn = self.bot.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception:
            log.warning("planner: database niet bereikbaar voor de leiderskeuze", exc_info=True)
            return False
        try:
            got = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
        except sa.exc.SQLAlchemyError:
            conn.invalidate()
            conn.close()
            return False
        if not got:
            conn.close()
            return False
        self._lock_conn = conn
        return True

    def _lock_alive(self) -> bool:
        conn = self._lock_conn
        if conn is None:
            return False
        try:
            conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def _release_lock(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):  # a dead connection has lost the lock already
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        conn.invalidate()  # never hand a connection that held the lock back to the pool
        conn.close()

    async def _watch_leadership(self) -> None:
        while True:
            await asyncio.sleep(self.leader_retry)
            try:
                if self.is_leader:
                    if not await asyncio.to_thread(self._lock_alive):
                        log.warning("planner: verbinding met het leidersslot verloren; ik stop met plannen")
                        self._step_down(wait=False)
                elif await asyncio.to_thread(self._try_lock):
                    self._lead()
            except Exception:
                log.exception("planner: leiderskeuze mislukt; later opnieuw")

    # -- being the leader -------------------------------------------------------------------

    def _lead(self) -> None:
        tz = self.bot.config.tz
        sched = ClockedAsyncIOScheduler(
            clock=self.bot.clock.now,
            timezone=tz,
            jobstores={
                "default": _JobStore(self, engine=self.bot.engine, tablename=JOB_TABLE),
                VOLATILE: MemoryJobStore(),
            },
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(DEFAULT_MISFIRE_GRACE.total_seconds()),
            },
        )
        sched.start(paused=True)
        self.scheduler = sched
        self._sync_specs(sched)
        sched.add_job(self._resync, resync_trigger(tz), id=RESYNC_ID, jobstore=VOLATILE, replace_existing=True)
        for src in self.sources.values():
            self._schedule_source(src, self._next_run(src))
        sched.resume()
        log.info("planner: dit proces plant (%d vaste taken, %d bronnen)", len(self.specs), len(self.sources))

    def _step_down(self, *, wait: bool) -> None:
        sched, self.scheduler = self.scheduler, None
        if sched is not None and sched.running:
            sched.shutdown(wait=wait)
        self._release_lock()

    def _sync_specs(self, sched: ClockedAsyncIOScheduler) -> None:
        """Put every recurring job in the persistent store, keeping a run missed while down.

        A job's next run is the first due moment after the one it last *completed* (its mark in
        ClockState), not the next run time APScheduler stored before running it: a run cut short
        by a kill or a database error is due again on start, within its grace.
        """
        marks = read_marks(self.bot.engine, [JOB_MARK + spec_id for spec_id in self.specs])
        for spec in self.specs.values():
            kept = {}
            existing = sched.get_job(spec.id, jobstore="default")
            mark = marks.get(JOB_MARK + spec.id)
            if mark is not None:
                nxt = spec.trigger.get_next_fire_time(None, mark + timedelta(microseconds=1))
                if nxt is not None:
                    kept["next_run_time"] = nxt
            elif existing is not None and repr(existing.trigger) == repr(spec.trigger) and existing.next_run_time:
                kept["next_run_time"] = existing.next_run_time
            sched.add_job(
                run_spec,
                spec.trigger,
                args=[spec.id],
                id=spec.id,
                name=spec.id,
                jobstore="default",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(spec.misfire_grace.total_seconds()),
                **kept,
            )
        for job in sched.get_jobs(jobstore="default"):
            base = job.id.removesuffix(DEFERRED).removesuffix(RETRY)
            if base not in self.specs:
                log.info("planner: taak %s bestaat niet meer; verwijderd", job.id)
                sched.remove_job(job.id, jobstore="default")

    async def _after_job(self) -> None:
        await self.bot.outbox_changed()  # the relay of `wijkbot run` delivers, or the bot does now

    async def run_spec(self, spec_id: str) -> None:
        spec = self.specs.get(spec_id)
        if spec is None:
            log.warning("planner: onbekende taak %s overgeslagen", spec_id)
            return
        now = self.bot.clock.now()
        tz = self.bot.config.tz
        if in_quiet_hour(now, tz):
            if self.scheduler is not None:
                log.info("planner: %s valt in de nachtrust (02:00-03:00); om 03:00 uitgevoerd", spec_id)
                self.scheduler.add_job(
                    run_spec,
                    DateTrigger(run_date=after_quiet_hour(now, tz)),
                    args=[spec_id],
                    id=spec_id + DEFERRED,
                    jobstore="default",
                    replace_existing=True,
                    misfire_grace_time=int(spec.misfire_grace.total_seconds()),
                )
            return
        moment = due_moment(spec, now)
        async with self._lock:
            try:
                queued = await asyncio.to_thread(self._run_and_mark, spec, moment)
            except Exception as exc:  # noqa: BLE001 - a failed run is retried, never lost
                # the exception's text may hold a statement's parameters (personal data): its kind only
                log.error("planner: %s mislukt (%s); opnieuw over %s", spec_id, type(exc).__name__, self.retry_after)
                self._retry(spec, now, moment)
                return
        log.info("planner: %s uitgevoerd (%d berichten)", spec_id, queued)
        await self._after_job()

    def _run_and_mark(self, spec: JobSpec, moment: datetime) -> int:
        """Run a recurring job for its due moment, then record that moment as completed."""
        queued = spec.func(self.bot.engine, self.bot.config, moment)
        with transaction(self.bot.engine) as session:
            write_mark(session, JOB_MARK + spec.id, moment, keep_later=True)
        return queued

    def _retry(self, spec: JobSpec, now: datetime, moment: datetime) -> None:
        """Run a failed job again soon, while its due moment is within its grace."""
        at = now + self.retry_after
        if self.scheduler is None or at > moment + spec.misfire_grace:
            return  # beyond its grace: the next start (or the next due moment) decides
        self.scheduler.add_job(
            run_spec,
            DateTrigger(run_date=at),
            args=[spec.id],
            id=spec.id + RETRY,
            jobstore="default",
            replace_existing=True,
            misfire_grace_time=int(spec.misfire_grace.total_seconds()),
        )

    # -- data-driven moments ----------------------------------------------------------------

    def _next_run(self, src: InstantSource) -> datetime | None:
        """When (real time) the source should run next; None: nothing ahead (or only simulated)."""
        engine, config = self.bot.engine, self.bot.config
        now = self.bot.clock.now()
        mark = src.mark(engine)
        if mark is None:
            return now  # first run ever: set the mark
        nxt = src.next_at(engine, config, min(mark, now))
        if nxt is None:
            return None
        if nxt <= now:
            return now
        if self.bot.clock.simulated:
            return None  # simulated time only moves with :advance (the console)
        return nxt

    def _schedule_source(self, src: InstantSource, run_at: datetime | None) -> None:
        sched = self.scheduler
        if sched is None:
            return
        existing = sched.get_job(src.id, jobstore=VOLATILE)
        if run_at is None:
            if existing is not None:
                sched.remove_job(src.id, jobstore=VOLATILE)
            return
        same = existing is not None and existing.next_run_time is not None
        if same and abs((existing.next_run_time - run_at).total_seconds()) < 1:
            return
        sched.add_job(
            self._run_source,
            DateTrigger(run_date=run_at),
            args=[src.id],
            id=src.id,
            jobstore=VOLATILE,
            replace_existing=True,
            misfire_grace_time=None,  # the source itself decides what is still useful
        )

    async def _run_source(self, src_id: str) -> None:
        src = self.sources[src_id]
        now = self.bot.clock.now()
        tz = self.bot.config.tz
        if in_quiet_hour(now, tz):
            self._schedule_source(src, after_quiet_hour(now, tz))
            return
        async with self._lock:
            queued = await asyncio.to_thread(src.func, self.bot.engine, self.bot.config, now)
            run_at = await asyncio.to_thread(self._next_run, src)
        if queued:
            log.info("planner: %s uitgevoerd (%d berichten)", src_id, queued)
        self._schedule_source(src, run_at)
        await self._after_job()

    async def _resync(self) -> None:
        """Pick up meetings planned or changed since (by any process)."""
        for src in self.sources.values():
            try:
                run_at = await asyncio.to_thread(self._next_run, src)
            except Exception:
                log.warning("planner: %s bijwerken mislukt", src.id, exc_info=True)
                continue
            self._schedule_source(src, run_at)


def start_scheduler(bot: Runtime, *, leader_retry: float = LEADER_RETRY) -> LiveScheduler:
    """Start the scheduler with wijkbot's jobs on the running event loop."""
    return LiveScheduler(bot, leader_retry=leader_retry).start()
