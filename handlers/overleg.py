"""/overleg: the group's next meeting with its agenda, and planning meetings."""

from __future__ import annotations

import re

from handlers import exports
from handlers.agenda import build_agenda
from handlers.base import Context, Reply, UserError
from handlers.dates import has_explicit_time, parse_when
from handlers.format import when
from handlers.permissions import require
from storage import meetings
from storage.items import log_change

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


def handle(ctx: Context, args: str) -> list[Reply]:
    """Overleggen: /overleg plan 3 december 10:00 elke 8 weken locatie Wijkcentrum"""
    words = args.split()
    if not words:
        return show_next(ctx)
    if words[0].lower() == "plan":
        return plan(ctx, " ".join(words[1:]))
    if words[0].lower() == "lijst":
        return list_upcoming(ctx)
    if words[0].lower() == "agenda":
        return exports.export_agenda(ctx, " ".join(words[1:]))
    raise UserError("Schrijf /overleg voor het volgende overleg, of /overleg plan <datum en tijd> [elke 8 weken].")


def show_next(ctx: Context) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    meeting = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    if meeting is None:
        return [
            Reply(
                f"{group.name} heeft geen overleg gepland. Plan er een met "
                "/overleg plan <datum en tijd> [elke 8 weken].",
                private=True,
            )
        ]
    where = f", {meeting.location}" if meeting.location else ""
    lines = [f"Volgend overleg van {group.name}: {when(meeting.starts_at, ctx.tz)}{where}", "Agenda:"]
    lines += build_agenda(ctx.session, group, meeting, now=ctx.now, tz=ctx.tz)
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
    if group.every_weeks and every and every > group.every_weeks and group.kind == "team":
        raise UserError(
            f"Een leefbaarheidsteam komt minstens elke {group.every_weeks} weken bijeen; "
            f"kies elke {group.every_weeks} weken of vaker."
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
