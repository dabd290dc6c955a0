"""Within every Block Kit limit, with a team that has realistic data: 300 open items whose texts
are full of `&`, `<` and emoji. tests/support/fake_slack.py checks each payload with slack_sdk's
models (and tests/conftest.py fails the test on any violation); these tests make sure the big
and awkward payloads are actually produced and arrive."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot import slack_blocks as kit
from handlers.base import Button
from handlers.buttons import button_command
from schedules.meetings import handle_meeting_moments, next_moment
from schedules.overdue import remind_overdue_owners
from storage import items
from storage.db import transaction
from storage.models import Actiepunt, ActieStatus, Group, Person
from tests.bot.conftest import BOLNES, SlackWorld
from tests.conftest import NOW, TZ
from tests.support import fake_slack

HEAVY = "Wooncompas & Facet <samen> 🏚️👮 "  # every & is five characters in Slack, every < four
ENTITY_CUT = re.compile(r"&(a|am|amp|l|lt|g|gt)?$")


def _fill(slack: SlackWorld, n: int = 300, *, owner: str = "anna") -> None:
    """n signalen and n actiepunten for Bolnes; half of the actiepunten overdue, some texts 2,000 long."""
    with transaction(slack.bot.engine) as s:
        group = s.exec(select(Group).where(Group.channel == "lbt-bolnes")).one()
        who = s.exec(select(Person).where(Person.key == owner)).one()
        assert group.id is not None
        assert who.id is not None
        for i in range(n):
            text = (HEAVY * (60 if i % 10 == 0 else 2))[:1990] + f" {i}"
            sig = items.record_signaal(
                s, group_id=group.id, text=text, category="overlast", reported_by_id=who.id, now=NOW
            )
            deadline = NOW - timedelta(days=1 + i % 20) if i % 2 else NOW + timedelta(days=3 + i % 30)
            items.record_actiepunt(
                s,
                group_id=group.id,
                text=text,
                owner_id=who.id,
                deadline=deadline,
                created_by_id=who.id,
                now=NOW - timedelta(days=30),
                signaal=sig,
            )


def _bodies(slack: SlackWorld, method: str) -> list[dict[str, Any]]:
    return [c.body for c in slack.fake.of(method)]


def _mrkdwn(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section"]


# --- the pieces, directly --------------------------------------------------------------------


def test_text_is_cut_after_escaping_and_never_inside_an_entity() -> None:
    text = "\n".join(f"{i}: {HEAVY * 8}" for i in range(300)) + "\n" + "&<" * 9000
    blocks = kit.text_blocks(text)
    assert len(blocks) <= kit.MESSAGE_BLOCKS
    sections = _mrkdwn(blocks)
    assert all(len(t) <= kit.SECTION_TEXT for t in sections)
    assert not any(ENTITY_CUT.search(t) for t in sections)
    # nothing lost while it fits: the sections are the escaped text, split between lines or units
    small = "\n".join(f"{i}: {HEAVY * 8}" for i in range(60))
    assert "".join(t.replace("\n", "") for t in _mrkdwn(kit.text_blocks(small))) == kit.escape(small).replace("\n", "")


def test_what_does_not_fit_in_fifty_blocks_is_counted() -> None:
    text = "\n".join(HEAVY * 90 for _ in range(80))  # 80 lines that each fill most of a section
    blocks = kit.message_blocks(text, [Button(f"Gedaan A-{i}", "actie_gedaan", f"A-{i}") for i in range(30)])
    assert len(blocks) == kit.MESSAGE_BLOCKS
    assert [b["type"] for b in blocks[-2:]] == ["actions", "actions"]
    assert re.search(r"… en nog \d+ regels", blocks[-3]["text"]["text"])


def test_repeated_actions_get_unique_ids_that_still_mean_the_same_command() -> None:
    buttons = [Button(label, action, f"A-{i}") for i in range(12) for label, action in
               (("Gedaan", "actie_gedaan"), ("Verplaats", "actie_verplaats"))]  # fmt: skip
    [actions] = [b for b in kit.message_blocks("Te laat", buttons) if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    assert len(ids) == 24 == len(set(ids))
    second = actions["elements"][2]
    assert second["action_id"] == "actie_gedaan~2"
    assert second["value"] == "A-1"
    assert button_command(second["action_id"], second["value"]) == "/actie gedaan A-1"


def test_sizes_of_buttons_titles_and_metadata_are_kept() -> None:
    [el] = kit.button_elements([Button("x" * 200, "signaal_sluit", "S-1")])
    assert len(el["text"]["text"]) == kit.BUTTON_TEXT
    view = kit.verplaats_modal(
        {"channel": "c" * 5000, "channel_id": "C1", "ref": "A-123456789"}, "A-123456789", NOW, TZ
    )
    assert len(view["title"]["text"]) <= kit.VIEW_TITLE
    assert len(view["private_metadata"]) <= kit.PRIVATE_METADATA
    assert json.loads(view["private_metadata"])["channel_id"] == "C1"


def test_mentions_and_our_dates_become_slack_markup_and_typed_markup_stays_text() -> None:
    markup = kit.Markup(people={"piet": "U0PIET"}, tz=TZ)
    out = markup.render(
        "Eigenaar @piet, deadline vr 27 nov 2026; overleg do 3 dec 2026 10:00. <@U1> piet@x.nl @onbekend"
    )
    assert "<@U0PIET>" in out
    assert "piet@x.nl" in out
    assert "@onbekend" in out
    assert "&lt;@U1&gt;" in out
    assert "<!date^" in out
    assert "^{date_short_pretty}|vr 27 nov 2026>" in out
    assert "^{date_short_pretty} {time}|do 3 dec 2026 10:00>" in out
    assert markup.render("za 27 nov 2026") == "za 27 nov 2026"  # the wrong weekday: not our date


# --- a team with 300 open items, through Slack ------------------------------------------------


async def test_lists_and_the_agenda_of_a_team_with_300_items_reach_slack(slack: SlackWorld) -> None:
    _fill(slack)
    for command in ("/signaal lijst alle", "/actie lijst alle", "/actie lijst te-laat", "/overleg", "/actie A-1"):
        resp, path = await slack.command(command)
        assert resp.status_code == 200
        [answer] = await slack.replies(path)
        assert answer.status == 200, command
        blocks = answer["blocks"]
        assert 1 <= len(blocks) <= kit.MESSAGE_BLOCKS
        assert all(len(t) <= kit.SECTION_TEXT for t in _mrkdwn(blocks))
        assert "Er ging iets mis" not in answer["text"]
    assert "en nog" in json.dumps(slack.fake.responses[0].body)  # the list says how many more


async def test_overdue_dm_and_meeting_reminder_with_300_items_keep_every_button(slack: SlackWorld) -> None:
    _fill(slack, owner="anna")
    assert remind_overdue_owners(slack.bot.engine, slack.bot.config, NOW) >= 1
    await slack.bot.flush()
    dm = next(b for b in _bodies(slack, "chat.postMessage") if b["channel"] == "DU0ANNA")
    assert len(dm["blocks"]) <= kit.MESSAGE_BLOCKS
    buttons = [e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 24
    assert len({e["action_id"] for e in buttons}) == 24

    # the second item's "Gedaan" works, and only that item's buttons leave the message
    second = buttons[2]
    _, path = await slack.click(second["action_id"], second["value"], channel="DU0ANNA", message=dm)
    [updated, *_] = await slack.replies(path)
    assert updated["replace_original"] is True
    left = [e for b in updated["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(left) == 22
    assert second["value"] not in {e["value"] for e in left}
    assert updated["blocks"][-1]["type"] == "context"
    assert second["value"] in updated["blocks"][-1]["elements"][0]["text"]
    with transaction(slack.bot.engine) as s:
        assert s.get(Actiepunt, int(second["value"][2:])).status == ActieStatus.gedaan  # type: ignore[union-attr]

    moment = next_moment(slack.bot.engine, slack.bot.config, NOW)
    assert moment is not None
    slack.bot.clock.set(moment)
    assert handle_meeting_moments(slack.bot.engine, slack.bot.config, moment) >= 1
    await slack.bot.flush()
    reminder = [b for b in _bodies(slack, "chat.postMessage") if b["channel"] == BOLNES]
    assert reminder
    assert all(len(b["blocks"]) <= kit.MESSAGE_BLOCKS for b in reminder)


async def test_app_home_says_how_many_more_there_are(slack: SlackWorld) -> None:
    _fill(slack, n=150)
    event = {"type": "app_home_opened", "user": "U0ANNA", "channel": "DU0ANNA", "tab": "home", "event_ts": "1.0"}
    assert (await slack.event(event, event_id="EvHomeMany")).status_code == 200
    [publish] = await slack.fake.wait_for("views.publish")
    blocks = publish["view"]["blocks"]
    assert len(blocks) <= kit.VIEW_BLOCKS
    texts = _mrkdwn(blocks)
    assert sum(t.startswith((":warning:", "*A-")) for t in texts) == kit.HOME_ACTIES
    assert any(t.startswith("… en nog 110 actiepunten, waarvan") and "/actie lijst mijn" in t for t in texts)


@pytest.mark.parametrize("command", ["/signaal export", "/actie export"])
async def test_exports_name_the_file_without_its_server_path(slack: SlackWorld, command: str) -> None:
    _fill(slack, n=5)
    text = await slack.say(command)
    assert ".csv" in text, text
    assert "/" not in text.replace(command, ""), text
    await slack.fake.wait_for_uploads(1)


def test_the_fake_slack_finds_what_slack_would_refuse() -> None:
    """The suite-wide check is not vacuous: each limit it knows is caught."""
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "&amp;" * 601}}
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x"}}
    wide = {**button, "text": {"type": "plain_text", "text": "x" * 76}}
    title = {"type": "plain_text", "text": "x" * 25}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("chat.postMessage", {"text": "x", "blocks": [section]}),
        ("chat.postMessage", {"text": "x", "blocks": [{"type": "divider"}] * 51}),
        ("response", {"text": "x", "blocks": [{"type": "actions", "elements": [button, button]}]}),
        ("chat.postEphemeral", {"text": "x" * 40_001}),
        ("chat.postMessage", {"blocks": [{"type": "actions", "elements": [wide]}]}),
        ("chat.postMessage", {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]}),
        ("views.open", {"view": {"type": "modal", "title": title, "blocks": [section]}}),
        ("views.publish", {"view": {"type": "home", "private_metadata": "x" * 3001, "blocks": [{"type": "divider"}]}}),
        ("views.publish", {"view": {"type": "home", "blocks": [{"type": "divider"}] * 101}}),
        ("chat.postMessage", {"text": "x", "blocks": [{"type": "no-such-block"}]}),
    ]  # fmt: skip
    for method, body in cases:
        assert fake_slack.payload_violations(method, body), (method, body)
    ok = {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "&amp;" * 600}}]}
    assert fake_slack.payload_violations("chat.postMessage", ok) == []
