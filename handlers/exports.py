"""Exports a team can take away: CSV of signalen and actiepunten, an ICS calendar of meetings.

These stay inside the team (they are made for, and posted in, the group's own channel), so item
texts are included. Files are written to the output directory (`WIJKBOT_OUTPUT_DIR`, default
`./wijkbot-uitvoer/`); the reply names the path, and outside the console the file also goes to the
channel as an outbox message with `{"files": [path]}` for the transport to upload.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from handlers.base import Context, Reply, UserError
from handlers.format import label, plural, ref_a, ref_s
from handlers.permissions import require
from storage.models import Actiepunt, ActieStatus, Group, Meeting, MeetingStatus, Person, Signaal, SignaalStatus

if TYPE_CHECKING:
    import icalendar  # imported where a calendar is made: start-up does not need it (0.1 s)

CSV_DELIMITER = ";"  # what Excel expects in a Dutch locale
MEETING_LENGTH = timedelta(hours=2)
SIGNAAL_COLUMNS = [
    "referentie",
    "status",
    "categorie",
    "bron",
    "gemeld_op",
    "bijgewerkt_op",
    "gesloten_op",
    "gemeld_door",
    "buurt_of_kern",  # the signaal's area (@@Buurt), for the leefbaarheidsmonitor
    "locatie",
    "tekst",
    "toelichting_sluiting",
]
ACTIE_COLUMNS = [
    "referentie",
    "status",
    "signaal",
    "eigenaar",
    "deadline",
    "aangemaakt_op",
    "gedaan_op",
    "bijgewerkt_op",
    "tekst",
]


def output_dir(ctx: Context) -> Path:
    """Where wijkbot writes files: `WIJKBOT_OUTPUT_DIR` (`ctx.state.output_dir`), or ./wijkbot-uitvoer/."""
    path = ctx.state.output_dir.resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


# OWASP "CSV injection": a cell that starts with one of these is a formula to Excel or LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: str) -> str:
    """A cell as Excel shows it but never runs it: a leading = + - @ or tab gets a ' in front."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def local_day(dt: datetime | None, tz: ZoneInfo) -> str:
    """A date as Dutch Excel reads it: dd-mm-jjjj; empty for None."""
    return f"{dt.astimezone(tz):%d-%m-%Y}" if dt else ""


def local_moment(dt: datetime | None, tz: ZoneInfo) -> str:
    """A moment in local time: dd-mm-jjjj uu:mm; a deadline at the end of a day (23:59) only its date."""
    if dt is None:
        return ""
    local = dt.astimezone(tz)
    return local_day(local, tz) if (local.hour, local.minute) == (23, 59) else f"{local:%d-%m-%Y %H:%M}"


def file_stamp(now: datetime, tz: ZoneInfo) -> str:
    return now.astimezone(tz).strftime("%Y%m%d-%H%M")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    """UTF-8 with BOM and `;`, so Excel in a Dutch locale opens it with the columns right."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return path


def person_label(person: Person) -> str:
    """A person as a team reads them in a list: name, and organisation when known."""
    return f"{person.name} ({person.organisation})" if person.organisation else person.name


def _names(ctx: Context, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    people = ctx.session.exec(select(Person).where(col(Person.id).in_(wanted))).all()
    return {p.id: person_label(p) for p in people if p.id}


def _deliver(ctx: Context, group: Group, path: Path, what: str) -> list[Reply]:
    text = f"{what} van {group.name}: {path}"
    if ctx.transport != "console":
        ctx.post_to_channel(group.channel, f"{what} van {group.name}.", files=[str(path)])
    return [Reply(text, private=True, extra={"files": [str(path)]})]


def export_signalen(ctx: Context, args: str = "") -> list[Reply]:
    """/signaal export: every signaal of this group as CSV."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    if args.strip():
        raise UserError("Schrijf alleen /signaal export; de export bevat alle signalen van de groep.")
    live = (Signaal.group_id == group.id, Signaal.status != SignaalStatus.ingetrokken)  # withdrawn: history only
    rows = list(ctx.session.exec(select(Signaal).where(*live).order_by(col(Signaal.id))).all())
    names = _names(ctx, (s.reported_by_id for s in rows))
    tz = ctx.tz
    path = output_dir(ctx) / f"signalen-{group.key}-{file_stamp(ctx.now, tz)}.csv"
    write_csv(
        path,
        SIGNAAL_COLUMNS,
        (
            [
                ref_s(s.id),
                label("signaal", s.status),
                s.category,
                label("bron", s.source),
                local_moment(s.created_at, tz),
                local_moment(s.updated_at, tz),
                local_moment(s.closed_at, tz),
                names.get(s.reported_by_id or 0, ""),
                s.area or "",
                s.location or "",
                s.text,
                s.closing_note or "",
            ]
            for s in rows
        ),
    )
    return _deliver(ctx, group, path, f"Export van {plural(len(rows), 'signaal')}")


def export_acties(ctx: Context, args: str = "") -> list[Reply]:
    """/actie export: every actiepunt of this group as CSV."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    if args.strip():
        raise UserError("Schrijf alleen /actie export; de export bevat alle actiepunten van de groep.")
    rows = list(
        ctx.session.exec(
            select(Actiepunt)
            .where(Actiepunt.group_id == group.id, Actiepunt.status != ActieStatus.ingetrokken)
            .order_by(col(Actiepunt.id))
        ).all()
    )
    names = _names(ctx, (a.owner_id for a in rows))
    tz = ctx.tz
    path = output_dir(ctx) / f"actiepunten-{group.key}-{file_stamp(ctx.now, tz)}.csv"
    write_csv(
        path,
        ACTIE_COLUMNS,
        (
            [
                ref_a(a.id),
                label("actiepunt", a.status),
                ref_s(a.signaal_id) if a.signaal_id else "",
                names.get(a.owner_id, ""),
                local_moment(a.deadline, tz),
                local_moment(a.created_at, tz),
                local_moment(a.done_at, tz),
                local_moment(a.updated_at, tz),
                a.text,
            ]
            for a in rows
        ),
    )
    return _deliver(ctx, group, path, f"Export van {plural(len(rows), 'actiepunt')}")


def meetings_calendar(group: Group, meetings: Sequence[Meeting], *, now: datetime, tz: ZoneInfo) -> icalendar.Calendar:
    """An iCalendar (RFC 5545) of the meetings, in local time with its VTIMEZONE; UIDs stable per meeting."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//wijkbot//overleggen//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Overleggen {group.name}")
    cal.add("x-wr-timezone", tz.key)
    for m in meetings:
        start = m.starts_at.astimezone(tz)
        event = icalendar.Event()
        event.add("uid", f"wijkbot-overleg-{m.id}@{group.key}.wijkbot")
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", start + MEETING_LENGTH)
        event.add("summary", f"Overleg {group.name}")
        if m.location:
            event.add("location", m.location)
        cancelled = m.status == MeetingStatus.geannuleerd
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", m.sequence)  # raised by each cancel or move, so calendars take the change
        cal.add_component(event)
    if meetings:
        first = meetings[0].starts_at.astimezone(tz).date()
        last = meetings[-1].starts_at.astimezone(tz).date()
        cal.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 12, 31))
    return cal


def export_agenda(ctx: Context, args: str = "") -> list[Reply]:
    """/overleg agenda: the group's planned meetings as an ICS file for Outlook or Google Agenda.

    Cancelled meetings that were still ahead stay in it with STATUS:CANCELLED, so a calendar that
    imported them removes them."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    if args.strip():
        raise UserError("Schrijf alleen /overleg agenda; het bestand bevat alle geplande overleggen van de groep.")
    rows = list(
        ctx.session.exec(
            select(Meeting)
            .where(
                Meeting.group_id == group.id,
                col(Meeting.status).in_([MeetingStatus.gepland.value, MeetingStatus.geannuleerd.value]),
                Meeting.starts_at > ctx.now,
            )
            .order_by(col(Meeting.starts_at))
        ).all()
    )
    planned = [m for m in rows if m.status == MeetingStatus.gepland]
    if not planned:
        raise UserError(f"{group.name} heeft geen overleg gepland; plan er een met /overleg plan <datum en tijd>.")
    cal = meetings_calendar(group, rows, now=ctx.now, tz=ctx.tz)
    path = output_dir(ctx) / f"overleggen-{group.key}.ics"
    path.write_bytes(cal.to_ical())
    gone = len(rows) - len(planned)
    cancelled = f" en {plural(gone, 'afgezegd overleg', 'afgezegde overleggen')}" if gone else ""
    return _deliver(ctx, group, path, f"Agenda met {plural(len(planned), 'gepland overleg')}{cancelled}")
