"""Jaarplan (or wijkagenda): the half-yearly voortgangsrapportage and the evaluation in Q4.

On 1 June and 1 December at 09:00 the chair of each group with a jaarplan (by default the
teams; `jaarplan = false` turns it off, `jaarplan_naam` names it) is asked for the
voortgangsrapportage to the groups it reports to; on 1 October at 09:00 the chair is reminded
that the jaarplan is evaluated in the last quarter and made final at the first meeting of the
new year, with the plan itself (counts and the open activities, handlers.jaarplan.overview_lines)
and how to carry the open ones into next year (/jaarplan nieuw-jaar). (The report itself is
built elsewhere; these are the prompts.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from handlers.jaarplan import overview_lines
from schedules.jobs import JobSpec, register
from storage import org, outbox
from storage.config import OrgConfig
from storage.db import transaction
from storage.models import Group, Person

VOORTGANG_MONTHS = (6, 12)
EVALUATIE_MONTH = 10


def _teams_with_chair(session, *, now: datetime) -> list[tuple[Group, Person]]:  # type: ignore[no-untyped-def]
    out = []
    for g in session.exec(select(Group).where(Group.jaarplan == True).order_by(col(Group.id))).all():  # noqa: E712
        chair = session.get(Person, g.chair_id) if g.chair_id else None
        if chair is not None and chair.active:
            out.append((g, chair))
    return out


def period_of(now: datetime, config: OrgConfig) -> str:
    """The half year a rapportage covers: `2026-H1` (asked in June) or `2026-H2` (December)."""
    local = now.astimezone(config.tz)
    return f"{local.year}-H{1 if local.month <= 6 else 2}"


def ask_voortgangsrapportage(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Ask each team's chair for the half-yearly voortgangsrapportage on the jaarplan."""
    period = period_of(now, config)
    year, half = period.split("-")
    which = "eerste" if half == "H1" else "tweede"
    queued = 0
    with transaction(engine) as session:
        groups = org.all_groups(session)
        plan = config.jaarplan_naam
        for group, chair in _teams_with_chair(session, now=now):
            above = org.reports_to(groups, group)
            to = " en ".join(g.name for g in above) if above else "de groep waaraan u rapporteert"
            text = (
                f"Het is tijd voor de voortgangsrapportage van het {plan} {year} van {group.name} over het "
                f"{which} halfjaar{config.cite()}. {to} ontvangt die minstens elk half jaar; "
                f"wijkbot heeft een concept klaar: typ /rapportage {period} in #{group.channel}, vul aan met "
                f"/rapportage {period} tekst <voortgang> en verstuur met /rapportage {period} verstuur."
            )
            queued += outbox.dm(session, chair.key, text, now=now, dedupe_key=f"voortgang:{group.key}:{period}")
    return queued


def remind_jaarplan_evaluatie(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Remind each team's chair to evaluate the jaarplan in the last quarter."""
    year = now.astimezone(config.tz).year
    queued = 0
    with transaction(engine) as session:
        for group, chair in _teams_with_chair(session, now=now):
            plan = config.jaarplan_naam
            overview = overview_lines(session, group, year, tz=config.tz, plan=plan)
            text = (
                f"Het laatste kwartaal is begonnen: tijd om het {plan} {year} van {group.name} te evalueren"
                f"{config.cite()}. Zet de evaluatie op de agenda; het {plan} {year + 1} wordt vastgesteld "
                "in het eerste overleg van het nieuwe jaar. Met /jaarplan nieuw-jaar in "
                f"#{group.channel} gaan de open activiteiten mee naar {year + 1}.\n" + "\n".join(overview)
            )
            queued += outbox.dm(session, chair.key, text, now=now, dedupe_key=f"jaarplan-evaluatie:{group.key}:{year}")
    return queued


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
