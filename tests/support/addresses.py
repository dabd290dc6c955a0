"""Test setup: give a person an address on a transport, as a configured id would (no audit row)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage import identity
from storage.models import Person, PersonAddress


def give_address(session: Session, person: Person, transport: str, address: str | int, *, now: datetime) -> Person:
    """`person` (added and flushed when new) with `address` as their address on `transport`."""
    session.add(person)
    session.flush()
    identity.configure(session, person, transport, str(address), now=now)
    return person


def held_by(session: Session, transport: str, address: str | int) -> Person | None:
    """The person, active or not, whose address on `transport` is `address`."""
    return session.exec(
        select(Person)
        .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
        .where(PersonAddress.transport == transport, PersonAddress.external_id == str(address))
    ).first()


def bound(session: Session, transport: str) -> dict[str, str]:
    """Person key -> address on `transport`, for everyone (active or not) who has one."""
    rows = session.exec(
        select(Person.key, PersonAddress.external_id)
        .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
        .where(PersonAddress.transport == transport)
    ).all()
    return dict(rows)
