"""Delivering the outbox: each transport is a Notifier; delivery is ordered per destination.

A round looks at the first waiting message of every destination (one query, however many
messages wait), so messages that wait for a transport or an address never hold back others.
Destinations are delivered concurrently, each in order, every send bounded by a timeout. A
permanent refusal parks the message (a dead letter) and lets the destination's later messages
go; the group's chair or the admins are told once.

A send that timed out may have arrived all the same. The row remembers it (`timed_out_at`), and
the next attempt asks the transport to look first: Slack finds the post by the outbox id in its
message metadata and says FOUND (not posted again) or RESENT (it was not there); a transport
that cannot look (Telegram) or whose look failed sends again, and that is counted as a possible
double (`after_timeout`, in /healthz and `wijkbot outbox lijst`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from handlers.batching import Failed, GroupCommit
from storage import identity, outbox
from storage.db import transaction
from storage.models import Group, OutboxMessage, Person, PersonKind

log = logging.getLogger(__name__)

# What a Notifier is handed, by the names adapters use (bot/ imports no storage models).
Outgoing = OutboxMessage
# How a send after a timeout went (outbox.FOUND ...), for the transports that can look.
FOUND, RESENT, DOUBLE = outbox.FOUND, outbox.RESENT, outbox.DOUBLE


# What a chat library's error text may carry that must not be stored: request URLs (Telegram
# puts the bot token in the path) and anything shaped like a Slack or Telegram token.
_SECRETISH = re.compile(r"https?://\S+|(?<!\d)\d{5,}:[\w-]{20,}|xox[a-z]-[\w-]+|xapp-[\w-]+")
NOTICE = "outbox-melding:"  # dedupe-key prefix of the notices about delivery itself (never reported again)
TOO_OLD = "te_lang_onbezorgd"
TIMEOUT_ERROR = "TimeoutError: geen antwoord binnen de tijd"  # last_error of a send that timed out

# What the operator and the chair read for a park reason (Slack's error codes, Telegram's status).
REASONS = {
    "channel_not_found": "het kanaal bestaat niet (meer) of de bot is er niet in uitgenodigd",
    "not_in_channel": "de bot is niet in het kanaal uitgenodigd",
    "is_archived": "het kanaal is gearchiveerd",
    "invalid_blocks": "Slack weigerde de opmaak van het bericht, ook als platte tekst",
    "msg_too_long": "het bericht is te lang voor Slack, ook als platte tekst",
    "no_text": "het bericht is leeg",
    "user_not_found": "Slack kent deze persoon niet (meer)",
    "user_disabled": "het Slack-account van deze persoon is uitgeschakeld",
    "cannot_dm_bot": "dit Slack-account is een bot",
    "restricted_action": "de Slack-werkruimte staat de bot dit niet toe",
    "telegram_403": "de persoon heeft de bot op Telegram geblokkeerd of verwijderd",
    "telegram_400": "Telegram weigerde het bericht, ook als platte tekst",
    TOO_OLD: "het bleef te lang onbezorgd (de chatdienst gaf steeds een fout)",
}


def describe(reason: str | None) -> str:
    """A park reason in Dutch, for `wijkbot outbox lijst` and the notices."""
    if not reason:
        return ""
    return REASONS.get(reason, f"geweigerd ({reason})")


def safe_error(exc: BaseException) -> str:
    """The error of a failed delivery as it may be stored: type and message, without URLs or tokens."""
    return f"{type(exc).__name__}: {_SECRETISH.sub('[verborgen]', str(exc))}"[:500]


class PermanentError(Exception):
    """The destination refuses this message for good (no retry helps): it is parked with `reason`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class RateLimited(Exception):
    """The platform asks us to wait (HTTP 429, Retry-After): not a failure, the message goes after it."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited: retry after {retry_after:.1f} s")
        self.retry_after = max(0.0, float(retry_after))


@dataclass(frozen=True)
class Recipient:
    """Who a direct message is for, with their addresses: looked up once a round, not once a message."""

    key: str
    name: str
    kind: str  # a PersonKind value
    addresses: Mapping[str, str] = field(default_factory=dict)

    def address(self, transport: str) -> str | None:
        """Their address on the transport (a Slack user id, a Telegram chat id), None when unbound."""
        return self.addresses.get(transport)


def is_ambassadeur(person: Person | Recipient) -> bool:
    """A wijkambassadeur: a resident who reports through Telegram, never through the team's chat."""
    return person.kind == PersonKind.ambassadeur


class Notifier(Protocol):
    """A transport that can deliver outbox messages (Slack, Telegram, the console, a test)."""

    name: str
    # Seconds between two messages to one destination (Slack and Telegram: about one a second per
    # channel or chat); 0: no pace. Delivery waits its turn instead of earning 429s.
    interval: float

    def handles(self, msg: OutboxMessage, recipient: Recipient | None) -> bool: ...

    async def send(self, msg: OutboxMessage, recipient: Recipient | None) -> str | None:
        """Deliver or raise: PermanentError parks the message, RateLimited waits (not counted as
        an attempt), any other error means: try again later.

        For a message whose earlier send timed out (`msg.timed_out_at`), a transport that can look
        whether it arrived returns outbox.FOUND, RESENT or DOUBLE; None means it sent without looking.
        """


@dataclass(frozen=True)
class DeliveryPolicy:
    """How patient delivery is; `wijkbot run` takes these from the environment (bot/settings.py)."""

    send_timeout: float = 30.0  # seconds one send may take (real time), then it counts as failed
    lease: timedelta = timedelta(minutes=5)  # a claimed message another process may retry after (a kill)
    max_age: timedelta = timedelta(days=2)  # failing this long (transient errors): parked
    report_after: timedelta = timedelta(days=1)  # waiting this long for an address: the admins are told
    concurrency: int = 32  # sends in flight at the same time
    destinations: int = 1000  # destinations a round works on at the same time (most wait their turn)
    per_destination: int = 200  # messages to one place in one round
    batch: int = 20  # messages of one destination read at a time
    patience: float = 10.0  # seconds a destination is waited for in a round (its pace, a Retry-After)


class Pacing:
    """When each destination may take its next message, in this process.

    `monotonic` is the process's clock for intervals (bot/ passes time.monotonic; below bot/ no
    code reads a clock). A destination whose platform answered 429 waits its Retry-After.
    """

    PRUNE_AT = 50_000  # destinations remembered before the ones whose turn has come are forgotten

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._clock = monotonic
        self._next: dict[tuple[str, str, str], float] = {}

    def delay(self, key: tuple[str, str, str]) -> float:
        """Seconds until `key` may take a message."""
        return max(0.0, self._next.get(key, 0.0) - self._clock())

    def sent(self, key: tuple[str, str, str], interval: float) -> None:
        """A message to `key` was answered now: the next one waits `interval` seconds."""
        self._hold(key, interval)

    def refused(self, key: tuple[str, str, str], retry_after: float) -> None:
        self._hold(key, retry_after)

    def _hold(self, key: tuple[str, str, str], seconds: float) -> None:
        now = self._clock()
        self._next[key] = max(self._next.get(key, 0.0), now + seconds)
        if len(self._next) > self.PRUNE_AT:
            self._next = {k: at for k, at in self._next.items() if at > now}


def _writer(engine: Engine) -> GroupCommit[Callable[[Session], Any], Any]:
    """Delivery's database work: every destination waits for its own write (so a kill sends at
    most the message in flight twice), but the writes that wait at one moment share a transaction:
    with 200 destinations sending, one commit carries the bookkeeping of many messages."""

    def apply(ops: list[Callable[[Session], Any]]) -> list[Any]:
        try:
            with transaction(engine) as session:
                return [op(session) for op in ops]
        except Exception:  # noqa: BLE001 - one bad write must not fail the others: each alone
            return [_alone(engine, op) for op in ops]

    return GroupCommit(apply, name="outbox")


def _alone(engine: Engine, op: Callable[[Session], Any]) -> Any:
    try:
        with transaction(engine) as session:
            return op(session)
    except Exception as exc:  # noqa: BLE001 - handed to the waiting destination
        return Failed(exc)


@dataclass
class _Round:
    notifiers: list[Notifier]
    policy: DeliveryPolicy
    now: datetime
    people: dict[str, Recipient] = field(default_factory=dict)
    sent: int = 0

    def notifier_for(self, msg: OutboxMessage) -> Notifier | None:
        recipient = self.people.get(msg.destination) if msg.kind == "dm" else None
        return next((n for n in self.notifiers if n.handles(msg, recipient)), None)


class Delivery:
    """Delivering the outbox in one process: rounds share the pace per destination and the writer.

    A round reads the first waiting message of every destination (one query) and the recipients
    with their addresses (two more), then delivers the destinations concurrently, each in order.
    A destination is held through its first message: it is claimed (a lease), and marking it sent
    claims the next one in the same transaction, so no other process (or round) sends to the place
    in between, and a process killed mid-round sends at most the message in flight twice.
    """

    def __init__(
        self,
        engine: Engine,
        notifiers: list[Notifier],
        *,
        clock: Callable[[], datetime],
        policy: DeliveryPolicy | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.engine = engine
        self.notifiers = notifiers  # the bot's list: transports started later are in it too
        self.clock = clock
        self.policy = policy or DeliveryPolicy()
        self.pacing = Pacing(monotonic) if monotonic is not None else None
        self.writer = _writer(engine)

    def close(self) -> None:
        self.writer.close()

    async def round(self) -> int:
        """Send what can go now, per destination in order; returns how many messages were sent."""
        now = self.clock()
        waiting, people = await self.writer.run(partial(_queues_and_recipients, per=1))
        rnd = _Round(self.notifiers, self.policy, now, people)
        due: list[tuple[list[OutboxMessage], Notifier]] = []
        no_address: list[OutboxMessage] = []
        for queue in waiting:
            head = queue[0]
            notifier = rnd.notifier_for(head)
            if notifier is None:
                no_address.append(head)
            elif head.next_attempt_at <= now:
                due.append((queue, notifier))
        if no_address:
            await self.writer.run(partial(_report_waiting, rnd=rnd, heads=no_address))
        if due and self.policy.batch > 1:  # the next messages of the places that can take them now
            wanted = [(q[0].kind, q[0].destination) for q, _ in due]
            ahead = await self.writer.run(partial(outbox.queues, per=self.policy.batch, places=wanted))
            by_place = {(q[0].kind, q[0].destination): q for q in ahead}
            due = [(by_place.get((q[0].kind, q[0].destination), q), notifier) for q, notifier in due]
        sending = asyncio.Semaphore(max(1, self.policy.concurrency))
        places = asyncio.Semaphore(max(1, self.policy.destinations))

        async def one(queue: list[OutboxMessage], notifier: Notifier) -> None:
            async with places:
                await self._destination(rnd, queue, notifier, sending)

        await asyncio.gather(*(one(queue, notifier) for queue, notifier in due))
        return rnd.sent

    async def _destination(
        self, rnd: _Round, waiting: list[OutboxMessage], notifier: Notifier, sending: asyncio.Semaphore
    ) -> None:
        """The messages to one place (`waiting`: its first ones, read by the round), in order, until
        one fails for now or none is due."""
        policy = self.policy
        head = waiting[0]
        kind, destination = head.kind, head.destination
        until = self.clock() + policy.lease
        claimed = await self.writer.run(partial(_claim_first, waiting=waiting, now=rnd.now, until=until))
        queue = deque(claimed)
        key = (notifier.name, kind, destination)
        recipient = rnd.people.get(destination) if kind == "dm" else None
        done = refused = 0
        while queue and done < policy.per_destination:
            msg = queue[0]
            assert msg.id is not None
            if self.pacing is not None and notifier.interval > 0:
                wait = self.pacing.delay(key)
                if wait > policy.patience:
                    at = self.clock() + timedelta(seconds=wait)
                    await self.writer.run(partial(outbox.release, msg_id=msg.id, at=at))
                    return
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                async with sending:
                    outcome = await asyncio.wait_for(notifier.send(msg, recipient), timeout=policy.send_timeout)
            except RateLimited as exc:
                refused += 1
                log.info("outbox %s (%s): wait %.1f s (rate limit)", msg.id, kind, exc.retry_after)
                if self.pacing is not None:
                    self.pacing.refused(key, exc.retry_after)
                if self.pacing is not None and exc.retry_after <= policy.patience and refused <= 3:
                    continue  # its turn comes in this round
                at = self.clock() + timedelta(seconds=exc.retry_after)
                await self.writer.run(partial(outbox.release, msg_id=msg.id, at=at))
                return
            except PermanentError as exc:
                log.warning("outbox %s (%s) refused for good: %s", msg.id, kind, exc.reason)
                queue.popleft()
                op = _then_next(_parker(rnd, msg.id, reason=exc.reason, error=safe_error(exc)), msg, queue, self, rnd)
                if not await self.writer.run(op):
                    return
                continue  # the destination's later messages may go
            except Exception as exc:  # noqa: BLE001 - anything else (timeouts too) means: retry later
                # no answer in time: it may have arrived (the next attempt looks first)
                timed_out = isinstance(exc, TimeoutError)
                error = TIMEOUT_ERROR if timed_out else safe_error(exc)
                log.warning("outbox %s (%s) failed: %s", msg.id, kind, type(exc).__name__)
                if rnd.now - msg.created_at >= policy.max_age:
                    queue.popleft()
                    park = _parker(rnd, msg.id, reason=TOO_OLD, error=error, timed_out=timed_out)
                    if not await self.writer.run(_then_next(park, msg, queue, self, rnd)):
                        return
                    continue
                now = self.clock()
                await self.writer.run(partial(_failed, msg_id=msg.id, now=now, error=error, timed_out=timed_out))
                return  # the rest of this destination waits for the next attempt
            refused = 0
            if self.pacing is not None and notifier.interval > 0:
                self.pacing.sent(key, notifier.interval)
            after = _after_timeout(msg, notifier, outcome)
            queue.popleft()
            now = self.clock()
            mark = _marker(msg.id, now=now, transport=notifier.name, after=after)
            more = done + 1 < policy.per_destination
            if not await self.writer.run(_then_next(mark, msg, queue, self, rnd, more=more)):
                queue.clear()
            rnd.sent += 1
            done += 1
            await asyncio.sleep(0)  # destinations take turns, also when a transport never waits (the console)


def _queues_and_recipients(session: Session, *, per: int) -> tuple[list[list[OutboxMessage]], dict[str, Recipient]]:
    waiting = outbox.queues(session, per=per)
    return waiting, _recipients(session, {q[0].destination for q in waiting if q[0].kind == "dm"})


def _recipients(session: Session, keys: set[str]) -> dict[str, Recipient]:
    """The people these keys name, with their addresses on every transport (three queries at most)."""
    if not keys:
        return {}
    people: list[Person] = []
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        people += session.exec(select(Person).where(col(Person.key).in_(ordered[start : start + 500]))).all()
    addresses = identity.addresses_of_people(session, [p.id for p in people if p.id is not None])
    return {
        p.key: Recipient(p.key, p.name, p.kind, addresses.get(p.id, {}) if p.id is not None else {}) for p in people
    }


def _claim_first(
    session: Session, *, waiting: list[OutboxMessage], now: datetime, until: datetime
) -> list[OutboxMessage]:
    """Claim a destination's first message (compare-and-set: one process wins); it and the next
    ones that are due (the ones after a message that is not due wait for it, to keep the order)."""
    if not outbox.claim_first(session, waiting[0], now=now, until=until):
        return []  # sent, or taken by another process (or round), or an earlier one waits again
    due = list(itertools.takewhile(lambda m: m.next_attempt_at <= now, waiting[1:]))
    return [waiting[0], *due]


def _then_next(
    write: Callable[[Session], None],
    done: OutboxMessage,
    queue: deque[OutboxMessage],
    delivery: Delivery,
    rnd: _Round,
    *,
    more: bool = True,
) -> Callable[[Session], bool]:
    """A write about a message (`done`), and in the same transaction the claim of the destination's
    next one: read ahead in `queue`, or read now when the queue is empty, so that a message queued
    while this round held the destination is not left behind (the round that its own job started
    found the destination held); False: nothing more to send here."""
    lease = delivery.policy.lease
    batch = delivery.policy.batch
    assert done.id is not None
    after = done.id

    def op(session: Session) -> bool:
        write(session)
        if not more:
            return False
        now = max(delivery.clock(), rnd.now)
        if not queue:
            queue.extend(outbox.next_of(session, done.kind, done.destination, after=after, now=now, limit=batch))
            if not queue:
                return False
        nxt = queue[0]
        assert nxt.id is not None
        return outbox.claim(session, nxt.id, now=now, until=now + lease)  # False: sent, parked or claimed elsewhere

    return op


def _marker(msg_id: int, *, now: datetime, transport: str, after: str | None) -> Callable[[Session], None]:
    def op(session: Session) -> None:
        outbox.sent(session, msg_id, now=now, transport=transport, after_timeout=after)

    return op


def _parker(rnd: _Round, msg_id: int, *, reason: str, error: str, timed_out: bool = False) -> Callable[[Session], None]:
    def op(session: Session) -> None:
        _park(session, rnd, msg_id, reason=reason, error=error, timed_out=timed_out)

    return op


def _failed(session: Session, *, msg_id: int, now: datetime, error: str, timed_out: bool) -> None:
    row = session.get(OutboxMessage, msg_id)
    if row is not None:
        if timed_out:
            outbox.note_timeout(row, started=now)
        outbox.mark_failed(session, row, now=now, error=error)


async def deliver_outbox(
    engine: Engine, notifiers: list[Notifier], *, now: datetime, policy: DeliveryPolicy | None = None
) -> int:
    """One round at the moment `now` (no pace kept between calls): for tests and one-off runs."""
    delivery = Delivery(engine, notifiers, clock=lambda: now, policy=policy)
    try:
        return await delivery.round()
    finally:
        delivery.close()


def _after_timeout(msg: OutboxMessage, notifier: Notifier, outcome: str | None) -> str | None:
    """How a message whose earlier send timed out went out now (None: no send of it timed out)."""
    if msg.timed_out_at is None:
        return None
    after = outcome if outcome in (outbox.FOUND, outbox.RESENT, outbox.DOUBLE) else outbox.UNCHECKED
    if after in outbox.POSSIBLE_DOUBLES:
        log.warning(
            "outbox %s (%s) sent again after a timeout via %s (%s): it may have arrived twice",
            msg.id,
            msg.kind,
            notifier.name,
            after,
        )
    else:
        log.info("outbox %s (%s) after a timeout: %s", msg.id, msg.kind, after)
    return after


def _park(session: Session, rnd: _Round, msg_id: int, *, reason: str, error: str, timed_out: bool = False) -> None:
    """Park one message and, once per destination a day, tell who can fix it."""
    msg = session.get(OutboxMessage, msg_id)
    if msg is None:
        return
    if timed_out:
        outbox.note_timeout(msg, started=rnd.now)  # a requeued one still looks before it is sent again
    outbox.park(session, msg, now=rnd.now, reason=reason, error=error)
    if (msg.dedupe_key or "").startswith(NOTICE):
        return  # a notice about delivery that cannot be delivered: only the operator's list shows it
    msg.reported_at = rnd.now
    where = f"#{msg.destination}" if msg.kind == "channel" else _who(session, msg.destination)
    text = (
        f"Een bericht van wijkbot voor {where} kon niet worden bezorgd: {describe(reason)}. "
        "Latere berichten gaan gewoon door. "
    )
    chair = _chair_of(session, msg.destination) if msg.kind == "channel" else None
    if chair is not None:
        text += (
            "Nodig de bot uit in het kanaal of vraag de beheerder de configuratie aan te passen; "
            "de beheerder kan het bericht daarna opnieuw versturen."
        )
        to = [chair]
    else:
        text += "Bekijk het met `wijkbot outbox lijst` en verstuur het opnieuw met `wijkbot outbox opnieuw <nummer>`."
        to = _admins(session)
    _notify(session, to, text, now=rnd.now, key=f"geparkeerd:{msg.kind}:{msg.destination}")


def _report_waiting(session: Session, *, rnd: _Round, heads: list[OutboxMessage]) -> None:
    """Direct messages that wait longer than a day for an address: the admins are told, once each."""
    cutoff = rnd.now - rnd.policy.report_after
    places = sorted({h.destination for h in heads if h.kind == "dm" and h.created_at <= cutoff})
    if not places:
        return
    aged = session.exec(  # one query a round, usually answering nothing
        select(OutboxMessage).where(
            col(OutboxMessage.sent_at).is_(None),
            col(OutboxMessage.parked_at).is_(None),
            col(OutboxMessage.reported_at).is_(None),
            OutboxMessage.kind == "dm",
            col(OutboxMessage.destination).in_(places),
            col(OutboxMessage.created_at) <= cutoff,
        )
    ).all()
    per_person: dict[str, int] = {}
    for m in aged:
        m.reported_at = rnd.now
        session.add(m)
        if not (m.dedupe_key or "").startswith(NOTICE):
            per_person[m.destination] = per_person.get(m.destination, 0) + 1
    if per_person:
        log.warning("outbox: direct messages to %d people wait longer than a day for an address", len(per_person))
    if not per_person:
        return
    # one notice a round, however many people (a deployment without addresses has thousands)
    shown = sorted(per_person, key=lambda k: (-per_person[k], k))[:NAMED_IN_NOTICE]
    names = _names_of(session, shown)
    first = min(m.id or 0 for m in aged)
    if len(per_person) == 1:
        [(key, n)] = per_person.items()
        text = (
            f"{n} {'bericht' if n == 1 else 'berichten'} van wijkbot voor {names[key]} "
            f"{'wacht' if n == 1 else 'wachten'} langer dan een dag: wijkbot kent geen Slack- of Telegram-account "
            "van deze persoon. Zet `slack_id` in de configuratie of vraag de persoon de bot één keer te gebruiken; "
            "`wijkbot outbox lijst` toont de berichten."
        )
    else:
        listed = "; ".join(f"{names[k]}: {per_person[k]}" for k in shown)
        rest = len(per_person) - len(shown)
        more = f"; en nog {rest} {'persoon' if rest == 1 else 'personen'}" if rest else ""
        text = (
            f"Berichten van wijkbot voor {len(per_person)} personen wachten langer dan een dag: wijkbot kent geen "
            f"Slack- of Telegram-account van hen ({listed}{more}). Zet `slack_id` in de configuratie of vraag hen "
            "de bot één keer te gebruiken; `wijkbot outbox lijst` toont de berichten."
        )
    _notify(session, _admins(session), text, now=rnd.now, key=f"wacht:dm:{first}")


NAMED_IN_NOTICE = 20  # people named in the notice about waiting direct messages; the rest counted


def _names_of(session: Session, keys: list[str]) -> dict[str, str]:
    """Name (@key) for each key, in one query; a key nobody has: @key."""
    found = {p.key: p.name for p in session.exec(select(Person).where(col(Person.key).in_(keys))).all()}
    return {k: f"{found[k]} (@{k})" if k in found else f"@{k}" for k in keys}


def _notify(session: Session, to: list[str], text: str, *, now: datetime, key: str) -> None:
    if not to:
        log.warning("outbox: nobody to tell (no chair, no admins configured)")
    day = now.date().isoformat()
    for person in to:
        outbox.dm(session, person, text, now=now, dedupe_key=f"{NOTICE}{key}:{day}:{person}"[:200])


def _who(session: Session, key: str) -> str:
    person = session.exec(select(Person).where(Person.key == key)).first()
    return f"{person.name} (@{key})" if person is not None else f"@{key}"


def _chair_of(session: Session, channel: str) -> str | None:
    group = session.exec(select(Group).where(Group.channel == channel)).first()
    if group is None or group.chair_id is None:
        return None
    chair = session.get(Person, group.chair_id)
    return chair.key if chair is not None and chair.active else None


def _admins(session: Session) -> list[str]:
    return sorted(p.key for p in session.exec(select(Person).where(col(Person.is_admin), col(Person.active))).all())


def outbox_health(engine: Engine, notifiers: list[Notifier], *, now: datetime) -> dict[str, object]:
    """What /healthz reports of the outbox: waiting (with and without an address), parked, oldest ages."""
    with transaction(engine) as session:
        counts = outbox.counts(session)
        waiting, people = _queues_and_recipients(session, per=1)
        firsts = [q[0] for q in waiting]
    rnd = _Round(notifiers, DeliveryPolicy(), now, people)
    deliverable = [m.created_at for m in firsts if rnd.notifier_for(m) is not None]
    waiting_age = (now - counts.oldest_waiting).total_seconds() if counts.oldest_waiting else 0.0
    due_age = (now - min(deliverable)).total_seconds() if deliverable else 0.0
    return {
        "waiting": counts.waiting,
        "parked": counts.parked,
        "oldest_age_seconds": max(0, int(waiting_age)),
        "oldest_deliverable_age_seconds": max(0, int(due_age)),
        "destinations_without_address": len(firsts) - len(deliverable),
        # sent again after a timeout without knowing the first had not arrived (or found twice)
        "possible_doubles": counts.possible_doubles,
        "found_after_timeout": counts.found_after_timeout,  # timed out but had arrived: not sent again
    }
