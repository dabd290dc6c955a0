"""Besluiten (B-12) of a meeting and escalations (`/opschalen`): the repository functions.

Every write is audited with `storage.items.log_change` (item_type `besluit` / `opschaling`) in the
caller's transaction, as items are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from storage.items import log_change
from storage.models import Besluit, Escalation, EscalationStatus, Meeting, MeetingStatus


def current_meeting(session: Session, group_id: int, *, now: datetime, tz: ZoneInfo) -> Meeting | None:
    """The meeting a besluit belongs to: the group's meeting of today, or else its last one that began."""
    local = now.astimezone(tz).date()
    start = datetime.combine(local, time(0), tzinfo=tz)
    today = session.exec(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.starts_at >= start,
            Meeting.starts_at < start + timedelta(days=1),
            Meeting.status != MeetingStatus.geannuleerd,
        )
        .order_by(col(Meeting.starts_at))
        .limit(1)
    ).first()
    if today is not None:
        return today
    return session.exec(
        select(Meeting)
        .where(Meeting.group_id == group_id, Meeting.starts_at <= now, Meeting.status != MeetingStatus.geannuleerd)
        .order_by(col(Meeting.starts_at).desc())
        .limit(1)
    ).first()


def record_besluit(
    session: Session,
    *,
    group_id: int,
    meeting_id: int,
    text: str,
    actor_id: int | None,
    now: datetime,
    escalation: Escalation | None = None,
) -> Besluit:
    """Store a besluit of a meeting (and close the escalation it decides), audited."""
    besluit = Besluit(
        group_id=group_id,
        meeting_id=meeting_id,
        text=text,
        escalation_id=escalation.id if escalation else None,
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(besluit)
    session.flush()
    assert besluit.id is not None
    log_change(session, item_type="besluit", item_id=besluit.id, action="vastgelegd", actor_id=actor_id, now=now)
    if escalation is not None:
        close_escalation(
            session, escalation, status=EscalationStatus.besloten, outcome=text, actor_id=actor_id, now=now
        )
    return besluit


def besluiten_of_meeting(session: Session, meeting_id: int) -> list[Besluit]:
    return list(session.exec(select(Besluit).where(Besluit.meeting_id == meeting_id).order_by(col(Besluit.id))).all())


def besluiten_of_group(session: Session, group_id: int, *, limit: int = 50) -> list[Besluit]:
    """The group's latest besluiten, newest first."""
    return list(
        session.exec(
            select(Besluit).where(Besluit.group_id == group_id).order_by(col(Besluit.id).desc()).limit(limit)
        ).all()
    )


def open_escalation(session: Session, kind: str, item_id: int) -> Escalation | None:
    """The open escalation of an item (at most one at a time)."""
    return session.exec(
        select(Escalation).where(
            Escalation.kind == kind, Escalation.item_id == item_id, Escalation.status == EscalationStatus.open
        )
    ).first()


def open_escalations_to(session: Session, group_id: int) -> list[Escalation]:
    """Everything escalated to a group and not handled yet, oldest first (its agenda's 'Opgeschaald')."""
    return open_escalations_to_groups(session, [group_id]).get(group_id, [])


def open_escalations_to_groups(session: Session, group_ids: Iterable[int]) -> dict[int, list[Escalation]]:
    """`open_escalations_to` for many groups: per group id, oldest first."""
    out: dict[int, list[Escalation]] = {}
    wanted = sorted(set(group_ids))
    for start in range(0, len(wanted), 500):
        rows = session.exec(
            select(Escalation)
            .where(
                col(Escalation.to_group_id).in_(wanted[start : start + 500]), Escalation.status == EscalationStatus.open
            )
            .order_by(col(Escalation.created_at), col(Escalation.id))
        ).all()
        for esc in rows:
            out.setdefault(esc.to_group_id, []).append(esc)
    return out


def escalate(
    session: Session,
    *,
    kind: str,
    from_group_id: int,
    to_group_id: int,
    reason: str,
    actor_id: int | None,
    now: datetime,
    item_id: int | None = None,
    person_id: int | None = None,
    status: str = EscalationStatus.open,
    item_detail: str = "",
) -> Escalation:
    """Record an escalation to the group above, audited on the escalation and (for an item) on the item."""
    esc = Escalation(
        kind=kind,
        item_id=item_id,
        person_id=person_id,
        from_group_id=from_group_id,
        to_group_id=to_group_id,
        reason=reason,
        status=status,
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(esc)
    session.flush()
    assert esc.id is not None
    log_change(session, item_type="opschaling", item_id=esc.id, action="opgeschaald", actor_id=actor_id, now=now,
               detail=reason)  # fmt: skip
    if item_id is not None and kind in ("signaal", "actiepunt"):
        log_change(session, item_type=kind, item_id=item_id, action="opgeschaald", actor_id=actor_id, now=now,
                   detail=item_detail or reason)  # fmt: skip
    return esc


def close_escalation(
    session: Session, esc: Escalation, *, status: str, outcome: str, actor_id: int | None, now: datetime
) -> None:
    """Close an escalation with its outcome (a besluit's text, or the note it was sent back with)."""
    esc.status = status
    esc.outcome = outcome
    esc.closed_by_id = actor_id
    esc.closed_at = now
    session.add(esc)
    session.flush()
    assert esc.id is not None
    log_change(session, item_type="opschaling", item_id=esc.id, action=status, actor_id=actor_id, now=now,
               detail=outcome)  # fmt: skip
    if esc.item_id is not None and esc.kind in ("signaal", "actiepunt"):
        action = "besluit na opschalen" if status == EscalationStatus.besloten else "terug na opschalen"
        log_change(session, item_type=esc.kind, item_id=esc.item_id, action=action, actor_id=actor_id, now=now,
                   detail=outcome)  # fmt: skip
