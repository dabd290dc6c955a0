"""A person's home page (Slack's App Home): their open actiepunten and their groups' next meetings.

`view(...)` returns a neutral value, sections of entries (with optional buttons); each adapter
renders it its own way (bot/slack_blocks.py: Block Kit). What does not fit is counted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from handlers import koppel
from handlers.base import Button
from handlers.format import is_overdue
from storage import identity, lookups
from storage import meetings as meeting_repo
from storage.config import OrgConfig
from storage.db import transaction

HOME_ACTIES = 40  # actiepunten shown; the rest are counted
HOME_MEETINGS = 20


@dataclass(frozen=True)
class Entry:
    """One line of a section.

    With `when_label`: `label text`, then on a line of its own `when_label <when> · where` (an
    actiepunt: its reference, text, deadline and group). Without: `label: <when> · where`
    (a meeting: the group, the moment, the place). `alert` is shown first, as a warning.
    """

    label: str
    text: str = ""
    when: datetime | None = None
    when_label: str = ""
    where: str = ""
    alert: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    entries: tuple[Entry, ...] = ()
    empty: str = ""  # shown when there are no entries
    more: str = ""  # what did not fit, counted


@dataclass(frozen=True)
class HomeView:
    sections: tuple[Section, ...]
    notice: str = ""  # instead of the sections' entries: why there is nothing to show (an unknown account)


def view(
    engine: Engine, config: OrgConfig, person_key: str | None, *, now: datetime, transport: str = "console"
) -> HomeView:
    """The home page of the person with this key (None or unknown: how to get an account on `transport`)."""
    with transaction(engine) as session:
        person = identity.person_with_key(session, person_key) if person_key else None
        if person is None:
            return HomeView(sections=(Section("Mijn actiepunten"),), notice=koppel.unknown_account(config, transport))
        groups = lookups.groups_by_id(session)
        acts = sorted(
            lookups.open_actiepunten_of(session, person),
            key=lambda a: (not is_overdue(a, now), a.deadline, a.id or 0),
        )
        entries = [
            Entry(
                label=f"A-{a.id}",
                text=a.text,
                when=a.deadline,
                when_label="deadline",
                where=groups[a.group_id].name if a.group_id in groups else "",
                alert="TE LAAT" if is_overdue(a, now) else "",
            )
            for a in acts
        ]
        upcoming: list[tuple[str, datetime, str | None]] = []
        for gid in lookups.member_group_ids(session, person):
            nxt = meeting_repo.next_meeting(session, gid, now=now)
            if nxt is not None and gid in groups:
                upcoming.append((groups[gid].name, nxt.starts_at, nxt.location))
        upcoming.sort(key=lambda m: m[1])
        name = person.name
    shown = entries[:HOME_ACTIES]
    more = ""
    if len(entries) > len(shown):
        rest = len(entries) - len(shown)
        late = sum(1 for e in entries[len(shown) :] if e.alert)
        late_note = f", waarvan {late} te laat" if late else ""
        noun = "actiepunt" if rest == 1 else "actiepunten"
        more = f"… en nog {rest} {noun}{late_note}: /actie lijst mijn toont ze allemaal."
    acties = Section("Mijn actiepunten", tuple(shown), empty=f"Geen open actiepunten voor {name}.", more=more)
    meetings = Section(
        "Volgende overleggen",
        tuple(Entry(label=group, when=start, where=place or "") for group, start, place in upcoming[:HOME_MEETINGS]),
        empty="Er is geen overleg gepland voor uw groepen.",
        more=(
            f"… en nog {len(upcoming) - HOME_MEETINGS} overleggen: /overleg lijst in het kanaal van de groep."
            if len(upcoming) > HOME_MEETINGS
            else ""
        ),
    )
    return HomeView(sections=(acties, meetings))
