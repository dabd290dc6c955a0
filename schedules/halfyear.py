"""Jaarplan (or wijkagenda): the half-yearly voortgangsrapportage and the evaluation in Q4.

On 1 June and 1 December at 09:00 the chair of each group with a jaarplan (by default the
teams; `jaarplan = false` turns it off, `jaarplan_naam` names it) is asked for the
voortgangsrapportage to the groups it reports to; on 1 October at 09:00 the chair is reminded
that the jaarplan is evaluated in the last quarter and made final at the first meeting of the
new year, with the plan itself (counts and the open activities, handlers.jaarplan.overview_lines)
and how to carry the open ones into next year (/jaarplan nieuw-jaar). (The report itself is
built elsewhere; these are the prompts, and their texts are in handlers/yearly.py.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from handlers import yearly
from schedules.jobs import JobSpec, register
from storage.config import OrgConfig
from storage.db import transaction

VOORTGANG_MONTHS = (6, 12)
EVALUATIE_MONTH = 10


def ask_voortgangsrapportage(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Ask each team's chair for the half-yearly voortgangsrapportage on the jaarplan."""
    with transaction(engine) as session:
        return yearly.ask_voortgangsrapportage(session, config, now=now)


def remind_jaarplan_evaluatie(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Remind each team's chair to evaluate the jaarplan in the last quarter."""
    with transaction(engine) as session:
        return yearly.remind_jaarplan_evaluatie(session, config, now=now)


@register
def halfyear_jobs(config: OrgConfig) -> list[JobSpec]:
    months = ",".join(str(m) for m in VOORTGANG_MONTHS)
    return [
        JobSpec(
            "jaarplan:voortgang",
            CronTrigger(month=months, day=1, hour=9, minute=0, timezone=config.tz),
            ask_voortgangsrapportage,
            misfire_grace=timedelta(days=14),
        ),
        JobSpec(
            "jaarplan:evaluatie",
            CronTrigger(month=EVALUATIE_MONTH, day=1, hour=9, minute=0, timezone=config.tz),
            remind_jaarplan_evaluatie,
            misfire_grace=timedelta(days=14),
        ),
    ]
