"""The rights of the person (AVG art. 15 and 17): everything stored about someone, and erasing it.

`export_person` finds rows by every foreign key to `person.id` in the schema (so tables added
later are included without changes here), plus the messages addressed to the person and the
free texts that mention them. `erase_person` anonymises the person in place: the row stays, so
history keeps pointing at it (audit rows, actiepunten, attendance), but name, chat ids,
memberships, absence reasons and messages to them are gone.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from storage.items import log_change
from storage.models import (
    Actiepunt,
    Attendance,
    Group,
    Membership,
    OutboxMessage,
    Person,
    Signaal,
    TelegramState,
    Wijziging,
)

ERASED_NAME = "Verwijderde persoon"
ANONYMISED = "[geanonimiseerd]"

# friendlier names for the sections of an export: (table, column) → section
SECTIONS = {
    ("membership", "person_id"): "lidmaatschappen",
    ("wijkgroup", "chair_id"): "voorzitter_van",
    ("signaal", "reported_by_id"): "signalen_gemeld",
    ("actiepunt", "owner_id"): "actiepunten_eigenaar",
    ("actiepunt", "created_by_id"): "actiepunten_aangemaakt",
    ("attendance", "person_id"): "aanwezigheid",
    ("attendance", "substitute_id"): "aanwezigheid_als_vervanger",
    ("wijziging", "actor_id"): "wijzigingen_door_persoon",
    ("bijeenkomst", "created_by_id"): "bijeenkomsten_aangemaakt",
    ("invitation", "created_by_id"): "uitnodigingen_gemaakt",
    ("invitation", "used_by_id"): "uitnodiging_gebruikt",
    ("voortgangsrapportage", "completed_by_id"): "rapportages_afgerond",
}


def find_person(session: Session, who: str) -> Person | None:
    """A person by key, Slack id or Telegram id."""
    who = who.strip().lstrip("@")
    person = session.exec(select(Person).where(Person.key == who.lower())).first()
    if person is None:
        person = session.exec(select(Person).where(Person.slack_id == who)).first()
    if person is None and who.isdigit():
        person = session.exec(select(Person).where(Person.telegram_id == int(who))).first()
    return person


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(session: Session, stmt: Any) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in session.connection().execute(stmt)]


def _person_references() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every (table, column) with a foreign key to person.id, in a stable order."""
    import storage.models  # noqa: F401  (every table registered)

    refs = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "person" for fk in column.foreign_keys):
                refs.append((table, column))
    return sorted(refs, key=lambda tc: (tc[0].name, tc[1].name))


def _mentions(person: Person) -> list[str]:
    needles = [f"@{person.key}"]
    if len(person.name.split()) >= 2 and person.name != ERASED_NAME:
        needles.append(person.name)
    return needles


def export_person(session: Session, person: Person) -> dict[str, Any]:
    """Everything stored about a person, as plain JSON-able data (AVG art. 15)."""
    assert person.id is not None
    out: dict[str, Any] = {
        "persoon": _rows(session, sa.select(Person.__table__).where(Person.__table__.c.id == person.id))[0]  # type: ignore[attr-defined]
    }
    for table, column in _person_references():
        section = SECTIONS.get((table.name, column.name), f"{table.name}.{column.name}")
        out[section] = _rows(session, sa.select(table).where(column == person.id))
    groups = {g.id: g for g in session.exec(select(Group)).all()}
    for m in out.get("lidmaatschappen", []):
        g = groups.get(m["group_id"])
        if g is not None:
            m["groep"] = g.key
            m["groep_naam"] = g.name
    out["berichten_aan_persoon"] = _rows(
        session,
        sa.select(OutboxMessage.__table__).where(  # type: ignore[attr-defined]
            OutboxMessage.__table__.c.kind == "dm",  # type: ignore[attr-defined]
            OutboxMessage.__table__.c.destination == person.key,  # type: ignore[attr-defined]
        ),
    )
    if person.telegram_id is not None:
        out["telegram_gesprekstoestand"] = [
            {"scope": s.scope, "key": s.key, "value": s.value} for s in _telegram_state(session, person.telegram_id)
        ]
    mentions: list[dict[str, Any]] = []
    for needle in _mentions(person):
        for sig in session.exec(select(Signaal).where(col(Signaal.text).contains(needle))).all():
            mentions.append({"signaal": sig.id, "tekst": sig.text})
        for act in session.exec(select(Actiepunt).where(col(Actiepunt.text).contains(needle))).all():
            mentions.append({"actiepunt": act.id, "tekst": act.text})
    out["vermeldingen_in_teksten"] = mentions
    return out


def export_json(session: Session, person: Person) -> str:
    return json.dumps(export_person(session, person), ensure_ascii=False, indent=2, sort_keys=False)


def _telegram_state(session: Session, telegram_id: int) -> list[TelegramState]:
    return list(
        session.exec(
            select(TelegramState).where(
                (col(TelegramState.scope) == "user_data") & (col(TelegramState.key) == str(telegram_id))
                | col(TelegramState.scope).startswith("conversation:")
                & col(TelegramState.key).endswith(f":{telegram_id}")
            )
        ).all()
    )


def erase_person(session: Session, person: Person, *, now: datetime, actor_id: int | None = None) -> dict[str, int]:
    """Remove or anonymise a person's data (AVG art. 17); returns what was done, as counts.

    Kept, pointing at the anonymised person: audit rows, signalen they reported, actiepunten they
    own or created, attendance (without the reason). Removed: name, organisation, role, chat ids,
    memberships and chairs, absence reasons, messages to them (pending ones deleted, sent ones
    emptied), Telegram conversation state; their full name and @key in stored texts are replaced.
    """
    assert person.id is not None
    old_key, old_telegram = person.key, person.telegram_id
    new_key = f"verwijderd-{person.id}"
    done: dict[str, int] = {}

    pending = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.kind == "dm", OutboxMessage.destination == old_key, col(OutboxMessage.sent_at).is_(None)
        )
    ).all()
    for msg in pending:
        session.delete(msg)
    done["berichten_in_wachtrij_verwijderd"] = len(pending)
    sent = session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == "dm", OutboxMessage.destination == old_key)
    ).all()
    for msg in sent:
        if msg in pending:
            continue
        msg.text, msg.payload, msg.destination = ANONYMISED, "{}", new_key
        session.add(msg)
    done["verzonden_berichten_geleegd"] = len([m for m in sent if m not in pending])

    memberships = session.exec(select(Membership).where(Membership.person_id == person.id)).all()
    for m in memberships:
        session.delete(m)
    done["lidmaatschappen_verwijderd"] = len(memberships)
    chaired = session.exec(select(Group).where(Group.chair_id == person.id)).all()
    for g in chaired:
        g.chair_id = None
        session.add(g)
    done["voorzitterschappen_beëindigd"] = len(chaired)

    reasons = session.exec(
        select(Attendance).where(Attendance.person_id == person.id, col(Attendance.reason).is_not(None))
    ).all()
    for a in reasons:
        a.reason = None
        session.add(a)
    done["afmeldredenen_gewist"] = len(reasons)

    if old_telegram is not None:
        states = _telegram_state(session, old_telegram)
        for s in states:
            session.delete(s)
        done["telegram_toestand_verwijderd"] = len(states)

    done["vermeldingen_vervangen"] = _replace_mentions(session, person, new_key)
    done["open_actiepunten_nog_op_naam"] = len(
        session.exec(select(Actiepunt.id).where(Actiepunt.owner_id == person.id, Actiepunt.status == "open")).all()
    )

    person.name = ERASED_NAME
    person.key = new_key
    person.organisation = None
    person.role = None
    person.slack_id = None
    person.telegram_id = None
    person.is_admin = False
    person.active = False
    person.erased_at = now
    session.add(person)
    session.flush()
    log_change(
        session,
        item_type="persoon",
        item_id=person.id,
        action="gewist (AVG)",
        actor_id=actor_id,
        now=now,
        detail="naam, organisatie, rol, chat-id's, lidmaatschappen, afmeldredenen en berichten verwijderd",
    )
    return done


def _replace_mentions(session: Session, person: Person, new_key: str) -> int:
    """Replace the person's full name and @key in stored free texts and audit details."""
    replacements = [(f"@{person.key}", re.compile(rf"@{re.escape(person.key)}(?![\w.\-'])"), f"@{new_key}")]
    if len(person.name.split()) >= 2:
        replacements.append((person.name, re.compile(re.escape(person.name)), ERASED_NAME))
    count = 0
    for model, fields in (
        (Signaal, ("text", "closing_note")),
        (Actiepunt, ("text",)),
        (Wijziging, ("detail",)),
        (OutboxMessage, ("text",)),
    ):
        for needle, pattern, new in replacements:
            cond = col(getattr(model, fields[0])).contains(needle)
            for extra in fields[1:]:
                cond = cond | col(getattr(model, extra)).contains(needle)
            for row in session.exec(select(model).where(cond)).all():
                changed = False
                for f in fields:
                    value = getattr(row, f)
                    if value and pattern.search(value):
                        setattr(row, f, pattern.sub(new, value))
                        changed = True
                if changed:
                    session.add(row)
                    count += 1
    return count
