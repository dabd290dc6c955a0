"""The durable outbox: every outgoing message is a row, written in the same transaction as the
change it reports, and delivered (and retried) afterwards. A `dedupe_key` makes a job that runs
twice enqueue its message once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from storage.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=1)
_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


def enqueue(
    session: Session,
    *,
    kind: str,
    destination: str,
    text: str,
    now: datetime,
    dedupe_key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Queue a message to a channel (`kind="channel"`) or a person (`kind="dm"`).

    Returns None when a message with the same `dedupe_key` was queued before (also by another
    process at the same moment: the insert is `ON CONFLICT (dedupe_key) DO NOTHING`, one statement
    instead of a look-up, a savepoint and an insert).
    """
    msg = OutboxMessage(
        kind=kind,
        destination=destination,
        text=text,
        payload=json.dumps(payload or {}, ensure_ascii=False),
        created_at=now,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        session.add(msg)
        session.flush()
        return msg
    new_id = session.execute(_insert_ignoring_duplicates(session).returning(_TABLE.c.id), _row(msg)).scalar()
    if new_id is None:
        return None
    msg.id = new_id
    make_transient_to_detached(msg)
    session.add(msg)  # persistent, as if the session had inserted it
    return msg


def enqueue_many(session: Session, messages: list[NewMessage], *, now: datetime) -> set[str]:
    """Queue several messages with dedupe keys in one statement, in list order.

    Returns the dedupe keys that were queued now; the others had been queued before.
    """
    if not messages:
        return set()
    rows = [
        _row(
            OutboxMessage(
                kind=m.kind,
                destination=m.destination,
                text=m.text,
                payload=json.dumps(m.payload or {}, ensure_ascii=False),
                created_at=now,
                next_attempt_at=now,
                dedupe_key=m.dedupe_key,
            )
        )
        for m in messages
    ]
    queued: set[str] = set()
    table = _TABLE
    for start in range(0, len(rows), 500):
        # an executemany with RETURNING: SQLAlchemy sends it as multi-row INSERTs, ids in list order
        result = session.execute(
            _insert_ignoring_duplicates(session).returning(table.c.dedupe_key), rows[start : start + 500]
        )
        queued.update(key for (key,) in result.all())
    return queued


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these dedupe keys are in the outbox already."""
    found: set[str] = set()
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        found.update(
            k
            for k in session.exec(select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).in_(chunk)))
            if k is not None
        )
    return found


@dataclass(frozen=True)
class NewMessage:
    """A message for `enqueue_many`."""

    kind: str
    destination: str
    text: str
    dedupe_key: str
    payload: dict[str, Any] | None = None


def _row(msg: OutboxMessage) -> dict[str, Any]:
    return {c.name: getattr(msg, c.name) for c in _TABLE.columns if c.name != "id"}


def _insert_ignoring_duplicates(session: Session) -> Any:
    """`INSERT ... ON CONFLICT (dedupe_key) DO NOTHING` in the session's dialect (values as parameters)."""
    table = _TABLE
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])


def pending(session: Session, *, now: datetime, limit: int = 100) -> list[OutboxMessage]:
    """Messages due for (another) attempt, oldest first; rows are claimed on PostgreSQL."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at == None, OutboxMessage.next_attempt_at <= now)  # noqa: E711
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.exec(stmt).all())


def mark_sent(session: Session, msg: OutboxMessage, *, now: datetime, transport: str) -> None:
    msg.sent_at = now
    msg.transport = transport
    msg.attempts += 1
    msg.last_error = None
    session.add(msg)


def mark_failed(session: Session, msg: OutboxMessage, *, now: datetime, error: str) -> None:
    msg.attempts += 1
    msg.last_error = error[:500]
    backoff = min(timedelta(seconds=15 * 2 ** min(msg.attempts, 12)), MAX_BACKOFF)
    msg.next_attempt_at = now + backoff
    session.add(msg)
