"""Forms (Slack's modals) through the same port as every command: handlers/forms.py.

The Slack tests (tests/bot/test_slack_ui.py) open and submit the real modals; these are the same
flows without Slack, next to the commands they stand for.
"""

from __future__ import annotations

from sqlmodel import select

from handlers.forms import ACTIE, CATEGORY, DEADLINE, FROM_SIGNAAL, OWNER, SIGNAAL, TEXT, VERPLAATS, Form
from storage.models import Actiepunt, OutboxMessage, Signaal, Wijziging
from tests.support.talk import TalkingBot


def _stored(bot: TalkingBot) -> tuple[int, int, int, int]:
    return bot.rows(Signaal), bot.rows(Actiepunt), bot.rows(Wijziging), bot.rows(OutboxMessage)


async def test_the_signaal_form_records_text_and_category(bot: TalkingBot) -> None:
    outcome = await bot.fill(Form(SIGNAAL, {TEXT: "Fietswrakken  bij\nhet station", CATEGORY: "openbare-ruimte"}))
    assert outcome.accepted
    assert outcome.errors == {}
    [reply] = outcome.replies
    assert reply.text.startswith("Signaal S-1 vastgelegd")
    assert "Fietswrakken bij het station [openbare-ruimte]" in reply.text
    assert reply.ref == "S-1"


async def test_the_actie_form_refuses_a_past_deadline_on_that_field_and_stores_nothing(bot: TalkingBot) -> None:
    fields = {TEXT: "Buurtgesprek plannen", OWNER: "piet", DEADLINE: "2026-11-01", FROM_SIGNAAL: ""}
    outcome = await bot.fill(Form(ACTIE, fields))
    assert not outcome.accepted
    assert list(outcome.errors) == [DEADLINE]
    assert "verleden" in outcome.errors[DEADLINE]
    assert _stored(bot) == (0, 0, 0, 0)

    outcome = await bot.fill(Form(ACTIE, {**fields, DEADLINE: "2026-12-10"}))
    assert outcome.accepted
    assert outcome.replies[0].text.startswith(
        "Actiepunt A-1 vastgelegd: Buurtgesprek plannen. Eigenaar @piet, deadline do 10 dec"
    )
    assert bot.posted_to("@piet")  # the owner hears of it, through the outbox
    assert bot.rows(Actiepunt) == 1


async def test_the_actie_form_without_a_known_owner_or_with_a_bad_signaal_says_which_field(bot: TalkingBot) -> None:
    outcome = await bot.fill(Form(ACTIE, {TEXT: "Buurtgesprek plannen", OWNER: ""}))
    assert outcome.errors == {OWNER: "Deze persoon staat niet in de configuratie van wijkbot; kies een teamlid."}
    outcome = await bot.fill(Form(ACTIE, {TEXT: "Buurtgesprek plannen", OWNER: "piet", FROM_SIGNAAL: "S-x"}))
    assert outcome.errors == {FROM_SIGNAAL: "'S-x' is geen signaal; schrijf bijvoorbeeld S-12, of laat het veld leeg."}
    assert _stored(bot) == (0, 0, 0, 0)


async def test_the_actie_form_from_a_signaal_and_the_verplaats_form(bot: TalkingBot) -> None:
    await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    outcome = await bot.fill(Form(ACTIE, {TEXT: "Gesprek met de jongeren", OWNER: "piet", FROM_SIGNAAL: "S-1"}))
    assert outcome.accepted
    assert outcome.replies[0].text.startswith("Actiepunt A-1 uit S-1: Gesprek met de jongeren. Eigenaar @piet")

    outcome = await bot.fill(Form(VERPLAATS, {DEADLINE: "2027-01-29"}, ref="A-1"))
    assert outcome.accepted
    assert [r.text for r in outcome.replies] == ["Actiepunt A-1 verplaatst naar vr 29 jan 2027."]
    with bot.session() as s:
        assert s.exec(select(Actiepunt.deadline)).one().date().isoformat() in ("2027-01-29", "2027-01-30")


async def test_the_verplaats_form_without_a_date_keeps_the_form_open(bot: TalkingBot) -> None:
    await bot.say("/actie Buurtgesprek plannen @piet vrijdag")
    before = _stored(bot)
    outcome = await bot.fill(Form(VERPLAATS, {DEADLINE: ""}, ref="A-1"))
    assert not outcome.accepted
    assert list(outcome.errors) == [DEADLINE]
    assert _stored(bot) == before
