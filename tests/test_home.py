"""The home page (Slack's App Home) as a neutral view: handlers/home.py, without Slack."""

from __future__ import annotations

from datetime import timedelta

from handlers import home
from tests.support.talk import TalkingBot


async def test_the_home_page_shows_the_owners_overdue_actiepunten_first_and_the_next_meeting(
    bot: TalkingBot,
) -> None:
    await bot.say("/actie Jaarplan bijwerken @anna volgende week dinsdag")  # A-1, 1 dec
    await bot.say("/actie Buurtschouw voorbereiden @anna morgen")  # A-2, 24 nov
    await bot.say("/actie Niet van Anna @piet morgen")  # A-3, someone else's
    bot.bot.clock.advance(timedelta(days=3))  # A-2 is now overdue
    page = home.view(bot.bot.engine, bot.bot.config, "anna", now=bot.bot.clock.now())
    acties, meetings = page.sections
    assert acties.title == "Mijn actiepunten"
    assert page.notice == ""
    assert [(e.label, e.text, e.alert) for e in acties.entries] == [
        ("A-2", "Buurtschouw voorbereiden", "TE LAAT"),
        ("A-1", "Jaarplan bijwerken", ""),
    ]
    assert {e.where for e in acties.entries} == {"Leefbaarheidsteam Bolnes"}
    assert acties.more == ""
    assert meetings.title == "Volgende overleggen"
    [meeting] = meetings.entries
    assert meeting.label == "Leefbaarheidsteam Bolnes"
    assert meeting.when is not None


async def test_the_home_page_counts_what_does_not_fit(bot: TalkingBot) -> None:
    for i in range(home.HOME_ACTIES + 2):
        await bot.say(f"/actie Klus {i} @anna vrijdag")
    [acties, _] = home.view(bot.bot.engine, bot.bot.config, "anna", now=bot.bot.clock.now()).sections
    assert len(acties.entries) == home.HOME_ACTIES
    assert acties.more == "… en nog 2 actiepunten: /actie lijst mijn toont ze allemaal."


async def test_the_home_page_of_nobody_we_know_says_how_to_get_an_account(bot: TalkingBot) -> None:
    page = home.view(bot.bot.engine, bot.bot.config, None, now=bot.bot.clock.now(), transport="slack")
    assert page.notice.startswith("Uw Slack-account is nog niet aan een persoon in wijkbot gekoppeld")
    assert (
        home.view(bot.bot.engine, bot.bot.config, "niemand", now=bot.bot.clock.now(), transport="slack").notice
        == page.notice
    )
    empty = home.view(bot.bot.engine, bot.bot.config, "piet", now=bot.bot.clock.now())
    assert empty.sections[0].entries == ()
    assert empty.sections[0].empty.startswith("Geen open actiepunten voor")
