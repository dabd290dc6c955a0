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
from storage import items, outbox
from storage import meetings as meeting_repo
from storage import people as people_store
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
    if pii.detect(text) or _names(session).found_in(text.lower()):
        return WITHHELD
    return text


class _Names:
    """Every person's name and @key, to find any of them inside a text (as `in` would: also inside
    a word) without trying each: 20,000 people and the actielijsten of 2,000 teams made that
    4e8 substring tests a week. Indexed by their first three letters; shorter ones are tried each."""

    def __init__(self, patterns: list[str]) -> None:
        self.short = sorted({p for p in patterns if len(p) < 3})
        self.by_start: dict[str, set[str]] = {}
        for p in patterns:
            if len(p) >= 3:
                self.by_start.setdefault(p[:3], set()).add(p)

    def found_in(self, low: str) -> bool:
        if any(p in low for p in self.short):
            return True
        return any(low.startswith(p, i) for i in range(len(low) - 2) for p in self.by_start.get(low[i : i + 3], ()))


def _names(session: Session) -> _Names:
    """The people's names and keys, read once per session (a job's transaction) and kept with it."""
    found = session.info.get("wijkbot.names")
    if not isinstance(found, _Names):
        rows = session.exec(select(Person.name, Person.key)).all()
        found = _Names([n.lower() for n, _ in rows] + [f"@{k}".lower() for _, k in rows])
        session.info["wijkbot.names"] = found
    return found


def actie_line_outside(session: Session, act: Actiepunt, *, now: datetime, tz: ZoneInfo) -> str:
    mark = "TE LAAT " if is_overdue(act, now) else ""
    status = "" if act.status == ActieStatus.open else f" ({label('actiepunt', act.status)})"
    link = f" (uit {ref_s(act.signaal_id)})" if act.signaal_id else ""
    owner = owner_label(session.get(Person, act.owner_id))
    text = shareable(session, act.text)
    return f"{mark}{ref_a(act.id)} {text} | {owner} | deadline {when(act.deadline, tz)}{status}{link}"


def actielijst_text(session: Session, group: Group, meeting: Meeting, *, now: datetime, tz: ZoneInfo) -> str:
    """The group's actielijst after `meeting`: open items, and what was finished since the meeting before."""
    return actielijst_texts(session, [(group, meeting)], now=now, tz=tz)[meeting.id or 0]


def actielijst_texts(
    session: Session, pairs: list[tuple[Group, Meeting]], *, now: datetime, tz: ZoneInfo
) -> dict[int, str]:
    """`actielijst_text` for many meetings (per meeting id), read together: a few queries for all."""
    group_ids = sorted({g.id or 0 for g, _ in pairs})
    by_start: dict[datetime, list[int]] = {}
    for g, m in pairs:
        by_start.setdefault(m.starts_at, []).append(g.id or 0)
    before = {t: meeting_repo.last_starts_before(session, ids, before=t) for t, ids in by_start.items()}
    previous = {m.id or 0: before[m.starts_at].get(g.id or 0) for g, m in pairs}
    open_acts = items.open_actiepunten_of_groups(session, group_ids)
    since = items.earliest_since((g.id or 0, previous[m.id or 0]) for g, m in pairs)
    closed = items.finished_actiepunten_of_groups(session, since, until=now)
    everyone = [a.owner_id for acts in [*open_acts.values(), *closed.values()] for a in acts]
    _held = people_store.by_ids(session, everyone)  # the owners, held while the lines are written: no lookup each
    return {
        m.id or 0: _list_text(
            session,
            g,
            m,
            open_acts.get(g.id or 0, []),
            [a for a in closed.get(g.id or 0, []) if (t := previous[m.id or 0]) is None or a.updated_at > t],
            now=now,
            tz=tz,
        )
        for g, m in pairs
    }


def _list_text(
    session: Session,
    group: Group,
    meeting: Meeting,
    open_acts: list[Actiepunt],
    closed: list[Actiepunt],
    *,
    now: datetime,
    tz: ZoneInfo,
) -> str:
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


def after_meetings(
    session: Session, meetings: list[Meeting], *, now: datetime, tz: ZoneInfo, groups: list[Group]
) -> list[Outgoing]:
    """What goes where after each of `meetings`, in order; nothing for a meeting whose every message is
    in the outbox already (most of a week's meetings had their lists sent at an earlier run: the
    outbox is asked about all keys in one query). `groups`: every group ordered by name.

    The actielijst goes up to the groups in the group's `reports_to` and down to the groups that
    report to it. (The participation overview travels inside the verslag: handlers/verslag.py.)
    """
    by_id = {g.id: g for g in groups}
    to = routes(groups)
    plans = [
        (meeting, group, _plan(meeting, to[group.id]))
        for meeting in meetings
        if (group := by_id.get(meeting.group_id)) is not None
    ]
    sent = outbox.existing_keys(session, [key for _, _, plan in plans for _, key, _ in plan])
    todo = [(m, g, plan) for m, g, plan in plans if not (sent and all(key in sent for _, key, _ in plan))]
    lists = actielijst_texts(
        session, [(g, m) for m, g, plan in todo if any(what == "lijst" for _, _, what in plan)], now=now, tz=tz
    )
    return [Outgoing(channel, lists[m.id or 0], key) for m, _, plan in todo for channel, key, what in plan]


def routes(groups: list[Group]) -> dict[int | None, list[Group]]:
    """For every group, where its actielijst goes: the groups it reports to, then those that report to it."""
    by_key = {g.key: g for g in groups}
    below: dict[str, list[Group]] = {}  # org.reporting_to of each key, in the order of `groups`
    for g in groups:
        for k in dict.fromkeys(g.reports_to_keys):
            below.setdefault(k, []).append(g)
    return {
        group.id: _targets(
            group, [*(by_key[k] for k in group.reports_to_keys if k in by_key), *below.get(group.key, [])]
        )
        for group in groups
    }


def _targets(group: Group, candidates: list[Group]) -> list[Group]:
    """The candidates once each, without the group itself."""
    out: list[Group] = []
    seen: set[str] = set()
    for g in candidates:
        if g.key != group.key and g.key not in seen:
            seen.add(g.key)
            out.append(g)
    return out


def _plan(meeting: Meeting, to: list[Group]) -> list[tuple[str, str, str]]:
    # the participation overview is no post of its own any more: it is a line of the verslag
    # (handlers/verslag.py), which goes to every group above after the meeting
    key = f"actielijst:{meeting.id}"
    return [(g.channel, f"{key}:{g.channel}", "lijst") for g in to]
