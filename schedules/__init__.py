"""Scheduled work (APScheduler 3.x); jobs take ids and `now`, never live objects."""

from __future__ import annotations

from datetime import datetime

from schedules.runtime import Runtime


async def console_runner(bot: Runtime, after: datetime, until: datetime) -> int:
    """Run every job due in (after, until] in time order on the simulated clock."""
    from schedules.jobs import run_due

    return await run_due(bot, after, until)
