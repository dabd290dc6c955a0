"""Meetings: series expanded into concrete meetings, the next meeting, attendance.

Every write function here writes its own audit row (`Wijziging`, item_type "overleg").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import and_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from storage import org
from storage.items import log_change
from storage.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Bijeenkomst,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    Person,
    VerslagSent,
)

HORIZON = timedelta(days=400)
ITEM_TYPE = "overleg"  # the audit rows of meetings


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
    for group_id, starts_at, slot in session.exec(
        select(Meeting.group_id, Meeting.starts_at, Meeting.series_slot).where(
            col(Meeting.group_id).in_(list(existing_by_group)),
            or_(col(Meeting.starts_at) >= since, col(Meeting.series_slot) >= since),
        )
    ).all():
        existing_by_group[group_id].add(starts_at)
        if slot is not None:  # a moved meeting still stands for the moment it was moved from
            existing_by_group[group_id].add(slot)
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
        .limit(1)
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
    """The group's latest meeting (not cancelled) that starts at or before `now`."""
    return previous_meetings(session, [group_id], until=now).get(group_id)


def previous_meetings(session: Session, group_ids: Iterable[int], *, until: datetime) -> dict[int, Meeting]:
    """`previous_meeting` for many groups: per group id, in one query (a window per group)."""
    out: dict[int, Meeting] = {}
    latest = (col(Meeting.starts_at).desc(), col(Meeting.id).desc())
    for chunk in in_chunks(sorted(set(group_ids))):
        n = func.row_number().over(partition_by=col(Meeting.group_id), order_by=latest).label("n")
        ranked = (
            select(Meeting, n)
            .where(
                col(Meeting.group_id).in_(chunk),
                Meeting.starts_at <= until,
                Meeting.status != MeetingStatus.geannuleerd,
            )
            .subquery()
        )
        row = aliased(Meeting, ranked)
        out.update((m.group_id, m) for m in session.exec(select(row).where(ranked.c.n == 1)).all())
    return out


def last_starts_before(session: Session, group_ids: Iterable[int], *, before: datetime) -> dict[int, datetime]:
    """Per group id the start of its last meeting (not cancelled) before `before`."""
    out: dict[int, datetime] = {}
    for chunk in in_chunks(sorted(set(group_ids))):
        rows = session.exec(
            select(Meeting.group_id, func.max(Meeting.starts_at))
            .where(
                col(Meeting.group_id).in_(chunk),
                Meeting.starts_at < before,
                Meeting.status != MeetingStatus.geannuleerd,
            )
            .group_by(col(Meeting.group_id))
        ).all()
        out.update((group_id, starts_at) for group_id, starts_at in rows if starts_at is not None)
    return out


def meeting_starts_of_groups(
    session: Session, group_ids: Iterable[int], *, since: datetime, before: datetime
) -> dict[int, list[datetime]]:
    """Per group id the starts of its meetings (not cancelled) in [since, before), in order."""
    out: dict[int, list[datetime]] = {}
    for chunk in in_chunks(sorted(set(group_ids))):
        rows = session.exec(
            select(Meeting.group_id, Meeting.starts_at)
            .where(
                col(Meeting.group_id).in_(chunk),
                Meeting.status != MeetingStatus.geannuleerd,
                Meeting.starts_at >= since,
                Meeting.starts_at < before,
            )
            .order_by(col(Meeting.starts_at))
        ).all()
        for group_id, starts_at in rows:
            out.setdefault(group_id, []).append(starts_at)
    return out


def meeting_on_day(session: Session, group_id: int, day: date, tz: ZoneInfo) -> Meeting | None:
    """The group's meeting on a local calendar day that was not cancelled (planned or held), the earliest."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    return session.exec(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.starts_at >= start,
            Meeting.starts_at < start + timedelta(days=1),
            Meeting.status != MeetingStatus.geannuleerd,
        )
        .order_by(col(Meeting.starts_at))
        .limit(1)
    ).first()


def earlier_meeting_since(session: Session, group_id: int, meeting: Meeting, since: datetime) -> bool:
    """True when the group had a meeting (not cancelled) in [since, meeting) (the year's first meeting: none)."""
    return (
        session.exec(
            select(Meeting.id)
            .where(
                Meeting.group_id == group_id,
                Meeting.status != MeetingStatus.geannuleerd,
                Meeting.starts_at < meeting.starts_at,
                Meeting.starts_at >= since,
            )
            .limit(1)
        ).first()
        is not None
    )


def meeting_at(session: Session, group_id: int, starts_at: datetime) -> Meeting | None:
    """The group's meeting at exactly this moment, whatever its status (a group has one per moment)."""
    return session.exec(select(Meeting).where(Meeting.group_id == group_id, Meeting.starts_at == starts_at)).first()


def meeting_meant(
    session: Session, group_id: int, *, now: datetime, tz: ZoneInfo, days: Sequence[date] = (), past: bool = False
) -> Meeting | None:
    """Which meeting a user means: the ONE rule, for /afmelden and every /overleg command.

    - `days` (the day the user wrote, and for `past` first the most recent such day): the meeting
      on the first of those days that has one not cancelled, planned or already held. A held
      meeting is found too, so the user hears "al begonnen" rather than "geen overleg op" for a
      day that had one; a cancelled one is not (that day has no meeting any more).
    - no day: the next planned meeting that has not begun (`past=False`), or the last meeting
      that has begun and was not cancelled (`past=True`: attendance, "gehouden").

    A meeting by id (the buttons) is `meeting_of_group`; "volgende" is `next_meeting`.
    """
    if days:
        for d in days:
            found = meeting_on_day(session, group_id, d, tz)
            if found is not None:
                return found
        return None
    if past:
        return previous_meeting(session, group_id, now=now)
    return next_meeting(session, group_id, now=now)


@dataclass
class Replacement:
    """What a new series would replace: the planned meetings of the old series off its rhythm."""

    meetings: list[Meeting] = field(default_factory=list)
    answers: list[Attendance] = field(default_factory=list)
    agenda_items: int = 0

    def __bool__(self) -> bool:
        return bool(self.meetings)


def _series_moments(starts_at: datetime, every_weeks: int, *, now: datetime, tz: ZoneInfo) -> set[datetime]:
    wanted: set[datetime] = set()
    k = 0
    while (at := local_occurrence(starts_at, every_weeks, k, tz)) <= now + HORIZON:
        wanted.add(at)
        k += 1
    return wanted


def series_replacement(
    session: Session, group_id: int, *, starts_at: datetime, every_weeks: int, now: datetime, tz: ZoneInfo
) -> Replacement:
    """The planned meetings (and their answers) a new series from `starts_at` would cancel; nothing changes.

    A future meeting of the group's active series at a moment of the new rhythm is kept (it joins the
    new series with its answers); the others give way."""
    wanted = _series_moments(starts_at, every_weeks, now=now, tz=tz)
    old_ids = [
        s.id
        for s in session.exec(
            select(MeetingSeries).where(MeetingSeries.group_id == group_id, MeetingSeries.active == True)  # noqa: E712
        ).all()
    ]
    out = Replacement()
    if not old_ids:
        return out
    out.meetings = [
        m
        for m in session.exec(
            select(Meeting)
            .where(
                col(Meeting.series_id).in_(old_ids),
                Meeting.starts_at > now,
                Meeting.status == MeetingStatus.gepland,
            )
            .order_by(col(Meeting.starts_at))
        ).all()
        if m.starts_at not in wanted and m.starts_at != starts_at
    ]
    ids = [m.id for m in out.meetings]
    if ids:
        out.answers = list(
            session.exec(
                select(Attendance).where(col(Attendance.meeting_id).in_(ids)).order_by(col(Attendance.id))
            ).all()
        )
        out.agenda_items = len(session.exec(select(AgendaItem.id).where(col(AgendaItem.meeting_id).in_(ids))).all())
    return out


def plan_meeting(
    session: Session,
    group_id: int,
    *,
    starts_at: datetime,
    every_weeks: int | None,
    location: str | None,
    now: datetime,
    tz: ZoneInfo,
    actor_id: int | None,
) -> Meeting:
    """Plan one meeting, or a series starting at `starts_at` when `every_weeks` is given; audited.

    A new series cancels what `series_replacement` names (their answers and agenda items go); the
    caller asks first."""
    if every_weeks:
        replaced = series_replacement(session, group_id, starts_at=starts_at, every_weeks=every_weeks, now=now, tz=tz)
        series = MeetingSeries(group_id=group_id, first_at=starts_at, every_weeks=every_weeks, location=location)
        session.add(series)
        session.flush()
        gone = {m.id for m in replaced.meetings}
        for old in session.exec(
            select(MeetingSeries).where(
                MeetingSeries.group_id == group_id,
                MeetingSeries.active == True,  # noqa: E712
                MeetingSeries.id != series.id,
            )
        ).all():
            old.active = False
            session.add(old)
            # a future meeting at a moment of the new rhythm becomes part of the new series (and keeps its answers)
            for m in session.exec(
                select(Meeting).where(
                    Meeting.series_id == old.id,
                    Meeting.starts_at > now,
                    Meeting.status == MeetingStatus.gepland,
                )
            ).all():
                if m.id in gone:
                    continue
                m.series_id = series.id
                m.location = location or m.location
                session.add(m)
        for m in replaced.meetings:
            cancel_meeting(session, m, actor_id=actor_id, now=now, reason="vervangen door een nieuwe reeks")
            for a in replaced.answers:
                if a.meeting_id == m.id:
                    session.delete(a)
            for item in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == m.id)).all():
                session.delete(item)
        session.flush()
        extend_series(session, now=now, tz=tz)
    existing = session.exec(select(Meeting).where(Meeting.group_id == group_id, Meeting.starts_at == starts_at)).first()
    if existing is None:
        existing = Meeting(group_id=group_id, starts_at=starts_at, location=location)
    elif existing.status == MeetingStatus.geannuleerd:
        existing.sequence += 1  # planned again: calendars take the newer version
    existing.status = MeetingStatus.gepland
    if location:
        existing.location = location
    session.add(existing)
    session.flush()
    _audit(
        session,
        existing,
        "gepland",
        actor_id=actor_id,
        now=now,
        detail=f"elke {every_weeks} weken" if every_weeks else "",
    )
    return existing


def _audit(
    session: Session, meeting: Meeting, action: str, *, actor_id: int | None, now: datetime, detail: str = ""
) -> None:
    """The audit row of a change to a meeting (item_type "overleg")."""
    assert meeting.id is not None
    log_change(
        session, item_type=ITEM_TYPE, item_id=meeting.id, action=action, actor_id=actor_id, now=now, detail=detail
    )


def cancel_meeting(
    session: Session, meeting: Meeting, *, actor_id: int | None, now: datetime, reason: str = ""
) -> None:
    """Cancel one meeting: it is no longer sent reminders, counts nowhere, and its ICS says CANCELLED."""
    meeting.status = MeetingStatus.geannuleerd
    meeting.sequence += 1
    session.add(meeting)
    session.flush()
    _audit(session, meeting, "afgezegd", actor_id=actor_id, now=now, detail=reason)


def move_meeting(
    session: Session, meeting: Meeting, starts_at: datetime, *, actor_id: int | None, now: datetime, detail: str = ""
) -> None:
    """Move one meeting (its answers and agenda items stay with it); the series keeps its own rhythm.

    `detail`: the move as it reads ("do 3 dec 2026 10:00 → ..."), for the audit row."""
    if meeting.series_id is not None and meeting.series_slot is None:
        meeting.series_slot = meeting.starts_at
    meeting.starts_at = starts_at
    meeting.sequence += 1
    session.add(meeting)
    session.flush()
    _audit(session, meeting, "verplaatst", actor_id=actor_id, now=now, detail=detail)


def mark_held(session: Session, meeting: Meeting, *, actor_id: int | None, now: datetime) -> None:
    """The chair says the meeting was held (without saying who came): it counts as held."""
    meeting.status = MeetingStatus.gehouden
    session.add(meeting)
    _audit(session, meeting, "gehouden", actor_id=actor_id, now=now)


def answers_of(session: Session, meeting_id: int) -> list[Attendance]:
    """The answers (komt, afgemeld) given for a meeting, in the order they came."""
    return list(
        session.exec(
            select(Attendance)
            .where(
                Attendance.meeting_id == meeting_id,
                col(Attendance.status).in_([AttendanceStatus.komt.value, AttendanceStatus.afgemeld.value]),
            )
            .order_by(col(Attendance.id))
        ).all()
    )


def held_meetings(
    session: Session,
    group_ids: Iterable[int],
    *,
    start: datetime | None,
    end: datetime,
    awaiting: timedelta | None = None,
    newest: int | None = None,
) -> list[Meeting]:
    """The meetings of the groups held in [start, end], oldest first (`newest=n`: the last n, newest
    first): the ONE definition of "held".

    A meeting counts as held when it was not cancelled and its attendance was confirmed
    (`/overleg aanwezig`) or the chair said it was held (`/overleg gehouden`). `awaiting`: also a
    meeting that began within that time before `end` and still awaits the chair's confirmation
    (the norm warning gives the chair that long to answer); figures never pass it.
    """
    ids = list(group_ids)
    if not ids:
        return []
    stmt = select(Meeting).where(col(Meeting.group_id).in_(ids), *held_clause(start=start, end=end, awaiting=awaiting))
    if newest is not None:
        return list(session.exec(stmt.order_by(col(Meeting.starts_at).desc()).limit(newest)).all())
    return list(session.exec(stmt.order_by(col(Meeting.starts_at), col(Meeting.id))).all())


def held_clause(*, start: datetime | None, end: datetime, awaiting: timedelta | None = None) -> list[Any]:
    """The WHERE conditions of `held_meetings`, for queries that aggregate over them."""
    confirmed = or_(col(Meeting.status) == MeetingStatus.gehouden, col(Meeting.attendance_confirmed_at).is_not(None))
    if awaiting is not None:
        pending = and_(col(Meeting.status) == MeetingStatus.gepland, col(Meeting.starts_at) > end - awaiting)
        confirmed = or_(confirmed, pending)
    out = [Meeting.status != MeetingStatus.geannuleerd, Meeting.starts_at <= end, confirmed]
    if start is not None:
        out.append(Meeting.starts_at >= start)
    return out


def agenda_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    """The items members put on a meeting's agenda, in the order they were added."""
    return agenda_items_of_meetings(session, [meeting_id]).get(meeting_id, [])


def agenda_items_of_meetings(session: Session, meeting_ids: Iterable[int]) -> dict[int, list[AgendaItem]]:
    """`agenda_items` for many meetings: per meeting id, in the order they were added."""
    out: dict[int, list[AgendaItem]] = {}
    for chunk in in_chunks(sorted(set(meeting_ids))):
        rows = session.exec(
            select(AgendaItem).where(col(AgendaItem.meeting_id).in_(chunk)).order_by(col(AgendaItem.id))
        ).all()
        for item in rows:
            out.setdefault(item.meeting_id, []).append(item)
    return out


def add_agenda_item(
    session: Session, meeting: Meeting, text: str, *, added_by_id: int | None, guest_id: int | None, now: datetime
) -> AgendaItem:
    """Put a member's item on the meeting's agenda (with an optional guest); audited by its number, not its text."""
    assert meeting.id is not None
    item = AgendaItem(meeting_id=meeting.id, text=text, added_by_id=added_by_id, guest_id=guest_id, created_at=now)
    session.add(item)
    session.flush()
    n = len(agenda_items(session, meeting.id))
    _audit(
        session,
        meeting,
        "agendapunt",
        actor_id=added_by_id,
        now=now,
        detail=f"punt {n}" + (" met gast" if guest_id else ""),
    )
    return item


def remove_agenda_item(
    session: Session, meeting: Meeting, item: AgendaItem, *, actor_id: int | None, now: datetime
) -> None:
    """Take an item off the agenda; the audit row names its number."""
    assert meeting.id is not None
    n = [i.id for i in agenda_items(session, meeting.id)].index(item.id) + 1
    session.delete(item)
    _audit(session, meeting, "agendapunt weg", actor_id=actor_id, now=now, detail=f"punt {n}")


def _answer(
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


def record_attendance(
    session: Session,
    meeting: Meeting,
    person_id: int,
    *,
    status: AttendanceStatus,
    reason: str | None,
    substitute_id: int | None,
    now: datetime,
) -> Attendance:
    """A member's own answer (komt, afgemeld) for a meeting; the audit row has the answer, never the reason."""
    assert meeting.id is not None
    row = _answer(session, meeting.id, person_id, status=status, reason=reason, substitute_id=substitute_id, now=now)
    _audit(session, meeting, status.value, actor_id=person_id, now=now)
    return row


def answer_of(session: Session, meeting_id: int, person_id: int | None) -> Attendance | None:
    """The person's answer for a meeting (any status), or None."""
    return session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.person_id == person_id)
    ).first()


def attendance_of(session: Session, meeting_id: int) -> dict[int, Attendance]:
    """Every answer and attendance row of a meeting, by person id."""
    return {a.person_id: a for a in session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id)).all()}


def confirm_attendance(
    session: Session,
    meeting: Meeting,
    statuses: dict[int, AttendanceStatus],
    *,
    actor_id: int | None,
    now: datetime,
    detail: str,
) -> None:
    """The chair confirms who attended (aanwezig/afwezig per person): the meeting counts as held.

    A reason or vervanger given with an earlier answer stays. `detail`: the summary for the audit row."""
    assert meeting.id is not None
    before = attendance_of(session, meeting.id)
    for person_id, status in statuses.items():
        old = before.get(person_id)
        _answer(
            session,
            meeting.id,
            person_id,
            status=status,
            reason=old.reason if old else None,
            substitute_id=old.substitute_id if old else None,
            now=now,
        )
    meeting.status = MeetingStatus.gehouden
    meeting.attendance_confirmed_at = now
    session.add(meeting)
    session.flush()
    _audit(session, meeting, "aanwezigheid", actor_id=actor_id, now=now, detail=detail)


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
    """The group's most recent meetings that were held (`held_meetings`), newest first."""
    return held_meetings(session, [group_id], start=None, end=now, newest=limit)


def attendance_flags(session: Session, group_id: int, now: datetime) -> list[AttendanceFlag]:
    """Members absent (afwezig, or afgemeld without vervanger) from 2 of the group's last 3 meetings.

    Guests are no members, and members who join once a year (`yearly`) are never flagged; nor is
    anyone no longer active (storage.org.members)."""
    return attendance_flags_by_group(session, [group_id], now)[group_id]


def attendance_flags_by_group(
    session: Session, group_ids: Iterable[int], now: datetime
) -> dict[int, list[AttendanceFlag]]:
    """`attendance_flags` of every group, in two statements whatever the number of groups (the
    digest asks for all teams at once): each group's last FLAG_WINDOW held meetings (`last_meetings`,
    numbered in the database), then the absences of members in those."""
    ids = list(group_ids)
    out: dict[int, list[AttendanceFlag]] = {g: [] for g in ids}
    if not ids:
        return out
    newest_first = func.row_number().over(
        partition_by=col(Meeting.group_id), order_by=(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
    )
    ranked = (
        select(Meeting.id, Meeting.group_id, newest_first.label("rank"))
        .where(col(Meeting.group_id).in_(ids), *held_clause(start=None, end=now))
        .subquery()
    )
    recent = sa.select(ranked.c.id, ranked.c.group_id, ranked.c.rank).where(ranked.c.rank <= FLAG_WINDOW).subquery()
    recent_ids: dict[int, list[int]] = {}
    for meeting_id, gid, _ in session.execute(sa.select(recent).order_by(recent.c.group_id, recent.c.rank)).all():
        recent_ids.setdefault(gid, []).append(meeting_id)
    rows = session.execute(
        sa.select(recent.c.group_id, col(Person.id), col(Person.key), col(Person.name), col(Attendance.meeting_id))
        .select_from(Attendance)
        .join(recent, recent.c.id == col(Attendance.meeting_id))
        .join(
            Membership,
            and_(col(Membership.person_id) == col(Attendance.person_id), col(Membership.group_id) == recent.c.group_id),
        )
        .join(Person, col(Person.id) == col(Attendance.person_id))
        .where(
            col(Attendance.status).in_([s.value for s in ABSENT]),
            # whoever sent a vervanger kept the attendance rule: their organisation was there
            col(Attendance.substitute_id).is_(None),
            *org.member_clause(yearly=False),
        )
        .order_by(recent.c.group_id, col(Person.key), recent.c.rank)
    ).all()
    missed: dict[tuple[int, int], list[int]] = {}
    who: dict[tuple[int, int], tuple[str, str]] = {}
    for gid, person_id, key, name, meeting_id in rows:
        missed.setdefault((gid, person_id), []).append(meeting_id)  # newest first
        who[gid, person_id] = (key, name)
    for (gid, person_id), gone in missed.items():  # by group, then by key: as `members` lists them
        recent_of = recent_ids.get(gid, [])
        if len(recent_of) >= FLAG_ABSENT and len(gone) >= FLAG_ABSENT:
            key, name = who[gid, person_id]
            out[gid].append(AttendanceFlag(person_id, key, name, len(gone), len(recent_of), tuple(gone)))
    return out


def record_bijeenkomst(
    session: Session, group_id: int, starts_at: datetime, description: str, *, created_by_id: int | None, now: datetime
) -> Bijeenkomst:
    """Plan a participatiebijeenkomst of the group, with its audit row."""
    b = Bijeenkomst(
        group_id=group_id, starts_at=starts_at, description=description, created_by_id=created_by_id, created_at=now
    )
    session.add(b)
    session.flush()
    assert b.id is not None
    log_change(session, item_type="bijeenkomst", item_id=b.id, action="gepland", actor_id=created_by_id, now=now)
    return b


def upcoming_bijeenkomsten(session: Session, group_id: int, *, now: datetime) -> list[Bijeenkomst]:
    """The group's participatiebijeenkomsten after `now`, soonest first."""
    return upcoming_bijeenkomsten_of_groups(session, [group_id], now=now).get(group_id, [])


def upcoming_bijeenkomsten_of_groups(
    session: Session, group_ids: Iterable[int], *, now: datetime
) -> dict[int, list[Bijeenkomst]]:
    """`upcoming_bijeenkomsten` for many groups: per group id, soonest first."""
    out: dict[int, list[Bijeenkomst]] = {}
    for chunk in in_chunks(sorted(set(group_ids))):
        rows = session.exec(
            select(Bijeenkomst)
            .where(col(Bijeenkomst.group_id).in_(chunk), Bijeenkomst.starts_at > now)
            .order_by(col(Bijeenkomst.starts_at), col(Bijeenkomst.id))
        ).all()
        for b in rows:
            out.setdefault(b.group_id, []).append(b)
    return out


# --- the queries behind the scheduled meeting moments and checks (schedules/meetings.py, verslag, reports)

CHUNK = 500  # values in one IN (...): well within every database's limit


def in_chunks(values: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def open_meeting_rows(
    session: Session,
    *,
    after: datetime,
    until: datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[tuple[int, datetime, str]]:
    """(id, starts_at, the group's reminder_days) of each planned meeting whose attendance is not
    confirmed yet and that starts in (after, until], by start time."""
    stmt = (
        select(Meeting.id, Meeting.starts_at, Group.reminder_days)
        .join(Group, col(Group.id) == col(Meeting.group_id))
        .where(
            Meeting.status == MeetingStatus.gepland,
            Meeting.attendance_confirmed_at == None,  # noqa: E711
            Meeting.starts_at > after,
        )
    )
    if until is not None:
        stmt = stmt.where(Meeting.starts_at <= until)
    stmt = stmt.order_by(col(Meeting.starts_at), col(Meeting.id)).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(mid or 0, starts_at, days) for mid, starts_at, days in session.exec(stmt).all()]


def all_reminder_days(session: Session) -> list[str]:
    """Every group's reminder days as stored (e.g. "7,1")."""
    return list(session.exec(select(Group.reminder_days)).all())


def meetings_by_id(session: Session, ids: list[int]) -> dict[int, Meeting]:
    return {
        m.id or 0: m
        for chunk in in_chunks(ids)
        for m in session.exec(select(Meeting).where(col(Meeting.id).in_(chunk))).all()
    }


def answers_by_meeting(session: Session, meeting_ids: list[int]) -> dict[int, dict[int, Attendance]]:
    """Every answer (any status) of each meeting, by person id."""
    out: dict[int, dict[int, Attendance]] = {mid: {} for mid in meeting_ids}
    for chunk in in_chunks(meeting_ids):
        for a in session.exec(select(Attendance).where(col(Attendance.meeting_id).in_(chunk))).all():
            out.setdefault(a.meeting_id, {})[a.person_id] = a
    return out


def answers_by_person(session: Session, meeting_id: int) -> dict[int, Attendance]:
    """Every answer (any status) of a meeting, by person id."""
    return answers_by_meeting(session, [meeting_id])[meeting_id]


def last_held_per_group(
    session: Session, *, start: datetime, end: datetime, awaiting: timedelta
) -> dict[int, tuple[int, datetime]]:
    """Per group id its last held meeting in [start, end] (as `held_meetings` with `awaiting`): (id, starts_at).

    Aggregated in the database instead of reading every meeting of the year."""
    held = held_clause(start=start, end=end, awaiting=awaiting)
    last = session.exec(select(func.max(Meeting.starts_at)).where(*held).group_by(col(Meeting.group_id))).all()
    latest = sorted({t for t in last if t is not None})
    out: dict[int, tuple[int, datetime]] = {}
    for start_at in range(0, len(latest), CHUNK):
        for meeting_id, group_id, starts_at in session.exec(
            select(Meeting.id, Meeting.group_id, Meeting.starts_at)
            .where(*held, col(Meeting.starts_at).in_(latest[start_at : start_at + CHUNK]))
            .order_by(col(Meeting.starts_at), col(Meeting.id))
        ).all():
            prev = out.get(group_id)
            if prev is None or starts_at >= prev[1]:
                out[group_id] = (meeting_id or 0, starts_at)  # ordered: the last one wins
    return out


def first_planned_per_group(session: Session, *, after: datetime) -> dict[int, datetime]:
    """Per group id the start of its first planned meeting after `after`."""
    rows = session.exec(
        select(Meeting.group_id, func.min(Meeting.starts_at))
        .where(Meeting.status == MeetingStatus.gepland, Meeting.starts_at > after)
        .group_by(col(Meeting.group_id))
    ).all()
    return dict(rows)


def meeting_starts(session: Session, *, after: datetime, limit: int) -> list[datetime]:
    """When the first `limit` meetings (not cancelled) after `after` start, in order."""
    return list(
        session.exec(
            select(Meeting.starts_at)
            .where(Meeting.starts_at > after, Meeting.status != MeetingStatus.geannuleerd)
            .order_by(col(Meeting.starts_at))
            .limit(limit)
        ).all()
    )


def meetings_without_verslag(session: Session, *, after: datetime, until: datetime) -> list[Meeting]:
    """The meetings (not cancelled) that started in (after, until] and have no verslag sent yet."""
    sent = select(VerslagSent.meeting_id)
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.starts_at <= until,
                Meeting.starts_at > after,
                Meeting.status != MeetingStatus.geannuleerd,
                col(Meeting.id).not_in(sent),
            )
            .order_by(col(Meeting.starts_at), col(Meeting.id))
        ).all()
    )
