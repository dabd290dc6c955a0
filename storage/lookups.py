"""Small read queries the adapters need (through handlers/lookups.py and handlers/home.py): an
item's group, a person's groups, the App Home's lists, processed events. A person by key and a group
by channel are storage/identity.py's (`person_with_key`, `group_with_channel`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Actiepunt, ActieStatus, Group, Meeting, Membership, Person, ProcessedEvent, Signaal


def member_channels(session: Session, person: Person) -> list[str]:
    """The channels of the groups the person is a member (`lid`) of, in no particular order."""
    return list(
        session.exec(
            select(Group.channel)
            .join(Membership, col(Membership.group_id) == col(Group.id))
            .where(Membership.person_id == person.id, Membership.role == "lid")
        ).all()
    )


def member_group_ids(session: Session, person: Person) -> list[int]:
    return list(
        session.exec(
            select(Membership.group_id).where(Membership.person_id == person.id, Membership.role == "lid")
        ).all()
    )


def groups_by_id(session: Session) -> dict[int, Group]:
    return {g.id: g for g in session.exec(select(Group)).all() if g.id is not None}


def open_actiepunten_of(session: Session, person: Person) -> list[Actiepunt]:
    return list(
        session.exec(
            select(Actiepunt).where(Actiepunt.owner_id == person.id, Actiepunt.status == ActieStatus.open)
        ).all()
    )


def actiepunt(session: Session, number: int) -> Actiepunt | None:
    return session.get(Actiepunt, number)


def group_of_item(session: Session, kind: str, number: int) -> Group | None:
    """The group of actiepunt (`A`), signaal (`S`) or meeting (`overleg`) `number`."""
    item: Actiepunt | Signaal | Meeting | None = None
    if kind == "A":
        item = session.get(Actiepunt, number)
    elif kind == "S":
        item = session.get(Signaal, number)
    elif kind == "overleg":
        item = session.get(Meeting, number)
    group_id = item.group_id if item is not None else None
    return session.get(Group, group_id) if group_id else None


def owner_keys(session: Session, actiepunt_ids: Collection[int]) -> list[str]:
    """The keys of the owners of these actiepunten."""
    if not actiepunt_ids:
        return []
    return list(
        session.exec(
            select(Person.key)
            .join(Actiepunt, col(Actiepunt.owner_id) == col(Person.id))
            .where(col(Actiepunt.id).in_(sorted(actiepunt_ids)))
        ).all()
    )


def people_names(session: Session) -> list[tuple[str, str]]:
    """(name, key) of everyone in the person table."""
    return [(name, key) for name, key in session.exec(select(Person.name, Person.key)).all()]


def record_event(session: Session, event_id: str, now: datetime) -> None:
    """Mark an incoming event as handled; a second mark of the same id fails at commit."""
    session.add(ProcessedEvent(event_id=event_id[:100], at=now))
