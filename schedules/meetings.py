"""Meetings: reminders with the agenda, nudges, the attendance question, and the interval check.

Every planned meeting has its moments, all at 09:00 local time (so never in the quiet hour and
the same wall-clock time on both sides of a DST change):

- `herinnering` `reminder_days` before (default 7 and 1): in the group's channel, with the agenda;
- `aanmoediging` two days before: a direct message to each member (not the chair) who has not
  said yet whether they come;
- `aanwezigheid` the first working day after: the chair is asked who attended.

The moments are computed from the meetings table, so a meeting planned, moved or cancelled in
chat is picked up without any scheduler bookkeeping. `handle_meeting_moments` handles every
moment in (mark, now]; after downtime a reminder is still sent when its meeting is ahead (only
the latest one of a meeting), and skipped with a log line when the meeting has begun.

What is said at each moment is in handlers/reminders.py; the queries are in storage/meetings.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session

from handlers.agenda import AgendaData
from handlers.reminders import attendance_question, meeting_gap_warning, nudges, reminder
from schedules.jobs import InstantSource, JobSpec, read_mark, register, register_instants, write_mark
from storage import marks, org, outbox
from storage import meetings as meeting_repo
from storage.config import OrgConfig
from storage.db import transaction
from storage.meetings import AttendanceFlag, attendance_flags
from storage.models import Group
from storage.outbox import Outgoing

log = logging.getLogger(__name__)

__all__ = ["AttendanceFlag", "attendance_flags", "handle_meeting_moments", "next_moment"]

MOMENT_TIME = time(9, 0)
NUDGE_DAYS = 2
SOURCE_ID = "overleg:momenten"
MARK_KEY = "schedules.meetings.mark"
MAX_NORM_WEEKS = 104  # the longest norm a configuration can give (storage.config.NormConfig)
CONFIRM_GRACE = timedelta(weeks=4)  # a past meeting the chair has not confirmed yet counts this long for the norm
_BEHIND = timedelta(days=5)  # the attendance question comes at most 3 days (a weekend) after
_READS = frozenset({"meeting", "wijkgroup"})  # what next_moment reads
_KIND_ORDER = {"herinnering": 0, "aanmoediging": 1, "aanwezigheid": 2}


@dataclass(frozen=True, order=True)
class Moment:
    at: datetime
    order: int
    meeting_id: int
    kind: str
    days: int = 0


def reminder_days(group: Group) -> list[int]:
    """The group's reminder days (e.g. "7,1"), positive whole days, largest first."""
    days = set()
    for part in (group.reminder_days or "").split(","):
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= 60:
            days.add(int(part))
    return sorted(days, reverse=True)


def _at(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, MOMENT_TIME, tzinfo=tz)


def next_working_day(day: date) -> date:
    nxt = day + timedelta(days=1)
    while nxt.weekday() >= 5:
        nxt += timedelta(days=1)
    return nxt


def moments_of(meeting_id: int, starts_at: datetime, days: list[int], config: OrgConfig) -> list[Moment]:
    """All moments of one meeting."""
    tz = config.tz
    day = starts_at.astimezone(tz).date()
    out = [Moment(_at(day - timedelta(days=d), tz), 0, meeting_id, "herinnering", d) for d in days]
    out.append(Moment(_at(day - timedelta(days=NUDGE_DAYS), tz), 1, meeting_id, "aanmoediging"))
    out.append(Moment(_at(next_working_day(day), tz), 2, meeting_id, "aanwezigheid"))
    return out


def _lead(session: Session) -> timedelta:
    """How long before a meeting its first moment can be (a bound, with a day to spare)."""
    days = [d for raw in meeting_repo.all_reminder_days(session) for d in _parse_days(raw)]
    return timedelta(days=max([NUDGE_DAYS, *days]) + 1)


def _moments(rows: list[tuple[int, datetime, str]], config: OrgConfig) -> list[Moment]:
    return [mo for mid, starts_at, days in rows for mo in moments_of(mid, starts_at, _parse_days(days), config)]


def _parse_days(raw: str) -> list[int]:
    return list(_parsed_days(raw))


@lru_cache(maxsize=256)
def _parsed_days(raw: str) -> tuple[int, ...]:
    return tuple(reminder_days(Group(key="", kind="", name="", channel="", reminder_days=raw)))


def next_moment(engine: Engine, config: OrgConfig, after: datetime) -> datetime | None:
    """The first meeting moment strictly after `after`."""
    with transaction(engine) as session:
        lead = _lead(session)
        best: datetime | None = None
        offset, batch = 0, 25
        while True:
            rows = meeting_repo.open_meeting_rows(session, after=after - _BEHIND, offset=offset, limit=batch)
            for meeting_id, starts_at, days in rows:
                if best is not None and starts_at - lead > best:
                    return best
                for mo in moments_of(meeting_id, starts_at, _parse_days(days), config):
                    if mo.at > after and (best is None or mo.at < best):
                        best = mo.at
            if len(rows) < batch:
                return best
            offset += batch


def meeting_mark(engine: Engine) -> datetime | None:
    return read_mark(engine, MARK_KEY)


def handle_meeting_moments(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Handle every meeting moment in (mark, now]; returns how many messages were queued."""
    with transaction(engine) as session:
        mark = marks.mark_in(session, MARK_KEY)
        lower = mark if mark is not None else now - timedelta(microseconds=1)
        if lower >= now:
            return 0
        lead = _lead(session)
        rows = meeting_repo.open_meeting_rows(session, after=lower - _BEHIND, until=now + lead)
        due = sorted(mo for mo in _moments(rows, config) if lower < mo.at <= now)
        latest_reminder: dict[int, Moment] = {}
        for mo in due:
            if mo.kind == "herinnering":
                latest_reminder[mo.meeting_id] = mo  # sorted by time: the last one wins
        # everything the moments need, in a few queries for all of them (not a few per meeting)
        meeting_ids = sorted({mo.meeting_id for mo in due})
        meetings = meeting_repo.meetings_by_id(session, meeting_ids)
        groups = org.groups_by_id(session)
        answers = meeting_repo.answers_by_meeting(session, meeting_ids)
        asking = {m.group_id for mo in due if mo.kind != "herinnering" and (m := meetings.get(mo.meeting_id))}
        members = org.members_of_groups(session, asking)

        sending = [  # the reminders that go: their agendas read together
            (groups[m.group_id], m)
            for mo in due
            if mo.kind == "herinnering" and latest_reminder[mo.meeting_id] is mo
            if (m := meetings.get(mo.meeting_id)) is not None and m.group_id in groups and m.starts_at > now
        ]
        agendas = AgendaData.load(session, sending, now=now, tz=config.tz) if sending else None

        out: list[Outgoing] = []  # every message of every moment, queued together at the end
        for mo in due:
            meeting = meetings.get(mo.meeting_id)
            group = groups.get(meeting.group_id) if meeting else None
            if meeting is None or group is None:
                continue
            seen = answers[mo.meeting_id]
            late = now - mo.at > timedelta(minutes=30)
            if mo.kind == "herinnering":
                if meeting.starts_at <= now:
                    log.info("herinnering %sd voor overleg %s overgeslagen: het is al begonnen", mo.days, meeting.id)
                elif latest_reminder[mo.meeting_id] is not mo:
                    log.info("herinnering %sd voor overleg %s overgeslagen: er is een latere", mo.days, meeting.id)
                else:
                    if late:
                        log.info("herinnering %sd voor overleg %s wordt alsnog verstuurd", mo.days, meeting.id)
                    out += reminder(session, config, group, meeting, days=mo.days, now=now, data=agendas)
            elif mo.kind == "aanmoediging":
                if meeting.starts_at <= now:
                    log.info("aanmoediging voor overleg %s overgeslagen: het is al begonnen", meeting.id)
                else:
                    out += nudges(session, config, group, meeting, answered=seen, members=members[group.id or 0])
            elif meeting.starts_at <= now:
                out += attendance_question(
                    session, config, group, meeting, answered=seen, members=members[group.id or 0]
                )
        queued = outbox.enqueue_many(session, out, now=now)
        write_mark(session, MARK_KEY, now)
        return queued


def check_meeting_intervals(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Extend the meeting series (Mondays), and warn a chair once per gap when nothing is planned in time."""
    with transaction(engine) as session:
        if now.astimezone(config.tz).weekday() == 0:  # weekly is plenty: the series run 400 days ahead
            meeting_repo.extend_series(session, now=now, tz=config.tz)
        window = timedelta(weeks=2 * MAX_NORM_WEEKS)
        # held (storage.meetings.held_meetings), or just past and awaiting the chair's confirmation
        previous = meeting_repo.last_held_per_group(session, start=now - window, end=now, awaiting=CONFIRM_GRACE)
        upcoming = meeting_repo.first_planned_per_group(session, after=now)
        out: list[Outgoing] = []
        for group in sorted(org.all_groups(session), key=lambda g: g.id or 0):
            weeks = group.norm_span  # the norm comes from the configuration; none, no warning
            if weeks is None or group.id is None or group.chair_id is None:
                continue
            prev = previous.get(group.id)
            required_by = (prev[1] if prev else now) + timedelta(weeks=weeks)
            nxt = upcoming.get(group.id)
            if nxt is not None and nxt <= required_by:
                continue
            out += meeting_gap_warning(
                session, config, group, weeks=weeks, previous=prev, required_by=required_by, planned=nxt
            )
        return outbox.enqueue_many(session, out, now=now)


@register
def meeting_jobs(config: OrgConfig) -> list[JobSpec]:
    return [
        JobSpec(
            "overleg:interval",
            CronTrigger(day_of_week="mon-fri", hour=9, minute=0, timezone=config.tz),
            check_meeting_intervals,
            misfire_grace=timedelta(hours=8),
        )
    ]


@register_instants
def meeting_moments(config: OrgConfig) -> list[InstantSource]:
    return [InstantSource(SOURCE_ID, next_moment, handle_meeting_moments, meeting_mark, reads=_READS)]
