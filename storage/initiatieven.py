"""Verzoeken, beleidswensen and initiatieven (`I-<n>`): the phase workflow, notes and the wijkbudget.

The phases follow seed 004, bijlage 3; the allowed moves are one table per kind (as signalen's in
storage/items.py) and every change is a history row (`Wijziging`, item_type "initiatief"). Money
is integer cents. The wijkbudget for initiatives of a wijk is the configured `totaal` times the
share `initiatieven`; what is granted counts against the year of the grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from storage.config import BudgetConfig, OrgConfig, wijk_key
from storage.items import TransitionError, log_change
from storage.models import Initiatief, InitiatiefFase, InitiatiefKind, InitiatiefNotitie

F, K = InitiatiefFase, InitiatiefKind

# The phases in their order, per kind; `afgewezen` can be reached from every phase that is not final.
PATHS: dict[str, tuple[str, ...]] = {
    K.initiatief: (
        F.aangemeld, F.gesprek, F.principebesluit, F.plan, F.besluit, F.uitvoering, F.evaluatie, F.afgerond,
    ),
    K.verzoek: (F.aangemeld, F.in_behandeling, F.afgerond),
    K.beleidswens: (F.aangemeld, F.gesprek, F.jaarplan),
}  # fmt: skip
FINAL = frozenset({F.afgerond, F.afgewezen, F.jaarplan})


def _transitions(path: tuple[str, ...]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for i, phase in enumerate(path):
        nxt = {path[i + 1]} if i + 1 < len(path) else set()
        out[phase] = nxt if phase in FINAL else nxt | {F.afgewezen}
    out[F.afgewezen] = set()
    return out


# kind → phase → the phases it may move to (one step forward, or afgewezen)
TRANSITIONS: dict[str, dict[str, set[str]]] = {kind: _transitions(path) for kind, path in PATHS.items()}
# a verzoek skips the talk: "in behandeling" is also reachable from a gesprek when the kind changes
GRANT_PHASES = frozenset({F.besluit, F.uitvoering, F.evaluatie, F.in_behandeling})  # after a positive decision
RUNGS = ("loslaten", "stimuleren", "faciliteren", "regisseren", "reguleren")  # overheidsparticipatietrap
CHECKLIST = (
    ("doel", "inhoud en doel van het idee (beweegredenen, achtergrond, beoogd resultaat)"),
    ("soort", "inwonerinitiatief, beleidswens (complex) of verzoek (eenvoudig)?"),
    ("kaders", "past het binnen het beleid en draagt het bij aan de doelen?"),
    ("verwachtingen", "de rol van de initiatiefnemer en wat die van de gemeente verwacht"),
    ("realiteitsgehalte", "is het haalbaar?"),
    ("draagvlak", "wordt het in de buurt gesteund?"),
    ("middelen", "zijn er middelen en mensen om het uit te voeren?"),
    ("gegronde redenen", "zijn er redenen om niet mee te werken (algemeen belang, privébelang, niet haalbaar)?"),
)


def next_phases(ini: Initiatief) -> set[str]:
    return TRANSITIONS[ini.kind].get(ini.fase, set())


def record(
    session: Session,
    *,
    group_id: int,
    kind: str,
    text: str,
    wijk: str,
    now: datetime,
    created_by_id: int | None,
    initiator_id: int | None,
    requested_cents: int | None = None,
    area: str | None = None,
    scope: str = "wijk",
    location: str | None = None,
    source: str = "team",
) -> Initiatief:
    """Store a new verzoek, beleidswens or initiatief in phase aangemeld, with its history row."""
    ini = Initiatief(
        group_id=group_id,
        kind=kind,
        text=text,
        wijk=wijk,
        requested_cents=requested_cents,
        area=area,
        scope=scope,
        location=location,
        source=source,
        initiator_id=initiator_id,
        created_by_id=created_by_id,
        fase=F.aangemeld,
        fase_since=now,
        created_at=now,
        updated_at=now,
    )
    session.add(ini)
    session.flush()
    assert ini.id is not None
    log_change(
        session, item_type="initiatief", item_id=ini.id, action="aangemaakt", actor_id=created_by_id, now=now,
        detail=kind,
    )  # fmt: skip
    return ini


def add_note(
    session: Session, ini: Initiatief, text: str, *, public: bool, author_id: int | None, now: datetime
) -> InitiatiefNotitie:
    assert ini.id is not None
    note = InitiatiefNotitie(initiatief_id=ini.id, at=now, author_id=author_id, public=public, fase=ini.fase, text=text)
    session.add(note)
    if not public:
        log_change(session, item_type="initiatief", item_id=ini.id, action="notitie", actor_id=author_id, now=now)
    return note


def set_phase(
    session: Session, ini: Initiatief, fase: str, *, actor_id: int | None, now: datetime, note: str = ""
) -> None:
    """Move to the next phase (or afgewezen); `note` is the public toelichting for the initiatiefnemer."""
    if fase not in next_phases(ini):
        raise TransitionError(ini.fase, fase)
    ini.fase = fase
    ini.fase_since = now
    ini.updated_at = now
    ini.last_reminder_at = None
    ini.closed_at = now if fase in FINAL else None
    session.add(ini)
    assert ini.id is not None
    if note:
        add_note(session, ini, note, public=True, author_id=actor_id, now=now)
    log_change(
        session, item_type="initiatief", item_id=ini.id, action=f"fase: {fase}", actor_id=actor_id, now=now,
        detail="met toelichting" if note else "",
    )  # fmt: skip


def change_kind(session: Session, ini: Initiatief, kind: str, *, actor_id: int | None, now: datetime) -> None:
    """It turned out another kind (in the oriënterend gesprek): the phase becomes the nearest of the new path."""
    old = ini.kind
    ini.kind = kind
    if ini.fase not in PATHS[kind]:
        ini.fase = F.in_behandeling if kind == K.verzoek else F.aangemeld
    ini.fase_since = ini.updated_at = now
    session.add(ini)
    assert ini.id is not None
    log_change(
        session, item_type="initiatief", item_id=ini.id, action="soort gewijzigd", actor_id=actor_id, now=now,
        detail=f"{old} → {kind}",
    )  # fmt: skip


def set_field(
    session: Session,
    ini: Initiatief,
    action: str,
    detail: str,
    *,
    actor_id: int | None,
    now: datetime,
    **values: object,
) -> None:
    """Change some columns (contact, participatie, scope) with one history row."""
    for name, value in values.items():
        setattr(ini, name, value)
    ini.updated_at = now
    session.add(ini)
    assert ini.id is not None
    log_change(
        session, item_type="initiatief", item_id=ini.id, action=action, actor_id=actor_id, now=now, detail=detail
    )


def grant(session: Session, ini: Initiatief, cents: int, *, year: int, actor_id: int | None, now: datetime) -> None:
    """Record the amount granted from the wijkbudget of `year` (a second grant replaces the first)."""
    ini.granted_cents, ini.granted_year, ini.granted_at = cents, year, now
    ini.updated_at = ini.fase_since = now
    session.add(ini)
    assert ini.id is not None
    log_change(
        session, item_type="initiatief", item_id=ini.id, action="toegekend", actor_id=actor_id, now=now,
        detail=euro(cents),
    )  # fmt: skip


def notes(session: Session, ini_id: int, *, public: bool | None = None) -> list[InitiatiefNotitie]:
    stmt = select(InitiatiefNotitie).where(InitiatiefNotitie.initiatief_id == ini_id)
    if public is not None:
        stmt = stmt.where(InitiatiefNotitie.public == public)
    return list(session.exec(stmt.order_by(col(InitiatiefNotitie.at), col(InitiatiefNotitie.id))).all())


# --- money and the wijkbudget -------------------------------------------------------------------


def euro(cents: int) -> str:
    """Dutch money: 150000 → "€ 1.500,00"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"


@dataclass(frozen=True)
class Budget:
    """The wijkbudget of one wijk for one year, and what is granted from it (all in cents)."""

    wijk: str  # as the groups name it ("Donderberg")
    key: str  # the [budgets] key ("donderberg")
    jaar: int
    totaal: int
    share: float
    initiatieven: int  # the part for resident requests and initiatives
    max_wijk: int | None
    max_buurt: int | None
    granted: int
    count: int  # initiatives with a grant

    @property
    def spent(self) -> int:
        """What is spent: the grants (payouts are not modelled separately)."""
        return self.granted

    @property
    def left(self) -> int:
        return self.initiatieven - self.granted


def _cents(euros: float | None) -> int | None:
    return None if euros is None else round(euros * 100)


def granted_in(session: Session, wijk: str, year: int, *, without: int | None = None) -> tuple[int, int]:
    """The total granted (cents) and how many initiatives, for a wijk in a year (`without`: leave one out)."""
    stmt = select(func.coalesce(func.sum(Initiatief.granted_cents), 0), func.count()).where(
        sa.func.lower(Initiatief.wijk) == wijk.lower(),
        Initiatief.granted_year == year,
        col(Initiatief.granted_cents).is_not(None),
        Initiatief.fase != F.afgewezen,
    )
    if without is not None:
        stmt = stmt.where(Initiatief.id != without)
    total, n = session.exec(stmt).one()
    return int(total or 0), int(n or 0)


def granted_by_wijk(session: Session, wanted: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, int]]:
    """`granted_in` of several (wijk, year) at once, in one statement: by (wijk in lower case, year)."""
    if not wanted:
        return {}
    wijk = sa.func.lower(Initiatief.wijk)
    rows = session.exec(
        select(wijk, Initiatief.granted_year, func.coalesce(func.sum(Initiatief.granted_cents), 0), func.count())
        .where(
            wijk.in_(sorted({w.lower() for w, _ in wanted})),
            col(Initiatief.granted_year).in_(sorted({y for _, y in wanted})),
            col(Initiatief.granted_cents).is_not(None),
            Initiatief.fase != F.afgewezen,
        )
        .group_by(wijk, col(Initiatief.granted_year))
    ).all()
    return {(w, y): (int(total or 0), int(n or 0)) for w, y, total, n in rows if y is not None}


def _budget(wijk: str, key: str, bc: BudgetConfig, granted: int, count: int) -> Budget:
    return Budget(
        wijk=wijk,
        key=key,
        jaar=bc.jaar,
        totaal=round(bc.totaal * 100),
        share=bc.initiatieven,
        initiatieven=round(bc.totaal * bc.initiatieven * 100),
        max_wijk=_cents(bc.max_wijk),
        max_buurt=_cents(bc.max_buurt),
        granted=granted,
        count=count,
    )


def budget_of(session: Session, config: OrgConfig, wijk: str, *, without: int | None = None) -> Budget | None:
    """The configured budget of a wijk with what is granted from it; None when it has none."""
    key = wijk_key(wijk)
    bc: BudgetConfig | None = config.budgets.get(key)
    if bc is None:
        return None
    granted, count = granted_in(session, wijk, bc.jaar, without=without)
    return _budget(wijk, key, bc, granted, count)


def all_wijken(config: OrgConfig) -> list[str]:
    """Every wijk of the configured groups, by name, in configuration order."""
    seen: dict[str, str] = {}
    for g in config.groups.values():
        for w in g.wijken:
            seen.setdefault(wijk_key(w), w)
    return list(seen.values())


def budgets(session: Session, config: OrgConfig, wijken: list[str] | None = None) -> list[Budget]:
    """The budgets of these wijken (default: every wijk with one), as `budget_of` each; what is
    granted is read for all of them in one statement (the digest lists every team's wijk)."""
    chosen = [
        (w, key, bc)
        for w in (wijken if wijken is not None else all_wijken(config))
        if (bc := config.budgets.get(key := wijk_key(w))) is not None
    ]
    granted = granted_by_wijk(session, [(w, bc.jaar) for w, _, bc in chosen])
    return [_budget(w, key, bc, *granted.get((w.lower(), bc.jaar), (0, 0))) for w, key, bc in chosen]
