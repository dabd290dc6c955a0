"""The job registry: every scheduled job, for the live scheduler and the console's `:advance`.

A job is a plain function `(engine, config, now) -> int` that runs in one transaction of its own
making, enqueues what it has to say in the outbox with a `dedupe_key`, and returns how many
messages it queued. Because of the dedupe keys it may run twice, or late, and still say
everything once. Jobs take ids and `now`, never live objects.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy.engine import Engine

from storage.config import OrgConfig

if TYPE_CHECKING:
    from bot.core import Wijkbot

log = logging.getLogger(__name__)

JobFunc = Callable[[Engine, OrgConfig, datetime], int]


@dataclass(frozen=True)
class JobSpec:
    """One recurring job: an explicit id, an APScheduler trigger and the function to run."""

    id: str
    trigger: BaseTrigger
    func: JobFunc


# Providers give the jobs for a configuration; each feature module registers its own.
_PROVIDERS: list[Callable[[OrgConfig], list[JobSpec]]] = []


def register(provider: Callable[[OrgConfig], list[JobSpec]]) -> Callable[[OrgConfig], list[JobSpec]]:
    """Decorator: add a provider of job specs."""
    _PROVIDERS.append(provider)
    return provider


def all_jobs(config: OrgConfig) -> list[JobSpec]:
    _load_job_modules()
    return [spec for provider in _PROVIDERS for spec in provider(config)]


def _load_job_modules() -> None:
    """Import the modules that register jobs (kept here so the registry is complete)."""
    import importlib

    for name in JOB_MODULES:
        importlib.import_module(name)


JOB_MODULES: list[str] = []  # e.g. "schedules.meetings", "schedules.reports"


def fire_times(spec: JobSpec, after: datetime, until: datetime) -> list[datetime]:
    """Every fire time of a job in (after, until], as the live scheduler would compute them."""
    out: list[datetime] = []
    previous: datetime | None = None
    now = after + timedelta(microseconds=1)
    while True:
        nxt = spec.trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt > until:
            return out
        out.append(nxt)
        previous, now = nxt, nxt + timedelta(microseconds=1)


async def run_due(bot: Wijkbot, after: datetime, until: datetime) -> int:
    """Run every job due in (after, until] in time order, with the clock set to each fire time."""
    specs = all_jobs(bot.config)
    heap: list[tuple[datetime, int, JobSpec]] = []
    for i, spec in enumerate(specs):
        for t in fire_times(spec, after, until):
            heap.append((t, i, spec))
    heapq.heapify(heap)
    ran = 0
    while heap:
        at, _, spec = heapq.heappop(heap)
        bot.clock.set(at)
        spec.func(bot.engine, bot.config, at)
        await bot.flush()
        ran += 1
    return ran
