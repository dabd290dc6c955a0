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
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage import outbox
from storage.db import transaction
from storage.models import Group, OutboxMessage, Person, PersonKind

log = logging.getLogger(__name__)

# What a Notifier is handed, by the names adapters use (bot/ imports no storage models).
Outgoing = OutboxMessage
Recipient = Person
# How a send after a timeout went (outbox.FOUND ...), for the transports that can look.
FOUND, RESENT, DOUBLE = outbox.FOUND, outbox.RESENT, outbox.DOUBLE


def is_ambassadeur(person: Person) -> bool:
    """A wijkambassadeur: a resident who reports through Telegram, never through the team's chat."""
    return person.kind == PersonKind.ambassadeur


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


class Notifier(Protocol):
    """A transport that can deliver outbox messages (Slack, Telegram, the console, a test)."""

    name: str

    def handles(self, msg: OutboxMessage, recipient: Person | None) -> bool: ...

    async def send(self, msg: OutboxMessage, recipient: Person | None) -> str | None:
        """Deliver or raise: PermanentError parks the message, any other error means: try again later.

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
    concurrency: int = 16  # destinations delivered at the same time
    per_destination: int = 200  # messages to one place in one round


@dataclass
class _Round:
    engine: Engine
    notifiers: list[Notifier]
    now: datetime
    policy: DeliveryPolicy
    sent: int = 0
    people: dict[str, Person] = field(default_factory=dict)


async def deliver_outbox(
    engine: Engine, notifiers: list[Notifier], *, now: datetime, policy: DeliveryPolicy | None = None
) -> int:
    """Send what can go now, per destination in order; returns how many messages were sent.

    Each message goes in short transactions of its own (claim, send, mark sent), so a process
    killed mid-round sends at most the message in flight twice (after its lease expired).
    """
    rnd = _Round(engine, notifiers, now, policy or DeliveryPolicy())
    with transaction(engine) as session:
        firsts = outbox.heads(session)
        rnd.people = _people(session, {m.destination for m in firsts if m.kind == "dm"})
    due: list[tuple[OutboxMessage, Notifier]] = []
    no_address: list[OutboxMessage] = []
    for head in firsts:
        notifier = _notifier_for(rnd, head)
        if notifier is None:
            no_address.append(head)
        elif head.next_attempt_at <= now:
            due.append((head, notifier))
    if no_address:
        _report_waiting(rnd, no_address)
    limit = asyncio.Semaphore(max(1, rnd.policy.concurrency))

    async def one(head: OutboxMessage) -> None:
        async with limit:
            await _deliver_destination(rnd, head.kind, head.destination)

    await asyncio.gather(*(one(head) for head, _ in due))
    return rnd.sent


def _people(session: Session, keys: set[str]) -> dict[str, Person]:
    if not keys:
        return {}
    return {p.key: p for p in session.exec(select(Person).where(col(Person.key).in_(sorted(keys)))).all()}


def _notifier_for(rnd: _Round, msg: OutboxMessage) -> Notifier | None:
    recipient = rnd.people.get(msg.destination) if msg.kind == "dm" else None
    return next((n for n in rnd.notifiers if n.handles(msg, recipient)), None)


async def _deliver_destination(rnd: _Round, kind: str, destination: str) -> None:
    """The messages to one place, in order, until one fails for now or none is due."""
    for _ in range(rnd.policy.per_destination):
        with transaction(rnd.engine) as session:
            msg = outbox.head_of(session, kind, destination)
            if msg is None or msg.id is None or msg.next_attempt_at > rnd.now:
                return
            notifier = _notifier_for(rnd, msg)
            if notifier is None:
                return  # this one waits for a transport: so do the later ones
            if not outbox.claim(session, msg.id, now=rnd.now, until=rnd.now + rnd.policy.lease):
                return  # another process (or round) has it
        recipient = rnd.people.get(msg.destination) if msg.kind == "dm" else None
        try:
            outcome = await asyncio.wait_for(notifier.send(msg, recipient), timeout=rnd.policy.send_timeout)
        except PermanentError as exc:
            log.warning("outbox %s (%s) refused for good: %s", msg.id, msg.kind, exc.reason)
            _park(rnd, msg.id, reason=exc.reason, error=safe_error(exc))
            continue  # the destination's later messages may go
        except Exception as exc:  # noqa: BLE001 - anything else (timeouts too) means: retry later
            # no answer in time: it may have arrived (the next attempt looks first)
            timed_out = isinstance(exc, TimeoutError)
            error = TIMEOUT_ERROR if timed_out else safe_error(exc)
            log.warning("outbox %s (%s) failed: %s", msg.id, msg.kind, type(exc).__name__)
            if rnd.now - msg.created_at >= rnd.policy.max_age:
                _park(rnd, msg.id, reason=TOO_OLD, error=error, timed_out=timed_out)
                continue
            with transaction(rnd.engine) as session:
                row = session.get(OutboxMessage, msg.id)
                if row is not None:
                    if timed_out:
                        outbox.note_timeout(row, started=rnd.now)
                    outbox.mark_failed(session, row, now=rnd.now, error=error)
            return  # the rest of this destination waits for the next attempt
        after = _after_timeout(msg, notifier, outcome)
        with transaction(rnd.engine) as session:
            row = session.get(OutboxMessage, msg.id)
            if row is not None:
                outbox.mark_sent(session, row, now=rnd.now, transport=notifier.name, after_timeout=after)
        rnd.sent += 1
        await asyncio.sleep(0)  # destinations take turns, also when a transport never waits (the console)


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


def _park(rnd: _Round, msg_id: int, *, reason: str, error: str, timed_out: bool = False) -> None:
    """Park one message and, once per destination a day, tell who can fix it."""
    with transaction(rnd.engine) as session:
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
            text += (
                "Bekijk het met `wijkbot outbox lijst` en verstuur het opnieuw met `wijkbot outbox opnieuw <nummer>`."
            )
            to = _admins(session)
        _notify(session, to, text, now=rnd.now, key=f"geparkeerd:{msg.kind}:{msg.destination}")


def _report_waiting(rnd: _Round, heads: list[OutboxMessage]) -> None:
    """Direct messages that wait longer than a day for an address: the admins are told, once each."""
    cutoff = rnd.now - rnd.policy.report_after
    places = sorted({h.destination for h in heads if h.kind == "dm" and h.created_at <= cutoff})
    if not places:
        return
    with transaction(rnd.engine) as session:
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
        admins = _admins(session)
        for key, n in sorted(per_person.items()):
            text = (
                f"{n} {'bericht' if n == 1 else 'berichten'} van wijkbot voor {_who(session, key)} "
                f"{'wacht' if n == 1 else 'wachten'} langer dan een dag: wijkbot kent geen Slack- of Telegram-account "
                "van deze persoon. Zet `slack_id` in de configuratie of vraag de persoon de bot één keer te gebruiken; "
                "`wijkbot outbox lijst` toont de berichten."
            )
            _notify(session, admins, text, now=rnd.now, key=f"wacht:dm:{key}")


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
        firsts = outbox.heads(session)
        people = _people(session, {m.destination for m in firsts if m.kind == "dm"})
    rnd = _Round(engine, notifiers, now, DeliveryPolicy(), people=people)
    deliverable = [m.created_at for m in firsts if _notifier_for(rnd, m) is not None]
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
