"""Retention (AVG): personal data is kept no longer than needed, per status (docs/privacy.md).

In the spirit of Amsterdam's Signalen: closed signalen lose their personal data after 12 months
(text "[geanonimiseerd]", location, photo, reporter and closing note removed), cancelled
actiepunten are removed after 12 months, done actiepunten lose their text after 24 months,
reasons for absence and the text of agendapunten go after 12 months and the text of sent
messages after 3, a conversation in progress (a draft) 30 minutes after its last step. The audit rows
stay (who did what when), with free-text details emptied, plus one row saying what was removed.
Running it twice changes nothing the second time.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage import drafts, inbox
from storage.config import RetentionConfig
from storage.items import log_change
from storage.models import (
    Actiepunt,
    ActieStatus,
    AgendaItem,
    Attendance,
    Initiatief,
    InitiatiefNotitie,
    Meeting,
    OutboxMessage,
    ProcessedEvent,
    Signaal,
    SignaalStatus,
    Wijziging,
)

ANONYMISED = "[geanonimiseerd]"
# audit details we wrote ourselves (categories, references, handovers, moves); anything else is
# free text someone typed (a toelichting, a reason) and is emptied with the item
_STRUCTURAL = re.compile(
    r"^(|#[\w-]+|[AS]-\d+|uit S-\d+|aan @[\w.\-']+|[^@]{3,40} → [^@]{3,40}|elke \d+ weken"
    # an initiative's kind, rung, scope, amount (storage/initiatieven.py)
    r"|verzoek|beleidswens|initiatief|met toelichting|loslaten|stimuleren|faciliteren|regisseren|reguleren"
    r"|wijk|buurt|€ [\d.]+,\d\d)$"
)

PROCESSED_EVENT_DAYS = 7


def months_before(now: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (31 March - 1 month = 28/29 February)."""
    total = now.year * 12 + (now.month - 1) - months
    year, month = divmod(total, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _anonymise_history(session: Session, item_type: str, item_id: int) -> None:
    for w in session.exec(
        select(Wijziging).where(Wijziging.item_type == item_type, Wijziging.item_id == item_id)
    ).all():
        if not _STRUCTURAL.match(w.detail or ""):
            w.detail = ANONYMISED
            session.add(w)


def apply_retention(session: Session, policy: RetentionConfig, *, now: datetime) -> dict[str, int]:
    """Apply the retention periods as of `now`; returns counts per kind of removal."""
    counts = {
        "signalen_geanonimiseerd": 0,
        "actiepunten_verwijderd": 0,
        "actiepunten_geanonimiseerd": 0,
        "afmeldredenen_verwijderd": 0,
        "berichten_geleegd": 0,
    }

    cutoff = months_before(now, policy.signaal_gesloten)
    for sig in session.exec(
        select(Signaal).where(
            sa.or_(
                sa.and_(col(Signaal.status) == SignaalStatus.gesloten, col(Signaal.closed_at) <= cutoff),
                sa.and_(col(Signaal.status) == SignaalStatus.ingetrokken, col(Signaal.updated_at) <= cutoff),
            ),
            Signaal.text != ANONYMISED,
        )
    ).all():
        assert sig.id is not None
        sig.text, sig.location, sig.photo_ref = ANONYMISED, None, None
        sig.reported_by_id, sig.closing_note = None, None
        session.add(sig)
        _anonymise_history(session, "signaal", sig.id)
        log_change(
            session,
            item_type="signaal",
            item_id=sig.id,
            action="geanonimiseerd (bewaartermijn)",
            actor_id=None,
            now=now,
            detail=f"tekst, locatie, foto, melder en toelichting verwijderd, {policy.signaal_gesloten} maanden "
            "na sluiten",
        )
        counts["signalen_geanonimiseerd"] += 1

    cutoff = months_before(now, policy.actie_vervallen)
    for act in session.exec(
        select(Actiepunt).where(
            col(Actiepunt.status).in_([ActieStatus.vervallen, ActieStatus.ingetrokken]),
            col(Actiepunt.updated_at) <= cutoff,
        )
    ).all():
        assert act.id is not None
        act_id, status = act.id, act.status
        _anonymise_history(session, "actiepunt", act_id)
        try:
            with session.begin_nested():
                session.delete(act)
                session.flush()
        except IntegrityError:  # something else still points at it: keep the row, without its text
            if act.text == ANONYMISED:
                continue
            act.text = ANONYMISED
            session.add(act)
        log_change(
            session,
            item_type="actiepunt",
            item_id=act_id,
            action="verwijderd (bewaartermijn)",
            actor_id=None,
            now=now,
            detail=f"{status} actiepunt verwijderd, {policy.actie_vervallen} maanden na {status}",
        )
        counts["actiepunten_verwijderd"] += 1

    cutoff = months_before(now, policy.actie_gedaan)
    for act in session.exec(
        select(Actiepunt).where(
            Actiepunt.status == ActieStatus.gedaan, col(Actiepunt.done_at) <= cutoff, Actiepunt.text != ANONYMISED
        )
    ).all():
        assert act.id is not None
        act.text = ANONYMISED
        session.add(act)
        _anonymise_history(session, "actiepunt", act.id)
        log_change(
            session,
            item_type="actiepunt",
            item_id=act.id,
            action="geanonimiseerd (bewaartermijn)",
            actor_id=None,
            now=now,
            detail=f"tekst en toelichtingen verwijderd, {policy.actie_gedaan} maanden na gedaan",
        )
        counts["actiepunten_geanonimiseerd"] += 1

    cutoff = months_before(now, policy.afmelding_reden)
    meetings_touched: set[int] = set()
    for att in session.exec(
        select(Attendance)
        .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))
        .where(col(Attendance.reason).is_not(None), col(Meeting.starts_at) <= cutoff)
    ).all():
        att.reason = None
        session.add(att)
        meetings_touched.add(att.meeting_id)
        counts["afmeldredenen_verwijderd"] += 1
    for meeting_id in sorted(meetings_touched):
        log_change(
            session,
            item_type="overleg",
            item_id=meeting_id,
            action="afmeldredenen verwijderd (bewaartermijn)",
            actor_id=None,
            now=now,
            detail=f"{policy.afmelding_reden} maanden na het overleg",
        )

    counts["agendapunten_geanonimiseerd"] = _agendapunten(session, policy, now=now)
    counts["initiatieven_geanonimiseerd"] = _initiatieven(session, policy, now=now)

    cutoff = months_before(now, policy.bericht_verzonden)
    for msg in session.exec(
        select(OutboxMessage).where(col(OutboxMessage.sent_at) <= cutoff, OutboxMessage.text != ANONYMISED)
    ).all():
        msg.text, msg.payload = ANONYMISED, "{}"
        session.add(msg)
        counts["berichten_geleegd"] += 1

    # a conversation left alone has ended (storage.drafts.STALE_AFTER): its half-told text goes
    counts["concepten_verlopen"] = drafts.expire(session, now=now)

    # Slack retries an event for minutes, not weeks: older de-dup marks only take up space.
    counts["gebeurtenissen_opgeruimd"] = int(
        session.execute(  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult (rowcount)
            sa.delete(ProcessedEvent).where(col(ProcessedEvent.at) < now - timedelta(days=PROCESSED_EVENT_DAYS))
        ).rowcount
        or 0
    )
    # answered inbox requests were emptied when answered; their keys only guard against late retries
    counts["verzoeken_opgeruimd"] = inbox.purge(session, now=now)
    return counts


def _initiatieven(session: Session, policy: RetentionConfig, *, now: datetime) -> int:
    """Closed verzoeken and initiatieven (afgerond, afgewezen, naar het jaarplan) lose their personal data:
    text, place and notes, the initiatiefnemer and the contact person; kind, phase and amounts stay."""
    cutoff = months_before(now, policy.initiatief_gesloten)
    done = 0
    for ini in session.exec(
        select(Initiatief).where(
            col(Initiatief.fase).in_(["afgerond", "afgewezen", "jaarplan"]),
            col(Initiatief.closed_at) <= cutoff,
            Initiatief.text != ANONYMISED,
        )
    ).all():
        assert ini.id is not None
        ini.text, ini.location, ini.area = ANONYMISED, None, None
        ini.initiator_id, ini.contact_id, ini.created_by_id = None, None, None
        session.add(ini)
        for note in session.exec(select(InitiatiefNotitie).where(InitiatiefNotitie.initiatief_id == ini.id)).all():
            session.delete(note)
        _anonymise_history(session, "initiatief", ini.id)
        log_change(
            session,
            item_type="initiatief",
            item_id=ini.id,
            action="geanonimiseerd (bewaartermijn)",
            actor_id=None,
            now=now,
            detail=f"omschrijving, plek, notities, initiatiefnemer en contactpersoon verwijderd, "
            f"{policy.initiatief_gesloten} maanden na afsluiten",
        )
        done += 1
    return done


def _agendapunten(session: Session, policy: RetentionConfig, *, now: datetime) -> int:
    """Agendapunten of meetings `agendapunt` months past lose their text and their guest; who added
    them and that the meeting had them stay (the history)."""
    cutoff = months_before(now, policy.agendapunt)
    done = 0
    meetings_touched: set[int] = set()
    for item in session.exec(
        select(AgendaItem)
        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
        .where(col(Meeting.starts_at) <= cutoff, AgendaItem.text != ANONYMISED)
    ).all():
        item.text, item.guest_id = ANONYMISED, None
        session.add(item)
        meetings_touched.add(item.meeting_id)
        done += 1
    for meeting_id in sorted(meetings_touched):  # the audit rows of agendapunten hold no text ("punt 2")
        log_change(
            session,
            item_type="overleg",
            item_id=meeting_id,
            action="agendapunten gewist (bewaartermijn)",
            actor_id=None,
            now=now,
            detail=f"tekst en gast verwijderd, {policy.agendapunt} maanden na het overleg",
        )
    return done
