"""Slack's own surfaces: modals that validate, buttons, the App Home, literal text, outages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import Session, func, select

from storage import outbox
from storage.db import transaction
from storage.models import Actiepunt, OutboxMessage, Signaal, Wijziging
from tests.bot.conftest import BOLNES, SlackWorld


def _count(slack: SlackWorld, model: type) -> int:
    with Session(slack.bot.engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _text(value: str | None) -> dict[str, object]:
    return {"type": "plain_text_input", "value": value}


async def _open_modal(slack: SlackWorld, command: str) -> dict[str, Any]:
    before = len(slack.fake.of("views.open"))
    resp, _ = await slack.command(command, trigger=True)
    assert resp.status_code == 200
    calls = await slack.fake.wait_for("views.open", before + 1)
    view: dict[str, Any] = calls[-1]["view"]
    return view


async def test_modal_with_a_past_deadline_shows_the_error_on_the_deadline_and_stores_nothing(
    slack: SlackWorld,
) -> None:
    view = await _open_modal(slack, "/actie")
    assert view["callback_id"] == "wijkbot_actie"
    assert [b["block_id"] for b in view["blocks"]] == ["text", "owner", "deadline", "signaal"]
    values = {
        "text": _text("Buurtgesprek plannen"),
        "owner": {"type": "users_select", "selected_user": "U0PIET"},
        "deadline": {"type": "datepicker", "selected_date": "2026-11-01"},  # before NOW
        "signaal": _text(None),
    }
    resp = await slack.submit(view, values)
    assert resp.status_code == 200
    answer = resp.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["deadline"]
    assert "verleden" in answer["errors"]["deadline"]
    assert (_count(slack, Actiepunt), _count(slack, Wijziging), _count(slack, OutboxMessage)) == (0, 0, 0)

    # the same modal with a good date closes, and the actiepunt is posted in the channel
    values["deadline"] = {"type": "datepicker", "selected_date": "2026-12-10"}
    resp = await slack.submit(view, values)
    assert resp.status_code == 200
    assert resp.text == ""
    posts = await slack.fake.wait_for("chat.postMessage", 2)  # in the channel, and the owner's DM
    [post] = [p for p in posts if p["channel"] == BOLNES]
    assert post["text"].startswith("Actiepunt A-1 vastgelegd: Buurtgesprek plannen. Eigenaar @piet, deadline do 10 dec")
    assert _count(slack, Actiepunt) == 1


async def test_modal_with_a_signaal_field_that_is_no_reference_shows_the_error_and_stores_nothing(
    slack: SlackWorld,
) -> None:
    view = await _open_modal(slack, "/actie")
    values = {
        "text": _text("Buurtgesprek plannen"),
        "owner": {"type": "users_select", "selected_user": "U0PIET"},
        "deadline": {"type": "datepicker", "selected_date": "2026-12-10"},
        "signaal": _text("S-x"),
    }
    answer = (await slack.submit(view, values)).json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"signaal": "'S-x' is geen signaal; schrijf bijvoorbeeld S-12, of laat het veld leeg."}
    assert (_count(slack, Actiepunt), _count(slack, Signaal)) == (0, 0)


async def test_signaal_modal_records_text_and_category(slack: SlackWorld) -> None:
    view = await _open_modal(slack, "/signaal")
    assert view["callback_id"] == "wijkbot_signaal"
    values = {
        "text": _text("Fietswrakken bij het station"),
        "category": {"type": "static_select", "selected_option": {"value": "openbare-ruimte"}},
    }
    resp = await slack.submit(view, values)
    assert resp.status_code == 200
    assert resp.text == ""
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert "Signaal S-1 vastgelegd" in post["text"]
    assert "[openbare-ruimte]" in post["text"]


async def test_buttons_make_an_actie_from_a_signaal_move_it_and_close_the_signaal(slack: SlackWorld) -> None:
    await slack.say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    # "Maak actie" opens the actie modal with the signaal filled in
    resp, _ = await slack.click("signaal_actie", "S-1")
    assert resp.status_code == 200
    [opened] = await slack.fake.wait_for("views.open")
    view = opened["view"]
    signaal_block = next(b for b in view["blocks"] if b["block_id"] == "signaal")
    assert signaal_block["element"]["initial_value"] == "S-1"
    values = {
        "text": _text("Gesprek met de jongeren"),
        "owner": {"type": "users_select", "selected_user": "U0PIET"},
        "deadline": {"type": "datepicker", "selected_date": None},
        "signaal": _text("S-1"),
    }
    assert (await slack.submit(view, values)).status_code == 200
    posts = await slack.fake.wait_for("chat.postMessage", 2)  # in the channel, and the owner's DM
    [post] = [p for p in posts if not p["channel"].startswith("D")]
    assert post["text"].startswith("Actiepunt A-1 uit S-1: Gesprek met de jongeren. Eigenaar @piet")

    # "Verplaats" opens a date picker at the current deadline, with that deadline shown as <!date>
    await slack.click("actie_verplaats", "A-1")
    view = (await slack.fake.wait_for("views.open", 2))[-1]["view"]
    assert view["callback_id"] == "wijkbot_verplaats"
    assert "<!date^" in json.dumps(view)
    assert (await slack.submit(view, {"deadline": {"type": "datepicker", "selected_date": "2027-01-29"}})).text == ""
    posts = await slack.fake.wait_for("chat.postMessage", 3)
    assert posts[-1]["text"] == "Actiepunt A-1 verplaatst naar vr 29 jan 2027."

    # "Sluit" under the signaal
    _, path = await slack.click("signaal_sluit", "S-1")
    [closed] = await slack.replies(path)
    assert closed["text"].startswith("Signaal S-1 gesloten")
    with Session(slack.bot.engine) as s:
        assert s.exec(select(Signaal.status)).one() == "gesloten"


async def test_app_home_shows_the_owners_overdue_actiepunten_first(slack: SlackWorld) -> None:
    await slack.say("/actie Jaarplan bijwerken <@U0ANNA|anna> volgende week dinsdag")  # A-1, 1 dec
    await slack.say("/actie Buurtschouw voorbereiden <@U0ANNA|anna> morgen")  # A-2, 24 nov
    await slack.say("/actie Niet van Anna <@U0PIET|Piet> morgen")  # A-3, someone else's
    await slack.fake.wait_for("views.publish", 2)  # each changed home republished (a burst is coalesced)
    await slack.transport.homes_published()  # the coalesced round has finished: now count
    slack.bot.clock.advance(timedelta(days=3))  # A-2 is now overdue
    before = len(slack.fake.of("views.publish"))
    event = {"type": "app_home_opened", "user": "U0ANNA", "channel": "DU0ANNA", "tab": "home", "event_ts": "1.0"}
    assert (await slack.event(event, event_id="EvHome1")).status_code == 200
    publish = (await slack.fake.wait_for("views.publish", before + 1))[-1]
    assert publish["user_id"] == "U0ANNA"
    texts = [b["text"]["text"] for b in publish["view"]["blocks"] if b["type"] in ("section", "header")]
    assert texts[0] == "Mijn actiepunten"
    assert texts[1].startswith(":warning: *TE LAAT* · *A-2* Buurtschouw voorbereiden")
    assert texts[2].startswith("*A-1* Jaarplan bijwerken")
    assert "TE LAAT" not in texts[2]
    assert not any("A-3" in t for t in texts)
    assert "Volgende overleggen" in texts
    assert any(t.startswith("*Leefbaarheidsteam Bolnes*: <!date^") for t in texts)


async def test_app_home_is_republished_when_an_owners_actiepunt_changes(slack: SlackWorld) -> None:
    await slack.say("/actie lijst", user="U0PIET")  # piet is known to Slack from now on
    await slack.say("/actie Straatverlichting melden <@U0PIET|Piet> vrijdag")
    publishes = await slack.fake.wait_for("views.publish", 2)  # piet (owner) and anna (who acted)
    assert {p["user_id"] for p in publishes} == {"U0PIET", "U0ANNA"}
    piet = next(p for p in publishes if p["user_id"] == "U0PIET")
    assert "A-1" in json.dumps(piet["view"])


async def test_typed_markup_is_shown_literally_and_never_pings(slack: SlackWorld) -> None:
    # What Slack sends when someone types: <!channel> literally, @here, a mention and a link.
    typed = "Let op &lt;!channel&gt; en <!here> bel <@U0STRANGER|iemand> zie <https://evil.example|hier> &amp; *vet*"
    out = await slack.say(f"/signaal {typed}")
    with Session(slack.bot.engine) as s:
        stored = s.exec(select(Signaal.text)).one()
    assert stored == "Let op <!channel> en @here bel @iemand zie hier (https://evil.example) & *vet*"
    raw = slack.last[0].raw
    assert "&lt;!channel&gt;" in raw
    assert "&amp; *vet*" in raw
    for ping in ("<!channel>", "<!here>", "<@U", "<https://"):
        assert ping not in raw
    assert "<!channel>" in out  # what people read is what was typed

    # the same text posted to the channel by the Web API: literal, no parsing, no unfurling
    with transaction(slack.bot.engine) as s:
        outbox.enqueue(s, kind="channel", destination="lbt-bolnes", text=stored, now=slack.bot.clock.now())
    await slack.bot.flush()
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert "&lt;!channel&gt;" in post.raw
    assert "<!channel>" not in post.raw
    assert post["parse"] == "none"
    assert post["link_names"] is False
    assert post["unfurl_links"] is False


async def test_a_channel_of_no_group_gets_an_ephemeral_explanation(slack: SlackWorld) -> None:
    out = await slack.say("/signaal Graffiti op de muur", channel="C0RANDOM1")
    assert slack.last[0]["response_type"] == "ephemeral"
    assert out.startswith("Kanaal #random hoort niet bij een team of groep")
    # without text no modal opens there either: the same explanation
    _resp, path = await slack.command("/actie", channel="C0RANDOM1", trigger=True)
    [reply] = await slack.replies(path)
    assert reply["response_type"] == "ephemeral"
    assert "hoort niet bij een team" in reply["text"]
    assert slack.fake.of("views.open") == []
    assert _count(slack, Signaal) == 0


async def test_an_unknown_slack_user_is_told_privately(slack: SlackWorld) -> None:
    out = await slack.say("/signaal Iets geks", user="U0STRANGER")
    assert slack.last[0]["response_type"] == "ephemeral"
    assert out.startswith("Uw Slack-account is nog niet aan een persoon in wijkbot gekoppeld; vraag de voorzitter")
    assert _count(slack, Signaal) == 0


async def test_a_button_of_another_command_family_dispatches_by_convention(slack: SlackWorld) -> None:
    _, path = await slack.click("overleg_lijst", "")
    [reply] = await slack.replies(path)
    assert reply["response_type"] == "ephemeral"
    assert "Leefbaarheidsteam Bolnes" in reply["text"]


async def test_outage_keeps_messages_in_the_outbox_and_delivers_each_once_in_order(slack: SlackWorld) -> None:
    await slack.say("/overleg")  # anna (the chair) is known to Slack
    slack.fake.fail(methods={"chat.postMessage", "conversations.list", "conversations.open"})
    with transaction(slack.bot.engine) as s:
        for n in (1, 2):
            outbox.enqueue(s, kind="channel", destination="lbt-bolnes", text=f"Bericht {n}", now=slack.bot.clock.now())
    await slack.say("/afmelden volgende ziek", user="U0PIET")
    await slack.say("/afmelden volgende op vakantie", user="U0MARIEKE")
    slack.bot.clock.advance(timedelta(minutes=1))
    await slack.bot.flush()
    with Session(slack.bot.engine) as s:
        waiting = s.exec(select(OutboxMessage).where(OutboxMessage.sent_at == None)).all()  # noqa: E711
        assert len(waiting) == 4
        # the first message to each place was tried and failed; the later ones wait behind it
        assert {(m.destination, m.attempts > 0) for m in waiting if m.last_error} == {
            ("lbt-bolnes", True),
            ("anna", True),
        }
    assert slack.fake.of("chat.postMessage") == []

    slack.fake.heal()
    for _ in range(3):  # past every backoff; more rounds than needed must not send anything twice
        slack.bot.clock.advance(timedelta(hours=1))
        await slack.bot.flush()
    posts = slack.fake.of("chat.postMessage")
    assert [p["text"] for p in posts if p["channel"] == BOLNES] == ["Bericht 1", "Bericht 2"]
    to_chair = [p["text"] for p in posts if p["channel"] == "DU0ANNA"]
    assert len(to_chair) == 2
    assert to_chair[0].startswith("Piet Verhoeven meldt zich af")
    assert to_chair[1].startswith("Marieke Kok meldt")
    assert len(posts) == 4
    with Session(slack.bot.engine) as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.sent_at == None)).all() == []  # noqa: E711


async def test_a_failure_after_the_ack_still_gets_a_private_answer(slack: SlackWorld) -> None:
    slack.fake.fail(methods={"views.open"})  # Slack cannot open the form right now
    resp, path = await slack.command("/actie", trigger=True)
    assert resp.status_code == 200
    [reply] = await slack.replies(path)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Er ging iets mis bij wijkbot")


async def test_a_button_in_a_direct_message_acts_in_the_channel_of_the_items_group(slack: SlackWorld) -> None:
    await slack.say("/actie Schouw voorbereiden <@U0PIET|Piet> morgen")
    # e.g. the overdue reminder in piet's DM carries a "Gedaan A-1" button
    _, path = await slack.click("actie_gedaan", "A-1", user="U0PIET", channel="DU0PIET")
    [reply] = await slack.replies(path)
    assert reply["text"] == "Actiepunt A-1 is gedaan: Schouw voorbereiden."
    with Session(slack.bot.engine) as s:
        assert s.exec(select(Actiepunt.status)).one() == "gedaan"


async def test_the_bedoelt_u_question_offers_buttons_that_list_or_record(slack: SlackWorld) -> None:
    text = await slack.say("/signaal list")
    assert text.startswith("Bedoelt u /signaal lijst, of wilt u een signaal 'list' vastleggen?")
    [actions] = [b for b in slack.last[0]["blocks"] if b["type"] == "actions"]
    assert [(e["action_id"], e.get("value")) for e in actions["elements"]] == [
        ("signaal_lijst", None),
        ("signaal_nieuw", "list"),
    ]
    _, path = await slack.click("signaal_lijst", "")
    [listed] = await slack.replies(path)
    assert listed["text"] == "Geen open signalen voor Leefbaarheidsteam Bolnes."
    _, path = await slack.click("signaal_nieuw", "list")
    [recorded] = await slack.replies(path)
    assert "Signaal S-1 vastgelegd voor Leefbaarheidsteam Bolnes: list" in recorded["text"]
