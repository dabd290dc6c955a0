"""Queueing many messages in one statement (storage.outbox.enqueue_many) stores what `enqueue` one
by one would: the same rows, in the same order, each dedupe key once, also across calls."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage
from storage.outbox import Outgoing
from tests.conftest import NOW


def _all(engine: sa.Engine) -> list[OutboxMessage]:
    with transaction(engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def _fields(m: OutboxMessage) -> dict[str, object]:
    return {c: getattr(m, c) for c in OutboxMessage.model_fields if c != "id"}


def test_many_messages_are_stored_as_enqueue_stores_them_in_order(engine: sa.Engine) -> None:
    many = [
        Outgoing("dm", f"p{i}", f"Komt u? ({i})", dedupe_key=f"k:{i}", payload={"buttons": [{"label": "Ik kom"}]})
        for i in range(150)  # more than one statement's worth
    ] + [Outgoing("channel", "lbt-bolnes", "Herinnering: één overleg.")]
    with transaction(engine) as s:
        assert outbox.enqueue_many(s, many, now=NOW) == 151
    stored = _all(engine)
    assert [(m.kind, m.destination, m.text, m.dedupe_key) for m in stored] == [
        (m.kind, m.destination, m.text, m.dedupe_key) for m in many
    ]
    assert stored[0].payload == json.dumps({"buttons": [{"label": "Ik kom"}]}, ensure_ascii=False)
    assert stored[-1].payload == "{}"
    # the same row `enqueue` writes, column for column
    with transaction(engine) as s:
        single = outbox.enqueue(s, kind="dm", destination="p0", text="Komt u? (0)", now=NOW, dedupe_key="single")
        assert single is not None
    by_key = {m.dedupe_key: m for m in _all(engine)}
    differ = {"dedupe_key": "k:0", "payload": by_key["k:0"].payload}
    assert _fields(by_key["single"]) | differ == _fields(by_key["k:0"])
    first = by_key["k:0"]
    assert (first.created_at, first.next_attempt_at, first.attempts, first.sent_at) == (NOW, NOW, 0, None)


def test_a_key_queued_before_or_twice_is_queued_once(engine: sa.Engine) -> None:
    with transaction(engine) as s:
        assert outbox.dm(s, "anna", "eerst", now=NOW, dedupe_key="a") == 1
    later = NOW + timedelta(hours=1)
    batch = [
        Outgoing("dm", "anna", "weer", dedupe_key="a"),  # queued before: not again
        Outgoing("dm", "piet", "nieuw", dedupe_key="b"),
        Outgoing("dm", "piet", "nog eens", dedupe_key="b"),  # twice in the batch: the first
        Outgoing("channel", "lbt-bolnes", "zonder sleutel"),
        Outgoing("channel", "lbt-bolnes", "zonder sleutel"),  # no key: both go
    ]
    with transaction(engine) as s:
        assert outbox.enqueue_many(s, batch, now=later) == 3
    with transaction(engine) as s:
        assert outbox.enqueue_many(s, batch[:3], now=later) == 0  # a job that runs twice
        assert outbox.enqueue_many(s, [], now=later) == 0
    assert [(m.dedupe_key, m.text) for m in _all(engine)] == [
        ("a", "eerst"),
        ("b", "nieuw"),
        (None, "zonder sleutel"),
        (None, "zonder sleutel"),
    ]


def test_the_new_keys_are_told_apart_from_those_queued_before(engine: sa.Engine) -> None:
    with transaction(engine) as s:
        outbox.dm(s, "anna", "eerst", now=NOW, dedupe_key="achterstand:anna")
    batch = [Outgoing("dm", p, "Goedemorgen", dedupe_key=f"achterstand:{p}") for p in ("anna", "piet", "fatima")]
    with transaction(engine) as s:
        assert outbox.enqueue_many_keys(s, batch, now=NOW) == {"achterstand:piet", "achterstand:fatima"}
        assert outbox.enqueue_many_keys(s, batch, now=NOW) == set()
