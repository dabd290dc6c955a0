"""Exports a team can take away: CSV of signalen and actiepunten, an ICS calendar of meetings.

These stay inside the team (they are made for, and posted in, the group's own channel), so item
texts are included. Files are written to the output directory (`WIJKBOT_OUTPUT_DIR`, default
`./wijkbot-uitvoer/`); the reply names the path, and outside the console the file also goes to the
channel as an outbox message with `{"files": [path]}` for the transport to upload.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import col, select

from handlers.base import Context, Reply, UserError
from handlers.format import ref_a, ref_s
from handlers.permissions import require
from storage.models import Actiepunt, ActieStatus, Group, Meeting, MeetingStatus, Person, Signaal, SignaalStatus

DEFAULT_OUTPUT_DIR = "wijkbot-uitvoer"
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


def output_dir() -> Path:
    """Where wijkbot writes files: `WIJKBOT_OUTPUT_DIR`, or ./wijkbot-uitvoer/."""
    path = Path(os.environ.get("WIJKBOT_OUTPUT_DIR") or DEFAULT_OUTPUT_DIR).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def iso_local(dt: datetime | None, tz: ZoneInfo) -> str:
    """ISO 8601 in local time with its offset, minutes precision; empty for None."""
    return dt.astimezone(tz).isoformat(timespec="minutes") if dt else ""


def file_stamp(now: datetime, tz: ZoneInfo) -> str:
    return now.astimezone(tz).strftime("%Y%m%d-%H%M")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    """UTF-8 with BOM and `;`, so Excel in a Dutch locale opens it with the columns right."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _keys(ctx: Context, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p.key for p in ctx.session.exec(select(Person).where(col(Person.id).in_(wanted))).all() if p.id}


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
    keys = _keys(ctx, (s.reported_by_id for s in rows))
    tz = ctx.tz
    path = output_dir() / f"signalen-{group.key}-{file_stamp(ctx.now, tz)}.csv"
    write_csv(
        path,
        SIGNAAL_COLUMNS,
        (
            [
                ref_s(s.id),
                s.status,
                s.category,
                s.source,
                iso_local(s.created_at, tz),
                iso_local(s.updated_at, tz),
                iso_local(s.closed_at, tz),
                keys.get(s.reported_by_id or 0, ""),
                s.location or "",
                s.text,
                s.closing_note or "",
            ]
            for s in rows
        ),
    )
    return _deliver(ctx, group, path, f"Export van {len(rows)} signalen")


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
    keys = _keys(ctx, (a.owner_id for a in rows))
    tz = ctx.tz
    path = output_dir() / f"actiepunten-{group.key}-{file_stamp(ctx.now, tz)}.csv"
    write_csv(
        path,
        ACTIE_COLUMNS,
        (
            [
                ref_a(a.id),
                a.status,
                ref_s(a.signaal_id) if a.signaal_id else "",
                keys.get(a.owner_id, ""),
                iso_local(a.deadline, tz),
                iso_local(a.created_at, tz),
                iso_local(a.done_at, tz),
                iso_local(a.updated_at, tz),
                a.text,
            ]
            for a in rows
        ),
    )
    return _deliver(ctx, group, path, f"Export van {len(rows)} actiepunten")


def meetings_calendar(group: Group, meetings: Sequence[Meeting], *, now: datetime, tz: ZoneInfo) -> icalendar.Calendar:
    """An iCalendar (RFC 5545) of the meetings, in local time with its VTIMEZONE; UIDs stable per meeting."""
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
        event.add("status", "CONFIRMED")
        event.add("sequence", 0)
        cal.add_component(event)
    if meetings:
        first = meetings[0].starts_at.astimezone(tz).date()
        last = meetings[-1].starts_at.astimezone(tz).date()
        cal.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 12, 31))
    return cal


def export_agenda(ctx: Context, args: str = "") -> list[Reply]:
    """/overleg agenda: the group's planned meetings as an ICS file for Outlook or Google Agenda."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    if args.strip():
        raise UserError("Schrijf alleen /overleg agenda; het bestand bevat alle geplande overleggen van de groep.")
    rows = list(
        ctx.session.exec(
            select(Meeting)
            .where(Meeting.group_id == group.id, Meeting.status == MeetingStatus.gepland, Meeting.starts_at > ctx.now)
            .order_by(col(Meeting.starts_at))
        ).all()
    )
    if not rows:
        raise UserError(f"{group.name} heeft geen overleg gepland; plan er een met /overleg plan <datum en tijd>.")
    cal = meetings_calendar(group, rows, now=ctx.now, tz=ctx.tz)
    path = output_dir() / f"overleggen-{group.key}.ics"
    path.write_bytes(cal.to_ical())
    return _deliver(ctx, group, path, f"Agenda met {len(rows)} geplande overleggen")
