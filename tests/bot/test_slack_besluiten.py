"""A meeting with 300 besluiten full of `&` and `<`: the verslag up the chain, the besluiten down and the
besluitenlijst all reach Slack within every Block Kit limit (tests/support/fake_slack.py checks each
payload; tests/conftest.py fails the test on any violation)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from bot import slack_blocks as kit
from handlers.verslag import send_verslag
from storage import besluiten
from storage.db import transaction
from storage.models import Group, Meeting, Person
from tests.bot.conftest import SlackWorld
from tests.conftest import NOW

HEAVY = "Wooncompas & Facet <samen> 🏚️ "
REGIE = "C0REGIE01"


def _sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section"]


async def test_a_verslag_with_300_besluiten_reaches_slack_within_the_limits(slack: SlackWorld) -> None:
    later = NOW + timedelta(days=11)  # after the Bolnes meeting of 3 December
    with transaction(slack.bot.engine) as s:
        bolnes = s.exec(select(Group).where(Group.key == "bolnes")).one()
        anna = s.exec(select(Person).where(Person.key == "anna")).one()
        meeting = s.exec(select(Meeting).where(Meeting.group_id == bolnes.id).order_by(col(Meeting.starts_at))).first()
        assert meeting is not None
        assert meeting.id is not None
        assert bolnes.id is not None
        for i in range(300):
            text = (HEAVY * (50 if i % 10 == 0 else 3))[:1990] + f" {i}"
            besluiten.record_besluit(s, group_id=bolnes.id, meeting_id=meeting.id, text=text, actor_id=anna.id, now=NOW)
        queued = send_verslag(s, slack.bot.config, meeting, now=later, trigger="aanwezigheid")
    assert queued == 2  # the regiegroep and the stuurgroep (Bolnes has nobody below it)
    slack.bot.clock.set(later)
    await slack.bot.flush()
    [post] = [c.body for c in slack.fake.of("chat.postMessage") if c.body["channel"] == REGIE]
    assert post["text"].startswith("Verslag van het overleg van Leefbaarheidsteam Bolnes")
    blocks = post["blocks"]
    assert 1 <= len(blocks) <= kit.MESSAGE_BLOCKS
    assert all(len(t) <= kit.SECTION_TEXT for t in _sections(blocks))
    joined = "\n".join(_sections(blocks))
    assert "&amp;" in joined
    assert "&lt;samen&gt;" in joined
    assert "<samen>" not in joined
    assert "Besluiten (300):" in joined
    assert "en nog" in joined  # what does not fit is counted, never dropped silently

    # the besluitenlijst in the channel, through a slash command
    resp, path = await slack.command("/besluit lijst")
    assert resp.status_code == 200
    [answer] = await slack.replies(path)
    assert answer.status == 200
    assert 1 <= len(answer["blocks"]) <= kit.MESSAGE_BLOCKS
    assert all(len(t) <= kit.SECTION_TEXT for t in _sections(answer["blocks"]))
    assert "Er ging iets mis" not in answer["text"]
