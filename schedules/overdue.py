"""Overdue actiepunten (agreements are not without obligation), Netflix Dispatch style.

Every working day at 09:00 each owner gets ONE direct message listing all their overdue
actiepunten, with buttons to mark each done or move it; `Actiepunt.last_reminder_at` and a
dedupe key per owner per day make sure nobody hears it twice a day. An actiepunt that is more
than 14 days overdue is reported once to the chair of its group (`chair_told_at`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from handlers.format import plural, ref_a, when
from schedules.jobs import JobSpec, register
from storage import outbox
from storage.config import OrgConfig
from storage.db import transaction
from storage.models import Actiepunt, ActieStatus, Group, Membership, Person

CHAIR_AFTER = timedelta(days=14)
MAX_BUTTON_ITEMS = 12  # Slack allows 25 elements in one actions block: two buttons per item


def _late(act: Actiepunt, now: datetime, config: OrgConfig) -> str:
    days = (now.astimezone(config.tz).date() - act.deadline.astimezone(config.tz).date()).days
    return "vandaag verlopen" if days <= 0 else f"{plural(days, 'dag')} te laat"


def _instructions(items: list[Actiepunt], groups: dict[int | None, Group], member_of: set[int] | None = None) -> str:
    """How to answer, with the real reference of the first actiepunt (and where).

    `member_of`: the owner's groups; an owner outside an item's group (a guest) answers in this direct chat.
    """
    ref = ref_a(items[0].id)
    if member_of is not None and any(a.group_id not in member_of for a in items):
        where = " hier, in dit directe gesprek met wijkbot"
        others = "; zo ook voor de andere" if len(items) > 1 else ""
        return (
            f"Klaar? Schrijf /actie gedaan {ref} [toelichting]. Meer tijd nodig? "
            f"Schrijf /actie verplaats {ref} <nieuwe deadline>{others},{where}."
        )
    channels = sorted({f"#{g.channel}" for a in items if (g := groups.get(a.group_id)) is not None})
    where = f" in {channels[0]}" if len(channels) == 1 else " in het kanaal van het team"
    others = "; zo ook voor de andere" if len(items) > 1 else ""
    return (
        f"Klaar? Schrijf /actie gedaan {ref} [toelichting]. Meer tijd nodig? "
        f"Schrijf /actie verplaats {ref} <nieuwe deadline>{others}{where}."
    )


def overdue_actiepunten(session: Session, *, now: datetime) -> list[Actiepunt]:
    """Open actiepunten past their deadline, by owner and deadline."""
    return list(
        session.exec(
            select(Actiepunt)
            .where(Actiepunt.status == ActieStatus.open, Actiepunt.deadline < now)
            .order_by(col(Actiepunt.owner_id), col(Actiepunt.deadline), col(Actiepunt.id))
        ).all()
    )


def remind_overdue_owners(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """One direct message per owner with all their overdue actiepunten; the chair after 14 days."""
    today = now.astimezone(config.tz).date()
    queued = 0
    with transaction(engine) as session:
        acts = overdue_actiepunten(session, now=now)
        groups = {g.id: g for g in session.exec(select(Group)).all()}
        by_owner: dict[int, list[Actiepunt]] = defaultdict(list)
        for act in acts:
            by_owner[act.owner_id].append(act)
        for owner_id, items in by_owner.items():
            owner = session.get(Person, owner_id)
            if owner is None or not owner.active or owner.erased_at is not None:
                continue
            if any(a.last_reminder_at and a.last_reminder_at.astimezone(config.tz).date() == today for a in items):
                continue  # never more than one reminder a day
            these = "dit actiepunt van u is" if len(items) == 1 else "deze actiepunten van u zijn"
            lines = [f"Goedemorgen {owner.name.split()[0]}, {these} over de deadline:"]
            for a in items:
                g = groups.get(a.group_id)
                lines.append(
                    f"• {ref_a(a.id)} {a.text} ({g.name if g else 'onbekende groep'}), "
                    f"deadline {when(a.deadline, config.tz)}, {_late(a, now, config)}"
                )
            member_of = set(
                session.exec(
                    select(Membership.group_id).where(Membership.person_id == owner.id, Membership.role == "lid")
                ).all()
            )
            lines.append(_instructions(items, groups, member_of))
            buttons = [
                {"label": f"{label} {ref_a(a.id)}", "action": action, "value": ref_a(a.id)}
                for a in items[:MAX_BUTTON_ITEMS]
                for label, action in (("Gedaan", "actie_gedaan"), ("Verplaats", "actie_verplaats"))
            ]
            msg = outbox.enqueue(
                session,
                kind="dm",
                destination=owner.key,
                text="\n".join(lines),
                now=now,
                dedupe_key=f"achterstand:{owner.key}:{today.isoformat()}",
                payload={"buttons": buttons},
            )
            if msg is not None:
                queued += 1
                for a in items:
                    a.last_reminder_at = now
                    session.add(a)
        queued += _tell_chairs(session, config, acts, groups, now=now)
    return queued


def _tell_chairs(
    session: Session, config: OrgConfig, acts: list[Actiepunt], groups: dict[int | None, Group], *, now: datetime
) -> int:
    """Report actiepunten more than 14 days overdue to their group's chair, once per actiepunt."""
    by_chair: dict[int, list[Actiepunt]] = defaultdict(list)
    for act in acts:
        if act.chair_told_at is not None or act.deadline >= now - CHAIR_AFTER:
            continue
        group = groups.get(act.group_id)
        if group is None or group.chair_id is None:
            continue
        act.chair_told_at = now
        session.add(act)
        if group.chair_id != act.owner_id:  # a chair who owns it hears it every day already
            by_chair[group.chair_id].append(act)
    queued = 0
    for chair_id, items in by_chair.items():
        chair = session.get(Person, chair_id)
        if chair is None or not chair.active:
            continue
        head = "Dit actiepunt is" if len(items) == 1 else "Deze actiepunten zijn"
        lines = [f"{head} al meer dan {CHAIR_AFTER.days} dagen over de deadline:"]
        for a in items:
            owner = session.get(Person, a.owner_id)
            g = groups.get(a.group_id)
            who = f"{owner.name} (@{owner.key})" if owner else "onbekende eigenaar"
            lines.append(
                f"• {ref_a(a.id)} {a.text} | {who} | {g.name if g else 'onbekende groep'}, "
                f"deadline {when(a.deadline, config.tz)}, {_late(a, now, config)}"
            )
        them = "het" if len(items) == 1 else "ze"
        lines.append(
            f"Bespreek {them} met de eigenaar of in het volgende overleg; de eigenaar krijgt elke werkdag bericht. "
            f"Bekijk {them} met /actie {ref_a(items[0].id)}."
        )
        queued += outbox.dm(
            session,
            chair.key,
            "\n".join(lines),
            now=now,
            dedupe_key=f"achterstand-voorzitter:{chair.key}:{now.astimezone(config.tz).date().isoformat()}",
        )
    return queued


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
