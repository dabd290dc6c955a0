"""Erasing a person (AVG art. 17): everywhere they are, by one set of rules for every way in.

`erase_person` is the only way a person is erased: `wijkbot privacy erase`, the wijkambassadeur's
`/stop` and the chair's `/ambassadeur verwijder` all call it. In one transaction it

1. removes what is theirs alone: their addresses on every chat service (`identity`), memberships
   and chairs, being trekker of a jaarplan activity, absence reasons, conversations in progress
   (drafts), messages still waiting for them, jobs in the APScheduler job store that name them;
   messages already sent to them are emptied;
2. searches every text column of every table of the live database (inspected, so tables added
   later are covered without a change here) for who they are: full name, first name, @key,
   their address on every chat service (Slack id, Telegram id, ...), and replaces each by
   "[verwijderd]" (in identifying columns, such as a dedupe key, by their new key
   `verwijderd-<id>`, which stays unique); in a text that names them their absence reasons go
   too (the chair's direct message "… meldt zich af. Reden: …");
3. empties their own row: name "[verwijderd]", key `verwijderd-<id>`, every optional column
   (organisation, role, …) emptied, and writes one audit row.

What stays are the rows that point at the person (audit trail, signalen, actiepunten,
attendance): counts and figures stay right, and history says that *something* was done by
"[verwijderd]".
"""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage import drafts
from storage.items import log_change
from storage.models import (
    Actiepunt,
    Attendance,
    Group,
    JaarplanItem,
    Membership,
    OutboxMessage,
    Person,
    PersonAddress,
)

ERASED = "[verwijderd]"
JOB_STORE_TABLE = "apscheduler_jobs"  # schedules.live keeps APScheduler's jobs here
# never rewritten: Alembic's bookkeeping, a hash, the person table (their own row is emptied
# below; other people's rows are theirs), the addresses (theirs are deleted, the others' and the
# groups' are someone else's), and the job store (a pickle, handled on its own)
SKIP_TABLES = {"alembic_version", "person", "identity", "groupaddress", JOB_STORE_TABLE}
SKIP_COLUMNS = {("invitation", "code_hash")}
# words the bot writes itself (dates): a key equal to one is matched only as @key
_OWN_WORDS = {
    *["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    *["ma", "di", "wo", "do", "vr", "za", "zo"],
}
_MIN_CHAT_ID_DIGITS = 5  # shorter numbers in a text are too likely something else
# the transport whose conversation state is kept in `telegramstate`, keyed by the user's id there
TELEGRAM = "telegram"


def _word(text: str) -> str:
    """`text` as a regex that matches it only as a whole word (flexible in its spaces)."""
    return r"(?<!\w)" + r"\s+".join(re.escape(part) for part in text.split()) + r"(?!\w)"


@dataclass
class Identity:
    """Who a person is in stored text, and the regexes that find it."""

    name: str
    key: str
    addresses: dict[str, str]  # transport -> their address there (a Slack id, a Telegram id, ...)
    other_names: list[str] = field(default_factory=list)  # other people who share the first name
    reasons: list[str] = field(default_factory=list)  # their absence reasons

    def __post_init__(self) -> None:
        parts = self.name.split()
        first = parts[0] if len(parts) >= 2 else None
        patterns: list[re.Pattern[str]] = []
        if self.name.strip():
            patterns.append(re.compile(_word(self.name), re.IGNORECASE))
        bare_key = len(self.key) >= 3 and self.key.lower() not in _OWN_WORDS
        patterns.append(
            re.compile(
                (r"(?<![\w.\-])@?" if bare_key else r"(?<![\w.\-])@") + re.escape(self.key) + r"(?![\w\-])",
                re.IGNORECASE,
            )
        )
        if first and len(first) >= 2:
            # as written and in capitals only: "jan" is also a month, "roos" also a flower
            patterns.append(re.compile(_word(first)))
            patterns.append(re.compile(_word(first.upper())))
        self.numbers: set[int] = set()  # addresses that are numbers (a Telegram id): also in JSON as one
        for address in sorted(set(self.addresses.values())):
            if re.fullmatch(r"-?\d+", address):
                self.numbers.add(int(address))
                if len(address.lstrip("-")) >= _MIN_CHAT_ID_DIGITS:
                    patterns.append(re.compile(rf"(?<!\d){re.escape(address)}(?!\d)"))
            elif address.strip():
                patterns.append(re.compile(_word(address)))
        self.patterns = patterns
        self.first_name = first
        self.protected = [re.compile(_word(n), re.IGNORECASE) for n in self.other_names if n.strip()]
        self.reason_patterns = [re.compile(_word(r)) for r in self.reasons if len(r.strip()) >= 2]

    def needles(self) -> list[str]:
        """Lower-case strings of which one is in every text that mentions the person (SQL prefilter)."""
        out = {self.name, self.key}
        if self.first_name:
            out.add(self.first_name)
        out |= set(self.addresses.values())
        out |= {json.dumps(n)[1:-1] for n in list(out)}  # as in JSON written with ensure_ascii
        return sorted(n.lower() for n in out if n.strip())

    def mentioned_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def scrub_text(self, text: str, label: str) -> str:
        """`text` with every mention of the person (and, if it names them, their reasons) replaced."""
        if not self.mentioned_in(text):
            return text
        kept: list[str] = []

        def keep(m: re.Match[str]) -> str:
            kept.append(m.group(0))
            return f"\x00{len(kept) - 1}\x00"

        for p in self.protected:  # "Piet de Boer" stays when Piet Verhoeven is erased
            text = p.sub(keep, text)
        for p in self.reason_patterns:
            text = p.sub(ERASED, text)
        for p in self.patterns:
            text = p.sub(label, text)
        return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)

    def scrub(self, value: str, label: str) -> str:
        """A stored value with the person removed; JSON stays JSON (a chat id in it becomes null)."""
        if value.lstrip()[:1] in ("{", "["):
            try:
                data = json.loads(value)
            except ValueError:
                pass
            else:
                cleaned = self._walk(data, label)
                return value if cleaned == data else json.dumps(cleaned, ensure_ascii=False)
        return self.scrub_text(value, label)

    def _walk(self, data: Any, label: str) -> Any:
        if isinstance(data, dict):
            return {self.scrub_text(str(k), label): self._walk(v, label) for k, v in data.items()}
        if isinstance(data, list):
            return [self._walk(v, label) for v in data]
        if isinstance(data, str):
            return self.scrub_text(data, label)
        if isinstance(data, int) and not isinstance(data, bool) and data in self.numbers:
            return None
        return data


def identity_of(session: Session, person: Person) -> Identity:
    """The person's identity as it may appear in stored texts."""
    first = person.name.split()[0] if len(person.name.split()) >= 2 else None
    others: list[str] = []
    if first:
        rows = session.exec(select(Person.name).where(Person.id != person.id)).all()
        others = [n for n in rows if re.search(_word(first), n) and n != person.name]
    reasons = session.exec(
        select(Attendance.reason).where(Attendance.person_id == person.id, col(Attendance.reason).is_not(None))
    ).all()
    return Identity(
        name=person.name,
        key=person.key,
        addresses=_addresses(session, person),
        other_names=sorted(others, key=len, reverse=True),
        reasons=sorted({r for r in reasons if r}, key=len, reverse=True),
    )


def _addresses(session: Session, person: Person) -> dict[str, str]:
    """Their address per transport, inactive or not (storage.identity.addresses: active people only)."""
    rows = session.exec(select(PersonAddress).where(PersonAddress.person_id == person.id)).all()
    return {r.transport: r.external_id for r in rows}


def erase_person(session: Session, person: Person, *, now: datetime, actor_id: int | None = None) -> dict[str, int]:
    """Erase a person everywhere (AVG art. 17); returns what was done, as counts (see the module)."""
    assert person.id is not None
    person_id = person.id
    # hold their row until the end: a conversation step that wants to write their draft checks
    # that they are active with the same lock (storage.drafts.save), so it writes either before
    # this erase (and is erased with it) or after (and finds them gone)
    session.exec(select(Person).where(Person.id == person_id).with_for_update()).one()
    who = identity_of(session, person)
    new_key = f"verwijderd-{person_id}"
    done: dict[str, int] = {}

    to_them = session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == "dm", OutboxMessage.destination == who.key)
    ).all()
    pending = [m for m in to_them if m.sent_at is None]
    for msg in pending:
        session.delete(msg)
    for msg in to_them:
        if msg.sent_at is not None:
            msg.text, msg.payload, msg.destination = ERASED, "{}", new_key
            session.add(msg)
    done["berichten_in_wachtrij_verwijderd"] = len(pending)
    done["verzonden_berichten_geleegd"] = len(to_them) - len(pending)

    memberships = session.exec(select(Membership).where(Membership.person_id == person_id)).all()
    for m in memberships:
        session.delete(m)
    done["lidmaatschappen_verwijderd"] = len(memberships)
    chaired = session.exec(select(Group).where(Group.chair_id == person_id)).all()
    for g in chaired:
        g.chair_id = None
        session.add(g)
    done["voorzitterschappen_beëindigd"] = len(chaired)
    trekker_of = session.exec(select(JaarplanItem).where(JaarplanItem.trekker_id == person_id)).all()
    for item in trekker_of:  # a jaarplan activity without a trekker: the team names a new one
        item.trekker_id = None
        session.add(item)
    done["jaarplan_trekker_verwijderd"] = len(trekker_of)

    reasons = session.exec(
        select(Attendance).where(Attendance.person_id == person_id, col(Attendance.reason).is_not(None))
    ).all()
    for a in reasons:
        a.reason = None
        session.add(a)
    done["afmeldredenen_gewist"] = len(reasons)

    done["concepten_verwijderd"] = drafts.drop_person(session, person_id)
    # their addresses in the identity table (the transports without a column on Person)
    bound = session.exec(select(PersonAddress).where(PersonAddress.person_id == person_id)).all()
    for address in bound:
        session.delete(address)
    done["chatadressen_verwijderd"] = len(bound)
    session.flush()
    done["geplande_taken_verwijderd"] = _drop_jobs(session, who)
    done["teksten_aangepast"] = _scrub_database(session, who, new_key)
    session.expire_all()  # the rows above were changed in SQL; read them again

    person = session.get(Person, person_id) or person
    done["open_actiepunten_nog_op_naam"] = _open_actiepunten(session, person_id)
    for column in Person.__table__.columns:  # type: ignore[attr-defined]
        if column.nullable and not column.primary_key and column.name != "erased_at":
            setattr(person, column.name, None)  # organisation, role, and what comes later
    person.name = ERASED
    person.key = new_key
    person.is_admin = False
    person.active = False
    person.erased_at = now
    session.add(person)
    session.flush()
    log_change(
        session,
        item_type="persoon",
        item_id=person_id,
        action="gewist (AVG)",
        actor_id=actor_id,
        now=now,
        detail="naam, organisatie, rol, chat-id's, lidmaatschappen, afmeldredenen, berichten, "
        "gesprekken in uitvoering en vermeldingen in teksten verwijderd",
    )
    return done


def _open_actiepunten(session: Session, person_id: int) -> int:
    return len(
        session.exec(select(Actiepunt.id).where(Actiepunt.owner_id == person_id, Actiepunt.status == "open")).all()
    )


def _drop_jobs(session: Session, who: Identity) -> int:
    """Delete jobs in APScheduler's job store whose id, name or arguments name the person."""
    conn = session.connection()
    if JOB_STORE_TABLE not in sa.inspect(conn).get_table_names():
        return 0
    jobs = sa.Table(JOB_STORE_TABLE, sa.MetaData(), autoload_with=conn)
    dropped = 0
    for job_id, state in conn.execute(sa.select(jobs.c.id, jobs.c.job_state)).all():
        try:
            data = pickle.loads(state)
            text = repr([data.get("id"), data.get("name"), data.get("args"), data.get("kwargs")])
        except Exception:  # noqa: BLE001 - unreadable: search the raw bytes
            text = bytes(state).decode("utf-8", "replace")
        if who.mentioned_in(str(job_id)) or who.mentioned_in(text):
            conn.execute(jobs.delete().where(jobs.c.id == job_id))
            dropped += 1
    return dropped


def _identifying_columns(inspector: Any, table: sa.Table) -> set[str]:
    names = {c.name for c in table.primary_key.columns}
    for uc in inspector.get_unique_constraints(table.name):
        names |= set(uc["column_names"])
    for ix in inspector.get_indexes(table.name):
        if ix.get("unique"):
            names |= {n for n in ix["column_names"] if n}
    return names


def _scrub_database(session: Session, who: Identity, new_key: str) -> int:
    """Replace the person in every text column of every table; returns how many values changed."""
    conn = session.connection()
    inspector = sa.inspect(conn)
    metadata = sa.MetaData()
    needles = who.needles()
    changed = 0
    for name in sorted(inspector.get_table_names()):
        if name in SKIP_TABLES:
            continue
        table = sa.Table(name, metadata, autoload_with=conn)
        identifying = _identifying_columns(inspector, table)
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.JSON) or (name, column.name) in SKIP_COLUMNS:
                continue
            as_text: Any = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
            found = sa.or_(*(sa.func.lower(as_text).contains(n, autoescape=True) for n in needles))
            label = new_key if column.name in identifying else ERASED
            for old in conn.execute(sa.select(as_text).where(found).distinct()).scalars().all():
                if old is None:
                    continue
                new = who.scrub(old, label)
                if new == old:
                    continue
                value: Any = json.loads(new) if isinstance(column.type, sa.JSON) else new
                result = conn.execute(table.update().where(as_text == old).values({column.name: value}))
                changed += result.rowcount or 0
    return changed
