"""Overdue actiepunten (agreements are not without obligation), Netflix Dispatch style.

Every working day at 09:00 each owner gets ONE direct message listing all their overdue
actiepunten, with buttons to mark each done or move it; `Actiepunt.last_reminder_at` and a
dedupe key per owner per day make sure nobody hears it twice a day. An actiepunt that is more
than 14 days overdue is reported once to the chair of its group (`chair_told_at`). The texts are
in handlers/overdue.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from handlers.overdue import remind_owners, tell_chairs
from schedules.jobs import JobSpec, register
from storage import items, org
from storage.config import OrgConfig
from storage.db import transaction


def remind_overdue_owners(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """One direct message per owner with all their overdue actiepunten; the chair after 14 days."""
    with transaction(engine) as session:
        acts = items.overdue_actiepunten(session, now=now)
        groups = org.groups_by_id(session)
        queued = remind_owners(session, config, acts, groups, now=now)
        return queued + tell_chairs(session, config, acts, groups, now=now)


@register
def overdue_jobs(config: OrgConfig) -> list[JobSpec]:
    return [
        JobSpec(
            "actiepunten:achterstand",
            CronTrigger(day_of_week="mon-fri", hour=9, minute=0, timezone=config.tz),
            remind_overdue_owners,
            misfire_grace=timedelta(hours=8),
        )
    ]
