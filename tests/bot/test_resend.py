"""A send that timed out is sent again without doubles where Slack can tell, and counted where it
cannot (docs/security.md, "Bezorging"): over HTTP against the fake Slack on 127.0.0.1.

The Web API client gives up after 1 s; the fake posts the message and answers later ("hang then
succeed"), or loses it. Each outbox post carries its outbox id in Slack's message metadata; before
sending again, wijkbot reads the channel's history for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from bot.__main__ import main
from bot.run import health_report
from bot.settings import Settings
from bot.telegram import TelegramTransport
from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage, Person, PersonKind
from tests.bot.conftest import BOLNES, SlackWorld, slack_world
from tests.support.addresses import give_address
from tests.support.fake_slack import FakeSlack
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot

HANG = 2.5  # seconds the fake holds its answer: well past the client's 1 s


@pytest.fixture
async def slow(db_url: str, fake_slack: FakeSlack, bound_config: Path) -> AsyncIterator[SlackWorld]:
    """wijkbot in Slack whose Web API calls time out after 1 s; the fake's message times follow the bot's clock."""
    async with slack_world(db_url, fake_slack, bound_config, slack_timeout=1) as world:
        await world.transport.start()  # the shared connection pool, with the timeout as `wijkbot run` has it
        world.bot.delivery = replace(world.bot.delivery, send_timeout=10.0)  # the client's timeout comes first
        fake_slack.clock = lambda: world.bot.clock.now().timestamp()
        yield world


def queue(world: SlackWorld, *texts: str) -> list[int]:
    ids = []
    with transaction(world.bot.engine) as s:
        for text in texts:
            msg = outbox.enqueue(s, kind="channel", destination="lbt-bolnes", text=text, now=world.bot.clock.now())
            assert msg is not None
            assert msg.id is not None
            ids.append(msg.id)
    return ids


def row(world: SlackWorld, msg_id: int) -> OutboxMessage:
    with Session(world.bot.engine) as s:
        msg = s.get(OutboxMessage, msg_id)
        assert msg is not None
        return msg


async def time_out_once(world: SlackWorld, msg_id: int) -> None:
    """One delivery round in which the post gets no answer in time; then the next attempt is due."""
    assert await world.bot.flush() == 0
    failed = row(world, msg_id)
    assert failed.sent_at is None
    assert failed.timed_out_at == world.bot.clock.now()
    assert (failed.last_error or "").startswith("TimeoutError")
    world.fake.post_then_hang.clear()
    world.fake.lost_channels.clear()
    world.bot.clock.advance(timedelta(hours=1))


async def test_every_outbox_post_carries_its_outbox_id_in_the_message_metadata(slow: SlackWorld) -> None:
    [msg_id] = queue(slow, "Nieuw signaal S-1")
    await slow.bot.flush()
    [post] = slow.fake.of("chat.postMessage")
    assert post["metadata"] == {"event_type": "wijkbot_outbox", "event_payload": {"id": msg_id}}
    assert slow.fake.of("conversations.history") == []  # nothing timed out: nothing to look up
    assert row(slow, msg_id).after_timeout is None


async def test_a_post_that_timed_out_but_reached_slack_is_not_posted_twice_and_is_marked_sent(
    slow: SlackWorld,
) -> None:
    slow.fake.post_then_hang[BOLNES] = HANG
    [msg_id] = queue(slow, "Nieuw signaal S-1")
    await time_out_once(slow, msg_id)
    [after] = queue(slow, "Nieuw signaal S-2")  # waits behind it, in order

    assert await slow.bot.flush() == 2
    [look] = slow.fake.of("conversations.history")
    assert look["channel"] == BOLNES
    assert str(look["include_all_metadata"]).lower() in ("1", "true")
    assert float(look["oldest"]) <= slow.bot.clock.now().timestamp() - 3600  # from before the first attempt
    assert len(slow.fake.posted(BOLNES, outbox_id=msg_id)) == 1  # not posted again (nor by the client's retries)
    assert [m["text"] for m in slow.fake.posted(BOLNES)] == ["Nieuw signaal S-1", "Nieuw signaal S-2"]
    done = row(slow, msg_id)
    assert done.sent_at is not None
    assert done.after_timeout == "found"
    assert row(slow, after).sent_at is not None
    state = health_report(slow.bot, Settings(), ["slack"])["outbox"]
    assert isinstance(state, dict)
    assert state["possible_doubles"] == 0
    assert state["found_after_timeout"] == 1


async def test_a_post_that_timed_out_and_did_not_reach_slack_is_sent_again_once(slow: SlackWorld) -> None:
    slow.fake.lost_channels[BOLNES] = HANG
    [msg_id] = queue(slow, "Nieuw signaal S-1")
    await time_out_once(slow, msg_id)
    assert slow.fake.posted(BOLNES) == []

    assert await slow.bot.flush() == 1
    assert len(slow.fake.of("conversations.history")) == 1
    assert len(slow.fake.posted(BOLNES, outbox_id=msg_id)) == 1
    done = row(slow, msg_id)
    assert done.sent_at is not None
    assert done.after_timeout == "resent"
    state = health_report(slow.bot, Settings(), ["slack"])["outbox"]
    assert isinstance(state, dict)
    assert state["possible_doubles"] == 0


async def test_a_failing_history_check_sends_it_again_and_counts_one_possible_double(
    slow: SlackWorld, db_url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    slow.fake.post_then_hang[BOLNES] = HANG
    [msg_id] = queue(slow, "Nieuw signaal S-1")
    await time_out_once(slow, msg_id)
    slow.fake.fail(methods={"conversations.history"})  # Slack cannot show the history now

    assert await slow.bot.flush() == 1
    assert slow.fake.of("conversations.history") == []
    assert slow.fake.of("conversations.history", ok=False)
    assert len(slow.fake.posted(BOLNES, outbox_id=msg_id)) == 2  # it had arrived: now it is there twice
    done = row(slow, msg_id)
    assert done.sent_at is not None
    assert done.after_timeout == "unchecked"
    assert f"outbox {msg_id} (channel) sent again after a timeout" in caplog.text
    assert "Nieuw signaal" not in caplog.text  # never the text

    state = health_report(slow.bot, Settings(), ["slack"])["outbox"]
    assert isinstance(state, dict)
    assert state["possible_doubles"] == 1
    assert main(["outbox", "lijst", "--db", db_url, "--now", slow.bot.clock.now().isoformat()]) == 0
    out = capsys.readouterr().out
    assert "Mogelijk dubbel bezorgd na een time-out: 1" in out
    assert f"{msg_id:>6}  #lbt-bolnes" in out


# --- Telegram: no history to look in -------------------------------------------------------------


async def test_telegram_sends_again_after_a_timeout_and_counts_a_possible_double(db_url: str, tg: FakeTelegram) -> None:
    from tests.conftest import NOW

    team = TalkingBot(db_url, NOW)
    settings = Settings(telegram_bot_token=SecretStr(tg.token), telegram_api_url=tg.api_url)
    transport = TelegramTransport(team.bot, settings)
    await transport.application.initialize()
    team.bot.notifiers.insert(0, transport.notifier)
    try:
        with transaction(team.bot.engine) as s:
            amb = Person(key="amb-1", name="Bewoner", kind=PersonKind.ambassadeur, created_at=NOW)
            give_address(s, amb, "telegram", 777, now=NOW)
            msg = outbox.enqueue(s, kind="dm", destination="amb-1", text="Uw melding S-1 is opgepakt", now=NOW)
            assert msg is not None
            assert msg.id is not None
            outbox.note_timeout(msg, started=NOW)  # as an earlier send that got no answer in time leaves it
            msg_id = msg.id
        assert await team.bot.flush() == 1
        assert [m["text"] for m in tg.sent] == ["Uw melding S-1 is opgepakt"]
        with Session(team.bot.engine) as s:
            sent = s.get(OutboxMessage, msg_id)
            assert sent is not None
            assert sent.sent_at is not None
            assert sent.after_timeout == "unchecked"
        state = health_report(team.bot, Settings(), ["telegram"])["outbox"]
        assert isinstance(state, dict)
        assert state["possible_doubles"] == 1
    finally:
        team.bot.notifiers.remove(transport.notifier)
        await transport.application.shutdown()
        team.bot.engine.dispose()
