"""Text people typed is shown literally everywhere we send it: Slack mrkdwn and Telegram HTML.

Slack reads `&`, `<` and `>` as markup (`<!channel>` pings everyone, `<@U123>` mentions, `<url|label>`
hides a link); Telegram with parse_mode HTML reads tags and entities. Each test sends typed markup
through one path and checks the payload as the fake service received it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from bot.telegram import TelegramTransport
from storage import outbox
from storage.db import transaction
from storage.models import Signaal
from tests.bot.conftest import BOLNES, SlackWorld
from tests.bot.test_telegram import linked, telegram  # noqa: F401 - fixtures and helpers
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot

# What someone types, as Slack sends it in a slash command (it escapes &, < and > itself) ...
TYPED = "a &amp; b &lt;b&gt; &lt;!channel&gt; &lt;@U123&gt; &lt;https://x.example|y&gt;"
# ... and what they meant, which must come back exactly like this on every screen.
LITERAL = "a & b <b> <!channel> <@U123> <https://x.example|y>"
OUR_DATES = re.compile(r"<!date\^[^<>|]*\|[^<>]*>")  # the one markup we write ourselves


def mrkdwn_texts(payload: Any) -> list[str]:
    """Every string Slack parses as mrkdwn: the top-level `text` and each mrkdwn text object."""
    found: list[str] = []
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            found.append(payload["text"])
        for key, value in payload.items():
            if key == "text" and isinstance(value, str) and payload.get("type") is None:
                found.append(value)  # a message's fallback text
            else:
                found += mrkdwn_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            found += mrkdwn_texts(item)
    return found


def assert_literal(payload: Any) -> None:
    """No markup but our dates, every & an entity, and the typed text reads as typed."""
    texts = mrkdwn_texts(payload)
    assert texts
    for text in texts:
        bare = OUR_DATES.sub("", text)
        assert "<" not in bare, text
        assert ">" not in bare, text
        assert "&" not in re.sub(r"&(amp|lt|gt);", "", bare), text
    shown = [t.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for t in texts]
    assert any(LITERAL in t for t in shown), shown


# --- Slack ------------------------------------------------------------------------------------


async def test_typed_markup_in_a_slash_command_reply_is_escaped(slack: SlackWorld) -> None:
    await slack.say(f"/signaal {TYPED} #overig")
    with transaction(slack.bot.engine) as s:
        assert s.exec(select(Signaal.text)).one() == LITERAL
    [reply] = slack.last
    assert_literal(reply.body)
    await slack.say("/signaal lijst")  # a private list shows it too
    assert_literal(slack.last[0].body)


async def test_typed_markup_in_outbox_channel_posts_and_direct_messages_is_escaped(slack: SlackWorld) -> None:
    await slack.say("/overleg")  # anna is known to Slack, so her direct messages go there
    with transaction(slack.bot.engine) as s:
        now = slack.bot.clock.now()
        outbox.enqueue(s, kind="channel", destination="lbt-bolnes", text=f"Nieuw: {LITERAL}", now=now)
        outbox.enqueue(s, kind="dm", destination="anna", text=f"Voor u: {LITERAL}", now=now)
    assert await slack.bot.flush() == 2
    posts = slack.fake.of("chat.postMessage")
    assert {p["channel"] for p in posts} == {BOLNES, "DU0ANNA"}
    for post in posts:
        assert_literal(post.body)
        assert post["parse"] == "none"
        assert post["link_names"] is False


async def test_typed_markup_in_the_app_home_is_escaped(slack: SlackWorld) -> None:
    await slack.say(f"/actie {TYPED} <@U0ANNA|anna> vrijdag")
    before = len(slack.fake.of("views.publish"))
    event = {"type": "app_home_opened", "user": "U0ANNA", "channel": "DU0ANNA", "tab": "home", "event_ts": "1.0"}
    assert (await slack.event(event, event_id="EvEscape1")).status_code == 200
    publish = (await slack.fake.wait_for("views.publish", before + 1))[-1]
    assert_literal(publish["view"]["blocks"])


async def test_a_modal_error_is_plain_text_and_never_carries_markup(slack: SlackWorld) -> None:
    # Slack shows the errors of response_action "errors" as plain text under the field (nothing in
    # them is parsed); ours name the field's problem and a reference, never the text typed around it.
    _resp, _ = await slack.command("/actie", trigger=True)
    view = (await slack.fake.wait_for("views.open"))[-1]["view"]
    values = {
        "text": {"type": "plain_text_input", "value": "Iets doen <!channel> & <@U123>"},
        "owner": {"type": "users_select", "selected_user": "U0PIET"},
        "deadline": {"type": "datepicker", "selected_date": None},
        "signaal": {"type": "plain_text_input", "value": "S-99"},
    }
    answer = (await slack.submit(view, values)).json()
    assert answer["response_action"] == "errors"
    [(block, error)] = answer["errors"].items()
    assert block == "signaal"
    assert "S-99" in error
    assert "<" not in error
    assert "&" not in error


# --- Telegram ---------------------------------------------------------------------------------

TOELICHTING = "Opgelost <b>vandaag</b> & <script>alert(1)</script> door de gemeente"


async def test_a_closing_toelichting_reaches_the_ambassador_literally_in_telegram_html(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    jan = tg.user(9201, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal Lamp <kapot> & donker")
    await tg.tap(jan, "soort:woonomgeving")
    await tg.tap(jan, "foto:geen")
    summary = await tg.tap(jan, "plek:geen")
    assert "Wat: Lamp <kapot> & donker" in summary  # a conversation reply is plain text: as typed
    assert "S-1" in await tg.tap(jan, "bevestig:ja")

    await team.say(f"/signaal S-1 sluit {TOELICHTING}")
    [status] = [c for c in tg.calls_to("sendMessage") if "afgehandeld" in c.params.get("text", "")]
    assert status.params["parse_mode"] == "HTML"  # the notifier escapes for HTML, and says so
    shown = [m["text"] for m in tg.sent if m["chat"]["id"] == jan.id and "afgehandeld" in m["text"]]
    assert len(shown) == 1  # Telegram accepted it (a raw <script> would be refused with 400)
    assert TOELICHTING in shown[0]
    assert "Lamp <kapot> & donker" in shown[0]

    mine = await tg.say(jan, "/mijnsignalen")  # plain text again, no parse_mode
    assert TOELICHTING in mine
    assert "parse_mode" not in tg.calls_to("sendMessage")[-1].params
