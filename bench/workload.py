"""Generated organisations and data: a TOML configuration of N teams, and five years of work.

`write_config` makes the organisation the benchmarks run against (Slack ids fixed, so no Slack
lookups; enough people that the per-person rate limit does not turn a burst into refusals).
`generate` fills a migrated, seeded database with signalen, actiepunten, their history rows,
meetings with attendance and bijeenkomsten, bulk-inserted (executemany; COPY on PostgreSQL).
The data is random but seeded, so every run and every database gets the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from storage.models import (
    Actiepunt,
    Group,
    GroupKind,
    Meeting,
    Membership,
    Signaal,
)

TZ = ZoneInfo("Europe/Amsterdam")
CATEGORIES = ["overlast", "veiligheid", "woonomgeving", "jeugd", "zorg", "openbare-ruimte", "overig"]
WORDS = [
    *("hangjongeren", "geluidsoverlast", "portiek", "zwerfvuil", "fietsen", "lantaarnpaal", "speeltuin"),
    *("buren", "vuilcontainer", "parkeren", "hondenpoep", "graffiti", "eenzaamheid", "schuld", "drugs"),
]


@dataclass(frozen=True)
class Org:
    """What `write_config` wrote: channels, Slack ids and members per team."""

    path: Path
    teams: list[str]  # group keys
    channels: dict[str, str]  # Slack channel id → channel name
    team_channel_ids: list[str]  # per team, its Slack channel id
    members: list[list[str]]  # per team, the members' Slack ids
    people: dict[str, str]  # Slack id → person key
    names: dict[str, str]  # Slack id → name


def write_config(
    path: Path,
    *,
    teams: int = 6,
    people_per_team: int = 8,
    every_weeks: int = 8,
    first_meeting: datetime,
    reminder_days: Sequence[int] = (7, 1),
) -> Org:
    """A configuration of `teams` leefbaarheidsteams plus a regiegroep; returns what it contains."""
    lines = ['timezone = "Europe/Amsterdam"', 'admins = ["regie01"]', ""]
    channels: dict[str, str] = {}
    people: dict[str, str] = {}
    names: dict[str, str] = {}
    members: list[list[str]] = []
    keys: list[str] = []
    team_channel_ids: list[str] = []

    def person(key: str, name: str) -> str:
        sid = f"U0{key.upper().replace('-', '')}"
        people[sid], names[sid] = key, name
        lines.extend([f"[people.{key}]", f'name = "{name}"', 'organisation = "Bench"', f'slack_id = "{sid}"', ""])
        return sid

    for r in range(1, 5):
        person(f"regie{r:02d}", f"Regie Lid {r}")
    team_people: list[list[str]] = []
    for t in range(1, teams + 1):
        keys_t = [f"t{t:03d}p{p:03d}" for p in range(1, people_per_team + 1)]
        members.append([person(k, f"Persoon {p} van Team {t}") for p, k in enumerate(keys_t, 1)])
        team_people.append(keys_t)
    for t, keys_t in enumerate(team_people, 1):
        key, channel, cid = f"team{t:03d}", f"lbt-team-{t:03d}", f"C0TEAM{t:04d}"
        keys.append(key)
        channels[cid] = channel
        team_channel_ids.append(cid)
        first = (first_meeting + timedelta(hours=t % 8)).astimezone(TZ).replace(tzinfo=None)
        lines += [
            f"[groups.{key}]",
            'kind = "team"',
            f'name = "Leefbaarheidsteam {t}"',
            f'wijken = ["Wijk {t}"]',
            f'channel = "{channel}"',
            f'chair = "{keys_t[0]}"',
            "members = [" + ", ".join(f'"{k}"' for k in keys_t) + "]",
            f"meetings = {{ first = {first.isoformat(timespec='seconds')}, every_weeks = {every_weeks}, "
            f'location = "Wijkcentrum {t}" }}',
            "reminder_days = [" + ", ".join(str(d) for d in reminder_days) + "]",
            "",
        ]
    channels["C0REGIE001"] = "regiegroep"
    lines += [
        "[groups.regiegroep]",
        'kind = "regiegroep"',
        'name = "Regiegroep"',
        'channel = "regiegroep"',
        'chair = "regie01"',
        'members = ["regie01", "regie02", "regie03", "regie04"]',
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return Org(path, keys, channels, team_channel_ids, members, people, names)


# -- five years of data ----------------------------------------------------------------------------


@dataclass
class Counts:
    signalen: int
    actiepunten: int
    wijzigingen: int = 0
    meetings: int = 0
    attendance: int = 0
    bijeenkomsten: int = 0


Rows = tuple[list[str], list[tuple[Any, ...]]]  # column names, rows
EPOCH = datetime(1970, 1, 1, tzinfo=UTC).replace(tzinfo=None)  # naive UTC, as the database stores it


def _at(seconds: float) -> datetime:
    """Naive UTC from epoch seconds (how the database stores times), without time zone work."""
    return EPOCH + timedelta(seconds=int(seconds))


def generate(
    engine: Engine, *, now: datetime, years: int = 5, signalen: int = 100_000, actiepunten: int = 200_000
) -> Counts:
    """Fill a seeded database with `years` of work of its teams up to `now`; returns the counts."""
    with engine.connect() as conn:
        teams = [
            (int(gid), int(every or 8))
            for gid, every in conn.execute(
                sa.select(col(Group.id), col(Group.every_weeks))
                .where(col(Group.kind) == GroupKind.team)
                .order_by(col(Group.id))
            )
        ]
        member_rows = conn.execute(sa.select(Membership.group_id, Membership.person_id)).all()  # type: ignore[call-overload]
        first_id = {
            t: (conn.execute(sa.select(sa.func.coalesce(sa.func.max(m.id), 0))).scalar() or 0) + 1
            for t, m in (("signaal", Signaal), ("actiepunt", Actiepunt), ("meeting", Meeting))
        }
    members: dict[int, list[int]] = {gid: [] for gid, _ in teams}
    for gid, pid in member_rows:
        if gid in members:
            members[gid].append(pid)
    tables = rows_for(
        now=now,
        years=years,
        signalen=signalen,
        actiepunten=actiepunten,
        teams=teams,
        members=members,
        first_id=first_id,
    )
    for name in ("signaal", "actiepunt", "wijziging", "meeting", "attendance", "bijeenkomst"):
        bulk_insert(engine, name, *tables[name])
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("signaal", "actiepunt", "wijziging", "meeting", "attendance", "bijeenkomst"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        conn.exec_driver_sql("ANALYZE")
    return Counts(
        signalen,
        actiepunten,
        wijzigingen=len(tables["wijziging"][1]),
        meetings=len(tables["meeting"][1]),
        attendance=len(tables["attendance"][1]),
        bijeenkomsten=len(tables["bijeenkomst"][1]),
    )


def rows_for(
    *,
    now: datetime,
    years: int,
    signalen: int,
    actiepunten: int,
    teams: list[tuple[int, int]],
    members: dict[int, list[int]],
    first_id: dict[str, int],
) -> dict[str, Rows]:
    """The rows of every table, as tuples (times in epoch seconds until the end: that is fast)."""
    rng = random.Random(8)
    rand, randint, choice = rng.random, rng.randint, rng.choice
    texts = [_text(rng) for _ in range(997)]
    end = now.timestamp()
    begin = end - 365 * years * 86400
    span = end - begin
    day = 86400
    eod: dict[int, float] = {}  # local day number → end of that local day (23:59) in epoch seconds

    def end_of_day(ts: float) -> float:
        key = int(ts // day)
        if key not in eod:
            local = datetime.fromtimestamp(key * day + 12 * 3600, TZ)
            eod[key] = local.replace(hour=23, minute=59, second=0, microsecond=0).timestamp()
        return eod[key]

    n_teams = len(teams)
    sig: list[tuple[Any, ...]] = []
    hist: list[tuple[Any, ...]] = []
    sig_of_group: dict[int, list[tuple[int, float]]] = {gid: [] for gid, _ in teams}
    old = end - 120 * day
    for i in range(signalen):
        sid = first_id["signaal"] + i
        gid = teams[i % n_teams][0]
        created = begin + rand() * span
        category = choice(CATEGORIES)
        if rand() < (0.95 if created < old else 0.4):
            status, closed = "gesloten", min(created + (1 + rand() * 89) * day, end - 3600)
        else:
            status, closed = choice(["open", "in_behandeling", "actie"]), None
        who = choice(members[gid])
        sig.append((sid, gid, texts[i % 997], category, status, "team", who, created, closed or created, closed))
        sig_of_group[gid].append((sid, created))
        hist.append((created, who, "signaal", sid, "aangemaakt", f"#{category}"))
        if closed is not None:
            hist.append((closed, who, "signaal", sid, "status: gesloten", ""))

    act: list[tuple[Any, ...]] = []
    recent_deadline = end - 30 * day
    for i in range(actiepunten):
        aid = first_id["actiepunt"] + i
        gid = teams[i % n_teams][0]
        sig_id: int | None = None
        if rand() < 0.6 and sig_of_group[gid]:
            sig_id, sig_created = choice(sig_of_group[gid])
            created = min(end - 300, sig_created + rand() * 20 * day)
        else:
            created = begin + rand() * span
        deadline = end_of_day(created + randint(3, 60) * day)
        recent = deadline > recent_deadline
        roll = rand()
        done: float | None = None
        if roll < (0.55 if recent else 0.95):
            status = "gedaan"
            done = min(created + (deadline - created) * (0.2 + rand() * 1.2), end - 60)
        elif roll < (0.6 if recent else 0.97):
            status = "vervallen"
        else:
            status = "open"
        owner, creator = choice(members[gid]), choice(members[gid])
        text = texts[(i * 7) % 997]
        act.append((aid, gid, text, owner, deadline, status, sig_id, creator, created, done or created, done))
        hist.append((created, creator, "actiepunt", aid, "aangemaakt", f"uit S-{sig_id}" if sig_id else ""))
        if rand() < 0.2:
            hist.append((created + day, creator, "actiepunt", aid, "verplaatst", ""))
        if status != "open":
            hist.append((done or deadline, owner, "actiepunt", aid, f"status: {status}", ""))

    meetings: list[tuple[Any, ...]] = []
    attendance: list[tuple[Any, ...]] = []
    bijeenkomsten: list[tuple[Any, ...]] = []
    mid = first_id["meeting"]
    for gid, every in teams:
        at = begin + randint(0, 20) * day + 9 * 3600
        while at < end - day:
            cancelled = rand() < 0.05
            meetings.append((mid, gid, at, "Wijkcentrum", "geannuleerd" if cancelled else "gehouden"))
            if not cancelled:
                for pid in members[gid]:
                    roll = rand()
                    status = "aanwezig" if roll < 0.8 else ("afgemeld" if roll < 0.95 else "afwezig")
                    attendance.append((mid, pid, status, at - day))
            mid += 1
            at += every * 7 * day
        for year in range(datetime.fromtimestamp(begin, TZ).year, now.year + 1):
            for month in (3, 10):
                when = datetime(year, month, 15, 19, 30, tzinfo=TZ).timestamp()
                if begin <= when:
                    bijeenkomsten.append((gid, when, "Bewonersavond", when - 30 * day))

    def times(rows: list[tuple[Any, ...]], positions: tuple[int, ...]) -> list[tuple[Any, ...]]:
        out = []
        for row in rows:
            r = list(row)
            for p in positions:
                if r[p] is not None:
                    r[p] = _at(r[p])
            out.append(tuple(r))
        return out

    sig_cols = ["id", "group_id", "text", "category", "status", "source", "reported_by_id"]
    sig_cols += ["created_at", "updated_at", "closed_at"]
    act_cols = ["id", "group_id", "text", "owner_id", "deadline", "status", "signaal_id", "created_by_id"]
    act_cols += ["created_at", "updated_at", "done_at"]
    return {
        "signaal": (sig_cols, times(sig, (7, 8, 9))),
        "actiepunt": (act_cols, times(act, (4, 8, 9, 10))),
        "wijziging": (["at", "actor_id", "item_type", "item_id", "action", "detail"], times(hist, (0,))),
        "meeting": (["id", "group_id", "starts_at", "location", "status"], times(meetings, (2,))),
        "attendance": (["meeting_id", "person_id", "status", "responded_at"], times(attendance, (3,))),
        "bijeenkomst": (["group_id", "starts_at", "description", "created_at"], times(bijeenkomsten, (1, 3))),
    }


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()


def bulk_insert(engine: Engine, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, executemany on SQLite (times naive UTC)."""
    if not rows:
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", [_sqlite_row(r) for r in rows]
            )
        raw.commit()
    finally:
        raw.close()


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLAlchemy keeps DateTime in SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff' and compares it as text.
    return tuple(v.isoformat(" ", "microseconds") if isinstance(v, datetime) else v for v in row)
