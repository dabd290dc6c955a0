"""What the bot says at the turns of the year: the half-yearly voortgangsrapportage, the jaarplan's
evaluation in Q4, and the closing of a wijkbudget.

The timing is in schedules/halfyear.py and schedules/initiatief.py. Each function queues its
messages in the outbox with a dedupe key, in the caller's transaction, and returns how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from handlers.jaarplan import overview_lines
from storage import initiatieven as store
from storage import org, outbox
from storage.config import OrgConfig
from storage.initiatieven import euro
from storage.models import Group


def period_of(now: datetime, config: OrgConfig) -> str:
    """The half year a rapportage covers: `2026-H1` (asked in June) or `2026-H2` (December)."""
    local = now.astimezone(config.tz)
    return f"{local.year}-H{1 if local.month <= 6 else 2}"


def ask_voortgangsrapportage(session: Session, config: OrgConfig, *, now: datetime) -> int:
    """Ask each jaarplan group's chair for the half-yearly voortgangsrapportage."""
    period = period_of(now, config)
    year, half = period.split("-")
    which = "eerste" if half == "H1" else "tweede"
    out: list[outbox.Outgoing] = []
    groups = org.all_groups(session)
    plan = config.jaarplan_naam
    for group, chair in org.jaarplan_groups_with_chair(session):
        above = org.reports_to(groups, group)
        to = " en ".join(g.name for g in above) if above else "de groep waaraan u rapporteert"
        text = (
            f"Het is tijd voor de voortgangsrapportage van het {plan} {year} van {group.name} over het "
            f"{which} halfjaar{config.cite()}. {to} ontvangt die minstens elk half jaar; "
            f"wijkbot heeft een concept klaar: typ /rapportage {period} in #{group.channel}, vul aan met "
            f"/rapportage {period} tekst <voortgang> en verstuur met /rapportage {period} verstuur."
        )
        out.append(outbox.Outgoing("dm", chair.key, text, dedupe_key=f"voortgang:{group.key}:{period}"))
    return outbox.enqueue_many(session, out, now=now)


def remind_jaarplan_evaluatie(session: Session, config: OrgConfig, *, now: datetime) -> int:
    """Remind each jaarplan group's chair to evaluate the jaarplan in the last quarter, with the plan."""
    year = now.astimezone(config.tz).year
    out: list[outbox.Outgoing] = []
    for group, chair in org.jaarplan_groups_with_chair(session):
        plan = config.jaarplan_naam
        overview = overview_lines(session, group, year, tz=config.tz, plan=plan)
        text = (
            f"Het laatste kwartaal is begonnen: tijd om het {plan} {year} van {group.name} te evalueren"
            f"{config.cite()}. Zet de evaluatie op de agenda; het {plan} {year + 1} wordt vastgesteld "
            "in het eerste overleg van het nieuwe jaar. Met /jaarplan nieuw-jaar in "
            f"#{group.channel} gaan de open activiteiten mee naar {year + 1}.\n" + "\n".join(overview)
        )
        out.append(outbox.Outgoing("dm", chair.key, text, dedupe_key=f"jaarplan-evaluatie:{group.key}:{year}"))
    return outbox.enqueue_many(session, out, now=now)


def announce_budget_closed(
    session: Session, config: OrgConfig, teams: Sequence[Group], wijk: str, *, now: datetime, dedupe_key: str
) -> int:
    """Tell the chairs of the teams in `wijk` what its wijkbudget granted and what lapses."""
    b = store.budget_of(session, config, wijk)
    if b is None:
        return 0
    lapse = max(b.left, 0)
    text = (
        f"Het wijkbudget {b.jaar} van {b.wijk} is afgesloten. Voor inwonerinitiatieven was er "
        f"{euro(b.initiatieven)}; toegekend {euro(b.granted)} aan {b.count} "
        f"{'initiatief' if b.count == 1 else 'initiatieven'}. "
        + (
            f"{euro(lapse)} was niet besteed en vervalt aan de algemene middelen; het kan niet worden "
            "meegenomen naar het nieuwe jaar."
            if lapse
            else "Er vervalt niets."
        )
        + config.cite()
    )
    chairs = org.chairs_of_wijk(session, teams, wijk)
    out = [outbox.Outgoing("dm", chair.key, text, dedupe_key=f"{dedupe_key}:{chair.key}") for chair in chairs]
    return outbox.enqueue_many(session, out, now=now)
