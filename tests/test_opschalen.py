"""Opschalen (covenant §2.3.2, §4.1, §5.5): an item to the group above and its outcome back; frequent absence.

Ridderkerk: Bolnes reports to the regiegroep (chair Monique), the regiegroep to the stuurgroep
(chair Els). The regiegroep meets on Thursday 17 December 2026 at 09:00.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from storage.config import DEFAULT_CONFIG
from storage.db import transaction
from storage.models import Besluit, Escalation, EscalationStatus, Person, Wijziging
from tests.conftest import NOW, TZ
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

COVENANT = "Convenant samenwerking leefbaarheid in de wijken Ridderkerk 2024-2028"


async def to(bot: TalkingBot, moment: datetime) -> None:
    await bot.advance(moment - bot.bot.clock.now())


async def test_an_escalated_signaal_is_decided_above_and_the_outcome_comes_back_with_its_history(
    bot: TalkingBot,
) -> None:
    await bot.say("/signaal Structurele overlast bij de Vlietkade, scooters tot laat #jeugd")
    answer = await bot.say("/opschalen S-1 het team komt er niet uit, meer jongerenwerk nodig")
    assert answer.startswith("S-1 is opgeschaald naar Regiegroep leefbaarheid Ridderkerk;")
    assert "de voorzitter van Regiegroep leefbaarheid Ridderkerk (Monique Dekker) weet het nu" in answer
    # the chair of the higher group is told now, with the item and how to handle it
    [dm] = bot.posted_to("@monique")
    assert dm.startswith(
        "Anna de Vries (Leefbaarheidsteam Bolnes) schaalt S-1 op naar Regiegroep leefbaarheid Ridderkerk: "
        "het team komt er niet uit, meer jongerenwerk nodig"
    )
    assert "S-1 [jeugd] Structurele overlast bij de Vlietkade" in dm
    assert "/besluit <tekst> over S-1" in dm
    with bot.session() as s:
        [esc] = s.exec(select(Escalation)).all()
        audit = s.exec(select(Wijziging).where(Wijziging.item_type == "opschaling")).all()
    assert (esc.kind, esc.item_id, esc.status) == ("signaal", 1, EscalationStatus.open)
    assert [w.action for w in audit] == ["opgeschaald"]
    # twice is once
    assert "S-1 is al opgeschaald" in await bot.say("/opschalen S-1 nog een keer")

    # members of the regiegroep may read the item; it is on the regiegroep's next agenda
    assert "Structurele overlast bij de Vlietkade" in await bot.say("/signaal S-1", as_="hans", in_="regiegroep")
    agenda = await bot.say("/overleg", as_="monique", in_="regiegroep")
    assert re.search(r"\n\d\. Opgeschaald: 1 zaak\n   - S-1 uit Leefbaarheidsteam Bolnes: Structurele overlast", agenda)
    await to(bot, datetime(2026, 12, 10, 9, 1, tzinfo=TZ))  # the reminder, 7 days before, in #regiegroep
    [reminder] = [t for t in bot.posted_to("#regiegroep") if t.startswith("Herinnering: Regiegroep")]
    assert "Opgeschaald: 1 zaak" in reminder
    assert "S-1 uit Leefbaarheidsteam Bolnes" in reminder
    # and not on the team's own agenda
    assert "Opgeschaald" not in await bot.say("/overleg")

    # at its meeting the regiegroep decides; the outcome goes back to the team with the history
    await to(bot, datetime(2026, 12, 17, 10, 0, tzinfo=TZ))
    decided = await bot.say(
        "/besluit Twee avonden extra jongerenwerk bij de Vlietkade over S-1", as_="monique", in_="regiegroep"
    )
    assert decided.startswith("Besluit B-1 vastgelegd bij het overleg van Regiegroep leefbaarheid Ridderkerk")
    assert "Het opschalen van S-1 is daarmee afgehandeld; de uitkomst staat in #lbt-bolnes." in decided
    [outcome] = [t for t in bot.posted_to("#lbt-bolnes") if t.startswith("Uitkomst van het opschalen van S-1")]
    assert outcome.startswith(
        "Uitkomst van het opschalen van S-1: besluit B-1 van Regiegroep leefbaarheid Ridderkerk: "
        "Twee avonden extra jongerenwerk bij de Vlietkade\nS-1 [jeugd] Structurele overlast"
    )
    assert "opgeschaald: naar Regiegroep leefbaarheid Ridderkerk: het team komt er niet uit" in outcome
    assert "besluit na opschalen: Twee avonden extra jongerenwerk bij de Vlietkade (door Monique Dekker)" in outcome
    with bot.session() as s:
        esc = s.exec(select(Escalation)).one()
        besluit = s.exec(select(Besluit)).one()
    assert esc.status == EscalationStatus.besloten
    assert esc.closed_at == datetime(2026, 12, 17, 10, 0, tzinfo=TZ)
    assert besluit.escalation_id == esc.id
    assert "Opgeschaald" not in await bot.say("/overleg", as_="monique", in_="regiegroep")
    # the regiegroep's verslag and its besluiten down to the team name the item
    await bot.say("/overleg aanwezig alle", as_="monique", in_="regiegroep")
    [down] = [t for t in bot.posted_to("#lbt-bolnes") if t.startswith("Besluiten van Regiegroep")]
    assert "• B-1 Twee avonden extra jongerenwerk bij de Vlietkade (over S-1)" in down


async def test_an_escalated_actiepunt_can_be_sent_back(bot: TalkingBot) -> None:
    await bot.say("/actie Camera bij het winkelcentrum regelen @piet eind januari")
    await bot.say("/opschalen A-1 budget ontbreekt in het team", as_="piet")
    await to(bot, datetime(2026, 12, 17, 10, 0, tzinfo=TZ))
    sent = await bot.say("/opschalen A-1 terug eerst met de wijkagent bespreken", as_="hans", in_="regiegroep")
    assert sent == "A-1 is teruggestuurd naar #lbt-bolnes, met uw toelichting."
    [outcome] = [t for t in bot.posted_to("#lbt-bolnes") if t.startswith("Uitkomst van het opschalen van A-1")]
    assert outcome.startswith(
        "Uitkomst van het opschalen van A-1: Regiegroep leefbaarheid Ridderkerk stuurt A-1 terug: "
        "eerst met de wijkagent bespreken\nA-1 Camera bij het winkelcentrum regelen\nGeschiedenis:"
    )
    assert "terug na opschalen: eerst met de wijkagent bespreken (door Hans Verbeek)" in outcome
    with bot.session() as s:
        assert s.exec(select(Escalation)).one().status == EscalationStatus.terug
    # handled: a besluit over it now is refused
    assert "A-1 is niet opgeschaald" in await bot.say("/besluit Toch doen over A-1", as_="hans", in_="regiegroep")


async def test_bad_escalations_store_nothing(bot: TalkingBot) -> None:
    await bot.say("/signaal Overlast bij de Vlietkade #overlast")
    await bot.say("/signaal Strategisch thema #overig", as_="els", in_="stuurgroep")
    before = table_counts(bot.bot.engine)
    for command, who, where, expected in [
        ("/opschalen", "anna", "lbt-bolnes", "Wat wilt u opschalen?"),
        ("/opschalen S-99 waarom", "anna", "lbt-bolnes", "Signaal S-99 bestaat niet"),
        ("/opschalen B-1 waarom", "anna", "lbt-bolnes", "geen verwijzing naar een signaal of actiepunt"),
        ("/opschalen S-1", "anna", "lbt-bolnes", "Waarom schaalt u S-1 op?"),
        ("/opschalen S-1 naar stuurgroep waarom", "anna", "lbt-bolnes", "Naar 'stuurgroep' kan niet"),
        ("/opschalen S-2 te groot voor ons", "els", "stuurgroep", "rapporteert aan geen andere groep"),
        ("/opschalen S-1 waarom", "youssef", "lbt-centrum-west", "S-1 hoort bij Leefbaarheidsteam Bolnes"),
        ("/opschalen S-1 waarom", "anna", "@anna", "Schaal S-1 op in het kanaal van Leefbaarheidsteam Bolnes"),
        ("/besluit Doen over S-1", "monique", "regiegroep", "S-1 is niet opgeschaald"),
        ("/opschalen S-1 terug nee", "monique", "regiegroep", "S-1 is niet opgeschaald"),
        ("/opschalen afwezigheid @piet", "piet", "lbt-bolnes", "Alleen de voorzitter van Leefbaarheidsteam Bolnes"),
        ("/opschalen afwezigheid @piet", "anna", "lbt-bolnes", "Piet Verhoeven was niet vaak afwezig"),
        ("/opschalen afwezigheid", "anna", "lbt-bolnes", "Schrijf er meer bij"),
    ]:
        answer = await bot.say(command, as_=who, in_=where)
        assert expected in answer, (command, answer)
    assert table_counts(bot.bot.engine) == before
    # escalated, the team cannot decide it itself, and another group above may not send it back
    await bot.say("/opschalen S-1 komen er niet uit")
    before = table_counts(bot.bot.engine)
    assert "S-1 is opgeschaald naar Regiegroep" in await bot.say("/besluit Zelf doen over S-1")
    assert "handel het daar af" in await bot.say("/opschalen S-1 terug nee", as_="els", in_="stuurgroep")
    assert table_counts(bot.bot.engine) == before


async def test_with_two_groups_above_the_team_says_which(db_url: str, tmp_path: Path) -> None:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "[groups.bolnes]\n", '[groups.bolnes]\nreports_to = ["regiegroep", "stuurgroep"]\n', 1
    )
    path = tmp_path / "twee.toml"
    path.write_text(text, encoding="utf-8")
    bot = TalkingBot(db_url, NOW, str(path))
    try:
        await bot.say("/signaal Overlast bij de Vlietkade #overlast")
        before = table_counts(bot.bot.engine)
        asked = await bot.say("/opschalen S-1 te groot voor het team")
        assert "rapporteert aan meer groepen; zeg naar welke (regiegroep of stuurgroep)" in asked
        assert table_counts(bot.bot.engine) == before
        answer = await bot.say("/opschalen S-1 naar stuurgroep te groot voor het team")
        assert answer.startswith("S-1 is opgeschaald naar Stuurgroep leefbaarheid Ridderkerk")
        assert bot.posted_to("@els")
        assert not bot.posted_to("@monique")
    finally:
        bot.bot.engine.dispose()


async def test_the_chair_passes_frequent_absence_on_to_the_chair_above(bot: TalkingBot) -> None:
    await to(bot, datetime(2026, 12, 3, 12, 0, tzinfo=TZ))
    await bot.say("/overleg aanwezig @anna @marieke @fatima")
    await to(bot, datetime(2027, 1, 28, 12, 0, tzinfo=TZ))
    confirmed = await bot.say("/overleg aanwezig 28 januari @anna @marieke @fatima")
    # the existing DM to the chair names the command
    [flag] = [t for t in bot.posted_to("@anna") if t.startswith("Vaak afwezig bij Leefbaarheidsteam Bolnes")]
    assert "met /opschalen afwezigheid @piet." in flag
    assert "/opschalen afwezigheid @piet" in confirmed
    passed = await bot.say("/opschalen afwezigheid @piet")
    assert passed == (
        "De afwezigheid van Piet Verhoeven is doorgegeven aan de voorzitter van Regiegroep leefbaarheid "
        "Ridderkerk (Monique Dekker)."
    )
    [dm] = [t for t in bot.posted_to("@monique") if "frequente afwezigheid" in t]
    assert dm.startswith(
        "Anna de Vries, voorzitter van Leefbaarheidsteam Bolnes, meldt frequente afwezigheid: Piet Verhoeven "
        "(Politie Rotterdam, wijkagent) was afwezig bij 2 van de laatste 2 overleggen "
        "(do 28 jan 2027 10:00, do 3 dec 2026 10:00), zonder vervanger."
    )
    assert f"Het {COVENANT} vraagt dat de voorzitter veelvuldige afwezigheid meldt" in dm
    assert not [t for t in bot.posted_to("#regiegroep") if "Piet" in t]  # a DM to the chair, not the channel
    with bot.session() as s:
        esc = s.exec(select(Escalation)).one()
    assert (esc.kind, esc.status) == ("afwezigheid", EscalationStatus.gemeld)
    before = table_counts(bot.bot.engine)
    assert "al doorgegeven" in await bot.say("/opschalen afwezigheid @piet")
    assert table_counts(bot.bot.engine) == before


async def test_the_rule_on_absence_comes_from_the_configuration(db_url: str, tmp_path: Path) -> None:
    rule = "Bij herhaalde afwezigheid spreekt de regiegroep de organisatie aan."
    text = f'afwezigheid_regel = "{rule}"\n' + DEFAULT_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "regel.toml"
    path.write_text(text, encoding="utf-8")
    bot = TalkingBot(db_url, datetime(2026, 12, 3, 12, 0, tzinfo=TZ), str(path))
    try:
        await bot.say("/overleg aanwezig @anna @marieke @fatima")
        await to(bot, datetime(2027, 1, 28, 12, 0, tzinfo=TZ))
        await bot.say("/overleg aanwezig 28 januari @anna @marieke @fatima")
        await bot.say("/opschalen afwezigheid @piet")
        [dm] = [t for t in bot.posted_to("@monique") if "frequente afwezigheid" in t]
        assert dm.endswith(rule)
    finally:
        bot.bot.engine.dispose()


async def test_erasing_a_person_scrubs_besluiten_and_escalations_and_the_export_has_them(bot: TalkingBot) -> None:
    from storage.erase import erase_person
    from storage.privacy import export_json
    from tests.privacy.dbstate import find_in_database

    await bot.say("/signaal Overlast bij de Vlietkade #overlast")
    await bot.say("/opschalen S-1 Piet Verhoeven krijgt er geen vat op", as_="piet")
    await to(bot, datetime(2026, 12, 17, 10, 0, tzinfo=TZ))
    await bot.say("/besluit Piet Verhoeven krijgt hulp van de boa's over S-1", as_="monique", in_="regiegroep")
    with bot.session() as s:
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        exported = export_json(s, piet)
    assert "krijgt er geen vat op" in exported  # the escalation he made is in his export
    with transaction(bot.bot.engine) as s:
        erase_person(s, s.exec(select(Person).where(Person.key == "piet")).one(), now=bot.bot.clock.now())
    assert find_in_database(bot.bot.engine, ["Piet Verhoeven", "Piet"]) == {}
