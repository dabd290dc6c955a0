"""The agenda of a meeting, built from the data: actielijst, new signalen, participation, the jaarplan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.format import actie_line, noun, plural, ref_s, when
from handlers.opschalen import agenda_lines as opgeschaald
from storage import besluiten, items, meetings
from storage import people as people_store
from storage.models import Actiepunt, AgendaItem, Bijeenkomst, Escalation, Group, Meeting, Person, Signaal


@dataclass
class AgendaData:
    """What the agendas of some meetings need, read for all of them together: a few queries for
    the moment's reminders of a hundred teams, not a few per team. Built by `load`."""

    now: datetime
    meetings: frozenset[int]  # the ids of the meetings it was read for
    earlier: dict[int, bool]  # meeting id: the group met since New Year, before it (asked in Q1 only)
    previous: dict[int, Meeting]  # meeting id: the group's last meeting up to now (or the meeting itself)
    actiepunten: dict[int, list[Actiepunt]]  # group id: open, by deadline
    signalen: dict[int, list[Signaal]]  # meeting id: since the previous meeting
    bijeenkomsten: dict[int, list[Bijeenkomst]]  # group id: upcoming
    agenda_items: dict[int, list[AgendaItem]]  # meeting id
    people: dict[int, Person]  # who added the agenda items, and their guests
    escalations: dict[int, list[Escalation]]  # group id: open, escalated to it

    @classmethod
    def load(cls, session: Session, pairs: list[tuple[Group, Meeting]], *, now: datetime, tz: ZoneInfo) -> AgendaData:
        group_ids = sorted({g.id or 0 for g, _ in pairs})
        meeting_ids = sorted({m.id or 0 for _, m in pairs})
        moments: dict[datetime, list[int]] = {}  # the previous meeting up to the agenda's moment
        for g, m in pairs:
            moments.setdefault(min(now, m.starts_at), []).append(g.id or 0)
        latest = {t: meetings.previous_meetings(session, ids, until=t) for t, ids in moments.items()}
        previous: dict[int, Meeting] = {}
        since: dict[int, datetime | None] = {}
        for g, m in pairs:
            prev = latest[min(now, m.starts_at)].get(g.id or 0)
            if prev is not None:
                previous[m.id or 0] = prev
            since[m.id or 0] = prev.starts_at if prev is not None and prev.id != m.id else None
        by_group = items.signalen_of_groups(
            session, items.earliest_since((g.id or 0, since[m.id or 0]) for g, m in pairs)
        )
        signalen = {
            m.id or 0: [
                s for s in by_group.get(g.id or 0, []) if (cut := since[m.id or 0]) is None or s.created_at > cut
            ]
            for g, m in pairs
        }
        earlier: dict[int, bool] = {}
        first_quarter = [(g, m) for g, m in pairs if m.starts_at.astimezone(tz).month <= 3]
        if first_quarter:
            years = {m.starts_at.astimezone(tz).year for _, m in first_quarter}
            starts = meetings.meeting_starts_of_groups(
                session,
                [g.id or 0 for g, _ in first_quarter],
                since=datetime(min(years), 1, 1, tzinfo=tz),
                before=max(m.starts_at for _, m in first_quarter),
            )
            for g, m in first_quarter:
                year_start = datetime(m.starts_at.astimezone(tz).year, 1, 1, tzinfo=tz)
                earlier[m.id or 0] = any(year_start <= t < m.starts_at for t in starts.get(g.id or 0, []))
        added = meetings.agenda_items_of_meetings(session, meeting_ids)
        everyone = [i.added_by_id for rows in added.values() for i in rows]
        everyone += [i.guest_id for rows in added.values() for i in rows]
        return cls(
            now=now,
            meetings=frozenset(meeting_ids),
            earlier=earlier,
            previous=previous,
            actiepunten=items.open_actiepunten_of_groups(session, group_ids),
            signalen=signalen,
            bijeenkomsten=meetings.upcoming_bijeenkomsten_of_groups(session, group_ids, now=now),
            agenda_items=added,
            people=people_store.by_ids(session, everyone),
            escalations=besluiten.open_escalations_to_groups(session, group_ids),
        )

    def covers(self, meeting: Meeting, now: datetime) -> bool:
        """Whether it was read for this meeting at this moment."""
        return now == self.now and (meeting.id or 0) in self.meetings


def build_agenda(
    session: Session,
    group: Group,
    meeting: Meeting,
    *,
    now: datetime,
    tz: ZoneInfo,
    jaarplan_naam: str = "jaarplan",
    outline: bool = False,
    data: AgendaData | None = None,
) -> list[str]:
    """Agenda lines: the jaarplan (`jaarplan_naam`) at the year's first meeting of a group that has one,
    actielijst, new signalen, bijeenkomsten, the members' agendapunten.

    `outline`: the headings and the agendapunten only, without the items' texts (for a guest, who
    is no member: the group's signalen, actiepunten and jaarplan activities stay in the group).

    `data`: what the agenda needs, read with other meetings' (`AgendaData.load`) at the same `now`."""
    if data is None or not data.covers(meeting, now):
        data = AgendaData.load(session, [(group, meeting)], now=now, tz=tz)
    lines: list[str] = []
    local = meeting.starts_at.astimezone(tz)
    first_of_year = local.month <= 3 and not data.earlier.get(meeting.id or 0, False)
    n = 1
    if first_of_year and group.jaarplan:
        from handlers.jaarplan import overview_lines  # the plan to make final: counts and the open items

        lines.append(f"{n}. {jaarplan_naam[:1].upper()}{jaarplan_naam[1:]} {local.year} vaststellen")
        overview = overview_lines(session, group, local.year, tz=tz, plan=jaarplan_naam)
        lines += [f"   {line}" for line in (overview[:1] if outline else overview)]  # a guest: the counts only
        n += 1
    acts = data.actiepunten.get(group.id or 0, [])
    late = [a for a in acts if a.deadline < meeting.starts_at]
    lines.append(f"{n}. Actielijst: {len(acts)} open, waarvan {len(late)} over de deadline")
    lines += [] if outline else [f"   - {actie_line(session, a, now, tz)}" for a in acts[:15]]
    n += 1
    previous = data.previous.get(meeting.id or 0)
    since = previous.starts_at if previous and previous.id != meeting.id else None
    sigs = data.signalen.get(meeting.id or 0, [])
    since_txt = f" sinds het vorige overleg ({when(since, tz)})" if since else ""
    lines.append(f"{n}. Nieuwe signalen{since_txt}: {len(sigs)}")
    lines += [] if outline else [f"   - {ref_s(s.id)} [{s.category}] {s.text}" for s in sigs[:15]]
    n += 1
    bij = data.bijeenkomsten.get(group.id or 0, [])
    planned = plural(len(bij), "geplande bijeenkomst") if bij else f"geen {noun(0, 'geplande bijeenkomst')}"
    lines.append(f"{n}. Participatiekalender: {planned}")
    lines += [] if outline else [f"   - {when(b.starts_at, tz)}: {b.description}" for b in bij[:10]]
    n += 1
    added = item_lines(session, meeting, data)
    if added:
        lines.append(f"{n}. Ingebrachte agendapunten:")
        lines += added
        n += 1
    escalated = opgeschaald(session, group, n, now=now, tz=tz, escalations=data.escalations.get(group.id or 0, []))
    if escalated:
        lines += escalated[:1] if outline else escalated  # a guest sees the heading with its count
        n += 1
    lines.append(f"{n}. Rondvraag")
    return lines


def item_lines(session: Session, meeting: Meeting, data: AgendaData) -> list[str]:
    """The members' agendapunten of a meeting, numbered as `/overleg agendapunt weg <n>` takes them."""
    added = data.agenda_items.get(meeting.id or 0, [])
    people = data.people
    out = []
    for k, item in enumerate(added, 1):
        by = people.get(item.added_by_id or 0)
        guest = people.get(item.guest_id or 0)
        who = f"ingebracht door {by.name}" if by else "ingebracht"
        out.append(f"   {k}) {item.text} ({who}" + (f"; gast: {guest.name}" if guest else "") + ")")
    return out
