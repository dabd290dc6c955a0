"""The durable outbox: every outgoing message is a row, written in the same transaction as the
change it reports, and delivered (and retried) afterwards. A `dedupe_key` makes a job that runs
twice enqueue its message once."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Table, TextClause, bindparam, func, text, update
from sqlalchemy.orm import aliased, make_transient_to_detached
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


@dataclass(frozen=True)
class Outgoing:
    """One message to queue with `enqueue_many`: the arguments of `enqueue` but `now`."""

    kind: str  # channel | dm
    destination: str
    text: str
    dedupe_key: str | None = None
    payload: dict[str, Any] | None = None


def enqueue_many(session: Session, messages: list[Outgoing], *, now: datetime) -> int:
    """Queue many messages at once; returns how many were new (as `enqueue` would, one by one).

    One multi-row `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING` per chunk of `_BATCH`
    rows (bound parameters stay under SQLite's old limit of 999). The ids follow the order given,
    so delivery order is the same as with `enqueue`; a key given twice is queued once, the first.
    """
    return len(_insert_many(session, messages, now=now))


def enqueue_many_keys(session: Session, messages: list[Outgoing], *, now: datetime) -> set[str]:
    """`enqueue_many`, returning the dedupe keys that were new (for a caller that marks its items then)."""
    return {k for k in _insert_many(session, messages, now=now) if k is not None}


def _insert_many(session: Session, messages: list[Outgoing], *, now: datetime) -> list[str | None]:
    """The dedupe key of every row inserted (None for a row without one)."""
    if not messages:
        return []
    # the row enqueue writes, built once: an ORM object per message cost more than the insert
    blank = _row(OutboxMessage(kind="", destination="", text="", created_at=now, next_attempt_at=now))
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for m in messages:
        if m.dedupe_key is not None:
            if m.dedupe_key in seen:
                continue
            seen.add(m.dedupe_key)
        payload = json.dumps(m.payload or {}, ensure_ascii=False)
        rows.append(
            blank
            | {
                "kind": m.kind,
                "destination": m.destination,
                "text": m.text,
                "payload": payload,
                "dedupe_key": m.dedupe_key,
            }
        )
    new: list[str | None] = []
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start : start + _BATCH]
        params = {f"{name}_{i}": value for i, row in enumerate(chunk) for name, value in row.items()}
        new += session.execute(_insert_many_ignoring_duplicates(len(chunk)), params).scalars().all()
    return new


_BATCH = 999 // len(_TABLE.columns)  # rows per statement


@lru_cache(maxsize=32)
def _insert_many_ignoring_duplicates(n: int) -> TextClause:
    """`_insert_ignoring_duplicates` for `n` rows, returning the new keys; the parameters are `<column>_<row>`."""
    cols = [c for c in _TABLE.columns if c.name != "id"]
    names = ", ".join(c.name for c in cols)
    values = ", ".join("(" + ", ".join(f":{c.name}_{i}" for c in cols) + ")" for i in range(n))
    sql = (
        f"INSERT INTO {_TABLE.name} ({names}) VALUES {values} ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key"
    )
    return text(sql).bindparams(*[bindparam(f"{c.name}_{i}", type_=c.type) for i in range(n) for c in cols])


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


def _waiting() -> list[Any]:
    return [col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.parked_at).is_(None)]


def queues(session: Session, *, per: int, places: list[tuple[str, str]] | None = None) -> list[list[OutboxMessage]]:
    """The first `per` waiting (unsent, not parked) messages of every destination (or of `places`,
    (kind, destination) pairs), in order, the destinations by their first message: one query,
    however many wait (with `places`: one per 500 of a kind).

    One pass over the waiting rows (a window per destination), not a join of them with their
    minimum: without statistics (a burst just queued, before autovacuum analysed it) PostgreSQL
    took that join for one row and ran it as a nested loop, 5 s for 3,000 messages.
    """
    place = (col(OutboxMessage.kind), col(OutboxMessage.destination))
    n = func.row_number().over(partition_by=place, order_by=col(OutboxMessage.id)).label("n")
    selections: list[list[Any]] = [[]]
    if places is not None:
        selections = []
        for kind in sorted({k for k, _ in places}):
            wanted = sorted({d for k, d in places if k == kind})
            selections += [
                [OutboxMessage.kind == kind, col(OutboxMessage.destination).in_(wanted[i : i + 500])]
                for i in range(0, len(wanted), 500)
            ]
    by_place: dict[tuple[str, str], list[OutboxMessage]] = {}
    for only in selections:
        ranked = select(OutboxMessage, n).where(*_waiting(), *only).subquery()
        row = aliased(OutboxMessage, ranked)
        for msg in session.exec(select(row).where(ranked.c.n <= per).order_by(ranked.c.id)).all():
            by_place.setdefault((msg.kind, msg.destination), []).append(msg)
    return sorted(by_place.values(), key=lambda q: q[0].id or 0)  # by their first (the smallest) id


def claim(session: Session, msg_id: int, *, now: datetime, until: datetime) -> bool:
    """Take a due message for one attempt (compare-and-set on `next_attempt_at`, so one process wins).

    A process killed while sending leaves the row claimed until `until`; then it is tried again.
    """
    result = session.execute(_hot().claim, {"msg_id": msg_id, "now": now, "until": until})
    return bool(getattr(result, "rowcount", 0) == 1)


def claim_first(session: Session, msg: OutboxMessage, *, now: datetime, until: datetime) -> bool:
    """`claim` for a message read as its destination's first: only while no earlier one waits there
    (one re-queued meanwhile goes first, at the next round)."""
    params = {"msg_id": msg.id, "to_kind": msg.kind, "to_destination": msg.destination, "now": now, "until": until}
    result = session.execute(_hot().claim_first, params)
    return bool(getattr(result, "rowcount", 0) == 1)


def next_of(
    session: Session, kind: str, destination: str, *, after: int, now: datetime, limit: int
) -> list[OutboxMessage]:
    """The waiting messages to one destination after id `after` that may go now, in order (the ones
    a round may send next): up to the first that is not due (one claimed elsewhere, say)."""
    params = {"kind": kind, "destination": destination, "after": after, "limit": limit}
    rows = session.execute(_hot().next_of, params).scalars().all()
    return list(itertools.takewhile(lambda m: m.next_attempt_at <= now, rows))


def sent(session: Session, msg_id: int, *, now: datetime, transport: str, after_timeout: str | None = None) -> None:
    """`mark_sent` as one UPDATE by id, without loading the row (delivery's hot path)."""
    params = {"msg_id": msg_id, "now": now, "transport": transport}
    if after_timeout is None:
        session.execute(_hot().sent, params)
    else:
        session.execute(_hot().sent_after_timeout, params | {"after_timeout": after_timeout})


def release(session: Session, *, msg_id: int, at: datetime) -> None:
    """Give a claimed message back, to be tried from `at` on; not counted as an attempt (a 429, say)."""
    session.execute(_hot().release, {"msg_id": msg_id, "at": at})


@dataclass(frozen=True)
class _HotStatements:
    next_of: Any
    claim: Any
    claim_first: Any
    sent: Any
    sent_after_timeout: Any
    release: Any


@lru_cache(maxsize=1)
def _hot() -> _HotStatements:
    """Delivery's statements, built once with bound parameters: a statement built per call spent
    more time in SQLAlchemy (constructing it, its cache key, the ORM's bulk-update bookkeeping)
    than in the database. The updates are Core statements on the table: nothing to synchronise."""
    c = _TABLE.c
    when = c.next_attempt_at.type

    def at(name: str) -> Any:
        return bindparam(name, type_=when)

    waiting = _waiting()
    place = [OutboxMessage.kind == bindparam("kind"), OutboxMessage.destination == bindparam("destination")]
    following = (
        select(OutboxMessage)
        .where(
            *waiting,
            *place,
            col(OutboxMessage.id) > bindparam("after"),
        )
        .order_by(col(OutboxMessage.id))
        .limit(bindparam("limit", type_=Integer))
    )
    # "still waiting" for a statement on one row by its id, written so that a planner cannot use the
    # partial index of the queue for it (without statistics PostgreSQL scanned that whole index for
    # one id instead of taking the primary key)
    still = func.coalesce(c.sent_at, c.parked_at).is_(None)
    by_id = c.id == bindparam("msg_id")
    done = {
        "sent_at": at("now"),
        "transport": bindparam("transport"),
        "attempts": c.attempts + 1,
        "last_error": None,
    }
    earlier = _TABLE.alias("earlier")  # the table, not the ORM entity: a Core statement, its cache key made once
    e = earlier.c
    before = (
        select(e.id)
        .where(
            e.sent_at.is_(None),
            e.parked_at.is_(None),
            e.kind == bindparam("to_kind"),
            e.destination == bindparam("to_destination"),
            e.id < c.id,
        )
        .exists()
    )
    claim = update(_TABLE).where(by_id, still, c.next_attempt_at <= at("now")).values(next_attempt_at=at("until"))
    return _HotStatements(
        next_of=following,
        claim=claim,
        claim_first=claim.where(~before),
        sent=update(_TABLE).where(by_id).values(**done),
        sent_after_timeout=update(_TABLE).where(by_id).values(**done, after_timeout=bindparam("after_timeout")),
        release=update(_TABLE).where(by_id, still).values(next_attempt_at=at("at")),
    )


# After a send that timed out (`timed_out_at`), how the message went out in the end (`after_timeout`):
FOUND = "found"  # it had arrived: marked sent without sending it again
RESENT = "resent"  # the transport looked and it had not arrived: sent once more, so once
DOUBLE = "double"  # the transport looked and found it more than once: it arrived twice
UNCHECKED = "unchecked"  # sent again without being able to look: a possible double
POSSIBLE_DOUBLES = (DOUBLE, UNCHECKED)


def mark_sent(
    session: Session, msg: OutboxMessage, *, now: datetime, transport: str, after_timeout: str | None = None
) -> None:
    """Delivered; `after_timeout` says how, when an earlier attempt timed out (FOUND, RESENT, ...)."""
    msg.sent_at = now
    msg.transport = transport
    msg.attempts += 1
    msg.last_error = None
    if after_timeout is not None:
        msg.after_timeout = after_timeout
    session.add(msg)


def note_timeout(msg: OutboxMessage, *, started: datetime) -> None:
    """An attempt that began at `started` got no answer in time: the message may have arrived.

    The first such moment is kept: a later check must look from there (every attempt since may have arrived).
    """
    if msg.timed_out_at is None or started < msg.timed_out_at:
        msg.timed_out_at = started


def mark_failed(session: Session, msg: OutboxMessage, *, now: datetime, error: str) -> None:
    """A transient failure: try again after an exponential back-off (at most MAX_BACKOFF)."""
    msg.attempts += 1
    msg.last_error = error[:500]
    backoff = min(timedelta(seconds=15 * 2 ** min(msg.attempts, 12)), MAX_BACKOFF)
    msg.next_attempt_at = now + backoff
    session.add(msg)


def park(session: Session, msg: OutboxMessage, *, now: datetime, reason: str, error: str | None = None) -> None:
    """A dead letter: not tried again until an operator re-queues it; later messages to the place go."""
    msg.attempts += 1
    msg.parked_at = now
    msg.park_reason = reason[:200]
    if error is not None:
        msg.last_error = error[:500]
    session.add(msg)


def requeue(session: Session, msg: OutboxMessage, *, now: datetime) -> None:
    """Back in line (`wijkbot outbox opnieuw`): tried at the next round, as if just queued."""
    msg.parked_at = None
    msg.park_reason = None
    msg.reported_at = None
    msg.created_at = now  # its age for the maximum starts again
    msg.next_attempt_at = now
    session.add(msg)


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int  # not sent, not parked
    parked: int
    oldest_waiting: datetime | None
    possible_doubles: int = 0  # sent again after a timeout without knowing the first had not arrived
    found_after_timeout: int = 0  # timed out, but had arrived: not sent again


def counts(session: Session) -> OutboxCounts:
    """How many messages wait and are parked, and since when the oldest waits."""
    waiting, oldest = session.exec(select(func.count(), func.min(OutboxMessage.created_at)).where(*_waiting())).one()
    parked = session.exec(select(func.count()).where(col(OutboxMessage.parked_at).is_not(None))).one()
    after = dict(
        session.exec(
            select(OutboxMessage.after_timeout, func.count())
            .where(col(OutboxMessage.after_timeout).is_not(None))
            .group_by(col(OutboxMessage.after_timeout))
        ).all()
    )
    return OutboxCounts(
        waiting=int(waiting),
        parked=int(parked),
        oldest_waiting=oldest,
        possible_doubles=sum(int(after.get(k, 0)) for k in POSSIBLE_DOUBLES),
        found_after_timeout=int(after.get(FOUND, 0)),
    )


# -- for the operator (`wijkbot outbox`) and the adapters ------------------------------------------


def parked(session: Session) -> list[OutboxMessage]:
    """Every parked message, oldest first."""
    return list(
        session.exec(
            select(OutboxMessage).where(col(OutboxMessage.parked_at).is_not(None)).order_by(col(OutboxMessage.id))
        ).all()
    )


def waiting_since(session: Session, cutoff: datetime) -> list[OutboxMessage]:
    """Messages neither sent nor parked that were queued at or before `cutoff`."""
    return list(
        session.exec(
            select(OutboxMessage)
            .where(*_waiting(), col(OutboxMessage.created_at) <= cutoff)
            .order_by(col(OutboxMessage.id))
        ).all()
    )


def possible_doubles(session: Session) -> list[OutboxMessage]:
    """Messages sent again after a timeout that may have arrived twice."""
    return list(
        session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.after_timeout).in_(POSSIBLE_DOUBLES))
            .order_by(col(OutboxMessage.id))
        ).all()
    )


def by_id(session: Session, msg_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, msg_id)


def delete(session: Session, msg: OutboxMessage) -> None:
    session.delete(msg)


def channel_payloads_since(session: Session, channel: str, since: datetime) -> list[str]:
    """The payloads of the messages queued for a channel at or after `since`."""
    return list(
        session.exec(
            select(OutboxMessage.payload).where(
                OutboxMessage.kind == "channel",
                OutboxMessage.destination == channel,
                OutboxMessage.created_at >= since,
            )
        ).all()
    )
