"""Scheduled work (APScheduler 3.x); jobs take ids and `now`, never live objects."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Wijkbot


async def console_runner(bot: Wijkbot, after: datetime, until: datetime) -> int:
    """Run every job due in (after, until] in time order on the simulated clock."""
    from schedules.jobs import run_due

    return await run_due(bot, after, until)
