"""The agenda of a meeting, built from the data: actielijst, new signalen, participation, the jaarplan."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.format import actie_line, noun, plural, ref_s, when
from handlers.opschalen import agenda_lines as opgeschaald
from storage import items, meetings
from storage import people as people_store
from storage.models import Group, Meeting


def build_agenda(
    session: Session,
    group: Group,
    meeting: Meeting,
    *,
    now: datetime,
    tz: ZoneInfo,
    jaarplan_naam: str = "jaarplan",
    outline: bool = False,
) -> list[str]:
    """Agenda lines: the jaarplan (`jaarplan_naam`) at the year's first meeting of a group that has one,
    actielijst, new signalen, bijeenkomsten, the members' agendapunten.

    `outline`: the headings and the agendapunten only, without the items' texts (for a guest, who
    is no member: the group's signalen, actiepunten and jaarplan activities stay in the group)."""
    lines: list[str] = []
    local = meeting.starts_at.astimezone(tz)
    year_start = datetime(local.year, 1, 1, tzinfo=tz)
    first_of_year = local.month <= 3 and not meetings.earlier_meeting_since(session, group.id or 0, meeting, year_start)
    n = 1
    if first_of_year and group.jaarplan:
        from handlers.jaarplan import overview_lines  # the plan to make final: counts and the open items

        lines.append(f"{n}. {jaarplan_naam[:1].upper()}{jaarplan_naam[1:]} {local.year} vaststellen")
        overview = overview_lines(session, group, local.year, tz=tz, plan=jaarplan_naam)
        lines += [f"   {line}" for line in (overview[:1] if outline else overview)]  # a guest: the counts only
        n += 1
    acts = items.list_actiepunten(session, group.id or 0)
    late = [a for a in acts if a.deadline < meeting.starts_at]
    lines.append(f"{n}. Actielijst: {len(acts)} open, waarvan {len(late)} over de deadline")
    lines += [] if outline else [f"   - {actie_line(session, a, now, tz)}" for a in acts[:15]]
    n += 1
    previous = meetings.previous_meeting(session, group.id or 0, now=min(now, meeting.starts_at))
    since = previous.starts_at if previous and previous.id != meeting.id else None
    sigs = items.list_signalen(session, group.id or 0, since=since)
    since_txt = f" sinds het vorige overleg ({when(since, tz)})" if since else ""
    lines.append(f"{n}. Nieuwe signalen{since_txt}: {len(sigs)}")
    lines += [] if outline else [f"   - {ref_s(s.id)} [{s.category}] {s.text}" for s in sigs[:15]]
    n += 1
    bij = meetings.upcoming_bijeenkomsten(session, group.id or 0, now=now)
    planned = plural(len(bij), "geplande bijeenkomst") if bij else f"geen {noun(0, 'geplande bijeenkomst')}"
    lines.append(f"{n}. Participatiekalender: {planned}")
    lines += [] if outline else [f"   - {when(b.starts_at, tz)}: {b.description}" for b in bij[:10]]
    n += 1
    added = item_lines(session, meeting)
    if added:
        lines.append(f"{n}. Ingebrachte agendapunten:")
        lines += added
        n += 1
    escalated = opgeschaald(session, group, n, now=now, tz=tz)  # handlers/opschalen.py
    if escalated:
        lines += escalated[:1] if outline else escalated  # a guest sees the heading with its count
        n += 1
    lines.append(f"{n}. Rondvraag")
    return lines


def item_lines(session: Session, meeting: Meeting) -> list[str]:
    """The members' agendapunten of a meeting, numbered as `/overleg agendapunt weg <n>` takes them."""
    added = meetings.agenda_items(session, meeting.id or 0)
    people = people_store.by_ids(session, [i.added_by_id for i in added] + [i.guest_id for i in added])
    out = []
    for k, item in enumerate(added, 1):
        by = people.get(item.added_by_id or 0)
        guest = people.get(item.guest_id or 0)
        who = f"ingebracht door {by.name}" if by else "ingebracht"
        out.append(f"   {k}) {item.text} ({who}" + (f"; gast: {guest.name}" if guest else "") + ")")
    return out
