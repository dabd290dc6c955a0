"""The half-yearly voortgangsrapportage: drafted from the data, completed by the chair, posted (§3.1.1)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from sqlmodel import select

from handlers.reports.periods import HalfYear, parse_half_year
from storage.models import OutboxMessage, Person, Signaal, Voortgangsrapportage
from tests.support.talk import TalkingBot

CHAIR_TEXT = "De buurttent is gehouden en het verwarmfeestje is gepland; het jaarplan loopt op schema."


async def seed(bot: TalkingBot) -> None:
    await bot.say("/signaal Hangjongeren bij de Vlietkade, scooters tot laat #jeugd")
    await bot.say("/signaal Zwerfvuil rond de containers aan de Kerkweg #woonomgeving")
    await bot.say("/signaal S-1 actie Gesprek met de jongeren @piet vrijdag")
    await bot.say("/bijeenkomst 10 december 19:30 Buurttent op het Dorpsplein")
    await bot.advance(timedelta(days=14))
    await bot.say("/overleg aanwezig 3-12-2026 alle")  # the meeting of 3 December counts once confirmed
    await bot.say("/actie gedaan A-1 gesprek gevoerd", as_="piet")
    await bot.advance(timedelta(days=7))  # Monday 14 December


async def test_half_year_report_is_drafted_completed_posted_with_chart_and_pdf(
    bot: TalkingBot, output_dir: Path
) -> None:
    await seed(bot)
    draft = await bot.say("/rapportage")
    assert draft.startswith("Voortgangsrapportage Leefbaarheidsteam Bolnes, 2026-H2 (juli – december 2026)")
    assert "• Nieuwe signalen: 2 (jeugd 1, woonomgeving 1)" in draft
    assert "• Nieuw: 1, gedaan: 1, open aan het eind: 0, waarvan te laat: 0" in draft
    assert "• Deadline in deze periode: 1, daarvan niet op tijd gedaan: 1" in draft
    assert "• Mediane tijd van actie tot gedaan: 14 dagen" in draft
    assert "• Gehouden: 1 (norm: minstens 1, elke 8 weken)" in draft
    assert "• Participatiebijeenkomsten in deze periode: 1; in 2026 tot nu: 1 van de minstens 2" in draft
    # drafted from the plan; the chair's text is optional on top, not a blank box
    assert "• Jaarplan 2026 heeft geen activiteiten." in draft
    assert "Toelichting van de voorzitter (niet verplicht): /rapportage 2026-H2 tekst …" in draft
    with bot.session() as s:
        row = s.exec(select(Voortgangsrapportage)).one()
    assert row.period == "2026-H2"
    assert row.chair_text is None
    assert row.posted_at is None

    refused = await bot.say(f"/rapportage tekst {CHAIR_TEXT}", as_="piet")
    assert refused == "Alleen de voorzitter van Leefbaarheidsteam Bolnes kan de voortgangsrapportage afronden."
    assert "opgeslagen" in await bot.say(f"/rapportage tekst {CHAIR_TEXT}")
    assert "Klaar om te versturen: /rapportage 2026-H2 verstuur" in await bot.say("/rapportage 2026-H2")

    sent = await bot.say("/rapportage verstuur")
    assert sent.startswith("Voortgangsrapportage 2026-H2 van Leefbaarheidsteam Bolnes verstuurd naar #regiegroep.")
    png = Path(re.search(r"Grafiek: (\S+)", sent).group(1))  # type: ignore[union-attr]
    pdf = Path(re.search(r"PDF: (\S+)", sent).group(1))  # type: ignore[union-attr]
    assert png.parent == pdf.parent == output_dir.resolve()

    posted = [t for t in bot.posted_to("#regiegroep") if t.startswith("Voortgangsrapportage")]
    assert len(posted) == 1
    assert CHAIR_TEXT in posted[0]
    assert "Klaar om te versturen" not in posted[0]
    with bot.session() as s:
        names = [p.name for p in s.exec(select(Person)).all()]
        sig_texts = [sig.text for sig in s.exec(select(Signaal)).all()]
        msg = s.exec(select(OutboxMessage).where(OutboxMessage.text.startswith("Voortgangsrapportage"))).one()
        row = s.exec(select(Voortgangsrapportage)).one()
    assert not any(n in posted[0] for n in names)
    assert not any(t in posted[0] for t in sig_texts)
    assert json.loads(msg.payload)["files"] == [str(png), str(pdf)]
    assert row.posted_at is not None
    assert row.completed_at is not None
    assert row.chair_text == CHAIR_TEXT

    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size[0] >= 600
        assert image.size[1] >= 500
    assert png.stat().st_size > 10_000
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2  # the report, then the chart
    pdf_text = " ".join(reader.pages[0].extract_text().split())
    assert "Voortgangsrapportage Leefbaarheidsteam Bolnes" in pdf_text
    assert "verwarmfeestje" in pdf_text
    assert reader.pages[-1].images  # the chart

    again = await bot.say("/rapportage 2026-H2 verstuur")
    assert again.startswith("De rapportage 2026-H2 is al verstuurd op ma 14 dec 2026 09:00. Iets verbeterd?")
    assert len([t for t in bot.posted_to("#regiegroep") if t.startswith("Voortgangsrapportage")]) == 1


async def test_rapportage_refuses_unknown_words_future_periods_and_non_team_channels(bot: TalkingBot) -> None:
    assert "begrijp ik niet" in await bot.say("/rapportage banaan")
    meant = "Bedoelt u /rapportage verstuur? Schrijf: /rapportage [2026-H2] verstuur."
    assert await bot.say("/rapportage verstuhr") == meant
    # an alias is the subcommand itself: "versturen" is verstuur, which waits for the half year's last month
    assert "kan pas vanaf di 1 dec 2026 verstuurd worden" in await bot.say("/rapportage versturen")
    assert "nog niet begonnen" in await bot.say("/rapportage 2027-H2")
    assert "per leefbaarheidsteam" in await bot.say("/rapportage", as_="monique", in_="regiegroep")


def test_half_years_are_parsed_and_labelled() -> None:
    assert parse_half_year("2026-H2") == HalfYear(2026, 2)
    assert parse_half_year("2027h1") == HalfYear(2027, 1)
    assert parse_half_year("2026-H3") is None
    assert HalfYear(2027, 1).title() == "januari – juni 2027"
    assert HalfYear(2027, 1).previous() == HalfYear(2026, 2)


async def test_what_was_written_just_before_the_report_at_the_same_moment_is_in_it(bot: TalkingBot) -> None:
    # the console's clock stands still between commands: the note, the actiepunt and the signaal
    # have the very moment of the report as their time (found by the year walk, tests/test_covenant_year.py)
    await bot.say("/jaarplan toevoegen Buurtschouw Vlietkade @piet periode Q2")
    await bot.say("/jaarplan J-1 voortgang eerste schouw gehouden")
    await bot.say("/actie Schouwverslag rondsturen @piet vrijdag bij J-1")
    await bot.say("/signaal Losliggende stoeptegels Vlietkade #woonomgeving")
    draft = await bot.say("/rapportage")
    assert "• Jaarplan 2026: 1 activiteit, 0 klaar, 1 open, 0 vervallen; 1 voortgangsnotitie in dit halfjaar" in draft
    assert "   voortgang: ma 23 nov 2026: eerste schouw gehouden\n   gekoppeld: A-1 (open)" in draft
    assert "• Nieuwe signalen: 1 (woonomgeving 1)" in draft
    assert "• Nieuw: 1, gedaan: 0, open aan het eind: 1, waarvan te laat: 0" in draft
