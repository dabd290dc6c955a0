"""APScheduler 3.x on the bot's clock instead of the wall clock.

APScheduler 3.x asks `datetime.now()` itself in six places (when a job is added, resumed or
rescheduled, which jobs are due, how long to sleep, whether a run was missed). It has no hook for
a clock, so `ClockedAsyncIOScheduler` answers those calls with its own clock: the two APScheduler
modules get a `datetime` whose `now()` reads a context variable, set while one of this
scheduler's methods runs (and inherited by the job tasks it starts). Without that variable (any
other scheduler, any other code) it is the ordinary `datetime.now()`.

With the real clock nothing changes; with a test's clock the live scheduler decides what is due,
what was missed and how long to wait exactly as it would on that date, whatever the machine's
date is.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any

import apscheduler.executors.base as _executors_base
import apscheduler.schedulers.base as _schedulers_base
from apscheduler.schedulers.asyncio import AsyncIOScheduler

Now = Callable[[], datetime]  # an aware datetime, e.g. bot.clock.now

_CLOCK: contextvars.ContextVar[Now | None] = contextvars.ContextVar("wijkbot_scheduler_clock", default=None)


class _ClockedDatetime(datetime):
    """`datetime` for APScheduler's modules: `now()` comes from the active scheduler's clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        clock = _CLOCK.get()
        if clock is None:
            return datetime.now(tz)  # clock-ok: only for code outside our scheduler
        moment = clock()
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


def _install() -> None:
    for module in (_schedulers_base, _executors_base):
        if module.datetime is not _ClockedDatetime:
            module.datetime = _ClockedDatetime


_install()


class ClockedAsyncIOScheduler(AsyncIOScheduler):  # type: ignore[misc]  # APScheduler 3 has no type hints
    """An AsyncIOScheduler whose notion of now is `clock()`."""

    def __init__(self, *args: Any, clock: Now, **kwargs: Any) -> None:
        self.clock = clock
        super().__init__(*args, **kwargs)

    @contextmanager
    def _on_clock(self) -> Iterator[None]:
        token = _CLOCK.set(self.clock)
        try:
            yield
        finally:
            _CLOCK.reset(token)

    def _process_jobs(self) -> float | None:
        # job tasks created in here copy the context, so their misfire check uses the clock too
        with self._on_clock():
            return super()._process_jobs()  # type: ignore[no-any-return]

    def _real_add_job(self, job: Any, jobstore_alias: str, replace_existing: bool) -> None:
        with self._on_clock():
            super()._real_add_job(job, jobstore_alias, replace_existing)

    def reschedule_job(self, job_id: str, jobstore: str | None = None, trigger: Any = None, **trigger_args: Any) -> Any:
        with self._on_clock():
            return super().reschedule_job(job_id, jobstore, trigger, **trigger_args)

    def resume_job(self, job_id: str, jobstore: str | None = None) -> Any:
        with self._on_clock():
            return super().resume_job(job_id, jobstore)

    def busy(self) -> bool:
        """True while a job is due on the clock or one of its runs has not finished."""
        now = self.clock()
        if any(job.next_run_time is not None and job.next_run_time <= now for job in self.get_jobs()):
            return True
        # the executors count a run from the moment it is submitted until it has finished
        return any(any(executor._instances.values()) for executor in self._executors.values())
