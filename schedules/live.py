"""The live scheduler (APScheduler 3.x AsyncIOScheduler). Filled by the scheduling work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from bot.core import Wijkbot


def start_scheduler(bot: Wijkbot) -> AsyncIOScheduler:
    """Start the scheduler with wijkbot's jobs on the running event loop."""
    scheduler = AsyncIOScheduler(timezone=bot.config.tz)
    scheduler.start()
    return scheduler
