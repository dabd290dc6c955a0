"""Meetings: series expanded into concrete meetings, the next meeting, attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from storage.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    Person,
)

HORIZON = timedelta(days=400)


def local_occurrence(first_at: datetime, every_weeks: int, k: int, tz: ZoneInfo) -> datetime:
    """The k-th meeting of a series at the same local wall-clock time, across DST."""
    local_first = first_at.astimezone(tz).replace(tzinfo=None)
    naive = local_first + timedelta(weeks=every_weeks * k)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def extend_series(session: Session, *, now: datetime, tz: ZoneInfo) -> int:
    """Create the concrete meetings of every active series up to the horizon; returns how many."""
    created = 0
    until = now + HORIZON
    since = now - timedelta(days=1)  # earlier occurrences are never created
    series_list = session.exec(select(MeetingSeries).where(MeetingSeries.active == True)).all()  # noqa: E712
    # the meetings that are already there, for every series' group in one query
    existing_by_group: dict[int, set[datetime]] = {s.group_id: set() for s in series_list}
    for group_id, starts_at in session.exec(
        select(Meeting.group_id, Meeting.starts_at).where(
            col(Meeting.group_id).in_(list(existing_by_group)), Meeting.starts_at >= since
        )
    ).all():
        existing_by_group[group_id].add(starts_at)
    for series in series_list:
        assert series.id is not None
        existing = existing_by_group[series.group_id]
        # start a little before the first occurrence that can count (local_occurrence keeps DST right)
        step = timedelta(weeks=series.every_weeks)
        k = max(0, (since - series.first_at) // step - 1) if series.every_weeks > 0 else 0
        while True:
            at = local_occurrence(series.first_at, series.every_weeks, k, tz)
            if at > until:
                break
            k += 1
            if at < now - timedelta(days=1) or at in existing:
                continue
            session.add(
                Meeting(
                    group_id=series.group_id,
                    series_id=series.id,
                    starts_at=at,
                    location=series.location,
                )
            )
            existing.add(at)
            created += 1
    session.flush()
    return created


def next_meeting(session: Session, group_id: int, *, now: datetime) -> Meeting | None:
    """The first planned meeting of a group that has not started yet."""
    return session.exec(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.starts_at > now,
            Meeting.status == MeetingStatus.gepland,
        )
        .order_by(col(Meeting.starts_at))
    ).first()


def upcoming_meetings(session: Session, group_id: int, *, now: datetime, limit: int = 5) -> list[Meeting]:
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.group_id == group_id,
                Meeting.starts_at > now,
                Meeting.status == MeetingStatus.gepland,
            )
            .order_by(col(Meeting.starts_at))
            .limit(limit)
        ).all()
    )


def previous_meeting(session: Session, group_id: int, *, now: datetime) -> Meeting | None:
    return session.exec(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.starts_at <= now,
            Meeting.status != MeetingStatus.geannuleerd,
        )
        .order_by(col(Meeting.starts_at).desc())
    ).first()


def meeting_on(session: Session, group_id: int, day_start: datetime, day_end: datetime) -> Meeting | None:
    return session.exec(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.starts_at >= day_start,
            Meeting.starts_at < day_end,
            Meeting.status == MeetingStatus.gepland,
        )
        .order_by(col(Meeting.starts_at))
    ).first()


def plan_meeting(
    session: Session,
    group_id: int,
    *,
    starts_at: datetime,
    every_weeks: int | None,
    location: str | None,
    now: datetime,
    tz: ZoneInfo,
) -> Meeting:
    """Plan one meeting, or a series starting at `starts_at` when `every_weeks` is given."""
    if every_weeks:
        series = MeetingSeries(group_id=group_id, first_at=starts_at, every_weeks=every_weeks, location=location)
        session.add(series)
        session.flush()
        wanted: set[datetime] = set()
        k = 0
        while (at := local_occurrence(starts_at, every_weeks, k, tz)) <= now + HORIZON:
            wanted.add(at)
            k += 1
        for old in session.exec(
            select(MeetingSeries).where(
                MeetingSeries.group_id == group_id,
                MeetingSeries.active == True,  # noqa: E712
                MeetingSeries.id != series.id,
            )
        ).all():
            old.active = False
            session.add(old)
            # future meetings of the old series give way to the new rhythm; one at a moment
            # of the new rhythm becomes part of the new series (and keeps its attendance)
            for m in session.exec(
                select(Meeting).where(
                    Meeting.series_id == old.id,
                    Meeting.starts_at > now,
                    Meeting.status == MeetingStatus.gepland,
                )
            ).all():
                if m.starts_at in wanted:
                    m.series_id = series.id
                    m.location = location or m.location
                else:
                    m.status = MeetingStatus.geannuleerd
                session.add(m)
        session.flush()
        extend_series(session, now=now, tz=tz)
    existing = session.exec(select(Meeting).where(Meeting.group_id == group_id, Meeting.starts_at == starts_at)).first()
    if existing is None:
        existing = Meeting(group_id=group_id, starts_at=starts_at, location=location)
    existing.status = MeetingStatus.gepland
    if location:
        existing.location = location
    session.add(existing)
    session.flush()
    return existing


def record_attendance(
    session: Session,
    meeting_id: int,
    person_id: int,
    *,
    status: AttendanceStatus,
    reason: str | None,
    substitute_id: int | None,
    now: datetime,
) -> Attendance:
    row = session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.person_id == person_id)
    ).first()
    if row is None:
        row = Attendance(meeting_id=meeting_id, person_id=person_id, status=status, responded_at=now)
    row.status, row.reason, row.substitute_id, row.responded_at = status, reason, substitute_id, now
    session.add(row)
    session.flush()
    return row


def meeting_of_group(session: Session, group_id: int, meeting_id: int) -> Meeting | None:
    """A meeting by id, only when it belongs to the group."""
    meeting = session.get(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.group_id == group_id else None


ABSENT = (AttendanceStatus.afwezig, AttendanceStatus.afgemeld)
FLAG_WINDOW = 3  # the last three meetings ...
FLAG_ABSENT = 2  # ... of which a member missed at least two


@dataclass(frozen=True)
class AttendanceFlag:
    """A member who missed `absent` of the last `of` meetings of a group (afwezig or afgemeld)."""

    person_id: int
    person_key: str
    name: str
    absent: int
    of: int
    meeting_ids: tuple[int, ...]  # the meetings missed, newest first


def last_meetings(session: Session, group_id: int, *, now: datetime, limit: int = FLAG_WINDOW) -> list[Meeting]:
    """The group's most recent meetings that have started (not cancelled), newest first."""
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.group_id == group_id,
                Meeting.starts_at <= now,
                Meeting.status != MeetingStatus.geannuleerd,
            )
            .order_by(col(Meeting.starts_at).desc())
            .limit(limit)
        ).all()
    )


def attendance_flags(session: Session, group_id: int, now: datetime) -> list[AttendanceFlag]:
    """Members absent (afwezig, or afgemeld without vervanger) from 2 of the group's last 3 meetings.

    Guests are no members, and members who join once a year (`yearly`) are never flagged."""
    recent = last_meetings(session, group_id, now=now)
    if len(recent) < FLAG_ABSENT:
        return []
    ids = [m.id for m in recent if m.id is not None]
    rows = session.exec(
        select(Attendance.person_id, Attendance.meeting_id).where(
            col(Attendance.meeting_id).in_(ids),
            col(Attendance.status).in_([s.value for s in ABSENT]),
            # whoever sent a vervanger kept the attendance rule: their organisation was there
            col(Attendance.substitute_id).is_(None),
        )
    ).all()
    missed: dict[int, list[int]] = {}
    for person_id, meeting_id in rows:
        missed.setdefault(person_id, []).append(meeting_id)
    members = session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.group_id == group_id, Membership.role == "lid", Membership.yearly == False)  # noqa: E712
        .order_by(col(Person.key))
    ).all()
    flags = []
    for p in members:
        gone = missed.get(p.id or 0, [])
        if len(gone) >= FLAG_ABSENT:
            order = sorted(gone, key=ids.index)
            flags.append(AttendanceFlag(p.id or 0, p.key, p.name, len(gone), len(recent), tuple(order)))
    return flags
