"""/afmelden: report absence for a meeting in advance; the chair is told at once (the covenant's attendance rule)."""

from __future__ import annotations

import re
from datetime import datetime

from handlers.base import Context, Reply, UserError
from handlers.format import when
from handlers.parsing import check_text, resolve_person, take_leading_date
from handlers.permissions import require
from storage import meetings
from storage.models import AttendanceStatus, Group, Meeting, MeetingStatus, Person

_SUBSTITUTE = re.compile(r"\bvervanger:?\s+@(?P<who>[\w.\-']+)", re.IGNORECASE)


MEETING_TOKEN = "overleg:"  # what the buttons *Ik kom* / *Ik meld me af* send: `/afmelden overleg:12`
_MEETING = re.compile(rf"^{MEETING_TOKEN}(?P<id>[0-9]{{1,9}})$")


def take_meeting_id(ctx: Context, text: str) -> tuple[Meeting | None, Group | None, str]:
    """A leading meeting token from a button (`overleg:12`); people write dates, never numbers.

    Works in a direct message too: the meeting says which group it is. A bare number is a day.
    """
    words = text.split()
    m = _MEETING.match(words[0]) if words else None
    if m is None:
        return None, None, text
    meeting = ctx.session.get(Meeting, int(m["id"]))
    if meeting is None or (ctx.group is not None and meeting.group_id != ctx.group.id):
        where = f" van {ctx.group.name}" if ctx.group else ""
        raise UserError(f"Dat overleg{where} bestaat niet (meer); zie /overleg lijst voor de geplande.")
    return meeting, ctx.session.get(Group, meeting.group_id), " ".join(words[1:])


def meant(
    ctx: Context, group: Group, by_id: Meeting | None, text: str, *, past: bool = False
) -> tuple[Meeting | None, str, list[datetime]]:
    """Which meeting the words mean, by the one rule (storage.meetings.meeting_meant).

    `by_id`: the meeting of a button token (`take_meeting_id`), taken as it is. Otherwise
    `volgende`, a leading date (`past`: a day without a year is first the most recent one, then
    the coming one), or by default the next meeting (`past`: the last one that has begun).
    Returns (the meeting or None, the words after it, the days looked at when a date was given).
    """
    if by_id is not None:
        return by_id, text, []
    words = text.split()
    if words and words[0].lower() == "volgende":
        return meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now), " ".join(words[1:]), []
    ahead, after = take_leading_date(ctx, text)
    if ahead is None:
        return meetings.meeting_meant(ctx.session, group.id or 0, now=ctx.now, tz=ctx.tz, past=past), text, []
    tried = [(ahead, after)]
    if past:
        back, back_after = take_leading_date(ctx, text, past=True)
        if back is not None and back.date() != ahead.date():
            tried.insert(0, (back, back_after))
    local = [d.astimezone(ctx.tz).date() for d, _ in tried]
    meeting = meetings.meeting_meant(ctx.session, group.id or 0, now=ctx.now, tz=ctx.tz, days=local, past=past)
    if meeting is None:
        return None, text, [d for d, _ in tried]
    on = meeting.starts_at.astimezone(ctx.tz).date()
    return meeting, next(a for (d, a), day in zip(tried, local, strict=True) if day == on), []


def handle(ctx: Context, args: str) -> list[Reply]:
    """Afmelden: /afmelden volgende ziek vervanger @karin"""
    by_id, by_id_group, text = take_meeting_id(ctx, args.strip())
    group = ctx.group or by_id_group or ctx.require_group()
    require(ctx.session, ctx.person, "meeting.absence", group)
    substitute: Person | None = None
    m = _SUBSTITUTE.search(text)
    if m:
        substitute = resolve_person(ctx, m["who"])
        text = (text[: m.start()] + text[m.end() :]).strip()
    meeting, reason, days = meant(ctx, group, by_id, text)
    if meeting is None and days:
        local = days[0].astimezone(ctx.tz).date()
        nxt = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
        hint = f" Het volgende overleg is op {when(nxt.starts_at, ctx.tz)}." if nxt else ""
        raise UserError(f"{group.name} heeft geen overleg op {local:%d-%m-%Y}.{hint}")
    if meeting is None:
        raise UserError(f"{group.name} heeft geen overleg gepland om u voor af te melden.")
    if meeting.status == MeetingStatus.geannuleerd:
        raise UserError(f"Het overleg van {when(meeting.starts_at, ctx.tz)} gaat niet door; afmelden is niet nodig.")
    if meeting.starts_at <= ctx.now:
        raise UserError("Dat overleg is al begonnen; afmelden kan alleen vooraf.")
    reason = check_text(reason, "reden", limit=500) if reason.strip() else ""
    meetings.record_attendance(
        ctx.session,
        meeting,
        ctx.person.id or 0,
        status=AttendanceStatus.afgemeld,
        reason=reason or None,
        substitute_id=substitute.id if substitute else None,
        now=ctx.now,
    )
    moment = when(meeting.starts_at, ctx.tz)
    sub_txt = f" Vervanger: {substitute.name}." if substitute else ""
    reason_txt = f" Reden: {reason}." if reason else " (geen reden opgegeven)"
    chair = ctx.session.get(Person, group.chair_id) if group.chair_id else None
    if chair is not None and chair.id != ctx.person.id:
        ctx.post_to_person(
            chair,
            f"{ctx.person.name} meldt zich af voor het overleg van {group.name} op {moment}.{reason_txt}{sub_txt}",
        )
    told = f" De voorzitter ({chair.name}) is op de hoogte gebracht." if chair and chair.id != ctx.person.id else ""
    return [Reply(f"U bent afgemeld voor het overleg van {group.name} op {moment}.{sub_txt}{told}", private=True)]
