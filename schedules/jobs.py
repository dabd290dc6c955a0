"""The job registry: every scheduled job, for the live scheduler and the console's `:advance`.

A job is a plain function `(engine, config, now) -> int` that runs in one transaction of its own
making, enqueues what it has to say in the outbox with a `dedupe_key`, and returns how many
messages it queued. Because of the dedupe keys it may run twice, or late, and still say
everything once. Jobs take ids and `now`, never live objects.

Two kinds of timing:

- `JobSpec`: a recurring job on an APScheduler trigger (e.g. every working day at 09:00);
  registered by a provider with `@register`.
- `InstantSource`: work at exact moments derived from the data, such as the reminders of each
  planned meeting (`@register_instants`). It says when its next moment after a given time is,
  and its function handles every moment due up to `now` that it has not handled yet (it keeps a
  mark in `ClockState`), so moments missed while the bot was down are caught up once.

`run_due` (the console) and `schedules.live` (the real scheduler) run exactly the same things at
the same moments. Nothing runs between 02:00 and 03:00 local time (`QUIET_HOUR`): on the days
the clocks change that hour happens twice or not at all.
"""

from __future__ import annotations

import heapq
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from schedules.runtime import Runtime
from storage.config import OrgConfig
from storage.marks import read_mark as read_mark  # the marks live in storage/marks.py
from storage.marks import read_marks as read_marks
from storage.marks import write_mark as write_mark

log = logging.getLogger(__name__)

JobFunc = Callable[[Engine, OrgConfig, datetime], int]
QUIET_HOUR = 2  # local hour in which nothing runs (DST changes happen in it)
DEFAULT_MISFIRE_GRACE = timedelta(hours=6)


@dataclass(frozen=True)
class JobSpec:
    """One recurring job: an explicit id, an APScheduler trigger and the function to run.

    `misfire_grace`: how late the live scheduler may still run it after downtime (once, however
    many runs were missed); later than that it is skipped with a log line.
    """

    id: str
    trigger: BaseTrigger
    func: JobFunc
    misfire_grace: timedelta = DEFAULT_MISFIRE_GRACE


@dataclass(frozen=True)
class InstantSource:
    """Work at moments computed from the data (meeting reminders, nudges, ...).

    `next_at(engine, config, after)`: the first moment strictly after `after`, or None.
    `func(engine, config, now)`: handle every moment in (mark, now]; it advances the mark.
    `mark(engine)`: up to when it has handled everything (None: never ran).
    `reads`: the tables `next_at` reads (e.g. {"meeting", "wijkgroup"}); `run_due` keeps its answer
    until a job writes one of them. None: unknown, asked again after every recurring job.
    """

    id: str
    next_at: Callable[[Engine, OrgConfig, datetime], datetime | None]
    func: JobFunc
    mark: Callable[[Engine], datetime | None]
    reads: frozenset[str] | None = None


# Providers give the jobs for a configuration; each feature module registers its own.
_PROVIDERS: list[Callable[[OrgConfig], list[JobSpec]]] = []
_SOURCES: list[Callable[[OrgConfig], list[InstantSource]]] = []


def register(provider: Callable[[OrgConfig], list[JobSpec]]) -> Callable[[OrgConfig], list[JobSpec]]:
    """Decorator: add a provider of job specs."""
    _PROVIDERS.append(provider)
    return provider


def register_instants(
    provider: Callable[[OrgConfig], list[InstantSource]],
) -> Callable[[OrgConfig], list[InstantSource]]:
    """Decorator: add a provider of instant sources."""
    _SOURCES.append(provider)
    return provider


def all_jobs(config: OrgConfig) -> list[JobSpec]:
    _load_job_modules()
    return [spec for provider in _PROVIDERS for spec in provider(config)]


def all_sources(config: OrgConfig) -> list[InstantSource]:
    _load_job_modules()
    return [src for provider in _SOURCES for src in provider(config)]


def _load_job_modules() -> None:
    """Import the modules that register jobs (kept here so the registry is complete)."""
    import importlib

    for name in JOB_MODULES:
        importlib.import_module(name)


JOB_MODULES: list[str] = [
    "schedules.meetings",
    "schedules.overdue",
    "schedules.halfyear",
    "schedules.reports",
    "schedules.retention",
    "schedules.verslag",
    "schedules.initiatief",
]  # other features add theirs, e.g. "schedules.reports"


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


def in_quiet_hour(moment: datetime, tz: ZoneInfo) -> bool:
    """True between 02:00 and 03:00 local time."""
    return moment.astimezone(tz).hour == QUIET_HOUR


def after_quiet_hour(moment: datetime, tz: ZoneInfo) -> datetime:
    """03:00 local time on the day of `moment` (the end of the quiet hour)."""
    local = moment.astimezone(tz)
    return datetime.combine(local.date(), time(QUIET_HOUR + 1), tzinfo=tz)


def due_moment(spec: JobSpec, now: datetime) -> datetime:
    """The due moment a run of a recurring job at `now` is for: its last fire time within its grace.

    A run that comes late (after downtime, the quiet hour or a retry) does the work of that moment,
    so its messages carry the same dedupe keys as an on-time run would have.
    """
    times = fire_times(spec, now - spec.misfire_grace - timedelta(minutes=1), now)
    return times[-1] if times else now


async def run_due(bot: Runtime, after: datetime, until: datetime) -> int:
    """Run every job due in (after, until] in time order, with the clock set to each fire time.

    Recurring jobs run before data-driven moments that fall at the same time (a recurring job
    may plan meetings). Work a source missed before `after` (the bot was not running) is caught
    up at `after`, as the live scheduler does on start.
    """
    engine, config = bot.engine, bot.config
    specs = all_jobs(config)
    sources = all_sources(config)
    heap: list[tuple[datetime, int, JobSpec]] = []
    for i, spec in enumerate(specs):
        for t in fire_times(spec, after, until):
            heap.append((t, i, spec))
    heapq.heapify(heap)
    cursor: dict[str, datetime] = {}
    for src in sources:
        mark = src.mark(engine)
        cursor[src.id] = min(mark, after) if mark is not None else after

    def next_of(src: InstantSource) -> datetime | None:
        nxt = src.next_at(engine, config, cursor[src.id])
        return None if nxt is None or nxt > until else max(nxt, after)

    upcoming = {src.id: next_of(src) for src in sources}
    ran = 0
    with _WriteWatch(engine) as written:
        while True:
            due_src = [(t, i) for i, src in enumerate(sources) for t in [upcoming[src.id]] if t is not None]
            first_src = min(due_src) if due_src else None
            spec_ran = bool(heap) and (first_src is None or heap[0][0] <= first_src[0])
            written.clear()
            if spec_ran:
                at, _, spec = heapq.heappop(heap)
                bot.clock.set(at)
                queued = spec.func(engine, config, at)
            elif first_src is not None:
                at, i = first_src
                src = sources[i]
                bot.clock.set(at)
                queued = src.func(engine, config, at)
                cursor[src.id] = at
                upcoming[src.id] = next_of(src)
            else:
                return ran
            if queued:
                await bot.outbox_changed()  # deliver (print) what the job said at the moment it said it
            ran += 1
            # a recurring job may have changed the data (new meetings): ask the sources again whose
            # answer depends on what it wrote (their answer is the same otherwise)
            if spec_ran:
                for s in sources:
                    if s.reads is None or "*" in written or s.reads & written:
                        upcoming[s.id] = next_of(s)


# Statements that only read (or manage transactions); anything else that is not recognised as
# a write to a named table counts as a write to every table.
_READS = re.compile(r"^\s*(SELECT|PRAGMA|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SHOW|EXPLAIN)\b", re.IGNORECASE)
_WRITES = re.compile(
    r'^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?:\w+"?\.)?"?(\w+)', re.IGNORECASE
)


class _WriteWatch:
    """While active: the names of the tables written through `engine` (lower case; "*": unknown)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.written: set[str] = set()

    def _seen(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        if _READS.match(statement):
            return
        m = _WRITES.match(statement)
        self.written.add(m.group(1).lower() if m else "*")

    def __enter__(self) -> set[str]:
        sa_event.listen(self.engine, "before_cursor_execute", self._seen)
        return self.written

    def __exit__(self, *exc: object) -> None:
        sa_event.remove(self.engine, "before_cursor_execute", self._seen)
