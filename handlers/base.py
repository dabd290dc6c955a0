"""The neutral port between transports and the domain: a message in, replies out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.state import BotState
from storage import outbox
from storage.config import OrgConfig
from storage.models import Group, Person

MAX_TEXT = 2000


class UserError(Exception):
    """Bad input: the message is one Dutch sentence that says what was wrong and how to write it."""


@dataclass(frozen=True)
class Message:
    """What someone wrote: who (a person key), where (a channel name or `@key`), and when."""

    text: str
    person: str
    channel: str
    now: datetime
    transport: str = "console"
    # the inbox request this message came with (a worker runs it): its commands commit once
    ticket: Ticket | None = None


@dataclass
class Ticket:
    """A worker's hold on an inbox request (storage/inbox.py): which request, and which of its
    commands comes next (a request may run more than one, each in its own transaction)."""

    request_id: int
    worker: str
    step: int = 0


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # e.g. "actie_gedaan"
    value: str  # e.g. "A-12"


@dataclass
class Reply:
    """Something the bot answers in the conversation the message came from."""

    text: str
    buttons: tuple[Button, ...] = ()
    private: bool = False  # only for the person who asked (ephemeral in Slack)
    ref: str | None = None  # the item created or changed, e.g. "A-12"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """Everything a command handler needs; built by the router for one message."""

    session: Session
    person: Person
    group: Group | None
    now: datetime
    config: OrgConfig
    transport: str = "console"
    channel: str = ""
    state: BotState = field(default_factory=BotState)  # the bot's memory and settings (handlers/state.py)

    @property
    def tz(self) -> ZoneInfo:
        return self.config.tz

    def require_group(self) -> Group:
        if self.group is None:
            raise UserError(
                "Dit commando werkt in het kanaal van een team of groep; "
                f"gebruik het daar (bijvoorbeeld in #{self.config.example_channel()})."
            )
        return self.group

    def post_to_channel(self, channel: str, text: str, *, dedupe_key: str | None = None, **payload: Any) -> None:
        """Queue a message for a group's channel (delivered after this transaction commits)."""
        outbox.enqueue(
            self.session,
            kind="channel",
            destination=channel,
            text=text,
            now=self.now,
            dedupe_key=dedupe_key,
            payload=payload or None,
        )

    def post_to_person(self, person: Person, text: str, *, dedupe_key: str | None = None, **payload: Any) -> None:
        """Queue a direct message to a person."""
        outbox.enqueue(
            self.session,
            kind="dm",
            destination=person.key,
            text=text,
            now=self.now,
            dedupe_key=dedupe_key,
            payload=payload or None,
        )
