"""Nothing personal in the logs: a session of `wijkbot run` at DEBUG, with a partner in Slack and a
wijkambassadeur on Telegram (loopback fakes of both), and everything it wrote scanned for their
names, keys and chat ids."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.__main__ import install_log_privacy
from handlers.resident import hash_code
from storage.db import transaction
from storage.models import Group, Invitation, Person
from tests.bot.conftest import SECRET, USERS, SlackWorld, ridderkerk_with
from tests.conftest import NOW
from tests.support.fake_slack import FakeSlack
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parents[2]
GERDA_CHAT = 700123456
CODE = "logtest-code-1"
PERSONAL = ["Piet Verhoeven", "Piet", "Anna de Vries", "Gerda", "U0PIET", "U0ANNA", str(GERDA_CHAT)]


def _leaks(text: str, needles: list[str]) -> dict[str, list[str]]:
    """Each needle (as a whole word, any case) with the log lines it is in."""
    found: dict[str, list[str]] = {}
    for needle in needles:
        pattern = re.compile(rf"(?<![\w]){re.escape(needle)}(?![\w])", re.IGNORECASE)
        lines = [line[:300] for line in text.splitlines() if pattern.search(line)]
        if lines:
            found[needle] = lines[:3]
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed_invitation(db_url: str) -> None:
    bot = TalkingBot(db_url, NOW)  # creates the organisation from the configuration
    with transaction(bot.bot.engine) as s:
        group = s.exec(select(Group).where(Group.key == "bolnes")).one()
        anna = s.exec(select(Person).where(Person.key == "anna")).one()
        s.add(
            Invitation(
                group_id=group.id or 0,
                code_hash=hash_code(CODE),
                created_by_id=anna.id,
                created_at=NOW,
                expires_at=NOW + timedelta(days=3650),  # the process below runs on the real clock
            )
        )
    bot.bot.engine.dispose()


async def _until(condition: object, proc: asyncio.subprocess.Process, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        assert proc.returncode is None, "wijkbot run stopped"
        assert loop.time() < deadline, "wijkbot run did not do what was expected in time"
        await asyncio.sleep(0.05)


async def test_a_debug_session_of_wijkbot_run_logs_no_names_or_chat_ids(db_url: str, tmp_path: Path) -> None:
    _seed_invitation(db_url)
    config = ridderkerk_with(tmp_path, people={"piet": {"slack_id": "U0PIET"}, "anna": {"slack_id": "U0ANNA"}})
    fake_slack = await FakeSlack().start()
    for uid, (real, display) in USERS.items():
        fake_slack.add_user(uid, real, display)
    tg = FakeTelegram()
    await tg.start()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "WIJKBOT_"))}
    env |= {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_URL": tg.api_url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "WIJKBOT_LOG_LEVEL": "DEBUG",
        "WIJKBOT_CONFIG": str(config),  # Piet's Slack account is bound by its configured id
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = b""
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            base = f"http://127.0.0.1:{port}"

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while True:
                assert proc.returncode is None, "wijkbot run did not start"
                assert loop.time() < deadline, "wijkbot run did not start"
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            slack = SlackWorld(fake_slack, None, None, http, base)  # type: ignore[arg-type]
            answer = await slack.say("/signaal Piet Verhoeven zag een kapotte lantaarn bij het hofje", user="U0PIET")
            assert "S-1" in answer, answer
            gerda = tg.user(GERDA_CHAT, "Gerda")
            assert "Welkom, Gerda!" in await asyncio.wait_for(tg.say(gerda, f"/start {CODE}"), timeout=30)
            await asyncio.wait_for(tg.say(gerda, "/signaal Gerda hier: de bank in het park is kapot"), timeout=30)
            await asyncio.wait_for(tg.tap(gerda, "soort:woonomgeving"), timeout=30)
            await asyncio.wait_for(tg.tap(gerda, "foto:geen"), timeout=30)
            await asyncio.wait_for(tg.tap(gerda, "plek:geen"), timeout=30)
            assert "S-2" in await asyncio.wait_for(tg.tap(gerda, "bevestig:ja"), timeout=30)

            def posted_gerda() -> bool:  # the channel messages naming her left through Slack
                return sum("Gerda" in str(c.body) for c in fake_slack.calls if c.method == "chat.postMessage") >= 2

            await _until(posted_gerda, proc)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
        except TimeoutError:
            proc.kill()
            output, _ = await proc.communicate()
        await tg.close()
        await fake_slack.stop()
    text = output.decode("utf-8", "replace")
    assert " DEBUG " in text, text[-2000:]  # it did log, at DEBUG
    assert _leaks(text, PERSONAL) == {}, text[-3000:]


def test_the_guard_redacts_what_a_library_might_still_print(caplog: pytest.LogCaptureFixture) -> None:
    previous = logging.getLogRecordFactory()
    try:
        guard = install_log_privacy()
        guard.remember(["Piet Verhoeven", "Gerda"])
        with caplog.at_level(logging.DEBUG):
            log = logging.getLogger("slack_bolt.App")
            log.warning("Unhandled request ({'user_id': 'U0PIET', 'text': 'bel Kees'})")
            log.warning("update %s", {"from": {"id": GERDA_CHAT, "first_name": "Jantje", "username": "jt"}})
            logging.getLogger("wijkbot").error("Piet Verhoeven and Gerda")
    finally:
        logging.setLogRecordFactory(previous)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert _leaks(text, ["U0PIET", "Kees", str(GERDA_CHAT), "Jantje", "jt", "Piet Verhoeven", "Gerda"]) == {}, text


def test_the_guard_leaves_the_decimals_of_a_number_alone(caplog: pytest.LogCaptureFixture) -> None:
    previous = logging.getLogRecordFactory()
    try:
        install_log_privacy()
        with caplog.at_level(logging.DEBUG):
            log = logging.getLogger("apscheduler.scheduler")
            log.debug("Next wakeup is due at 2026-12-02 01:25:00+01:00 (in 31.836234 seconds)")
            log.debug("chat %s sent %s", GERDA_CHAT, "3,1234567 km")
    finally:
        logging.setLogRecordFactory(previous)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "in 31.836234 seconds" in text, text
    assert "3,1234567 km" in text, text
    assert str(GERDA_CHAT) not in text, text  # a chat id is still redacted
