"""Signalen and actiepunten: the status workflow, and a history row for every change."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from storage.models import (
    Actiepunt,
    ActieStatus,
    Signaal,
    SignaalStatus,
    Wijziging,
)

# The allowed status transitions: one table per item type (Amsterdam Signalen's workflow.py), and
# the ONLY place a status change is allowed: every write below asks them, and a handler that wants
# to refuse before it parses the rest asks them too (`check_transition`); the refusal is a
# TransitionError, which the router answers in Dutch (handlers/transitions.py).
# `ingetrokken` (withdrawn: recorded by mistake) is reachable from every status and final.
_S, _A = SignaalStatus, ActieStatus
SIGNAAL_TRANSITIONS: dict[str, set[str]] = {
    _S.open: {_S.in_behandeling, _S.actie, _S.gesloten, _S.ingetrokken},
    _S.in_behandeling: {_S.actie, _S.gesloten, _S.ingetrokken},
    _S.actie: {_S.actie, _S.gesloten, _S.ingetrokken},
    _S.gesloten: {_S.open, _S.ingetrokken},  # heropen
    _S.ingetrokken: set(),
}
# what follows from another change and is never asked for: a signaal in `actie` goes back to
# `open` when its only actiepunt is withdrawn
SIGNAAL_FOLLOWS: dict[str, set[str]] = {_S.actie: {_S.open}}
ACTIE_TRANSITIONS: dict[str, set[str]] = {
    _A.open: {_A.gedaan, _A.vervallen, _A.ingetrokken},
    _A.gedaan: {_A.open, _A.ingetrokken},
    _A.vervallen: {_A.open, _A.ingetrokken},
    _A.ingetrokken: set(),
}
# changes that keep the status (move the deadline, hand over): allowed in these statuses only
ACTIE_CHANGES: dict[str, set[str]] = {"verplaatsen": {_A.open}, "overdragen": {_A.open}}
EDIT = "wijzigen"  # correcting the text or the category: anything but a final status (no way out)
WITHDRAW_WINDOW = timedelta(hours=24)  # how long after recording an item may be withdrawn


class TransitionError(Exception):
    """A status change (or a change in a status) that the workflow does not allow.

    `item_type` and `item_id` say which item, so the refusal can name it (handlers/transitions.py)."""

    def __init__(self, current: str, wanted: str, *, item_type: str = "", item_id: int | None = None) -> None:
        super().__init__(f"{current} -> {wanted}")
        self.current, self.wanted = current, wanted
        self.item_type, self.item_id = item_type, item_id


def _kind(item: Signaal | Actiepunt) -> str:
    return "signaal" if isinstance(item, Signaal) else "actiepunt"


def allowed(item: Signaal | Actiepunt, wanted: str, *, follows: bool = False) -> bool:
    """True when the tables allow `wanted` (a status, a change in ACTIE_CHANGES, or EDIT) for the item now."""
    if isinstance(item, Signaal):
        moves = SIGNAAL_TRANSITIONS[item.status] | (SIGNAAL_FOLLOWS.get(item.status, set()) if follows else set())
    else:
        moves = ACTIE_TRANSITIONS[item.status]
        if wanted in ACTIE_CHANGES:
            return item.status in ACTIE_CHANGES[wanted]
    if wanted == EDIT:
        return bool(moves)  # a final status has no way out: nothing more changes
    return wanted in moves


def check_transition(item: Signaal | Actiepunt, wanted: str, *, follows: bool = False) -> None:
    """Raise TransitionError when the tables do not allow `wanted` for the item now."""
    if not allowed(item, wanted, follows=follows):
        raise TransitionError(item.status, wanted, item_type=_kind(item), item_id=item.id)


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
    area: str | None = None,
) -> Signaal:
    sig = Signaal(
        area=area,
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
    follows: bool = False,
) -> None:
    """Change a signaal's status as SIGNAAL_TRANSITIONS allows (`follows`: also SIGNAAL_FOLLOWS)."""
    check_transition(sig, status, follows=follows)
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
    jaarplan_id: int | None = None,
) -> Actiepunt:
    if signaal is not None:
        check_transition(signaal, SignaalStatus.actie)  # before anything is written
    act = Actiepunt(
        jaarplan_id=jaarplan_id,
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
    detail += (" " if detail else "") + f"bij J-{jaarplan_id}" if jaarplan_id else ""
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
    check_transition(act, status)
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
    """Move the deadline or hand the actiepunt over; only while it is open (ACTIE_CHANGES)."""
    check_transition(act, "overdragen" if owner_id is not None else "verplaatsen")
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


def withdraw(
    session: Session, item: Signaal | Actiepunt, *, actor_id: int | None, now: datetime, detail: str = ""
) -> None:
    """Mark an item recorded by mistake as `ingetrokken`: kept in the history, counted nowhere."""
    check_transition(item, "ingetrokken")
    item.status = "ingetrokken"
    item.updated_at = now
    session.add(item)
    assert item.id is not None
    item_type = "signaal" if isinstance(item, Signaal) else "actiepunt"
    log_change(
        session, item_type=item_type, item_id=item.id, action="ingetrokken", actor_id=actor_id, now=now, detail=detail
    )
    if isinstance(item, Actiepunt) and item.signaal_id is not None:
        sig = session.get(Signaal, item.signaal_id)
        others = [a for a in actiepunten_of_signaal(session, item.signaal_id) if a.status != ActieStatus.ingetrokken]
        if sig is not None and sig.status == SignaalStatus.actie and not others:
            set_signaal_status(
                session, sig, SignaalStatus.open, actor_id=actor_id, now=now, detail=f"A-{item.id} ingetrokken",
                follows=True,
            )  # fmt: skip


def correct_text(
    session: Session, item: Signaal | Actiepunt, text: str, *, actor_id: int | None, now: datetime
) -> None:
    """Replace an item's text; the audit row says that it changed, not what it was (it may have held personal data)."""
    check_transition(item, EDIT)
    item.text = text
    item.updated_at = now
    session.add(item)
    assert item.id is not None
    item_type = "signaal" if isinstance(item, Signaal) else "actiepunt"
    log_change(session, item_type=item_type, item_id=item.id, action="tekst gecorrigeerd", actor_id=actor_id, now=now)


def recategorise(session: Session, sig: Signaal, category: str, *, actor_id: int | None, now: datetime) -> None:
    """Put a signaal in another category, with an audit row `#oud → #nieuw`."""
    check_transition(sig, EDIT)
    old, sig.category, sig.updated_at = sig.category, category, now
    session.add(sig)
    assert sig.id is not None
    log_change(
        session,
        item_type="signaal",
        item_id=sig.id,
        action="categorie gewijzigd",
        actor_id=actor_id,
        now=now,
        detail=f"#{old} → #{category}",
    )


def _contains_all(column: Any, words: list[str]) -> list[Any]:
    """`column` contains every word, case-insensitively, with LIKE's wildcards taken literally."""
    out = []
    for word in words:
        literal = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.append(col(column).ilike(f"%{literal}%", escape="\\"))
    return out


def search_signalen(
    session: Session, group_id: int, words: list[str], *, category: str | None = None, limit: int = 30
) -> list[Signaal]:
    """The group's signalen (not withdrawn) whose text holds every word, newest first."""
    stmt = select(Signaal).where(
        Signaal.group_id == group_id, Signaal.status != SignaalStatus.ingetrokken, *_contains_all(Signaal.text, words)
    )
    if category:
        stmt = stmt.where(Signaal.category == category)
    return list(session.exec(stmt.order_by(col(Signaal.id).desc()).limit(limit)).all())


def search_actiepunten(session: Session, group_id: int, words: list[str], *, limit: int = 30) -> list[Actiepunt]:
    """The group's actiepunten (not withdrawn) whose text holds every word, newest first."""
    stmt = select(Actiepunt).where(
        Actiepunt.group_id == group_id,
        Actiepunt.status != ActieStatus.ingetrokken,
        *_contains_all(Actiepunt.text, words),
    )
    return list(session.exec(stmt.order_by(col(Actiepunt.id).desc()).limit(limit)).all())


# ---------------------------------------------------------------------------------------------
# lists: what the commands and the agenda show (withdrawn items are in none of them)
# ---------------------------------------------------------------------------------------------


def list_signalen(
    session: Session,
    group_id: int,
    *,
    open_only: bool = False,
    category: str | None = None,
    since: datetime | None = None,
) -> list[Signaal]:
    """The group's signalen (not withdrawn) by number: `open_only` leaves out the closed ones,
    `since`: recorded after that moment."""
    stmt = select(Signaal).where(Signaal.group_id == group_id, Signaal.status != SignaalStatus.ingetrokken)
    if open_only:
        stmt = stmt.where(Signaal.status != SignaalStatus.gesloten)
    if category:
        stmt = stmt.where(Signaal.category == category)
    if since is not None:
        stmt = stmt.where(Signaal.created_at > since)
    return list(session.exec(stmt.order_by(col(Signaal.id))).all())


def list_actiepunten(
    session: Session,
    group_id: int,
    *,
    mode: str = "open",
    owner_ids: list[int] | None = None,
    now: datetime | None = None,
) -> list[Actiepunt]:
    """The group's actiepunten (not withdrawn) by deadline: `mode` open (the default), te-laat
    (open and past the deadline at `now`) or alle; `owner_ids`: only theirs."""
    stmt = select(Actiepunt).where(Actiepunt.group_id == group_id, Actiepunt.status != ActieStatus.ingetrokken)
    if mode == "open":
        stmt = stmt.where(Actiepunt.status == ActieStatus.open)
    elif mode == "te-laat":
        assert now is not None
        stmt = stmt.where(Actiepunt.status == ActieStatus.open, Actiepunt.deadline < now)
    if owner_ids:
        stmt = stmt.where(col(Actiepunt.owner_id).in_(owner_ids))
    return list(session.exec(stmt.order_by(col(Actiepunt.deadline), col(Actiepunt.id))).all())


def open_actiepunten_of_groups(session: Session, group_ids: Iterable[int]) -> dict[int, list[Actiepunt]]:
    """`list_actiepunten` (open) for many groups: per group id, by deadline."""
    out: dict[int, list[Actiepunt]] = {}
    wanted = sorted(set(group_ids))
    for start in range(0, len(wanted), 500):
        rows = session.exec(
            select(Actiepunt)
            .where(col(Actiepunt.group_id).in_(wanted[start : start + 500]), Actiepunt.status == ActieStatus.open)
            .order_by(col(Actiepunt.deadline), col(Actiepunt.id))
        ).all()
        for act in rows:
            out.setdefault(act.group_id, []).append(act)
    return out


def earliest_since(moments: Iterable[tuple[int, datetime | None]]) -> dict[int, datetime | None]:
    """Per group id the earliest of its moments, None when one is None ("since ever"): what a
    batch read (`signalen_of_groups`, `finished_actiepunten_of_groups`) asks so that every caller's
    own moment is covered."""
    out: dict[int, datetime | None] = {}
    for group_id, moment in moments:
        if group_id not in out:
            out[group_id] = moment
        elif (known := out[group_id]) is not None:
            out[group_id] = None if moment is None else min(moment, known)
    return out


def _since_chunks(since: dict[int, datetime | None]) -> Iterator[tuple[list[int], datetime | None]]:
    """The groups of a batch read `since` their moments, in chunks of 500 with the moment to ask
    from: the earliest for the groups that have one, none for the groups that want all."""
    with_since = sorted(g for g, t in since.items() if t is not None)
    without = sorted(g for g, t in since.items() if t is None)
    earliest = min((t for t in since.values() if t is not None), default=None)
    for groups, after in ((with_since, earliest), (without, None)):
        for start in range(0, len(groups), 500):
            yield groups[start : start + 500], after


def finished_actiepunten_of_groups(
    session: Session, since: dict[int, datetime | None], *, until: datetime
) -> dict[int, list[Actiepunt]]:
    """Per group id its actiepunten finished (not open, not withdrawn) after `since[group]` (None:
    ever) and at or before `until`, by number."""
    out: dict[int, list[Actiepunt]] = {}
    for groups, after in _since_chunks(since):
        stmt = select(Actiepunt).where(
            col(Actiepunt.group_id).in_(groups),
            col(Actiepunt.status).not_in([ActieStatus.open, ActieStatus.ingetrokken]),
            Actiepunt.updated_at <= until,
        )
        if after is not None:
            stmt = stmt.where(Actiepunt.updated_at > after)
        for act in session.exec(stmt.order_by(col(Actiepunt.id))).all():
            if (moment := since[act.group_id]) is None or act.updated_at > moment:
                out.setdefault(act.group_id, []).append(act)
    return out


def signalen_of_groups(session: Session, since: dict[int, datetime | None]) -> dict[int, list[Signaal]]:
    """`list_signalen` with `since` for many groups (group id: its moment, None: all): per group id, by number."""
    out: dict[int, list[Signaal]] = {}
    for groups, after in _since_chunks(since):
        stmt = select(Signaal).where(col(Signaal.group_id).in_(groups), Signaal.status != SignaalStatus.ingetrokken)
        if after is not None:
            stmt = stmt.where(Signaal.created_at > after)
        for sig in session.exec(stmt.order_by(col(Signaal.id))).all():
            if (moment := since[sig.group_id]) is None or sig.created_at > moment:
                out.setdefault(sig.group_id, []).append(sig)
    return out


def open_actiepunten_of(session: Session, owner_id: int | None) -> list[Actiepunt]:
    """A person's open actiepunten in every group, by deadline."""
    return list(
        session.exec(
            select(Actiepunt)
            .where(Actiepunt.owner_id == owner_id, Actiepunt.status == ActieStatus.open)
            .order_by(col(Actiepunt.deadline), col(Actiepunt.id))
        ).all()
    )


def open_actiepunten_due_at(session: Session, group_id: int, deadline: datetime) -> list[Actiepunt]:
    """The group's open actiepunten due at exactly this moment (a meeting's: "the next overleg")."""
    return list(
        session.exec(
            select(Actiepunt)
            .where(Actiepunt.group_id == group_id, Actiepunt.status == ActieStatus.open, Actiepunt.deadline == deadline)
            .order_by(col(Actiepunt.id))
        ).all()
    )


def overdue_actiepunten(session: Session, *, now: datetime) -> list[Actiepunt]:
    """Open actiepunten past their deadline, by owner and deadline (schedules/overdue.py)."""
    return list(
        session.exec(
            select(Actiepunt)
            .where(Actiepunt.status == ActieStatus.open, Actiepunt.deadline < now)
            .order_by(col(Actiepunt.owner_id), col(Actiepunt.deadline), col(Actiepunt.id))
        ).all()
    )
