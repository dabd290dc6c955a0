"""The jaarplan (or wijkagenda) of a group: J-items per year, their status workflow and progress notes.

A progress note is a history row (Wijziging, item_type "jaarplan", action "voortgang") with who and
when, so every change and every note is in one audit trail, as for signalen and actiepunten.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.items import TransitionError, log_change
from storage.models import Actiepunt, ActieStatus, JaarplanItem, JaarplanStatus, Wijziging

ITEM_TYPE = "jaarplan"
NOTE = "voortgang"
_J = JaarplanStatus
TRANSITIONS: dict[str, set[str]] = {
    _J.open: {_J.klaar, _J.vervallen},
    _J.klaar: {_J.open},
    _J.vervallen: {_J.open},
}


def record_item(
    session: Session,
    *,
    group_id: int,
    year: int,
    activiteit: str,
    trekker_id: int | None,
    partners: str | None,
    periode: str | None,
    budget_cents: int | None,
    created_by_id: int | None,
    now: datetime,
    copied_from_id: int | None = None,
) -> JaarplanItem:
    """Add an activity to a group's plan for `year`, with an audit row."""
    item = JaarplanItem(
        group_id=group_id,
        year=year,
        activiteit=activiteit,
        trekker_id=trekker_id,
        partners=partners,
        periode=periode,
        budget_cents=budget_cents,
        copied_from_id=copied_from_id,
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    detail = f"overgenomen uit J-{copied_from_id}" if copied_from_id else f"jaar {year}"
    log_change(
        session,
        item_type=ITEM_TYPE,
        item_id=item.id,
        action="aangemaakt",
        actor_id=created_by_id,
        now=now,
        detail=detail,
    )
    return item


def set_status(
    session: Session,
    item: JaarplanItem,
    status: JaarplanStatus,
    *,
    actor_id: int | None,
    now: datetime,
    detail: str = "",
) -> None:
    """Move a J-item through open → klaar | vervallen (and back with heropen)."""
    if status not in TRANSITIONS[JaarplanStatus(item.status)]:
        raise TransitionError(item.status, status)
    item.status = status
    item.updated_at = now
    item.closed_at = None if status == JaarplanStatus.open else now
    session.add(item)
    assert item.id is not None
    log_change(
        session,
        item_type=ITEM_TYPE,
        item_id=item.id,
        action=f"status: {status.value}",
        actor_id=actor_id,
        now=now,
        detail=detail,
    )


def add_note(session: Session, item: JaarplanItem, text: str, *, actor_id: int | None, now: datetime) -> None:
    """A progress note: a history row with who and when."""
    item.updated_at = now
    session.add(item)
    assert item.id is not None
    log_change(session, item_type=ITEM_TYPE, item_id=item.id, action=NOTE, actor_id=actor_id, now=now, detail=text)


def items_of(session: Session, group_id: int, year: int) -> list[JaarplanItem]:
    """A group's plan for one year, in the order it was made."""
    return list(
        session.exec(
            select(JaarplanItem)
            .where(JaarplanItem.group_id == group_id, JaarplanItem.year == year)
            .order_by(col(JaarplanItem.id))
        ).all()
    )


def notes_of(
    session: Session, item_ids: list[int], *, since: datetime | None = None, until: datetime | None = None
) -> dict[int, list[Wijziging]]:
    """The progress notes of these J-items (optionally within [since, until)), oldest first, per item."""
    out: dict[int, list[Wijziging]] = {i: [] for i in item_ids}
    if not item_ids:
        return out
    stmt = select(Wijziging).where(
        Wijziging.item_type == ITEM_TYPE, Wijziging.action == NOTE, col(Wijziging.item_id).in_(item_ids)
    )
    if since is not None:
        stmt = stmt.where(Wijziging.at >= since)
    if until is not None:
        stmt = stmt.where(Wijziging.at < until)
    for w in session.exec(stmt.order_by(col(Wijziging.at), col(Wijziging.id))).all():
        out[w.item_id].append(w)
    return out


def linked_actiepunten(session: Session, item_ids: list[int]) -> dict[int, list[Actiepunt]]:
    """The actiepunten linked to these J-items (`bij J-3`), not withdrawn, per item."""
    out: dict[int, list[Actiepunt]] = {i: [] for i in item_ids}
    if not item_ids:
        return out
    rows = session.exec(
        select(Actiepunt)
        .where(col(Actiepunt.jaarplan_id).in_(item_ids), Actiepunt.status != ActieStatus.ingetrokken)
        .order_by(col(Actiepunt.id))
    ).all()
    for a in rows:
        assert a.jaarplan_id is not None
        out[a.jaarplan_id].append(a)
    return out


def copy_open_items(
    session: Session, group_id: int, year: int, *, actor_id: int | None, now: datetime
) -> list[JaarplanItem]:
    """Copy the open J-items of `year` into `year + 1`; an item copied before is not copied again."""
    done = set(
        session.exec(
            select(JaarplanItem.copied_from_id).where(
                JaarplanItem.group_id == group_id,
                JaarplanItem.year == year + 1,
                col(JaarplanItem.copied_from_id).is_not(None),
            )
        ).all()
    )
    copies = []
    for item in items_of(session, group_id, year):
        if item.status != JaarplanStatus.open or item.id in done:
            continue
        copies.append(
            record_item(
                session,
                group_id=group_id,
                year=year + 1,
                activiteit=item.activiteit,
                trekker_id=item.trekker_id,
                partners=item.partners,
                periode=None,  # a period of this year means nothing next year
                budget_cents=item.budget_cents,
                created_by_id=actor_id,
                now=now,
                copied_from_id=item.id,
            )
        )
    return copies
