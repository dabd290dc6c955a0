"""The verslag at the end of the meeting day: for meetings whose chair has not confirmed the attendance.

An instant source: a meeting's moment is 23:00 local time on its day (or two hours after it starts,
when that is later). At that moment `handlers.verslag.send_verslag` posts the verslag up the
reporting line and the besluiten down, unless it went already (the chair's `/overleg aanwezig`
sends it at once); the `VerslagSent` row is the durable mark, so a restart or a second run sends
nothing again. Meetings whose moment is more than a week past are left alone (LOOKBACK).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from handlers.verslag import send_verslag
from schedules.jobs import InstantSource, read_mark, register_instants, write_mark
from storage import meetings as meeting_repo
from storage import org
from storage.config import OrgConfig
from storage.db import transaction

SOURCE_ID = "verslag:einde-dag"
DAY_END = time(23, 0)
MIN_LENGTH = timedelta(hours=2)
LOOKBACK = timedelta(days=7)


def day_end(starts_at: datetime, tz: ZoneInfo) -> datetime:
    """When the verslag of a meeting goes at the latest: 23:00 on its day, or two hours after it starts."""
    local = starts_at.astimezone(tz)
    return max(datetime.combine(local.date(), DAY_END, tzinfo=tz), starts_at + MIN_LENGTH)


def next_day_end(engine: Engine, config: OrgConfig, after: datetime) -> datetime | None:
    """The first end-of-meeting-day moment strictly after `after`."""
    with transaction(engine) as session:
        rows = meeting_repo.meeting_starts(session, after=after - timedelta(days=1), limit=20)
    ends = [e for e in (day_end(s, config.tz) for s in rows) if e > after]
    return min(ends) if ends else None


def send_day_end_verslagen(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Send the verslag of every meeting whose day ended (in the last week) and that has none yet."""
    queued = 0
    with transaction(engine) as session:
        rows = meeting_repo.meetings_without_verslag(session, after=now - LOOKBACK - timedelta(days=1), until=now)
        groups = org.all_groups(session) if rows else []  # once, not per meeting: 2,000 teams
        for meeting in rows:
            if day_end(meeting.starts_at, config.tz) <= now:
                queued += send_verslag(session, config, meeting, now=now, trigger="einde-dag", groups=groups)
        write_mark(session, SOURCE_ID, now)
    return queued


@register_instants
def verslag_instants(config: OrgConfig) -> list[InstantSource]:
    return [
        InstantSource(
            id=SOURCE_ID,
            next_at=next_day_end,
            func=send_day_end_verslagen,
            mark=lambda engine: read_mark(engine, SOURCE_ID),
            reads=frozenset({"meeting"}),  # what next_day_end reads
        )
    ]
