"""What the bot says about work that is late: overdue actiepunten (to their owners, and after 14
days to the chair) and verzoeken or initiatieven whose phase stands still.

The timing is in schedules/overdue.py and schedules/initiatief.py. Each function queues its
messages in the outbox with a dedupe key per person per day, in the caller's transaction, keeps
its own durable marks on the items (`last_reminder_at`, `chair_told_at`) and returns how many
messages it queued.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from handlers.format import plural, ref_a, when
from handlers.initiatief import KIND_WORDS, overdue, phase_label_words, ref_i
from storage import org, outbox
from storage import people as people_store
from storage.config import OrgConfig
from storage.models import Actiepunt, Group, Initiatief, InitiatiefKind, Person

CHAIR_AFTER = timedelta(days=14)
MAX_BUTTON_ITEMS = 12  # Slack allows 25 elements in one actions block: two buttons per item
INITIATIEF_REMIND_EVERY = timedelta(days=7)


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


def remind_owners(
    session: Session, config: OrgConfig, acts: list[Actiepunt], groups: dict[int | None, Group], *, now: datetime
) -> int:
    """One direct message per owner with all their overdue actiepunten (`acts`), at most once a day."""
    today = now.astimezone(config.tz).date()
    out: list[tuple[outbox.Outgoing, list[Actiepunt]]] = []
    by_owner: dict[int, list[Actiepunt]] = defaultdict(list)
    for act in acts:
        by_owner[act.owner_id].append(act)
    owners = people_store.by_ids(session, by_owner)  # every owner in one query, not one each
    groups_of = org.member_group_ids_of(session, [i for i in by_owner if i is not None])
    for owner_id, items in by_owner.items():
        owner = owners.get(owner_id)
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
        lines.append(_instructions(items, groups, set(groups_of.get(owner_id, []))))
        buttons = [
            {"label": f"{label} {ref_a(a.id)}", "action": action, "value": ref_a(a.id)}
            for a in items[:MAX_BUTTON_ITEMS]
            for label, action in (("Gedaan", "actie_gedaan"), ("Verplaats", "actie_verplaats"))
        ]
        key = f"achterstand:{owner.key}:{today.isoformat()}"
        out.append(
            (outbox.Outgoing("dm", owner.key, "\n".join(lines), dedupe_key=key, payload={"buttons": buttons}), items)
        )
    return _queue_and_mark(session, out, now=now)


def _queue_and_mark(
    session: Session, out: Sequence[tuple[outbox.Outgoing, Sequence[Actiepunt | Initiatief]]], *, now: datetime
) -> int:
    """Queue the messages in one go; the items of each message that was new get `last_reminder_at`."""
    new = outbox.enqueue_many_keys(session, [msg for msg, _ in out], now=now)
    for msg, items in out:
        if msg.dedupe_key in new:
            for item in items:
                item.last_reminder_at = now
                session.add(item)
    return len(new)


def tell_chairs(
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
    out: list[outbox.Outgoing] = []
    owners = [a.owner_id for items in by_chair.values() for a in items]
    _held = people_store.by_ids(session, [*by_chair, *owners])  # chairs and owners: no lookup each
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
        key = f"achterstand-voorzitter:{chair.key}:{now.astimezone(config.tz).date().isoformat()}"
        out.append(outbox.Outgoing("dm", chair.key, "\n".join(lines), dedupe_key=key))
    return outbox.enqueue_many(session, out, now=now)


def chase_stalled_initiatieven(session: Session, config: OrgConfig, *, now: datetime) -> int:
    """One direct message per contact person (or, without one, the group's chair) with their
    verzoeken and initiatieven whose phase has not moved for `initiatief_fase_weken` weeks; each
    item at most once a week (`last_reminder_at`)."""
    today = now.astimezone(config.tz).date().isoformat()
    weeks = config.initiatief_fase_weken
    out: list[tuple[outbox.Outgoing, list[Initiatief]]] = []
    groups = org.groups_by_id(session)
    by_person: dict[int, list[Initiatief]] = defaultdict(list)
    for ini in overdue(session, now=now, weeks=weeks):
        if ini.last_reminder_at is not None and now - ini.last_reminder_at < INITIATIEF_REMIND_EVERY:
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
        key = f"initiatief-achterstand:{person.key}:{today}"
        out.append((outbox.Outgoing("dm", person.key, "\n".join(lines), dedupe_key=key), items))
    return _queue_and_mark(session, out, now=now)
