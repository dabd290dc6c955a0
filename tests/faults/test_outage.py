"""Slack or Telegram down for an hour: the outbox delivers everything afterwards, in order per channel.

The chat service is a small HTTP server on 127.0.0.1 (the far side of the network): it answers 503
while it is down and records what it accepts once it is up. The notifier POSTs over real HTTP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from sqlmodel import select

from handlers.notify import Recipient, deliver_outbox
from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage
from tests.support.talk import TalkingBot


@dataclass
class ChatService:
    down: bool = True
    refused: int = 0
    received: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def chat_service() -> Iterator[tuple[ChatService, str]]:
    state = ChatService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                if state.down:
                    state.refused += 1
                    code = 503
                else:
                    state.received.append(body)
                    code = 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/chat.postMessage"
    finally:
        server.shutdown()
        server.server_close()


class HttpNotifier:
    """A transport at the network edge: one POST per message; anything but 2xx is a failure."""

    name = "http"
    interval = 0.0

    def __init__(self, url: str) -> None:
        self.url = url

    def handles(self, msg: OutboxMessage, recipient: Recipient | None) -> bool:
        return True

    async def send(self, msg: OutboxMessage, recipient: Recipient | None) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.post(self.url, json={"channel": f"{msg.kind}:{msg.destination}", "text": msg.text})
            response.raise_for_status()


async def test_messages_queued_during_an_hour_long_outage_arrive_afterwards_in_order(bot: TalkingBot) -> None:
    engine = bot.bot.engine
    start = bot.bot.clock.now()
    channels = ["lbt-bolnes", "lbt-oost", "regiegroep"]
    expected: dict[str, list[str]] = {f"channel:{c}": [] for c in channels}
    expected["dm:piet"] = []
    with chat_service() as (service, url):
        notifier = HttpNotifier(url)
        minute = 0
        while minute <= 180:
            now = start + timedelta(minutes=minute)
            if minute == 60:
                service.down = False  # the service is back after an hour
            if minute < 60 and minute % 10 == 0:  # the bot keeps working during the outage
                with transaction(engine) as s:
                    for c in channels:
                        text = f"{c} bericht {minute // 10 + 1}"
                        outbox.enqueue(s, kind="channel", destination=c, text=text, now=now)
                        expected[f"channel:{c}"].append(text)
                    if minute % 20 == 0:
                        text = f"herinnering {minute // 20 + 1}"
                        outbox.enqueue(s, kind="dm", destination="piet", text=text, now=now)
                        expected["dm:piet"].append(text)
            sent = await deliver_outbox(engine, [notifier], now=now)
            if minute < 60:
                assert sent == 0
            minute += 5

    assert service.refused > 0  # it was tried during the outage, and backed off
    by_channel: dict[str, list[str]] = {}
    for body in service.received:
        by_channel.setdefault(body["channel"], []).append(body["text"])
    assert by_channel == expected  # everything, each once, in order per channel
    with bot.session() as s:
        assert all(m.sent_at is not None for m in s.exec(select(OutboxMessage)).all())
