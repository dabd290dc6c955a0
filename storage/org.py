"""The organisation's reporting lines, read from the groups table (seeded from the configuration)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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


# ---------------------------------------------------------------------------------------------
# members of a group: the ONE definition (issue #13). Every list, message, count and check of
# "the members" goes through these, in handlers/, schedules/ and bot/ alike.
# ---------------------------------------------------------------------------------------------

MEMBER = "lid"
GUEST = "gast"
AMBASSADOR = "ambassadeur"


def members(session: Session, group_id: int, *, yearly: bool = True) -> list[Person]:
    """The members of a group: role `lid` and active, ordered by key.

    Active people only, deliberately. The member list is used for who gets the group's messages
    (reminders, nudges), who is named in lists and error hints, who counts for attendance and
    who may be flagged for absence. A person who is not active (`Person.active` false: left the
    organisation, or erased) can no longer use the bot (the router refuses them), so they must
    not be sent anything, named as a member, marked afwezig or flagged; their history (items
    they owned, answers they gave) stays where it is. Guests (`gast`) and wijkambassadeurs are
    no members. `yearly=False` leaves out members who join once a year (never nudged or
    flagged for absence).
    """
    stmt = (
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.group_id == group_id, *member_clause(yearly=yearly))
    )
    return list(session.exec(stmt.order_by(col(Person.key))).all())


def member_clause(*, yearly: bool = True) -> list[Any]:
    """The WHERE conditions of `members` on a Membership joined to its Person, for queries that
    cover many groups at once (storage.meetings.attendance_flags_by_group)."""
    out: list[Any] = [Membership.role == MEMBER, col(Person.active).is_(True)]
    if not yearly:
        out.append(col(Membership.yearly).is_(False))
    return out


def members_of_groups(session: Session, group_ids: Iterable[int]) -> dict[int, list[Person]]:
    """`members` (yearly ones included) of each of these groups, in one query; a group without members: []."""
    ids = sorted(set(group_ids))
    out: dict[int, list[Person]] = {gid: [] for gid in ids}
    for start in range(0, len(ids), 500):
        stmt = (
            select(Membership.group_id, Person)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .where(col(Membership.group_id).in_(ids[start : start + 500]), *member_clause())
            .order_by(col(Person.key))
        )
        for group_id, person in session.exec(stmt).all():
            out[group_id].append(person)
    return out


def is_member(session: Session, group_id: int, person_id: int | None) -> bool:
    """True when the person is one of `members(group)` (role `lid`, active)."""
    if person_id is None:
        return False
    return (
        session.exec(
            select(Membership.person_id)
            .join(Person, col(Person.id) == col(Membership.person_id))
            .where(
                Membership.group_id == group_id,
                Membership.person_id == person_id,
                Membership.role == MEMBER,
                col(Person.active).is_(True),
            )
        ).first()
        is not None
    )


def yearly_member_ids(session: Session, group_id: int) -> set[int]:
    """The members who join once a year (`yearly`): not nudged, never flagged for absence."""
    return set(
        session.exec(
            select(Membership.person_id).where(Membership.group_id == group_id, col(Membership.yearly).is_(True))
        ).all()
    )


def role_in(session: Session, group_id: int, person_id: int | None) -> str | None:
    """The person's role in the group (`lid`, `gast`, `ambassadeur`), or None when they have none."""
    if person_id is None:
        return None
    return session.exec(
        select(Membership.role).where(Membership.group_id == group_id, Membership.person_id == person_id)
    ).first()


def memberships_of(session: Session, person_id: int | None) -> list[Membership]:
    """Every membership of a person (each group, with its role)."""
    if person_id is None:
        return []
    return list(session.exec(select(Membership).where(Membership.person_id == person_id)).all())


def member_group_ids(session: Session, person_id: int | None) -> list[int]:
    """The groups a person is a member (`lid`) of, by id."""
    return [m.group_id for m in memberships_of(session, person_id) if m.role == MEMBER]


def member_group_ids_of(session: Session, person_ids: Iterable[int]) -> dict[int, list[int]]:
    """`member_group_ids` of many people, in one query per 500; a person in no group: []."""
    ids = sorted(set(person_ids))
    out: dict[int, list[int]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), 500):
        rows = session.exec(
            select(Membership.person_id, Membership.group_id).where(
                col(Membership.person_id).in_(ids[start : start + 500]), Membership.role == MEMBER
            )
        ).all()
        for person_id, group_id in rows:
            out[person_id].append(group_id)
    return out


def ambassadors(session: Session, group_id: int) -> list[Person]:
    """The wijkambassadeurs of a team (role `ambassadeur`, active), in the order they joined (by id)."""
    return list(
        session.exec(
            select(Person)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .where(Membership.group_id == group_id, Membership.role == AMBASSADOR, col(Person.active).is_(True))
            .order_by(col(Person.id))
        ).all()
    )


def teams(session: Session) -> list[Group]:
    """Every group of kind team, by name."""
    return list(session.exec(select(Group).where(Group.kind == GroupKind.team).order_by(col(Group.name))).all())


def group_by_channel(session: Session, channel: str) -> Group | None:
    """The group whose channel this is (None: the channel belongs to no group)."""
    return session.exec(select(Group).where(Group.channel == channel)).first()


# --- the queries behind the scheduled jobs (schedules/)


def groups_by_id(session: Session) -> dict[int | None, Group]:
    """Every group by id."""
    return {g.id: g for g in session.exec(select(Group)).all()}


def groups_with_keys(session: Session, keys: list[str]) -> list[Group]:
    """The groups with these keys, by name."""
    return list(session.exec(select(Group).where(col(Group.key).in_(keys)).order_by(col(Group.name))).all())


def jaarplan_groups_with_chair(session: Session) -> list[tuple[Group, Person]]:
    """Each group that keeps a jaarplan, with its chair when that chair is active, in id order."""
    out = []
    for g in session.exec(select(Group).where(Group.jaarplan == True).order_by(col(Group.id))).all():  # noqa: E712
        chair = session.get(Person, g.chair_id) if g.chair_id else None
        if chair is not None and chair.active:
            out.append((g, chair))
    return out


def chairs_of_wijk(session: Session, groups: Iterable[Group], wijk: str) -> list[Person]:
    """The active chairs of those `groups` that work in `wijk`, each once."""
    out: list[Person] = []
    for g in groups:
        if wijk in g.wijk_list and g.chair_id is not None:
            chair = session.get(Person, g.chair_id)
            if chair is not None and chair.active and chair not in out:
                out.append(chair)
    return out
