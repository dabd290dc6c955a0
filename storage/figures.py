"""The figures behind every report, computed from the database for a set of groups and a period.

Pure functions of the database and `now`: no clock reads, no formatting. Flows (what happened in
a window) and stocks (what is open at `now`) are computed separately, so the digest can ask for
five weekly flows without recomputing the stocks. Every query covers all groups at once.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage import meetings
from storage.models import (
    Actiepunt,
    ActieStatus,
    Attendance,
    AttendanceStatus,
    Bijeenkomst,
    Meeting,
    MeetingStatus,
    Signaal,
    SignaalStatus,
)

DAY = 86400.0
# how far ahead the upcoming participatiebijeenkomsten are shown; the norms themselves are the
# groups' (Group.norm_span, Group.participatie_per_year: from the configuration)
UPCOMING_WEEKS = 8
ABSENCE_WINDOW = meetings.FLAG_WINDOW  # "frequent absence": absent from 2 of the last 3
ABSENCE_LIMIT = meetings.FLAG_ABSENT


@dataclass
class Flow:
    """What happened in one group in [start, end)."""

    new_signalen: Counter[str] = field(default_factory=Counter)  # by category
    new_by_area: Counter[str] = field(default_factory=Counter)  # by buurt or kern (only tagged signalen)
    acties_opened: int = 0
    acties_done: int = 0
    acties_due: int = 0  # deadline fell in the window (and before now)
    acties_due_missed: int = 0  # of those: not done by the deadline
    days_to_first_action: list[float] = field(default_factory=list)
    days_to_done: list[float] = field(default_factory=list)

    @property
    def signalen_total(self) -> int:
        return sum(self.new_signalen.values())

    @property
    def quiet(self) -> bool:
        return not (self.signalen_total or self.acties_opened or self.acties_done)


@dataclass
class Stock:
    """What is open in one group at `now`."""

    open_signalen: int = 0
    oldest_open_days: float | None = None
    median_open_days: float | None = None
    open_acties: int = 0
    overdue: int = 0
    overdue_ids: list[int] = field(default_factory=list)  # the first few, most overdue first


@dataclass
class MeetingFigures:
    """A group's meetings around `now`: the last one held, the next planned, how many in a window."""

    last_held: datetime | None = None
    next_planned: datetime | None = None
    held_in_window: int = 0
    cancelled_in_window: int = 0
    unconfirmed_in_window: int = 0  # past, not cancelled, but nobody confirmed it was held: not counted

    def within_norm(self, now: datetime, weeks: int | None) -> bool:
        """True when the last meeting is at most `weeks` ago (`weeks` None: there is no norm, so always)."""
        if weeks is None:
            return True
        return self.last_held is not None and now - self.last_held <= timedelta(weeks=weeks)


@dataclass
class BijeenkomstFigures:
    upcoming: list[datetime] = field(default_factory=list)
    held_this_year: int = 0
    held_in_window: int = 0


@dataclass
class AttendanceFigures:
    present: int = 0
    excused: int = 0  # afgemeld, without a vervanger
    substituted: int = 0  # afgemeld with a vervanger
    absent: int = 0  # afwezig without notice
    flagged_members: int = 0  # absent from ABSENCE_LIMIT of the last ABSENCE_WINDOW meetings (a count, never who)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _days(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / DAY


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


# withdrawn items (recorded by mistake) count in no figure
_LIVE_SIGNAAL = col(Signaal.status) != SignaalStatus.ingetrokken
_LIVE_ACTIE = col(Actiepunt.status) != ActieStatus.ingetrokken


def flows(
    session: Session,
    group_ids: Iterable[int],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    counts_only: bool = False,
) -> dict[int, Flow]:
    """Flow figures per group for [start, end): new signalen, actiepunten opened/done/due, lead times.

    `counts_only`: just new signalen, actiepunten opened and done (what a trend compares).
    """
    ids = list(group_ids)
    out: dict[int, Flow] = {g: Flow() for g in ids}
    if not ids:
        return out
    start, end = _utc(start), _utc(end)

    for gid, category, n in session.exec(
        select(Signaal.group_id, Signaal.category, sa.func.count())
        .where(col(Signaal.group_id).in_(ids), Signaal.created_at >= start, Signaal.created_at < end, _LIVE_SIGNAAL)
        .group_by(col(Signaal.group_id), col(Signaal.category))
    ).all():
        out[gid].new_signalen[category] += int(n)

    if not counts_only:
        for gid, area, n in session.exec(
            select(Signaal.group_id, Signaal.area, sa.func.count())
            .where(
                col(Signaal.group_id).in_(ids),
                Signaal.created_at >= start,
                Signaal.created_at < end,
                _LIVE_SIGNAAL,
                col(Signaal.area).is_not(None),
            )
            .group_by(col(Signaal.group_id), col(Signaal.area))
        ).all():
            out[gid].new_by_area[area or ""] += int(n)

    for gid, n in session.exec(
        select(Actiepunt.group_id, sa.func.count())
        .where(col(Actiepunt.group_id).in_(ids), Actiepunt.created_at >= start, Actiepunt.created_at < end, _LIVE_ACTIE)
        .group_by(col(Actiepunt.group_id))
    ).all():
        out[gid].acties_opened = int(n)

    done_in_window = (
        col(Actiepunt.group_id).in_(ids),
        Actiepunt.status == ActieStatus.gedaan,
        col(Actiepunt.done_at) >= start,
        col(Actiepunt.done_at) < end,
    )
    if counts_only:
        for gid, n in session.exec(
            select(Actiepunt.group_id, sa.func.count()).where(*done_in_window).group_by(col(Actiepunt.group_id))
        ).all():
            out[gid].acties_done = int(n)
        return out
    for gid, created, done in session.exec(
        select(Actiepunt.group_id, Actiepunt.created_at, Actiepunt.done_at).where(*done_in_window)
    ).all():
        assert done is not None
        out[gid].acties_done += 1
        out[gid].days_to_done.append(_days(done, created))

    due_until = min(end, _utc(now))
    if due_until > start:
        missed = sa.case(
            (
                sa.or_(
                    col(Actiepunt.status) != ActieStatus.gedaan,
                    col(Actiepunt.done_at).is_(None),
                    col(Actiepunt.done_at) > col(Actiepunt.deadline),
                ),
                1,
            ),
            else_=0,
        )
        for gid, n, n_missed in session.exec(
            select(Actiepunt.group_id, sa.func.count(), sa.func.sum(missed))
            .where(
                col(Actiepunt.group_id).in_(ids),
                Actiepunt.deadline >= start,
                Actiepunt.deadline < due_until,
                col(Actiepunt.status).not_in([ActieStatus.vervallen, ActieStatus.ingetrokken]),
            )
            .group_by(col(Actiepunt.group_id))
        ).all():
            out[gid].acties_due = int(n)
            out[gid].acties_due_missed = int(n_missed or 0)

    # lead time from signaal to its first actiepunt, counted in the window where that action was made
    earlier = sa.orm.aliased(Actiepunt)
    first_action = (
        select(Signaal.group_id, Signaal.created_at, Actiepunt.created_at)
        .join(Signaal, col(Signaal.id) == col(Actiepunt.signaal_id))
        .where(
            col(Actiepunt.group_id).in_(ids),
            col(Actiepunt.signaal_id).is_not(None),
            Actiepunt.created_at >= start,
            Actiepunt.created_at < end,
            _LIVE_ACTIE,
            _LIVE_SIGNAAL,
            ~sa.exists().where(
                col(earlier.signaal_id) == col(Actiepunt.signaal_id),
                col(earlier.status) != ActieStatus.ingetrokken,
                sa.or_(
                    col(earlier.created_at) < col(Actiepunt.created_at),
                    sa.and_(col(earlier.created_at) == col(Actiepunt.created_at), col(earlier.id) < col(Actiepunt.id)),
                ),
            ),
        )
    )
    for gid, sig_created, act_created in session.exec(first_action).all():
        out[gid].days_to_first_action.append(max(0.0, _days(act_created, sig_created)))
    return out


def stocks(session: Session, group_ids: Iterable[int], *, now: datetime, max_ids: int = 10) -> dict[int, Stock]:
    """What is open per group at `now`: open signalen with their ages, open and overdue actiepunten.

    Aggregated in the database (counts, oldest, the middle rows for the median): a year of data
    never travels to Python.
    """
    ids = list(group_ids)
    out: dict[int, Stock] = {g: Stock() for g in ids}
    if not ids:
        return out
    still_open = [SignaalStatus.open, SignaalStatus.in_behandeling, SignaalStatus.actie]
    open_sig = (
        col(Signaal.status).in_(still_open),
        Signaal.created_at <= now,
    )
    # per group, numbered oldest first: the first row (the oldest) and the middle one or two (the median)
    part = col(Signaal.group_id)
    ranked = (
        select(
            Signaal.group_id,
            Signaal.created_at,
            sa.func.row_number()
            .over(partition_by=part, order_by=(col(Signaal.created_at), col(Signaal.id)))
            .label("n"),
            sa.func.count().over(partition_by=part).label("of"),
        )
        .where(col(Signaal.group_id).in_(ids), *open_sig)
        .subquery()
    )
    row_no, size = ranked.c.n, ranked.c.of
    middle: dict[int, list[datetime]] = {}
    for gid, created, row, total in session.execute(
        sa.select(ranked).where(sa.or_(row_no == 1, row_no == (size + 1) // 2, row_no == (size + 2) // 2))
    ).all():
        stock = out[gid]
        stock.open_signalen = int(total)
        if row == 1:
            stock.oldest_open_days = _days(now, created)
        if row in ((total + 1) // 2, (total + 2) // 2):
            middle.setdefault(gid, []).append(created)
    for gid, ages in middle.items():
        out[gid].median_open_days = statistics.mean(_days(now, c) for c in ages)
    for gid, n in session.exec(
        select(Actiepunt.group_id, sa.func.count())
        .where(col(Actiepunt.group_id).in_(ids), Actiepunt.status == ActieStatus.open)
        .group_by(col(Actiepunt.group_id))
    ).all():
        out[gid].open_acties = int(n)
    late = (Actiepunt.status == ActieStatus.open, Actiepunt.deadline < now)
    # per group, most overdue first: how many there are, and the first `max_ids` of them
    overdue = (
        select(
            Actiepunt.group_id,
            Actiepunt.id,
            sa.func.row_number()
            .over(partition_by=col(Actiepunt.group_id), order_by=(col(Actiepunt.deadline), col(Actiepunt.id)))
            .label("n"),
            sa.func.count().over(partition_by=col(Actiepunt.group_id)).label("of"),
        )
        .where(col(Actiepunt.group_id).in_(ids), *late)
        .subquery()
    )
    for gid, act_id, _, total in session.execute(
        sa.select(overdue).where(overdue.c.n <= max_ids).order_by(overdue.c.group_id, overdue.c.n)
    ).all():
        out[gid].overdue = int(total)
        out[gid].overdue_ids.append(act_id)
    return out


def meeting_figures(
    session: Session, group_ids: Iterable[int], *, now: datetime, start: datetime | None = None
) -> dict[int, MeetingFigures]:
    """Last meeting held (storage.meetings.held_meetings), next planned, and counts since `start`."""
    ids = list(group_ids)
    out: dict[int, MeetingFigures] = {g: MeetingFigures() for g in ids}
    if not ids:
        return out
    since = start if start is not None else now - timedelta(days=400)
    held_at: dict[int, set[datetime]] = {}
    for m in meetings.held_meetings(session, ids, start=min(since, now - timedelta(days=400)), end=now):
        held_at.setdefault(m.group_id, set()).add(m.starts_at)
        fig = out[m.group_id]
        fig.last_held = m.starts_at
        if start is not None and m.starts_at >= start:
            fig.held_in_window += 1
    rows = session.exec(
        select(Meeting.group_id, Meeting.starts_at, Meeting.status)
        .where(
            col(Meeting.group_id).in_(ids), Meeting.starts_at >= since, Meeting.starts_at <= now + timedelta(days=400)
        )
        .where(Meeting.status != MeetingStatus.gehouden)
        .order_by(col(Meeting.starts_at))
    ).all()
    for gid, at, status in rows:
        fig = out[gid]
        if at > now:
            if status == MeetingStatus.gepland and fig.next_planned is None:
                fig.next_planned = at
        elif start is not None and at >= start:
            if status == MeetingStatus.geannuleerd:
                fig.cancelled_in_window += 1
            elif at not in held_at.get(gid, set()):
                fig.unconfirmed_in_window += 1
    return out


def bijeenkomst_figures(
    session: Session,
    group_ids: Iterable[int],
    *,
    now: datetime,
    year_start: datetime,
    ahead: timedelta = timedelta(weeks=UPCOMING_WEEKS),
    start: datetime | None = None,
) -> dict[int, BijeenkomstFigures]:
    """Participatiebijeenkomsten: upcoming within `ahead`, held since `year_start` and since `start`."""
    ids = list(group_ids)
    out: dict[int, BijeenkomstFigures] = {g: BijeenkomstFigures() for g in ids}
    if not ids:
        return out
    since = min(year_start, start) if start is not None else year_start
    for gid, at in session.exec(
        select(Bijeenkomst.group_id, Bijeenkomst.starts_at)
        .where(col(Bijeenkomst.group_id).in_(ids), Bijeenkomst.starts_at >= since, Bijeenkomst.starts_at <= now + ahead)
        .order_by(col(Bijeenkomst.starts_at))
    ).all():
        fig = out[gid]
        if at > now:
            fig.upcoming.append(at)
            continue
        if at >= year_start:
            fig.held_this_year += 1
        if start is not None and at >= start:
            fig.held_in_window += 1
    return out


def attendance_figures(
    session: Session, group_ids: Iterable[int], *, now: datetime, start: datetime | None = None
) -> dict[int, AttendanceFigures]:
    """Attendance counts of the meetings held in [start, now], and how many members are flagged for
    frequent absence (storage.meetings.attendance_flags: 2 of the last 3 meetings)."""
    ids = list(group_ids)
    out: dict[int, AttendanceFigures] = {g: AttendanceFigures() for g in ids}
    for gid, flags in meetings.attendance_flags_by_group(session, ids, now).items():
        out[gid].flagged_members = len(flags)
    if not ids or start is None:
        return out
    held = meetings.held_meetings(session, ids, start=start, end=now)
    meeting_group = {m.id: m.group_id for m in held if m.id is not None}
    if not meeting_group:
        return out
    for mid, status, substitute in session.exec(
        select(Attendance.meeting_id, Attendance.status, Attendance.substitute_id).where(
            col(Attendance.meeting_id).in_(list(meeting_group))
        )
    ).all():
        fig = out[meeting_group[mid]]
        if status == AttendanceStatus.aanwezig:
            fig.present += 1
        elif status == AttendanceStatus.afwezig:
            fig.absent += 1
        elif status == AttendanceStatus.afgemeld:
            if substitute is None:
                fig.excused += 1
            else:
                fig.substituted += 1
    return out


def monthly_flows(
    session: Session, group_ids: Iterable[int], months: Sequence[tuple[datetime, datetime]], *, now: datetime
) -> list[dict[int, Flow]]:
    """One `flows` result per (start, end) month, in order: the data behind the half-year chart."""
    ids = list(group_ids)
    return [flows(session, ids, start, end, now=now) for start, end in months]
