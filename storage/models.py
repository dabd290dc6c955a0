"""SQLModel tables: the domain of wijkbot.

Times are stored as naive UTC (`UtcDateTime` makes them aware again on the way out), so SQLite
and PostgreSQL behave the same. Personal data is kept to what the job needs (AVG): a person is a
name, an organisation, a role and an address per chat service (`PersonAddress`, the table
identity); residents (wijkambassadeurs) only a chat id and the first name Telegram gives.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC; read back as aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _ts(**kw: Any) -> Any:
    return Field(sa_type=UtcDateTime, **kw)


class GroupKind(StrEnum):
    team = "team"
    regiegroep = "regiegroep"
    stuurgroep = "stuurgroep"


class PersonKind(StrEnum):
    partner = "partner"
    ambassadeur = "ambassadeur"
    bewoner = "bewoner"  # a resident member of a group (a buurtpreventieteam, a wijkcoalitie)


class SignaalStatus(StrEnum):
    open = "open"
    in_behandeling = "in_behandeling"
    actie = "actie"
    gesloten = "gesloten"
    ingetrokken = "ingetrokken"  # recorded by mistake and withdrawn within 24 h: in the history only


class ActieStatus(StrEnum):
    open = "open"
    gedaan = "gedaan"
    vervallen = "vervallen"
    ingetrokken = "ingetrokken"  # recorded by mistake and withdrawn within 24 h: in the history only


class JaarplanStatus(StrEnum):
    open = "open"
    klaar = "klaar"
    vervallen = "vervallen"


class MeetingStatus(StrEnum):
    gepland = "gepland"
    gehouden = "gehouden"
    geannuleerd = "geannuleerd"


class AttendanceStatus(StrEnum):
    komt = "komt"
    afgemeld = "afgemeld"
    aanwezig = "aanwezig"
    afwezig = "afwezig"


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=100)
    kind: str = Field(default=PersonKind.partner, max_length=20)
    is_admin: bool = False
    active: bool = True
    created_at: datetime = _ts()
    erased_at: datetime | None = _ts(default=None)


class Group(SQLModel, table=True):
    __tablename__ = "wijkgroup"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=64)
    kind: str = Field(max_length=20)
    name: str = Field(max_length=200)
    channel: str = Field(unique=True, index=True, max_length=80)
    wijken: str = Field(default="", max_length=500)  # comma-separated names
    chair_id: int | None = Field(default=None, foreign_key="person.id")
    every_weeks: int | None = None
    reminder_days: str = Field(default="7,1", max_length=40)
    # the organisation model (configuration, see docs/configuration.md); seeded from the TOML
    label: str | None = Field(default=None, max_length=100)  # how the group's kind reads in texts
    reports_to: str = Field(default="", max_length=1000)  # comma-separated group keys
    norm_weeks: int | None = None  # the minimum rhythm the covenant asks: every n weeks ...
    norm_per_year: int | None = None  # ... or n times a year; neither: no norm
    meets_per_year: int | None = None  # the configured rhythm when it is `per_year`
    on_request: bool = False  # meets only when asked ("op verzoek")
    jaarplan: bool = True  # jaarplan prompts, agenda item and voortgangsrapportage
    participatie_per_year: int | None = None  # participatiebijeenkomsten it must hold
    areas: str = Field(default="", max_length=2000)  # comma-separated buurten or kernen

    @property
    def wijk_list(self) -> list[str]:
        return [w for w in self.wijken.split(",") if w]

    @property
    def reports_to_keys(self) -> list[str]:
        return [k for k in self.reports_to.split(",") if k]

    @property
    def area_list(self) -> list[str]:
        return [a for a in self.areas.split(",") if a]

    @property
    def norm_span(self) -> int | None:
        """The weeks within which the next meeting must be held by the norm (per_year 2 → 26); None: no norm."""
        if self.norm_weeks:
            return self.norm_weeks
        if self.norm_per_year:
            return max(1, 52 // self.norm_per_year)
        return None

    @property
    def norm_words(self) -> str:
        """The norm as it reads: "minstens elke 8 weken", "minstens 2 keer per jaar" ("" when none)."""
        if self.norm_weeks:
            return f"minstens elke {self.norm_weeks} weken"
        if self.norm_per_year:
            return (
                "minstens 1 keer per jaar"
                if self.norm_per_year == 1
                else f"minstens {self.norm_per_year} keer per jaar"
            )
        return ""

    @property
    def kind_label(self) -> str:
        """The group's kind as the organisation names it ("Buurtpreventieteam"); default the kind itself."""
        return self.label or self.kind


class PersonAddress(SQLModel, table=True):
    """A person's address on one transport (a Slack user id, a Telegram user id, a Teams id, ...)."""

    __tablename__ = "identity"
    __table_args__ = (
        sa.UniqueConstraint("transport", "external_id", name="uq_identity_address"),
        sa.UniqueConstraint("person_id", "transport", name="uq_identity_person_transport"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    transport: str = Field(max_length=40)
    external_id: str = Field(max_length=255)


class GroupAddress(SQLModel, table=True):
    """A group's channel on one transport (a Slack channel id, a Telegram chat id, a Teams channel)."""

    __tablename__ = "groupaddress"
    __table_args__ = (
        sa.UniqueConstraint("transport", "address", name="uq_groupaddress_address"),
        sa.UniqueConstraint("group_id", "transport", name="uq_groupaddress_group_transport"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    transport: str = Field(max_length=40)
    address: str = Field(max_length=255)


class Membership(SQLModel, table=True):
    group_id: int = Field(foreign_key="wijkgroup.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    role: str = Field(default="lid", max_length=20)  # lid | gast | ambassadeur
    yearly: bool = False  # a member who joins once a year: never flagged for absence


class Signaal(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_signaal_group_status", "group_id", "status"),
        # the digest: open signalen of a team ordered by age (oldest, median) without a table scan
        sa.Index("ix_signaal_group_status_created", "group_id", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    text: str = Field(sa_type=sa.Text)
    category: str = Field(max_length=40)
    status: str = Field(default=SignaalStatus.open, max_length=20)
    source: str = Field(default="team", max_length=20)  # team | ambassadeur
    reported_by_id: int | None = Field(default=None, foreign_key="person.id")
    location: str | None = Field(default=None, max_length=200)
    area: str | None = Field(default=None, max_length=100)  # one of the group's buurten or kernen (@@Buurt)
    photo_ref: str | None = Field(default=None, max_length=300)
    triage: str | None = Field(default=None, max_length=30)  # a resident's kind of input (seed 004)
    created_at: datetime = _ts(index=True)
    updated_at: datetime = _ts()
    closed_at: datetime | None = _ts(default=None)
    closing_note: str | None = Field(default=None, sa_type=sa.Text)


class Actiepunt(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_actiepunt_group_status", "group_id", "status"),
        sa.Index("ix_actiepunt_owner_status", "owner_id", "status"),
        # `/actie lijst te-laat` and open actiepunten by deadline: without it SQLite walks
        # ix_actiepunt_deadline over the whole table (bench/, docs/performance.md)
        sa.Index("ix_actiepunt_group_status_deadline", "group_id", "status", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    text: str = Field(sa_type=sa.Text)
    owner_id: int = Field(foreign_key="person.id")
    deadline: datetime = _ts(index=True)
    status: str = Field(default=ActieStatus.open, max_length=20)
    signaal_id: int | None = Field(default=None, foreign_key="signaal.id", index=True)
    jaarplan_id: int | None = Field(default=None, foreign_key="jaarplanitem.id", index=True)  # `bij J-3`
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts(index=True)
    updated_at: datetime = _ts()
    done_at: datetime | None = _ts(default=None, index=True)  # the digest: actiepunten done in a week
    last_reminder_at: datetime | None = _ts(default=None)
    chair_told_at: datetime | None = _ts(default=None)


class JaarplanItem(SQLModel, table=True):
    """One activity of a group's jaarplan (or wijkagenda) for a year (`J-<n>`); progress notes are
    history rows (Wijziging, item_type "jaarplan", action "voortgang")."""

    __table_args__ = (sa.Index("ix_jaarplanitem_group_year", "group_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    year: int
    activiteit: str = Field(sa_type=sa.Text)
    trekker_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    partners: str | None = Field(default=None, max_length=500)
    periode: str | None = Field(default=None, max_length=100)  # "Q2", "voorjaar", "maart-april"
    budget_cents: int | None = Field(default=None, sa_type=sa.BigInteger)  # euros in cents
    status: str = Field(default=JaarplanStatus.open, max_length=20)
    copied_from_id: int | None = Field(default=None, foreign_key="jaarplanitem.id", index=True)  # nieuw-jaar
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    closed_at: datetime | None = _ts(default=None)


class Wijziging(SQLModel, table=True):
    """Audit log: one row for every change, with who and when (AVG)."""

    __table_args__ = (sa.Index("ix_wijziging_item", "item_type", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    item_type: str = Field(max_length=30)  # signaal | actiepunt | overleg | ...
    item_id: int
    action: str = Field(max_length=40)
    detail: str = Field(default="", sa_type=sa.Text)


class MeetingSeries(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    first_at: datetime = _ts()
    every_weeks: int
    location: str | None = Field(default=None, max_length=200)
    active: bool = True


class Meeting(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("group_id", "starts_at", name="uq_meeting_group_time"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    series_id: int | None = Field(default=None, foreign_key="meetingseries.id")
    starts_at: datetime = _ts(index=True)
    location: str | None = Field(default=None, max_length=200)
    status: str = Field(default=MeetingStatus.gepland, max_length=20)
    attendance_confirmed_at: datetime | None = _ts(default=None)
    # how often its time or status changed (cancelled, moved): the ICS SEQUENCE, and a fresh set of reminders
    sequence: int = 0
    # a meeting of a series that was moved: the series' moment it replaces (so the series does not fill it again)
    series_slot: datetime | None = _ts(default=None)


class AgendaItem(SQLModel, table=True):
    """An item a member put on a meeting's agenda (`/overleg agendapunt`), with an optional guest for it."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    text: str = Field(max_length=500)
    added_by_id: int | None = Field(default=None, foreign_key="person.id")
    guest_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()


class Attendance(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("meeting_id", "person_id", name="uq_attendance"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=500)
    substitute_id: int | None = Field(default=None, foreign_key="person.id")
    responded_at: datetime = _ts()


class Bijeenkomst(SQLModel, table=True):
    """A participatiebijeenkomst: a meeting with residents in the wijk."""

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    starts_at: datetime = _ts(index=True)
    description: str = Field(max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()


class Invitation(SQLModel, table=True):
    """A one-time code that links a Telegram user to a team as wijkambassadeur."""

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id")
    code_hash: str = Field(unique=True, max_length=128)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(default=None)
    used_by_id: int | None = Field(default=None, foreign_key="person.id")


class Koppelcode(SQLModel, table=True):
    """A one-time code with which a configured person binds their own chat account (/koppel)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(unique=True, max_length=128)  # SHA-256 of the code; never the code itself
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(default=None)


class Draft(SQLModel, table=True):
    """A conversation in progress (the resident's /signaal), one per address on a transport.

    Neutral: `transport` and `address` are whatever the adapter passes (a chat id); `state` is the
    flow's JSON. Only a linked person has one (`person_id`), and it is gone with them (storage/erase.py),
    on its last step, or when left alone (storage.drafts.STALE_AFTER; storage/retention.py).
    """

    transport: str = Field(primary_key=True, max_length=40)
    address: str = Field(primary_key=True, max_length=255)
    person_id: int = Field(foreign_key="person.id", index=True)
    flow: str = Field(max_length=40)  # e.g. "signaal"
    state: str = Field(sa_type=sa.Text)  # JSON
    updated_at: datetime = _ts()


class OutboxMessage(SQLModel, table=True):
    """A message waiting to leave: written in the same transaction as the change it reports."""

    __table_args__ = (
        sa.Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
        # only the parked rows (0017): a query for the unparked ones must not walk the sent history here
        sa.Index(
            "ix_outbox_parked",
            "parked_at",
            sqlite_where=sa.text("parked_at IS NOT NULL"),
            postgresql_where=sa.text("parked_at IS NOT NULL"),
        ),
        sa.Index("ix_outbox_after_timeout", "after_timeout"),
        # the waiting messages of one destination in order (delivery's heads and next ones): 0017
        sa.Index(
            "ix_outbox_waiting",
            "kind",
            "destination",
            "id",
            sqlite_where=sa.text("sent_at IS NULL AND parked_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND parked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str | None = Field(default=None, unique=True, max_length=200)
    kind: str = Field(max_length=20)  # channel | dm
    destination: str = Field(max_length=80)  # channel name, or person key for a dm
    text: str = Field(sa_type=sa.Text)
    payload: str = Field(default="{}", sa_type=sa.Text)  # JSON: buttons, attachments
    created_at: datetime = _ts()
    next_attempt_at: datetime = _ts()
    attempts: int = 0
    sent_at: datetime | None = _ts(default=None)
    transport: str | None = Field(default=None, max_length=20)
    last_error: str | None = Field(default=None, max_length=500)
    # a dead letter: refused for good (or too old to retry); waits for `wijkbot outbox opnieuw|weg`
    parked_at: datetime | None = _ts(default=None)
    park_reason: str | None = Field(default=None, max_length=200)
    # when the chair or the admins were told that it was parked or waits for an address
    reported_at: datetime | None = _ts(default=None)
    # the start of the first attempt that got no answer in time: it may have arrived all the same,
    # so before sending it again the transport looks whether it is there (docs/security.md, "Bezorging")
    timed_out_at: datetime | None = _ts(default=None)
    # how it went after such a timeout: found (it had arrived: not sent again), resent (it had
    # not: sent once more), double (it arrived more than once) or unchecked (sent again without
    # being able to look: a possible double)
    after_timeout: str | None = Field(default=None, max_length=20)


class ProcessedEvent(SQLModel, table=True):
    """Ids of incoming events already handled (Slack retries the same event_id)."""

    event_id: str = Field(primary_key=True, max_length=100)
    at: datetime = _ts()


class Voortgangsrapportage(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("group_id", "period", name="uq_rapportage"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id")
    period: str = Field(max_length=10)  # e.g. 2026-H2
    drafted_at: datetime = _ts()
    chair_text: str | None = Field(default=None, sa_type=sa.Text)
    completed_at: datetime | None = _ts(default=None)
    completed_by_id: int | None = Field(default=None, foreign_key="person.id")
    posted_at: datetime | None = _ts(default=None)
    versie: int = 0  # how often it was sent: 2 and on are "herziene versie"


class ClockState(SQLModel, table=True):
    """Key/value marks for jobs (last run times), so jobs can catch up after downtime."""

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=200)


class Besluit(SQLModel, table=True):
    """A decision (B-12) taken at a meeting of a group; the verslag carries it up or down the chain."""

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    text: str = Field(sa_type=sa.Text)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")  # `/besluit ... over S-12`
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()


class EscalationStatus(StrEnum):
    open = "open"
    besloten = "besloten"  # the higher group took a besluit about it
    terug = "terug"  # sent back to the team with a note
    gemeld = "gemeld"  # a frequent-absence flag passed on to the chair above: nothing to decide here


class Escalation(SQLModel, table=True):
    """An item (or a frequent-absence flag) passed on to the group above (`/opschalen`)."""

    __table_args__ = (sa.Index("ix_escalation_to_status", "to_group_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # signaal | actiepunt | afwezigheid
    item_id: int | None = None  # the signaal or actiepunt
    person_id: int | None = Field(default=None, foreign_key="person.id")  # afwezigheid: who
    from_group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    to_group_id: int = Field(foreign_key="wijkgroup.id")
    reason: str = Field(default="", sa_type=sa.Text)
    status: str = Field(default=EscalationStatus.open, max_length=20)
    outcome: str | None = Field(default=None, sa_type=sa.Text)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()
    closed_by_id: int | None = Field(default=None, foreign_key="person.id")
    closed_at: datetime | None = _ts(default=None)


class VerslagSent(SQLModel, table=True):
    """The durable mark that a meeting's verslag went along the reporting lines (once, across restarts)."""

    # a mark like ClockState, no foreign key: removing a meeting (a replaced series) is never blocked by it
    meeting_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    sent_at: datetime = _ts()
    trigger: str = Field(max_length=20)  # aanwezigheid | einde-dag


class InitiatiefKind(StrEnum):
    """What a resident brings (seed 004, chapter 4 and bijlage 3, fase 2)."""

    verzoek = "verzoek"  # simple, can be picked up this year
    beleidswens = "beleidswens"  # complex: goes through the jaarplan / wijkagenda
    initiatief = "initiatief"  # the residents act themselves (inwonerinitiatief)


class InitiatiefFase(StrEnum):
    aangemeld = "aangemeld"
    gesprek = "gesprek"  # oriënterend gesprek
    principebesluit = "principebesluit"
    plan = "plan"  # the worked-out plan with budget and planning
    besluit = "besluit"  # definitief besluit
    uitvoering = "uitvoering"
    evaluatie = "evaluatie"
    afgerond = "afgerond"
    afgewezen = "afgewezen"
    in_behandeling = "in_behandeling"  # a verzoek's one working phase
    jaarplan = "jaarplan"  # a beleidswens moved into the jaarplan / wijkagenda


class Initiatief(SQLModel, table=True):
    """A resident's verzoek, beleidswens or initiatief (`I-<n>`), through the phases of seed 004 bijlage 3."""

    __table_args__ = (sa.Index("ix_initiatief_group_fase", "group_id", "fase"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="wijkgroup.id", index=True)
    kind: str = Field(default=InitiatiefKind.initiatief, max_length=20)
    text: str = Field(sa_type=sa.Text)  # the omschrijving
    requested_cents: int | None = Field(default=None, sa_type=sa.BigInteger)  # bedrag gevraagd
    scope: str = Field(default="wijk", max_length=10)  # wijk (the whole wijk) | buurt (a street or spot)
    area: str | None = Field(default=None, max_length=100)  # one of the group's buurten or kernen (@@Buurt)
    wijk: str = Field(default="", max_length=100)  # the wijk whose budget pays
    location: str | None = Field(default=None, max_length=200)  # what a resident typed as the place
    fase: str = Field(default=InitiatiefFase.aangemeld, max_length=20)
    fase_since: datetime = _ts()  # the last movement: the overdue check counts from here
    participatie: str | None = Field(default=None, max_length=20)  # the rung: loslaten ... reguleren
    source: str = Field(default="team", max_length=20)  # team | ambassadeur
    initiator_id: int | None = Field(default=None, foreign_key="person.id")  # the initiatiefnemer
    contact_id: int | None = Field(default=None, foreign_key="person.id")  # the vakambtenaar
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    granted_cents: int | None = Field(default=None, sa_type=sa.BigInteger)  # toegekend uit het wijkbudget
    granted_year: int | None = None  # the budget year it is charged to
    granted_at: datetime | None = _ts(default=None)
    created_at: datetime = _ts(index=True)
    updated_at: datetime = _ts()
    closed_at: datetime | None = _ts(default=None)
    last_reminder_at: datetime | None = _ts(default=None)


class InitiatiefNotitie(SQLModel, table=True):
    """A note on an initiative: public (for the initiatiefnemer, the toelichting of a phase) or internal."""

    id: int | None = Field(default=None, primary_key=True)
    initiatief_id: int = Field(foreign_key="initiatief.id", index=True)
    at: datetime = _ts()
    author_id: int | None = Field(default=None, foreign_key="person.id")
    public: bool = False
    fase: str | None = Field(default=None, max_length=20)  # the phase it was written with
    text: str = Field(sa_type=sa.Text)


class InboxRequest(SQLModel, table=True):
    """A request a transport acknowledged: written before the acknowledgement, run by a worker.

    The web process verifies the request, writes this row and acknowledges; a worker claims it
    (`claimed_by`, `claimed_until`: a lease, on PostgreSQL taken with FOR UPDATE SKIP LOCKED),
    runs it, and records each command's replies (`steps`, `replies`) in the command's own
    transaction; `answered_at` once the answer went out. `dedupe_key` holds the platform's ids
    (a Slack event_id, a Telegram update_id, a request's signature) so a retry is one row.
    """

    __tablename__ = "inbox"
    __table_args__ = (sa.Index("ix_inbox_open", "answered_at", "claimed_until"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=200)
    transport: str = Field(max_length=20)
    kind: str = Field(max_length=40)  # what the transport calls it: command, action, event, update
    body: str = Field(sa_type=sa.Text)  # the request as JSON; emptied once answered (docs/privacy.md)
    received_at: datetime = _ts()
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = _ts(default=None)
    attempts: int = 0
    steps: int = 0  # commands of this request done (each in its own transaction, with its replies)
    replies: str = Field(default="[]", sa_type=sa.Text)  # JSON: the replies of each step done
    answered_at: datetime | None = _ts(default=None)
    last_error: str | None = Field(default=None, max_length=500)
