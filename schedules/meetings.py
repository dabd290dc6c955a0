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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from handlers.afmelden import MEETING_TOKEN
from handlers.agenda import build_agenda
from handlers.format import label, when
from schedules.jobs import InstantSource, JobSpec, read_mark, register, register_instants, write_mark
from storage import meetings as meeting_repo
from storage import outbox
from storage.config import OrgConfig
from storage.db import transaction
from storage.meetings import AttendanceFlag, attendance_flags
from storage.models import Attendance, ClockState, Group, Meeting, MeetingStatus, Membership, Person

log = logging.getLogger(__name__)
T = TypeVar("T")

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
    days = [d for raw in session.exec(select(Group.reminder_days)).all() for d in _parse_days(raw)]
    return timedelta(days=max([NUDGE_DAYS, *days]) + 1)


def _open_meetings():  # type: ignore[no-untyped-def]
    return (
        select(Meeting.id, Meeting.starts_at, Group.reminder_days)
        .join(Group, col(Group.id) == col(Meeting.group_id))
        .where(
            Meeting.status == MeetingStatus.gepland,
            Meeting.attendance_confirmed_at == None,  # noqa: E711
        )
    )


def _moments(rows: list[tuple[int | None, datetime, str]], config: OrgConfig) -> list[Moment]:
    return [
        mo
        for meeting_id, starts_at, days in rows
        for mo in moments_of(meeting_id or 0, starts_at, _parse_days(days), config)
    ]


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
            rows = session.exec(
                _open_meetings()
                .where(Meeting.starts_at > after - _BEHIND)
                .order_by(col(Meeting.starts_at), col(Meeting.id))
                .offset(offset)
                .limit(batch)
            ).all()
            for meeting_id, starts_at, days in rows:
                if best is not None and starts_at - lead > best:
                    return best
                for mo in moments_of(meeting_id or 0, starts_at, _parse_days(days), config):
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
        row = session.get(ClockState, MARK_KEY)
        lower = datetime.fromisoformat(row.value) if row else now - timedelta(microseconds=1)
        if lower >= now:
            return 0
        lead = _lead(session)
        rows = session.exec(
            _open_meetings().where(Meeting.starts_at > lower - _BEHIND, Meeting.starts_at <= now + lead)
        ).all()
        due = sorted(mo for mo in _moments(list(rows), config) if lower < mo.at <= now)
        latest_reminder: dict[int, Moment] = {}
        for mo in due:
            if mo.kind == "herinnering":
                latest_reminder[mo.meeting_id] = mo  # sorted by time: the last one wins
        # everything the moments need, in a few queries for all of them (not a few per meeting)
        meeting_ids = sorted({mo.meeting_id for mo in due})
        meetings = {m.id: m for m in _in_chunks(session, Meeting, col(Meeting.id), meeting_ids)}
        group_ids = sorted({m.group_id for m in meetings.values()})
        groups = {g.id: g for g in _in_chunks(session, Group, col(Group.id), group_ids)}
        answers: dict[int, dict[int, Attendance]] = {mid: {} for mid in meeting_ids}
        for a in _in_chunks(session, Attendance, col(Attendance.meeting_id), meeting_ids):
            answers[a.meeting_id][a.person_id] = a
        members: dict[int, list[Person]] = {}

        def members_cached(group_id: int) -> list[Person]:
            if group_id not in members:
                members[group_id] = members_of(session, group_id)
            return members[group_id]

        queued = 0
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
                    queued += send_reminder(session, config, group, meeting, days=mo.days, now=now)
            elif mo.kind == "aanmoediging":
                if meeting.starts_at <= now:
                    log.info("aanmoediging voor overleg %s overgeslagen: het is al begonnen", meeting.id)
                else:
                    queued += send_nudges(
                        session, config, group, meeting, now=now, answered=seen, members=members_cached(group.id or 0)
                    )
            elif meeting.starts_at <= now:
                queued += ask_attendance(
                    session, config, group, meeting, now=now, answered=seen, members=members_cached(group.id or 0)
                )
        write_mark(session, MARK_KEY, now)
        return queued


def _buttons(meeting: Meeting) -> list[dict[str, str]]:
    # the Slack adapter turns action "overleg_kom" into "/overleg kom <value>" (same for afmelden);
    # the value is a token, because a bare number in a command is a day (handlers/afmelden.py)
    value = f"{MEETING_TOKEN}{meeting.id}"
    return [
        {"label": "Ik kom", "action": "overleg_kom", "value": value},
        {"label": "Ik meld me af", "action": "overleg_afmelden", "value": value},
    ]


def _how_soon(meeting: Meeting, now: datetime, config: OrgConfig) -> str:
    left = (meeting.starts_at.astimezone(config.tz).date() - now.astimezone(config.tz).date()).days
    return {0: "vandaag", 1: "morgen"}.get(left, f"over {left} dagen")


def send_reminder(
    session: Session, config: OrgConfig, group: Group, meeting: Meeting, *, days: int, now: datetime
) -> int:
    """The reminder with the agenda in the group's channel (once per meeting and reminder day)."""
    lines = [
        f"Herinnering: {group.name} vergadert {_how_soon(meeting, now, config)}.",
        f"Wanneer: {when(meeting.starts_at, config.tz)}",
        f"Waar: {meeting.location or 'nog niet bekend'}",
        "Agenda:",
        *build_agenda(session, group, meeting, now=now, tz=config.tz, jaarplan_naam=config.jaarplan_naam),
        "Komt u? Zeg het met /overleg kom, of meld u af met /afmelden [reden] [vervanger @persoon].",
    ]
    msg = outbox.enqueue(
        session,
        kind="channel",
        destination=group.channel,
        text="\n".join(lines),
        now=now,
        dedupe_key=f"herinnering:{_key(meeting)}:{days}d",
        payload={"buttons": _buttons(meeting), "meeting_id": meeting.id},
    )
    return (1 if msg else 0) + send_guest_reminders(session, config, group, meeting, days=days, now=now)


def _key(meeting: Meeting) -> str:
    """The meeting in a dedupe key; a moved meeting (sequence > 0) gets its reminders again."""
    return f"{meeting.id}" if not meeting.sequence else f"{meeting.id}.{meeting.sequence}"


def send_guest_reminders(
    session: Session, config: OrgConfig, group: Group, meeting: Meeting, *, days: int, now: datetime
) -> int:
    """The guests of the meeting's agendapunten get the reminder as a DM, with the agenda's outline."""
    queued = 0
    guests: dict[int, list[str]] = {}
    for i in meeting_repo.agenda_items(session, meeting.id or 0):
        if i.guest_id:
            guests.setdefault(i.guest_id, []).append(i.text)
    if not guests:
        return 0
    outline = build_agenda(
        session, group, meeting, now=now, tz=config.tz, jaarplan_naam=config.jaarplan_naam, outline=True
    )
    for guest_id, texts in guests.items():
        item = "; ".join(texts)
        guest = session.get(Person, guest_id)
        if guest is None or not guest.active:
            continue
        text = (
            f"Herinnering: u bent {_how_soon(meeting, now, config)} te gast bij het overleg van {group.name} "
            f"({when(meeting.starts_at, config.tz)}, {meeting.location or 'plaats nog niet bekend'}) voor het "
            f"{'agendapunt' if len(texts) == 1 else 'agendapunten'}: {item}.\nAgenda:\n" + "\n".join(outline)
        )
        queued += outbox.dm(
            session, guest.key, text, now=now, dedupe_key=f"herinnering:{_key(meeting)}:{days}d:{guest.key}"
        )
    return queued


def members_of(session: Session, group_id: int) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .where(Membership.group_id == group_id, Membership.role == "lid", Person.active == True)  # noqa: E712
            .order_by(col(Person.key))
        ).all()
    )


def yearly_members(session: Session, group_id: int) -> set[int]:
    """Members who join once a year (`yearly`): not nudged, never flagged for absence."""
    return {
        pid
        for pid in session.exec(
            select(Membership.person_id).where(Membership.group_id == group_id, Membership.yearly == True)  # noqa: E712
        ).all()
    }


def _in_chunks(session: Session, model: type[T], column: Any, values: list[int]) -> list[T]:
    """Rows of `model` whose `column` is one of `values` (in chunks, for the databases' limits)."""
    out: list[T] = []
    for start in range(0, len(values), 500):
        out += session.exec(select(model).where(column.in_(values[start : start + 500]))).all()
    return out


def _answers(session: Session, meeting_id: int) -> dict[int, Attendance]:
    rows = session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id)).all()
    return {a.person_id: a for a in rows}


def send_nudges(
    session: Session,
    config: OrgConfig,
    group: Group,
    meeting: Meeting,
    *,
    now: datetime,
    answered: dict[int, Attendance] | None = None,
    members: list[Person] | None = None,
) -> int:
    """One direct message to each member (not the chair) who has not answered yet.

    `answered` and `members`: the meeting's answers and the group's members, when the caller
    loaded them already.
    """
    if answered is None:
        answered = _answers(session, meeting.id or 0)
    if members is None:
        members = members_of(session, group.id or 0)
    queued = 0
    moment = when(meeting.starts_at, config.tz)
    where = f", {meeting.location}" if meeting.location else ""
    yearly = yearly_members(session, group.id or 0)
    for person in members:
        if person.id in answered or person.id == group.chair_id or person.id in yearly:
            continue
        text = (
            f"Komt u naar het overleg van {group.name} ({moment}{where})? U heeft het nog niet laten weten. "
            f"Zeg het met /overleg kom, of meld u af met /afmelden [reden] [vervanger @persoon] in #{group.channel}."
        )
        queued += outbox.dm(
            session,
            person.key,
            text,
            now=now,
            dedupe_key=f"aanmoediging:{_key(meeting)}:{person.key}",
            payload={"buttons": _buttons(meeting), "meeting_id": meeting.id},
        )
    return queued


def ask_attendance(
    session: Session,
    config: OrgConfig,
    group: Group,
    meeting: Meeting,
    *,
    now: datetime,
    answered: dict[int, Attendance] | None = None,
    members: list[Person] | None = None,
) -> int:
    """Ask the chair, once, who attended the meeting (`answered`, `members`: as for send_nudges)."""
    chair = session.get(Person, group.chair_id) if group.chair_id else None
    if chair is None:
        return 0
    if answered is None:
        answered = _answers(session, meeting.id or 0)
    if members is None:
        members = members_of(session, group.id or 0)
    local = meeting.starts_at.astimezone(config.tz)
    day = f"{local.day}-{local.month}-{local.year}"
    said: dict[str, list[str]] = {"komt": [], "afgemeld": [], "geen reactie": []}
    for p in members:
        a = answered.get(p.id or 0)
        status = a.status if a else "geen reactie"
        said.setdefault(status, []).append(f"@{p.key}" + (f" ({a.reason})" if a and a.reason else ""))
    summary = "; ".join(f"{label('aanwezigheid', k)}: {', '.join(v)}" for k, v in said.items() if v)
    text = (
        f"Het overleg van {group.name} op {when(meeting.starts_at, config.tz)} is geweest. Wie waren er? "
        f"Bevestig het met /overleg aanwezig {day} @naam @naam ... (wie u niet noemt, telt als afwezig; "
        f"afmeldingen blijven afgemeld), of met /overleg aanwezig {day} alle als iedereen er was die zich "
        f"niet had afgemeld.\nAangegeven: {summary}."
    )
    msg = outbox.enqueue(
        session,
        kind="dm",
        destination=chair.key,
        text=text,
        now=now,
        dedupe_key=f"aanwezigheid:{meeting.id}",
        payload={
            "buttons": [
                {
                    "label": "Iedereen behalve de afmeldingen",
                    "action": "overleg_aanwezig",
                    "value": f"{meeting.id} alle",
                }
            ],
            "meeting_id": meeting.id,
        },
    )
    return 1 if msg else 0


def check_meeting_intervals(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Extend the meeting series (Mondays), and warn a chair once per gap when nothing is planned in time."""
    queued = 0
    with transaction(engine) as session:
        if now.astimezone(config.tz).weekday() == 0:  # weekly is plenty: the series run 400 days ahead
            meeting_repo.extend_series(session, now=now, tz=config.tz)
        previous: dict[int, tuple[int, datetime]] = {}
        upcoming: dict[int, datetime] = {}
        window = timedelta(weeks=2 * MAX_NORM_WEEKS)
        # held (storage.meetings.held_meetings), or just past and awaiting the chair's confirmation
        held = meeting_repo.held_clause(start=now - window, end=now, awaiting=CONFIRM_GRACE)
        # per group the last meeting (not cancelled) in the window and the first planned one ahead,
        # aggregated in the database instead of reading every meeting of the year
        last = session.exec(select(func.max(Meeting.starts_at)).where(*held).group_by(col(Meeting.group_id))).all()
        latest = sorted({t for t in last if t is not None})
        for start in range(0, len(latest), 500):
            for meeting_id, group_id, starts_at in session.exec(
                select(Meeting.id, Meeting.group_id, Meeting.starts_at)
                .where(*held, col(Meeting.starts_at).in_(latest[start : start + 500]))
                .order_by(col(Meeting.starts_at), col(Meeting.id))
            ).all():
                prev_at = previous.get(group_id)
                if prev_at is None or starts_at >= prev_at[1]:
                    previous[group_id] = (meeting_id or 0, starts_at)  # ordered: the last one wins
        for group_id, first_at in session.exec(
            select(Meeting.group_id, func.min(Meeting.starts_at))
            .where(Meeting.status == MeetingStatus.gepland, Meeting.starts_at > now)
            .group_by(col(Meeting.group_id))
        ).all():
            upcoming[group_id] = first_at
        for group in session.exec(select(Group).order_by(col(Group.id))).all():
            weeks = group.norm_span  # the norm comes from the configuration; none, no warning
            if weeks is None or group.id is None or group.chair_id is None:
                continue
            prev = previous.get(group.id)
            required_by = (prev[1] if prev else now) + timedelta(weeks=weeks)
            nxt = upcoming.get(group.id)
            if nxt is not None and nxt <= required_by:
                continue
            chair = session.get(Person, group.chair_id)
            if chair is None:
                continue
            since = f"na het vorige overleg ({when(prev[1], config.tz)})" if prev else "vanaf nu"
            planned = f" Het eerstvolgende staat op {when(nxt, config.tz)}." if nxt else ""
            text = (
                f"{group.name} moet {group.norm_words} vergaderen{config.cite()}, maar er is geen "
                f"overleg gepland binnen {weeks} weken {since}, dus vóór {when(required_by, config.tz)}.{planned} "
                f"Plan er een in #{group.channel} met /overleg plan <datum en tijd> [elke {weeks} weken]."
            )
            queued += outbox.dm(
                session, chair.key, text, now=now, dedupe_key=f"overleg-gat:{group.key}:{prev[0] if prev else 'start'}"
            )
    return queued


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
