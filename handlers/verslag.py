"""The verslag of a meeting (`/overleg verslag`), and how it travels along the reporting lines.

A verslag is the meeting's besluiten, the actiepunten created and finished since the meeting
before, the attendance, and (for a group that holds participatiebijeenkomsten) one line or a
short list of the coming ones: "geen participatiebijeenkomsten gepland" is a line inside the
verslag, never a post of its own.

After the chair confirms the attendance (`/overleg aanwezig`), or at the end of the meeting day
(schedules/verslag.py), `send_verslag` posts it ONCE:
- up, to every group above the group (`org.above`: its `reports_to`, and theirs);
- the group's own besluiten down, to the groups that report to it, and from there further down
  ("doorgegeven door ..."): stuurgroep → regiegroep → teams, each group once.
The mark is a `VerslagSent` row, written in the same transaction as the outbox messages; the
messages carry dedupe keys too. What leaves the group has no names: attendance as counts,
owners as organisation and role, texts that name someone or hold personal data withheld
(docs/privacy.md).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from handlers.base import Context, Reply, UserError
from handlers.format import actie_line, day, plural, ref_a, ref_s, when
from handlers.parsing import take_leading_date
from handlers.permissions import require
from handlers.reports.actielijst import actie_line_outside, shareable
from storage import besluiten as repo
from storage import org, outbox
from storage import people as people_store
from storage.config import OrgConfig
from storage.models import (
    Actiepunt,
    ActieStatus,
    Attendance,
    AttendanceStatus,
    Besluit,
    Bijeenkomst,
    Escalation,
    Group,
    Meeting,
    MeetingStatus,
    Person,
    VerslagSent,
)

MAX_ITEMS = 40  # per list in a verslag; the rest is counted ("… en nog 12")


def ref_b(besluit_id: int | None) -> str:
    return f"B-{besluit_id}"


def besluit_line(session: Session, b: Besluit, *, outside: bool = False) -> str:
    """`B-3 tekst (over S-12)`; `outside`: as it may leave the group."""
    about = ""
    if b.escalation_id is not None:
        esc = session.get(Escalation, b.escalation_id)
        if esc is not None and esc.item_id is not None:
            about = f" (over {ref_s(esc.item_id) if esc.kind == 'signaal' else ref_a(esc.item_id)})"
    text = shareable(session, b.text) if outside else b.text
    return f"{ref_b(b.id)} {text}{about}"


def _bounded(lines: list[str], what: str) -> list[str]:
    if len(lines) <= MAX_ITEMS:
        return lines
    return [*lines[:MAX_ITEMS], f"• … en nog {plural(len(lines) - MAX_ITEMS, what)}."]


def _window(session: Session, meeting: Meeting, now: datetime) -> tuple[datetime | None, datetime]:
    """(start of the previous meeting, or None; the start of the next one or now): the verslag's period."""
    held = (Meeting.group_id == meeting.group_id, Meeting.status != MeetingStatus.geannuleerd)
    before = session.exec(
        select(Meeting.starts_at).where(*held, Meeting.starts_at < meeting.starts_at)
        .order_by(col(Meeting.starts_at).desc()).limit(1)
    ).first()  # fmt: skip
    after = session.exec(
        select(Meeting.starts_at).where(*held, Meeting.starts_at > meeting.starts_at)
        .order_by(col(Meeting.starts_at)).limit(1)
    ).first()  # fmt: skip
    until = min(now, after) if after is not None else now
    return before, until


def _attendance(session: Session, group: Group, meeting: Meeting, *, outside: bool) -> str:
    rows = session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_([a.person_id for a in rows])))}
    order = (
        [AttendanceStatus.aanwezig, AttendanceStatus.afgemeld, AttendanceStatus.afwezig]
        if meeting.attendance_confirmed_at is not None
        else [AttendanceStatus.komt, AttendanceStatus.afgemeld]
    )
    words = {"aanwezig": "aanwezig", "afgemeld": "afgemeld", "afwezig": "afwezig", "komt": "aangemeld"}
    parts = []
    for status in order:
        keys = sorted(f"@{people[a.person_id].key}" for a in rows if a.status == status and a.person_id in people)
        if outside and (keys or meeting.attendance_confirmed_at is not None):
            parts.append(f"{words[status]} {len(keys)}")
        elif keys and not outside:
            parts.append(f"{words[status]}: {', '.join(keys)}")
    if meeting.attendance_confirmed_at is None:
        said = f" (aangegeven: {'; '.join(parts)})" if parts else ""
        return f"Aanwezigheid: nog niet bevestigd door de voorzitter{said}."
    return f"Aanwezigheid: {'; '.join(parts) if parts else 'niemand genoteerd'}."


def _participatie(session: Session, group: Group, *, now: datetime, tz: ZoneInfo) -> list[str]:
    if not group.participatie_per_year:
        return []
    rows = session.exec(
        select(Bijeenkomst)
        .where(Bijeenkomst.group_id == group.id, Bijeenkomst.starts_at > now)
        .order_by(col(Bijeenkomst.starts_at))
    ).all()
    if not rows:
        return ["Participatie: geen participatiebijeenkomsten gepland."]
    head = f"Participatie: {plural(len(rows), 'geplande bijeenkomst')}:"
    return [head, *_bounded([f"• {when(b.starts_at, tz)}: {b.description}" for b in rows], "bijeenkomst")]


def verslag_lines(
    session: Session, group: Group, meeting: Meeting, *, now: datetime, tz: ZoneInfo, outside: bool = False
) -> list[str]:
    """The verslag of `meeting`; `outside`: the version that goes up the chain (no names)."""
    since, until = _window(session, meeting, now)
    lines = [f"Verslag van het overleg van {group.name} op {when(meeting.starts_at, tz)}"]
    if meeting.status == MeetingStatus.geannuleerd:
        lines.append("Dit overleg is niet doorgegaan.")
    lines.append(_attendance(session, group, meeting, outside=outside))
    decided = repo.besluiten_of_meeting(session, meeting.id or 0)
    if decided:
        lines.append(f"Besluiten ({len(decided)}):")
        lines += _bounded([f"• {besluit_line(session, b, outside=outside)}" for b in decided], "besluit")
    else:
        lines.append("Besluiten: geen.")
    new_stmt = select(Actiepunt).where(
        Actiepunt.group_id == group.id, Actiepunt.status != ActieStatus.ingetrokken, Actiepunt.created_at <= until
    )
    done_stmt = select(Actiepunt).where(
        Actiepunt.group_id == group.id,
        col(Actiepunt.status).in_([ActieStatus.gedaan, ActieStatus.vervallen]),
        Actiepunt.updated_at <= until,
    )
    if since is not None:
        new_stmt = new_stmt.where(Actiepunt.created_at > since)
        done_stmt = done_stmt.where(Actiepunt.updated_at > since)
    new = list(session.exec(new_stmt.order_by(col(Actiepunt.id))).all())
    done = list(session.exec(done_stmt.order_by(col(Actiepunt.id))).all())
    _held = people_store.by_ids(session, [a.owner_id for a in new + done])  # the owners: no lookup per line

    def line(a: Actiepunt) -> str:
        return actie_line_outside(session, a, now=now, tz=tz) if outside else actie_line(session, a, now, tz)

    period = f" sinds het vorige overleg ({when(since, tz)})" if since else ""
    lines.append(f"Actiepunten{period}: {len(new)} nieuw, {len(done)} afgerond.")
    if new:
        lines.append("Nieuw:")
        lines += _bounded([f"• {line(a)}" for a in new], "actiepunt")
    if done:
        lines.append("Afgerond:")
        lines += _bounded([f"• {line(a)}" for a in done], "actiepunt")
    lines += _participatie(session, group, now=now, tz=tz)
    return lines


def _meeting_meant(ctx: Context, group: Group, args: str) -> Meeting:
    rest = args.strip()
    if not rest:
        meeting = repo.current_meeting(ctx.session, group.id or 0, now=ctx.now, tz=ctx.tz)
        if meeting is None:
            raise UserError(f"{group.name} heeft nog geen overleg gehad; er is dus geen verslag (zie /overleg lijst).")
        return meeting
    moment, left = take_leading_date(ctx, rest, past=True)
    if moment is None or left:
        raise UserError(f"'{rest}' begrijp ik niet als datum; schrijf bijvoorbeeld /overleg verslag 3 december.")
    start = datetime.combine(moment.astimezone(ctx.tz).date(), time(0), tzinfo=ctx.tz)
    found = ctx.session.exec(
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.starts_at >= start, Meeting.starts_at < start + timedelta(days=1))
        .order_by(col(Meeting.starts_at))
        .limit(1)
    ).first()
    if found is None:
        raise UserError(f"{group.name} had geen overleg op {day(start, ctx.tz)}; zie /overleg lijst.")
    return found


def show(ctx: Context, args: str) -> list[Reply]:
    """/overleg verslag [datum]: the verslag of today's or the last meeting (or that on a day)."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    meeting = _meeting_meant(ctx, group, args)
    lines = verslag_lines(ctx.session, group, meeting, now=ctx.now, tz=ctx.tz)
    sent = ctx.session.get(VerslagSent, meeting.id)
    above = org.above(org.all_groups(ctx.session), group)
    if sent is not None:
        lines.append(f"Doorgestuurd op {when(sent.sent_at, ctx.tz)}.")
    elif above:
        lines.append(
            f"Het gaat naar {_and([g.name for g in above])} zodra de voorzitter de aanwezigheid bevestigt "
            "(/overleg aanwezig), of aan het eind van de dag van het overleg."
        )
    return [Reply("\n".join(lines), private=True)]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _down(groups: list[Group], group: Group) -> list[tuple[Group, Group | None]]:
    """Every group below `group` once, nearest first, with the group that passes it on (None: direct)."""
    out: list[tuple[Group, Group | None]] = []
    seen = {group.key}
    todo: list[tuple[Group, Group | None]] = [(g, None) for g in org.reporting_to(groups, group)]
    while todo:
        g, via = todo.pop(0)
        if g.key in seen:
            continue
        seen.add(g.key)
        out.append((g, via))
        todo += [(child, g) for child in org.reporting_to(groups, g)]
    return out


def send_verslag(
    session: Session,
    config: OrgConfig,
    meeting: Meeting,
    *,
    now: datetime,
    trigger: str,
    groups: list[Group] | None = None,
) -> int:
    """Post the verslag up and the besluiten down, once per meeting (the mark: VerslagSent); how many queued.

    `groups`: every group (`org.all_groups`), when the caller sends the verslagen of many meetings."""
    if meeting.id is None or session.get(VerslagSent, meeting.id) is not None:
        return 0
    if meeting.status == MeetingStatus.geannuleerd:
        return 0
    if groups is None:
        groups = org.all_groups(session)
    group = next((g for g in groups if g.id == meeting.group_id), None)
    if group is None:
        return 0
    session.add(VerslagSent(meeting_id=meeting.id, sent_at=now, trigger=trigger))
    session.flush()
    tz = config.tz
    out: list[outbox.Outgoing] = []
    above = org.above(groups, group)
    if above:
        text = "\n".join(verslag_lines(session, group, meeting, now=now, tz=tz, outside=True))
        out += [
            outbox.Outgoing("channel", g.channel, text, dedupe_key=f"verslag:{meeting.id}:{g.channel}") for g in above
        ]
    decided = repo.besluiten_of_meeting(session, meeting.id)
    if decided:
        head = f"Besluiten van {group.name} (overleg van {when(meeting.starts_at, tz)})"
        items = _bounded([f"• {besluit_line(session, b, outside=True)}" for b in decided], "besluit")
        for g, via in _down(groups, group):
            passed = f", doorgegeven door {via.name}" if via is not None else ""
            out.append(
                outbox.Outgoing(
                    "channel",
                    g.channel,
                    "\n".join([f"{head}{passed}:", *items]),
                    dedupe_key=f"besluiten:{meeting.id}:{g.channel}",
                )
            )
    return outbox.enqueue_many(session, out, now=now)


def after_attendance(ctx: Context, meeting: Meeting) -> str:
    """Called when the chair confirmed the attendance: send the verslag now; a line for the reply ("" if none)."""
    if send_verslag(ctx.session, ctx.config, meeting, now=ctx.now, trigger="aanwezigheid"):
        return "Het verslag (besluiten, actiepunten, aanwezigheid in aantallen) is doorgestuurd."
    return ""
