"""The inbox protocol (storage/inbox.py, handlers/inbox.py) on the real database of the run."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from handlers import inbox
from handlers.base import Reply, Ticket
from storage import inbox as store
from storage.db import transaction
from storage.models import InboxRequest
from tests.conftest import NOW

LEASE = timedelta(seconds=30)


def _receive(engine: sa.Engine, key: str, body: str = '{"text": "x"}') -> int | None:
    return inbox.receive(engine, transport="t", kind="command", dedupe_key=key, body=body, now=NOW)


def test_a_request_is_one_row_however_often_it_arrives(engine: sa.Engine) -> None:
    first = _receive(engine, "t:1")
    assert first is not None
    assert _receive(engine, "t:1") is None  # a retry, a replay
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(InboxRequest)).one() == 1


def test_workers_claim_different_requests_and_a_dead_ones_claim_is_taken_over(engine: sa.Engine) -> None:
    ids = [i for n in range(5) if (i := _receive(engine, f"t:{n}")) is not None]
    a = inbox.claim(engine, worker="a", now=NOW, lease=LEASE, limit=3, transports={"t"})
    b = inbox.claim(engine, worker="b", now=NOW, lease=LEASE, limit=3, transports={"t"})
    assert [c.id for c in a] == ids[:3]
    assert [c.id for c in b] == ids[3:]
    assert inbox.claim(engine, worker="c", now=NOW, lease=LEASE, limit=3, transports={"t"}) == []
    assert inbox.claim(engine, worker="c", now=NOW, lease=LEASE, limit=3, transports={"other"}) == []
    # "a" works on the first one (heartbeat), and dies; its lease runs out
    later = NOW + LEASE + timedelta(seconds=1)
    assert inbox.extend(engine, worker="a", ids=[ids[0]], until=later + LEASE) == 1
    taken = inbox.claim(engine, worker="c", now=later, lease=LEASE, limit=10, transports={"t"})
    assert [c.id for c in taken] == ids[1:]  # all but the one still renewed
    assert {c.attempts for c in taken} == {2}


def test_the_command_commits_once_and_a_takeover_answers_with_the_stored_replies(engine: sa.Engine) -> None:
    rid = _receive(engine, "t:once")
    assert rid is not None
    [row] = inbox.claim(engine, worker="a", now=NOW, lease=LEASE, limit=1, transports={"t"})
    runs: list[str] = []

    def work(record: inbox.Record) -> list[Reply]:
        with transaction(engine) as session:
            runs.append("ran")
            replies = [Reply("Vastgelegd als S-1.", private=False, ref="S-1")]
            record(session, replies)
            return replies

    assert inbox.exactly_once(engine, Ticket(row.id, "a"), work)[0].text == "Vastgelegd als S-1."
    # "a" was killed before it answered; "b" takes the request over after the lease
    later = NOW + LEASE + timedelta(seconds=1)
    [again] = inbox.claim(engine, worker="b", now=later, lease=LEASE, limit=1, transports={"t"})
    assert again.steps == 1
    replies = inbox.exactly_once(engine, Ticket(again.id, "b"), work)
    assert runs == ["ran"]  # not run again
    assert [(r.text, r.ref) for r in replies] == [("Vastgelegd als S-1.", "S-1")]
    assert inbox.answered(engine, again.id, worker="b", now=later)
    with Session(engine) as s:
        row_now = s.get(InboxRequest, again.id)
        assert row_now is not None
        assert row_now.body == ""
        assert row_now.replies == "[]"


def test_a_worker_whose_claim_was_taken_over_rolls_its_command_back(engine: sa.Engine) -> None:
    rid = _receive(engine, "t:slow")
    assert rid is not None
    inbox.claim(engine, worker="slow", now=NOW, lease=LEASE, limit=1, transports={"t"})
    later = NOW + LEASE + timedelta(seconds=1)
    inbox.claim(engine, worker="fast", now=later, lease=LEASE, limit=1, transports={"t"})

    def work(record: inbox.Record) -> list[Reply]:
        with transaction(engine) as session:
            session.execute(sa.update(InboxRequest).where(col(InboxRequest.id) == rid).values(last_error="was here"))
            record(session, [Reply("ok")])
            return [Reply("ok")]

    with pytest.raises(inbox.Taken):
        inbox.exactly_once(engine, Ticket(rid, "slow"), work)
    with Session(engine) as s:
        row = s.get(InboxRequest, rid)
        assert row is not None
        assert row.last_error is None
        assert row.steps == 0


def test_concurrent_claims_never_hand_out_a_request_twice(engine: sa.Engine) -> None:
    for n in range(200):
        _receive(engine, f"t:c{n}")
    got: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        mine: list[int] = []
        try:
            while batch := inbox.claim(engine, worker=name, now=NOW, lease=LEASE, limit=7, transports={"t"}):
                mine += [c.id for c in batch]
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        got[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    everything = [i for ids in got.values() for i in ids]
    assert len(everything) == 200 == len(set(everything))


def test_answered_rows_are_purged_after_a_week(engine: sa.Engine) -> None:
    rid = _receive(engine, "t:old")
    assert rid is not None
    inbox.claim(engine, worker="a", now=NOW, lease=LEASE, limit=1, transports={"t"})
    inbox.answered(engine, rid, worker="a", now=NOW)
    with transaction(engine) as session:
        assert store.purge(session, now=NOW + timedelta(days=6)) == 0
        assert store.purge(session, now=NOW + timedelta(days=8)) == 1


def test_requests_written_together_are_one_statement_and_the_first_of_a_key_wins(engine: sa.Engine) -> None:
    before = _receive(engine, "t:oud")
    assert before is not None
    batch = [store.Incoming("t", "command", key, '{"text": "x"}', NOW) for key in ("t:a", "t:b", "t:a", "t:oud", "t:c")]
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        ids = store.receive_many_committed(engine, batch)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if s.startswith("INSERT")]) == 1
    assert ids[0] is not None
    assert ids[1] is not None
    assert ids[2] is None  # the same key again in the same batch: a replay
    assert ids[3] is None  # received before
    assert ids[4] is not None
    assert len({ids[0], ids[1], ids[4], before}) == 4
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(InboxRequest)).one() == 4


async def test_requests_arriving_at_once_are_each_acknowledged_with_their_own_row(engine: sa.Engine) -> None:
    receiver = inbox.receiver(engine)
    keys = [f"t:{n % 20}" for n in range(30)]  # ten of them twice
    try:
        ids = await asyncio.gather(
            *(receiver.run(store.Incoming("t", "command", key, '{"text": "x"}', NOW)) for key in keys)
        )
    finally:
        receiver.close()
    per_key: dict[str, list[int]] = {}
    for key, new in zip(keys, ids, strict=True):
        if new is not None:
            per_key.setdefault(key, []).append(new)
    assert sorted(per_key) == sorted(set(keys))
    assert all(len(v) == 1 for v in per_key.values())  # one row per key, whoever came first
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(InboxRequest)).one() == 20
