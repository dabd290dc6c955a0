"""A half-told signaal (a Draft) is personal data: exported with the person, gone with them, and
gone on its own once the conversation has ended (retention)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import select

from handlers.resident_flow import Command, Event
from storage.config import RetentionConfig
from storage.db import transaction
from storage.models import Draft, Person
from storage.privacy import erase_person, export_person
from storage.retention import apply_retention
from tests.support.talk import TalkingBot

ADDRESS = "55501"


async def _half_told(bot: TalkingBot, text: str) -> Person:
    reply = await bot.say("/ambassadeur uitnodigen")
    code = re.search(r"\?start=([A-Za-z0-9_-]+)", reply)
    assert code, reply
    now = bot.bot.clock.now()
    await bot.bot.converse(Event("console", ADDRESS, now, Command("start", code[1]), name="Gerda"))
    await bot.bot.converse(Event("console", ADDRESS, now, Command("signaal", text)))
    with bot.session() as s:
        draft = s.exec(select(Draft)).one()
        person = s.get(Person, draft.person_id)
    assert person is not None
    assert text in draft.state
    return person


async def test_the_draft_is_in_the_export_and_gone_after_an_erase(bot: TalkingBot) -> None:
    person = await _half_told(bot, "Gerda hier: de stoep bij het hofje ligt open")
    with bot.session() as s:
        exported = export_person(s, person)
    drafts = exported["gesprekken_in_uitvoering"]
    assert len(drafts) == 1
    assert "stoep bij het hofje" in json.dumps(drafts, ensure_ascii=False)
    with transaction(bot.bot.engine) as s:
        erase_person(s, s.get(Person, person.id), now=bot.bot.clock.now())  # type: ignore[arg-type]
    assert bot.rows(Draft) == 0


async def test_retention_removes_a_draft_left_alone_for_thirty_minutes_and_keeps_a_live_one(bot: TalkingBot) -> None:
    await _half_told(bot, "Glas bij de bushalte")
    now = bot.bot.clock.now()
    with transaction(bot.bot.engine) as s:
        assert apply_retention(s, RetentionConfig(), now=now + timedelta(minutes=29))["concepten_verlopen"] == 0
    assert bot.rows(Draft) == 1
    with transaction(bot.bot.engine) as s:
        assert apply_retention(s, RetentionConfig(), now=now + timedelta(minutes=31))["concepten_verlopen"] == 1
    assert bot.rows(Draft) == 0
