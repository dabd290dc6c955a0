"""Action lists up and down the chain after a meeting along the reporting lines (reports_to).

After a meeting a group's actielijst goes to the groups it reports to (`reports_to`; by default a
team reports to the regiegroep, the regiegroep to the stuurgroep) and down to the groups that
report to it (the coming participatiebijeenkomsten are a line of the verslag, handlers/verslag.py).
These lists leave the group, so owners are shown as
organisation and role ("Politie Rotterdam (wijkagent)"), never by name, and signaal texts stay out.
An actiepunt text that names a person or looks like personal data (handlers.pii) stays out too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from handlers import pii
from handlers.format import is_overdue, label, ref_a, ref_s, when
from storage import org
from storage.models import Actiepunt, ActieStatus, Group, Meeting, MeetingStatus, Person

MEETING_LENGTH = timedelta(hours=2)
LOOKBACK = timedelta(days=7)  # meetings that ended longer ago are not distributed any more
MAX_ITEMS = 40
WITHHELD = "(tekst niet gedeeld: bevat persoonsgegevens)"


def owner_label(person: Person | None) -> str:
    """An owner as the outside world may see it: organisation and role, no name."""
    if person is None:
        return "onbekend"
    if person.organisation and person.role:
        return f"{person.organisation} ({person.role})"
    return person.organisation or person.role or "partner"


def shareable(session: Session, text: str) -> str:
    """An actiepunt text as it may leave the group: as is, unless it names a person or holds personal data."""
    # The agreements themselves go up by design (the covenants ask for it); a text confirmed with `!`
    # may still name someone.
    low = text.lower()
    people = session.exec(select(Person.name, Person.key)).all()
    if pii.detect(text) or any(name.lower() in low or f"@{key}" in low for name, key in people):
        return WITHHELD
    return text


def actie_line_outside(session: Session, act: Actiepunt, *, now: datetime, tz: ZoneInfo) -> str:
    mark = "TE LAAT " if is_overdue(act, now) else ""
    status = "" if act.status == ActieStatus.open else f" ({label('actiepunt', act.status)})"
    link = f" (uit {ref_s(act.signaal_id)})" if act.signaal_id else ""
    owner = owner_label(session.get(Person, act.owner_id))
    text = shareable(session, act.text)
    return f"{mark}{ref_a(act.id)} {text} | {owner} | deadline {when(act.deadline, tz)}{status}{link}"


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
        Actiepunt.group_id == group.id,
        col(Actiepunt.status).not_in([ActieStatus.open, ActieStatus.ingetrokken]),
        Actiepunt.updated_at <= now,
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


def after_meeting(
    session: Session,
    meeting: Meeting,
    *,
    now: datetime,
    tz: ZoneInfo,
    groups: list[Group] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
) -> list[Outgoing]:
    """What goes where after `meeting` (empty for a group that reports to nobody and has nobody below).

    `groups`: every group ordered by name, when the caller has them already (one query for many
    meetings). `skip`: dedupe keys already in the outbox; when every key of the meeting is in it,
    nothing is built and the answer is empty.
    """
    if groups is None:
        groups = org.all_groups(session)
    group = next((g for g in groups if g.id == meeting.group_id), None)
    if group is None:
        return []
    plan = destinations(meeting, group, groups)
    if skip and all(key in skip for _, key, _ in plan):
        return []
    texts: dict[str, str] = {}
    if any(what == "lijst" for _, _, what in plan):
        texts["lijst"] = actielijst_text(session, group, meeting, now=now, tz=tz)
    return [Outgoing(channel, texts[what], key) for channel, key, what in plan]


def destinations(meeting: Meeting, group: Group, groups: list[Group]) -> list[tuple[str, str, str]]:
    """(channel, dedupe key, "lijst") of everything that goes out after `meeting`.

    The actielijst goes up to the groups in the group's `reports_to` and down to the groups that
    report to it. (The participation overview travels inside the verslag: handlers/verslag.py.)
    """
    key = f"actielijst:{meeting.id}"
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for g in [*org.reports_to(groups, group), *org.reporting_to(groups, group)]:
        if g.key != group.key and g.key not in seen:
            seen.add(g.key)
            out.append((g.channel, f"{key}:{g.channel}", "lijst"))
    # the participation overview is no post of its own any more: it is a line of the verslag
    # (handlers/verslag.py), which goes to every group above after the meeting
    return out
