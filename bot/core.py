"""Wiring shared by `wijkbot run` and `wijkbot console`: engine, configuration, clock, outbox."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.logprivacy import remember_people
from bot.settings import Settings
from handlers import inbox, resident_flow
from handlers.base import Message, Reply, Ticket
from handlers.batching import GroupCommit
from handlers.forms import Form, Outcome, submit
from handlers.inbox import Incoming
from handlers.lookups import people_names, seed_configuration
from handlers.notify import Delivery, DeliveryPolicy, Notifier
from handlers.router import dispatch
from handlers.state import DEFAULT_BOT_NAME, DEFAULT_OUTPUT_DIR, BotState
from storage.config import OrgConfig, load_config
from storage.db import Database, database_errors, make_engine, open_database

log = logging.getLogger(__name__)

# The inbox request a worker is running (bot/inbox.py sets it around `Processor.process`): every
# command handled meanwhile carries it, so each commits once (handlers/router.py).
current_ticket: ContextVar[Ticket | None] = ContextVar("wijkbot_ticket", default=None)
# and how to mark it answered as soon as its answer went out (`Wijkbot.answered`)
current_answered: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("wijkbot_answered", default=None)


class Clock:
    """The bot's notion of now: real time, or a simulated time that only moves when told.

    `Clock(start, running=True)`: a simulated time that starts at `start` and then runs at the
    speed of real time (a process "on another date", for tests of the live scheduler).
    """

    def __init__(self, start: datetime | None = None, *, running: bool = False) -> None:
        self._fixed = start.astimezone(UTC) if start else None
        self._since = time.monotonic() if running and start else None

    @property
    def simulated(self) -> bool:
        return self._fixed is not None and self._since is None

    def now(self) -> datetime:
        if self._fixed is None:
            return datetime.now(UTC)
        if self._since is not None:
            return self._fixed + timedelta(seconds=time.monotonic() - self._since)
        return self._fixed

    def set(self, when: datetime) -> None:
        if self._fixed is None or self._since is not None:
            raise RuntimeError("the real clock cannot be set")
        self._fixed = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)


# A runner of scheduled work: given the window (after, until], run every due job in time order,
# setting the clock to each job's fire time (the scheduler plugs in here; see schedules/).
JobRunner = Callable[["Wijkbot", datetime, datetime], Awaitable[int]]


def bot_state(settings: Settings) -> BotState:
    """A fresh bot state with what its handlers need from the environment."""
    return BotState(
        output_dir=Path(settings.wijkbot_output_dir or DEFAULT_OUTPUT_DIR),
        resident_bot_name=settings.telegram_bot_name.lstrip("@") or DEFAULT_BOT_NAME,
    )


@dataclass
class Wijkbot:
    """The bot without a transport: handle a message, deliver the outbox, move simulated time."""

    engine: Database
    config: OrgConfig
    clock: Clock
    notifiers: list[Notifier] = field(default_factory=list)
    job_runner: JobRunner | None = None
    on_queued: Callable[[], None] | None = None  # wakes the outbox relay in `wijkbot run`
    on_received: Callable[[], None] | None = None  # wakes an inbox worker in the same process
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    _deliverer: Delivery | None = field(default=None, repr=False)  # the pace per destination, the writer
    _receiver: GroupCommit[Incoming, int | None] | None = field(default=None, repr=False)  # inbox writes
    # what this bot keeps in memory (pending PII texts, rate limits) and its handlers' settings:
    # `ctx.state` in every handler, never shared with another bot in the same process
    state: BotState = field(default_factory=BotState)

    @classmethod
    def create(
        cls,
        *,
        db_url: str | None,
        config_path: str | None,
        clock: Clock | None = None,
        settings: Settings | None = None,
        prepared: bool = False,
    ) -> Wijkbot:
        """Open the database (migrating it), load and seed the configuration.

        `settings`: the environment (read now when not given). `prepared`: another process (the
        one that started this worker) migrated and seeded it already. A database that cannot be
        opened raises storage.db.DatabaseSetupError (one Dutch sentence)."""
        config = load_config(config_path)
        clock = clock or Clock()
        if prepared:
            engine = make_engine(db_url)
        else:
            engine = open_database(db_url)
            with database_errors(db_url):
                seed_configuration(engine, config, now=clock.now())
        remember_people(lambda: people_names(engine))  # the names the log guard keeps out of the logs
        return cls(engine=engine, config=config, clock=clock, state=bot_state(settings or Settings()))

    async def handle(self, msg: Message) -> list[Reply]:
        ticket = current_ticket.get()
        if ticket is not None and msg.ticket is None:
            msg = dataclasses.replace(msg, ticket=ticket)
        replies = await asyncio.to_thread(dispatch, self.engine, self.config, msg, self.state)
        await self.outbox_changed()
        return replies

    async def converse(self, event: resident_flow.Event) -> list[Reply]:
        """A resident's event in a private chat (a command, text, a tap, a photo, a location)."""
        ticket = current_ticket.get()
        if ticket is not None and event.ticket is None:
            event = dataclasses.replace(event, ticket=ticket)
        replies = await asyncio.to_thread(resident_flow.handle, self.engine, self.config, event)
        await self.outbox_changed()
        return replies

    async def submit(self, form: Form, *, person: str, channel: str, transport: str = "console") -> Outcome:
        """Handle a submitted form (a Slack modal) as a command; the outbox is the caller's to wake
        (`outbox_changed`), after it has answered the form."""
        msg = self.message("", person=person, channel=channel, transport=transport)
        return await asyncio.to_thread(submit, self.engine, self.config, form, msg, self.state)

    async def answered(self) -> None:
        """The answer to the inbox request being run went out: mark it now, before the extras
        (App Home republishes), so a kill from here on sends nothing twice."""
        mark = current_answered.get()
        if mark is not None:
            await mark()

    async def receive(self, *, transport: str, kind: str, dedupe_key: str, body: str) -> int | None:
        """Write a verified request to the inbox, durable on return (together with the ones that
        arrive at the same moment); its id, or None when its key was received before."""
        if self._receiver is None:
            self._receiver = inbox.receiver(self.engine)
        return await self._receiver.run(Incoming(transport, kind, dedupe_key, body, self.clock.now()))

    def received(self) -> None:
        """A request was written to the inbox: wake this process's worker, if it has one."""
        if self.on_received is not None:
            self.on_received()

    async def outbox_changed(self) -> None:
        """Something may have been queued: wake the relay (`wijkbot run`), or else deliver now."""
        if self.on_queued is not None:
            self.on_queued()
        else:
            await self.flush()

    def message(self, text: str, *, person: str, channel: str, transport: str = "console") -> Message:
        return Message(text=text, person=person, channel=channel, now=self.clock.now(), transport=transport)

    async def flush(self) -> int:
        """Deliver what the outbox holds for now."""
        if self._deliverer is None:
            self._deliverer = Delivery(
                self.engine, self.notifiers, clock=self.clock.now, policy=self.delivery, monotonic=time.monotonic
            )
        self._deliverer.policy = self.delivery  # `wijkbot run` sets it after create
        return await self._deliverer.round()

    async def advance(self, delta: timedelta) -> int:
        """Move simulated time forward, running every job that falls due on the way."""
        start = self.clock.now()
        until = start + delta
        ran = 0
        if self.job_runner is not None:
            ran = await self.job_runner(self, start, until)
        self.clock.set(until)
        await self.flush()
        return ran
