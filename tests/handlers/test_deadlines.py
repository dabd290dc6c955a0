"""Deadlines through /actie: a period is the end of its last working day, the past is refused."""

from __future__ import annotations

import pytest

from storage.models import Actiepunt
from tests.support.talk import TalkingBot

# tests/conftest.py: Monday 23 November 2026, 09:00.
PERIODS = [
    ("deze week", "vr 27 nov 2026"),
    ("eind van de week", "vr 27 nov 2026"),
    ("volgende week", "vr 4 dec 2026"),
    ("in januari", "vr 29 jan 2027"),
    ("eind volgende maand", "do 31 dec 2026"),
    ("dit kwartaal", "do 31 dec 2026"),
    ("voor de zomer", "vr 18 jun 2027"),
    ("voor de kerst", "do 24 dec 2026"),
    ("binnen 5 werkdagen", "ma 30 nov 2026"),
]


@pytest.mark.parametrize(("when", "shown"), PERIODS)
async def test_a_deadline_that_names_a_period_is_its_last_working_day(bot: TalkingBot, when: str, shown: str) -> None:
    reply = await bot.say(f"/actie Bellen met Wooncompas @piet {when}")
    assert reply == f"Actiepunt A-1 vastgelegd: Bellen met Wooncompas. Eigenaar @piet, deadline {shown}."


@pytest.mark.parametrize("when", ["vorige week", "afgelopen zondag", "3 dagen geleden", "vorige maand"])
async def test_a_deadline_in_the_past_is_refused_and_nothing_is_stored(bot: TalkingBot, when: str) -> None:
    reply = await bot.say(f"/actie Bellen @piet {when}")
    assert reply == f"De deadline '{when}' ligt in het verleden; kies een moment na vandaag."
    assert bot.rows(Actiepunt) == 0


@pytest.mark.parametrize("when", ["vrijdag banaan", "over een paar dagen", "vrijdag 3 december", "volgende week 10:00"])
async def test_a_deadline_with_a_part_not_understood_is_asked_again(bot: TalkingBot, when: str) -> None:
    reply = await bot.say(f"/actie Bellen @piet {when}")
    assert reply.startswith(f"Ik begrijp de deadline '{when}' niet;")
    assert bot.rows(Actiepunt) == 0


async def test_noise_words_in_a_deadline_change_nothing(bot: TalkingBot) -> None:
    reply = await bot.say("/actie Bellen @piet graag voor vrijdag svp")
    assert reply == "Actiepunt A-1 vastgelegd: Bellen. Eigenaar @piet, deadline do 26 nov 2026."
