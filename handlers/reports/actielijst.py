"""Action lists up and down the chain after a meeting (covenant §4.3, §4.4).

After a team meeting its actielijst and its list of upcoming participatiebijeenkomsten go to the
regiegroep (the bijeenkomsten also to the stuurgroep); after a regiegroep meeting its actielijst
goes to the stuurgroep and to every team. These lists leave the group, so owners are shown as
organisation and role ("Politie Rotterdam (wijkagent)"), never by name, and signaal texts stay out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from handlers.format import ACTIE_STATUS_NL, is_overdue, ref_a, ref_s, when
from storage.models import Actiepunt, ActieStatus, Bijeenkomst, Group, GroupKind, Meeting, MeetingStatus, Person

MEETING_LENGTH = timedelta(hours=2)
LOOKBACK = timedelta(days=7)  # meetings that ended longer ago are not distributed any more
MAX_ITEMS = 40


def owner_label(person: Person | None) -> str:
    """An owner as the outside world may see it: organisation and role, no name."""
    if person is None:
        return "onbekend"
    if person.organisation and person.role:
        return f"{person.organisation} ({person.role})"
    return person.organisation or person.role or "partner"


def actie_line_outside(session: Session, act: Actiepunt, *, now: datetime, tz: ZoneInfo) -> str:
    mark = "TE LAAT " if is_overdue(act, now) else ""
    status = "" if act.status == ActieStatus.open else f" ({ACTIE_STATUS_NL.get(act.status, act.status)})"
    link = f" (uit {ref_s(act.signaal_id)})" if act.signaal_id else ""
    owner = owner_label(session.get(Person, act.owner_id))
    return f"{mark}{ref_a(act.id)} {act.text} | {owner} | deadline {when(act.deadline, tz)}{status}{link}"


def actielijst_text(session: Session, group: Group, meeting: Meeting, *, now: datetime, tz: ZoneInfo) -> str:
    """The group's actielijst after `meeting`: open items, and what was finished since the meeting before."""
    previous = session.exec(
        select(Meeting.starts_at)
        .where(
            Meeting.group_id == group.id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.status != MeetingStatus.geannuleerd,
        )
        .order_by(col(Meeting.starts_at).desc())
    ).first()
    open_acts = list(
        session.exec(
            select(Actiepunt)
            .where(Actiepunt.group_id == group.id, Actiepunt.status == ActieStatus.open)
            .order_by(col(Actiepunt.deadline), col(Actiepunt.id))
        ).all()
    )
    closed_stmt = select(Actiepunt).where(
        Actiepunt.group_id == group.id, Actiepunt.status != ActieStatus.open, Actiepunt.updated_at <= now
    )
    if previous is not None:
        closed_stmt = closed_stmt.where(Actiepunt.updated_at > previous)
    closed = list(session.exec(closed_stmt.order_by(col(Actiepunt.id))).all())
    late = sum(1 for a in open_acts if is_overdue(a, now))
    lines = [
        f"Actielijst {group.name} na het overleg van {when(meeting.starts_at, tz)}: "
        f"{len(open_acts)} open, waarvan {late} te laat; {len(closed)} afgerond sinds het vorige overleg."
    ]
    if open_acts:
        lines.append("Open:")
        lines += [f"• {actie_line_outside(session, a, now=now, tz=tz)}" for a in open_acts[:MAX_ITEMS]]
        if len(open_acts) > MAX_ITEMS:
            lines.append(f"… en nog {len(open_acts) - MAX_ITEMS}.")
    if closed:
        lines.append("Afgerond:")
        lines += [f"• {actie_line_outside(session, a, now=now, tz=tz)}" for a in closed[:MAX_ITEMS]]
        if len(closed) > MAX_ITEMS:
            lines.append(f"… en nog {len(closed) - MAX_ITEMS}.")
    return "\n".join(lines)


def bijeenkomsten_text(session: Session, group: Group, meeting: Meeting, *, now: datetime, tz: ZoneInfo) -> str:
    """The overview of upcoming participatiebijeenkomsten of the wijk (a standing item, §4.3)."""
    rows = session.exec(
        select(Bijeenkomst)
        .where(Bijeenkomst.group_id == group.id, Bijeenkomst.starts_at > now)
        .order_by(col(Bijeenkomst.starts_at))
    ).all()
    head = f"Komende participatiebijeenkomsten {group.name} (na het overleg van {when(meeting.starts_at, tz)})"
    if not rows:
        return f"{head}: geen gepland."
    return "\n".join([f"{head}:"] + [f"• {when(b.starts_at, tz)}: {b.description}" for b in rows[:MAX_ITEMS]])


@dataclass(frozen=True)
class Outgoing:
    """One message to send: where, what, and the key that makes sending it idempotent."""

    channel: str
    text: str
    dedupe_key: str


def ended_meetings(session: Session, *, now: datetime) -> list[Meeting]:
    """Meetings that ended (start + 2 hours) in the last week and were not cancelled."""
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.starts_at <= now - MEETING_LENGTH,
                Meeting.starts_at > now - MEETING_LENGTH - LOOKBACK,
                Meeting.status != MeetingStatus.geannuleerd,
            )
            .order_by(col(Meeting.starts_at), col(Meeting.id))
        ).all()
    )


def after_meeting(session: Session, meeting: Meeting, *, now: datetime, tz: ZoneInfo) -> list[Outgoing]:
    """What goes where after `meeting` (empty for the stuurgroep)."""
    group = session.get(Group, meeting.group_id)
    if group is None:
        return []
    key = f"actielijst:{meeting.id}"
    by_kind: dict[str, list[Group]] = {}
    for g in session.exec(select(Group).order_by(col(Group.name))).all():
        by_kind.setdefault(g.kind, []).append(g)
    regie = by_kind.get(GroupKind.regiegroep, [])
    stuur = by_kind.get(GroupKind.stuurgroep, [])
    out: list[Outgoing] = []
    if group.kind == GroupKind.team:
        lijst = actielijst_text(session, group, meeting, now=now, tz=tz)
        overview = bijeenkomsten_text(session, group, meeting, now=now, tz=tz)
        for g in regie:
            out.append(Outgoing(g.channel, lijst, f"{key}:{g.channel}"))
        for g in [*regie, *stuur]:
            out.append(Outgoing(g.channel, overview, f"bijeenkomsten:{meeting.id}:{g.channel}"))
    elif group.kind == GroupKind.regiegroep:
        lijst = actielijst_text(session, group, meeting, now=now, tz=tz)
        for g in [*stuur, *by_kind.get(GroupKind.team, [])]:
            out.append(Outgoing(g.channel, lijst, f"{key}:{g.channel}"))
    return out
