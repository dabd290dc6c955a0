"""Wijkambassadeurs on Telegram, for real: python-telegram-bot polling (or receiving webhooks from)
a Bot API of ours on 127.0.0.1 (tests/support/fake_telegram.py), the team on the console side.

The conversations themselves (linking, refusals, triage, cancelling, time, /stop) run through the
handler port and through Telegram alike in tests/test_resident.py; here is what only Telegram has."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlmodel import func, select

from bot.http import create_http_app
from bot.inbox import InboxWorker
from bot.settings import Settings
from bot.telegram import TelegramTransport
from storage.models import (
    Draft,
    Invitation,
    Membership,
    Person,
    Signaal,
    Wijziging,
)
from tests.support.addresses import held_by
from tests.support.fake_telegram import FakeTelegram, TgUser
from tests.support.talk import TalkingBot

MELDINGEN_URL = "https://www.ridderkerk.nl/melding-openbare-ruimte"  # config/ridderkerk.toml


def settings_for(tg: FakeTelegram, **extra: object) -> Settings:
    return Settings(telegram_bot_token=SecretStr(tg.token), telegram_api_url=tg.api_url, **extra)  # type: ignore[arg-type]


async def start_telegram(
    team: TalkingBot, tg: FakeTelegram, *, settings: Settings | None = None, **extra: object
) -> TelegramTransport:
    transport = TelegramTransport(team.bot, settings or settings_for(tg, **extra))
    team.bot.notifiers.insert(0, transport.notifier)  # before the recorder, which takes anything
    await transport.start()
    if transport.webhook_url:  # webhook updates go through the inbox: a worker in this process runs them
        worker = InboxWorker(team.bot, [transport], worker="test-worker")
        team.bot.on_received = worker.wake
        WORKERS[id(transport)] = asyncio.create_task(worker.run())
    return transport


WORKERS: dict[int, asyncio.Task[None]] = {}  # the inbox worker of a transport in webhook mode


async def stop_telegram(team: TalkingBot, transport: TelegramTransport) -> None:
    working = WORKERS.pop(id(transport), None)
    if working is not None:
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working
    await transport.stop()
    if transport.notifier in team.bot.notifiers:
        team.bot.notifiers.remove(transport.notifier)


@pytest.fixture
async def telegram(team: TalkingBot, tg: FakeTelegram) -> AsyncIterator[TelegramTransport]:
    """The Telegram transport in long-polling mode against the fake Bot API."""
    transport = await start_telegram(team, tg)
    yield transport
    await stop_telegram(team, transport)


async def invite(team: TalkingBot) -> str:
    reply = await team.say("/ambassadeur uitnodigen")
    m = re.search(r"\?start=([A-Za-z0-9_-]+)", reply)
    assert m, reply
    return m[1]


async def linked(team: TalkingBot, tg: FakeTelegram, user: TgUser) -> None:
    code = await invite(team)
    assert f"Welkom, {user.first_name}!" in await tg.say(user, f"/start {code}")


async def saved(transport: TelegramTransport) -> None:
    """Wait until every update is handled (each one writes its draft in its own transaction)."""
    await asyncio.wait_for(transport.application.update_queue.join(), timeout=10)


def counts(team: TalkingBot) -> dict[str, int]:
    return {m.__name__: team.rows(m) for m in (Person, Invitation, Signaal, Membership, Draft)}


# --- the webhook ----------------------------------------------------------------------------


async def _serve(app: object) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    return server, task, f"http://127.0.0.1:{port}"


async def test_webhook_refuses_a_wrong_secret_with_403_and_stores_nothing(team: TalkingBot, tg: FakeTelegram) -> None:
    transport = await start_telegram(
        team,
        tg,
        telegram_webhook_url="https://wijkbot.example.nl/telegram/webhook",
        telegram_webhook_secret=SecretStr("juist-geheim"),
    )
    server, task, base = await _serve(create_http_app(transport.routes(), lambda: {"ok": True}))
    try:
        hook = tg.calls_to("setWebhook")[-1]
        assert hook.params["secret_token"] == "juist-geheim"
        assert not tg.calls_to("getUpdates")  # webhook mode does not poll
        code = await invite(team)
        kees = tg.user(7501, "Kees")
        body = json.dumps(tg.text_update(kees, f"/start {code}"))
        before = counts(team)
        async with httpx.AsyncClient(timeout=10) as http:
            url = f"{base}/telegram/webhook"
            wrong = await http.post(url, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": "fout"})
            missing = await http.post(url, content=body)
            assert (wrong.status_code, missing.status_code) == (403, 403)
            good = {"X-Telegram-Bot-Api-Secret-Token": "juist-geheim", "Content-Type": "application/json"}
            assert (await http.post(url, content="{niet: json", headers=good)).status_code == 400
            assert (await http.post(url, content="[1, 2]", headers=good)).status_code == 400
            assert counts(team) == before
            assert not tg.sent_to(kees)

            assert (await http.post(url, content=body, headers=good)).status_code == 200
            await tg.wait_for(lambda: bool(tg.sent_to(kees)))
        assert "Welkom, Kees" in tg.sent_to(kees)[0]
        assert counts(team)["Person"] == before["Person"] + 1
    finally:
        server.should_exit = True
        await task
        await stop_telegram(team, transport)


async def test_webhook_refuses_a_body_over_one_mebibyte_with_413(team: TalkingBot, tg: FakeTelegram) -> None:
    transport = await start_telegram(
        team,
        tg,
        telegram_webhook_url="https://wijkbot.example.nl/telegram/webhook",
        telegram_webhook_secret=SecretStr("juist-geheim"),
    )
    server, task, base = await _serve(create_http_app(transport.routes(), lambda: {"ok": True}))
    try:
        kees = tg.user(7502, "Kees")
        update = tg.text_update(kees, "/start " + "x" * (1024 * 1024))
        good = {"X-Telegram-Bot-Api-Secret-Token": "juist-geheim", "Content-Type": "application/json"}
        before = counts(team)
        async with httpx.AsyncClient(timeout=10) as http:
            resp = await http.post(f"{base}/telegram/webhook", content=json.dumps(update), headers=good)
        assert resp.status_code == 413
        assert counts(team) == before
        assert not tg.sent_to(kees)
    finally:
        server.should_exit = True
        await task
        await stop_telegram(team, transport)


# --- a restart, linking, an unreachable Telegram ---------------------------------------------


async def test_the_conversation_survives_a_restart_of_the_bot(
    team: TalkingBot, tg: FakeTelegram, telegram: TelegramTransport
) -> None:
    jan = tg.user(8101, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal")
    await tg.say(jan, "Bij de bushalte Vlietplein ligt steeds glas")
    assert "Heeft u een foto?" in await tg.tap(jan, "soort:woonomgeving")
    await stop_telegram(team, telegram)  # mid-conversation
    assert team.count(select(func.count()).select_from(Draft)) == 1  # the draft (with its step), in the DB

    again = await start_telegram(team, tg)
    try:
        assert "foto is erbij" in await tg.next_message(jan, lambda: tg.send_photo(jan, "AgAC-glas"))
        await tg.say(jan, "Bushalte Vlietplein")
        assert "S-1" in await tg.tap(jan, "bevestig:ja")
    finally:
        await stop_telegram(team, again)
    with team.session() as s:
        sig = s.exec(select(Signaal)).one()
    assert "glas" in sig.text
    assert sig.photo_ref == "telegram:AgAC-glas"
    assert sig.location == "Bushalte Vlietplein"


async def test_a_restart_after_thirty_quiet_minutes_drops_the_conversation(
    team: TalkingBot, tg: FakeTelegram, telegram: TelegramTransport
) -> None:
    jan = tg.user(8201, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal Iets")
    await stop_telegram(team, telegram)
    team.bot.clock.advance(timedelta(minutes=45))
    again = await start_telegram(team, tg)
    try:
        assert "/signaal" in await tg.say(jan, "nog meer tekst")  # no conversation any more
        with team.session() as s:
            assert s.exec(select(Draft).where(Draft.flow == "signaal")).first() is None
    finally:
        await stop_telegram(team, again)


async def test_linking_is_in_the_audit_log_and_the_ambassador_has_no_partner_rights(
    team: TalkingBot, tg: FakeTelegram, telegram: TelegramTransport
) -> None:
    await linked(team, tg, tg.user(8301, "Jan"))
    with team.session() as s:
        person = held_by(s, "telegram", 8301)
        assert person is not None
        assert s.exec(select(Wijziging).where(Wijziging.item_type == "ambassadeur")).first() is not None
    # residents never see the partners' discussion: the team's commands refuse them
    answer = await team.say("/signaal lijst", as_=person.key)
    assert "S-" not in answer
    assert "Alleen leden" in answer or "alleen" in answer.lower()


async def test_telegram_unreachable_at_start_does_not_stop_the_bot_and_connects_when_it_is_back(
    team: TalkingBot,
) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here yet
    tg = FakeTelegram()
    settings = Settings(telegram_bot_token=SecretStr(tg.token), telegram_api_url=f"http://127.0.0.1:{port}/bot")
    transport = TelegramTransport(team.bot, settings, retry_delay=0.05)
    await transport.start()  # returns: the rest of wijkbot (Slack, the scheduler) keeps running
    try:
        await tg.start(port=port)
        jan = tg.user(8401, "Jan")
        await tg.wait_for(lambda: bool(tg.calls_to("getMe")))
        assert "wijkregisseur" in await tg.say(jan, "/start")
    finally:
        await transport.stop()
        await tg.close()
