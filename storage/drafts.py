"""Conversations in progress (`Draft`): one per address on a transport, written only for a linked person.

The queries of the handler-side state machines (handlers/resident_flow.py): load, save, drop. A
draft is stale after `STALE_AFTER` without a step; the flow treats it as gone and retention
deletes it (storage/retention.py).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from storage.models import Draft, Person

STALE_AFTER = timedelta(minutes=30)  # a conversation left alone this long has ended


def load(session: Session, transport: str, address: str) -> tuple[str, dict[str, Any], datetime] | None:
    """The flow, state and last step's time of the conversation at this address (stale or not), or None."""
    row = session.get(Draft, (transport, address))
    if row is None:
        return None
    state = json.loads(row.state)
    return row.flow, state if isinstance(state, dict) else {}, row.updated_at


def save(
    session: Session, person: Person, transport: str, address: str, *, flow: str, state: dict[str, Any], now: datetime
) -> bool:
    """Store the draft; nothing is written for a person who is not (any more) active.

    The person's row is read with FOR UPDATE: an erase in progress holds it (storage/erase.py), so
    the draft is written either before the erase (and erased with it) or after (and not at all).
    """
    active = session.exec(select(Person.active).where(Person.id == person.id).with_for_update()).first()
    if not active:
        drop(session, transport, address)
        return False
    row = session.get(Draft, (transport, address))
    if row is None:
        row = Draft(transport=transport, address=address, person_id=0, flow=flow, state="{}", updated_at=now)
    row.person_id, row.flow, row.state, row.updated_at = person.id or 0, flow, json.dumps(state), now
    session.add(row)
    session.flush()
    return True


def drop(session: Session, transport: str, address: str) -> None:
    row = session.get(Draft, (transport, address))
    if row is not None:
        session.delete(row)
        session.flush()


def drop_person(session: Session, person_id: int) -> int:
    """Delete every draft of a person (erase); returns how many."""
    rows = session.exec(select(Draft).where(Draft.person_id == person_id)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def expire(session: Session, *, now: datetime) -> int:
    """Delete the drafts left alone longer than STALE_AFTER (retention); returns how many."""
    rows = session.exec(select(Draft).where(col(Draft.updated_at) < now - STALE_AFTER)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
