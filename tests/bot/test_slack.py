"""wijkbot through Slack over real HTTP: signed slash commands in, response_url answers out."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import Session, func, select

from bot.core import Clock, Wijkbot
from bot.inbox import InboxWorker
from bot.settings import Settings
from bot.slack import SlackTransport
from storage import identity
from storage.models import Actiepunt, InboxRequest, OutboxMessage, Person, Signaal
from tests.bot.conftest import BOLNES, BOUND, SlackWorld, sign
from tests.conftest import NOW
from tests.support.addresses import bound
from tests.support.fake_slack import FakeSlack


async def test_signed_actie_over_http_creates_the_actiepunt_and_answers_on_the_response_url(
    slack: SlackWorld,
) -> None:
    resp, path = await slack.command("/actie Buurtgesprek plannen <@U0PIET|Piet> vrijdag")
    assert resp.status_code == 200
    [reply] = await slack.replies(path)
    assert reply["response_type"] == "in_channel"
    assert reply["text"].startswith(
        "Actiepunt A-1 vastgelegd: Buurtgesprek plannen. Eigenaar @piet, deadline vr 27 nov"
    )
    actions = [b for b in reply["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["actie_gedaan", "actie_verplaats"]
    with Session(slack.bot.engine) as s:
        act = s.exec(select(Actiepunt)).one()
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        assert act.owner_id == piet.id
        assert act.text == "Buurtgesprek plannen"
        # both Slack users are the people whose configured slack_id they have
        assert identity.address_of(s, piet, "slack") == "U0PIET"
        assert bound(s, "slack")["anna"] == "U0ANNA"


async def test_the_console_scenario_passes_through_slack(slack: SlackWorld) -> None:
    out = await slack.say("/signaal Hangjongeren bij de Vlietkade, veel lawaai #jeugd")
    assert out.startswith("Signaal S-1 vastgelegd voor Leefbaarheidsteam Bolnes")
    out = await slack.say("/signaal S-1 actie Gesprek met de jongeren <@U0PIET|Piet> volgende week dinsdag")
    assert "Actiepunt A-1 uit S-1: Gesprek met de jongeren. Eigenaar @piet, deadline di 1 dec 2026" in out
    out = await slack.say("/actie lijst")
    assert slack.last[0]["response_type"] == "ephemeral"
    assert "• A-1 Gesprek met de jongeren | @piet" in out
    assert await slack.say("/actie verplaats A-1 eind januari") == "Actiepunt A-1 verplaatst naar vr 29 jan 2027."
    assert await slack.say("/actie overdragen A-1 <@U0FATIMA>") == "Actiepunt A-1 is overgedragen aan @fatima."
    # each owner hears of it in a direct message: piet when A-1 was given to him, fatima now
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    assert posts[0]["channel"] == "DU0PIET"
    assert "heeft actiepunt A-1 van Leefbaarheidsteam Bolnes" in posts[0]["text"]
    [dm] = [p for p in posts if p["channel"] == "DU0FATIMA"]
    assert dm["text"].startswith("Anna de Vries heeft actiepunt A-1 aan u overgedragen")
    # fatima clicks "Gedaan" under the actiepunt
    resp, path = await slack.click("actie_gedaan", "A-1", user="U0FATIMA")
    assert resp.status_code == 200
    [done] = await slack.replies(path)
    assert done["text"] == "Actiepunt A-1 is gedaan: Gesprek met de jongeren."
    assert done["replace_original"] is False
    out = await slack.say("/actie A-1", user="U0FATIMA")
    history = out[out.index("Geschiedenis:") :].splitlines()[1:]
    actions = [m.group(1) for h in history if (m := re.search(r"\d\d:\d\d (\w+)", h))]
    assert actions == ["aangemaakt", "verplaatst", "overgedragen", "gedaan"]  # labels, not "status: gedaan"
    assert "(door Fatima Benali)" in history[-1]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(sign("something else"), id="bad-signature"),
        pytest.param({}, id="missing-signature"),
        pytest.param("stale", id="timestamp-older-than-5-minutes"),
    ],
)
async def test_unsigned_or_stale_requests_get_401_and_store_nothing(
    slack: SlackWorld, headers: dict[str, str] | str
) -> None:
    body, _path = slack.command_body("/signaal Inbraak bij de buren #veiligheid", user="U0ANNA", channel=BOLNES)
    if headers == "stale":
        headers = sign(body, ts=int(time.time()) - 6 * 60)  # clock-ok: a stale signature, relative to Slack's real time
    assert isinstance(headers, dict)
    resp = await slack.send(body, headers=headers)
    assert resp.status_code == 401
    await asyncio.sleep(0.05)  # give a (wrongly) started listener the chance to show itself
    with Session(slack.bot.engine) as s:
        assert s.exec(select(func.count()).select_from(Signaal)).one() == 0
        assert {sid: key for key, sid in bound(s, "slack").items()} == BOUND  # only the configured ones
    assert slack.fake.calls == []


async def test_a_retried_event_is_handled_once(slack: SlackWorld) -> None:
    event = {"type": "app_home_opened", "user": "U0ANNA", "channel": "DU0ANNA", "tab": "home", "event_ts": "1.0"}
    assert (await slack.event(event, event_id="Ev0001")).status_code == 200
    await slack.fake.wait_for("views.publish", 1)
    retried = await slack.event(event, event_id="Ev0001", retry=1)
    assert retried.status_code == 200
    # a later, different event is handled: by then a duplicate would have published too
    assert (await slack.event(event, event_id="Ev0002")).status_code == 200
    await slack.fake.wait_for("views.publish", 2)
    assert len(slack.fake.of("views.publish")) == 2
    with Session(slack.bot.engine) as s:
        keys = s.exec(select(InboxRequest.dedupe_key).where(InboxRequest.kind == "event")).all()
        assert sorted(keys) == ["slack:event:Ev0001", "slack:event:Ev0002"]  # the retry is no row


async def test_a_rate_limited_call_is_retried_after_retry_after_and_arrives_once(slack: SlackWorld) -> None:
    await slack.say("/overleg")  # anna uses Slack once, so her DMs can go there
    slack.fake.rate_limit_once("chat.postMessage")
    out = await slack.say("/afmelden volgende ziek", user="U0PIET")
    assert "De voorzitter (Anna de Vries) is op de hoogte gebracht." in out
    [dm] = await slack.fake.wait_for("chat.postMessage")
    assert dm["channel"] == "DU0ANNA"
    assert "Piet Verhoeven meldt zich af" in dm["text"]
    assert [c.status for c in slack.fake.calls if c.method == "chat.postMessage"] == [429, 200]
    with Session(slack.bot.engine) as s:
        assert all(m.sent_at is not None for m in s.exec(select(OutboxMessage)).all())


async def test_a_server_error_on_the_response_url_is_retried_and_the_reply_arrives_once(slack: SlackWorld) -> None:
    slack.fake.fail(1, methods={"response"})
    out = await slack.say("/signaal Losliggende stoeptegels #openbare-ruimte")
    assert out.startswith("Signaal S-1 vastgelegd")
    assert [c.status for c in slack.fake.calls if c.method == "response"] == [500, 200]


async def test_a_command_is_acknowledged_before_the_slow_work_is_done(slack: SlackWorld) -> None:
    slack.fake.delay["conversations.info"] = 1.0  # Slack's Web API is slow today
    loop = asyncio.get_running_loop()
    started = loop.time()
    resp, path = await slack.command("/actie lijst")
    acked = loop.time() - started
    assert resp.status_code == 200
    assert acked < 0.5
    await slack.replies(path)
    assert loop.time() - started >= 1.0


async def test_socket_mode_connects_and_handles_a_slash_command(
    db_url: str, fake_slack: FakeSlack, bound_config: Path
) -> None:
    bot = Wijkbot.create(db_url=db_url, config_path=str(bound_config), clock=Clock(NOW))
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_app_token=SecretStr("xapp-test"),
        slack_api_url=fake_slack.api_url,
    )
    transport = SlackTransport(bot, settings, retry_backoff=0.01)
    bot.notifiers.append(transport.notifier)
    assert transport.routes() == []  # nothing listens on HTTP in Socket Mode
    await transport.start()
    worker = InboxWorker(bot, [transport], worker="test-worker")  # the command goes through the inbox
    bot.on_received = worker.wake
    working = asyncio.create_task(worker.run())
    try:
        payload = {
            "team_id": "T0RIDDER",
            "channel_id": BOLNES,
            "channel_name": "lbt-bolnes",
            "user_id": "U0ANNA",
            "command": "/signaal",
            "text": "Zwerfafval bij de speeltuin #woonomgeving",
            "api_app_id": "A0WIJKBOT",
            "response_url": fake_slack.response_url("sock1"),
            "trigger_id": "",
        }
        envelope = {"envelope_id": "env-1", "type": "slash_commands", "payload": payload}
        await fake_slack.socket_send({**envelope, "accepts_response_payload": True})
        [reply] = await fake_slack.wait_for("response")
        assert reply["text"].startswith("Signaal S-1 vastgelegd voor Leefbaarheidsteam Bolnes")
        assert any(a.get("envelope_id") == "env-1" for a in fake_slack.socket_acks)
        with Session(bot.engine) as s:
            assert s.exec(select(InboxRequest.kind)).all() == ["command"]
    finally:
        working.cancel()
        await transport.stop()
        bot.engine.dispose()
