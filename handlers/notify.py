"""Delivering the outbox: each transport is a Notifier; delivery is ordered per destination."""

from __future__ import annotations

import logging
import re
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
    """Send what is due, oldest first; a failed message holds back later ones to the same place."""
    with transaction(engine) as session:
        rows = session.exec(
            select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.destination, OutboxMessage.next_attempt_at)
            .where(OutboxMessage.sent_at == None)  # noqa: E711
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        ).all()
    seen: set[tuple[str, str]] = set()
    candidates: list[int] = []
    for msg_id, kind, dest, next_at in rows:
        if (kind, dest) in seen:
            continue
        seen.add((kind, dest))
        if next_at <= now and msg_id is not None:
            candidates.append(msg_id)
    sent = 0
    blocked: set[tuple[str, str]] = set()
    while candidates:
        msg_id = candidates.pop(0)
        with transaction(engine) as session:
            stmt = select(OutboxMessage).where(OutboxMessage.id == msg_id)
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            msg = session.exec(stmt).first()
            if msg is None or msg.sent_at is not None:
                continue  # another process has it
            recipient = None
            if msg.kind == "dm":
                recipient = session.exec(select(Person).where(Person.key == msg.destination)).first()
            notifier = next((n for n in notifiers if n.handles(msg, recipient)), None)
            if notifier is None:
                continue  # no transport for it here (yet): it waits in the outbox
            try:
                await notifier.send(msg, recipient)
            except Exception as exc:  # noqa: BLE001 - any failure means retry later
                log.warning("outbox %s to %s failed: %s", msg.id, msg.destination, type(exc).__name__)
                outbox.mark_failed(session, msg, now=now, error=safe_error(exc))
                blocked.add((msg.kind, msg.destination))
                continue
            outbox.mark_sent(session, msg, now=now, transport=notifier.name)
            sent += 1
            key = (msg.kind, msg.destination)
        # the next message to the same place may go now that this one is out
        with transaction(engine) as session:
            nxt = session.exec(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.sent_at == None,  # noqa: E711
                    OutboxMessage.kind == key[0],
                    OutboxMessage.destination == key[1],
                    OutboxMessage.next_attempt_at <= now,
                    col(OutboxMessage.id) > msg_id,
                )
                .order_by(col(OutboxMessage.id))
            ).first()
        if nxt is not None and key not in blocked and nxt not in candidates:
            candidates.append(nxt)
    return sent
