"""The daily retention job (AVG): at 04:15 local time, outside the 02:00-03:00 DST hour."""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from schedules.jobs import JobSpec, register
from storage.config import OrgConfig
from storage.db import transaction
from storage.retention import apply_retention

log = logging.getLogger(__name__)


def apply_retention_job(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Apply the retention periods; logs the counts and queues no messages (returns 0)."""
    with transaction(engine) as session:
        counts = apply_retention(session, config.retention, now=now)
    log.info("bewaartermijnen toegepast: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


@register
def retention_jobs(config: OrgConfig) -> list[JobSpec]:
    return [
        JobSpec(
            id="retention",
            trigger=CronTrigger(hour=4, minute=15, timezone=config.tz),
            func=apply_retention_job,
        )
    ]
