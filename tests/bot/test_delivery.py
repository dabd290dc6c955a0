"""Delivery for real (docs/security.md, "Bezorging"): the outbox over HTTP against the fake Slack
and the fake Telegram on 127.0.0.1, on the real database.

Messages waiting for an address never block others; a permanent refusal is parked and the rest of
the place's messages go; a hanging place holds back no other; the operator sees and handles parked
messages with `wijkbot outbox`; /healthz reports the outbox and turns 503 past its limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlmodel import Session, col, select

from bot.__main__ import main
from bot.http import create_http_app
from bot.run import health_report
from bot.settings import Settings
from bot.telegram import TelegramTransport
from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage, Person, PersonKind, Wijziging
from tests.bot.conftest import BOLNES, SlackWorld
from tests.support.addresses import give_address
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot

CENTRUM = "C0CENTRUM"
ROOT = Path(__file__).resolve().parents[2]
NOTICE = "outbox-melding:"


def queue(world: SlackWorld, *messages: tuple[str, str, str]) -> list[int]:
    """Queue (kind, destination, text) messages now; returns their outbox ids."""
    ids = []
    with transaction(world.bot.engine) as s:
        for kind, dest, text in messages:
            msg = outbox.enqueue(s, kind=kind, destination=dest, text=text, now=world.bot.clock.now())
            assert msg is not None
            assert msg.id is not None
            ids.append(msg.id)
    return ids


def bind(world: SlackWorld, key: str, slack_id: str) -> None:
    """Give a configured person a Slack id (as a first use of the bot would)."""
    world.fake.add_user(slack_id, key.title())
    with transaction(world.bot.engine) as s:
        person = s.exec(select(Person).where(Person.key == key)).one()
        give_address(s, person, "slack", slack_id, now=world.bot.clock.now())


def posts_to(world: SlackWorld, channel: str) -> list[str]:
    return [str(c["text"]) for c in world.fake.of("chat.postMessage") if c["channel"] == channel]


def row(world: SlackWorld, msg_id: int) -> OutboxMessage:
    with Session(world.bot.engine) as s:
        msg = s.get(OutboxMessage, msg_id)
        assert msg is not None
        return msg


# --- 19: delivery is never starved ---------------------------------------------------------------


async def test_250_messages_waiting_for_an_address_do_not_delay_a_channel_message(slack: SlackWorld) -> None:
    unbound = ["youssef", "sanne", "ingrid", "ruben", "rick", "nobody-known"]  # no Slack id
    queue(slack, *[("dm", unbound[n % len(unbound)], f"Herinnering {n}") for n in range(250)])
    [channel_msg] = queue(slack, ("channel", "lbt-bolnes", "Nieuw signaal S-1"))

    await slack.bot.flush()  # one delivery round

    assert posts_to(slack, BOLNES) == ["Nieuw signaal S-1"]
    assert row(slack, channel_msg).sent_at is not None
    with Session(slack.bot.engine) as s:
        waiting = s.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))).all()
    assert len(waiting) == 250
    assert all(m.parked_at is None for m in waiting)


async def test_direct_messages_waiting_a_day_for_an_address_are_reported_to_the_admins_once(
    slack: SlackWorld,
) -> None:
    bind(slack, "monique", "U0MONIQUE")  # the configured admin
    queue(slack, *[("dm", who, f"Herinnering {n}") for n, who in enumerate(["youssef", "youssef", "sanne"])])
    await slack.bot.flush()
    slack.bot.clock.advance(timedelta(hours=23))
    await slack.bot.flush()
    assert posts_to(slack, "DU0MONIQUE") == []  # not yet a day

    slack.bot.clock.advance(timedelta(hours=2))
    await slack.bot.flush()  # the round that finds them queues the notices
    await slack.bot.flush()  # the next one delivers them
    notices = posts_to(slack, "DU0MONIQUE")
    assert len(notices) == 1  # one notice for the round, not one per message or per person
    [notice] = notices
    assert notice.startswith("Berichten van wijkbot voor 2 personen wachten langer dan een dag")
    assert "Youssef el Amrani (@youssef): 2; " in notice  # the most waiting first
    assert "(@sanne): 1" in notice
    assert "wijkbot outbox lijst" in notice

    for _ in range(3):  # days later, the same messages are not reported again
        slack.bot.clock.advance(timedelta(days=1))
        await slack.bot.flush()
    assert len(posts_to(slack, "DU0MONIQUE")) == 1

    # a message for someone else, later: a notice of its own, in the words for one person
    queue(slack, ("dm", "youssef", "Nog een herinnering"))
    await slack.bot.flush()
    slack.bot.clock.advance(timedelta(hours=25))
    await slack.bot.flush()
    await slack.bot.flush()
    later = posts_to(slack, "DU0MONIQUE")[1:]
    assert len(later) == 1
    assert later[0].startswith("1 bericht van wijkbot voor Youssef el Amrani (@youssef) wacht langer dan een dag")


async def test_thousands_of_people_without_an_address_make_one_notice_that_names_twenty(slack: SlackWorld) -> None:
    bind(slack, "monique", "U0MONIQUE")
    queue(slack, *[("dm", f"onbekend{i:04d}", "Herinnering") for i in range(1500)])
    await slack.bot.flush()
    slack.bot.clock.advance(timedelta(hours=25))
    await slack.bot.flush()
    await slack.bot.flush()
    [notice] = posts_to(slack, "DU0MONIQUE")
    assert notice.startswith("Berichten van wijkbot voor 1500 personen wachten langer dan een dag")
    assert "(@onbekend0000: 1; @onbekend0001: 1;" in notice  # nobody has these keys: the key alone
    assert notice.count("@onbekend") == 20
    assert "en nog 1480 personen" in notice


# --- 12: permanent errors are not retries --------------------------------------------------------


async def test_a_message_refused_with_channel_not_found_is_parked_the_chair_told_once_and_the_next_ones_go(
    slack: SlackWorld,
) -> None:
    await slack.say("/overleg")  # anna, the chair of Bolnes, is known to Slack now
    slack.fake.refuse("channel_not_found", channel=BOLNES, containing="Kapot")
    ids = queue(
        slack,
        ("channel", "lbt-bolnes", "Kapot 1"),
        ("channel", "lbt-bolnes", "Kapot 2"),
        ("channel", "lbt-bolnes", "Bericht 3"),
        ("channel", "lbt-bolnes", "Bericht 4"),
    )
    await slack.bot.flush()
    assert posts_to(slack, BOLNES) == ["Bericht 3", "Bericht 4"]  # not held back, in order
    for msg_id in ids[:2]:
        parked = row(slack, msg_id)
        assert parked.parked_at is not None
        assert parked.park_reason == "channel_not_found"
        assert parked.sent_at is None
    tries = len(slack.fake.of("chat.postMessage", ok=False))

    for _ in range(3):  # a parked message is not tried again
        slack.bot.clock.advance(timedelta(hours=2))
        await slack.bot.flush()
    to_chair = posts_to(slack, "DU0ANNA")
    assert len(to_chair) == 1  # told once, for both
    assert to_chair[0].startswith(
        "Een bericht van wijkbot voor #lbt-bolnes kon niet worden bezorgd: het kanaal bestaat niet"
    )
    assert len(slack.fake.of("chat.postMessage", ok=False)) == tries + 1  # only the notice was posted since


async def test_invalid_blocks_is_tried_once_more_as_plain_text(slack: SlackWorld) -> None:
    slack.fake.refuse("invalid_blocks", channel=BOLNES, with_blocks_only=True)
    [msg_id] = queue(slack, ("channel", "lbt-bolnes", "Wooncompas & Facet <samen>"))
    await slack.bot.flush()
    refused = [c for c in slack.fake.of("chat.postMessage", ok=False) if c.error == "invalid_blocks"]
    assert len(refused) == 1
    [plain] = slack.fake.of("chat.postMessage")
    assert "blocks" not in plain.body
    assert plain["text"] == "Wooncompas &amp; Facet &lt;samen&gt;"
    assert row(slack, msg_id).sent_at is not None
    assert row(slack, msg_id).parked_at is None


async def test_invalid_blocks_also_as_plain_text_is_parked_and_the_admins_told(slack: SlackWorld) -> None:
    bind(slack, "monique", "U0MONIQUE")
    slack.fake.refuse("invalid_blocks", channel="DU0MONIQUE", containing="Overzicht")
    [msg_id, after] = queue(slack, ("dm", "monique", "Overzicht 1"), ("dm", "monique", "Daarna"))
    await slack.bot.flush()
    await slack.bot.flush()
    assert row(slack, msg_id).park_reason == "invalid_blocks"
    assert row(slack, after).sent_at is not None
    notices = [t for t in posts_to(slack, "DU0MONIQUE") if t.startswith("Een bericht van wijkbot")]
    assert len(notices) == 1
    assert "Monique Dekker (@monique)" in notices[0]
    assert "wijkbot outbox opnieuw" in notices[0]


async def test_transient_errors_back_off_and_are_parked_after_the_maximum_age(slack: SlackWorld) -> None:
    slack.fake.fail(methods={"chat.postMessage"})
    [msg_id] = queue(slack, ("channel", "lbt-bolnes", "Bericht"))
    await slack.bot.flush()
    first = row(slack, msg_id)
    assert first.parked_at is None
    assert first.attempts == 1
    assert first.next_attempt_at > slack.bot.clock.now()
    slack.bot.clock.advance(slack.bot.delivery.max_age)
    await slack.bot.flush()
    parked = row(slack, msg_id)
    assert parked.park_reason == "te_lang_onbezorgd"
    assert parked.sent_at is None


async def test_a_hanging_channel_does_not_hold_back_another(slack: SlackWorld) -> None:
    slack.bot.delivery = replace(slack.bot.delivery, send_timeout=0.5)
    slack.fake.hang_channels[CENTRUM] = 2.5  # Slack does not answer for this channel
    [slow, _] = queue(slack, ("channel", "lbt-centrum-west", "Traag"), ("channel", "lbt-bolnes", "Snel"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    round_ = asyncio.create_task(slack.bot.flush())
    await slack.fake.wait_for("chat.postMessage", 1, timeout=5)
    assert posts_to(slack, BOLNES) == ["Snel"]
    assert loop.time() - started < 0.5
    assert await asyncio.wait_for(round_, timeout=5) == 1  # the round ends after the send timeout
    failed = row(slack, slow)
    assert failed.sent_at is None
    assert failed.parked_at is None
    assert (failed.last_error or "").startswith("TimeoutError")

    slack.fake.hang_channels.clear()
    slack.bot.clock.advance(timedelta(hours=1))
    await slack.bot.flush()
    assert row(slack, slow).sent_at is not None
    # the fake answers the hung request late and keeps it, as Slack may: that message twice, never another
    await slack.fake.wait_for("chat.postMessage", 2, timeout=5)
    assert 1 <= posts_to(slack, CENTRUM).count("Traag") <= 2


# --- Telegram 400 / 403 -------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "reason"), [(403, "telegram_403"), (400, "telegram_400")])
async def test_telegram_refusing_a_resident_parks_the_message_and_tells_the_admins(
    team: TalkingBot, tg: FakeTelegram, status: int, reason: str
) -> None:
    settings = Settings(telegram_bot_token=SecretStr(tg.token), telegram_api_url=tg.api_url)
    transport = TelegramTransport(team.bot, settings)
    await transport.application.initialize()
    team.bot.notifiers.insert(0, transport.notifier)  # before the recorder, which takes anything
    try:
        now = team.bot.clock.now()
        with transaction(team.bot.engine) as s:
            amb = Person(key="amb-1", name="Bewoner", kind=PersonKind.ambassadeur, created_at=now)
            give_address(s, amb, "telegram", 777, now=now)
            first = outbox.enqueue(s, kind="dm", destination="amb-1", text="Uw melding S-1 is opgepakt", now=now)
            second = outbox.enqueue(s, kind="dm", destination="amb-1", text="Uw melding S-2 is gesloten", now=now)
            assert first is not None
            assert second is not None
        tg.refuse("sendMessage", times=1, status=status)
        await team.bot.flush()
        await team.bot.flush()
        with Session(team.bot.engine) as s:
            parked, delivered = s.get(OutboxMessage, first.id), s.get(OutboxMessage, second.id)
            assert parked is not None
            assert delivered is not None
            assert parked.park_reason == reason
            assert delivered.sent_at is not None
        assert [m["text"] for m in tg.sent] == ["Uw melding S-2 is gesloten"]
        [notice] = team.posted_to("@monique")
        assert notice.startswith("Een bericht van wijkbot voor Bewoner (@amb-1) kon niet worden bezorgd")
    finally:
        team.bot.notifiers.remove(transport.notifier)
        await transport.application.shutdown()


# --- the operator: wijkbot outbox lijst | opnieuw | weg --------------------------------------------


async def test_outbox_lijst_opnieuw_weg_for_the_operator(
    slack: SlackWorld, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.fake.refuse("channel_not_found", channel=BOLNES)
    [parked, other] = queue(slack, ("channel", "lbt-bolnes", "Geheime tekst"), ("channel", "lbt-bolnes", "Tweede"))
    [waiting] = queue(slack, ("dm", "youssef", "Herinnering voor Youssef"))  # he has no Slack id
    await slack.bot.flush()
    at = (slack.bot.clock.now() + timedelta(hours=3)).isoformat()

    assert main(["outbox", "--db", db_url, "--now", at]) == 0  # `lijst` is the default
    out = capsys.readouterr().out
    assert "Geparkeerd (2)" in out
    assert f"{parked:>6}  #lbt-bolnes" in out
    assert "channel_not_found" in out
    assert "het kanaal bestaat niet" in out
    assert "geparkeerd 3 uur" in out
    # youssef's reminder, and the chair's notice about the parked ones (not delivered since)
    assert "Wacht langer dan een uur (2)" in out
    assert "@youssef" in out
    assert "geen Slack- of Telegram-account" in out
    assert "Geheime tekst" not in out
    assert "Herinnering voor Youssef" not in out

    slack.fake._refusals.clear()  # the bot was invited after all
    assert main(["outbox", "opnieuw", str(parked), "--db", db_url, "--now", at]) == 0
    assert f"Bericht {parked} voor #lbt-bolnes staat weer in de wachtrij." in capsys.readouterr().out
    slack.bot.clock.advance(timedelta(hours=3))
    await slack.bot.flush()
    assert posts_to(slack, BOLNES) == ["Geheime tekst"]

    assert main(["outbox", "weg", str(other), "--db", db_url, "--now", at]) == 0
    assert "is verwijderd" in capsys.readouterr().out
    assert main(["outbox", "weg", str(waiting), "--db", db_url, "--now", at]) == 0
    with Session(slack.bot.engine) as s:
        assert s.get(OutboxMessage, other) is None
        assert s.get(OutboxMessage, waiting) is None
        audit = s.exec(select(Wijziging).where(Wijziging.item_type == "outbox").order_by(col(Wijziging.id))).all()
    assert [(a.item_id, a.action) for a in audit] == [
        (parked, "outbox_opnieuw"),
        (other, "outbox_verwijderd"),
        (waiting, "outbox_verwijderd"),
    ]
    assert all("Geheime" not in a.detail and "youssef" not in a.detail for a in audit)

    assert main(["outbox", "weg", str(parked), "--db", db_url]) == 1  # sent by now
    assert "is al bezorgd" in capsys.readouterr().err
    assert main(["outbox", "opnieuw", "999", "--db", db_url]) == 1
    assert "staat niet in de outbox" in capsys.readouterr().err


def test_wijkbot_outbox_lijst_as_a_process(db_url: str, engine: object) -> None:
    from tests.conftest import NOW

    env = {**os.environ, "DATABASE_URL": db_url, "WIJKBOT_LOG_LEVEL": "WARNING"}
    empty = subprocess.run(
        [sys.executable, "-m", "bot", "outbox", "lijst"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.strip() == "Er is niets geparkeerd en niets wacht langer dan een uur."
    from storage.db import make_engine

    eng = make_engine(db_url)
    with transaction(eng) as s:
        msg = outbox.enqueue(s, kind="channel", destination="lbt-oost", text="x", now=NOW)
        assert msg is not None
        outbox.park(s, msg, now=NOW, reason="is_archived")
    eng.dispose()
    listed = subprocess.run(
        [sys.executable, "-m", "bot", "outbox", "lijst", "--now", (NOW + timedelta(days=3)).isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert "#lbt-oost" in listed.stdout
    assert "het kanaal is gearchiveerd (is_archived)" in listed.stdout
    assert "3 dagen" in listed.stdout
    again = subprocess.run(
        [sys.executable, "-m", "bot", "outbox", "opnieuw", "alle"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert again.returncode == 0
    assert again.stdout.strip() == "1 geparkeerd bericht staat weer in de wachtrij."


# --- /healthz -----------------------------------------------------------------------------------


async def test_healthz_reports_the_outbox_and_turns_503_past_the_limits(slack: SlackWorld) -> None:
    settings = Settings(wijkbot_health_max_parked=1, wijkbot_health_max_age=3600)
    app = create_http_app([], lambda: health_report(slack.bot, settings, ["slack"]))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/healthz"
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            queue(slack, *[("dm", "youssef", f"Herinnering {n}") for n in range(3)])  # no address: not a fault
            fine = await http.get(url)
            assert fine.status_code == 200
            body = fine.json()
            assert body["ok"] is True
            assert body["outbox"]["waiting"] == 3
            assert body["outbox"]["parked"] == 0
            assert body["outbox"]["destinations_without_address"] == 1

            slack.fake.fail(methods={"chat.postMessage"})  # Slack down: a channel message keeps waiting
            queue(slack, ("channel", "lbt-bolnes", "Bericht"))
            slack.bot.clock.advance(timedelta(hours=2))
            await slack.bot.flush()
            late = await http.get(url)
            assert late.status_code == 503
            assert late.json()["outbox"]["oldest_deliverable_age_seconds"] >= 3600
            assert "het oudste bezorgbare bericht wacht" in late.json()["outbox"]["problems"][0]

            slack.fake.heal()
            slack.fake.refuse("is_archived", channel=BOLNES)
            queue(slack, ("channel", "lbt-bolnes", "A"), ("channel", "lbt-bolnes", "B"))
            slack.bot.clock.advance(timedelta(hours=1))
            await slack.bot.flush()
            parked = await http.get(url)
            assert parked.status_code == 503
            state = json.loads(parked.text)["outbox"]
            assert state["parked"] == 3
            assert "3 geparkeerde berichten" in state["problems"][0]
    finally:
        server.should_exit = True
        await serving


async def test_the_relay_starts_a_new_round_while_an_older_one_waits_on_a_hanging_channel(slack: SlackWorld) -> None:
    from bot.run import relay_outbox

    slack.bot.delivery = replace(slack.bot.delivery, send_timeout=3.0)
    slack.fake.hang_channels[CENTRUM] = 3.5
    wake = asyncio.Event()
    relay = asyncio.create_task(relay_outbox(slack.bot, wake))
    try:
        queue(slack, ("channel", "lbt-centrum-west", "Traag"))
        wake.set()
        await slack.fake.wait_for("conversations.list", 1, timeout=5)  # the first round is at the hanging post now
        loop = asyncio.get_running_loop()
        queued_at = loop.time()
        queue(slack, ("channel", "lbt-bolnes", "Snel"))
        wake.set()
        await slack.fake.wait_for("chat.postMessage", 1, timeout=5)
        assert posts_to(slack, BOLNES) == ["Snel"]
        assert loop.time() - queued_at < 2.5
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
