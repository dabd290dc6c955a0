"""Delivery's queries read the queue, never the history (issue 18, the scale run: "no full scans").

A round asks for the first waiting message of every destination and then a destination's next
ones; an outbox keeps what it sent for a while. With 2,000 sent messages and 60 waiting, the
plans of those queries must come from an index (0017: `ix_outbox_waiting`, partial; the parked
index holds only parked rows), on SQLite without statistics as on PostgreSQL with them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _fill(engine: sa.Engine) -> None:
    sent = [
        {
            "kind": "channel",
            "destination": f"kanaal-{n % 50}",
            "text": "verstuurd",
            "payload": "{}",
            "created_at": NOW - timedelta(days=3),
            "next_attempt_at": NOW - timedelta(days=3),
            "attempts": 1,
            "sent_at": NOW - timedelta(days=3),
            "transport": "slack",
        }
        for n in range(2000)
    ]
    waiting = [
        {
            "kind": "dm" if n % 2 else "channel",
            "destination": f"kanaal-{n % 30}",
            "text": "wacht",
            "payload": "{}",
            "created_at": NOW,
            "next_attempt_at": NOW,
            "attempts": 0,
        }
        for n in range(60)
    ]
    with transaction(engine) as s:
        s.execute(sa.insert(OutboxMessage), sent)
        s.execute(sa.insert(OutboxMessage), waiting)


def _analyse(engine: sa.Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE outboxmessage")


def _statements(engine: sa.Engine, work: Callable[[Session], Any]) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        with Session(engine) as s:
            work(s)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    return [(st, p) for st, p in seen if "outboxmessage" in st]


def _plan(engine: sa.Engine, statement: str, params: Any) -> str:
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(explain + statement, params).all()
    return "\n".join(str(r[-1]) for r in rows)


# what reads only the queue: the partial index, unsent rows (sent_at IS NULL), or one row by its key
QUEUE_ONLY = ("ix_outbox_waiting", "ix_outbox_pending (sent_at=?", "INTEGER PRIMARY KEY")


def _reads_history(engine: sa.Engine, plan: str) -> bool:
    """Whether the plan walks more than the queue: a scan, or an index that holds the sent rows too."""
    if engine.dialect.name == "sqlite":
        lines = [line for line in plan.splitlines() if "outboxmessage" in line]
        return any(not any(ok in line for ok in QUEUE_ONLY) for line in lines)
    # a nested loop over the queue is what PostgreSQL chose without statistics: seconds, not ms
    return "Seq Scan on outboxmessage" in plan or "ix_outbox_parked" in plan or "Nested Loop" in plan


def _by_key(engine: sa.Engine, plan: str) -> bool:
    return ("outboxmessage_pkey" if engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY") in plan


def _first_of(s: Session, destination: str, per: int = 1) -> list[OutboxMessage]:
    return next(q for q in outbox.queues(s, per=per) if (q[0].kind, q[0].destination) == ("channel", destination))


def _round_queries(s: Session) -> None:
    waiting = outbox.queues(s, per=1)
    assert len(waiting) == 30  # one per destination (kind and place)
    [ahead] = outbox.queues(s, per=20, places=[("channel", "kanaal-0")])  # the next ones of a place
    first = ahead[0]
    assert first.text == "wacht"
    assert first.id is not None
    outbox.next_of(s, "channel", "kanaal-0", after=first.id, now=NOW, limit=20)


def _one_row_writes(s: Session) -> None:
    [first] = _first_of(s, "kanaal-0")
    assert first.id is not None
    assert outbox.claim_first(s, first, now=NOW, until=NOW + timedelta(minutes=5))
    outbox.release(s, msg_id=first.id, at=NOW)
    assert outbox.claim(s, first.id, now=NOW, until=NOW + timedelta(minutes=5))
    outbox.release(s, msg_id=first.id, at=NOW)
    outbox.sent(s, first.id, now=NOW, transport="slack")
    s.rollback()


@pytest.mark.parametrize("statistics", [False, True], ids=["just-queued", "analysed"])
def test_a_round_reads_the_waiting_messages_from_an_index_not_the_sent_history(
    engine: sa.Engine, statistics: bool
) -> None:
    _fill(engine)
    if statistics:
        _analyse(engine)
    statements = _statements(engine, _round_queries)
    assert len(statements) == 3
    for statement, params in statements:
        plan = _plan(engine, statement, params)
        assert not _reads_history(engine, plan), f"{statement[:120]}…\n{plan}"
    writes = [st for st in _statements(engine, _one_row_writes) if st[0].startswith("UPDATE")]
    assert len(writes) == 5
    for statement, params in writes:
        plan = _plan(engine, statement, params)
        assert _by_key(engine, plan), f"{statement[:120]}…\n{plan}"
