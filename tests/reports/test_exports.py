"""Exports a team takes away: CSV that Excel (Dutch locale) and Python read back, ICS for calendars."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import col, select

from handlers.exports import ACTIE_COLUMNS, SIGNAAL_COLUMNS
from handlers.format import label
from storage.models import Actiepunt, Group, Meeting, MeetingStatus, Person, Signaal
from tests.support.talk import TalkingBot

TZ = ZoneInfo("Europe/Amsterdam")
DUTCH_TEXTS = [
    'Overlast bij café \'t Hoekje; "harde muziek" na middernacht #overlast',
    "Vernielde bankjes bij de Ĳsselmonde-kade, ook één lantaarnpaal #openbare-ruimte",
    "Ruzie tussen buren in de Curaçaostraat; zorgen over één oudere bewoonster #zorg",
]


def _path_in(reply: str) -> Path:
    match = re.search(r"(/\S+\.(?:csv|ics))", reply)
    assert match, reply
    path = Path(match.group(1))
    assert path.is_file()
    return path


def _moment(cell: str) -> datetime:
    """A cell written as dd-mm-jjjj uu:mm (or dd-mm-jjjj for the end of a day), local time."""
    if len(cell) == len("23-11-2026"):
        return datetime.strptime(cell, "%d-%m-%Y").replace(hour=23, minute=59, tzinfo=TZ)
    return datetime.strptime(cell, "%d-%m-%Y %H:%M").replace(tzinfo=TZ)


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


async def test_signaal_export_round_trips_every_field_with_dutch_characters(bot: TalkingBot, output_dir: Path) -> None:
    for text in DUTCH_TEXTS:
        assert "vastgelegd" in await bot.say(f"/signaal {text}")
    await bot.say("/signaal S-3 sluit opgelost met één gesprek; 't is weer rustig")
    reply = await bot.say("/signaal export")
    path = _path_in(reply)
    assert path.parent == output_dir.resolve()
    rows = _read_csv(path)
    assert rows[0] == SIGNAAL_COLUMNS
    with bot.session() as s:
        sigs = s.exec(select(Signaal).order_by(col(Signaal.id))).all()
        anna = s.exec(select(Person).where(Person.key == "anna")).one()
    assert len(rows) == 1 + len(sigs) == 4
    for row, sig in zip(rows[1:], sigs, strict=True):
        record = dict(zip(SIGNAAL_COLUMNS, row, strict=True))
        assert record["referentie"] == f"S-{sig.id}"
        assert record["status"] == label("signaal", sig.status)
        assert record["categorie"] == sig.category
        assert record["tekst"] == sig.text
        assert record["gemeld_door"] == f"{anna.name} ({anna.organisation})" == "Anna de Vries (Gemeente Ridderkerk)"
        assert _moment(record["gemeld_op"]) == sig.created_at
        assert record["gemeld_op"] == "23-11-2026 09:00"  # local time, the Dutch way
        assert record["toelichting_sluiting"] == (sig.closing_note or "")
        assert (_moment(record["gesloten_op"]) if record["gesloten_op"] else None) == sig.closed_at
    assert '\'t Hoekje; "harde muziek"' in rows[1][SIGNAAL_COLUMNS.index("tekst")]
    assert "Ĳsselmonde" in rows[2][SIGNAAL_COLUMNS.index("tekst")]


async def test_actie_export_lists_every_actiepunt_with_owner_name_deadline_and_status(bot: TalkingBot) -> None:
    await bot.say(f"/signaal {DUTCH_TEXTS[0]}")
    await bot.say("/signaal S-1 actie Gesprek met eigenaar café 't Hoekje @piet vrijdag")
    await bot.say("/actie Bewonersbrief over één lantaarnpaal opstellen @fatima 1 december")
    await bot.say("/actie Ĳzeren hek laten repareren @marieke over twee weken")
    await bot.say("/actie gedaan A-2 brief is verstuurd", as_="fatima")
    path = _path_in(await bot.say("/actie export"))
    rows = _read_csv(path)
    assert rows[0] == ACTIE_COLUMNS
    with bot.session() as s:
        acts = s.exec(select(Actiepunt).order_by(col(Actiepunt.id))).all()
        names = {p.id: f"{p.name} ({p.organisation})" for p in s.exec(select(Person)).all()}
    assert len(rows) == 4
    for row, act in zip(rows[1:], acts, strict=True):
        record = dict(zip(ACTIE_COLUMNS, row, strict=True))
        assert record["referentie"] == f"A-{act.id}"
        assert record["tekst"] == act.text
        assert record["status"] == label("actiepunt", act.status)
        assert record["eigenaar"] == names[act.owner_id]
        assert _moment(record["deadline"]) == act.deadline.replace(second=0, microsecond=0)
        assert record["signaal"] == (f"S-{act.signaal_id}" if act.signaal_id else "")
        assert (_moment(record["gedaan_op"]) if record["gedaan_op"] else None) == act.done_at
    assert rows[1][ACTIE_COLUMNS.index("signaal")] == "S-1"
    assert rows[2][ACTIE_COLUMNS.index("status")] == "gedaan"
    assert rows[3][ACTIE_COLUMNS.index("tekst")] == "Ĳzeren hek laten repareren"


async def test_export_of_another_teams_items_is_refused_for_outsiders(bot: TalkingBot) -> None:
    reply = await bot.say("/signaal export", in_="lbt-slikkerveer")
    assert "Alleen" in reply or "alleen" in reply
    assert ".csv" not in reply


async def test_overleg_agenda_is_an_ics_with_the_planned_meetings_in_amsterdam_time(bot: TalkingBot) -> None:
    path = _path_in(await bot.say("/overleg agenda"))
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    with bot.session() as s:
        group = s.exec(select(Group).where(Group.channel == "lbt-bolnes")).one()
        planned = s.exec(
            select(Meeting)
            .where(Meeting.group_id == group.id, Meeting.status == MeetingStatus.gepland)
            .order_by(col(Meeting.starts_at))
        ).all()
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(planned) >= 6
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    for event, meeting in zip(events, planned, strict=True):
        start = event.decoded("DTSTART")
        assert getattr(start.tzinfo, "key", str(start.tzinfo)) == "Europe/Amsterdam"
        assert start == meeting.starts_at
        assert event.decoded("DTEND") - start == timedelta(hours=2)
        assert str(event["SUMMARY"]) == "Overleg Leefbaarheidsteam Bolnes"
        assert str(event["LOCATION"]) == "Ontmoetingscentrum Bolnes"
    first = events[0].decoded("DTSTART")
    assert (first.hour, first.minute) == (10, 0)  # the local wall-clock time, also after DST
    summer = [e.decoded("DTSTART") for e in events if e.decoded("DTSTART").month in (5, 6, 7, 8)]
    assert summer
    assert all(d.hour == 10 and d.utcoffset() == timedelta(hours=2) for d in summer)
    assert b"TZID=Europe/Amsterdam" in path.read_bytes()


async def test_overleg_agenda_keeps_the_same_uid_per_meeting(bot: TalkingBot) -> None:
    first = icalendar.Calendar.from_ical(_path_in(await bot.say("/overleg agenda")).read_bytes())
    bot.bot.clock.advance(timedelta(days=1))
    second = icalendar.Calendar.from_ical(_path_in(await bot.say("/overleg agenda")).read_bytes())
    uids1 = {str(e["UID"]): e.decoded("DTSTART") for e in first.walk("VEVENT")}
    uids2 = {str(e["UID"]): e.decoded("DTSTART") for e in second.walk("VEVENT")}
    assert uids1 == uids2
    assert len(set(uids1)) == len(uids1)


FORMULAS = ["=SUM(1)", "+31", "@x kapotte bank", "-1 bankje", '=HYPERLINK("http://x.example";"klik")']


def _never_a_formula(rows: list[list[str]]) -> None:
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell


async def test_signaal_export_neutralises_cells_that_excel_would_run_as_a_formula(bot: TalkingBot) -> None:
    for text in FORMULAS:
        assert "vastgelegd" in await bot.say(f"/signaal {text}"), text
    await bot.say("/signaal S-1 sluit =1+1 opgelost")
    with bot.session() as s:  # a tab cannot be typed in a command; a location from Telegram may hold one
        from storage import items

        bolnes = s.exec(select(Group).where(Group.channel == "lbt-bolnes")).one()
        sig = items.record_signaal(
            s, group_id=bolnes.id or 0, text="\t=2+2", category="overig", reported_by_id=None, now=bot.bot.clock.now()
        )
        sig.location = "\t@Vlietkade"
        s.add(sig)
        s.commit()
    rows = _read_csv(_path_in(await bot.say("/signaal export")))
    _never_a_formula(rows)
    text_col, note_col, loc_col = (SIGNAAL_COLUMNS.index(c) for c in ("tekst", "toelichting_sluiting", "locatie"))
    assert [r[text_col] for r in rows[1:]] == [f"'{t}" for t in FORMULAS] + ["'\t=2+2"]
    assert rows[1][note_col] == "'=1+1 opgelost"
    assert rows[-1][loc_col] == "'\t@Vlietkade"
    assert rows[2][SIGNAAL_COLUMNS.index("referentie")] == "S-2"  # ordinary cells unchanged


async def test_actie_export_neutralises_formula_texts_and_says_one_actiepunt(bot: TalkingBot) -> None:
    reply = await bot.say("/actie =SUM(A1:A9) laten tellen @piet vrijdag")
    assert "A-1" in reply
    reply = await bot.say("/actie export")
    assert "Export van 1 actiepunt van" in reply
    rows = _read_csv(_path_in(reply))
    _never_a_formula(rows)
    assert rows[1][ACTIE_COLUMNS.index("tekst")] == "'=SUM(A1:A9) laten tellen"
    assert rows[1][ACTIE_COLUMNS.index("eigenaar")].startswith("Piet Verhoeven (")
    assert rows[1][ACTIE_COLUMNS.index("status")] == "open"


async def test_export_replies_count_in_dutch(bot: TalkingBot) -> None:
    await bot.say("/signaal Kapotte lantaarnpaal #openbare-ruimte")
    assert "Export van 1 signaal van" in await bot.say("/signaal export")
    await bot.say("/signaal Hangjongeren #jeugd")
    assert "Export van 2 signalen van" in await bot.say("/signaal export")
    await bot.say("/signaal S-2 oppakken")
    rows = _read_csv(_path_in(await bot.say("/signaal export")))
    assert rows[2][SIGNAAL_COLUMNS.index("status")] == "in behandeling"
