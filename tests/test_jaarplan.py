"""The jaarplan (J-items) as a team uses it: made in January, kept during the year, reported in June,
evaluated in Q4 and carried into the next year (covenant §3.1.1; seed 004 §3.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.base import UserError
from handlers.jaarplan import parse_budget
from storage.db import transaction
from storage.models import Actiepunt, JaarplanItem, Person, Wijziging
from storage.privacy import erase_person, export_person
from tests.conftest import TZ
from tests.privacy.dbstate import find_in_database, table_counts
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parent.parent
ROERMOND = str(ROOT / "config" / "roermond.toml")
JANUARY = datetime(2027, 1, 4, 9, 0, tzinfo=TZ)  # a Monday; Bolnes meets on 28 January (every 8 weeks from 3 Dec)


@pytest.fixture(autouse=True)
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "uitvoer"
    monkeypatch.setenv("WIJKBOT_OUTPUT_DIR", str(out))
    return out


@pytest.fixture
async def january(db_url: str) -> AsyncIterator[TalkingBot]:
    tb = TalkingBot(db_url, JANUARY)
    yield tb
    tb.bot.engine.dispose()


async def test_a_year_of_the_jaarplan_from_january_to_the_q4_evaluation(january: TalkingBot, output_dir: Path) -> None:
    bot = january
    assert "heeft nog geen activiteiten" in await bot.say("/jaarplan")
    added = await bot.say(
        "/jaarplan toevoegen Buurtschouw Vlietkade @piet partners Wooncompas, Facet periode Q2 budget €1.500"
    )
    assert added == (
        "J-1 toegevoegd aan Jaarplan 2027 van Leefbaarheidsteam Bolnes: Buurtschouw Vlietkade. Trekker @piet; "
        "partners: Wooncompas, Facet; periode: Q2; budget: € 1.500."
    )
    assert "budget: € 1.500,50" in await bot.say("/jaarplan toevoegen Verwarmfeestje @fatima Q4 € 1500,50")
    assert "J-3 toegevoegd" in await bot.say("/jaarplan toevoegen Opschoondag Kerkweg & <Dorpsplein>")
    # the first meeting of the year makes the plan final: the agenda shows it
    agenda = await bot.say("/overleg")
    assert "1. Jaarplan 2027 vaststellen" in agenda
    assert "Jaarplan 2027: 3 activiteiten (3 open, 0 klaar, 0 vervallen)" in agenda
    assert "• J-1 Buurtschouw Vlietkade | trekker @piet | partners Wooncompas, Facet | Q2 | € 1.500 | open" in agenda

    # during the year: progress notes, actiepunten linked to an activity, status changes
    await bot.say("/signaal Losse stoeptegels op de Vlietkade #openbare-ruimte")
    linked = await bot.say("/signaal S-1 actie Schouwroute uitzetten @piet over twee weken")
    assert "A-1" in linked
    made = await bot.say("/actie Bewoners uitnodigen voor de schouw @fatima eind februari bij J-1")
    assert made.startswith("Actiepunt A-2 vastgelegd: Bewoners uitnodigen voor de schouw. Eigenaar @fatima")
    assert made.endswith(", bij J-1.")
    with bot.session() as s:
        assert s.get(Actiepunt, 2).jaarplan_id == 1  # type: ignore[union-attr]
    await bot.advance(datetime(2027, 3, 10, 9, 0, tzinfo=TZ) - JANUARY)
    noted = await bot.say("/jaarplan J-1 voortgang route bekend, 14 bewoners aangemeld", as_="piet")
    assert noted == "Voortgang bij J-1 (Buurtschouw Vlietkade) genoteerd: route bekend, 14 bewoners aangemeld"
    assert await bot.say("/jaarplan J-3 vervallen geen vrijwilligers") == (
        "J-3 vervalt: Opschoondag Kerkweg & <Dorpsplein>. Toelichting: geen vrijwilligers"
    )
    plan = await bot.say("/jaarplan")
    assert plan.startswith("Jaarplan 2027 van Leefbaarheidsteam Bolnes: 3 activiteiten (2 open, 0 klaar, 1 vervallen):")
    assert "   voortgang wo 10 mrt 2027 09:00: route bekend, 14 bewoners aangemeld" in plan
    assert "   actiepunten: A-2 (open)" in plan
    one = await bot.say("/jaarplan J-1")
    assert "Actiepunten:\n  A-2 Bewoners uitnodigen voor de schouw (open)" in one
    assert "voortgang: route bekend, 14 bewoners aangemeld (door Piet Verhoeven)" in one

    # June: the rapportage is drafted from the plan, sent without a blank box to fill in
    await bot.advance(datetime(2027, 6, 2, 9, 0, tzinfo=TZ) - bot.bot.clock.now())
    asked = [t for t in bot.posted_to("@anna") if "voortgangsrapportage" in t]
    assert asked
    assert "/rapportage 2027-H1" in asked[0]
    draft = await bot.say("/rapportage")
    assert draft.startswith("Voortgangsrapportage Leefbaarheidsteam Bolnes, 2027-H1 (januari – juni 2027)")
    assert "• Jaarplan 2027: 3 activiteiten, 0 klaar, 2 open, 1 vervallen; 1 voortgangsnotitie in dit halfjaar" in draft
    assert "• J-1 Buurtschouw Vlietkade | trekker Politie Rotterdam (wijkagent) | Q2 | € 1.500 | open" in draft
    assert "   voortgang: wo 10 mrt 2027: route bekend, 14 bewoners aangemeld" in draft
    assert "   gekoppeld: A-2 (open)" in draft
    sent = await bot.say("/rapportage verstuur")
    assert sent.startswith("Voortgangsrapportage 2027-H1 van Leefbaarheidsteam Bolnes verstuurd naar #regiegroep.")
    [report] = [t for t in bot.posted_to("#regiegroep") if t.startswith("Voortgangsrapportage")]
    assert "J-1 Buurtschouw Vlietkade" in report
    assert "Piet" not in report
    assert "@piet" not in report

    # October: the evaluation prompt shows the plan; next year's plan starts from the open items
    await bot.advance(datetime(2027, 10, 1, 10, 0, tzinfo=TZ) - bot.bot.clock.now())
    [evaluation] = [t for t in bot.posted_to("@anna") if t.startswith("Het laatste kwartaal is begonnen")]
    assert "Jaarplan 2027: 3 activiteiten (2 open, 0 klaar, 1 vervallen)" in evaluation
    assert "• J-1 Buurtschouw Vlietkade" in evaluation
    assert "J-3" not in evaluation
    assert "/jaarplan nieuw-jaar in #lbt-bolnes" in evaluation
    await bot.say("/jaarplan J-2 klaar")
    copied = await bot.say("/jaarplan nieuw-jaar")
    assert copied.startswith("1 open activiteit uit Jaarplan 2027 overgenomen in Jaarplan 2028 van Leefbaarheidsteam")
    assert "(J-1 → J-4)" in copied
    again = await bot.say("/jaarplan nieuw-jaar")
    assert again.startswith("Er zijn geen open activiteiten uit Jaarplan 2027 meer over te nemen")
    assert "• J-4 Buurtschouw Vlietkade | trekker @piet | partners Wooncompas, Facet | € 1.500 | open" in (
        await bot.say("/jaarplan lijst 2028")
    )
    with bot.session() as s:
        history = s.exec(select(Wijziging).where(Wijziging.item_type == "jaarplan", Wijziging.item_id == 2)).all()
    assert [w.action for w in history] == ["aangemaakt", "status: klaar"]
    assert all(w.actor_id is not None for w in history)


@pytest.mark.parametrize(
    ("text", "channel", "person", "expected"),
    [
        ("/jaarplan J-99 voortgang loopt", "lbt-bolnes", "anna", "J-99 bestaat niet; zie /jaarplan"),
        ("/jaarplan J-1 klaar", "lbt-oost", "anna", "J-1 hoort bij Leefbaarheidsteam Bolnes; wijzigen kan alleen"),
        ("/jaarplan J-1", "lbt-oost", "ingrid", "J-1 hoort bij Leefbaarheidsteam Bolnes; u kunt alleen items"),
        ("/jaarplan toevoegen Zomerfeest budget €abc", "lbt-bolnes", "anna", "Het budget 'abc' begrijp ik niet"),
        ("/jaarplan toevoegen Zomerfeest budget €1,5,0", "lbt-bolnes", "anna", "Het budget '1,5,0' begrijp ik niet"),
        ("/jaarplan toevoegen Zomerfeest €", "lbt-bolnes", "anna", "Het budget '(leeg)' begrijp ik niet"),
        ("/jaarplan toevoegen budget €500", "lbt-bolnes", "anna", "De omschrijving van de activiteit is leeg"),
        ("/jaarplan toevoegen Zomerfeest @niemand", "lbt-bolnes", "anna", "Ik ken @niemand niet."),
        ("/jaarplan toevoegen Zomerfeest jaar 2031", "lbt-bolnes", "anna", "dit jaar of volgend jaar"),
        ("/jaarplan toevoegen jaar 2027", "lbt-bolnes", "anna", "De omschrijving van de activiteit is leeg"),
        (
            "/jaarplan toevoegen Zomerfeest",
            "regiegroep",
            "monique",
            "Regiegroep leefbaarheid Ridderkerk werkt niet met een jaarplan",
        ),
        ("/jaarplan", "regiegroep", "monique", "werkt niet met een jaarplan, dus /jaarplan doet hier niets"),
        ("/jaarplan J-1 klaar", "lbt-bolnes", "hans", "Alleen leden van Leefbaarheidsteam Bolnes kunnen items"),
        ("/jaarplan J-1 voortgang", "lbt-bolnes", "anna", "Schrijf de voortgang erachter"),
        ("/jaarplan J-1 heropen", "lbt-bolnes", "anna", "J-1 is al open."),
        ("/jaarplan lijst volgend", "lbt-bolnes", "anna", "Schrijf /jaarplan lijst gevolgd door een jaar"),
        ("/actie Tent huren @piet vrijdag bij J-99", "lbt-bolnes", "anna", "J-99 bestaat niet"),
        ("/actie Tent huren @ingrid vrijdag bij J-1", "lbt-oost", "ingrid", "J-1 hoort bij Leefbaarheidsteam Bolnes"),
        ("/signaal J-1 sluit", "lbt-bolnes", "anna", "J-1 hoort bij /jaarplan; gebruik /jaarplan J-1."),
    ],
)
async def test_bad_input_gets_a_dutch_error_and_stores_nothing(
    bot: TalkingBot, text: str, channel: str, person: str, expected: str
) -> None:
    assert "J-1 toegevoegd" in await bot.say("/jaarplan toevoegen Buurtschouw Vlietkade @piet")
    before = table_counts(bot.bot.engine)
    reply = await bot.say(text, as_=person, in_=channel)
    assert expected in reply, reply
    assert bot.last[0].extra.get("error") == "user"
    assert table_counts(bot.bot.engine) == before


async def test_a_group_without_a_jaarplan_says_so_and_roermond_calls_it_wijkagenda(db_url: str) -> None:
    tb = TalkingBot(db_url, JANUARY, ROERMOND)
    try:
        before = table_counts(tb.bot.engine)
        refused = await tb.say("/jaarplan toevoegen Dorpsfeest", as_="dirk", in_="wijkradenoverleg")
        assert refused.startswith("Dorps- en wijkradenoverleg Roermond werkt niet met een wijkagenda")
        assert table_counts(tb.bot.engine) == before
        added = await tb.say("/jaarplan toevoegen Speeltuin opknappen partners Wonen Limburg", as_="shaun",
                             in_="wt-donderberg")  # fmt: skip
        assert added.startswith("J-1 toegevoegd aan Wijkagenda 2027 van ")
    finally:
        tb.bot.engine.dispose()


@pytest.mark.parametrize(
    ("text", "rest", "cents"),
    [
        ("Feest budget €1.500", "Feest", 150_000),
        ("Feest € 1500,50", "Feest", 150_050),
        ("Feest budget 1500 euro", "Feest", 150_000),
        ("Feest budget: €2.000,- met de buurt", "Feest  met de buurt", 200_000),
        ("Feest €12.345.678,9", "Feest", 1_234_567_890),
        ("Feest zonder geld", "Feest zonder geld", None),
        ("Budgetcursus voor bewoners, geen budget nodig", "Budgetcursus voor bewoners, geen budget nodig", None),
    ],
)
def test_budgets_are_read_the_dutch_way(text: str, rest: str, cents: int | None) -> None:
    left, amount = parse_budget(text)
    assert (" ".join(left.split()), amount) == (" ".join(rest.split()), cents)


@pytest.mark.parametrize("text", ["Feest €1.50", "Feest budget €1.5000", "Feest €-5", "Feest €999999999999"])
def test_an_amount_that_is_no_dutch_amount_is_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_budget(text)


async def test_erasing_the_trekker_leaves_the_activity_without_name_or_trekker(bot: TalkingBot) -> None:
    await bot.say("/jaarplan toevoegen Buurtschouw met Piet Verhoeven @piet partners Wooncompas")
    await bot.say("/jaarplan J-1 voortgang Piet heeft de route gelopen")
    with transaction(bot.bot.engine) as s:
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        exported = export_person(s, piet)
        assert [row["id"] for row in exported["jaarplan_trekker"]] == [1]
        assert {"jaarplan": 1, "tekst": "Buurtschouw met Piet Verhoeven Wooncompas"} in exported[
            "vermeldingen_in_teksten"
        ]
        done = erase_person(s, piet, now=bot.bot.clock.now())
    assert done["jaarplan_trekker_verwijderd"] == 1
    with bot.session() as s:
        item = s.get(JaarplanItem, 1)
        assert item is not None
        assert item.trekker_id is None
        assert "Piet" not in item.activiteit
    assert find_in_database(bot.bot.engine, ["Piet Verhoeven", "Piet"]) == {}
