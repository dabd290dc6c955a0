"""Delivery at the platform's pace (issue 18): about one message a second per channel, Retry-After
obeyed and not counted as a failure, the bookkeeping of many destinations in few transactions.

Against the fake Slack on 127.0.0.1 that enforces the pace itself (`FakeSlack.pace`: a post to a
channel sooner than that after the last one gets 429 with Retry-After).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from handlers.batching import Failed, GroupCommit
from handlers.notify import Delivery, DeliveryPolicy
from storage.db import make_engine, transaction
from storage.models import OutboxMessage
from tests.bot.conftest import BOLNES, SlackWorld
from tests.bot.test_delivery import CENTRUM, posts_to, queue, row

PACE = 0.3  # seconds between two posts to one channel in these tests (Slack: about 1)


async def deliver_all(world: SlackWorld, delivery: Delivery, ids: list[int], *, rounds: int = 50) -> None:
    """Rounds until every message in `ids` is sent (a round returns when its destinations are done)."""
    for _ in range(rounds):
        await delivery.round()
        with Session(world.bot.engine) as s:
            left = s.exec(
                select(OutboxMessage.id).where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.sent_at).is_(None))
            ).all()
        if not left:
            return
    raise AssertionError(f"{len(left)} messages still unsent after {rounds} rounds")


def paced(world: SlackWorld) -> Delivery:
    world.transport.notifier.interval = PACE
    return Delivery(
        world.bot.engine,
        world.bot.notifiers,
        clock=world.bot.clock.now,
        policy=DeliveryPolicy(),
        monotonic=time.monotonic,
    )


async def test_messages_to_a_channel_go_at_its_pace_and_channels_go_side_by_side(slack: SlackWorld) -> None:
    slack.fake.pace = PACE
    ids = queue(slack, *[("channel", ch, f"bericht {i} voor {ch}") for i in range(4) for ch in (BOLNES, CENTRUM)])
    delivery = paced(slack)
    try:
        await deliver_all(slack, delivery, ids)
    finally:
        delivery.close()
    statuses = [c.status for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert statuses == [200] * 8  # never faster than the channel takes: no 429 at all
    for ch in (BOLNES, CENTRUM):
        assert posts_to(slack, ch) == [f"bericht {i} voor {ch}" for i in range(4)]  # in order
    # the two channels take turns: the second channel's first message does not wait for the first's four
    order = [c["channel"] for c in slack.fake.of("chat.postMessage")]
    assert set(order[:2]) == {BOLNES, CENTRUM}


async def test_a_short_retry_after_is_waited_out_and_not_counted_as_a_failure(slack: SlackWorld) -> None:
    for _ in range(3):  # slack_sdk waits out two itself; the third reaches the outbox
        slack.fake.rate_limit_once("chat.postMessage", retry_after=1, channel=BOLNES)
    [msg_id] = queue(slack, ("channel", BOLNES, "Na de wachttijd"))
    delivery = paced(slack)
    try:
        await deliver_all(slack, delivery, [msg_id], rounds=1)  # the same round waits and sends it
    finally:
        delivery.close()
    assert [c.status for c in slack.fake.calls if c.method == "chat.postMessage"] == [429, 429, 429, 200]
    sent = row(slack, msg_id)
    assert sent.attempts == 1  # the one that went: the 429s were no attempts
    assert sent.last_error is None


async def test_a_long_retry_after_gives_the_message_back_until_then_without_an_attempt(slack: SlackWorld) -> None:
    # longer than slack_sdk waits itself; only this channel (the channels go side by side)
    slack.fake.rate_limit_once("chat.postMessage", retry_after=120, channel=BOLNES)
    [first, second] = queue(slack, ("channel", BOLNES, "Eerste"), ("channel", BOLNES, "Tweede"))
    other = queue(slack, ("channel", CENTRUM, "Elders"))
    now = slack.bot.clock.now()
    delivery = paced(slack)
    try:
        await delivery.round()
        waiting = row(slack, first)
        assert waiting.sent_at is None
        assert waiting.parked_at is None
        assert waiting.attempts == 0  # not a failure
        assert waiting.last_error is None
        assert waiting.next_attempt_at >= now + timedelta(seconds=119)
        assert row(slack, second).sent_at is None  # the channel's order holds: the second waits too
        assert posts_to(slack, CENTRUM) == ["Elders"]  # other channels are not held back
        slack.bot.clock.set(now + timedelta(seconds=121))
        delivery.pacing = None  # the two minutes have passed (the pace is in real seconds)
        await deliver_all(slack, delivery, [first, second])
    finally:
        delivery.close()
    assert posts_to(slack, BOLNES) == ["Eerste", "Tweede"]
    assert row(slack, other[0]).attempts == 1


def _in_one_transaction(engine: sa.Engine) -> GroupCommit[Callable[[Session], object], object]:
    """Callables run in one transaction per batch, as delivery's writer does; a failure is its own."""

    def apply(ops: list[Callable[[Session], object]]) -> list[object]:
        results: list[object] = []
        with transaction(engine) as session:
            for op in ops:
                try:
                    results.append(op(session))
                except ValueError as exc:
                    results.append(Failed(exc))
        return results

    return GroupCommit(apply, name="test")


async def test_writes_that_wait_at_the_same_moment_commit_together(db_url: str) -> None:
    """While the writer thread commits one write, forty destinations queue theirs: one transaction
    carries all forty, and each destination gets its own answer."""
    engine = make_engine(db_url)  # its own: the bot's inbox worker commits on the bot's engine meanwhile
    writer = _in_one_transaction(engine)
    busy, release = threading.Event(), threading.Event()
    commits: list[object] = []

    def counted(conn: object) -> None:
        commits.append(conn)

    def first(session: Session) -> str:
        session.exec(select(func.count()).select_from(OutboxMessage)).one()
        busy.set()
        release.wait(timeout=60)
        return "eerste"

    def later(n: int) -> Callable[[Session], int]:
        def op(session: Session) -> int:
            return int(session.exec(select(func.count()).select_from(OutboxMessage)).one()) + n

        return op

    event.listen(engine, "commit", counted)
    try:
        held = asyncio.create_task(writer.run(first))
        await asyncio.to_thread(busy.wait, 60)  # the writer is inside the first write
        rest = [asyncio.create_task(writer.run(later(n))) for n in range(40)]
        await asyncio.sleep(0)  # all forty are queued behind it
        release.set()
        assert await held == "eerste"
        assert await asyncio.gather(*rest) == list(range(40))
    finally:
        event.remove(engine, "commit", counted)
        writer.close()
        engine.dispose()
    assert len(commits) == 2  # the first write alone, the forty together


async def test_a_failing_write_fails_only_its_own_caller(engine: sa.Engine) -> None:
    writer = _in_one_transaction(engine)

    def fine(session: Session) -> str:
        return "goed"

    def broken(session: Session) -> str:
        raise ValueError("kapot")

    try:
        results = await asyncio.gather(writer.run(fine), writer.run(broken), writer.run(fine), return_exceptions=True)
    finally:
        writer.close()
    assert results[0] == "goed"
    assert isinstance(results[1], ValueError)
    assert results[2] == "goed"
