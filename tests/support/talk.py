"""Talking to the bot in tests, errbot-style: `bot.say("/actie ...")` returns what it answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, func, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.core import Clock, Wijkbot
from handlers.base import Reply
from handlers.forms import Form, Outcome
from handlers.notify import Recipient
from storage.models import OutboxMessage


@dataclass
class Posted:
    destination: str  # "#channel" or "@person"
    text: str


@dataclass
class RecordingNotifier:
    """Delivers outbox messages into a list, as the console would print them."""

    name: str = "test"
    interval: float = 0.0
    posted: list[Posted] = field(default_factory=list)

    def handles(self, msg: OutboxMessage, recipient: Recipient | None) -> bool:
        return True

    async def send(self, msg: OutboxMessage, recipient: Recipient | None) -> None:
        dest = f"#{msg.destination}" if msg.kind == "channel" else f"@{msg.destination}"
        self.posted.append(Posted(dest, msg.text))


class TalkingBot:
    """A Wijkbot on a test database with a simulated clock and a recording notifier."""

    def __init__(self, db_url: str, now: datetime, config: str | None = None) -> None:
        self.bot = Wijkbot.create(db_url=db_url, config_path=config, clock=Clock(now))
        from schedules import console_runner

        self.bot.job_runner = console_runner
        self.recorder = RecordingNotifier()
        self.bot.notifiers.append(self.recorder)
        self.person, self.channel = "anna", "lbt-bolnes"
        self.last: list[Reply] = []

    async def say(self, text: str, *, as_: str | None = None, in_: str | None = None) -> str:
        msg = self.bot.message(text, person=as_ or self.person, channel=in_ or self.channel)
        self.last = await self.bot.handle(msg)
        return "\n".join(r.text for r in self.last)

    async def fill(self, form: Form, *, as_: str | None = None, in_: str | None = None) -> Outcome:
        """Submit a form (what a Slack modal sends), as the console would type its command."""
        outcome = await self.bot.submit(form, person=as_ or self.person, channel=in_ or self.channel)
        await self.bot.outbox_changed()
        self.last = outcome.replies
        return outcome

    async def advance(self, delta: timedelta) -> None:
        await self.bot.advance(delta)

    def posted_to(self, destination: str) -> list[str]:
        return [p.text for p in self.recorder.posted if p.destination == destination]

    def session(self) -> Session:
        return Session(self.bot.engine)

    def count(self, stmt: SelectOfScalar[int]) -> int:
        with self.session() as s:
            return int(s.exec(stmt).one())

    def rows(self, model: type) -> int:
        with self.session() as s:
            return int(s.exec(select(func.count()).select_from(model)).one())
