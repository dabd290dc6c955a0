"""What a user reads: Dutch labels, never a stored code; counts with the right noun; the right year."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.format import LABELS, change_label, label, noun, plural
from storage.models import ActieStatus, AttendanceStatus, MeetingStatus, SignaalStatus
from tests.support.talk import TalkingBot

# Codes that must never reach a reader: enum values with an underscore, "status: <code>",
# "(en)"-style plurals, a norm of nothing, and placeholders instead of a real reference.
RAW = re.compile(
    r"in_behandeling|status: |\((?:en|s)\)|minstens 0\b|\b[AS]-\.\.|\b[A-Z]-<|\(actie\)|"
    r"\b1 (?:signalen|actiepunten|dagen|overleggen|bijeenkomsten|meldingen)\b|"
    r"\b(?:[02-9]|\d\d+) (?:signaal|actiepunt|dag|overleg|bijeenkomst|melding)\b(?! van)|beeindigd"
)
UNDERSCORE_WORD = re.compile(r"(?<![/\w.-])[a-z]+_[a-z_]+\b")


@pytest.fixture(autouse=True)
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "uitvoer"
    monkeypatch.setenv("WIJKBOT_OUTPUT_DIR", str(out))
    return out


def test_every_status_of_every_model_has_a_dutch_label() -> None:
    for kind, enum in (
        ("signaal", SignaalStatus),
        ("actiepunt", ActieStatus),
        ("overleg", MeetingStatus),
        ("aanwezigheid", AttendanceStatus),
    ):
        assert {e.value for e in enum} <= set(LABELS[kind]), kind
        for value in enum:
            assert "_" not in label(kind, value)
    assert label("signaal", "in_behandeling") == "in behandeling"
    assert label("signaal", "actie") == "actie uitgezet"
    assert change_label("signaal", "status: in_behandeling") == "opgepakt (in behandeling)"
    assert change_label("actiepunt", "status: open") == "heropend"
    assert change_label("signaal", "status: iets_nieuws") == "iets nieuws"  # never the raw code


def test_counts_say_one_signaal_and_two_signalen() -> None:
    assert plural(1, "signaal") == "1 signaal"
    assert plural(2, "signaal") == "2 signalen"
    assert plural(0, "open signaal") == "0 open signalen"
    assert plural(1, "actiepunt") == "1 actiepunt"
    assert plural(3, "actiepunt") == "3 actiepunten"
    assert plural(2, "gepland overleg") == "2 geplande overleggen"
    assert plural(2, "geplande bijeenkomst") == "2 geplande bijeenkomsten"
    assert noun(1, "open actiepunt") == "open actiepunt"


async def _session(bot: TalkingBot) -> list[str]:
    """A scripted week of a team, with every status and change; returns all that anyone read."""
    said: list[str] = []

    async def say(text: str, **kw: str) -> str:
        reply = await bot.say(text, **kw)
        said.append(f"> {text}\n{reply}")
        return reply

    await say("/rapportage")  # before the team's first meeting: no meeting is required yet
    await say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    await say("/signaal Kapotte lantaarnpaal Dillenburgplein #openbare-ruimte")
    await say("/signaal S-1 oppakken")
    await say("/signaal S-1 oppakken")
    await say("/signaal lijst")
    await say("/signaal S-1")
    await say("/signaal S-1 actie Gesprek met de jongeren @piet morgen")
    await say("/signaal S-1")
    await say("/signaal S-1 oppakken")
    await say("/signaal lijst alle")
    await say("/signaal S-2 sluit gerepareerd")
    await say("/signaal S-2")
    await say("/signaal S-2 heropen")
    await say("/signaal S-2")
    await say("/actie Buurtbrief schrijven @fatima vrijdag")
    await say("/actie Enige actie @marieke 1 december")
    await say("/actie gedaan A-2 verstuurd", as_="fatima")
    await say("/actie gedaan A-2", as_="fatima")
    await say("/actie verplaats A-2 volgende week")
    await say("/actie overdragen A-2 @piet")
    await say("/actie heropen A-2")
    await say("/actie vervallen A-3 niet meer nodig")
    await say("/actie vervallen A-3 toch niet")
    await say("/actie A-2")
    await say("/actie A-3")
    await say("/actie lijst alle")
    await say("/actie lijst mijn")
    await say("/actie lijst @piet")
    await say("/actie lijst te-laat")
    await say("/signaal export")
    await say("/actie export")
    await say("/overleg")
    await say("/overleg lijst")
    await say("/overleg agenda")
    await say("/afmelden volgende op cursus", as_="marieke")
    await say("/overleg kom", as_="piet")
    await say("/bijeenkomst 14 januari 19:30 Bewonersavond in De Fakkel")
    await say("/bijeenkomst lijst")
    await say("/help")
    await bot.advance(timedelta(days=11))  # past the meeting of 3 December: reminders, nudges, attendance
    await say("/overleg aanwezig 3 december @anna @piet")
    await bot.advance(timedelta(days=16))  # the overdue DMs and, after 14 days, the chair
    await say("/actie lijst")
    await say("/rapportage")
    said += [f"[{p.destination}] {p.text}" for p in bot.recorder.posted]
    return said


async def test_no_reply_or_message_of_a_scripted_session_shows_a_raw_code(bot: TalkingBot) -> None:
    said = await _session(bot)
    text = "\n".join(said)
    Path("/tmp/labels/session.txt").write_text(text) if Path("/tmp/labels").is_dir() else None
    assert not RAW.findall(text), sorted(set(RAW.findall(text)))
    codes = set(UNDERSCORE_WORD.findall(text))
    assert not codes, codes


# --- dates with the right year ------------------------------------------------------------------


def test_a_day_without_a_year_for_attendance_is_the_most_recent_one() -> None:
    from datetime import datetime

    from handlers.dates import parse_when_past
    from tests.conftest import NOW, TZ

    def past(text: str, now: datetime = NOW) -> tuple[int, int, int] | None:
        got = parse_when_past(text, now=now, tz=TZ, end_of_day=False)
        return (got.year, got.month, got.day) if got else None

    assert past("4 december") == (2025, 12, 4)  # said on 23 November 2026
    assert past("23 november") == (2026, 11, 23)  # today counts
    assert past("4-12") == (2025, 12, 4)
    assert past("4 december 2026") == (2026, 12, 4)  # a year is kept as written
    assert past("4-12-2026") == (2026, 12, 4)
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=TZ)
    assert past("donderdag", friday) == (2026, 12, 3)
    assert past("vrijdag", friday) == (2026, 12, 4)
    assert past("over twee weken") == (2026, 12, 7)  # not a day of the month or week: as parse_when
    assert past("29 februari", datetime(2028, 3, 1, 9, 0, tzinfo=TZ)) == (2028, 2, 29)
    assert past("geen datum") is None


async def test_aanwezig_on_a_day_without_a_meeting_names_the_coming_day_and_the_next_meeting(bot: TalkingBot) -> None:
    reply = await bot.say("/overleg aanwezig 4 december @anna")  # on 23 November 2026
    assert "2025" not in reply
    assert reply == (
        "Leefbaarheidsteam Bolnes heeft geen overleg op vr 4 dec 2026; het volgende is op do 3 dec 2026 10:00 "
        "(zie /overleg lijst)."
    )
    reply = await bot.say("/overleg aanwezig 4-12-2026 @anna")
    assert "2025" not in reply
    assert "vr 4 dec 2026" in reply


async def test_aanwezig_before_the_meeting_of_that_day_says_it_has_yet_to_begin(bot: TalkingBot) -> None:
    reply = await bot.say("/overleg aanwezig 3 december @anna")
    assert reply.startswith("Het overleg van do 3 dec 2026 10:00 moet nog beginnen")


async def test_aanwezig_with_a_weekday_means_the_meeting_of_that_day_just_past(bot: TalkingBot) -> None:
    await bot.advance(timedelta(days=11, hours=2))  # Friday 4 December 2026, 11:00
    reply = await bot.say("/overleg aanwezig donderdag @anna @piet")
    assert reply.startswith(
        "Aanwezigheid bij het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00 vastgelegd"
    )


async def test_aanwezig_in_january_for_3_december_is_last_years_meeting(bot: TalkingBot) -> None:
    await bot.advance(timedelta(days=43))  # 5 January 2027
    reply = await bot.say("/overleg aanwezig 3 december alle")
    assert "do 3 dec 2026 10:00 vastgelegd" in reply
    reply = await bot.say("/overleg aanwezig 10 december alle")
    assert reply.startswith("Leefbaarheidsteam Bolnes heeft geen overleg op do 10 dec 2026; het vorige was op")


async def test_help_lists_actie_heropen(bot: TalkingBot) -> None:
    help_text = await bot.say("/help")
    assert "/actie heropen A-12" in help_text
    assert "/signaal S-12 heropen" in help_text
    assert "/signaal S-12 oppakken" in help_text


async def test_erasing_a_chair_says_beeindigd_with_its_diaeresis(bot: TalkingBot, db_url: str) -> None:
    import argparse
    import io

    from bot.privacy_cli import privacy

    out = io.StringIO()
    args = argparse.Namespace(privacy_command="erase", person="anna", yes=True)
    assert privacy(args, db_url=db_url, config_path=None, stdout=out) == 0
    assert "voorzitterschappen beëindigd: 1" in out.getvalue()
    assert "beeindigd" not in out.getvalue()
