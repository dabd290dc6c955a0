"""What the bot says at a meeting's moments: the reminder with the agenda, the nudge, the question
who attended, and the warning that nothing is planned within the norm.

The timing is in schedules/meetings.py; the queries are in storage/meetings.py. Each function
returns its message(s) with their dedupe keys (`outbox.Outgoing`), and the caller queues those of
all the moments it handles in one go (`outbox.enqueue_many`, in its transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers.afmelden import MEETING_TOKEN
from handlers.agenda import AgendaData, build_agenda
from handlers.format import label, when
from storage import meetings as meeting_repo
from storage import org
from storage.config import OrgConfig
from storage.models import Attendance, Group, Meeting, Person
from storage.outbox import Outgoing


def _buttons(meeting: Meeting) -> list[dict[str, str]]:
    # the Slack adapter turns action "overleg_kom" into "/overleg kom <value>" (same for afmelden);
    # the value is a token, because a bare number in a command is a day (handlers/afmelden.py)
    value = f"{MEETING_TOKEN}{meeting.id}"
    return [
        {"label": "Ik kom", "action": "overleg_kom", "value": value},
        {"label": "Ik meld me af", "action": "overleg_afmelden", "value": value},
    ]


def _how_soon(meeting: Meeting, now: datetime, config: OrgConfig) -> str:
    left = (meeting.starts_at.astimezone(config.tz).date() - now.astimezone(config.tz).date()).days
    return {0: "vandaag", 1: "morgen"}.get(left, f"over {left} dagen")


def _key(meeting: Meeting) -> str:
    """The meeting in a dedupe key; a moved meeting (sequence > 0) gets its reminders again."""
    return f"{meeting.id}" if not meeting.sequence else f"{meeting.id}.{meeting.sequence}"


def reminder(
    session: Session,
    config: OrgConfig,
    group: Group,
    meeting: Meeting,
    *,
    days: int,
    now: datetime,
    data: AgendaData | None = None,
) -> list[Outgoing]:
    """The reminder with the agenda in the group's channel (once per meeting and reminder day), and the guests'.

    `data`: what the agenda needs, read with the other reminders of the moment (`AgendaData.load`)."""
    if data is None or not data.covers(meeting, now):
        data = AgendaData.load(session, [(group, meeting)], now=now, tz=config.tz)
    lines = [
        f"Herinnering: {group.name} vergadert {_how_soon(meeting, now, config)}.",
        f"Wanneer: {when(meeting.starts_at, config.tz)}",
        f"Waar: {meeting.location or 'nog niet bekend'}",
        "Agenda:",
        *build_agenda(session, group, meeting, now=now, tz=config.tz, jaarplan_naam=config.jaarplan_naam, data=data),
        "Komt u? Zeg het met /overleg kom, of meld u af met /afmelden [reden] [vervanger @persoon].",
    ]
    channel = Outgoing(
        "channel",
        group.channel,
        "\n".join(lines),
        dedupe_key=f"herinnering:{_key(meeting)}:{days}d",
        payload={"buttons": _buttons(meeting), "meeting_id": meeting.id},
    )
    return [channel, *guest_reminders(session, config, group, meeting, days=days, now=now, data=data)]


def guest_reminders(
    session: Session, config: OrgConfig, group: Group, meeting: Meeting, *, days: int, now: datetime, data: AgendaData
) -> list[Outgoing]:
    """The guests of the meeting's agendapunten get the reminder as a DM, with the agenda's outline."""
    out: list[Outgoing] = []
    guests: dict[int, list[str]] = {}
    for i in data.agenda_items.get(meeting.id or 0, []):
        if i.guest_id:
            guests.setdefault(i.guest_id, []).append(i.text)
    if not guests:
        return out
    outline = build_agenda(
        session, group, meeting, now=now, tz=config.tz, jaarplan_naam=config.jaarplan_naam, outline=True, data=data
    )
    for guest_id, texts in guests.items():
        item = "; ".join(texts)
        guest = session.get(Person, guest_id)
        if guest is None or not guest.active:
            continue
        text = (
            f"Herinnering: u bent {_how_soon(meeting, now, config)} te gast bij het overleg van {group.name} "
            f"({when(meeting.starts_at, config.tz)}, {meeting.location or 'plaats nog niet bekend'}) voor het "
            f"{'agendapunt' if len(texts) == 1 else 'agendapunten'}: {item}.\nAgenda:\n" + "\n".join(outline)
        )
        out.append(Outgoing("dm", guest.key, text, dedupe_key=f"herinnering:{_key(meeting)}:{days}d:{guest.key}"))
    return out


def nudges(
    session: Session,
    config: OrgConfig,
    group: Group,
    meeting: Meeting,
    *,
    answered: dict[int, Attendance] | None = None,
    members: list[Person] | None = None,
) -> list[Outgoing]:
    """One direct message to each member (not the chair) who has not answered yet.

    `answered` and `members`: the meeting's answers and the group's members, when the caller
    loaded them already.
    """
    if answered is None:
        answered = meeting_repo.answers_by_person(session, meeting.id or 0)
    if members is None:
        members = org.members(session, group.id or 0)
    out: list[Outgoing] = []
    moment = when(meeting.starts_at, config.tz)
    where = f", {meeting.location}" if meeting.location else ""
    yearly = org.yearly_member_ids(session, group.id or 0)
    for person in members:
        if person.id in answered or person.id == group.chair_id or person.id in yearly:
            continue
        text = (
            f"Komt u naar het overleg van {group.name} ({moment}{where})? U heeft het nog niet laten weten. "
            f"Zeg het met /overleg kom, of meld u af met /afmelden [reden] [vervanger @persoon] in #{group.channel}."
        )
        out.append(
            Outgoing(
                "dm",
                person.key,
                text,
                dedupe_key=f"aanmoediging:{_key(meeting)}:{person.key}",
                payload={"buttons": _buttons(meeting), "meeting_id": meeting.id},
            )
        )
    return out


def attendance_question(
    session: Session,
    config: OrgConfig,
    group: Group,
    meeting: Meeting,
    *,
    answered: dict[int, Attendance] | None = None,
    members: list[Person] | None = None,
) -> list[Outgoing]:
    """Ask the chair, once, who attended the meeting (`answered`, `members`: as for nudges)."""
    chair = session.get(Person, group.chair_id) if group.chair_id else None
    if chair is None:
        return []
    if answered is None:
        answered = meeting_repo.answers_by_person(session, meeting.id or 0)
    if members is None:
        members = org.members(session, group.id or 0)
    local = meeting.starts_at.astimezone(config.tz)
    day = f"{local.day}-{local.month}-{local.year}"
    said: dict[str, list[str]] = {"komt": [], "afgemeld": [], "geen reactie": []}
    for p in members:
        a = answered.get(p.id or 0)
        status = a.status if a else "geen reactie"
        said.setdefault(status, []).append(f"@{p.key}" + (f" ({a.reason})" if a and a.reason else ""))
    summary = "; ".join(f"{label('aanwezigheid', k)}: {', '.join(v)}" for k, v in said.items() if v)
    text = (
        f"Het overleg van {group.name} op {when(meeting.starts_at, config.tz)} is geweest. Wie waren er? "
        f"Bevestig het met /overleg aanwezig {day} @naam @naam ... (wie u niet noemt, telt als afwezig; "
        f"afmeldingen blijven afgemeld), of met /overleg aanwezig {day} alle als iedereen er was die zich "
        f"niet had afgemeld.\nAangegeven: {summary}."
    )
    button = {"label": "Iedereen behalve de afmeldingen", "action": "overleg_aanwezig", "value": f"{meeting.id} alle"}
    payload = {"buttons": [button], "meeting_id": meeting.id}
    return [Outgoing("dm", chair.key, text, dedupe_key=f"aanwezigheid:{meeting.id}", payload=payload)]


def meeting_gap_warning(
    session: Session,
    config: OrgConfig,
    group: Group,
    *,
    weeks: int,
    previous: tuple[int, datetime] | None,
    required_by: datetime,
    planned: datetime | None,
) -> list[Outgoing]:
    """Tell the chair, once per gap, that nothing is planned within the group's norm of `weeks` weeks.

    `previous`: the last held meeting (id, start), if any; `planned`: the first one planned, if any."""
    chair = session.get(Person, group.chair_id) if group.chair_id else None
    if chair is None:
        return []
    since = f"na het vorige overleg ({when(previous[1], config.tz)})" if previous else "vanaf nu"
    next_one = f" Het eerstvolgende staat op {when(planned, config.tz)}." if planned else ""
    text = (
        f"{group.name} moet {group.norm_words} vergaderen{config.cite()}, maar er is geen "
        f"overleg gepland binnen {weeks} weken {since}, dus vóór {when(required_by, config.tz)}.{next_one} "
        f"Plan er een in #{group.channel} met /overleg plan <datum en tijd> [elke {weeks} weken]."
    )
    gap = previous[0] if previous else "start"
    return [Outgoing("dm", chair.key, text, dedupe_key=f"overleg-gat:{group.key}:{gap}")]
