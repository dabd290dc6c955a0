"""The command grammar shared by every command: references, mentions, categories, dates."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time

from sqlmodel import Session

from handlers.base import MAX_TEXT, Context, UserError
from handlers.dates import MONTHS, has_explicit_time, parse_when, parse_when_past
from storage import meetings, org
from storage import people as people_store
from storage.config import DEFAULT_CATEGORIES, area_key
from storage.models import Group, Person, PersonKind

# the categories when the organisation configures none; an organisation's own are ctx.config.categories
CATEGORIES = DEFAULT_CATEGORIES
_BARE_NUMBER = re.compile(r"^[0-9]{1,9}$")
_REF = re.compile(r"^(?:(?P<prefix>[SsAaJjIi])-?)?(?P<num>\d{1,9})$")
# a reference prefix → (the item, its command)
_REF_KINDS = {
    "S": ("signaal", "/signaal"),
    "A": ("actiepunt", "/actie"),
    "I": ("initiatief", "/initiatief"),
    "J": ("activiteit", "/jaarplan"),
}
_MENTION = re.compile(r"(?<![\w@])@(?P<name>[\w.\-']+)", re.UNICODE)
_CATEGORY = re.compile(r"(?<![\w#])#(?P<cat>[A-Za-z][\w-]*)")
_AREA = re.compile(r"(?<![\w@])@@(?P<area>[\w][\w.\-']*)", re.UNICODE)


def looks_like_ref(token: str, prefix: str) -> bool:
    """True for `12`, `S-12` (when prefix is S) and the like."""
    m = _REF.match(token)
    return m is not None and (m["prefix"] is None or m["prefix"].upper() == prefix)


def parse_ref(token: str, prefix: str) -> int:
    """`12`, `S-12` and `A-12` → 12; a reference of the other kind is an error that says so."""
    m = _REF.match(token.strip())
    if not m:
        kind = _REF_KINDS.get(prefix, ("item", ""))[0]
        raise UserError(f"'{token}' is geen verwijzing naar een {kind}; schrijf bijvoorbeeld {prefix}-12.")
    if m["prefix"] and m["prefix"].upper() != prefix:
        other = _REF_KINDS[m["prefix"].upper()][1]
        raise UserError(f"{token.upper()} hoort bij {other}; gebruik {other} {token.upper()}.")
    return int(m["num"])


def check_text(text: str, what: str = "tekst", *, limit: int = MAX_TEXT) -> str:
    """Normalise white space; an empty or too long text is an error that says so."""
    text = " ".join(text.split())
    if not text:
        raise UserError(f"De {what} is leeg; schrijf kort wat er aan de hand is.")
    if len(text) > limit:
        raise UserError(f"De {what} is te lang ({len(text)} tekens); houd het onder {limit} tekens.")
    return text


def take_category(text: str, categories: tuple[str, ...] | list[str] = CATEGORIES) -> tuple[str, str | None]:
    """Remove `#categorie` from the text; an unknown category is an error listing the valid ones.

    `categories`: the organisation's (ctx.config.categories); a category is matched without its
    hyphens too (`#openbareruimte` is `#openbare-ruimte`).
    """
    found: str | None = None
    loose = {c.replace("-", ""): c for c in categories}
    for m in _CATEGORY.finditer(text):
        cat = m["cat"].lower()
        cat = cat if cat in categories else loose.get(cat.replace("-", ""), cat)
        if cat not in categories:
            raise UserError(f"#{m['cat']} is geen categorie; kies uit " + ", ".join(f"#{c}" for c in categories) + ".")
        found = cat
    return _CATEGORY.sub("", text).strip(), found


def take_area(text: str, group: Group) -> tuple[str, str | None]:
    """Remove `@@Buurt` from the text: one of the group's areas (buurten or kernen), or an error naming them."""
    found: str | None = None
    areas = {area_key(a): a for a in group.area_list}
    for m in _AREA.finditer(text):
        area = areas.get(area_key(m["area"]))
        if area is None:
            if not areas:
                raise UserError(
                    f"{group.name} heeft geen buurten of kernen in de configuratie, dus @@{m['area']} kan niet; "
                    "laat het weg."
                )
            raise UserError(
                f"@@{m['area']} is geen buurt of kern van {group.name}; kies uit "
                + ", ".join(f"@@{area_key(a)}" for a in group.area_list)
                + "."
            )
        found = area
    return " ".join(_AREA.sub("", text).split()), found


def group_members(session: Session, group: Group) -> list[Person]:
    """The group's members (storage.org.members: role lid, active people only)."""
    return org.members(session, group.id or 0)


def member_list(session: Session, group: Group) -> str:
    return ", ".join(f"@{p.key} ({p.name})" for p in group_members(session, group))


def resolve_person(ctx: Context, name: str) -> Person:
    """Find the person an `@name` means: key, or first name / full name, preferring the group."""
    needle = name.lstrip("@").strip().lower()
    # the usual case, a key, is one indexed lookup; only a name needs everyone (bench/: 20% of /actie)
    exact = people_store.nameable_by_key(ctx.session, needle)
    if exact is not None:
        return exact
    people = people_store.nameable(ctx.session)
    members = group_members(ctx.session, ctx.group) if ctx.group else []
    for pool in (members, people):
        hits = [p for p in pool if p.name.lower().split()[0] == needle or p.name.lower().replace(" ", "") == needle]
        if len(hits) == 1:
            return hits[0]
    where = f" In {ctx.group.name} zitten: {member_list(ctx.session, ctx.group)}." if ctx.group else ""
    raise UserError(f"Ik ken @{name.lstrip('@')} niet.{where}")


def split_owner(ctx: Context, text: str) -> tuple[str, Person, str]:
    """Split `<tekst> @eigenaar [deadline]` at the last mention."""
    mentions = list(_MENTION.finditer(text))
    if not mentions:
        raise UserError("Wie is de eigenaar? Noem die met @, bijvoorbeeld: /actie Buurtgesprek plannen @piet vrijdag")
    last = mentions[-1]
    owner = resolve_person(ctx, last["name"])
    if (
        owner.kind == PersonKind.bewoner
        and ctx.group is not None
        and not org.is_member(ctx.session, ctx.group.id or 0, owner.id)
    ):
        raise UserError(
            f"@{owner.key} is bewoner en geen lid van {ctx.group.name}; een bewoner is alleen eigenaar "
            "van werk van de eigen groep. Kies een lid of gast van deze groep."
        )
    return text[: last.start()].strip(), owner, text[last.end() :].strip()


def parse_deadline(ctx: Context, when: str) -> datetime:
    """A deadline in Dutch; a date without a time means the end of that day."""
    dt = parse_when(when, now=ctx.now, tz=ctx.tz)
    if dt is not None and not has_explicit_time(when):
        dt = datetime.combine(dt.astimezone(ctx.tz).date(), time(23, 59), tzinfo=ctx.tz)
    if dt is None:
        raise UserError(
            f"Ik begrijp de deadline '{when}' niet; schrijf bijvoorbeeld 'vrijdag', "
            "'over twee weken', '1 maart' of 'eind januari'."
        )
    if dt <= ctx.now:
        raise UserError(f"De deadline '{when}' ligt in het verleden; kies een moment na vandaag.")
    return dt


_NOT_A_DAY_AFTER = {*MONTHS, "uur", "u", "dag", "dagen", "week", "weken", "maand", "maanden", "jaar", "jaren"}


def day_of_month(ctx: Context, number: str, *, past: bool = False) -> date:
    """A bare day number means the coming day with that number (`past`: the last one), never an id.

    `/afmelden 3 ziek` on 23 November is 3 December. A number that is no day is an error that says so.
    """
    dom = int(number)
    if not 1 <= dom <= 31:
        raise UserError(f"{number} is geen dag van de maand; schrijf de datum als 3 december of 3-12-2026.")
    today = ctx.now.astimezone(ctx.tz).date()
    year, month = today.year, today.month
    for _ in range(13):
        if dom <= calendar.monthrange(year, month)[1]:
            day = date(year, month, dom)
            if (day <= today) if past else (day >= today):
                return day
        year, month = (year, month - 1) if past else (year, month + 1)
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
    raise AssertionError("every day number 1-31 occurs within 13 months")


def take_leading_date(
    ctx: Context, text: str, *, end_of_day: bool = False, max_words: int = 6, past: bool = False
) -> tuple[datetime | None, str]:
    """Read the leading words that make a date; returns (date, the rest).

    The parser tolerates words around a date, so take the shortest prefix that already gives
    what the longest parseable prefix gives ("3 december op vakantie" → "3 december"). A bare
    number first is a day of the month ("3 ziek", "14 19:30 Bewonersavond"; `past`: the last one).
    `past=True`: a day without a year is the most recent one (handlers.dates.parse_when_past).
    """
    words = text.split()
    parse = parse_when_past if past else parse_when
    after = words[1].lower().rstrip(".") if len(words) > 1 else ""
    if words and _BARE_NUMBER.match(words[0]) and after not in _NOT_A_DAY_AFTER:
        day = day_of_month(ctx, words[0], past=past)
        words = [f"{day.day}-{day.month}-{day.year}", *words[1:]]
    results = [
        parse(" ".join(words[:n]), now=ctx.now, tz=ctx.tz, end_of_day=end_of_day)
        for n in range(1, min(max_words, len(words)) + 1)
    ]
    found = [r for r in results if r is not None]
    if not found:
        return None, text
    n = results.index(found[-1]) + 1
    return found[-1], " ".join(words[n:])


def next_meeting_deadline(ctx: Context, group: Group) -> datetime:
    """Without a deadline an actiepunt is due at the group's next meeting."""
    meeting = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    if meeting is None:
        raise UserError(
            f"{group.name} heeft nog geen volgend overleg gepland, dus geef een deadline; "
            "bijvoorbeeld: /actie Buurtgesprek plannen @piet over twee weken"
        )
    return meeting.starts_at
