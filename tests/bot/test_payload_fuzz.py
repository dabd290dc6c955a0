"""Malformed requests over real HTTP never give a 500 and store nothing (property tests).

Slack: correctly signed bodies that are garbage (form fields, `payload=` that is no JSON or JSON of
the wrong shape, events without their fields, huge values). Telegram: the right secret header with
garbage JSON or updates of the wrong shape. The senders are unknown people, so no request may
change the database; each example waits until the work after the ack is done before counting rows.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.http import create_http_app
from bot.settings import Settings
from bot.telegram import TelegramTransport
from storage.models import InboxRequest
from tests.bot.conftest import SECRET, SlackWorld
from tests.bot.test_telegram import _serve, start_telegram, stop_telegram
from tests.conftest import NOW
from tests.privacy.dbstate import table_counts
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot

FUZZ = settings(
    max_examples=int(os.environ.get("WIJKBOT_FUZZ_EXAMPLES", "60")),  # more for a deliberate hunt
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECRET_TOKEN = "fuzz-geheim"

# --- values ------------------------------------------------------------------------------------

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "null", "{", "[]", "<!channel>", "U0NIEMAND", "C0BOLNES1", "D0NIEMAND", "/signaal"]),
    st.integers(min_value=1000, max_value=60_000).map(lambda n: "x" * n),  # huge
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
# Interactivity types Bolt knows; the fields each one needs, with values of any shape.
PAYLOAD_TYPES = st.sampled_from(
    [
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
        "interactive_message",
        "dialog_submission",
        "workflow_step_edit",
        "unknown_type",
    ]
)
FIELDS = st.sampled_from(
    [
        "user",
        "channel",
        "team",
        "container",
        "actions",
        "view",
        "trigger_id",
        "response_url",
        "callback_id",
        "message",
        "state",
        "enterprise",
        "api_app_id",
        "is_enterprise_install",
        "token",
    ]
)
SHAPED_PAYLOAD = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    PAYLOAD_TYPES,
    st.dictionaries(FIELDS, JSON, max_size=8),
)
FORM_FIELDS = st.sampled_from(
    [
        "command",
        "text",
        "user_id",
        "channel_id",
        "channel_name",
        "response_url",
        "trigger_id",
        "team_id",
        "enterprise_id",
        "api_app_id",
        "is_enterprise_install",
        "ssl_check",
        "token",
        "type",
    ]
)


def _form(fields: dict[str, str]) -> str:
    return urllib.parse.urlencode(fields)


SLACK_BODIES = st.one_of(
    # a form body with command-like fields of any value (never a known person)
    st.dictionaries(st.one_of(FORM_FIELDS, st.text(max_size=10)), TEXT, max_size=8).map(_form),
    # payload= that is no JSON, or JSON of any shape
    TEXT.map(lambda t: _form({"payload": t})),
    JSON.map(lambda v: _form({"payload": json.dumps(v)})),
    SHAPED_PAYLOAD.map(lambda v: _form({"payload": json.dumps(v)})),
    # raw bytes and plain text
    st.binary(max_size=200),
    TEXT,
).map(lambda body: ("application/x-www-form-urlencoded", body))
# Nearly right: what Slack sends, from people wijkbot does not know, with odd values where it matters.
UNKNOWN_USER = st.sampled_from(["U0NIEMAND", "W0GAST", "", "USLACKBOT"])
CHANNEL_ID = st.sampled_from(["C0BOLNES1", "C0RANDOM1", "D0NIEMAND", "G0PRIVE01", "", "C0ONBEKEND"])
ACTION_ID = st.sampled_from(
    ["actie_gedaan", "actie_verplaats", "signaal_actie", "signaal_sluit", "overleg_kom", "pii_bevestig", "x", "_", "a_"]
)
STATE = st.dictionaries(
    st.sampled_from(["text", "owner", "deadline", "category", "signaal", "x"]),
    st.dictionaries(
        st.sampled_from(["value", "x"]),
        st.dictionaries(
            st.sampled_from(["value", "selected_user", "selected_date", "selected_option"]), JSON, max_size=2
        ),
        max_size=2,
    ),
    max_size=5,
)


def _command_form(command: str, text: str, user: str, channel: str, trigger: str) -> str:
    return _form(
        {
            "command": command,
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "trigger_id": trigger,
            "team_id": "T0RIDDER",
        }
    )


PLAUSIBLE_SLACK = st.one_of(
    st.builds(
        _command_form,
        st.sampled_from(["/signaal", "/actie", "/overleg", "/help", "/rapportage", "/", "/x"]),
        TEXT,
        UNKNOWN_USER,
        CHANNEL_ID,
        st.sampled_from(["", "trigger.1"]),
    ),
    st.builds(
        lambda action, value, user, channel: _form(
            {
                "payload": json.dumps(
                    {
                        "type": "block_actions",
                        "user": {"id": user},
                        "channel": {"id": channel},
                        "trigger_id": "trigger.1",
                        "actions": [{"action_id": action, "value": value, "block_id": "b"}],
                    }
                )
            }
        ),
        ACTION_ID,
        TEXT,
        UNKNOWN_USER,
        CHANNEL_ID,
    ),
    st.builds(
        lambda callback, meta, state, user: _form(
            {
                "payload": json.dumps(
                    {
                        "type": "view_submission",
                        "user": {"id": user},
                        "view": {
                            "type": "modal",
                            "callback_id": callback,
                            "private_metadata": meta,
                            "state": {"values": state},
                        },
                    }
                )
            }
        ),
        st.sampled_from(["wijkbot_signaal", "wijkbot_actie", "wijkbot_verplaats", "ander"]),
        st.one_of(
            TEXT,
            JSON.map(json.dumps),
            st.just(json.dumps({"channel": "lbt-bolnes", "channel_id": "C0BOLNES1", "ref": "A-1"})),
        ),
        STATE,
        UNKNOWN_USER,
    ),
).map(lambda body: ("application/x-www-form-urlencoded", body))
EVENT_TYPES = st.sampled_from(["event_callback", "url_verification", "app_rate_limited", "nonsense"])
SLACK_JSON = st.one_of(
    JSON.map(json.dumps),
    st.builds(
        lambda kind, event, extra: json.dumps(
            {"type": kind, **({"event": event} if event is not None else {}), **extra}
        ),
        EVENT_TYPES,
        st.one_of(
            st.none(),
            JSON,
            st.fixed_dictionaries(
                {"type": st.sampled_from(["app_home_opened", "x"])},
                optional={"user": JSON, "tab": JSON, "channel": JSON},
            ),
        ),
        st.dictionaries(
            st.sampled_from(["event_id", "team_id", "api_app_id", "challenge", "token", "authorizations"]),
            JSON,
            max_size=4,
        ),
    ),
    st.text(max_size=60),
).map(lambda body: ("application/json", body))
CONTENT_TYPES = st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain", ""])


def _ignored_tables(counts: dict[str, int]) -> dict[str, int]:
    # Slack retries events by event_id; recording an id we saw is the point of that table. The
    # inbox holds each acknowledged request until it is answered (then emptied: `_answered`).
    return {k: v for k, v in counts.items() if k not in ("processedevent", "inbox")}


async def _answered(engine: Engine, timeout: float = 10.0) -> None:
    """Wait until the inbox holds nothing unanswered; what it keeps then is only the keys."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with Session(engine) as s:
            open_rows = s.exec(select(func.count()).where(col(InboxRequest.answered_at).is_(None))).one()
            kept = s.exec(select(func.count()).where(InboxRequest.body != "")).one()
        if open_rows == 0:
            assert kept == 0, "an answered request kept its body"
            return
        assert asyncio.get_running_loop().time() < deadline, "the inbox was not worked off"
        await asyncio.sleep(0.01)


async def _settle(before: set[asyncio.Task[Any]], timeout: float = 10.0) -> None:
    """Wait until every task started since `before` (Bolt's work after the ack) has finished."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    current = asyncio.current_task()
    while pending := {t for t in asyncio.all_tasks() - before if t is not current and not t.done()}:
        left = deadline - loop.time()
        if left <= 0:
            raise AssertionError(f"work still running after {timeout}s: {pending}")
        await asyncio.wait(pending, timeout=left)


class _Failures(logging.Handler):
    """Collects wijkbot's errors with a traceback: the work after the ack must not crash on a bad body either."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("bot."):  # Bolt logs through bot.slack; the fakes' own logs do not count
            self.records.append(record)


@pytest.fixture
def failures() -> Iterator[_Failures]:
    handler = _Failures()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


async def _post_slack(slack: SlackWorld, content_type: str, body: str | bytes) -> httpx.Response:
    """Signed as Slack signs: v0 HMAC-SHA256 over the raw bytes, whatever they are."""
    raw = body if isinstance(body, bytes) else body.encode()
    stamp = str(int(time.time()))  # clock-ok: Slack signs with the real time
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}
    if content_type:
        headers["Content-Type"] = content_type
    return await slack.http.post(f"{slack.base}/slack/events", content=raw, headers=headers)


def _payload(value: dict[str, Any]) -> tuple[str, str]:
    return "application/x-www-form-urlencoded", _form({"payload": json.dumps(value)})


# What the fuzzing found (each was a 500 or a crash after the ack), kept as fixed examples:
@example(request=("application/x-www-form-urlencoded", "payload="))  # no JSON
@example(request=("application/json", "[1, 2]"))  # JSON, but no object
@example(request=("application/x-www-form-urlencoded", b"payload=\xff"))  # no UTF-8
@example(request=_payload({"type": "interactive_message"}))  # Bolt reads actions[0]
@example(request=_payload({"type": "block_actions", "actions": [{"action_id": {}}]}))  # regex on a dict
@example(request=_payload({"type": "view_submission", "view": {"callback_id": "wijkbot_signaal"}}))  # no view.type
@example(  # private_metadata that is not ours: our listener crashed before the ack
    request=_payload(
        {
            "type": "view_submission",
            "user": {"id": "U0NIEMAND"},
            "view": {"type": "modal", "callback_id": "wijkbot_signaal", "private_metadata": "0", "state": {}},
        }
    )
)
@example(request=("application/json", json.dumps({"type": "event_callback", "event": {"type": "x", "message": 5}})))
@example(request=("application/x-www-form-urlencoded", "command=%2F0&response_url=http%3A%2F%2F%5B%3A%3A1"))
@FUZZ
@given(request=st.one_of(SLACK_BODIES, PLAUSIBLE_SLACK, SLACK_JSON, st.tuples(CONTENT_TYPES, TEXT)))
async def test_signed_garbage_to_slack_events_never_gives_a_500_and_stores_nothing(
    slack: SlackWorld, failures: _Failures, request: tuple[str, str | bytes]
) -> None:
    engine = slack.bot.engine
    failures.records.clear()
    before = _ignored_tables(table_counts(engine))
    tasks = asyncio.all_tasks()
    content_type, body = request
    resp = await _post_slack(slack, content_type, body)
    assert resp.status_code < 500, (resp.status_code, body[:300])
    event(f"HTTP {resp.status_code}")
    await _settle(tasks)
    await _answered(engine)
    await _settle(tasks)
    assert _ignored_tables(table_counts(engine)) == before, body[:300]
    crashed = [r.getMessage() for r in failures.records if r.exc_info]
    assert not crashed, (crashed, body[:300])


# --- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
async def webhook(db_url: str) -> AsyncIterator[tuple[TalkingBot, TelegramTransport, FakeTelegram, str]]:
    tg = FakeTelegram()
    await tg.start()
    team = TalkingBot(db_url, NOW)
    settings_ = Settings(
        telegram_bot_token=SecretStr(tg.token),
        telegram_api_url=tg.api_url,
        telegram_webhook_url="https://wijkbot.example.nl/telegram/webhook",
        telegram_webhook_secret=SecretStr(SECRET_TOKEN),
    )
    transport = await start_telegram(team, tg, settings=settings_)
    server, task, base = await _serve(create_http_app(transport.routes(), lambda: {"ok": True}))
    try:
        yield team, transport, tg, f"{base}/telegram/webhook"
    finally:
        server.should_exit = True
        await task
        await stop_telegram(team, transport)
        await tg.close()
        team.bot.engine.dispose()


USER = st.fixed_dictionaries(
    {"id": st.integers(min_value=-(2**40), max_value=2**40) | TEXT, "is_bot": st.booleans() | TEXT, "first_name": TEXT},
    optional={"username": TEXT, "language_code": TEXT},
)
CHAT = st.fixed_dictionaries(
    {"id": st.integers() | TEXT, "type": st.sampled_from(["private", "group", "channel", "?"])}
)
MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "message_id": st.integers() | TEXT,
        "date": st.integers(min_value=0, max_value=2**31) | TEXT,
        "chat": CHAT | JSON,
        "from": USER | JSON,
        "text": TEXT | st.sampled_from(["/start", "/signaal", "/stop", "/mijnsignalen", "/start nepcode"]),
        "entities": JSON,
        "photo": JSON,
        "location": JSON,
    },
)
UPDATE = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=0, max_value=2**31) | TEXT | st.none()},
    optional={
        "message": MESSAGE | JSON,
        "edited_message": MESSAGE | JSON,
        "callback_query": st.fixed_dictionaries(
            {"id": TEXT}, optional={"from": USER | JSON, "data": TEXT, "message": MESSAGE | JSON, "chat_instance": TEXT}
        )
        | JSON,
        "channel_post": JSON,
        "my_chat_member": JSON,
    },
)
PLAIN_USER = st.builds(lambda uid, name: {"id": uid, "is_bot": False, "first_name": name}, st.integers(1, 2**40), TEXT)
PLAUSIBLE_MESSAGE = st.builds(
    lambda user, chat_type, extra: {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": user["id"], "type": chat_type},
        "from": user,
        **extra,
    },
    PLAIN_USER,
    st.sampled_from(["private", "private", "group"]),
    st.dictionaries(
        st.sampled_from(["text", "entities", "photo", "location", "caption"]),
        st.one_of(TEXT, st.sampled_from(["/start", "/signaal", "/stop", "/mijnsignalen", "/annuleer", "/help"]), JSON),
        max_size=3,
    ),
)
PLAUSIBLE_UPDATE = st.builds(
    lambda n, kind, message, user, data: (
        {"update_id": n, "message": message}
        if kind == "message"
        else {
            "update_id": n,
            "callback_query": {"id": "cq", "from": user, "chat_instance": "c", "data": data, "message": message},
        }
    ),
    st.integers(1, 2**31),
    st.sampled_from(["message", "callback_query"]),
    PLAUSIBLE_MESSAGE,
    PLAIN_USER,
    st.one_of(
        TEXT,
        st.sampled_from(["bevestig:ja", "bevestig:nee", "bevestig:aanpassen", "soort:vraag", "foto:geen", "plek:geen"]),
    ),
)
TELEGRAM_BODIES = st.one_of(
    PLAUSIBLE_UPDATE.map(json.dumps),
    UPDATE.map(json.dumps),
    JSON.map(json.dumps),
    st.text(max_size=80),
    st.binary(max_size=120),
)


_FROM = {"id": 5, "is_bot": False, "first_name": "Kees"}


# What the fuzzing found, kept as fixed examples: PTB's AttributeError on a wrong shape (a 500), a
# button under a message older than 48 hours (Telegram sends it "inaccessible", date 0), a button
# without a message, and a message without a chat (filters crashed).
@example(body=json.dumps({"update_id": 1, "message": "tekst"}))
@example(
    body=json.dumps(
        {
            "update_id": 2,
            "callback_query": {
                "id": "q",
                "from": _FROM,
                "chat_instance": "c",
                "data": "soort:vraag",
                "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}},
            },
        }
    )
)
@example(body=json.dumps({"update_id": 3, "callback_query": {"id": "q", "from": _FROM, "chat_instance": "c"}}))
@example(body=json.dumps({"update_id": 4, "message": {"message_id": 1, "date": 0}}))
@FUZZ
@given(body=TELEGRAM_BODIES)
async def test_garbage_to_the_telegram_webhook_never_gives_a_500_and_stores_nothing(
    webhook: tuple[TalkingBot, TelegramTransport, FakeTelegram, str], failures: _Failures, body: str | bytes
) -> None:
    team, _transport, _tg, url = webhook
    failures.records.clear()
    before = table_counts(team.bot.engine)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN, "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=10) as http:
        resp = await http.post(url, content=body, headers=headers)
    assert resp.status_code < 500, (resp.status_code, body[:300])
    event(f"HTTP {resp.status_code}")
    await _answered(team.bot.engine)
    assert _ignored_tables(table_counts(team.bot.engine)) == _ignored_tables(before), body[:300]
    crashed = [r.getMessage() for r in failures.records if r.exc_info]
    assert not crashed, (crashed, body[:300])


@pytest.mark.parametrize("stamp", ["abc", "", "-5", "1e9", "²", "99999999999999999999"])
async def test_a_garbage_timestamp_header_gets_401_not_500(slack: SlackWorld, stamp: str) -> None:
    body, _ = slack.command_body("/signaal Iets #overig", user="U0ANNA", channel="C0BOLNES1")
    headers = [
        (b"Content-Type", b"application/x-www-form-urlencoded"),
        (b"X-Slack-Request-Timestamp", stamp.encode("latin-1")),
        (b"X-Slack-Signature", b"v0=00"),
    ]
    resp = await slack.http.post(f"{slack.base}/slack/events", content=body, headers=headers)
    assert resp.status_code == 401
    assert table_counts(slack.bot.engine)["signaal"] == 0
