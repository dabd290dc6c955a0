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

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from handlers.initiatief import KIND_WORDS, overdue, phase_label_words, ref_i
from schedules.jobs import JobSpec, register, write_mark
from storage import initiatieven as store
from storage import outbox
from storage.config import OrgConfig, wijk_key
from storage.db import transaction
from storage.initiatieven import euro
from storage.models import ClockState, Group, GroupKind, Initiatief, InitiatiefKind, Person

REMIND_EVERY = timedelta(days=7)
CLOSED_MARK = "wijkbudget:afgesloten:"  # + <wijk key>:<year>


def chase_overdue_phases(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """One direct message per contact person (or chair) with their initiatives that stand still."""
    today = now.astimezone(config.tz).date().isoformat()
    weeks = config.initiatief_fase_weken
    queued = 0
    with transaction(engine) as session:
        groups = {g.id: g for g in session.exec(select(Group)).all()}
        by_person: dict[int, list[Initiatief]] = defaultdict(list)
        for ini in overdue(session, now=now, weeks=weeks):
            if ini.last_reminder_at is not None and now - ini.last_reminder_at < REMIND_EVERY:
                continue
            group = groups.get(ini.group_id)
            who = ini.contact_id or (group.chair_id if group else None)
            if who is not None:
                by_person[who].append(ini)
        for person_id, items in by_person.items():
            person = session.get(Person, person_id)
            if person is None or not person.active or person.erased_at is not None:
                continue
            lines = [f"Deze verzoeken en initiatieven staan al meer dan {weeks} weken in dezelfde fase:"]
            for ini in items:
                g = groups.get(ini.group_id)
                stood = (now - ini.fase_since).days // 7
                lines.append(
                    f"• {ref_i(ini.id)} {KIND_WORDS[InitiatiefKind(ini.kind)]} {ini.text} "
                    f"({g.name if g else 'onbekende groep'}): fase {phase_label_words(config, ini.fase)}, "
                    f"{stood} weken"
                )
            first = ref_i(items[0].id)
            lines.append(
                f"Breng het verder met /initiatief {first} fase <volgende fase> [toelichting voor de "
                "initiatiefnemer]; de initiatiefnemer wacht op nieuws. Dat kan ook hier, in dit directe gesprek."
            )
            msg = outbox.enqueue(
                session,
                kind="dm",
                destination=person.key,
                text="\n".join(lines),
                now=now,
                dedupe_key=f"initiatief-achterstand:{person.key}:{today}",
            )
            if msg is not None:
                queued += 1
                for ini in items:
                    ini.last_reminder_at = now
                    session.add(ini)
    return queued


def close_budget_years(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """Once per wijk and year, after the year: tell the chairs what was granted and what lapses."""
    year_now = now.astimezone(config.tz).year
    queued = 0
    with transaction(engine) as session:
        teams = session.exec(select(Group).where(Group.kind == GroupKind.team).order_by(col(Group.name))).all()
        for wijk in store.all_wijken(config):
            bc = config.budgets.get(wijk_key(wijk))
            if bc is None or bc.jaar >= year_now:
                continue
            mark = f"{CLOSED_MARK}{wijk_key(wijk)}:{bc.jaar}"
            if session.get(ClockState, mark) is not None:
                continue
            b = store.budget_of(session, config, wijk)
            assert b is not None
            lapse = max(b.left, 0)
            text = (
                f"Het wijkbudget {b.jaar} van {b.wijk} is afgesloten. Voor inwonerinitiatieven was er "
                f"{euro(b.initiatieven)}; toegekend {euro(b.granted)} aan {b.count} "
                f"{'initiatief' if b.count == 1 else 'initiatieven'}. "
                + (
                    f"{euro(lapse)} was niet besteed en vervalt aan de algemene middelen; het kan niet worden "
                    "meegenomen naar het nieuwe jaar."
                    if lapse
                    else "Er vervalt niets."
                )
                + config.cite()
            )
            for chair in _chairs_of(session, teams, wijk):
                queued += outbox.dm(session, chair.key, text, now=now, dedupe_key=f"{mark}:{chair.key}")
            write_mark(session, mark, now)
    return queued


def _chairs_of(session: Session, teams: Sequence[Group], wijk: str) -> list[Person]:
    out: list[Person] = []
    for g in teams:
        if wijk in g.wijk_list and g.chair_id is not None:
            chair = session.get(Person, g.chair_id)
            if chair is not None and chair.active and chair not in out:
                out.append(chair)
    return out


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
