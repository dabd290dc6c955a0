"""Requests are accepted once, from our workspace only, and no client can hold the server.

Over real HTTP against the server `wijkbot run` serves (bot.http.server_config).
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select

from bot.http import MAX_BODY
from storage.models import InboxRequest, Signaal
from tests.bot.conftest import BOLNES, SlackWorld, sign, slack_world
from tests.support.fake_slack import FakeSlack


def _signalen(world: SlackWorld) -> int:
    with Session(world.bot.engine) as s:
        return int(s.exec(select(func.count()).select_from(Signaal)).one())


def _with(body: str, **fields: str) -> str:
    form = dict(urllib.parse.parse_qsl(body))
    return urllib.parse.urlencode({**form, **fields})


# -- replays and retries ------------------------------------------------------------------------


async def test_a_replayed_signed_command_is_refused_and_runs_once(slack: SlackWorld) -> None:
    body, path = slack.command_body("/signaal Inbraak bij de buren #veiligheid", user="U0ANNA", channel=BOLNES)
    headers = sign(body)
    first = await slack.send(body, headers=headers)
    assert first.status_code == 200
    await slack.replies(path)
    again = await slack.send(body, headers=headers)  # the same bytes, signature and timestamp
    assert again.status_code == 401
    # a Retry-Num header (not signed) makes no difference for a command
    retried = await slack.send(body, headers={**headers, "X-Slack-Retry-Num": "1"})
    assert retried.status_code == 401
    await slack.say("/signaal lijst")  # by the time this is answered a second run would have shown
    assert _signalen(slack) == 1
    assert len([c for c in slack.fake.responses if c.path == path]) == 1


async def test_a_replayed_click_is_refused(slack: SlackWorld) -> None:
    await slack.say("/actie Buurtgesprek plannen <@U0PIET|Piet> vrijdag")
    payload = {
        "type": "block_actions",
        "api_app_id": "A0WIJKBOT",
        "team": {"id": "T0RIDDER"},
        "user": {"id": "U0PIET", "team_id": "T0RIDDER"},
        "channel": {"id": BOLNES, "name": "lbt-bolnes"},
        "trigger_id": "trigger.x",
        "response_url": slack.fake.response_url("click1"),
        "actions": [{"type": "button", "action_id": "actie_gedaan", "block_id": "b", "value": "A-1"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    headers = sign(body)
    assert (await slack.send(body, headers=headers)).status_code == 200
    assert (await slack.send(body, headers=headers)).status_code == 401
    await slack.replies("/response/click1")


async def test_the_replay_mark_is_durable_and_slack_retries_of_an_event_are_handled_once(slack: SlackWorld) -> None:
    event = {"type": "app_home_opened", "user": "U0ANNA", "channel": "DU0ANNA", "tab": "home", "event_ts": "1.0"}
    body = json.dumps({"team_id": "T0RIDDER", "api_app_id": "A0WIJKBOT", "type": "event_callback",
                       "event_id": "EvR1", "event": event})  # fmt: skip
    headers = sign(body)
    assert (await slack.send(body, content_type="application/json", headers=headers)).status_code == 200
    await slack.fake.wait_for("views.publish")
    # Slack's retry of the same event is answered 200 and not handled again (event_id), whether
    # it comes with a new signature or the very same one
    retry = {**sign(body, ts=int(headers["X-Slack-Request-Timestamp"]) + 1), "X-Slack-Retry-Num": "1"}
    assert (await slack.send(body, content_type="application/json", headers=retry)).status_code == 200
    assert (await slack.send(body, content_type="application/json", headers=headers)).status_code == 200
    assert (await slack.event(event, event_id="EvR2")).status_code == 200
    await slack.fake.wait_for("views.publish", 2)
    assert len(slack.fake.of("views.publish")) == 2
    with Session(slack.bot.engine) as s:
        keys = s.exec(select(InboxRequest.dedupe_key).where(InboxRequest.kind == "event")).all()
    assert sorted(keys) == ["slack:event:EvR1", "slack:event:EvR2"]  # in the database, not in memory


# -- another workspace, organisation or app -----------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"team_id": "T0ELSEWHERE"}, id="another-workspace"),
        pytest.param({"team_id": ""}, id="no-workspace"),
        pytest.param({"api_app_id": "A0OTHERAPP"}, id="another-app"),
    ],
)
async def test_a_signed_request_from_another_installation_gets_403_and_runs_nothing(
    slack: SlackWorld, fields: dict[str, str]
) -> None:
    body, path = slack.command_body("/signaal Inbraak bij de buren #veiligheid", user="U0ANNA", channel=BOLNES)
    resp = await slack.send(_with(body, **fields))
    assert resp.status_code == 403
    await slack.say("/signaal lijst")
    assert _signalen(slack) == 0
    assert not [c for c in slack.fake.responses if c.path == path]
    # our own workspace's learnt from auth.test (the app id from bots.info)
    assert [c.method for c in slack.fake.calls][:2] == ["auth.test", "bots.info"]


async def test_a_click_from_another_workspace_gets_403(slack: SlackWorld) -> None:
    payload = {
        "type": "block_actions",
        "api_app_id": "A0WIJKBOT",
        "team": {"id": "T0ELSEWHERE"},
        "user": {"id": "U0ANNA", "team_id": "T0ELSEWHERE"},
        "channel": {"id": BOLNES},
        "response_url": slack.fake.response_url("c2"),
        "actions": [{"type": "button", "action_id": "overleg_lijst", "block_id": "b", "value": ""}],
    }
    assert (await slack.interact(payload)).status_code == 403
    assert slack.fake.responses == []


@pytest.fixture
async def configured(db_url: str, fake_slack: FakeSlack, bound_config: Path) -> AsyncIterator[SlackWorld]:
    """SLACK_TEAM_ID, SLACK_APP_ID and SLACK_ENTERPRISE_ID set: no auth.test needed to know them."""
    async with slack_world(
        db_url,
        fake_slack,
        bound_config,
        slack_team_id="T0RIDDER",
        slack_app_id="A0WIJKBOT",
        slack_enterprise_id="E0ZUIDHOLLAND",
    ) as world:
        yield world


async def test_configured_ids_decide_and_an_enterprise_must_match(configured: SlackWorld) -> None:
    slack = configured
    body, path = slack.command_body("/signaal Losse stoeptegel #openbare-ruimte", user="U0ANNA", channel=BOLNES)
    assert (await slack.send(_with(body, enterprise_id="E0ELDERS"))).status_code == 403
    assert (await slack.send(body)).status_code == 403  # no enterprise at all: not our organisation
    assert (await slack.send(_with(body, enterprise_id="E0ZUIDHOLLAND"))).status_code == 200
    await slack.replies(path)
    assert _signalen(slack) == 1
    assert slack.fake.of("bots.info") == []  # the app id came from the settings


async def test_a_refusal_is_logged_without_personal_data(slack: SlackWorld, caplog: pytest.LogCaptureFixture) -> None:
    body, _ = slack.command_body("/signaal Jan de Boer woont op nummer 3", user="U0ANNA", channel=BOLNES)
    headers = sign(body)
    await slack.send(body, headers=headers)
    await slack.send(body, headers=headers)
    await slack.send(_with(body, team_id="T0ELSEWHERE"))
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack" and r.levelname == "WARNING"]
    assert "Slack: a replayed request (signature seen before) refused" in lines
    assert "Slack: a request from another workspace refused" in lines
    assert not any(word in line for line in lines for word in ("U0ANNA", "Jan", "Anna", "T0ELSEWHERE"))


# -- HTTP hygiene -------------------------------------------------------------------------------


async def test_a_body_over_one_mebibyte_gets_413_and_nothing_runs(slack: SlackWorld) -> None:
    body, _path = slack.command_body("/signaal " + "x" * MAX_BODY, user="U0ANNA", channel=BOLNES)
    resp = await slack.send(body)  # signed and all
    assert resp.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while it arrives
        for _ in range(20):
            yield b"a" * 100_000

    streamed = await slack.http.post(f"{slack.base}/slack/events", content=chunks(), headers=sign("a"))
    assert streamed.status_code == 413
    assert (await slack.http.get(f"{slack.base}/healthz")).status_code == 200
    assert _signalen(slack) == 0
    assert slack.fake.calls == []


async def test_a_client_that_sends_its_headers_slowly_is_cut_off_and_holds_nobody_up(
    db_url: str, fake_slack: FakeSlack, bound_config: Path
) -> None:
    async with slack_world(db_url, fake_slack, bound_config, header_timeout=1.0) as slack:
        port = int(slack.base.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
        await writer.drain()
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def dribble() -> None:  # one header byte every 0.2 s, never finishing
            try:
                for ch in b"X-Slow: " + b"a" * 100:
                    writer.write(bytes([ch]))
                    await writer.drain()
                    await asyncio.sleep(0.2)
            except ConnectionError:
                return

        slow = asyncio.create_task(dribble())
        try:
            # meanwhile everyone else is served at once
            async with httpx.AsyncClient(timeout=5) as other:
                assert (await other.get(f"{slack.base}/healthz")).status_code == 200
            assert await slack.say("/overleg")
            # and the slow client is disconnected after the header deadline
            assert await asyncio.wait_for(reader.read(), timeout=5.0) == b""
            assert 0.9 <= loop.time() - started < 5.0
        finally:
            slow.cancel()
            writer.close()
