"""Every bad input gets one clear Dutch sentence, and nothing is stored."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from storage.models import Actiepunt, Attendance, Bijeenkomst, Meeting, OutboxMessage, Signaal, Wijziging
from tests.support.talk import TalkingBot

TABLES = (Signaal, Actiepunt, Wijziging, Attendance, Bijeenkomst, Meeting, OutboxMessage)


def snapshot(bot: TalkingBot) -> dict[str, int]:
    with Session(bot.bot.engine) as s:
        return {t.__name__: int(s.exec(select(func.count()).select_from(t)).one()) for t in TABLES}


async def seed_items(bot: TalkingBot) -> None:
    await bot.say("/signaal Kapotte lantaarnpaal Dillenburgplein #openbare-ruimte")
    await bot.say("/actie Lantaarnpaal laten maken @piet vrijdag")
    await bot.say("/signaal Fietsen op de stoep #woonomgeving", as_="ingrid", in_="lbt-oost")
    await bot.say("/actie Fietsen laten weghalen @mehmet vrijdag", as_="ingrid", in_="lbt-oost")


BAD = [
    ("/signaal", "Wat wilt u melden?"),
    ("/signaal    #jeugd", "De tekst van het signaal is leeg"),
    ("/signaal Iets #onzin", "#onzin is geen categorie"),
    ("/signaal " + "x" * 5000, "is te lang ("),
    ("/signaal S-99", "Signaal S-99 bestaat niet"),
    ("/signaal S-1 actie Bellen @nobody vrijdag", "Ik ken @nobody niet. In Leefbaarheidsteam Bolnes zitten: @anna"),
    ("/signaal S-1 verplaats", "Wat wilt u met S-1 doen?"),
    ("/actie", "Wat moet er gebeuren, door wie?"),
    ("/actie Iets regelen zonder eigenaar", "Wie is de eigenaar?"),
    ("/actie @piet vrijdag", "De tekst van het actiepunt is leeg"),
    ("/actie Bellen @nobody vrijdag", "Ik ken @nobody niet."),
    ("/actie Bellen @piet blablabla", "Ik begrijp de deadline 'blablabla' niet"),
    ("/actie Bellen @piet 1 januari 2020", "ligt in het verleden"),
    ("/actie " + "y" * 5000 + " @piet vrijdag", "is te lang ("),
    ("/actie gedaan A-99", "Actiepunt A-99 bestaat niet"),
    ("/actie gedaan", "Welk actiepunt?"),
    ("/actie gedaan S-1", "S-1 hoort bij /signaal"),
    ("/actie verplaats A-1 gisteren", "ligt in het verleden"),
    ("/actie verplaats A-1 ooit", "Ik begrijp de deadline 'ooit' niet"),
    ("/actie overdragen A-1 @nobody", "Ik ken @nobody niet."),
    ("/actie overdragen A-1 @piet", "@piet is al eigenaar van A-1."),
    ("/actie vervallen A-1", "Geef een reden"),
    ("/actie lijst iets", "Schrijf /actie lijst gevolgd door"),
    # another team's items
    ("/actie gedaan A-2", "A-2 hoort bij Leefbaarheidsteam Oost; u kunt alleen items van uw eigen groep bekijken."),
    ("/signaal S-2 sluit", "S-2 hoort bij Leefbaarheidsteam Oost; u kunt alleen items van uw eigen groep bekijken."),
    ("/actie A-2", "A-2 hoort bij Leefbaarheidsteam Oost; u kunt alleen items van uw eigen groep bekijken."),
    ("/overleg plan morgen", "Hoe laat?"),
    ("/overleg plan gisteren 10:00", "ligt in het verleden"),
    ("/overleg plan 3 januari 10:00 elke 12 weken", "minstens elke 8 weken"),
    ("/overleg plan banaan", "Ik begrijp 'banaan' niet"),
    ("/afmelden 25 december ziek", "heeft geen overleg op 25-12-2026"),
    ("/bijeenkomst Bewonersavond", "Begin met de datum"),
    ("/bijeenkomst 14 januari " + "z" * 600, "De omschrijving is te lang (600 tekens); houd het onder 500 tekens."),
    ("/afmelden volgende " + "r" * 600, "De reden is te lang (600 tekens); houd het onder 500 tekens."),
    ("/bijeenkomst 1 januari 2020 19:30 Bewonersavond", "ligt in het verleden"),
    ("/bestaatniet", "/bestaatniet ken ik niet"),
    ("geen commando", "Ik reageer op commando's die met / beginnen"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[b[0][:40] for b in BAD])
async def test_bad_input_gives_one_dutch_sentence_and_stores_nothing(bot: TalkingBot, text: str, expected: str) -> None:
    await seed_items(bot)
    before = snapshot(bot)
    reply = await bot.say(text)
    assert expected in reply
    assert len(bot.last) == 1
    assert bot.last[0].private
    assert "Traceback" not in reply
    assert "\n" not in reply
    assert snapshot(bot) == before


async def test_unknown_channel_and_unknown_person_are_explained(bot: TalkingBot) -> None:
    before = snapshot(bot)
    assert "hoort niet bij een team of groep" in await bot.say("/signaal Iets", in_="random")
    assert "staat nog niet in de configuratie" in await bot.say("/signaal Iets", as_="onbekend")
    assert snapshot(bot) == before


async def test_regiegroep_reads_a_team_item_but_cannot_change_it(bot: TalkingBot) -> None:
    await seed_items(bot)
    shown = await bot.say("/actie A-1", as_="monique", in_="regiegroep")
    assert "A-1 Lantaarnpaal laten maken" in shown
    refused = await bot.say("/actie gedaan A-1", as_="monique", in_="regiegroep")
    assert refused == "A-1 hoort bij Leefbaarheidsteam Bolnes; wijzigen kan alleen in #lbt-bolnes."
    refused = await bot.say("/actie gedaan A-1", as_="monique", in_="lbt-bolnes")
    assert refused == "Alleen leden van Leefbaarheidsteam Bolnes kunnen items van deze groep wijzigen."
    with Session(bot.bot.engine) as s:
        assert s.exec(select(Actiepunt.status).where(Actiepunt.id == 1)).one() == "open"


async def test_non_member_cannot_record_in_a_team_channel(bot: TalkingBot) -> None:
    reply = await bot.say("/signaal Iets gezien", as_="mehmet", in_="lbt-bolnes")
    assert reply.startswith("Alleen leden van Leefbaarheidsteam Bolnes kunnen hier iets vastleggen")
    assert snapshot(bot)["Signaal"] == 0
