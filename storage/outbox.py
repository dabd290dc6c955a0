"""The durable outbox: every outgoing message is a row, written in the same transaction as the
change it reports, and delivered (and retried) afterwards. A `dedupe_key` makes a job that runs
twice enqueue its message once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, text
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
    new_id = session.execute(_insert_ignoring_duplicates(), _row(msg)).scalar()
    if new_id is None:
        return None
    msg.id = new_id
    make_transient_to_detached(msg)
    session.add(msg)  # persistent, as if the session had inserted it
    return msg


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


def _row(msg: OutboxMessage) -> dict[str, Any]:
    return {c.name: getattr(msg, c.name) for c in _TABLE.columns if c.name != "id"}


@lru_cache(maxsize=1)
def _insert_ignoring_duplicates() -> TextClause:
    """`INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`: the same SQL on SQLite and PostgreSQL.

    Written as text because SQLAlchemy compiles its dialect-specific on-conflict insert anew for
    every execution (no statement cache); the bound values keep the columns' types.
    """
    cols = [c for c in _TABLE.columns if c.name != "id"]
    names = ", ".join(c.name for c in cols)
    values = ", ".join(f":{c.name}" for c in cols)
    sql = f"INSERT INTO {_TABLE.name} ({names}) VALUES ({values}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
    return text(sql).bindparams(*[bindparam(c.name, type_=c.type) for c in cols])


def dm(
    session: Session,
    person_key: str,
    text: str,
    *,
    now: datetime,
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
) -> int:
    """Queue a direct message once per `dedupe_key`; returns 1 when queued, 0 when it was before."""
    msg = enqueue(
        session, kind="dm", destination=person_key, text=text, now=now, dedupe_key=dedupe_key, payload=payload
    )
    return 0 if msg is None else 1


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
