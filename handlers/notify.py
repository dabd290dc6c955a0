"""Delivering the outbox: each transport is a Notifier; delivery is ordered per destination."""

from __future__ import annotations

import logging
import re
from collections import deque
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage, Person

log = logging.getLogger(__name__)

# What a chat library's error text may carry that must not be stored: request URLs (Telegram
# puts the bot token in the path) and anything shaped like a Slack or Telegram token.
_SECRETISH = re.compile(r"https?://\S+|(?<!\d)\d{5,}:[\w-]{20,}|xox[a-z]-[\w-]+|xapp-[\w-]+")


def safe_error(exc: BaseException) -> str:
    """The error of a failed delivery as it may be stored: type and message, without URLs or tokens."""
    return f"{type(exc).__name__}: {_SECRETISH.sub('[verborgen]', str(exc))}"[:500]


class Notifier(Protocol):
    """A transport that can deliver outbox messages (Slack, Telegram, the console, a test)."""

    name: str

    def handles(self, msg: OutboxMessage, recipient: Person | None) -> bool: ...

    async def send(self, msg: OutboxMessage, recipient: Person | None) -> None:
        """Deliver or raise; a raised error means: try again later."""


async def deliver_outbox(engine: Engine, notifiers: list[Notifier], *, now: datetime, limit: int = 200) -> int:
    """Send what is due, oldest first; a failed message holds back later ones to the same place.

    One query reads the waiting messages (up to `limit`); each message then goes in a short
    transaction of its own (claim, send, mark sent), so a process killed mid-round sends at most
    the message in flight twice. Destinations take turns: after a message is out, the next one to
    the same place joins the back of the queue.
    """
    with transaction(engine) as session:
        rows = session.exec(
            select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.destination, OutboxMessage.next_attempt_at)
            .where(OutboxMessage.sent_at == None)  # noqa: E711
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        ).all()
        dm_keys = sorted({dest for _, kind, dest, _ in rows if kind == "dm"})
        people = {p.key: p for p in session.exec(select(Person).where(col(Person.key).in_(dm_keys))).all()}
        # when the list was cut off at `limit`: the places with due messages beyond it
        more: set[tuple[str, str]] = set()
        if len(rows) >= limit and rows[-1][0] is not None:
            more = {
                (kind, dest)
                for kind, dest in session.exec(
                    select(OutboxMessage.kind, OutboxMessage.destination)
                    .where(
                        OutboxMessage.sent_at == None,  # noqa: E711
                        OutboxMessage.next_attempt_at <= now,
                        col(OutboxMessage.id) > rows[-1][0],
                    )
                    .distinct()
                ).all()
            }
    # per destination: its waiting messages in order (the first one decides whether it may go now)
    queues: dict[tuple[str, str], list[tuple[int, datetime]]] = {}
    for msg_id, kind, dest, next_at in rows:
        if msg_id is not None:
            queues.setdefault((kind, dest), []).append((msg_id, next_at))
    candidates: deque[int] = deque()
    where: dict[int, tuple[str, str]] = {}
    for key, waiting in queues.items():
        first_id, first_at = waiting[0]
        if first_at <= now:
            candidates.append(first_id)
            where[first_id] = key
    sent = 0
    while candidates:
        msg_id = candidates.popleft()
        key = where[msg_id]
        with transaction(engine) as session:
            stmt = select(OutboxMessage).where(OutboxMessage.id == msg_id)
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            msg = session.exec(stmt).first()
            if msg is None or msg.sent_at is not None:
                continue  # another process has it
            recipient = people.get(msg.destination) if msg.kind == "dm" else None
            notifier = next((n for n in notifiers if n.handles(msg, recipient)), None)
            if notifier is None:
                continue  # no transport for it here (yet): it waits in the outbox
            try:
                await notifier.send(msg, recipient)
            except Exception as exc:  # noqa: BLE001 - any failure means retry later
                # the row's id, never its destination: a person key is personal data
                log.warning("outbox %s (%s via %s) failed: %s", msg.id, msg.kind, notifier.name, type(exc).__name__)
                outbox.mark_failed(session, msg, now=now, error=safe_error(exc))
                continue  # the rest of this destination waits for the next round
            outbox.mark_sent(session, msg, now=now, transport=notifier.name)
            sent += 1
        # the next message to the same place may go now that this one is out
        nxt = next((i for i, at in queues[key] if i > msg_id and at <= now), None)
        if nxt is None and key in more:
            nxt = _next_waiting(engine, key, after_id=msg_id, now=now)
        if nxt is not None and nxt not in where:
            candidates.append(nxt)
            where[nxt] = key
    return sent


def _next_waiting(engine: Engine, key: tuple[str, str], *, after_id: int, now: datetime) -> int | None:
    """The next due message to the same place beyond the ones read at the start of the round."""
    with transaction(engine) as session:
        return session.exec(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at == None,  # noqa: E711
                OutboxMessage.kind == key[0],
                OutboxMessage.destination == key[1],
                OutboxMessage.next_attempt_at <= now,
                col(OutboxMessage.id) > after_id,
            )
            .order_by(col(OutboxMessage.id))
            .limit(1)
        ).first()
