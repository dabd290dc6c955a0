"""Slack as its users know it: real mentions and local dates, a DM to the bot answered, a word
when the bot is invited to a channel of no group, buttons that give way to their outcome, and
the PII question answered with its buttons."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from storage.db import transaction
from storage.models import Signaal
from tests.bot.conftest import BOLNES, SlackWorld


def _sections(body: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")


def _buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in body.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


async def test_people_with_a_slack_id_are_mentioned_and_our_times_are_slack_dates(slack: SlackWorld) -> None:
    text = await slack.say("/actie Buurtgesprek plannen <@U0PIET|Piet> vrijdag")
    assert "Eigenaar @piet, deadline vr 27 nov 2026" in text  # the plain fallback keeps our words
    [answer] = slack.last
    shown = _sections(answer.body)
    assert "Eigenaar <@U0PIET>" in shown
    assert "<!date^" in shown
    assert "^{date_short_pretty}|vr 27 nov 2026>" in shown

    # the next meeting has a time: shown with {time}; a person without a Slack id stays @key
    overleg = await slack.say("/overleg")
    assert "do 3 dec 2026 10:00" in overleg
    assert "^{date_short_pretty} {time}|do 3 dec 2026 10:00>" in _sections(slack.last[0].body)


async def test_a_direct_message_to_the_bot_is_answered_as_a_command(slack: SlackWorld) -> None:
    """Anna is a member of one group (Bolnes): in her DM with the bot she acts for it."""
    await slack.say("/actie Buurtgesprek plannen <@U0ANNA|anna> vrijdag")
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU0ANNA",
        "user": "U0ANNA",
        "text": "actie lijst mijn",
    }
    assert (await slack.event(event, event_id="EvDm1")).status_code == 200
    [answer] = [c for c in await slack.fake.wait_for("chat.postMessage") if c["channel"] == "DU0ANNA"]
    assert "A-1" in answer["text"]
    assert "Buurtgesprek plannen" in answer["text"]

    # words that are no command: one line on how to write one; the bot's own messages: nothing
    hello = {**event, "text": "hallo"}
    assert (await slack.event(hello, event_id="EvDm2")).status_code == 200
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    assert "Stuur mij een commando" in posts[-1]["text"]
    own = {**event, "text": "actie lijst", "bot_id": "B0BOT"}
    assert (await slack.event(own, event_id="EvDm3")).status_code == 200
    await slack.say("/help")  # a round trip later, still two posts
    assert len(slack.fake.of("chat.postMessage")) == 2

    # a member of one group acts for it: a new signaal is answered here and shown to the team too
    record = {**event, "text": "/signaal Losliggende stoeptegels bij de school"}
    assert (await slack.event(record, event_id="EvDm4")).status_code == 200
    posts = await slack.fake.wait_for("chat.postMessage", 4)
    assert {p["channel"] for p in posts[2:]} == {"DU0ANNA", BOLNES}
    assert all(p["text"].startswith("Signaal S-1 vastgelegd") for p in posts[2:])


async def test_invited_to_a_channel_of_no_group_the_bot_says_so_once(slack: SlackWorld) -> None:
    joined = {"type": "member_joined_channel", "user": "U0BOT", "channel": "C0RANDOM1", "channel_type": "C"}
    assert (await slack.event(joined, event_id="EvJoin1")).status_code == 200
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post["channel"] == "C0RANDOM1"
    assert "#random hoort (nog) bij geen team of groep" in post["text"]
    assert 'channel = "random"' in post["text"]

    # a group's channel, or someone else joining: no word
    for i, event in enumerate([{**joined, "channel": BOLNES}, {**joined, "user": "U0PIET"}]):
        assert (await slack.event(event, event_id=f"EvJoin{i + 2}")).status_code == 200
    await slack.say("/help")
    await slack.bot.flush()
    assert len(slack.fake.of("chat.postMessage")) == 1


async def test_a_used_button_gives_way_to_its_outcome(slack: SlackWorld) -> None:
    await slack.say("/actie Buurtgesprek plannen <@U0PIET|Piet> vrijdag")
    [posted] = slack.last
    assert {b["action_id"] for b in _buttons(posted.body)} == {"actie_gedaan", "actie_verplaats"}
    _, path = await slack.click("actie_gedaan", "A-1", message=posted.body)
    [updated] = await slack.replies(path)
    assert updated["replace_original"] is True
    assert not _buttons(updated.body)  # both buttons of A-1 are gone
    assert "Buurtgesprek plannen" in _sections(updated.body)  # the message itself stays
    assert updated["blocks"][-1]["type"] == "context"
    assert "A-1" in updated["blocks"][-1]["elements"][0]["text"]

    # clicking again (someone still had the old message): the error comes privately, nothing replaced
    _, again = await slack.click("actie_gedaan", "A-1", message=posted.body)
    [error] = await slack.replies(again)
    assert error["response_type"] == "ephemeral"
    assert error["replace_original"] is False


async def test_the_pii_question_is_answered_with_its_buttons_and_then_goes_away(slack: SlackWorld) -> None:
    text = await slack.say("/signaal Bel 06-12345678 voor de sleutel")
    [question] = slack.last
    assert question["response_type"] == "ephemeral"
    assert "/pii" not in text
    assert "!" not in text
    confirm, edit = _buttons(question.body)
    assert (confirm["text"]["text"], edit["text"]["text"]) == ("Toch opslaan", "Aanpassen")

    # Slack sends no copy of an ephemeral message: the question is deleted, the signaal posted
    _, path = await slack.click(confirm["action_id"], confirm["value"], ephemeral=True)
    deleted, posted = await slack.replies(path, 2)
    assert deleted.body == {"delete_original": True}
    assert posted["response_type"] == "in_channel"
    assert posted["text"].startswith("Signaal S-1 vastgelegd")
    with transaction(slack.bot.engine) as s:
        assert len(s.exec(select(Signaal)).all()) == 1
