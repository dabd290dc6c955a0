"""Secrets never reach the logs: the real code paths that log, captured at DEBUG, scanned for tokens."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

from bot.__main__ import REDACTED, SECRET_ENV, SecretRedactor, install_secret_redaction
from bot.settings import Settings
from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage, Person, PersonKind
from tests.support.addresses import give_address
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parents[2]
FAKE = {
    "SLACK_BOT_TOKEN": "xoxb-1111111111-2222222222-FAKEslackBOTtoken",
    "SLACK_SIGNING_SECRET": "8f2c0e9d4b7a6f1e3c5d9a8b7e6f5d4c",
    "SLACK_APP_TOKEN": "xapp-1-A0FAKE-3333333333-FAKEappLEVELtoken",
    "TELEGRAM_BOT_TOKEN": "123456789:AAFakeTelegramTokenForWijkbotTests",
    "TELEGRAM_WEBHOOK_SECRET": "fake-webhook-secret-4d2a9c",
}


def _scan(text: str) -> list[str]:
    """The names of the secrets that appear in `text` (whole, or the part after Telegram's colon)."""
    found = []
    for name, value in FAKE.items():
        if value in text or value.split(":")[-1] in text:
            found.append(name)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _EchoError(BaseHTTPRequestHandler):
    """A chat service having a bad day: 500, and the request path (with the token) in the body."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = f"internal error while handling {self.path}".encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        return None


@contextlib.contextmanager
def failing_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoError)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def redaction_as_in_production(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretRedactor]:
    for name, value in FAKE.items():
        monkeypatch.setenv(name, value)
    previous = logging.getLogRecordFactory()
    try:
        yield install_secret_redaction()
    finally:
        logging.setLogRecordFactory(previous)


def test_redactor_removes_secrets_from_message_arguments_and_tracebacks(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = FAKE["TELEGRAM_BOT_TOKEN"]
    with redaction_as_in_production(monkeypatch), caplog.at_level(logging.DEBUG):
        log = logging.getLogger("wijkbot.test")
        log.info("POST https://api.telegram.org/bot%s/getMe", token)
        log.debug(f"signing secret is {FAKE['SLACK_SIGNING_SECRET']}")
        log.warning("quoted %s", "123456789%3AAAFakeTelegramTokenForWijkbotTests")
        try:
            raise RuntimeError(f"bad token {FAKE['SLACK_BOT_TOKEN']}")
        except RuntimeError:
            log.exception("failed")
    text = caplog.text + "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert _scan(text) == []
    assert text.count(REDACTED) >= 4


def test_every_secret_setting_is_redacted() -> None:
    secret_fields = {name for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    assert {name.lower() for name in SECRET_ENV} == secret_fields


async def fail_deliveries(bot: TalkingBot, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Deliver a channel message and two DMs through the real Slack and Telegram notifiers to a
    failing service; returns the errors stored with the outbox rows."""
    from bot.slack import SlackTransport
    from bot.telegram import TelegramTransport
    from handlers.notify import deliver_outbox

    with failing_service() as url, redaction_as_in_production(monkeypatch):
        settings = Settings(
            slack_bot_token=FAKE["SLACK_BOT_TOKEN"],
            slack_signing_secret=FAKE["SLACK_SIGNING_SECRET"],
            slack_api_url=f"{url}/api/",
            telegram_bot_token=FAKE["TELEGRAM_BOT_TOKEN"],
            telegram_api_url=f"{url}/bot",
            telegram_webhook_secret=FAKE["TELEGRAM_WEBHOOK_SECRET"],
        )
        slack = SlackTransport(bot.bot, settings, retry_backoff=0.0)
        telegram = TelegramTransport(bot.bot, settings)
        now = bot.bot.clock.now()
        with transaction(bot.bot.engine) as s:
            amb = Person(key="amb-1", name="Bewoner", kind=PersonKind.ambassadeur, created_at=now)
            give_address(s, amb, "telegram", 4242, now=now)
            anna = s.exec(select(Person).where(Person.key == "anna")).one()
            give_address(s, anna, "slack", "U0ANNA", now=now)
            outbox.enqueue(s, kind="channel", destination="lbt-bolnes", text="Nieuw signaal S-1", now=now)
            outbox.enqueue(s, kind="dm", destination="anna", text="Herinnering A-1", now=now)
            outbox.enqueue(s, kind="dm", destination="amb-1", text="Uw melding S-1 is opgepakt", now=now)
        sent = await deliver_outbox(bot.bot.engine, [telegram.notifier, slack.notifier], now=now + timedelta(1))
        with contextlib.suppress(Exception):
            await telegram.application.shutdown()
    assert sent == 0
    with bot.session() as s:
        errors = [m.last_error or "" for m in s.exec(select(OutboxMessage)).all()]
    assert len(errors) == 3, "every delivery should have failed"
    assert all(errors), "every delivery should have failed"
    return errors


async def test_failed_outbox_deliveries_log_no_token(
    bot: TalkingBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await fail_deliveries(bot, monkeypatch)
    assert "outbox 3 (dm) failed" in caplog.text  # the failures were logged (without who it was for)
    assert "amb-1" not in caplog.text
    assert "anna" not in caplog.text
    assert _scan(caplog.text) == []


async def test_failed_delivery_errors_stored_in_the_outbox_hold_no_token(
    bot: TalkingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors = await fail_deliveries(bot, monkeypatch)
    assert _scan("\n".join(errors)) == []


def test_wijkbot_run_logs_no_token_at_debug(db_url: str) -> None:
    """Start `wijkbot run` with fake tokens against refusing 127.0.0.1 URLs; stop it; scan everything it wrote."""
    dead = _free_port()  # nothing listens here: every call is refused
    env = {
        **os.environ,
        **FAKE,
        "SLACK_API_URL": f"http://127.0.0.1:{dead}/api/",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{dead}/bot",
        "PORT": str(_free_port()),
        "DATABASE_URL": db_url,
        "WIJKBOT_LOG_LEVEL": "DEBUG",
    }
    env.pop("SLACK_APP_TOKEN")  # HTTP mode: the signing secret is in use
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    # the moments a token could be logged: start-up (clients built, scheduler running) and a
    # Telegram call refused and retried (the failing URL holds the token); ~7 s, waited for up to 60
    seen = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            text = "".join(lines)
            if "wijkbot draait" in text and "Telegram is nog niet bereikbaar" in text:
                seen.set()
        seen.set()  # the process ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert seen.wait(timeout=60), "".join(lines)[-2000:]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        reader.join(timeout=20)
        output = "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "DEBUG" in output, output[-2000:]  # it did log, at DEBUG
    assert _scan(output) == [], output[-3000:]
