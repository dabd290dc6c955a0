"""The durable inbox: a request is a row before it is acknowledged, and runs exactly once.

The protocol (procrastinate's, on both databases):

- `receive`: the web process writes the request (`INSERT ... ON CONFLICT (dedupe_key) DO
  NOTHING`) and acknowledges only after the commit. A retry or a replay with the same key is no
  new row.
- `claim`: a worker takes a batch of open rows for a lease (`claimed_by`, `claimed_until`). On
  PostgreSQL the candidates are selected `FOR UPDATE SKIP LOCKED`, so workers never wait for each
  other; SQLite serialises writers and the single UPDATE is the claim. A row whose lease ran out
  (its worker was killed) is claimed again.
- `complete_step`: in the transaction of the command itself, the row records that the command's
  step is done and what it answered; only the worker that holds the claim can do so (compare and
  set on `claimed_by` and `steps`), so a command commits once even when a lease ran out while it
  was still running: the slower one rolls back. A worker that takes over a row whose step is
  done finds the stored replies (`stored_step`) and answers with them instead of running it again.
- `answered`: the answer went out; the body and replies are emptied (they hold what people wrote),
  the key stays for `KEEP` so a late retry is still recognised, then `purge` removes the row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table, TextClause, bindparam, text
from sqlmodel import Session, col, func, select

from storage.models import InboxRequest

KEEP = timedelta(days=7)  # answered rows (without body) are kept this long for de-duplication
MAX_ATTEMPTS = 3  # a request whose handling failed this often is answered with an apology
_TABLE: Table = InboxRequest.__table__  # type: ignore[attr-defined]


class Taken(Exception):
    """This worker's claim on the request is gone (its lease ran out and another worker has it)."""


@dataclass(frozen=True)
class Claimed:
    """A request a worker holds: what to run, and how far an earlier worker got."""

    id: int
    transport: str
    kind: str
    body: str
    steps: int
    attempts: int


@lru_cache(maxsize=1)
def _insert_sql() -> TextClause:
    names = ("dedupe_key", "transport", "kind", "body", "received_at", "attempts", "steps", "replies")
    cols = [_TABLE.c[n] for n in names]
    sql = (
        f"INSERT INTO {_TABLE.name} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)}) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
    )
    return text(sql).bindparams(*[bindparam(c.name, type_=c.type) for c in cols])


_NAMES = ("dedupe_key", "transport", "kind", "body", "received_at", "attempts", "steps", "replies")


@lru_cache(maxsize=64)
def _insert_many_sql(n: int) -> TextClause:
    """`_insert_sql` for n rows in one statement (`:dedupe_key_0 ...`), returning the keys written."""
    cols = [_TABLE.c[name] for name in _NAMES]
    values = ", ".join("(" + ", ".join(f":{name}_{i}" for name in _NAMES) + ")" for i in range(n))
    sql = (
        f"INSERT INTO {_TABLE.name} ({', '.join(_NAMES)}) VALUES {values} "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
    )
    return text(sql).bindparams(*[bindparam(f"{c.name}_{i}", type_=c.type) for i in range(n) for c in cols])


@dataclass(frozen=True)
class Incoming:
    """A verified request on its way into the inbox."""

    transport: str
    kind: str
    dedupe_key: str
    body: str
    received_at: datetime


def receive_many(session: Session, requests: list[Incoming]) -> list[int | None]:
    """Write many requests in one statement; per request its id, or None when its key was received
    before (also earlier in the same list: the first one wins)."""
    keys = [r.dedupe_key[:200] for r in requests]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    rows = [requests[i] for i in first.values()]
    params: dict[str, Any] = {}
    for i, r in enumerate(rows):
        values = (keys[first[r.dedupe_key[:200]]], r.transport, r.kind, r.body, r.received_at, 0, 0, "[]")
        params.update({f"{name}_{i}": value for name, value in zip(_NAMES, values, strict=True)})
    written = {str(key): int(new_id) for new_id, key in session.execute(_insert_many_sql(len(rows)), params).all()}
    return [written.get(key) if first[key] == i else None for i, key in enumerate(keys)]


def receive(session: Session, *, transport: str, kind: str, dedupe_key: str, body: str, now: datetime) -> int | None:
    """Write a request; its id, or None when a request with this key was received before."""
    row = {
        "dedupe_key": dedupe_key[:200],
        "transport": transport,
        "kind": kind,
        "body": body,
        "received_at": now,
        "attempts": 0,
        "steps": 0,
        "replies": "[]",
    }
    new_id = session.execute(_insert_sql(), row).scalar()
    return None if new_id is None else int(new_id)


def receive_committed(
    engine: sa.Engine, *, transport: str, kind: str, dedupe_key: str, body: str, now: datetime
) -> int | None:
    """`receive` as one autocommitted statement: durable when it returns, in one round trip (no
    BEGIN and COMMIT around it); this is all the web process does before it acknowledges."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn, Session(bind=conn) as session:
        return receive(session, transport=transport, kind=kind, dedupe_key=dedupe_key, body=body, now=now)


def receive_many_committed(engine: sa.Engine, requests: list[Incoming]) -> list[int | None]:
    """`receive_many` as one autocommitted statement: durable when it returns."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn, Session(bind=conn) as session:
        return receive_many(session, requests)


def _open(now: datetime) -> list[Any]:
    return [
        col(InboxRequest.answered_at).is_(None),
        sa.or_(col(InboxRequest.claimed_until).is_(None), col(InboxRequest.claimed_until) <= now),
    ]


def claim(
    session: Session, *, worker: str, now: datetime, lease: timedelta, limit: int = 10, transports: set[str]
) -> list[Claimed]:
    """Take up to `limit` open requests of these transports for `lease`, oldest first."""
    candidates = (
        select(InboxRequest.id)
        .where(*_open(now), col(InboxRequest.transport).in_(sorted(transports)))
        .order_by(col(InboxRequest.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks (nor needs them)
    )
    if session.get_bind().dialect.name == "postgresql":
        # as a CTE: PostgreSQL may run an `IN (SELECT ... LIMIT n)` subquery more than once in an
        # UPDATE and so claim more than n; a locking CTE is evaluated once (procrastinate's form)
        picked = candidates.cte("candidate")
        where: list[Any] = [_TABLE.c.id == picked.c.id]
    else:
        where = [_TABLE.c.id.in_(candidates.scalar_subquery()), *_open(now)]
    stmt = (
        sa.update(_TABLE)
        .where(*where)
        .values(claimed_by=worker, claimed_until=now + lease, attempts=_TABLE.c.attempts + 1)
        .returning(_TABLE.c.id, _TABLE.c.transport, _TABLE.c.kind, _TABLE.c.body, _TABLE.c.steps, _TABLE.c.attempts)
    )
    rows = session.execute(stmt).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def extend(session: Session, *, worker: str, ids: list[int], until: datetime) -> int:
    """Renew this worker's claims on the requests it is still working on (its heartbeat)."""
    if not ids:
        return 0
    result = session.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.id.in_(ids), _TABLE.c.claimed_by == worker, _TABLE.c.answered_at.is_(None))
        .values(claimed_until=until)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def stored_step(session: Session, request_id: int, step: int) -> list[dict[str, Any]] | None:
    """The replies of a step an earlier worker completed, or None when it is still to run."""
    row = session.get(InboxRequest, request_id)
    if row is None or row.steps <= step:
        return None
    done: list[list[dict[str, Any]]] = json.loads(row.replies or "[]")
    return done[step] if step < len(done) else []


def complete_step(session: Session, *, request_id: int, worker: str, step: int, replies: list[dict[str, Any]]) -> None:
    """Record step `step` of the request as done with its replies, in the caller's transaction.

    Raises Taken when this worker no longer holds the claim, or the step was done already: the
    caller's transaction must then roll back (the command runs once)."""
    row = session.execute(
        sa.select(_TABLE.c.replies).where(
            _TABLE.c.id == request_id, _TABLE.c.claimed_by == worker, _TABLE.c.steps == step
        )
    ).first()
    if row is None:
        raise Taken(request_id)
    done: list[Any] = json.loads(row[0] or "[]")[:step]
    done += [[]] * (step - len(done))
    done.append(replies)
    result = session.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.id == request_id, _TABLE.c.claimed_by == worker, _TABLE.c.steps == step)
        .values(steps=step + 1, replies=json.dumps(done, ensure_ascii=False))
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Taken(request_id)


def answered(session: Session, request_id: int, *, worker: str, now: datetime, error: str | None = None) -> bool:
    """The answer went out (or, with `error`, the apology): empty what people wrote, keep the key."""
    result = session.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.id == request_id, _TABLE.c.claimed_by == worker, _TABLE.c.answered_at.is_(None))
        .values(answered_at=now, body="", replies="[]", last_error=error[:500] if error else None)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def failed(session: Session, request_id: int, *, worker: str, now: datetime, error: str, retry_in: timedelta) -> None:
    """Handling raised: release the claim so it is tried again after `retry_in`."""
    session.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.id == request_id, _TABLE.c.claimed_by == worker)
        .values(claimed_until=now + retry_in, last_error=error[:500])
    )


def release(session: Session, worker_prefix: str, *, now: datetime) -> int:
    """Free the claims of workers that are known to be gone (their ids start with the prefix)."""
    result = session.execute(
        sa.update(_TABLE)
        .where(
            _TABLE.c.answered_at.is_(None),
            _TABLE.c.claimed_by.startswith(worker_prefix, autoescape=True),
            _TABLE.c.claimed_until > now,
        )
        .values(claimed_until=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge(session: Session, *, now: datetime) -> int:
    """Remove answered requests older than KEEP."""
    result = session.execute(
        sa.delete(_TABLE).where(_TABLE.c.answered_at.is_not(None), _TABLE.c.answered_at < now - KEEP)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class InboxCounts:
    open: int  # received, not yet answered
    oldest: datetime | None


def counts(session: Session) -> InboxCounts:
    """How many requests wait for an answer, and since when the oldest."""
    n, oldest = session.exec(
        select(func.count(), func.min(InboxRequest.received_at)).where(col(InboxRequest.answered_at).is_(None))
    ).one()
    return InboxCounts(open=int(n), oldest=oldest)
