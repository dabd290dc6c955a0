"""/overleg: the group's next meeting with its agenda, and planning meetings."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlmodel import col, select

from handlers import afmelden, verslag
from handlers.agenda import build_agenda
from handlers.base import Context, Reply, UserError
from handlers.dates import has_explicit_time, parse_when
from handlers.format import day, label, when
from handlers.parsing import group_members, resolve_person, take_leading_date
from handlers.permissions import may, require
from storage import meetings, org
from storage.items import log_change
from storage.models import Attendance, AttendanceStatus, Group, Meeting, MeetingStatus, Person

_EVERY = re.compile(
    r"\belke\s+(?P<n>\d{1,2}|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)\s+weken?\b",
    re.IGNORECASE,
)
_LOCATION = re.compile(r"\blocatie:?\s+(?P<loc>.+)$", re.IGNORECASE)
_NUMBERS = {
    "twee": 2,
    "drie": 3,
    "vier": 4,
    "vijf": 5,
    "zes": 6,
    "zeven": 7,
    "acht": 8,
    "negen": 9,
    "tien": 10,
    "elf": 11,
    "twaalf": 12,
}


def _meeting_on_day(ctx: Context, group: Group, day: datetime) -> Meeting | None:
    local = day.astimezone(ctx.tz).date()
    start = datetime.combine(local, time(0), tzinfo=ctx.tz)
    return ctx.session.exec(
        select(Meeting)
        .where(
            Meeting.group_id == group.id,
            Meeting.starts_at >= start,
            Meeting.starts_at < start + timedelta(days=1),
            Meeting.status != MeetingStatus.geannuleerd,
        )
        .order_by(col(Meeting.starts_at))
    ).first()


def _no_meeting_on(ctx: Context, group: Group, days: list[datetime], *, past: bool) -> str:
    """There is no meeting on the day meant: name the nearest such day and the meetings around it."""
    nearest = min(days, key=lambda d: abs(d - ctx.now))
    before = meetings.previous_meeting(ctx.session, group.id or 0, now=ctx.now)
    after = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    around = [f"het vorige was op {when(before.starts_at, ctx.tz)}"] if before and past else []
    around += [f"het volgende is op {when(after.starts_at, ctx.tz)}"] if after else []
    hint = f"; {' en '.join(around)}" if around else ""
    return f"{group.name} heeft geen overleg op {day(nearest, ctx.tz)}{hint} (zie /overleg lijst)."


def _target(ctx: Context, args: str, *, past: bool) -> tuple[Group, Meeting, str]:
    """The meeting meant: a meeting id (buttons), a date, `volgende`, or by default the next one
    (`past=False`) or the last one that has begun (`past=True`); returns (group, meeting, rest)."""
    by_id, by_id_group, rest = afmelden.take_meeting_id(ctx, args.strip())
    group = ctx.group or by_id_group or ctx.require_group()
    if by_id is not None:
        return group, by_id, rest
    words = rest.split()
    meeting: Meeting | None
    if words and words[0].lower() == "volgende":
        meeting, rest = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now), " ".join(words[1:])
    else:
        ahead, after = take_leading_date(ctx, rest)
        if ahead is not None:
            # a day without a year: for attendance first the most recent one, then the coming one
            days = [(ahead, after)]
            if past:
                back, back_after = take_leading_date(ctx, rest, past=True)
                if back is not None and back.date() != ahead.date():
                    days.insert(0, (back, back_after))
            found = next(((m, a) for d, a in days if (m := _meeting_on_day(ctx, group, d)) is not None), None)
            if found is None:
                raise UserError(_no_meeting_on(ctx, group, [d for d, _ in days], past=past))
            meeting, rest = found
        elif past:
            meeting = meetings.previous_meeting(ctx.session, group.id or 0, now=ctx.now)
        else:
            meeting = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    if meeting is None:
        what = "gehad" if past else "gepland"
        raise UserError(f"{group.name} heeft nog geen overleg {what}; zie /overleg lijst.")
    return group, meeting, rest


def kom(ctx: Context, args: str) -> list[Reply]:
    """/overleg kom [volgende|<datum>]: say you will attend (the *Ik kom* button)."""
    group, meeting, _ = _target(ctx, args, past=False)
    if not may(ctx.session, ctx.person, "meeting.absence", group):
        raise UserError(f"U bent geen lid van {group.name}; alleen leden geven door of ze komen.")
    moment = when(meeting.starts_at, ctx.tz)
    if meeting.status == MeetingStatus.geannuleerd:
        raise UserError(f"Het overleg van {moment} gaat niet door; kijk met /overleg lijst naar het volgende.")
    if meeting.starts_at <= ctx.now:
        raise UserError(f"Het overleg van {moment} is al begonnen; doorgeven dat u komt kan alleen vooraf.")
    before = ctx.session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.person_id == ctx.person.id)
    ).first()
    was_afgemeld = before is not None and before.status == AttendanceStatus.afgemeld
    meetings.record_attendance(
        ctx.session,
        meeting.id or 0,
        ctx.person.id or 0,
        status=AttendanceStatus.komt,
        reason=None,
        substitute_id=None,
        now=ctx.now,
    )
    log_change(
        ctx.session, item_type="overleg", item_id=meeting.id or 0, action="komt", actor_id=ctx.person.id, now=ctx.now
    )
    chair = ctx.session.get(Person, group.chair_id) if group.chair_id else None
    if was_afgemeld and chair is not None and chair.id != ctx.person.id:
        ctx.post_to_person(chair, f"{ctx.person.name} komt toch naar het overleg van {group.name} op {moment}.")
    return [Reply(f"Genoteerd: u komt naar het overleg van {group.name} op {moment}.", private=True)]


def aanwezig(ctx: Context, args: str) -> list[Reply]:
    """/overleg aanwezig [<datum>] @naam @naam ... | alle: the chair confirms who attended.

    Members not named count as afwezig, unless they had reported absence (afgemeld); `alle` means
    everyone who had not reported absence was there. The meeting is then marked gehouden.
    """
    group, meeting, rest = _target(ctx, args, past=True)
    require(ctx.session, ctx.person, "attendance.confirm", group)
    moment = when(meeting.starts_at, ctx.tz)
    if meeting.starts_at > ctx.now:
        raise UserError(f"Het overleg van {moment} moet nog beginnen; bevestig de aanwezigheid na afloop.")
    everyone = False
    present: dict[int, Person] = {}
    for token in rest.split():
        if token.lower() in ("alle", "iedereen"):
            everyone = True
        elif token.startswith("@"):
            p = resolve_person(ctx, token)
            present[p.id or 0] = p
        else:
            raise UserError(
                f"'{token}' begrijp ik niet; noem wie er waren met @, bijvoorbeeld: "
                "/overleg aanwezig 3-12-2026 @piet @fatima (of schrijf alle)."
            )
    if not present and not everyone:
        raise UserError(
            "Wie waren er? Noem ze met @, bijvoorbeeld: /overleg aanwezig 3-12-2026 @piet @fatima, "
            "of schrijf alle als iedereen er was die zich niet had afgemeld."
        )
    answers = {
        a.person_id: a for a in ctx.session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
    }
    seen: dict[str, list[str]] = {"aanwezig": [], "afgemeld": [], "afwezig": []}
    members = group_members(ctx.session, group)
    member_ids = {m.id for m in members}
    for p in [*members, *(p for pid, p in present.items() if pid not in member_ids)]:
        before = answers.get(p.id or 0)
        afgemeld = before is not None and before.status == AttendanceStatus.afgemeld
        if p.id in present or (everyone and not afgemeld):
            status = AttendanceStatus.aanwezig
        elif afgemeld:
            seen["afgemeld"].append(f"@{p.key}")
            continue
        else:
            status = AttendanceStatus.afwezig
        meetings.record_attendance(
            ctx.session,
            meeting.id or 0,
            p.id or 0,
            status=status,
            reason=before.reason if before else None,
            substitute_id=before.substitute_id if before else None,
            now=ctx.now,
        )
        seen[status.value].append(f"@{p.key}")
    meeting.status = MeetingStatus.gehouden
    meeting.attendance_confirmed_at = ctx.now
    ctx.session.add(meeting)
    ctx.session.flush()
    summary = "; ".join(f"{label('aanwezigheid', k)}: {', '.join(v)}" for k, v in seen.items() if v)
    log_change(
        ctx.session,
        item_type="overleg",
        item_id=meeting.id or 0,
        action="aanwezigheid",
        actor_id=ctx.person.id,
        now=ctx.now,
        detail=summary,
    )
    lines = [f"Aanwezigheid bij het overleg van {group.name} op {moment} vastgelegd ({summary})."]
    flags = meetings.attendance_flags(ctx.session, group.id or 0, ctx.now)
    if flags:
        told = [
            f"@{f.person_key} ({f.name}) was bij {f.absent} van de laatste {f.of} overleggen afwezig" for f in flags
        ]
        text = (
            f"Vaak afwezig bij {group.name}{ctx.config.cite()}: "
            + "; ".join(told)
            + f". Bespreek het met hen; bij herhaling meldt u het aan {_above_words(ctx, group)}"
            + (f" met /opschalen afwezigheid @{flags[0].person_key}." if group.reports_to_keys else ".")
        )
        chair = ctx.session.get(Person, group.chair_id) if group.chair_id else None
        if chair is not None:
            ctx.post_to_person(chair, text, dedupe_key=f"afwezigheid:{meeting.id}")
        lines.append(text)
    if sent := verslag.after_attendance(ctx, meeting):  # the verslag goes up the reporting line now, once
        lines.append(sent)
    return [Reply("\n".join(lines), private=True)]


def _above_words(ctx: Context, group: Group) -> str:
    """The groups this group reports to, as words ("Regiegroep X"), or "de groep waaraan u rapporteert"."""
    names = [g.name for g in org.reports_to(org.all_groups(ctx.session), group)]
    if not names:
        return "de groep waaraan u rapporteert"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " of " + names[-1]


def show_next(ctx: Context) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    meeting = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    if meeting is None:
        return [
            Reply(
                f"{group.name} heeft geen overleg gepland. Plan er een met "
                f"/overleg plan <datum en tijd> [elke {group.norm_span or group.every_weeks or 8} weken].",
                private=True,
            )
        ]
    where = f", {meeting.location}" if meeting.location else ""
    lines = [f"Volgend overleg van {group.name}: {when(meeting.starts_at, ctx.tz)}{where}", "Agenda:"]
    lines += build_agenda(ctx.session, group, meeting, now=ctx.now, tz=ctx.tz, jaarplan_naam=ctx.config.jaarplan_naam)
    return [Reply("\n".join(lines), private=True)]


def list_upcoming(ctx: Context) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    rows = meetings.upcoming_meetings(ctx.session, group.id or 0, now=ctx.now, limit=10)
    if not rows:
        return [Reply(f"{group.name} heeft geen overleg gepland.", private=True)]
    lines = [f"Geplande overleggen van {group.name}:"]
    lines += [f"• {when(m.starts_at, ctx.tz)}" + (f", {m.location}" if m.location else "") for m in rows]
    return [Reply("\n".join(lines), private=True)]


def plan(ctx: Context, args: str) -> list[Reply]:
    """/overleg plan 3 december 10:00 [elke 8 weken] [locatie <plaats>]"""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.plan", group)
    location = None
    m = _LOCATION.search(args)
    if m:
        location = m["loc"].strip()[:200]
        args = args[: m.start()].strip()
    every = None
    m = _EVERY.search(args)
    if m:
        raw = m["n"].lower()
        every = int(raw) if raw.isdigit() else _NUMBERS[raw]
        args = (args[: m.start()] + args[m.end() :]).strip()
        if not 1 <= every <= 52:
            raise UserError("Kies een ritme tussen elke 1 en elke 52 weken.")
    if not args:
        raise UserError("Wanneer? Schrijf bijvoorbeeld: /overleg plan 3 december 10:00 elke 8 weken")
    starts = parse_when(args, now=ctx.now, tz=ctx.tz, end_of_day=False)
    if starts is None:
        raise UserError(
            f"Ik begrijp '{args}' niet als datum en tijd; schrijf bijvoorbeeld "
            "'3 december 10:00' of 'volgende week dinsdag om 14 uur'."
        )
    if not has_explicit_time(args):
        raise UserError(f"Hoe laat? Schrijf bijvoorbeeld: /overleg plan {args} 10:00")
    if starts <= ctx.now:
        raise UserError(f"{when(starts, ctx.tz)} ligt in het verleden; kies een moment in de toekomst.")
    if starts.astimezone(ctx.tz).hour == 2:
        raise UserError("Tussen 02:00 en 03:00 plannen we niets (zomer- en wintertijd); kies een ander tijdstip.")
    if group.norm_span and every and every > group.norm_span:
        raise UserError(
            f"{group.name} komt {group.norm_words} bijeen{ctx.config.cite()}; "
            f"kies elke {group.norm_span} weken of vaker."
        )
    meeting = meetings.plan_meeting(
        ctx.session,
        group.id or 0,
        starts_at=starts,
        every_weeks=every,
        location=location,
        now=ctx.now,
        tz=ctx.tz,
    )
    log_change(
        ctx.session,
        item_type="overleg",
        item_id=meeting.id or 0,
        action="gepland",
        actor_id=ctx.person.id,
        now=ctx.now,
        detail=f"elke {every} weken" if every else "",
    )
    series = f", daarna elke {every} weken" if every else ""
    where = f" ({location})" if location else ""
    return [Reply(f"Overleg van {group.name} gepland op {when(starts, ctx.tz)}{where}{series}.")]
