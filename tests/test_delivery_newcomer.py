"""A message queued while a round holds its destination goes out in that round.

The round that the newcomer's own job starts finds the destination held (its first message is
claimed and in flight) and leaves it; the holding round reads on when its queue runs out, in the
transaction that marks its last message sent (handlers/notify.py `_then_next`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from handlers.notify import Delivery, Recipient
from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage
from tests.conftest import NOW


@dataclass
class QueuesWhileSending:
    """A transport that, while the first message is in flight, has a job queue another one to the
    same channel and start its own round (as `outbox_changed` does)."""

    delivery: Delivery | None = None
    name: str = "test"
    interval: float = 0.0
    sent: list[str] = field(default_factory=list)
    other_round: int | None = None

    def handles(self, msg: OutboxMessage, recipient: Recipient | None) -> bool:
        return True

    async def send(self, msg: OutboxMessage, recipient: Recipient | None) -> None:
        if not self.sent:
            assert self.delivery is not None
            with transaction(self.delivery.engine) as s:
                outbox.enqueue(s, kind="channel", destination="lbt-bolnes", text="nakomer", now=NOW)
            self.other_round = await self.delivery.round()
        self.sent.append(msg.text)


async def test_a_message_queued_while_its_channel_is_held_goes_in_the_holding_round(bot) -> None:  # type: ignore[no-untyped-def]
    engine = bot.bot.engine
    with transaction(engine) as s:
        outbox.enqueue(s, kind="channel", destination="lbt-bolnes", text="eerste", now=NOW)
    transport = QueuesWhileSending()
    delivery = Delivery(engine, [transport], clock=lambda: NOW)
    transport.delivery = delivery
    try:
        sent = await asyncio.wait_for(delivery.round(), timeout=30)
    finally:
        delivery.close()
    assert transport.other_round == 0  # the newcomer's own round found the channel held
    assert transport.sent == ["eerste", "nakomer"]  # in order, both by the holding round
    assert sent == 2
    with transaction(engine) as s:
        assert outbox.counts(s).waiting == 0
