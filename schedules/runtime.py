"""What the scheduler needs of the bot it runs in, as a protocol (schedules/ imports no `bot`).

`bot.core.Wijkbot` satisfies it structurally: its database engine, its organisation's
configuration, its clock (the scheduler's only notion of now) and `outbox_changed()`, the one
place that decides how queued messages leave (wake the relay of `wijkbot run`, or deliver now).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from storage.config import OrgConfig


class RuntimeClock(Protocol):
    """The bot's clock: real time, or a simulated time that only moves when told (`set`)."""

    @property
    def simulated(self) -> bool: ...

    def now(self) -> datetime: ...

    def set(self, when: datetime) -> None: ...


class Runtime(Protocol):
    """The bot as the scheduler sees it."""

    @property
    def engine(self) -> Engine: ...

    @property
    def config(self) -> OrgConfig: ...

    @property
    def clock(self) -> RuntimeClock: ...

    async def outbox_changed(self) -> None:
        """Something may have been queued: see that it is delivered."""
        ...
