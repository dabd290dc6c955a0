"""The organisation's reporting lines, read from the groups table (seeded from the configuration)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from storage.models import Group, GroupKind, Membership, Person


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


# --- the queries behind the scheduled jobs (schedules/)


def groups_by_id(session: Session) -> dict[int | None, Group]:
    """Every group by id."""
    return {g.id: g for g in session.exec(select(Group)).all()}


def groups_with_keys(session: Session, keys: list[str]) -> list[Group]:
    """The groups with these keys, by name."""
    return list(session.exec(select(Group).where(col(Group.key).in_(keys)).order_by(col(Group.name))).all())


def teams(session: Session) -> list[Group]:
    """The groups of kind team, by name."""
    return list(session.exec(select(Group).where(Group.kind == GroupKind.team).order_by(col(Group.name))).all())


def jaarplan_groups_with_chair(session: Session) -> list[tuple[Group, Person]]:
    """Each group that keeps a jaarplan, with its chair when that chair is active, in id order."""
    out = []
    for g in session.exec(select(Group).where(Group.jaarplan == True).order_by(col(Group.id))).all():  # noqa: E712
        chair = session.get(Person, g.chair_id) if g.chair_id else None
        if chair is not None and chair.active:
            out.append((g, chair))
    return out


def member_group_ids(session: Session, person_id: int | None) -> set[int]:
    """The ids of the groups the person is a member of (role "lid"; not where they are a guest)."""
    return set(
        session.exec(
            select(Membership.group_id).where(Membership.person_id == person_id, Membership.role == "lid")
        ).all()
    )


def chairs_of_wijk(session: Session, groups: Iterable[Group], wijk: str) -> list[Person]:
    """The active chairs of those `groups` that work in `wijk`, each once."""
    out: list[Person] = []
    for g in groups:
        if wijk in g.wijk_list and g.chair_id is not None:
            chair = session.get(Person, g.chair_id)
            if chair is not None and chair.active and chair not in out:
                out.append(chair)
    return out
