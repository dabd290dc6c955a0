"""People: lookups by key, by id in bulk, and the people who can be named in a command."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from storage.models import Person, PersonKind

# partners and resident members (bewoners) can own actiepunten or stand in; ambassadeurs never match
NAMEABLE = (PersonKind.partner, PersonKind.bewoner)


def by_key(session: Session, key: str) -> Person | None:
    """The person with this key, active or not (the caller decides what an inactive person may do)."""
    return session.exec(select(Person).where(Person.key == key)).first()


def nameable_by_key(session: Session, key: str) -> Person | None:
    """The active partner or bewoner with this key: the usual `@name`, one indexed lookup."""
    return session.exec(
        select(Person).where(Person.key == key, col(Person.active).is_(True), col(Person.kind).in_(NAMEABLE))
    ).first()


def nameable(session: Session) -> list[Person]:
    """Every active partner and bewoner: whom an `@name` by first or full name can mean."""
    return list(session.exec(select(Person).where(col(Person.active).is_(True), col(Person.kind).in_(NAMEABLE))).all())


def by_ids(session: Session, ids: Iterable[int | None]) -> dict[int, Person]:
    """The people with these ids, in one query (held in the session: a later `session.get` finds them)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(wanted))).all() if p.id is not None}
