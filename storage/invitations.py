"""Invitations for wijkambassadeurs: one-time codes (only their hash is stored), each write audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from storage.items import log_change
from storage.models import Group, Invitation

ITEM_TYPE = "uitnodiging"


def create(
    session: Session, group: Group, code_hash: str, *, created_by_id: int | None, now: datetime, valid: timedelta
) -> Invitation:
    """A new invitation for the team, valid for `valid`; the audit row names the team."""
    invitation = Invitation(
        group_id=group.id or 0, code_hash=code_hash, created_by_id=created_by_id, created_at=now, expires_at=now + valid
    )
    session.add(invitation)
    session.flush()
    assert invitation.id is not None
    log_change(
        session, item_type=ITEM_TYPE, item_id=invitation.id, action="aangemaakt", actor_id=created_by_id, now=now,
        detail=group.key,
    )  # fmt: skip
    return invitation


def open_count(session: Session, group_id: int, *, now: datetime) -> int:
    """The team's invitations not used and not expired at `now`."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.group_id == group_id, col(Invitation.used_at).is_(None), Invitation.expires_at > now)
        ).one()
    )


def joined_at(session: Session, group_id: int, person_id: int | None) -> datetime | None:
    """When the person first used an invitation of the team (None: they joined otherwise)."""
    return session.exec(
        select(func.min(Invitation.used_at)).where(Invitation.used_by_id == person_id, Invitation.group_id == group_id)
    ).one()
