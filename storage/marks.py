"""The scheduler's durable marks: up to when a job or source has done its work (`ClockState` rows).

A mark is an ISO time under a key (e.g. `schedules.meetings.mark`, `job:<id>`); a restart or a
catch-up reads it so that nothing is done twice (schedules/jobs.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.db import transaction
from storage.models import ClockState


def read_mark(engine: Engine, key: str) -> datetime | None:
    """A job's mark (an ISO time), or None."""
    with transaction(engine) as session:
        row = session.get(ClockState, key)
        return datetime.fromisoformat(row.value) if row else None


def read_marks(engine: Engine, keys: list[str]) -> dict[str, datetime]:
    """Several marks in one query (missing keys are left out)."""
    with transaction(engine) as session:
        rows = session.exec(select(ClockState).where(col(ClockState.key).in_(keys))).all()
        return {row.key: datetime.fromisoformat(row.value) for row in rows}


def has_mark(session: Session, key: str) -> bool:
    """True when the mark exists (in the caller's transaction)."""
    return session.get(ClockState, key) is not None


def mark_in(session: Session, key: str) -> datetime | None:
    """The mark, read in the caller's transaction, or None."""
    row = session.get(ClockState, key)
    return datetime.fromisoformat(row.value) if row else None


def write_mark(session: Session, key: str, value: datetime, *, keep_later: bool = False) -> None:
    """Set a job's mark in the job's own transaction (`keep_later`: never move it back)."""
    row = session.get(ClockState, key)
    if row is None:
        row = ClockState(key=key, value=value.isoformat())
    elif keep_later and datetime.fromisoformat(row.value) >= value:
        return
    else:
        row.value = value.isoformat()
    session.add(row)
