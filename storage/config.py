"""The organisation's TOML configuration: validated with clear errors, seeded idempotently."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlmodel import Session, select

from storage import meetings as meeting_repo
from storage.models import Group, MeetingSeries, Membership, Person, PersonKind

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "ridderkerk.toml"
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class ConfigError(Exception):
    """The configuration file is missing or wrong; the message says where and what."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    organisation: str | None = None
    role: str | None = None
    slack_id: str | None = None
    # the workspace's verified e-mail that binds a Slack account (when `koppelen` has "email")
    email: str | None = None

    @field_validator("email")
    @classmethod
    def _an_address(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}", v.strip()):
            raise ValueError(f"'{v}' is geen e-mailadres; schrijf bijvoorbeeld email = \"naam@gemeente.nl\"")
        return v.strip().lower() if v else None


class MeetingsConfig(_Strict):
    first: datetime
    every_weeks: int = Field(ge=1, le=52)
    location: str | None = None

    @field_validator("first", mode="before")
    @classmethod
    def _date_becomes_morning(cls, v: object) -> object:
        if isinstance(v, date) and not isinstance(v, datetime):
            return datetime.combine(v, time(10, 0))
        if isinstance(v, time):
            raise ValueError("geef een datum met tijd, bijvoorbeeld 2026-12-03T10:00:00")
        return v


class GroupConfig(_Strict):
    kind: Literal["team", "regiegroep", "stuurgroep"]
    name: str = Field(min_length=1, max_length=200)
    wijken: list[str] = []
    channel: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    chair: str | None = None
    members: list[str] = []
    meetings: MeetingsConfig | None = None
    reminder_days: list[int] = Field(default=[7, 1])


class RetentionConfig(_Strict):
    """How long personal data is kept, in months per status (AVG; see docs/privacy.md)."""

    signaal_gesloten: int = Field(default=12, ge=1, le=120)  # then text, location, photo, reporter removed
    actie_vervallen: int = Field(default=12, ge=1, le=120)  # then the actiepunt is removed
    actie_gedaan: int = Field(default=24, ge=1, le=120)  # then the text is anonymised
    afmelding_reden: int = Field(default=12, ge=1, le=120)  # then the reason for an absence is removed
    bericht_verzonden: int = Field(default=3, ge=1, le=120)  # then the text of a sent message is removed


class OrgConfig(_Strict):
    timezone: str = "Europe/Amsterdam"
    meldingen_url: str = "https://www.example.nl/melding"
    admins: list[str] = []
    # how a chat account becomes a configured person besides a configured slack_id:
    # "code" (a one-time code from the chair or an admin: /koppel) and/or "email" (verified)
    koppelen: list[Literal["code", "email"]] = ["code", "email"]
    people: dict[str, PersonConfig] = {}
    groups: dict[str, GroupConfig] = {}
    retention: RetentionConfig = Field(default_factory=RetentionConfig)

    @field_validator("koppelen", mode="before")
    @classmethod
    def _known_ways(cls, v: object) -> object:
        if not isinstance(v, list) or any(w not in ("code", "email") for w in v):
            raise ValueError('schrijf koppelen = ["code", "email"], ["code"], ["email"] of []')
        return list(dict.fromkeys(v))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"onbekende tijdzone '{v}', gebruik bijvoorbeeld Europe/Amsterdam") from exc
        return v

    @model_validator(mode="after")
    def _references_exist(self) -> OrgConfig:
        for key in [*self.people, *self.groups]:
            if not re.match(KEY_PATTERN, key):
                raise ValueError(f"sleutel '{key}': gebruik kleine letters, cijfers, - of _")
        known = set(self.people)
        for gkey, g in self.groups.items():
            for who in [g.chair, *g.members] if g.chair else g.members:
                if who not in known:
                    raise ValueError(f"groups.{gkey}: '{who}' staat niet onder [people]")
            if g.chair and g.chair not in g.members:
                g.members.append(g.chair)
        for who in self.admins:
            if who not in known:
                raise ValueError(f"admins: '{who}' staat niet onder [people]")
        emails: dict[str, str] = {}
        for key, pc in self.people.items():
            if pc.email:
                other = emails.setdefault(pc.email, key)
                if other != key:
                    raise ValueError(f"people.{key}.email: hetzelfde e-mailadres staat al bij '{other}'")
        ids = [pc.slack_id for pc in self.people.values() if pc.slack_id]
        dup_ids = {i for i in ids if ids.count(i) > 1}
        if dup_ids:
            raise ValueError(f"slack_id {', '.join(sorted(dup_ids))} is aan meer dan één persoon gegeven")
        channels = [g.channel for g in self.groups.values()]
        dup = {c for c in channels if channels.count(c) > 1}
        if dup:
            raise ValueError(f"kanaal {', '.join(sorted(dup))} is aan meer dan één groep gegeven")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(path: str | Path | None = None) -> OrgConfig:
    """Read and validate a configuration file (the Ridderkerk example when none is given)."""
    p = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: bestand niet gevonden") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: geen geldige TOML ({exc})") from None
    try:
        return OrgConfig.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"]) or "(bovenste niveau)"
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{p}: {where}: {msg}")
        raise ConfigError("\n".join(lines)) from None


def seed(session: Session, config: OrgConfig, *, now: datetime) -> None:
    """Bring people, groups, memberships and meeting series in line with the configuration.

    Running it twice changes nothing. Ambassadors and people created in chat are left alone.
    """
    people: dict[str, Person] = {p.key: p for p in session.exec(select(Person)).all()}
    for key, pc in config.people.items():
        person = people.get(key)
        if person is None:
            person = Person(key=key, name=pc.name, created_at=now, kind=PersonKind.partner)
            people[key] = person
        person.name, person.organisation, person.role = pc.name, pc.organisation, pc.role
        if pc.slack_id:
            person.slack_id = pc.slack_id
        person.is_admin = key in config.admins
        session.add(person)
    session.flush()

    groups = {g.key: g for g in session.exec(select(Group)).all()}
    for key, gc in config.groups.items():
        group = groups.get(key) or Group(key=key, kind=gc.kind, name=gc.name, channel=gc.channel)
        group.kind, group.name, group.channel = gc.kind, gc.name, gc.channel
        group.wijken = ",".join(gc.wijken)
        group.chair_id = people[gc.chair].id if gc.chair else None
        group.every_weeks = gc.meetings.every_weeks if gc.meetings else None
        group.reminder_days = ",".join(str(d) for d in gc.reminder_days)
        session.add(group)
        session.flush()
        assert group.id is not None
        _sync_members(session, group.id, {people[m].id for m in gc.members if people[m].id})
        if gc.meetings:
            first = gc.meetings.first
            first = (first.replace(tzinfo=config.tz) if first.tzinfo is None else first).astimezone(UTC)
            exists = session.exec(
                select(MeetingSeries).where(MeetingSeries.group_id == group.id, MeetingSeries.first_at == first)
            ).first()
            if exists is None:
                exists = MeetingSeries(
                    group_id=group.id,
                    first_at=first,
                    every_weeks=gc.meetings.every_weeks,
                    location=gc.meetings.location,
                )
            exists.every_weeks = gc.meetings.every_weeks
            exists.location = gc.meetings.location
            session.add(exists)
            session.flush()
    meeting_repo.extend_series(session, now=now, tz=config.tz)


def _sync_members(session: Session, group_id: int, wanted: set[int | None]) -> None:
    current = session.exec(select(Membership).where(Membership.group_id == group_id)).all()
    have = {m.person_id for m in current}
    for m in current:
        if m.role == "lid" and m.person_id not in wanted:
            session.delete(m)
    for pid in wanted - have:
        if pid is not None:
            session.add(Membership(group_id=group_id, person_id=pid))
