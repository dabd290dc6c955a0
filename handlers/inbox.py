"""The inbox for the transports (storage/inbox.py has the protocol): each call one transaction.

The web process calls `receive` before it acknowledges; a worker `claim`s, runs each command of a
request with a Ticket on its Message (the router then records the command's replies in the
command's own transaction: `complete`), and says `answered` once the answer went out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from handlers.base import Button, Reply, Ticket
from handlers.batching import GroupCommit
from storage import inbox
from storage.db import transaction
from storage.inbox import MAX_ATTEMPTS, Claimed, InboxCounts, Incoming, Taken

__all__ = [
    "MAX_ATTEMPTS",
    "Claimed",
    "InboxCounts",
    "Incoming",
    "Taken",
    "answered",
    "claim",
    "complete",
    "counts",
    "receive",
    "stored",
]


def receive(engine: Engine, *, transport: str, kind: str, dedupe_key: str, body: str, now: datetime) -> int | None:
    """Write a request, committed on return; None for a repeat."""
    return inbox.receive_committed(engine, transport=transport, kind=kind, dedupe_key=dedupe_key, body=body, now=now)


def receiver(engine: Engine) -> GroupCommit[Incoming, int | None]:
    """The web process's inbox writes: the requests that arrive while one is being written go in
    together, one autocommitted INSERT for the lot (a burst of twenty costs a few round trips, not
    twenty in a row); each request is acknowledged once its own row is durable."""
    return GroupCommit(functools.partial(inbox.receive_many_committed, engine), name="inbox")


def claim(
    engine: Engine, *, worker: str, now: datetime, lease: timedelta, limit: int, transports: set[str]
) -> list[Claimed]:
    with transaction(engine) as session:
        return inbox.claim(session, worker=worker, now=now, lease=lease, limit=limit, transports=transports)


def extend(engine: Engine, *, worker: str, ids: list[int], until: datetime) -> int:
    with transaction(engine) as session:
        return inbox.extend(session, worker=worker, ids=ids, until=until)


def encode(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies as JSON-able data, to answer with after a restart exactly as the first time."""
    return [
        {
            "text": r.text,
            "buttons": [[b.label, b.action, b.value] for b in r.buttons],
            "private": r.private,
            "ref": r.ref,
            "extra": r.extra,
        }
        for r in replies
    ]


def decode(data: list[dict[str, Any]]) -> list[Reply]:
    return [
        Reply(
            str(d.get("text", "")),
            buttons=tuple(Button(str(b[0]), str(b[1]), str(b[2])) for b in d.get("buttons", [])),
            private=bool(d.get("private")),
            ref=d.get("ref"),
            extra=dict(d.get("extra") or {}),
        )
        for d in data
    ]


def stored(engine: Engine, ticket: Ticket) -> list[Reply] | None:
    """The replies of the ticket's next step when an earlier worker already ran it."""
    with Session(engine) as session:
        done = inbox.stored_step(session, ticket.request_id, ticket.step)
    return None if done is None else decode(done)


def complete(session: Session, ticket: Ticket, replies: list[Reply]) -> None:
    """In the command's transaction: its step is done, with these replies (raises Taken if not ours)."""
    inbox.complete_step(
        session, request_id=ticket.request_id, worker=ticket.worker, step=ticket.step, replies=encode(replies)
    )


Record = Callable[[Session, list[Reply]], None]
Work = Callable[[Record], list[Reply]]


def exactly_once(engine: Engine, ticket: Ticket | None, work: Work) -> list[Reply]:
    """Run `work` once for the ticket's next step (without a ticket: just run it).

    `work(record)` runs the command and calls `record(session, replies)` last in its transaction
    when it stores something: the replies are recorded with it, so the command commits once (a
    worker whose claim was taken over gets Taken, and its transaction rolls back). Work that
    stores nothing (a refusal, an error) is recorded afterwards on its own. When an earlier
    worker ran this step already, its replies come back instead of running it again.
    """
    if ticket is None:
        return work(lambda _session, _replies: None)
    earlier = stored(engine, ticket)
    if earlier is not None:
        ticket.step += 1
        return earlier
    recorded: list[bool] = []

    def record(session: Session, replies: list[Reply]) -> None:
        complete(session, ticket, replies)
        recorded.append(True)

    replies = work(record)
    if not recorded:  # or its transaction failed after recording: nothing of it was stored
        with transaction(engine) as session:
            complete(session, ticket, replies)
    ticket.step += 1
    return replies


def answered(engine: Engine, request_id: int, *, worker: str, now: datetime, error: str | None = None) -> bool:
    with transaction(engine) as session:
        return inbox.answered(session, request_id, worker=worker, now=now, error=error)


def failed(engine: Engine, request_id: int, *, worker: str, now: datetime, error: str, retry_in: timedelta) -> None:
    with transaction(engine) as session:
        inbox.failed(session, request_id, worker=worker, now=now, error=error, retry_in=retry_in)


def release(engine: Engine, worker_prefix: str, *, now: datetime) -> int:
    with transaction(engine) as session:
        return inbox.release(session, worker_prefix, now=now)


def counts(engine: Engine) -> InboxCounts:
    with Session(engine) as session:
        return inbox.counts(session)
