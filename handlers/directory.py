"""STAND-IN for the identity seam's engine-level facade (the identity helper's handlers/directory.py
replaces this file on merge). Only what bot/telegram.py needs; each call is one transaction."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from storage import identity
from storage.db import transaction
from storage.models import Person


def address(engine: Engine, person_key: str, transport: str) -> str | None:
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.key == person_key)).first()
        return identity.address_of(session, person, transport) if person is not None and person.active else None
