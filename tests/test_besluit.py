"""Besluiten and the verslag up and down the chain (covenant §4.3, §4.4; seed 002: besluitenlijst).

Ridderkerk: six teams report to the regiegroep, the regiegroep to the stuurgroep. Bolnes meets on
Thursday 3 December 2026 at 10:00, the regiegroep on 17 December, the stuurgroep on 19 January.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from schedules.verslag import send_day_end_verslagen
from storage.models import Besluit, Meeting, Person, VerslagSent, Wijziging
from tests.conftest import TZ
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

TEAMS = [
    "#lbt-bolnes",
    "#lbt-centrum-west",
    "#lbt-drievliet-t-zand",
    "#lbt-oost",
    "#lbt-rijsoord-oostendam",
    "#lbt-slikkerveer",
]
VERSLAG_BOLNES = "Verslag van het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00"


async def to(bot: TalkingBot, moment: datetime) -> None:
    await bot.advance(moment - bot.bot.clock.now())


def starting(texts: list[str], head: str) -> list[str]:
    return [t for t in texts if t.startswith(head)]


async def test_a_besluit_belongs_to_todays_meeting_and_is_audited(bot: TalkingBot) -> None:
    await to(bot, datetime(2026, 12, 3, 10, 40, tzinfo=TZ))
    answer = await bot.say("/besluit Buurtschouw in maart samen met Wooncompas")
    assert answer == (
        "Besluit B-1 vastgelegd bij het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00: "
        "Buurtschouw in maart samen met Wooncompas"
    )
    assert bot.last[0].ref == "B-1"
    with bot.session() as s:
        [besluit] = s.exec(select(Besluit)).all()
        meeting = s.get(Meeting, besluit.meeting_id)
        anna = s.exec(select(Person).where(Person.key == "anna")).one()
        [audit] = s.exec(select(Wijziging).where(Wijziging.item_type == "besluit")).all()
    assert meeting is not None
    assert meeting.starts_at == datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
    assert besluit.created_by_id == anna.id
    assert (audit.actor_id, audit.item_id) == (anna.id, besluit.id)
    assert audit.at == datetime(2026, 12, 3, 10, 40, tzinfo=TZ)
    # the day after, a besluit still goes with that meeting (the last one); the list shows both
    await to(bot, datetime(2026, 12, 4, 9, 0, tzinfo=TZ))
    assert "bij het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00" in await bot.say(
        "/besluit Extra verlichting aanvragen"
    )
    listed = await bot.say("/besluit lijst")
    assert "Overleg van do 3 dec 2026 10:00:" in listed
    assert "• B-2 Extra verlichting aanvragen" in listed
    assert "• B-1 Buurtschouw" in listed


async def test_bad_besluiten_store_nothing(bot: TalkingBot) -> None:
    before = table_counts(bot.bot.engine)
    # no meeting yet (Bolnes first meets on 3 December)
    assert "nog geen overleg gehad" in await bot.say("/besluit Buurtschouw in maart")
    await to(bot, datetime(2026, 12, 3, 11, 0, tzinfo=TZ))
    before = table_counts(bot.bot.engine)
    for command, expected in [
        ("/besluit", "Wat is er besloten?"),
        ("/besluit Extra handhaving over S-99", "S-99 is niet opgeschaald"),
    ]:
        answer = await bot.say(command, as_="piet")
        assert expected in answer, (command, answer)
    assert table_counts(bot.bot.engine) == before
    # a resident or someone from another team may not record a besluit here
    assert "Alleen leden van Leefbaarheidsteam Bolnes" in await bot.say("/besluit Iets", as_="youssef")
    # not in a group's channel
    assert "werkt in het kanaal van een team" in await bot.say("/besluit Iets", in_="@anna")
    assert table_counts(bot.bot.engine) == before


async def test_the_verslag_goes_up_once_when_the_chair_confirms_attendance(bot: TalkingBot) -> None:
    await bot.say("/actie Container laten legen @marieke 1 december")
    await bot.say("/afmelden volgende op cursus", as_="fatima")
    await to(bot, datetime(2026, 12, 2, 9, 0, tzinfo=TZ))
    await bot.say("/actie gedaan A-1 geleegd", as_="marieke")
    await to(bot, datetime(2026, 12, 3, 11, 30, tzinfo=TZ))
    await bot.say("/besluit Buurtschouw in maart samen met Wooncompas")
    await bot.say("/actie Buurtschouw voorbereiden @piet eind februari")
    own = await bot.say("/overleg verslag")
    assert own.startswith(VERSLAG_BOLNES)
    assert "Aanwezigheid: nog niet bevestigd door de voorzitter (aangegeven: afgemeld: @fatima)." in own
    assert "• B-1 Buurtschouw in maart samen met Wooncompas" in own
    assert "Actiepunten: 2 nieuw, 1 afgerond." in own
    assert "Participatie: geen participatiebijeenkomsten gepland." in own
    assert not starting(bot.posted_to("#regiegroep"), VERSLAG_BOLNES)  # not before the chair confirms

    confirmed = await bot.say("/overleg aanwezig @anna @piet")
    assert "Het verslag (besluiten, actiepunten, aanwezigheid in aantallen) is doorgestuurd." in confirmed
    for channel in ("#regiegroep", "#stuurgroep"):
        [text] = starting(bot.posted_to(channel), VERSLAG_BOLNES)
        assert "Aanwezigheid: aanwezig 2; afgemeld 1; afwezig 1." in text
        assert "• B-1 Buurtschouw in maart samen met Wooncompas" in text
        assert "Container laten legen | Wooncompas (wijkbeheerder)" in text
        assert "Participatie: geen participatiebijeenkomsten gepland." in text
        with bot.session() as s:
            names = [p.name for p in s.exec(select(Person)).all()]
        assert not any(n in text for n in names)
        assert "@" not in text
    # no separate empty participation post any more, and no team gets the team's verslag
    for channel in ("#regiegroep", "#stuurgroep"):
        assert not starting(bot.posted_to(channel), "Komende participatiebijeenkomsten")
    for team in TEAMS:
        assert not starting(bot.posted_to(team), VERSLAG_BOLNES)
    # confirming again, the end of the day and a restart send nothing more
    await bot.say("/overleg aanwezig @anna @piet @marieke")
    await to(bot, datetime(2026, 12, 4, 9, 0, tzinfo=TZ))
    assert len(starting(bot.posted_to("#regiegroep"), VERSLAG_BOLNES)) == 1
    # the verslag of the team itself now says where it went
    assert "Doorgestuurd op do 3 dec 2026 11:30." in await bot.say("/overleg verslag 3 december")


async def test_without_confirmation_the_verslag_goes_at_the_end_of_the_day_once_across_restarts(
    db_url: str,
) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    bot = TalkingBot(db_url, start)
    try:
        await bot.say("/bijeenkomst 14 januari 19:30 Buurttent op het Dorpsplein")
        await to(bot, datetime(2026, 12, 3, 22, 59, tzinfo=TZ))
        await bot.say("/besluit Buurtschouw in maart")
        assert not starting(bot.posted_to("#regiegroep"), VERSLAG_BOLNES)
        await bot.advance(timedelta(minutes=2))
        [text] = starting(bot.posted_to("#regiegroep"), VERSLAG_BOLNES)
        assert "Aanwezigheid: nog niet bevestigd door de voorzitter." in text
        assert "Participatie: 1 geplande bijeenkomst:\n• do 14 jan 2027 19:30: Buurttent op het Dorpsplein" in text
        assert len(starting(bot.posted_to("#stuurgroep"), VERSLAG_BOLNES)) == 1
        with bot.session() as s:
            [mark] = s.exec(select(VerslagSent)).all()
        assert mark.trigger == "einde-dag"
    finally:
        bot.bot.engine.dispose()
    # a new process on the same database: the job runs again, late and twice, and says nothing
    again = TalkingBot(db_url, datetime(2026, 12, 3, 23, 5, tzinfo=TZ))
    try:
        engine, config = again.bot.engine, again.bot.config
        assert send_day_end_verslagen(engine, config, datetime(2026, 12, 3, 23, 5, tzinfo=TZ)) == 0
        assert send_day_end_verslagen(engine, config, datetime(2026, 12, 5, 9, 0, tzinfo=TZ)) == 0
        await again.advance(timedelta(days=2))
        assert not starting(again.posted_to("#regiegroep"), VERSLAG_BOLNES)
        # and the chair confirming late sends nothing either
        await again.say("/overleg aanwezig 3 december alle")
        assert not starting(again.posted_to("#regiegroep"), VERSLAG_BOLNES)
    finally:
        again.bot.engine.dispose()


async def test_a_stuurgroep_besluit_reaches_the_regiegroep_and_then_every_team_once(bot: TalkingBot) -> None:
    await to(bot, datetime(2027, 1, 19, 15, 0, tzinfo=TZ))
    await bot.say("/besluit Wijkbudget 2027 vastgesteld op 6.000 euro per wijk", as_="els", in_="stuurgroep")
    await bot.say("/overleg aanwezig alle", as_="els", in_="stuurgroep")
    head = "Besluiten van Stuurgroep leefbaarheid Ridderkerk (overleg van di 19 jan 2027 14:00)"
    [regie] = starting(bot.posted_to("#regiegroep"), head)
    assert regie == f"{head}:\n• B-1 Wijkbudget 2027 vastgesteld op 6.000 euro per wijk"
    for team in TEAMS:
        [got] = starting(bot.posted_to(team), head)
        assert got == (
            f"{head}, doorgegeven door Regiegroep leefbaarheid Ridderkerk:\n"
            "• B-1 Wijkbudget 2027 vastgesteld op 6.000 euro per wijk"
        )
    assert not starting(bot.posted_to("#stuurgroep"), head)
    # the end of the day and more runs: each group has it once
    await bot.advance(timedelta(days=2))
    assert len(starting(bot.posted_to("#regiegroep"), head)) == 1
    assert all(len(starting(bot.posted_to(t), head)) == 1 for t in TEAMS)


async def test_a_regiegroep_meeting_sends_its_verslag_up_and_its_besluiten_down(bot: TalkingBot) -> None:
    await to(bot, datetime(2026, 12, 17, 10, 0, tzinfo=TZ))
    await bot.say("/besluit Jaarplanformat voor alle teams gelijk", as_="monique", in_="regiegroep")
    await bot.say("/overleg aanwezig @monique @hans", as_="monique", in_="regiegroep")
    verslag = "Verslag van het overleg van Regiegroep leefbaarheid Ridderkerk op do 17 dec 2026 09:00"
    [up] = starting(bot.posted_to("#stuurgroep"), verslag)
    assert "Aanwezigheid: aanwezig 2; afgemeld 0; afwezig 2." in up
    assert "Participatie" not in up
    head = "Besluiten van Regiegroep leefbaarheid Ridderkerk (overleg van do 17 dec 2026 09:00):"
    for team in TEAMS:
        assert starting(bot.posted_to(team), head) == [f"{head}\n• B-1 Jaarplanformat voor alle teams gelijk"]
    assert not starting(bot.posted_to("#stuurgroep"), "Besluiten van Regiegroep")
