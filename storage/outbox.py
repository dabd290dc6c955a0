"""The durable outbox: every outgoing message is a row, written in the same transaction as the
change it reports, and delivered (and retried) afterwards. A `dedupe_key` makes a job that runs
twice enqueue its message once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=1)


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

    Returns None when a message with the same `dedupe_key` was queued before.
    """
    if dedupe_key is not None:
        seen = session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first()
        if seen is not None:
            return None
    msg = OutboxMessage(
        kind=kind,
        destination=destination,
        text=text,
        payload=json.dumps(payload or {}, ensure_ascii=False),
        created_at=now,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
    )
    try:
        with session.begin_nested():
            session.add(msg)
            session.flush()
    except IntegrityError:
        # another process queued the same dedupe_key between our check and our insert
        return None
    return msg


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
