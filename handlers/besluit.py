"""/besluit: the besluiten (B-12) of the group's meeting, the besluitenlijst of the verslag."""

from __future__ import annotations

import re

from handlers import opschalen, pii
from handlers.base import Context, Reply, UserError
from handlers.format import when
from handlers.parsing import check_text
from handlers.permissions import require
from handlers.verslag import besluit_line, ref_b
from storage import besluiten as repo
from storage.models import Meeting

_OVER = re.compile(r"\s+over\s+(?P<ref>[SsAa]-?\d{1,9})\s*[.]?\s*$")


def record(ctx: Context, args: str, *, confirmed: bool = False, command: str | None = None) -> list[Reply]:
    """/besluit <tekst> [over S-12]: a besluit of today's meeting, or else of the last one."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.create", group)
    text, escalation = args.strip(), None
    m = _OVER.search(" " + text)
    if m:
        text = (" " + text)[: m.start()].strip()
        escalation = opschalen.escalation_for_besluit(ctx, m["ref"])
    text = check_text(text, "tekst van het besluit")
    meeting = repo.current_meeting(ctx.session, group.id or 0, now=ctx.now, tz=ctx.tz)
    if meeting is None:
        raise UserError(
            f"{group.name} heeft nog geen overleg gehad, dus er is geen overleg om het besluit bij te zetten; "
            "plan er een met /overleg plan <datum en tijd>."
        )
    if not confirmed and (question := pii.check(ctx, "besluit", command or args, text)):
        return question  # personal data: nothing is stored until the person confirms
    besluit = repo.record_besluit(
        ctx.session, group_id=group.id or 0, meeting_id=meeting.id or 0, text=text, actor_id=ctx.person.id,
        now=ctx.now, escalation=escalation,
    )  # fmt: skip
    lines = [f"Besluit {ref_b(besluit.id)} vastgelegd bij het overleg van {group.name} op "
             f"{when(meeting.starts_at, ctx.tz)}: {text}"]  # fmt: skip
    if escalation is not None:
        ref = opschalen.item_ref(escalation.kind, escalation.item_id)
        where = opschalen.tell_outcome(ctx, escalation, f"besluit {ref_b(besluit.id)} van {group.name}: {text}")
        lines.append(f"Het opschalen van {ref} is daarmee afgehandeld; de uitkomst staat in {where}.")
    return [Reply("\n".join(lines), ref=ref_b(besluit.id))]


def list_besluiten(ctx: Context) -> list[Reply]:
    """/besluit lijst: the group's latest besluiten, by meeting."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    rows = repo.besluiten_of_group(ctx.session, group.id or 0)
    if not rows:
        return [Reply(f"{group.name} heeft nog geen besluiten vastgelegd.", private=True)]
    lines = [f"Besluiten van {group.name} (de laatste {len(rows)}):"]
    meeting_id = None
    for b in rows:
        if b.meeting_id != meeting_id:
            meeting_id = b.meeting_id
            meeting = ctx.session.get(Meeting, b.meeting_id)
            lines.append(f"Overleg van {when(meeting.starts_at, ctx.tz)}:" if meeting else "Overleg:")
        lines.append(f"• {besluit_line(ctx.session, b)}")
    return [Reply("\n".join(lines), private=True)]
