"""The rights of the person (AVG art. 15 and 17): everything stored about someone, and erasing it.

`export_person` finds rows by every foreign key to `person.id` in the schema (so tables added
later are included without changes here), plus the messages addressed to the person and the
free texts that mention them. Erasing is in storage/erase.py (`erase_person`, re-exported here).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from storage.erase import ERASED, erase_person, identity_of
from storage.models import (
    Actiepunt,
    Group,
    InitiatiefNotitie,
    JaarplanItem,
    OutboxMessage,
    Person,
    PersonAddress,
    Signaal,
)

__all__ = ["ERASED", "erase_person", "export_json", "export_person", "find_person"]

# friendlier names for the sections of an export: (table, column) → section
SECTIONS = {
    ("identity", "person_id"): "chatadressen",
    ("membership", "person_id"): "lidmaatschappen",
    ("wijkgroup", "chair_id"): "voorzitter_van",
    ("signaal", "reported_by_id"): "signalen_gemeld",
    ("actiepunt", "owner_id"): "actiepunten_eigenaar",
    ("actiepunt", "created_by_id"): "actiepunten_aangemaakt",
    ("attendance", "person_id"): "aanwezigheid",
    ("attendance", "substitute_id"): "aanwezigheid_als_vervanger",
    ("wijziging", "actor_id"): "wijzigingen_door_persoon",
    ("bijeenkomst", "created_by_id"): "bijeenkomsten_aangemaakt",
    ("agendaitem", "added_by_id"): "agendapunten_ingebracht",
    ("agendaitem", "guest_id"): "agendapunten_als_gast",
    ("invitation", "created_by_id"): "uitnodigingen_gemaakt",
    ("invitation", "used_by_id"): "uitnodiging_gebruikt",
    ("voortgangsrapportage", "completed_by_id"): "rapportages_afgerond",
    ("jaarplanitem", "trekker_id"): "jaarplan_trekker",
    ("jaarplanitem", "created_by_id"): "jaarplan_aangemaakt",
    ("initiatief", "initiator_id"): "initiatieven_ingediend",
    ("initiatief", "contact_id"): "initiatieven_als_contactpersoon",
    ("initiatief", "created_by_id"): "initiatieven_vastgelegd",
    ("initiatiefnotitie", "author_id"): "initiatiefnotities_geschreven",
    ("draft", "person_id"): "gesprekken_in_uitvoering",
}


def find_person(session: Session, who: str) -> Person | None:
    """A person by key, or by their address on any chat service (a Slack id, a Telegram id, ...)."""
    who = who.strip().lstrip("@")
    person = session.exec(select(Person).where(Person.key == who.lower())).first()
    if person is None:
        person = session.exec(
            select(Person)
            .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
            .where(PersonAddress.external_id == who)
            .order_by(col(PersonAddress.transport))
            .limit(1)
        ).first()
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


def _any_needle(column: Any, needles: list[str]) -> Any:
    return sa.or_(*(sa.func.lower(column).contains(n, autoescape=True) for n in needles))


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
    own = [i["id"] for i in out.get("initiatieven_ingediend", [])]
    out["notities_bij_eigen_initiatieven"] = (
        _rows(
            session,
            sa.select(InitiatiefNotitie.__table__).where(  # type: ignore[attr-defined]
                InitiatiefNotitie.__table__.c.initiatief_id.in_(own)  # type: ignore[attr-defined]
            ),
        )
        if own
        else []
    )
    mentions: list[dict[str, Any]] = []
    if person.erased_at is None:
        who = identity_of(session, person)
        for sig in session.exec(select(Signaal).where(_any_needle(col(Signaal.text), who.needles()))).all():
            if who.mentioned_in(sig.text):
                mentions.append({"signaal": sig.id, "tekst": sig.text})
        for act in session.exec(select(Actiepunt).where(_any_needle(col(Actiepunt.text), who.needles()))).all():
            if who.mentioned_in(act.text):
                mentions.append({"actiepunt": act.id, "tekst": act.text})
        plan_text = col(JaarplanItem.activiteit) + " " + sa.func.coalesce(col(JaarplanItem.partners), "")
        for item in session.exec(select(JaarplanItem).where(_any_needle(plan_text, who.needles()))).all():
            text = f"{item.activiteit} {item.partners or ''}".strip()
            if who.mentioned_in(text):
                mentions.append({"jaarplan": item.id, "tekst": text})
    out["vermeldingen_in_teksten"] = mentions
    return out


def export_json(session: Session, person: Person) -> str:
    return json.dumps(export_person(session, person), ensure_ascii=False, indent=2, sort_keys=False)
