"""Report jobs: the weekly digest to the regiegroep, and the action lists after each meeting.

- `reports.weekly_digest`: the digest of the week before, to each group in `[digest] to` (default:
  every regiegroep) on its weekday and time (default Monday 08:00 local); `digest = false`: none.
- `reports.after_meeting` (an instant source): two hours after a meeting starts, its actielijst and
  the participation overview go up (or down) the chain along the reporting lines.

The half-year report needs no job of its own: schedules.halfyear asks the chairs for it on 1 June
and 1 December, and `/rapportage` drafts it from the data when it is first asked for.

Every message carries a dedupe key, so a job that runs twice or late still says everything once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from handlers.reports import actielijst
from handlers.reports.digest import weekly_digest
from schedules.jobs import InstantSource, JobSpec, read_mark, register, register_instants, write_mark
from storage import meetings as meeting_repo
from storage import org, outbox
from storage.config import OrgConfig
from storage.db import transaction

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler's names for maandag ... zondag
AFTER_MEETING_MARK = "reports.after_meeting"


def send_weekly_digest(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """The digest of the last complete week to each recipient, with the groups that report to it, once per week."""
    keys = config.digest_recipients()
    if not keys:
        return 0
    with transaction(engine) as session:
        out: list[outbox.Outgoing] = []
        for g in org.groups_with_keys(session, keys):
            made = weekly_digest(session, now=now, tz=config.tz, recipient=g, config=config)
            if made is None:
                continue
            label, text = made
            out.append(outbox.Outgoing("channel", g.channel, text, dedupe_key=f"digest:{label}:{g.key}"))
        return outbox.enqueue_many(session, out, now=now)


def distribute_after_meetings(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Send the lists of every meeting that ended in the last week and has not been sent yet."""
    with transaction(engine) as session:
        meetings = actielijst.ended_meetings(session, now=now)
        groups = org.all_groups(session)
        lists = [
            outbox.Outgoing("channel", out.channel, out.text, dedupe_key=out.dedupe_key)
            for out in actielijst.after_meetings(session, meetings, now=now, tz=config.tz, groups=groups)
        ]
        queued = outbox.enqueue_many(session, lists, now=now)
        write_mark(session, AFTER_MEETING_MARK, now)
    return queued


def next_meeting_end(engine: Engine, config: OrgConfig, after: datetime) -> datetime | None:
    """The first moment after `after` at which a (not cancelled) meeting ends."""
    with transaction(engine) as session:
        starts = meeting_repo.meeting_starts(session, after=after - actielijst.MEETING_LENGTH, limit=1)
    return starts[0] + actielijst.MEETING_LENGTH if starts else None


@register
def report_jobs(config: OrgConfig) -> list[JobSpec]:
    settings = config.digest_settings
    if settings is None:
        return []  # `digest = false`: no weekly overview
    hour, minute = settings.hour_minute
    return [
        JobSpec(
            "reports.weekly_digest",
            CronTrigger(day_of_week=DAYS[settings.day_index], hour=hour, minute=minute, timezone=config.tz),
            send_weekly_digest,
            misfire_grace=timedelta(days=3),  # last week's digest is still worth sending on Thursday
        ),
    ]


@register_instants
def report_instants(config: OrgConfig) -> list[InstantSource]:
    return [
        InstantSource(
            id=AFTER_MEETING_MARK,
            next_at=next_meeting_end,
            func=distribute_after_meetings,
            mark=lambda engine: read_mark(engine, AFTER_MEETING_MARK),
            reads=frozenset({"meeting"}),  # what next_meeting_end reads
        )
    ]
