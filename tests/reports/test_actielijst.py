"""Action lists up and down the chain after each meeting (covenant §4.3, §4.4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from schedules.reports import distribute_after_meetings
from storage.models import OutboxMessage, Person, Signaal
from tests.conftest import TZ
from tests.support.talk import TalkingBot

TEAMS = [
    "#lbt-bolnes",
    "#lbt-centrum-west",
    "#lbt-drievliet-t-zand",
    "#lbt-oost",
    "#lbt-rijsoord-oostendam",
    "#lbt-slikkerveer",
]


async def seed(bot: TalkingBot) -> None:
    await bot.say("/signaal Hangjongeren bij de Vlietkade, scooters tot laat #jeugd")
    await bot.say("/signaal S-1 actie Gesprek met de jongeren @piet vrijdag")
    await bot.say("/actie Container bij de flat laten legen @marieke 2 december")
    await bot.say("/actie Buurtgesprek voorbereiden @fatima eind december")
    await bot.say("/bijeenkomst 14 januari 19:30 Buurttent op het Dorpsplein")
    await bot.say("/actie gedaan A-2 geleegd", as_="marieke")


async def test_after_a_team_meeting_its_actielijst_appears_in_the_regiegroep_channel(bot: TalkingBot) -> None:
    await seed(bot)
    # the Bolnes meeting is on Thursday 3 December at 10:00; two hours later it is over
    await bot.advance(datetime(2026, 12, 3, 11, 59, tzinfo=TZ) - bot.bot.clock.now())
    assert not [t for t in bot.posted_to("#regiegroep") if t.startswith("Actielijst Leefbaarheidsteam Bolnes")]
    await bot.advance(timedelta(minutes=2))
    lists = [t for t in bot.posted_to("#regiegroep") if t.startswith("Actielijst Leefbaarheidsteam Bolnes")]
    assert len(lists) == 1
    text = lists[0]
    assert text.startswith(
        "Actielijst Leefbaarheidsteam Bolnes na het overleg van do 3 dec 2026 10:00: 2 open, waarvan 1 te laat; "
        "1 afgerond sinds het vorige overleg."
    )
    # owners as organisation and role, never by name (the list leaves the team)
    assert (
        "• TE LAAT A-1 Gesprek met de jongeren | Politie Rotterdam (wijkagent) | deadline vr 27 nov 2026 (uit S-1)"
    ) in text
    assert "• A-3 Buurtgesprek voorbereiden | Facet (sociaal makelaar) | deadline do 31 dec 2026" in text
    assert (
        "• A-2 Container bij de flat laten legen | Wooncompas (wijkbeheerder) | deadline wo 2 dec 2026 (gedaan)"
    ) in text
    with bot.session() as s:
        names = [p.name for p in s.exec(select(Person)).all()]
        sig_texts = [sig.text for sig in s.exec(select(Signaal)).all()]
    assert not any(n in text for n in names)
    assert not any(t in text for t in sig_texts)
    assert "@piet" not in text
    assert "@marieke" not in text

    # the participation overview is no post of its own: it is a line of the verslag (tests/test_besluit.py)
    for channel in ("#regiegroep", "#stuurgroep"):
        assert not [t for t in bot.posted_to(channel) if t.startswith("Komende participatiebijeenkomsten")]
    # nothing of the team's list goes to the other teams
    for team in TEAMS:
        assert not [t for t in bot.posted_to(team) if t.startswith("Actielijst Leefbaarheidsteam Bolnes")]


async def test_after_a_regiegroep_meeting_its_actielijst_goes_to_the_stuurgroep_and_every_team(
    bot: TalkingBot,
) -> None:
    await bot.say("/actie Jaarplanformat vaststellen @karin 1 februari", as_="monique", in_="regiegroep")
    # the regiegroep meets on Thursday 17 December at 09:00
    await bot.advance(datetime(2026, 12, 17, 11, 0, tzinfo=TZ) - bot.bot.clock.now())
    head = "Actielijst Regiegroep leefbaarheid Ridderkerk na het overleg van do 17 dec 2026 09:00: 1 open"
    for channel in ["#stuurgroep", *TEAMS]:
        got = [t for t in bot.posted_to(channel) if t.startswith("Actielijst Regiegroep")]
        assert len(got) == 1, (channel, got)
        assert got[0].startswith(head), (channel, got)
        assert "A-1 Jaarplanformat vaststellen | Wooncompas (manager wijken en woonbeheer)" in got[0]
        assert "Karin" not in got[0]
    assert not [t for t in bot.posted_to("#regiegroep") if t.startswith("Actielijst Regiegroep")]


async def test_lists_after_a_meeting_are_sent_once_however_often_the_job_runs(bot: TalkingBot) -> None:
    await seed(bot)
    engine, config = bot.bot.engine, bot.bot.config
    end = datetime(2026, 12, 3, 12, 0, tzinfo=TZ)
    assert distribute_after_meetings(engine, config, end) == 1  # the actielijst to the regiegroep
    assert distribute_after_meetings(engine, config, end) == 0
    assert distribute_after_meetings(engine, config, end + timedelta(hours=20)) == 0
    with bot.session() as s:
        keys = sorted(k for k in s.exec(select(OutboxMessage.dedupe_key)).all() if k and ":" in k)
    assert [k for k in keys if k.startswith(("actielijst:", "bijeenkomsten:"))] == ["actielijst:1:regiegroep"]


async def test_a_cancelled_meeting_sends_no_actielijst(bot: TalkingBot) -> None:
    from sqlmodel import col

    from storage.models import Meeting, MeetingStatus

    with bot.session() as s:
        meeting = s.exec(select(Meeting).order_by(col(Meeting.starts_at))).first()
        assert meeting is not None
        meeting.status = MeetingStatus.geannuleerd
        s.add(meeting)
        s.commit()
        end = meeting.starts_at + timedelta(hours=2)
    assert distribute_after_meetings(bot.bot.engine, bot.bot.config, end) == 0
