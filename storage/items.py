"""Signalen and actiepunten: the status workflow, and a history row for every change."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import (
    Actiepunt,
    ActieStatus,
    Signaal,
    SignaalStatus,
    Wijziging,
)

# The allowed status transitions: one table per item type (Amsterdam Signalen's workflow.py).
SIGNAAL_TRANSITIONS: dict[str, set[str]] = {
    SignaalStatus.open: {SignaalStatus.in_behandeling, SignaalStatus.actie, SignaalStatus.gesloten},
    SignaalStatus.in_behandeling: {SignaalStatus.actie, SignaalStatus.gesloten, SignaalStatus.open},
    SignaalStatus.actie: {SignaalStatus.actie, SignaalStatus.gesloten},
    SignaalStatus.gesloten: {SignaalStatus.open},
}
ACTIE_TRANSITIONS: dict[str, set[str]] = {
    ActieStatus.open: {ActieStatus.gedaan, ActieStatus.vervallen},
    ActieStatus.gedaan: {ActieStatus.open},
    ActieStatus.vervallen: {ActieStatus.open},
}


class TransitionError(Exception):
    """A status change that the workflow does not allow."""

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"{current} -> {wanted}")
        self.current, self.wanted = current, wanted


def log_change(
    session: Session,
    *,
    item_type: str,
    item_id: int,
    action: str,
    actor_id: int | None,
    now: datetime,
    detail: str = "",
) -> None:
    """Write one audit row (who, when, what)."""
    session.add(
        Wijziging(
            at=now,
            actor_id=actor_id,
            item_type=item_type,
            item_id=item_id,
            action=action,
            detail=detail,
        )
    )


def history(session: Session, item_type: str, item_id: int) -> list[Wijziging]:
    return list(
        session.exec(
            select(Wijziging)
            .where(Wijziging.item_type == item_type, Wijziging.item_id == item_id)
            .order_by(col(Wijziging.at), col(Wijziging.id))
        ).all()
    )


def record_signaal(
    session: Session,
    *,
    group_id: int,
    text: str,
    category: str,
    reported_by_id: int | None,
    now: datetime,
    source: str = "team",
    location: str | None = None,
    photo_ref: str | None = None,
) -> Signaal:
    sig = Signaal(
        group_id=group_id,
        text=text,
        category=category,
        reported_by_id=reported_by_id,
        source=source,
        location=location,
        photo_ref=photo_ref,
        created_at=now,
        updated_at=now,
    )
    session.add(sig)
    session.flush()
    assert sig.id is not None
    log_change(
        session,
        item_type="signaal",
        item_id=sig.id,
        action="aangemaakt",
        actor_id=reported_by_id,
        now=now,
        detail=f"#{category}",
    )
    return sig


def set_signaal_status(
    session: Session,
    sig: Signaal,
    status: SignaalStatus,
    *,
    actor_id: int | None,
    now: datetime,
    detail: str = "",
) -> None:
    if status not in SIGNAAL_TRANSITIONS[SignaalStatus(sig.status)]:
        raise TransitionError(sig.status, status)
    sig.status = status
    sig.updated_at = now
    if status == SignaalStatus.gesloten:
        sig.closed_at = now
        sig.closing_note = detail or None
    elif status == SignaalStatus.open:
        sig.closed_at = None
    session.add(sig)
    assert sig.id is not None
    log_change(
        session,
        item_type="signaal",
        item_id=sig.id,
        action=f"status: {status.value}",
        actor_id=actor_id,
        now=now,
        detail=detail,
    )


def record_actiepunt(
    session: Session,
    *,
    group_id: int,
    text: str,
    owner_id: int,
    deadline: datetime,
    created_by_id: int | None,
    now: datetime,
    signaal: Signaal | None = None,
) -> Actiepunt:
    act = Actiepunt(
        group_id=group_id,
        text=text,
        owner_id=owner_id,
        deadline=deadline,
        signaal_id=signaal.id if signaal else None,
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(act)
    session.flush()
    assert act.id is not None
    detail = f"uit S-{signaal.id}" if signaal else ""
    log_change(
        session,
        item_type="actiepunt",
        item_id=act.id,
        action="aangemaakt",
        actor_id=created_by_id,
        now=now,
        detail=detail,
    )
    if signaal is not None:
        assert signaal.id is not None
        set_signaal_status(
            session,
            signaal,
            SignaalStatus.actie,
            actor_id=created_by_id,
            now=now,
            detail=f"A-{act.id}",
        )
    return act


def set_actie_status(
    session: Session,
    act: Actiepunt,
    status: ActieStatus,
    *,
    actor_id: int | None,
    now: datetime,
    detail: str = "",
) -> None:
    if status not in ACTIE_TRANSITIONS[ActieStatus(act.status)]:
        raise TransitionError(act.status, status)
    act.status = status
    act.updated_at = now
    act.done_at = now if status == ActieStatus.gedaan else None
    session.add(act)
    assert act.id is not None
    log_change(
        session,
        item_type="actiepunt",
        item_id=act.id,
        action=f"status: {status.value}",
        actor_id=actor_id,
        now=now,
        detail=detail,
    )


def change_actiepunt(
    session: Session,
    act: Actiepunt,
    *,
    actor_id: int | None,
    now: datetime,
    deadline: datetime | None = None,
    owner_id: int | None = None,
    detail: str = "",
) -> None:
    """Move the deadline or hand the actiepunt over; only while it is open."""
    if act.status != ActieStatus.open:
        raise TransitionError(act.status, "wijzigen")
    assert act.id is not None
    if deadline is not None:
        act.deadline = deadline
        act.last_reminder_at = None
        act.chair_told_at = None
        action = "verplaatst"
    if owner_id is not None:
        act.owner_id = owner_id
        action = "overgedragen"
    act.updated_at = now
    session.add(act)
    log_change(
        session,
        item_type="actiepunt",
        item_id=act.id,
        action=action,
        actor_id=actor_id,
        now=now,
        detail=detail,
    )


def actiepunten_of_signaal(session: Session, signaal_id: int) -> list[Actiepunt]:
    return list(
        session.exec(select(Actiepunt).where(Actiepunt.signaal_id == signaal_id).order_by(col(Actiepunt.id))).all()
    )
