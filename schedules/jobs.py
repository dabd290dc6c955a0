"""The scheduled jobs. (Filled by the scheduling work: meeting reminders, nudges, overdue.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Wijkbot


async def run_due(bot: Wijkbot, after: datetime, until: datetime) -> int:
    """No jobs are registered yet; returns how many ran."""
    return 0
