"""/bijeenkomst: the participatiebijeenkomsten of the wijk."""

from __future__ import annotations

from handlers.base import Context, Reply, UserError
from handlers.format import when
from handlers.parsing import check_text, take_leading_date
from handlers.permissions import require
from storage import meetings


def record(ctx: Context, args: str) -> list[Reply]:
    """Participatiebijeenkomsten: /bijeenkomst 14 januari 19:30 Bewonersavond Bolnes in De Fakkel"""
    group = ctx.require_group()
    text = args.strip()
    require(ctx.session, ctx.person, "item.create", group)
    starts, description = take_leading_date(ctx, text)
    if starts is None:
        raise UserError("Begin met de datum, bijvoorbeeld: /bijeenkomst 14 januari 19:30 Bewonersavond.")
    if starts <= ctx.now:
        raise UserError(f"{when(starts, ctx.tz)} ligt in het verleden; kies een datum in de toekomst.")
    description = check_text(description, "omschrijving", limit=500)
    meetings.record_bijeenkomst(
        ctx.session, group.id or 0, starts, description, created_by_id=ctx.person.id, now=ctx.now
    )
    return [Reply(f"Participatiebijeenkomst gepland op {when(starts, ctx.tz)}: {description}.")]


def list_bijeenkomsten(ctx: Context) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    rows = meetings.upcoming_bijeenkomsten(ctx.session, group.id or 0, now=ctx.now)
    if not rows:
        return [
            Reply(
                f"Er zijn geen participatiebijeenkomsten gepland voor {group.name}. "
                "Minstens twee per jaar is de afspraak.",
                private=True,
            )
        ]
    lines = [f"Participatiebijeenkomsten van {group.name}:"]
    lines += [f"• {when(b.starts_at, ctx.tz)}: {b.description}" for b in rows]
    return [Reply("\n".join(lines), private=True)]
