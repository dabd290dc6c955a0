"""Initiatives on their own: overdue phases are chased, and the year end closes the wijkbudgets.

- Every working day at 09:00: a verzoek or initiatief whose phase has not moved for
  `initiatief_fase_weken` weeks (default 4) is put before its contact person (or, without one, the
  group's chair) in ONE direct message per person; each item at most once a week
  (`Initiatief.last_reminder_at`), and a dedupe key per person per day.
- Every day at 09:00: a wijkbudget whose year is over is closed once: the chair of each group with
  that wijk hears what was granted and what lapses (a mark in ClockState and a dedupe key, so a
  late or double run says it once).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from handlers.overdue import chase_stalled_initiatieven
from handlers.yearly import announce_budget_closed
from schedules.jobs import JobSpec, register, write_mark
from storage import initiatieven as store
from storage import marks, org
from storage.config import OrgConfig, wijk_key
from storage.db import transaction

CLOSED_MARK = "wijkbudget:afgesloten:"  # + <wijk key>:<year>


def chase_overdue_phases(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """One direct message per contact person (or chair) with their initiatives that stand still."""
    with transaction(engine) as session:
        return chase_stalled_initiatieven(session, config, now=now)


def close_budget_years(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Once per wijk and year, after the year: tell the chairs what was granted and what lapses."""
    year_now = now.astimezone(config.tz).year
    queued = 0
    with transaction(engine) as session:
        teams = org.teams(session)
        for wijk in store.all_wijken(config):
            bc = config.budgets.get(wijk_key(wijk))
            if bc is None or bc.jaar >= year_now:
                continue
            mark = f"{CLOSED_MARK}{wijk_key(wijk)}:{bc.jaar}"
            if marks.has_mark(session, mark):
                continue
            queued += announce_budget_closed(session, config, teams, wijk, now=now, dedupe_key=mark)
            write_mark(session, mark, now)
    return queued


@register
def initiatief_jobs(config: OrgConfig) -> list[JobSpec]:
    return [
        JobSpec(
            "initiatieven:achterstand",
            CronTrigger(day_of_week="mon-fri", hour=9, minute=5, timezone=config.tz),
            chase_overdue_phases,
            misfire_grace=timedelta(hours=8),
        ),
        JobSpec(
            "wijkbudget:jaarafsluiting",
            CronTrigger(hour=9, minute=10, timezone=config.tz),
            close_budget_years,
            misfire_grace=timedelta(hours=20),
        ),
    ]
