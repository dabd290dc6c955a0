"""Telegram as residents know it: within every Bot API limit with realistic data, groups left with
one explanation, the command menu, photos sent as files, the webhook secret checked at start and
the bot's own name in every invitation link. Through the fake Bot API, which refuses (and fails
the test on) every request beyond Telegram's limits."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlmodel import Session, select

from bot.http import create_http_app
from bot.telegram import IN_A_GROUP, TelegramTransport
from bot.telegram_messages import COMMANDS, TEXT_LIMIT, escape_html, keyboard, split_text, telegram_length
from handlers import resident
from storage import items
from storage.config import ConfigError
from storage.db import transaction
from storage.models import Invitation, OutboxMessage, Person, SignaalStatus
from tests.bot.test_telegram import (  # noqa: F401 - fixtures and helpers
    _serve,
    counts,
    invite,
    linked,
    settings_for,
    start_telegram,
    stop_telegram,
    telegram,
)
from tests.support.addresses import held_by
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parents[2]
MESSY = "Wooncompas & Facet <samen> 🏚️🚲 bij de Vlietkade & 't Zand"


def _ambassador(tb: TalkingBot, telegram_id: int) -> Person:
    with tb.session() as s:
        person = held_by(s, "telegram", telegram_id)
        assert person is not None
        return person


async def _all_handled(fake: FakeTelegram) -> None:
    """Updates are handled in order: once a later private /help is answered, all before it are too."""
    sentinel = fake.user(6999, "Controle")
    await fake.say(sentinel, "/help")


# --- limits by construction --------------------------------------------------------------------


async def test_mijnsignalen_with_300_messy_signalen_arrives_whole_in_messages_within_the_limit(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    jan = tg.user(9301, "Jan")
    await linked(team, tg, jan)
    person = _ambassador(team, jan.id)
    now = team.bot.clock.now()
    with transaction(team.bot.engine) as s:
        group_id = resident.ambassador_group(s, person).id  # type: ignore[union-attr]
        for n in range(300):
            sig = items.record_signaal(
                s,
                group_id=group_id or 0,
                text=f"{n}: {MESSY} " * 3,
                category="overlast",
                reported_by_id=person.id,
                now=now + timedelta(minutes=n),
                source="ambassadeur",
            )
            if n % 2:  # the team's answer to the resident can be long, and full of & and <
                sig.status, sig.closing_note = SignaalStatus.gesloten, (f"{MESSY} " * 30)[:1990]
            s.add(sig)
    with Session(team.bot.engine) as s:
        ctx = resident.ambassador_context(s, team.bot.config, transport="telegram", address=str(jan.id), now=now)
        assert ctx is not None
        expected = resident.my_signalen(ctx)
    assert telegram_length(expected) > 3 * TEXT_LIMIT  # the case that failed: one reply far over 4,096

    before = len(tg.sent_to(jan))
    await tg.send_text(jan, "/mijnsignalen")
    await _all_handled(tg)
    got = tg.sent_to(jan)[before:]
    assert len(got) == len(split_text(expected)) >= 4
    assert all(telegram_length(t) <= TEXT_LIMIT for t in got)
    assert "\n".join(got) == expected  # cut between lines: nothing lost, nothing changed
    assert all(t.split("\n")[0].startswith(("Uw meldingen", "(de laatste", "•")) for t in got)
    assert not tg.violations


async def test_a_status_message_that_grows_past_the_limit_when_escaped_arrives_in_pieces_that_read_as_written(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    jan = tg.user(9302, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal Lamp <kapot> & donker")
    await tg.tap(jan, "soort:woonomgeving")
    await tg.tap(jan, "foto:geen")
    await tg.tap(jan, "plek:geen")
    assert "S-1" in await tg.tap(jan, "bevestig:ja")
    note = " ".join(["A&B<C>D"] * 249)  # 1,991 characters; sent as HTML over 5,000
    assert telegram_length(escape_html(note)) > TEXT_LIMIT

    await team.say(f"/signaal S-1 sluit {note}")
    with team.session() as s:
        person = _ambassador(team, jan.id)
        status = s.exec(select(OutboxMessage).where(OutboxMessage.destination == person.key)).all()[-1]
    await tg.wait_for(lambda: "Dank u wel voor het melden" in tg.sent[-1].get("text", ""))
    calls = [c for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == jan.id][-2:]
    assert all(c.params["parse_mode"] == "HTML" for c in calls)
    assert all(telegram_length(c.params["text"]) <= TEXT_LIMIT for c in calls)
    shown = [m["text"] for m in tg.sent if m["chat"]["id"] == jan.id][-2:]  # what Jan reads
    assert " ".join(shown) == status.text
    assert note in status.text
    assert not tg.violations


@given(st.text(alphabet=st.sampled_from(["a", "&", "<", ">", " ", "\n", "🏚", "\ufe0f", "🚲", "é", "ß"]), max_size=3000))
def test_split_text_keeps_every_piece_within_the_limit_after_escaping_and_loses_nothing(text: str) -> None:
    limit = 40
    pieces = split_text(text, limit=limit, escape=escape_html)
    assert all(0 < telegram_length(escape_html(p)) <= limit for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(
        text.split()
    )  # only cut at white space or inside a word


def test_split_text_cuts_only_between_lines_when_every_line_fits() -> None:
    lines = [f"• S-{n} {MESSY}" for n in range(400)]
    pieces = split_text("\n".join(lines), escape=escape_html)
    assert len(pieces) > 1
    assert "\n".join(pieces) == "\n".join(lines)
    assert all(telegram_length(escape_html(p)) <= TEXT_LIMIT for p in pieces)


def test_a_button_whose_callback_data_telegram_would_refuse_cannot_be_made() -> None:
    assert keyboard([("Ja", "x" * 64)]).inline_keyboard[0][0].callback_data == "x" * 64
    with pytest.raises(ValueError, match="1-64 bytes"):
        keyboard([("Ja", "é" * 33)])  # 66 bytes in UTF-8
    with pytest.raises(ValueError, match="callback data must be 1-64 bytes"):
        keyboard([("Leeg", "")])


# --- groups ------------------------------------------------------------------------------------


async def test_added_to_a_group_the_bot_explains_once_and_leaves(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    kees = tg.user(9401, "Kees")
    chat = tg.group(-100123, "Buurtapp Bolnes")
    before = counts(team)
    await tg.add_to_group(kees, chat)  # my_chat_member and the "joined" service message
    await tg.wait_for(lambda: -100123 in tg.left)
    await _all_handled(tg)
    assert tg.sent_to_chat(-100123) == [IN_A_GROUP.format(name=tg.username)]
    assert "privégesprek" in IN_A_GROUP
    assert "@{name}" in IN_A_GROUP
    assert tg.left == [-100123]  # the "left" update Telegram sends afterwards is no reason to speak
    assert counts(team) == before


async def test_start_with_a_code_in_a_group_is_explained_the_group_left_and_the_code_still_works_privately(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    code = await invite(team)
    jan = tg.user(9402, "Jan")
    chat = tg.group(-100456, "Straatgroep Dijkstraat", kind="group")
    before = counts(team)
    await tg.send_text(jan, f"/start@{tg.username} {code}", chat=chat)
    await tg.wait_for(lambda: -100456 in tg.left)
    await _all_handled(tg)
    assert tg.sent_to_chat(-100456) == [IN_A_GROUP.format(name=tg.username)]
    assert counts(team) == before
    with team.session() as s:
        assert s.exec(select(Invitation)).one().used_at is None
    assert "Welkom, Jan" in await tg.say(jan, f"/start {code}")


async def test_through_the_webhook_too_a_group_is_explained_and_left(team: TalkingBot, tg: FakeTelegram) -> None:
    transport = await start_telegram(
        team,
        tg,
        telegram_webhook_url="https://wijkbot.example.nl/telegram/webhook",
        telegram_webhook_secret=SecretStr("juist-geheim"),
    )
    server, task, base = await _serve(create_http_app(transport.routes(), lambda: {"ok": True}))
    try:
        chat = tg.group(-100321, "Buurtapp")
        added = tg.member_update(chat, "left", "member", by=tg.user(9405, "Kees"))
        headers = {"X-Telegram-Bot-Api-Secret-Token": "juist-geheim", "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=10) as http:
            resp = await http.post(f"{base}/telegram/webhook", content=json.dumps(added), headers=headers)
        assert resp.status_code == 200
        await tg.wait_for(lambda: -100321 in tg.left)
        assert tg.sent_to_chat(-100321) == [IN_A_GROUP.format(name=tg.username)]
        assert "my_chat_member" in tg.calls_to("setWebhook")[-1].json("allowed_updates")
    finally:
        server.should_exit = True
        await task
        await stop_telegram(team, transport)


async def test_made_admin_of_a_channel_the_bot_leaves_without_posting(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    channel = tg.group(-100789, "Nieuws uit de wijk", kind="channel")
    await tg.enqueue(tg.member_update(channel, "left", "administrator", by=tg.user(9403, "Kees")))
    await tg.wait_for(lambda: -100789 in tg.left)
    await _all_handled(tg)
    assert tg.sent_to_chat(-100789) == []


async def test_a_resident_who_blocks_the_bot_is_not_answered(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    jan = tg.user(9404, "Jan")
    await tg.enqueue(tg.member_update(jan.chat(), "member", "kicked", by=jan))
    await _all_handled(tg)
    assert tg.sent_to(jan) == []
    assert tg.left == []


# --- the menu -----------------------------------------------------------------------------


async def test_the_command_menu_is_set_at_start_in_dutch(
    team: TalkingBot,
    tg: FakeTelegram,
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    assert [(c["command"], c["description"]) for c in tg.commands] == list(COMMANDS)
    names = {c["command"] for c in tg.commands}
    assert {"start", "signaal", "mijnsignalen", "stop", "help"} <= names  # CONTRACTS.md §1
    assert all(resident.HELP.count(f"/{n}") or n == "start" for n in names)  # the menu and /help agree


async def test_telegram_runs_when_setting_the_menu_is_refused(team: TalkingBot, tg: FakeTelegram) -> None:
    tg.refuse("setMyCommands", status=400)
    transport = await start_telegram(team, tg)
    try:
        assert "wijkregisseur" in await tg.say(tg.user(9501, "Kees"), "/start")
    finally:
        await stop_telegram(team, transport)


# (a photo sent as a file: tests/test_resident.py, through the port and Telegram alike)


# --- the webhook secret ------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["met spaties erin", "geheim!", "x" * 257, "wachtwoord=é"])
async def test_an_invalid_webhook_secret_is_one_dutch_error_before_anything_is_sent(
    team: TalkingBot,
    tg: FakeTelegram,
    secret: str,
) -> None:
    settings = settings_for(
        tg,
        telegram_webhook_url="https://wijkbot.example.nl/telegram/webhook",
        telegram_webhook_secret=SecretStr(secret),
    )
    with pytest.raises(ConfigError) as caught:
        TelegramTransport(team.bot, settings)
    message = str(caught.value)
    assert message.startswith("TELEGRAM_WEBHOOK_SECRET is ongeldig")
    assert "1 tot 256 tekens" in message
    assert secret not in message
    assert message.count(".") <= 1
    assert tg.calls == []


async def test_the_longest_valid_webhook_secret_is_registered(team: TalkingBot, tg: FakeTelegram) -> None:
    secret = "Ab0_-" * 51 + "z"  # 256 characters
    transport = await start_telegram(
        team,
        tg,
        telegram_webhook_url="https://wijkbot.example.nl/telegram/webhook",
        telegram_webhook_secret=SecretStr(secret),
    )
    try:
        assert tg.calls_to("setWebhook")[-1].params["secret_token"] == secret
    finally:
        await stop_telegram(team, transport)


def test_wijkbot_run_with_an_invalid_webhook_secret_stops_with_the_dutch_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "WIJKBOT_", "DATABASE"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wijkbot.db'}",
        "TELEGRAM_BOT_TOKEN": "4242:TEST-token",
        "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",  # never reached
        "TELEGRAM_WEBHOOK_URL": "https://wijkbot.example.nl/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "mijn geheime zin!",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc
    assert "Traceback" not in proc.stderr
    assert "mijn geheime zin" not in proc.stderr
    assert "TELEGRAM_WEBHOOK_SECRET is ongeldig" in proc.stderr


# --- the bot's name in invitation links -------------------------------------------------------


async def test_an_invitation_made_in_another_process_names_the_bot_telegram_reported(
    db_url: str,
    team: TalkingBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_NAME", raising=False)
    assert "https://t.me/wijkbot_bot?start=" in await team.say("/ambassadeur uitnodigen")  # nothing known yet
    monkeypatch.setenv("TELEGRAM_BOT_NAME", "@ingesteld_bot")
    configured = TalkingBot(db_url, team.bot.clock.now())  # a process started with TELEGRAM_BOT_NAME set
    try:
        assert "https://t.me/ingesteld_bot?start=" in await configured.say("/ambassadeur uitnodigen")
    finally:
        configured.bot.engine.dispose()

    fake = FakeTelegram(username="wijkbot_ridderkerk_bot")
    await fake.start()
    try:
        transport = await start_telegram(team, fake)  # the Telegram process
        await stop_telegram(team, transport)
    finally:
        await fake.close()
    slack_process = TalkingBot(db_url, team.bot.clock.now())  # a process without Telegram
    try:
        reply = await slack_process.say("/ambassadeur uitnodigen")
    finally:
        slack_process.bot.engine.dispose()
    assert "https://t.me/wijkbot_ridderkerk_bot?start=" in reply
    assert "@wijkbot_ridderkerk_bot" in reply
    code = re.search(r"\?start=([A-Za-z0-9_-]+)", reply)
    assert code
    assert 1 <= len(code[1]) <= 64
