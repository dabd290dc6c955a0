"""STAND-IN for the identity seam (issue #13; the identity helper's storage/identity.py replaces this file).

Only the functions the resident flow needs, with the seam's signatures, backed by today's
`Person.telegram_id` column. On merge: take the identity branch's version of this file.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import Person

_COLUMN = "telegram"  # the one transport with an id column on Person today (stand-in only)


class AddressTaken(Exception):
    """The address is bound to another person (a Dutch message)."""


def person_at(session: Session, transport: str, external_id: str) -> Person | None:
    """The ACTIVE person bound to that address on that transport, else None."""
    if transport != _COLUMN or not external_id.lstrip("-").isdigit():
        return None
    return session.exec(
        select(Person).where(Person.telegram_id == int(external_id), Person.active == True)  # noqa: E712
    ).first()


def address_of(session: Session, person: Person, transport: str) -> str | None:
    if transport != _COLUMN or person.telegram_id is None:
        return None
    return str(person.telegram_id)


def bind(
    session: Session,
    person: Person,
    transport: str,
    external_id: str,
    *,
    how: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    if transport != _COLUMN or not external_id.lstrip("-").isdigit():
        raise AddressTaken("Dit adres kan ik (nog) niet koppelen.")
    taken = session.exec(select(Person).where(Person.telegram_id == int(external_id))).first()
    if taken is not None and taken.id != person.id:
        raise AddressTaken("Dit account is al aan iemand anders in wijkbot gekoppeld; vraag de wijkregisseur om hulp.")
    person.telegram_id = int(external_id)
    session.add(person)
    session.flush()
