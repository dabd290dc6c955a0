"""The organisation's reporting lines, read from the groups table (seeded from the configuration)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from storage.models import Group, Membership, Person


def all_groups(session: Session) -> list[Group]:
    return list(session.exec(select(Group).order_by(col(Group.name))).all())


def above(groups: Iterable[Group], group: Group) -> list[Group]:
    """Every group `group` reports to, directly or through others, nearest first."""
    by_key = {g.key: g for g in groups}
    out: list[Group] = []
    todo = list(group.reports_to_keys)
    while todo:
        key = todo.pop(0)
        g = by_key.get(key)
        if g is None or g in out or g.key == group.key:
            continue
        out.append(g)
        todo += g.reports_to_keys
    return out


def reports_to(groups: Iterable[Group], group: Group) -> list[Group]:
    """The groups `group` reports to directly (its actielijst, rapportage and escalations go there)."""
    by_key = {g.key: g for g in groups}
    return [by_key[k] for k in group.reports_to_keys if k in by_key]


def reporting_to(groups: Iterable[Group], group: Group) -> list[Group]:
    """The groups that report directly to `group` (its own actielijst goes down to them)."""
    return [g for g in groups if group.key in g.reports_to_keys]


def has_residents(session: Session, group: Group) -> bool:
    """True when a resident (bewoner or wijkambassadeur) is a member of the group."""
    return (
        session.exec(
            select(Membership.person_id)
            .join(Person, col(Person.id) == col(Membership.person_id))
            .where(Membership.group_id == group.id, col(Person.kind).in_(["bewoner", "ambassadeur"]))
        ).first()
        is not None
    )
