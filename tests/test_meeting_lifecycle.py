"""The meeting lifecycle (issue #15): agendapunten with a guest, cancelling, moving, a new series, "held".

Conversations with the bot on the Ridderkerk example: Anna chairs Bolnes, which meets every 8 weeks
from Thursday 3 December 2026 10:00 (then 28 January, 25 March, 20 May) in Ontmoetingscentrum Bolnes.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlmodel import col, select

from handlers.buttons import button_command
from storage import figures, meetings
from storage.models import Actiepunt, AgendaItem, Attendance, Group, Meeting, MeetingSeries, MeetingStatus
from tests.conftest import TZ
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

DEC_3 = datetime(2026, 12, 3, 10, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)  # before the bot starts: it reads WIJKBOT_OUTPUT_DIR then
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "uitvoer"
    monkeypatch.setenv("WIJKBOT_OUTPUT_DIR", str(out))
    return out


def _bolnes(bot: TalkingBot) -> Group:
    with bot.session() as s:
        return s.exec(select(Group).where(Group.key == "bolnes")).one()


def _meeting_at(bot: TalkingBot, at: datetime) -> Meeting:
    with bot.session() as s:
        return s.exec(select(Meeting).where(Meeting.group_id == _bolnes(bot).id, Meeting.starts_at == at)).one()


def _events(reply: str) -> dict[datetime, icalendar.Event]:
    """The ICS file named in the reply, parsed back: its events by start."""
    match = re.search(r"(/\S+\.ics)", reply)
    assert match, reply
    cal = icalendar.Calendar.from_ical(Path(match.group(1)).read_bytes())
    return {e.decoded("DTSTART"): e for e in cal.walk("VEVENT") if isinstance(e, icalendar.Event)}


async def _refused_and_nothing_stored(bot: TalkingBot, command: str, wanted: str, *, as_: str = "anna") -> None:
    before = table_counts(bot.bot.engine)
    reply = await bot.say(command, as_=as_)
    assert wanted in reply, reply
    assert bot.last[0].extra.get("error") == "user"
    assert bot.last[0].private
    assert table_counts(bot.bot.engine) == before, command


async def test_an_agendapunt_with_a_guest_who_gets_the_invitation_the_agenda_and_the_reminders(
    bot: TalkingBot,
) -> None:
    await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    reply = await bot.say("/overleg agendapunt Overlast Vlietkade bespreken gast @karin", as_="piet")
    assert reply == (
        "Agendapunt toegevoegd aan het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00: "
        "Overlast Vlietkade bespreken. Karin Zwart is uitgenodigd en krijgt de agenda en de herinneringen."
    )
    [invitation] = bot.posted_to("@karin")
    assert invitation.startswith(
        "U bent uitgenodigd voor het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00, "
        "Ontmoetingscentrum Bolnes, voor het agendapunt: Overlast Vlietkade bespreken (ingebracht door Piet Verhoeven)."
    )
    assert "Agenda:" in invitation
    assert "Rondvraag" in invitation
    assert "1) Overlast Vlietkade bespreken (ingebracht door Piet Verhoeven; gast: Karin Zwart)" in invitation
    assert "Hangjongeren" not in invitation  # the group's signalen stay in the group: a guest gets the outline
    shown = await bot.say("/overleg")
    assert "Ingebrachte agendapunten:" in shown
    assert "Hangjongeren" in shown
    assert "1) Overlast Vlietkade bespreken (ingebracht door Piet Verhoeven; gast: Karin Zwart)" in shown
    await bot.say("/overleg agendapunt Jaarplanning bijeenkomsten", as_="fatima")
    assert "2) Jaarplanning bijeenkomsten (ingebracht door Fatima Benali)" in await bot.say("/overleg")

    await bot.advance(timedelta(days=3))  # Thursday 26 November: the 7-day reminder
    [channel] = [t for t in bot.posted_to("#lbt-bolnes") if t.startswith("Herinnering")]
    assert "1) Overlast Vlietkade bespreken (ingebracht door Piet Verhoeven; gast: Karin Zwart)" in channel
    reminders = [t for t in bot.posted_to("@karin") if t.startswith("Herinnering")]
    assert len(reminders) == 1
    assert reminders[0].startswith(
        "Herinnering: u bent over 7 dagen te gast bij het overleg van Leefbaarheidsteam Bolnes "
        "(do 3 dec 2026 10:00, Ontmoetingscentrum Bolnes) voor het agendapunt: Overlast Vlietkade bespreken."
    )

    # only the chair takes a point off; the guest is told
    await _refused_and_nothing_stored(bot, "/overleg agendapunt weg 1", "Alleen de voorzitter", as_="piet")
    await _refused_and_nothing_stored(bot, "/overleg agendapunt weg 7", "Agendapunt 7 bestaat niet")
    assert await bot.say("/overleg agendapunt weg 1") == (
        "Agendapunt 1 (Overlast Vlietkade bespreken) is van de agenda van do 3 dec 2026 10:00 gehaald. "
        "Karin Zwart (gast) is op de hoogte gebracht."
    )
    assert "u hoeft daarvoor niet te komen" in bot.posted_to("@karin")[-1]
    assert "1) Jaarplanning bijeenkomsten" in await bot.say("/overleg")


async def test_a_guest_sees_the_jaarplan_of_the_first_meeting_in_counts_only(bot: TalkingBot) -> None:
    # found by the year walk (tests/test_covenant_year.py): the outline listed the activities with
    # their trekkers, progress notes and actiepunten
    bot.bot.clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=TZ))  # the next meeting, 28 January, is the year's first
    await bot.say("/jaarplan toevoegen Buurtschouw Vlietkade @piet periode Q2 budget €1.500")
    await bot.say("/jaarplan J-1 voortgang route besproken met mevrouw Jansen")
    await bot.say("/actie Schouwroute uitzetten @piet eind februari bij J-1")
    await bot.say("/overleg agendapunt Veiligheid rond de school gast @karin")
    [invitation] = bot.posted_to("@karin")
    counts = "1. Jaarplan 2027 vaststellen\n   Jaarplan 2027: 1 activiteit (1 open, 0 klaar, 0 vervallen)\n2. "
    assert counts in invitation
    assert "Buurtschouw" not in invitation
    assert "@piet" not in invitation
    assert "Jansen" not in invitation
    assert "A-1" not in invitation
    shown = await bot.say("/overleg")  # the members see the plan
    assert "• J-1 Buurtschouw Vlietkade | trekker @piet" in shown
    assert "actiepunten: A-1 (open)" in shown


async def test_bad_agendapunten_store_nothing(bot: TalkingBot) -> None:
    await _refused_and_nothing_stored(
        bot, "/overleg agendapunt Overlast bespreken", "Alleen leden van Leefbaarheidsteam Bolnes", as_="kevin"
    )
    await _refused_and_nothing_stored(bot, "/overleg agendapunt Overlast gast @piet", "is lid van")
    await _refused_and_nothing_stored(bot, "/overleg agendapunt Overlast gast @niemand", "Ik ken @niemand niet")
    await _refused_and_nothing_stored(bot, "/overleg agendapunt gast @karin", "Welk punt?")
    await _refused_and_nothing_stored(bot, "/overleg agendapunt " + "x" * 501, "te lang")


async def test_during_a_meeting_an_agendapunt_goes_to_the_next_one_only_when_asked(bot: TalkingBot) -> None:
    bot.bot.clock.set(DEC_3 + timedelta(minutes=30))  # the meeting of 3 December is going on
    await _refused_and_nothing_stored(
        bot,
        "/overleg agendapunt Buurtschouw",
        "Het overleg van do 3 dec 2026 10:00 is al begonnen; voor de agenda van het volgende "
        "(do 28 jan 2027 10:00) schrijft u: /overleg agendapunt volgende Buurtschouw.",
    )
    reply = await bot.say("/overleg agendapunt volgende Buurtschouw")
    assert reply.startswith("Agendapunt toegevoegd aan het overleg van Leefbaarheidsteam Bolnes op do 28 jan 2027")


async def test_a_cancelled_meeting_tells_who_answered_sends_no_reminders_and_is_cancelled_in_the_ics(
    bot: TalkingBot, output_dir: Path
) -> None:
    await bot.say("/overleg kom", as_="piet")
    await bot.say("/afmelden volgende ziek", as_="fatima")
    await bot.say("/actie Buurtgesprek plannen @marieke")  # no deadline: the next overleg (3 December)
    await bot.say("/overleg agendapunt Overlast Vlietkade gast @karin", as_="piet")
    await _refused_and_nothing_stored(bot, "/overleg afzeggen 3 december", "Alleen de voorzitter", as_="piet")
    await _refused_and_nothing_stored(bot, "/overleg afzeggen 4 december", "geen overleg op vr 4 dec 2026")

    reply = await bot.say("/overleg afzeggen 3 december te weinig punten")
    assert reply.startswith(
        "Overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00 afgezegd. Het kanaal en 3 personen die hadden "
        "gereageerd of uitgenodigd waren, krijgen bericht."
    )
    assert "De deadline van A-1 (dit overleg) is nu do 28 jan 2027 10:00." in reply
    news = (
        "Het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00 gaat niet door. Reden: te weinig punten. "
        "Het volgende overleg is op do 28 jan 2027 10:00."
    )
    assert bot.posted_to("#lbt-bolnes")[-1].startswith(news)
    assert bot.posted_to("@piet")[-1] == f"{news} Uw aanmelding daarvoor is niet meer nodig."
    assert bot.posted_to("@fatima")[-1] == f"{news} Uw afmelding daarvoor is niet meer nodig."
    assert bot.posted_to("@karin")[-1] == f"{news} U was uitgenodigd als gast; u hoeft niet te komen."
    with bot.session() as s:
        act = s.exec(select(Actiepunt)).one()
    assert act.deadline == datetime(2027, 1, 28, 10, 0, tzinfo=TZ)
    assert "Volgend overleg van Leefbaarheidsteam Bolnes: do 28 jan 2027 10:00" in await bot.say("/overleg")
    assert "do 3 dec" not in await bot.say("/overleg lijst")
    await _refused_and_nothing_stored(bot, f"/overleg kom overleg:{_meeting_at(bot, DEC_3).id}", "gaat niet door")

    events = _events(await bot.say("/overleg agenda"))
    cancelled = events[DEC_3]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("SEQUENCE") == 1
    assert str(events[datetime(2027, 1, 28, 10, 0, tzinfo=TZ)]["STATUS"]) == "CONFIRMED"

    await bot.advance(timedelta(days=11))  # past 3 December: no reminder, nudge or attendance question
    token = f"overleg:{_meeting_at(bot, DEC_3).id}"  # what an old button would carry
    await _refused_and_nothing_stored(bot, f"/overleg aanwezig {token} alle", "is afgezegd")
    assert not [t for t in bot.posted_to("#lbt-bolnes") if t.startswith("Herinnering")]
    assert not [t for t in bot.posted_to("@marieke") if t.startswith("Komt u naar het overleg")]
    assert not [t for t in bot.posted_to("@anna") if "is geweest. Wie waren er?" in t]
    assert not [t for t in bot.posted_to("@karin") if t.startswith("Herinnering")]
    with bot.session() as s:
        assert meetings.held_meetings(s, [_bolnes(bot).id or 0], start=None, end=bot.bot.clock.now()) == []


async def test_a_moved_meeting_keeps_its_answers_tells_them_and_reminds_at_the_new_time(
    bot: TalkingBot, output_dir: Path
) -> None:
    await bot.say("/afmelden volgende op cursus", as_="fatima")
    await bot.say("/overleg kom", as_="piet")
    await bot.say("/actie Buurtgesprek plannen @marieke")  # due at the next overleg
    await bot.advance(timedelta(days=3))  # 26 November: the 7-day reminder for 3 December went out
    assert len([t for t in bot.posted_to("#lbt-bolnes") if t.startswith("Herinnering")]) == 1

    for command, wanted in [
        ("/overleg verplaats 3 december naar 20-11-2026 10:00", "ligt in het verleden"),
        ("/overleg verplaats 3 december naar 28 januari 14:00", "heeft Leefbaarheidsteam Bolnes al een overleg"),
        ("/overleg verplaats 3 december 10 december", "Van wanneer naar wanneer?"),
        ("/overleg verplaats 3 december naar ergens", "Ik begrijp 'ergens' niet als datum en tijd"),
        ("/overleg verplaats 4 december naar 10 december 14:00", "geen overleg op vr 4 dec 2026"),
    ]:
        await _refused_and_nothing_stored(bot, command, wanted)
    await _refused_and_nothing_stored(
        bot, "/overleg verplaats 3 december naar 10 december 14:00", "Alleen de voorzitter", as_="piet"
    )

    reply = await bot.say("/overleg verplaats 3 december naar 10 december 14:00")
    assert reply.startswith(
        "Overleg van Leefbaarheidsteam Bolnes verplaatst van do 3 dec 2026 10:00 naar do 10 dec 2026 14:00. "
        "De antwoorden gaan mee; 2 personen die hadden gereageerd of uitgenodigd waren, krijgen bericht."
    )
    news = (
        "Het overleg van Leefbaarheidsteam Bolnes is verplaatst van do 3 dec 2026 10:00 naar do 10 dec 2026 14:00, "
        "Ontmoetingscentrum Bolnes."
    )
    assert bot.posted_to("@fatima")[-1].startswith(f"{news} Uw afmelding geldt nu voor do 10 dec 2026 14:00")
    assert bot.posted_to("@piet")[-1].startswith(f"{news} U had gezegd dat u komt")
    assert bot.posted_to("#lbt-bolnes")[-1].startswith(news)
    new_at = datetime(2026, 12, 10, 14, 0, tzinfo=TZ)
    moved = _meeting_at(bot, new_at)
    with bot.session() as s:
        answers = {a.status for a in s.exec(select(Attendance).where(Attendance.meeting_id == moved.id)).all()}
        act = s.exec(select(Actiepunt)).one()
    assert answers == {"afgemeld", "komt"}
    assert act.deadline == new_at
    assert "Volgend overleg van Leefbaarheidsteam Bolnes: do 10 dec 2026 14:00" in await bot.say("/overleg")
    event = _events(await bot.say("/overleg agenda"))[new_at]
    assert event.decoded("SEQUENCE") == 1
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)

    await bot.advance(timedelta(days=7))  # 3 December: the 7-day reminder for the new time (past a Monday)
    reminders = [t for t in bot.posted_to("#lbt-bolnes") if t.startswith("Herinnering")]
    assert len(reminders) == 2
    assert "Wanneer: do 10 dec 2026 14:00" in reminders[1]
    with bot.session() as s:  # the series did not fill the moment the meeting moved from
        assert s.exec(select(Meeting).where(Meeting.starts_at == DEC_3)).all() == []


async def test_a_new_series_asks_first_and_replaces_only_on_confirmation(bot: TalkingBot) -> None:
    await bot.say("/afmelden volgende ziek", as_="fatima")
    await bot.say("/overleg kom 28 januari", as_="piet")
    await bot.say("/actie Buurtgesprek plannen @marieke")  # due 3 December
    before = table_counts(bot.bot.engine)
    question = await bot.say("/overleg plan 10 december 14:00 elke 6 weken")
    assert question.startswith(
        "Een nieuwe reeks vanaf do 10 dec 2026 14:00, elke 6 weken, vervangt 7 geplande overleggen van de huidige "
        "reeks (do 3 dec 2026 10:00, do 28 jan 2027 10:00, "
    )
    assert "met 2 antwoorden (aan- en afmeldingen)" in question
    assert "Er is nog niets veranderd" in question
    assert table_counts(bot.bot.engine) == before  # nothing removed, nothing planned
    assert [b.label for b in bot.last[0].buttons] == ["Vervangen", "Niet vervangen"]
    assert button_command(bot.last[0].buttons[1].action, bot.last[0].buttons[1].value) == "/overleg lijst"
    confirm = button_command(bot.last[0].buttons[0].action, bot.last[0].buttons[0].value)
    assert confirm == "/overleg plan bevestig 7 2 10-12-2026 14:00 elke 6 weken"

    # an answer given meanwhile: the button asks again instead of removing more than it said
    await bot.say("/afmelden 25 maart vakantie", as_="marieke")
    again = await bot.say(confirm or "")
    assert again.startswith("Er is intussen iets veranderd")
    assert "met 3 antwoorden" in again
    confirm = button_command(bot.last[0].buttons[0].action, bot.last[0].buttons[0].value)

    done = await bot.say(confirm or "")
    assert done.startswith(
        "Overleg van Leefbaarheidsteam Bolnes gepland op do 10 dec 2026 14:00, daarna elke 6 weken. "
        "Vervallen: do 3 dec 2026 10:00, do 28 jan 2027 10:00, "
    )
    assert "3 personen met een antwoord kregen bericht" in done
    assert "De deadline van A-1 (dit overleg) is nu do 10 dec 2026 14:00." in done
    for who, day in (("fatima", "do 3 dec 2026 10:00"), ("piet", "do 28 jan 2027 10:00"), ("marieke", "do 25 mrt")):
        told = bot.posted_to(f"@{who}")[-1]
        assert told.startswith("Leefbaarheidsteam Bolnes heeft een nieuwe reeks overleggen (elke 6 weken).")
        assert day in told
        assert "Het eerstvolgende overleg is op do 10 dec 2026 14:00." in told
    with bot.session() as s:
        group_id = _bolnes(bot).id
        planned = s.exec(
            select(Meeting.starts_at)
            .where(Meeting.group_id == group_id, Meeting.status == MeetingStatus.gepland)
            .order_by(col(Meeting.starts_at))
        ).all()
        assert planned[0] == datetime(2026, 12, 10, 14, 0, tzinfo=TZ)
        local = [p.astimezone(TZ).replace(tzinfo=None) for p in planned]  # 14:00 also after the clocks change
        assert all(b - a == timedelta(weeks=6) for a, b in itertools.pairwise(local))
        assert s.exec(select(Attendance)).all() == []  # the answers for the replaced meetings are gone
        active = s.exec(
            select(MeetingSeries).where(MeetingSeries.group_id == group_id, MeetingSeries.active == True)  # noqa: E712
        ).all()
        assert [series.every_weeks for series in active] == [6]
    assert "do 3 dec" not in await bot.say("/overleg lijst")


async def test_a_series_on_the_same_rhythm_replaces_nothing_and_asks_nothing(bot: TalkingBot) -> None:
    await bot.say("/afmelden volgende ziek", as_="fatima")
    reply = await bot.say("/overleg plan 3 december 10:00 elke 8 weken locatie Wijkcentrum De Fakkel")
    assert reply == (
        "Overleg van Leefbaarheidsteam Bolnes gepland op do 3 dec 2026 10:00 (Wijkcentrum De Fakkel), "
        "daarna elke 8 weken."
    )
    with bot.session() as s:
        assert len(s.exec(select(Attendance)).all()) == 1


async def test_only_confirmed_meetings_count_as_held(bot: TalkingBot) -> None:
    """3 Dec confirmed (attendance), 28 Jan cancelled, 25 Mar passed unconfirmed, 20 May said to be held."""
    await bot.say("/overleg afzeggen 28 januari geen punten")
    bot.bot.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=TZ))
    await bot.say("/overleg aanwezig 3-12-2026 alle")
    bot.bot.clock.set(datetime(2027, 5, 21, 9, 0, tzinfo=TZ))
    await _refused_and_nothing_stored(bot, "/overleg gehouden 28-1-2027", "geen overleg op do 28 jan 2027")
    await _refused_and_nothing_stored(bot, "/overleg gehouden 20-5-2027", "Alleen de voorzitter", as_="piet")
    assert await bot.say("/overleg gehouden 20-5-2027") == (
        "Het overleg van Leefbaarheidsteam Bolnes op do 20 mei 2027 10:00 telt als gehouden. "
        "Wie er waren, legt u vast met /overleg aanwezig."
    )
    await _refused_and_nothing_stored(bot, "/overleg gehouden 20-5-2027", "staat al als gehouden")
    now = bot.bot.clock.now()
    gid = _bolnes(bot).id or 0
    with bot.session() as s:
        held = meetings.held_meetings(s, [gid], start=datetime(2026, 11, 1, tzinfo=TZ), end=now)
        fig = figures.meeting_figures(s, [gid], now=now, start=datetime(2026, 11, 1, tzinfo=TZ))[gid]
    assert [m.starts_at.astimezone(TZ).date().isoformat() for m in held] == ["2026-12-03", "2027-05-20"]
    assert (fig.held_in_window, fig.cancelled_in_window, fig.unconfirmed_in_window) == (2, 1, 1)
    assert fig.last_held == datetime(2027, 5, 20, 10, 0, tzinfo=TZ)


async def test_the_norm_warning_gives_the_chair_time_to_confirm_then_counts_only_held_meetings(
    bot: TalkingBot,
) -> None:
    with bot.session() as s:  # after 3 December nothing is planned: the chair must plan (and confirm)
        for m in s.exec(select(Meeting).where(Meeting.starts_at > DEC_3)).all():
            m.status = MeetingStatus.geannuleerd
            s.add(m)
        for series in s.exec(select(MeetingSeries)).all():
            series.active = False
            s.add(series)
        s.commit()
    await bot.advance(timedelta(weeks=3))  # 3 December unconfirmed but recent: it counts for the norm
    warnings = [t for t in bot.posted_to("@anna") if "moet minstens elke 8 weken vergaderen" in t]
    assert len(warnings) == 1
    assert "na het vorige overleg (do 3 dec 2026 10:00)" in warnings[0]
    await bot.advance(timedelta(weeks=3))  # four weeks without a confirmation: it no longer counts
    warnings = [t for t in bot.posted_to("@anna") if "moet minstens elke 8 weken vergaderen" in t]
    assert len(warnings) == 2
    assert "vanaf nu" in warnings[1]
    assert not [m for m in [_meeting_at(bot, DEC_3)] if m.status == MeetingStatus.gehouden]
    with bot.session() as s:
        assert s.exec(select(AgendaItem)).all() == []


async def test_an_agendapunt_that_looks_like_personal_data_waits_for_toch_opslaan(bot: TalkingBot) -> None:
    before = table_counts(bot.bot.engine)
    question = await bot.say("/overleg agendapunt Bewoner belt steeds vanaf 06-12345678", as_="piet")
    assert question.startswith("Uw agendapunt lijkt")
    assert "nog niets opgeslagen" in question
    assert table_counts(bot.bot.engine) == before
    keep = bot.last[0].buttons[0]
    assert keep.label == "Toch opslaan"
    reply = await bot.say(button_command(keep.action, keep.value) or "", as_="piet")
    assert reply.startswith("Agendapunt toegevoegd aan het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026")
    with bot.session() as s:
        assert [i.text for i in s.exec(select(AgendaItem)).all()] == ["Bewoner belt steeds vanaf 06-12345678"]


LIFECYCLE_SCRIPT = """\
:as piet
/overleg agendapunt Overlast Vlietkade bespreken gast @karin
/afmelden volgende op cursus
:as anna
/overleg verplaats 3 december naar 10 december 14:00
/overleg afzeggen 28 januari te weinig punten
/overleg plan 1 februari 10:00 elke 6 weken
/overleg lijst
"""


def test_the_lifecycle_in_the_console(db_url: str) -> None:
    from tests.test_console import run_console

    result = run_console(db_url, LIFECYCLE_SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[@karin] U bent uitgenodigd voor het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00" in out
    assert "[@piet] Het overleg van Leefbaarheidsteam Bolnes is verplaatst van do 3 dec 2026 10:00 naar" in out
    assert "[@karin] Het overleg van Leefbaarheidsteam Bolnes is verplaatst" in out
    assert "Overleg van Leefbaarheidsteam Bolnes op do 28 jan 2027 10:00 afgezegd." in out
    # the new series asks, with the command its button stands for; nothing was replaced
    assert "[Vervangen: /overleg plan bevestig 6 1 01-02-2027 10:00 elke 6 weken]" in out
    listing = out.split("Geplande overleggen van Leefbaarheidsteam Bolnes:")[1]
    assert "do 10 dec 2026 14:00" in listing
    assert "do 25 mrt 2027 10:00" in listing
