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

from storage import identity
from storage import meetings as meeting_repo
from storage.models import Group, GroupKind, MeetingSeries, Membership, Person, PersonKind

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "ridderkerk.toml"
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
# the categories of a signaal when the configuration names none (CONTRACTS, section 1)
DEFAULT_CATEGORIES = ("overlast", "veiligheid", "woonomgeving", "jeugd", "zorg", "openbare-ruimte", "overig")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
DEFAULT_PARTICIPATIE = 2  # participatiebijeenkomsten a year a team holds when `participatie` is absent


class ConfigError(Exception):
    """The configuration file is missing or wrong; the message says where and what."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


TRANSPORT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _check_ids(v: dict[str, str]) -> dict[str, str]:
    """`ids = { teams = "…" }`: a transport name to the address there, both plain."""
    out: dict[str, str] = {}
    for transport, address in v.items():
        if not TRANSPORT_NAME.fullmatch(transport):
            raise ValueError(
                f"'{transport}' is geen naam van een chatdienst; schrijf bijvoorbeeld ids = {{ teams = \"29:1a2b\" }}"
            )
        address = address.strip()
        if not address or len(address) > 255:
            raise ValueError(f"ids.{transport}: geef het adres op {transport}, hooguit 255 tekens")
        out[transport] = address
    return out


class PersonConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["partner", "bewoner"] = "partner"  # bewoner: a resident member of a group
    organisation: str | None = None
    role: str | None = None
    slack_id: str | None = None  # = ids.slack
    # the person's fixed address per chat service: ids = { teams = "29:…" } (slack_id is ids.slack)
    ids: dict[str, str] = {}
    # the workspace's verified e-mail that binds a Slack account (when `koppelen` has "email")
    email: str | None = None

    @field_validator("ids")
    @classmethod
    def _ids(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_ids(v)

    @model_validator(mode="after")
    def _slack_id_is_ids_slack(self) -> PersonConfig:
        if self.slack_id is not None:
            self.slack_id = self.slack_id.strip()
            other = self.ids.get("slack")
            if other is not None and other != self.slack_id:
                raise ValueError(f"slack_id en ids.slack verschillen ({self.slack_id}, {other}); geef er één")
            self.ids = {**self.ids, "slack": self.slack_id}
        elif "slack" in self.ids:
            self.slack_id = self.ids["slack"]
        return self

    @field_validator("email")
    @classmethod
    def _an_address(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}", v.strip()):
            raise ValueError(f"'{v}' is geen e-mailadres; schrijf bijvoorbeeld email = \"naam@gemeente.nl\"")
        return v.strip().lower() if v else None


class MeetingsConfig(_Strict):
    """How often a group meets: every n weeks, n times a year, or on request."""

    first: datetime | None = None
    every_weeks: int | None = Field(default=None, ge=1, le=52)
    per_year: int | None = Field(default=None, ge=1, le=12)
    on_request: bool = False
    location: str | None = None

    @field_validator("first", mode="before")
    @classmethod
    def _date_becomes_morning(cls, v: object) -> object:
        if isinstance(v, date) and not isinstance(v, datetime):
            return datetime.combine(v, time(10, 0))
        if isinstance(v, time):
            raise ValueError("geef een datum met tijd, bijvoorbeeld 2026-12-03T10:00:00")
        return v

    @model_validator(mode="after")
    def _one_rhythm(self) -> MeetingsConfig:
        given = [k for k in ("every_weeks", "per_year") if getattr(self, k) is not None]
        if self.on_request:
            given.append("on_request")
        if len(given) != 1:
            raise ValueError(
                "kies één ritme: { first = 2027-01-14T19:30:00, every_weeks = 6 }, "
                "{ first = ..., per_year = 2 } of { on_request = true }"
            )
        if not self.on_request and self.first is None:
            raise ValueError("geef het eerste overleg met first, bijvoorbeeld first = 2027-01-14T19:30:00")
        return self

    @property
    def series_weeks(self) -> int | None:
        """The weeks between meetings of the series (per_year 2 → 26); None when it meets on request."""
        if self.every_weeks:
            return self.every_weeks
        if self.per_year:
            return max(1, 52 // self.per_year)
        return None


class NormConfig(_Strict):
    """The minimum the covenant asks: at least every n weeks, or n times a year."""

    every_weeks: int | None = Field(default=None, ge=1, le=104)
    per_year: int | None = Field(default=None, ge=1, le=52)

    @model_validator(mode="after")
    def _one(self) -> NormConfig:
        if (self.every_weeks is None) == (self.per_year is None):
            raise ValueError("schrijf norm = { every_weeks = 8 } of norm = { per_year = 2 }")
        return self


class ParticipatieConfig(_Strict):
    per_year: int = Field(ge=0, le=52)


class GroupConfig(_Strict):
    kind: Literal["team", "regiegroep", "stuurgroep"]
    label: str | None = Field(default=None, min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    wijken: list[str] = []
    areas: list[str] = []
    channel: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    chair: str | None = None
    members: list[str] = []
    guests: list[str] = []
    reports_to: list[str] | None = None
    meetings: MeetingsConfig | None = None
    norm: NormConfig | None = None
    yearly: list[str] = []
    jaarplan: bool | None = None  # default: true for a team
    participatie: ParticipatieConfig | None = None  # default: 2 a year for a team
    reminder_days: list[int] = Field(default=[7, 1])
    # the group's channel per chat service, when it is not found by its name: ids = { teams = "19:…" }
    ids: dict[str, str] = {}

    @field_validator("ids")
    @classmethod
    def _ids(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_ids(v)

    @field_validator("areas")
    @classmethod
    def _areas(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for area in v:
            area = " ".join(area.split())
            if not area or len(area) > 100 or "," in area or "@" in area:
                raise ValueError(f'\'{area}\' is geen buurt of kern; schrijf areas = ["Akkerlaan", "Eikenlaan"]')
            if area_key(area) in {area_key(a) for a in out}:
                raise ValueError(f"'{area}' staat twee keer in areas")
            out.append(area)
        return out

    @property
    def has_jaarplan(self) -> bool:
        return self.jaarplan if self.jaarplan is not None else self.kind == "team"

    @property
    def participatie_per_year(self) -> int | None:
        if self.participatie is not None:
            return self.participatie.per_year or None
        return DEFAULT_PARTICIPATIE if self.kind == "team" else None


class DigestConfig(_Strict):
    """The weekly overview: to whom, and when."""

    to: list[str] | None = None  # group keys; default every regiegroep
    weekday: str = "maandag"
    time: str = "08:00"

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, v: str) -> str:
        if v.lower() not in WEEKDAYS:
            raise ValueError(f"'{v}' is geen dag; schrijf een van {', '.join(WEEKDAYS)}")
        return v.lower()

    @field_validator("time")
    @classmethod
    def _time(cls, v: str) -> str:
        m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", v.strip())
        if not m:
            raise ValueError(f"'{v}' is geen tijd; schrijf bijvoorbeeld time = \"08:00\"")
        return f"{int(m[1]):02d}:{m[2]}"

    @property
    def day_index(self) -> int:
        return WEEKDAYS.index(self.weekday)

    @property
    def hour_minute(self) -> tuple[int, int]:
        h, m = self.time.split(":")
        return int(h), int(m)


class BudgetConfig(_Strict):
    """A wijk's budget for one year (seed 004, bijlage 2); used by `/budget` and `/initiatief I-4 toekennen`."""

    jaar: int = Field(ge=2000, le=2100)
    totaal: float = Field(ge=0)
    initiatieven: float = Field(default=0.33, ge=0, le=1)
    max_wijk: float | None = Field(default=None, ge=0)
    max_buurt: float | None = Field(default=None, ge=0)


def area_key(text: str) -> str:
    """How an area is matched in a tag: `@@oude-haven` is "Oude Haven"."""
    return "-".join(text.lower().split()).replace("_", "-")


def wijk_key(text: str) -> str:
    """A wijk's name as a [budgets] key: lower case, spaces as -."""
    return "-".join(text.lower().split())


class RetentionConfig(_Strict):
    """How long personal data is kept, in months per status (AVG; see docs/privacy.md)."""

    signaal_gesloten: int = Field(default=12, ge=1, le=120)  # then text, location, photo, reporter removed
    actie_vervallen: int = Field(default=12, ge=1, le=120)  # then the actiepunt is removed
    actie_gedaan: int = Field(default=24, ge=1, le=120)  # then the text is anonymised
    afmelding_reden: int = Field(default=12, ge=1, le=120)  # then the reason for an absence is removed
    bericht_verzonden: int = Field(default=3, ge=1, le=120)  # then the text of a sent message is removed
    # a closed verzoek, beleidswens or initiatief (afgerond, afgewezen, naar het jaarplan): then its
    # text, place, notes and the people behind it are removed; the amounts stay for the books
    initiatief_gesloten: int = Field(default=24, ge=1, le=120)
    agendapunt: int = Field(default=12, ge=1, le=120)  # months after the meeting: text and guest removed


class OrgConfig(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)  # the organisation, in texts
    covenant: str | None = Field(default=None, min_length=1, max_length=200)  # cited where a rule comes from
    # what the covenant says about frequent absence, quoted by `/opschalen afwezigheid` (else a neutral sentence)
    afwezigheid_regel: str | None = Field(default=None, min_length=1, max_length=1000)
    categories: list[str] = list(DEFAULT_CATEGORIES)
    jaarplan_naam: str = Field(default="jaarplan", min_length=1, max_length=60)
    digest: DigestConfig | bool = True
    timezone: str = "Europe/Amsterdam"
    meldingen_url: str = "https://www.example.nl/melding"
    # triage (seed 004, bijlage 3, fase 2): complaints about the municipality, neighbour disputes
    klachten_url: str = "https://www.example.nl/klacht"
    buurtbemiddeling_url: str = "https://www.example.nl/buurtbemiddeling"
    # an initiative's phase without movement this many weeks is chased (schedules/initiatief.py)
    initiatief_fase_weken: int = Field(default=4, ge=1, le=52)
    admins: list[str] = []
    # how a chat account becomes a configured person besides a configured slack_id:
    # "code" (a one-time code from the chair or an admin: /koppel) and/or "email" (verified)
    koppelen: list[Literal["code", "email"]] = ["code", "email"]
    people: dict[str, PersonConfig] = {}
    groups: dict[str, GroupConfig] = {}
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    budgets: dict[str, BudgetConfig] = {}

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for c in v:
            c = c.strip().lstrip("#").lower()
            if not re.fullmatch(r"[a-z][a-z0-9-]{0,39}", c):
                raise ValueError(
                    f"'{c}' is geen categorie; gebruik kleine letters, cijfers en -, bijvoorbeeld \"openbare-ruimte\""
                )
            if c in out:
                raise ValueError(f"'{c}' staat twee keer in categories")
            out.append(c)
        if not out:
            raise ValueError('noem minstens één categorie, bijvoorbeeld categories = ["overlast", "overig"]')
        return out

    @field_validator("digest", mode="before")
    @classmethod
    def _digest_off(cls, v: object) -> object:
        if v is False or v is True:
            return v
        if not isinstance(v, dict):
            raise ValueError("schrijf digest = false, of een tabel [digest] met to, weekday en time")
        return v

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
        bewoners = {k for k, p in self.people.items() if p.kind == "bewoner"}
        for gkey, g in self.groups.items():
            for who in [g.chair, *g.members] if g.chair else g.members:
                if who not in known:
                    raise ValueError(f"groups.{gkey}: '{who}' staat niet onder [people]")
            if g.chair and g.chair not in g.members:
                g.members.append(g.chair)
            for who in g.guests:
                if who not in known:
                    raise ValueError(
                        f"groups.{gkey}.guests: '{who}' staat niet onder [people]; een gast is een persoon"
                    )
                if who in g.members:
                    raise ValueError(f"groups.{gkey}.guests: '{who}' is al lid; noem een persoon als lid of als gast")
                if who in bewoners:
                    raise ValueError(
                        f"groups.{gkey}.guests: '{who}' is een bewoner; een bewoner is lid van de eigen groep, "
                        "nooit gast van een andere"
                    )
            for who in g.yearly:
                if who not in g.members:
                    raise ValueError(
                        f"groups.{gkey}.yearly: '{who}' is geen lid van deze groep; zet het eerst in members"
                    )
            for other in g.reports_to or []:
                if other not in self.groups:
                    raise ValueError(f"groups.{gkey}.reports_to: '{other}' is geen groep onder [groups]")
                if other == gkey:
                    raise ValueError(f"groups.{gkey}.reports_to: een groep kan niet aan zichzelf rapporteren")
        self._no_cycle()
        for who in self.admins:
            if who not in known:
                raise ValueError(f"admins: '{who}' staat niet onder [people]")
            if who in bewoners:
                raise ValueError(
                    f"admins: '{who}' is een bewoner (kind = \"bewoner\"); alleen een partner kan beheerder zijn"
                )
        if isinstance(self.digest, DigestConfig):
            for key in self.digest.to or []:
                if key not in self.groups:
                    raise ValueError(f"digest.to: '{key}' is geen groep onder [groups]")
        wijken = {wijk_key(w) for g in self.groups.values() for w in g.wijken}
        for key in self.budgets:
            if key not in wijken:
                raise ValueError(
                    f"budgets.{key}: geen wijk van een groep heet zo; de sleutel is de naam van de wijk "
                    "in kleine letters met - voor spaties"
                )
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
        for what, owners in (("persoon", self.people), ("groep", self.groups)):
            seen: dict[tuple[str, str], str] = {}
            for key, owner in owners.items():
                for transport, address in owner.ids.items():
                    other = seen.setdefault((transport, address), key)
                    if other != key:
                        raise ValueError(
                            f"ids.{transport} {address} is aan meer dan één {what} gegeven ({other}, {key})"
                        )
        channels = [g.channel for g in self.groups.values()]
        dup = {c for c in channels if channels.count(c) > 1}
        if dup:
            raise ValueError(f"kanaal {', '.join(sorted(dup))} is aan meer dan één groep gegeven")
        return self

    def _no_cycle(self) -> None:
        """A reporting line never comes back to where it started."""
        state: dict[str, int] = {}  # 1: on the path, 2: done

        def visit(key: str, path: list[str]) -> None:
            state[key] = 1
            for up in self.reports_to(key):
                if state.get(up) == 1:
                    loop = " → ".join([*path[path.index(up) :], up]) if up in path else f"{key} → {up}"
                    raise ValueError(
                        f"groups.{key}.reports_to: een kring ({loop}); een groep kan niet via andere groepen "
                        "aan zichzelf rapporteren"
                    )
                if state.get(up) is None:
                    visit(up, [*path, up])
            state[key] = 2

        for key in self.groups:
            if key not in state:
                visit(key, [key])

    def reports_to(self, key: str) -> list[str]:
        """The groups a group reports to: configured, or by default team → every regiegroep → every stuurgroep."""
        g = self.groups[key]
        if g.reports_to is not None:
            return list(g.reports_to)
        up = {"team": GroupKind.regiegroep, "regiegroep": GroupKind.stuurgroep}.get(g.kind)
        return [k for k, other in self.groups.items() if up is not None and other.kind == up]

    @property
    def digest_settings(self) -> DigestConfig | None:
        """The digest's settings; None when it is off."""
        if self.digest is False:
            return None
        return self.digest if isinstance(self.digest, DigestConfig) else DigestConfig()

    def digest_recipients(self) -> list[str]:
        """The group keys the weekly overview goes to (default: every regiegroep)."""
        d = self.digest_settings
        if d is None:
            return []
        if d.to is not None:
            return list(d.to)
        return [k for k, g in self.groups.items() if g.kind == "regiegroep"]

    @property
    def default_category(self) -> str:
        """The category of a signaal recorded without one: overig when the organisation has it, else the last."""
        return "overig" if "overig" in self.categories else self.categories[-1]

    def example_channel(self) -> str:
        """A channel to name in hints: the first team's (or group's) channel."""
        for g in self.groups.values():
            if g.kind == "team":
                return g.channel
        return next((g.channel for g in self.groups.values()), "uw-team")

    def cite(self) -> str:
        """' (Convenant ...)' after a rule in a text, or nothing when no covenant is configured."""
        return f" ({self.covenant})" if self.covenant else ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(path: str | Path | None = None) -> OrgConfig:
    """Read and validate a configuration file (the shipped example when none is given)."""
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
            # a union (digest = true | {...}) reports every branch: the table's error is the one that says what
            loc = [x for x in err["loc"] if x not in ("DigestConfig", "bool")]
            if err["loc"] and err["loc"][-1] == "bool":
                continue
            where = ".".join(str(x) for x in loc)
            msg = str(err["msg"]).removeprefix("Value error, ")
            # a check across keys names its key itself ("groups.x.reports_to: ...")
            lines.append(f"{p}: {where}: {msg}" if where else f"{p}: {msg}")
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
        person.kind = PersonKind.bewoner if pc.kind == "bewoner" else PersonKind.partner
        person.is_admin = key in config.admins
        session.add(person)
    session.flush()
    for key, pc in config.people.items():  # a configured address wins over a claimed one
        for transport, address in pc.ids.items():
            identity.configure(session, people[key], transport, address, now=now)

    groups = {g.key: g for g in session.exec(select(Group)).all()}
    for key, gc in config.groups.items():
        group = groups.get(key) or Group(key=key, kind=gc.kind, name=gc.name, channel=gc.channel)
        group.kind, group.name, group.channel = gc.kind, gc.name, gc.channel
        group.wijken = ",".join(gc.wijken)
        group.chair_id = people[gc.chair].id if gc.chair else None
        weeks = gc.meetings.series_weeks if gc.meetings else None
        group.every_weeks = weeks
        group.meets_per_year = gc.meetings.per_year if gc.meetings else None
        group.on_request = bool(gc.meetings and gc.meetings.on_request)
        group.reminder_days = ",".join(str(d) for d in gc.reminder_days)
        group.label = gc.label
        group.reports_to = ",".join(config.reports_to(key))
        group.norm_weeks = gc.norm.every_weeks if gc.norm else None
        group.norm_per_year = gc.norm.per_year if gc.norm else None
        group.jaarplan = gc.has_jaarplan
        group.participatie_per_year = gc.participatie_per_year
        group.areas = ",".join(gc.areas)
        session.add(group)
        session.flush()
        assert group.id is not None
        for transport, address in gc.ids.items():
            identity.configure_group(session, group, transport, address, now=now)
        _sync_members(
            session,
            group.id,
            {people[m].id for m in gc.members if people[m].id},
            guests={people[m].id for m in gc.guests if people[m].id},
            yearly={people[m].id for m in gc.yearly if people[m].id},
        )
        if gc.meetings and weeks and gc.meetings.first is not None:
            first = gc.meetings.first
            first = (first.replace(tzinfo=config.tz) if first.tzinfo is None else first).astimezone(UTC)
            exists = session.exec(
                select(MeetingSeries).where(MeetingSeries.group_id == group.id, MeetingSeries.first_at == first)
            ).first()
            if exists is None:
                exists = MeetingSeries(
                    group_id=group.id,
                    first_at=first,
                    every_weeks=weeks,
                    location=gc.meetings.location,
                )
            exists.every_weeks = weeks
            exists.location = gc.meetings.location
            session.add(exists)
            session.flush()
    meeting_repo.extend_series(session, now=now, tz=config.tz)


def _sync_members(
    session: Session,
    group_id: int,
    wanted: set[int | None],
    *,
    guests: set[int | None] = frozenset(),  # type: ignore[assignment]
    yearly: set[int | None] = frozenset(),  # type: ignore[assignment]
) -> None:
    """Members (role lid) and guests (role gast) as configured; ambassadors are left alone."""
    current = session.exec(select(Membership).where(Membership.group_id == group_id)).all()
    have = {m.person_id: m for m in current}
    for m in current:
        if m.role == "ambassadeur":
            continue
        want = "lid" if m.person_id in wanted else "gast" if m.person_id in guests else None
        if want is None:
            session.delete(m)
            continue
        m.role, m.yearly = want, m.person_id in yearly
        session.add(m)
    for pid in (wanted | guests) - set(have):
        if pid is not None:
            role = "lid" if pid in wanted else "gast"
            session.add(Membership(group_id=group_id, person_id=pid, role=role, yearly=pid in yearly))
