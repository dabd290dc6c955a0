"""/initiatief, /verzoek and /budget through the router: the phases per kind, the contact person (a guest,
from a direct chat), public and internal notes, the caps, triage, retention; bad input stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from storage.config import RetentionConfig
from storage.db import transaction
from storage.models import Initiatief, InitiatiefNotitie, JaarplanItem, Wijziging
from storage.retention import ANONYMISED, apply_retention
from tests.conftest import NOW
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot


@pytest.fixture
async def waalwijk(db_url: str) -> AsyncIterator[TalkingBot]:
    """Kees, coördinator (a resident) of Buurtpreventieteam Noord; the partners are guests."""
    tb = TalkingBot(db_url, NOW.replace(year=2027, month=2, day=1), config="config/waalwijk.toml")
    tb.person, tb.channel = "kees", "bpt-noord"
    yield tb
    tb.bot.engine.dispose()


async def initiative_at_besluit(bot: TalkingBot, text: str) -> None:
    await bot.say(text)
    for fase in ("gesprek", "principebesluit", "plan", "besluit"):
        assert "is nu in de fase" in await bot.say(f"/initiatief I-1 fase {fase}")


BAD = [
    ("/initiatief", "Wat is het initiatief?"),
    ("/initiatief bedrag €800", "De omschrijving van het initiatief is leeg"),
    ("/initiatief Straatfeest bedrag", "Schrijf het bedrag met een euroteken"),
    ("/initiatief Straatfeest €0", "meer dan € 0"),
    ("/initiatief Straatfeest €800 en een tent €300", "Noem één bedrag"),
    ("/initiatief Straatfeest €5.000.000", "meer dan een wijkbudget"),
    ("/initiatief Straatfeest @@Nergens", "heeft geen buurten of kernen"),
    ("/verzoek", "Wat is het verzoek?"),
    ("/initiatief I-9", "I-9 bestaat niet"),
    ("/initiatief I-1 fase onzin", "Welke fase? Schrijf /initiatief I-1 fase gesprek of afgewezen"),
    ("/initiatief I-1 fase besluit", "I-1 staat in de fase aangemeld; de volgende is gesprek of afgewezen"),
    ("/initiatief I-1 toekennen €800", "Toekennen kan pas na een positief besluit"),
    ("/initiatief I-1 toekennen veel", "Schrijf het bedrag zo: €800"),
    ("/initiatief I-1 contact piet", "Schrijf /initiatief I-1 contact @persoon"),
    ("/initiatief I-1 contact @nobody", "Ik ken @nobody niet."),
    ("/initiatief I-1 contact @kevin", "@kevin is geen lid of gast van Leefbaarheidsteam Bolnes"),
    ("/initiatief I-1 trede faciliteren", "De trede wordt gekozen na het oriënterend gesprek"),
    ("/initiatief I-1 trede alles", "Kies een trede van de participatietrap"),
    ("/initiatief I-1 soort klacht", "Schrijf /initiatief I-1 soort verzoek, beleidswens of initiatief"),
    ("/initiatief I-1 notitie", "Schrijf de notitie erachter"),
    ("/initiatief I-1 schaal groot", "Schrijf /initiatief I-1 schaal wijk"),
    ("/initiatief S-1 fase gesprek", "S-1 hoort bij /signaal"),
    ("/budget Atlantis", "Atlantis is geen wijk; kies uit Bolnes"),
]


@pytest.mark.parametrize(("command", "expected"), BAD, ids=[c for c, _ in BAD])
async def test_bad_input_gets_one_dutch_sentence_and_stores_nothing(
    bot: TalkingBot, command: str, expected: str
) -> None:
    await bot.say("/initiatief Straatfeest in de Lindelaan bedrag €800")
    before = table_counts(bot.bot.engine)
    reply = await bot.say(command)
    assert expected in reply, reply
    assert len(bot.last) == 1
    assert bot.last[0].private
    assert bot.last[0].extra.get("error") == "user"
    assert "\n" not in reply
    assert table_counts(bot.bot.engine) == before


async def test_a_refused_grant_stores_nothing_and_cites_the_rule_for_the_whole_wijk(bot: TalkingBot) -> None:
    await initiative_at_besluit(bot, "/initiatief Bolnes-brede buurtdag bedrag €2.500")
    before = table_counts(bot.bot.engine)
    refused = await bot.say("/initiatief I-1 toekennen €2.500")
    assert "€ 2.500,00 kan niet: maximaal € 2.000,00 voor een initiatief voor de hele wijk" in refused
    assert table_counts(bot.bot.engine) == before
    assert "€ 2.000,00 toegekend aan I-1" in await bot.say("/initiatief I-1 toekennen €2.000")
    # a second grant replaces the first: the check leaves out what this one had
    assert "€ 1.500,00 toegekend aan I-1" in await bot.say("/initiatief I-1 toekennen € 1.500,00")
    assert "• Toegekend: € 1.500,00 (1 initiatief)" in await bot.say("/budget")


async def test_the_chair_hears_of_every_new_one_and_the_initiator_gets_public_notes_only(bot: TalkingBot) -> None:
    reply = await bot.say("/initiatief Moestuin achter het buurthuis €450", as_="piet")
    assert "Initiatief I-1 vastgelegd" in reply
    assert "gevraagd € 450,00" in reply
    assert any(t.startswith("Nieuw initiatief I-1 voor Leefbaarheidsteam Bolnes") for t in bot.posted_to("@anna"))
    await bot.say("/initiatief I-1 contact @fatima")
    await bot.say("/initiatief I-1 notitie Fatima twijfelt aan het draagvlak")
    await bot.say("/initiatief I-1 fase gesprek We plannen een gesprek in mei")
    to_piet = "\n".join(bot.posted_to("@piet"))
    assert "We plannen een gesprek in mei" in to_piet
    assert "Fatima Benali" in to_piet
    assert "twijfelt" not in to_piet
    shown = await bot.say("/initiatief I-1")
    assert "intern, oriënterend gesprek" not in shown  # the note was written before the gesprek
    assert "intern, aangemeld: Fatima twijfelt aan het draagvlak" in shown
    assert "openbaar, oriënterend gesprek: We plannen een gesprek in mei" in shown
    assert "Checklist oriënterend gesprek" in shown
    assert "gegronde redenen" in shown


async def test_a_verzoek_has_the_short_path(bot: TalkingBot) -> None:
    assert "Verzoek I-1 vastgelegd" in await bot.say("/verzoek Een extra bankje bij de speeltuin")
    assert "de volgende is in-behandeling of afgewezen" in await bot.say("/initiatief I-1 fase gesprek")
    assert "in behandeling" in await bot.say("/initiatief I-1 fase in-behandeling")
    assert "afgerond" in await bot.say("/initiatief I-1 fase afgerond Het bankje staat er")
    assert "er valt niets meer aan te veranderen" in await bot.say("/initiatief I-1 fase afgewezen")
    assert "Geen lopende verzoeken en initiatieven" in await bot.say("/initiatief lijst")
    assert "I-1 [verzoek] Een extra bankje" in await bot.say("/initiatief lijst alle")


async def test_a_beleidswens_goes_to_the_jaarplan_and_is_not_paid_from_the_initiative_budget(bot: TalkingBot) -> None:
    await bot.say("/initiatief Een nieuwe speeltuin voor de hele wijk bedrag €40.000")
    assert "is nu een beleidswens" in await bot.say("/initiatief I-1 soort beleidswens")
    await bot.say("/initiatief I-1 fase gesprek")
    assert "niet uit het budget voor inwonerinitiatieven" in await bot.say("/initiatief I-1 toekennen €1.000")
    moved = await bot.say("/initiatief I-1 fase jaarplan Het komt in het jaarplan van 2027")
    assert "naar de jaarplan" in moved
    assert "Het staat nu als J-1 in de jaarplan" in moved
    with bot.session() as s:
        ini = s.get(Initiatief, 1)
        assert ini is not None
        assert ini.fase == "jaarplan"
        assert ini.closed_at is not None
        item = s.get(JaarplanItem, 1)
        assert item is not None
        assert item.group_id == ini.group_id
        assert item.activiteit == "Een nieuwe speeltuin voor de hele wijk (beleidswens I-1)"
        assert item.budget_cents == 4_000_000
        assert item.status == "open"
    assert "J-1 Een nieuwe speeltuin voor de hele wijk (beleidswens I-1)" in await bot.say("/jaarplan")


async def test_the_contact_person_a_guest_sees_and_moves_it_from_a_direct_chat(waalwijk: TalkingBot) -> None:
    await waalwijk.say("/initiatief Zwerfafvalprikactie in de Akkerlaan bedrag €250 @@Akkerlaan")
    assert "Bas Kuijpers (@bas) is de contactpersoon van I-1" in await waalwijk.say("/initiatief I-1 contact @bas")
    assert "in een direct gesprek" in waalwijk.posted_to("@bas")[-1]
    shown = await waalwijk.say("/initiatief I-1", as_="bas", in_="@bas")
    assert "I-1 [initiatief] Zwerfafvalprikactie" in shown
    assert "voor een straat of plek" in shown
    assert "I-1 [initiatief]" in await waalwijk.say("/initiatief lijst mijn", as_="bas", in_="@bas")
    assert "oriënterend gesprek" in await waalwijk.say("/initiatief I-1 fase gesprek Ik bel u", as_="bas", in_="@bas")
    told = waalwijk.posted_to("@kees")[-1]
    assert "Ik bel u" in told
    assert "Bas Kuijpers (wijkagent, Politie Midden- en West-Brabant)" in told
    # another guest of the team who is not its contact person may read it (he oversees the team) but not move it
    refused = await waalwijk.say("/initiatief I-1 fase afgewezen", as_="ruud", in_="@ruud")
    assert refused == "Alleen leden van Buurtpreventieteam Noord kunnen items van deze groep wijzigen."
    # the waarderingssubsidie: at most € 300 (seed 002)
    for fase in ("principebesluit", "plan", "besluit"):
        await waalwijk.say(f"/initiatief I-1 fase {fase}", as_="bas", in_="@bas")
    assert "maximaal € 300,00 voor een straat of plek" in await waalwijk.say("/initiatief I-1 toekennen €350")
    assert "€ 250,00 toegekend aan I-1" in await waalwijk.say("/initiatief I-1 toekennen €250")


async def test_triage_for_partners_names_every_route_from_the_configuration(bot: TalkingBot) -> None:
    text = await bot.say("/initiatief triage")
    assert "https://www.ridderkerk.nl/melding-openbare-ruimte" in text
    assert "https://www.ridderkerk.nl/klachten" in text
    assert "https://www.ridderkerk.nl/buurtbemiddeling" in text
    assert "/verzoek <omschrijving>" in text
    assert "soort beleidswens" in text
    assert "wijkregisseur" in text


async def test_a_closed_initiative_loses_its_personal_data_after_the_retention_period(bot: TalkingBot) -> None:
    await bot.say("/initiatief Straatfeest bij Jansen op nummer 4 bedrag €300")
    await bot.say("/initiatief I-1 contact @piet")
    await bot.say("/initiatief I-1 notitie Jansen belt vaak")
    await bot.say("/initiatief I-1 fase afgewezen Helaas past het niet binnen de regels")
    policy = RetentionConfig()
    with transaction(bot.bot.engine) as s:
        assert apply_retention(s, policy, now=NOW + timedelta(days=300))["initiatieven_geanonimiseerd"] == 0
    with transaction(bot.bot.engine) as s:
        assert apply_retention(s, policy, now=NOW + timedelta(days=750))["initiatieven_geanonimiseerd"] == 1
    with bot.session() as s:
        ini = s.get(Initiatief, 1)
        assert ini is not None
        assert ini.text == ANONYMISED
        assert ini.contact_id is None
        assert ini.initiator_id is None
        assert ini.requested_cents == 30000
        assert ini.fase == "afgewezen"
        assert s.exec(select(InitiatiefNotitie)).all() == []
        details = [w.detail for w in s.exec(select(Wijziging).where(Wijziging.item_type == "initiatief")).all()]
        assert not any("piet" in d for d in details)
    with transaction(bot.bot.engine) as s:
        assert apply_retention(s, policy, now=NOW + timedelta(days=760))["initiatieven_geanonimiseerd"] == 0


async def test_the_rapportage_and_the_weekly_digest_show_spending_per_wijk(bot: TalkingBot) -> None:
    await initiative_at_besluit(bot, "/initiatief Buurtdag voor heel Bolnes bedrag €600")
    await bot.say("/initiatief I-1 toekennen €600")
    line = (
        "• Wijkbudget 2026 Bolnes: voor inwonerinitiatieven € 5.000,00; toegekend € 600,00 (1 initiatief), "
        "besteed € 600,00, over € 4.400,00"
    )
    report = await bot.say("/rapportage")
    assert "Wijkbudget (inwonerinitiatieven):" in report
    assert line in report.splitlines()
    await bot.advance(timedelta(days=7))  # the digest on Monday 08:00 (config/ridderkerk.toml)
    digest = [t for t in bot.posted_to("#regiegroep") if t.startswith("Weekoverzicht")]
    assert digest
    assert line in digest[-1].splitlines()


async def test_the_privacy_export_holds_a_persons_initiatives_and_their_notes(bot: TalkingBot) -> None:
    await bot.say("/initiatief Moestuin achter het buurthuis", as_="piet")
    await bot.say("/initiatief I-1 contact @fatima")
    await bot.say("/initiatief I-1 notitie Piet heeft al een plek gevonden")
    with bot.session() as s:
        from storage.models import Person
        from storage.privacy import export_person

        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        fatima = s.exec(select(Person).where(Person.key == "fatima")).one()
        mine = export_person(s, piet)
        assert [i["text"] for i in mine["initiatieven_ingediend"]] == ["Moestuin achter het buurthuis"]
        assert [n["text"] for n in mine["notities_bij_eigen_initiatieven"]] == ["Piet heeft al een plek gevonden"]
        assert [i["id"] for i in export_person(s, fatima)["initiatieven_als_contactpersoon"]] == [1]
