"""Dutch natural-language dates ("morgen om half 3", "eind januari") for deadlines and meetings.

The text is read left to right as a sequence of known phrases (longest match first); a word or
number that is no part of any phrase makes the answer None, so nothing is guessed from the part
that was understood. The phrases fill slots (a day, a weekday, a week, a period, a clock time, a
part of the day, an exact moment); two phrases that fill the same slot, or that contradict each
other ("vrijdag 3 december" when 3 December is a Thursday), also give None.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Amsterdam"
MAX_INPUT_LEN = 200
DEADLINE_TIME = time(23, 59)
MEETING_TIME = time(9, 0)
PART_DEFAULT_HOUR = {"ochtend": 9, "middag": 14, "avond": 19}

MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS: dict[str, int] = {
    "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5,
    "zondag": 6,
}  # fmt: skip
DAY_ABBR = ["ma", "di", "wo", "do", "vr", "za", "zo"]
MONTH_ABBR = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
_WEEKDAY_WORDS = {**WEEKDAYS, **{a: i for i, a in enumerate(DAY_ABBR)}, "woe": 2, "don": 3, "zat": 5}

_NUMBER_LIST = [
    "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
    "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien", "achttien", "negentien",
    "twintig",
]  # fmt: skip
_NUMBERS: dict[str, int] = {w: i for i, w in enumerate(_NUMBER_LIST, 1)}
_NUMBERS.update({"dertig": 30, "eenendertig": 31, "veertig": 40, "vijftig": 50})
_NUMBERS.update({f"{w}entwintig": 20 + i for w, i in _NUMBERS.items() if i < 10})
_NUMBERS.update({f"{w}enveertig": 40 + i for w, i in _NUMBERS.items() if i < 10})
_ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "laatste": -1}
# Words that ask nicely and change nothing: dropped wherever they stand.
NOISE_WORDS = ("graag", "svp", "ajb", "aub", "alsjeblieft", "alstublieft", "pls")
# Words that only introduce a date and change nothing: "uiterlijk vrijdag", "tot en met 3 mei".
_FILLERS = ("om", "op", "in", "uiterlijk", "tegen", "rond", "tot en met", "tot", "t/m", "per", "met", "deadline")


def _alt(words: Iterable[str]) -> str:
    # Longest first, so "sept" wins over "sep" and "dinsdag" is never cut short.
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTH = _alt(MONTHS)
_WD = _alt(_WEEKDAY_WORDS)
_NUM_WORD_RE = re.compile(rf"\b({_alt(_NUMBERS)})\b")
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:t\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(z|[+-][\d:]{4,5})?)?")
_END = r"(?=\s|$)"
_NUM = r"\d{1,4}(?:[.,]\d{1,2})?|anderhalf|anderhalve"


# -- holidays and working days ---------------------------------------------------------------------


def easter(year: int) -> date:
    """Easter Sunday (Gregorian computus, the anonymous "Meeus/Jones/Butcher" algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def koningsdag(year: int) -> date:
    """27 April, or the 26th when the 27th is a Sunday."""
    day = date(year, 4, 27)
    return day - timedelta(days=1) if day.weekday() == 6 else day


_FIXED_HOLIDAYS = {
    "nieuwjaarsdag": (1, 1), "nieuwjaar": (1, 1), "bevrijdingsdag": (5, 5), "sinterklaas": (5, 12),
    "pakjesavond": (5, 12), "sinterklaasavond": (5, 12), "kerstavond": (24, 12), "kerst": (25, 12),
    "kerstmis": (25, 12), "eerste kerstdag": (25, 12), "1e kerstdag": (25, 12), "tweede kerstdag": (26, 12),
    "2e kerstdag": (26, 12), "oudjaar": (31, 12), "oudejaarsdag": (31, 12), "oudejaarsavond": (31, 12),
    "oud en nieuw": (31, 12),
}  # fmt: skip
_EASTER_HOLIDAYS = {
    "goede vrijdag": -2, "pasen": 0, "paaszondag": 0, "eerste paasdag": 0, "1e paasdag": 0,
    "tweede paasdag": 1, "2e paasdag": 1, "paasmaandag": 1, "hemelvaart": 39, "hemelvaartsdag": 39,
    "pinksteren": 49, "eerste pinksterdag": 49, "1e pinksterdag": 49, "tweede pinksterdag": 50,
    "2e pinksterdag": 50, "pinkstermaandag": 50,
}  # fmt: skip


def holiday(name: str, year: int) -> date:
    """The date of a Dutch holiday by its name ("pasen", "tweede kerstdag", "koningsdag")."""
    if name == "koningsdag":
        return koningsdag(year)
    if name in _EASTER_HOLIDAYS:
        return easter(year) + timedelta(days=_EASTER_HOLIDAYS[name])
    dom, month = _FIXED_HOLIDAYS[name]
    return date(year, month, dom)


@lru_cache(maxsize=256)
def days_off(year: int) -> frozenset[date]:
    """Public holidays that are no working day: Nieuwjaarsdag, 2e Paas- en Pinksterdag, Koningsdag,
    Hemelvaart and both Kerstdagen (Goede Vrijdag and Bevrijdingsdag are working days for most)."""
    names = ("nieuwjaarsdag", "tweede paasdag", "koningsdag", "hemelvaart", "tweede pinksterdag", "kerst")
    return frozenset([*(holiday(n, year) for n in names), date(year, 12, 26)])


def is_working_day(day: date) -> bool:
    """Monday to Friday and no public holiday."""
    return day.weekday() < 5 and day not in days_off(day.year)


def _last_working_day(first: date, last: date) -> date:
    """The last working day in first..last; a period without one (a weekend) ends on its last day."""
    day = last
    while day >= first:
        if is_working_day(day):
            return day
        day -= timedelta(days=1)
    return last


def _first_working_day(first: date, last: date) -> date:
    day = first
    while day <= last:
        if is_working_day(day):
            return day
        day += timedelta(days=1)
    return first


def _working_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _add_working_days(day: date, n: int) -> date:
    step = 1 if n >= 0 else -1
    for _ in range(abs(n)):
        day += timedelta(days=step)
        while not is_working_day(day):
            day += timedelta(days=step)
    return day


# -- what the phrases found ------------------------------------------------------------------------


class _Invalid(Exception):
    """Text looks like a date or time but names an impossible, contradictory or unknown one."""


@dataclass
class _Ctx:
    today: date
    now: datetime
    past: bool  # parse_when_past: a day without a year or week means the most recent one


@dataclass
class _When:
    """The slots the phrases fill; each may be filled once."""

    day: date | None = None
    dom: int | None = None  # "de 21ste": a day of some month, decided with the weekday
    weekday: int | None = None
    weekday_mod: str | None = None
    week: date | None = None  # the Monday of a named week ("volgende week", "week 12")
    weeks_ahead: int | None = None  # "over 2 weken": with a weekday, that weekday 2 weeks on
    period: tuple[date, date] | None = None  # a named period: first and last day
    period_kind: str = ""
    hour: int | None = None
    minute: int = 0
    literal: bool = False  # 24h notation ("10:00"): no morning/afternoon guessing
    midnight: bool = False
    part: str | None = None
    instant: datetime | None = None  # "over 2 uur": an exact moment
    keep_now_time: bool = False  # "over 2 weken" is a duration: keep the current wall clock
    before: bool = False  # "voor vrijdag", "vóór de zomer"
    explicit_year: bool = False
    filled: set[str] = field(default_factory=set)

    def fill(self, slot: str) -> None:
        if slot in self.filled:
            raise _Invalid  # two days, two times: the text contradicts itself
        self.filled.add(slot)


_Handler = Callable[[re.Match[str], _When, _Ctx], None]
_PHRASES: list[tuple[re.Pattern[str], _Handler]] = []


def _phrase(pattern: str) -> Callable[[_Handler], _Handler]:
    def register(handler: _Handler) -> _Handler:
        _PHRASES.append((re.compile(rf"(?:{pattern}){_END}"), handler))
        return handler

    return register


def _year2(raw: str, today: date) -> int:
    """A two-digit year in the window from 70 years back to 29 years ahead ("74" is 1974)."""
    if len(raw) != 2:
        return int(raw)
    year = today.year // 100 * 100 + int(raw)
    if year > today.year + 29:
        year -= 100
    elif year < today.year - 70:
        year += 100
    return year


def _occurrence(make: Callable[[int], date], c: _Ctx) -> date:
    """A yearly day without a year: the coming one (today included), or in past mode the last one."""
    for offset in range(9):
        year = c.today.year - offset if c.past else c.today.year + offset
        try:
            day = make(year)
        except ValueError:  # 29 February
            continue
        if (day <= c.today) if c.past else (day >= c.today):
            return day
    raise _Invalid


def _set_day(w: _When, day: date) -> None:
    w.fill("day")
    w.day = day


def _set_period(w: _When, first: date, last: date, kind: str) -> None:
    w.fill("period")
    w.period, w.period_kind = (first, last), kind


def _month_period(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _ahead(word: str | None) -> int:
    """How many periods ahead a modifier points: deze 0, volgende 1, vorige -1."""
    if word is None or word in ("deze", "dit", "de", "het"):
        return 0
    return -1 if word.startswith(("vorig", "afgelopen")) else 1


def _week_monday(today: date, ahead: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=ahead)


def _period_of(kind: str, today: date, ahead: int) -> tuple[date, date]:
    """This (ahead=0), a later or an earlier week, weekend, month, quarter or year."""
    if kind == "week":
        monday = _week_monday(today, ahead)
        return monday, monday + timedelta(days=6)
    if kind == "weekend":
        saturday = _week_monday(today, ahead) + timedelta(days=5)
        return saturday, saturday + timedelta(days=1)
    if kind == "maand":
        first = _add_months(today.replace(day=1), ahead)
        return _month_period(first.year, first.month)
    if kind == "kwartaal":
        first = _add_months(date(today.year, (today.month - 1) // 3 * 3 + 1, 1), 3 * ahead)
        return first, _add_months(first, 3) - timedelta(days=1)
    if kind == "dag":
        return today, today
    year = today.year + ahead
    return date(year, 1, 1), date(year, 12, 31)


# -- the phrases -----------------------------------------------------------------------------------


@_phrase(_alt(_FILLERS))
def _filler(m: re.Match[str], w: _When, c: _Ctx) -> None:
    pass


@_phrase(r"voor|vóór")
def _before(m: re.Match[str], w: _When, c: _Ctx) -> None:
    w.fill("before")
    w.before = True


@_phrase(r"(\d{4})-(\d{1,2})-(\d{1,2})")
def _iso_day(m: re.Match[str], w: _When, c: _Ctx) -> None:
    _set_day(w, date(int(m[1]), int(m[2]), int(m[3])))
    w.explicit_year = True


@_phrase(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})")
def _dmy(m: re.Match[str], w: _When, c: _Ctx) -> None:
    _set_day(w, date(_year2(m[4], c.today), int(m[3]), int(m[1])))
    w.explicit_year = True


@_phrase(r"(\d{1,2})[-/](\d{1,2})|(\d{1,2})\.(\d)|(2[4-9]|3[01])\.(\d{1,2})")
def _dm(m: re.Match[str], w: _When, c: _Ctx) -> None:
    # "17.2" and "25.12" are dates; "9.30" and "10.12" are clock times (see _clock).
    dom, month = int(m[1] or m[3] or m[5]), int(m[2] or m[4] or m[6])
    if not 1 <= month <= 12:
        raise _Invalid
    _set_day(w, _occurrence(lambda y: date(y, month, dom), c))


@_phrase(rf"(?:de )?(\d{{1,2}})(?:e|de|ste)? ({_MONTH})\.?(?: (\d{{4}}|'\d{{2}}))?")
def _day_month(m: re.Match[str], w: _When, c: _Ctx) -> None:
    month, dom = MONTHS[m[2]], int(m[1])
    if m[3]:
        _set_day(w, date(_year2(m[3].lstrip("'"), c.today), month, dom))
        w.explicit_year = True
    else:
        _set_day(w, _occurrence(lambda y: date(y, month, dom), c))


@_phrase(r"(?:de )?(\d{1,2})(?:e|de|ste)")
def _ordinal_day(m: re.Match[str], w: _When, c: _Ctx) -> None:
    w.fill("day")
    w.dom = int(m[1])
    if not 1 <= w.dom <= 31:
        raise _Invalid


_EDGE = r"(begin|half|medio|midden|eind|einde)"


def _edge_day(edge: str, first: date, last: date) -> date:
    if edge == "begin":
        return _first_working_day(first, last)
    if edge.startswith("eind"):
        return _last_working_day(first, last)
    if (last - first).days < 7:
        return first + timedelta(days=2)  # the middle of a week is its Wednesday
    return date(first.year, 7, 1) if (last - first).days > 300 else first.replace(day=15)


@_phrase(rf"{_EDGE}(?: van)? ({_MONTH})\.?(?: (\d{{4}}))?")
def _edge_month(m: re.Match[str], w: _When, c: _Ctx) -> None:
    month = MONTHS[m[2]]
    if m[3]:
        w.explicit_year = True
        _set_day(w, _edge_day(m[1], *_month_period(int(m[3]), month)))
        return
    _set_day(w, _occurrence(lambda y: _edge_day(m[1], *_month_period(y, month)), c))


@_phrase(
    rf"{_EDGE}(?: van)?(?: (de|het))?(?: (deze|dit|volgende?|komende?|vorige?|afgelopen))?"
    r" (week|maand|jaar|kwartaal|dag)"
)
def _edge_period(m: re.Match[str], w: _When, c: _Ctx) -> None:
    which, kind = m[3] or m[2] or "de", m[4]
    if kind == "dag" and (m[1] not in ("eind", "einde") or which not in ("de", "deze")):
        raise _Invalid  # only "eind van de dag"
    ahead = _ahead(which)
    day = _edge_day(m[1], *_period_of(kind, c.today, ahead))
    if day < c.today and which in ("de", "het") and not c.past:
        day = _edge_day(m[1], *_period_of(kind, c.today, ahead + 1))  # "begin van de week" on a Wednesday
    _set_day(w, day)


_NTH = r"(eerste|tweede|derde|vierde|vijfde|laatste|1e|2e|3e|4e|5e|1ste|2de|3de|4de|5de)"


@_phrase(
    rf"(?:de )?{_NTH} ({_WD}) (?:van|in) (?:(?:de )?(volgende|komende|deze|vorige) maand|(de|deze) maand"
    rf"|({_MONTH})(?: (\d{{4}}))?)"
)
def _nth_weekday(m: re.Match[str], w: _When, c: _Ctx) -> None:
    nth = _ORDINALS.get(m[1]) or int(re.sub(r"\D", "", m[1]))
    wd = _WEEKDAY_WORDS[m[2]]

    def nth_in(year: int, month: int) -> date:
        days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == wd]
        if nth > len(days):
            raise _Invalid
        return date(year, month, days[nth - 1 if nth > 0 else -1])

    if m[3]:
        first = _add_months(c.today.replace(day=1), _ahead(m[3]))
        _set_day(w, nth_in(first.year, first.month))
    elif m[4]:
        day = nth_in(c.today.year, c.today.month)
        if day < c.today and not c.past:
            first = _add_months(c.today.replace(day=1), 1)
            day = nth_in(first.year, first.month)
        _set_day(w, day)
    elif m[6]:
        w.explicit_year = True
        _set_day(w, nth_in(int(m[6]), MONTHS[m[5]]))
    else:
        month = MONTHS[m[5]]
        _set_day(w, _occurrence(lambda y: nth_in(y, month), c))


@_phrase(rf"(?:de )?({_alt([*_FIXED_HOLIDAYS, *_EASTER_HOLIDAYS, 'koningsdag'])})(?: (\d{{4}}))?")
def _holiday(m: re.Match[str], w: _When, c: _Ctx) -> None:
    if m[2]:
        w.explicit_year = True
        _set_day(w, holiday(m[1], int(m[2])))
    else:
        _set_day(w, _occurrence(lambda y: holiday(m[1], y), c))


@_phrase(r"(?:week|wk) (\d{1,2})(?: (\d{4}))?")
def _week_number(m: re.Match[str], w: _When, c: _Ctx) -> None:
    number = int(m[1])

    def monday(year: int) -> date:
        return date.fromisocalendar(year, number, 1)

    if m[2]:
        w.explicit_year = True
        start = monday(int(m[2]))
    else:
        start = _occurrence(lambda y: monday(y) + timedelta(days=6), c) - timedelta(days=6)
    w.fill("week")
    w.week = start
    _set_period(w, start, start + timedelta(days=6), "week")


@_phrase(
    r"(?:de |het )?(deze|dit|volgende?|komende?|aanstaande|vorige?|afgelopen|het) (week|weekend|maand|jaar|kwartaal)"
)
def _named_period(m: re.Match[str], w: _When, c: _Ctx) -> None:
    kind = m[2]
    if m[1] == "het" and kind != "weekend":
        raise _Invalid  # "het jaar": which one?
    ahead = _ahead(m[1])
    if kind == "weekend" and ahead == 0 and c.today.weekday() == 6:
        first, last = c.today, c.today
    else:
        first, last = _period_of(kind, c.today, ahead)
    if kind == "week":
        w.fill("week")
        w.week = first
    _set_period(w, first, last, kind)


@_phrase(rf"({_MONTH})(?: (\d{{4}}))?")
def _month(m: re.Match[str], w: _When, c: _Ctx) -> None:
    month = MONTHS[m[1]]
    if m[2]:
        w.explicit_year = True
        _set_period(w, *_month_period(int(m[2]), month), "maand")
        return
    last = _occurrence(lambda y: _month_period(y, month)[1], c)
    _set_period(w, *_month_period(last.year, month), "maand")


@_phrase(r"(?:het )?(eerste|tweede|derde|vierde|1e|2e|3e|4e) kwartaal(?: (\d{4}))?|q([1-4])(?: (\d{4}))?")
def _quarter(m: re.Match[str], w: _When, c: _Ctx) -> None:
    q = int(m[3]) if m[3] else _ORDINALS.get(m[1]) or int(m[1][0])
    year_raw = m[2] or m[4]

    def span(year: int) -> tuple[date, date]:
        first = date(year, 3 * q - 2, 1)
        return first, _add_months(first, 3) - timedelta(days=1)

    if year_raw:
        w.explicit_year = True
        _set_period(w, *span(int(year_raw)), "kwartaal")
    else:
        _set_period(w, *span(_occurrence(lambda y: span(y)[1], c).year), "kwartaal")


_SEASONS = {"lente": (3, 20), "voorjaar": (3, 20), "zomer": (6, 21), "herfst": (9, 23), "najaar": (9, 23)}


def _season(name: str, year: int) -> tuple[date, date]:
    """Astronomical seasons, rounded to the usual days; winter runs into the next year."""
    if name == "winter":
        return date(year, 12, 21), date(year + 1, 3, 19)
    month, dom = _SEASONS[name]
    nxt = {3: (6, 21), 6: (9, 23), 9: (12, 21)}[month]
    return date(year, month, dom), date(year, *nxt) - timedelta(days=1)


@_phrase(r"(?:de |deze |dit |het |komende |volgende )?(lente|voorjaar|zomer|herfst|najaar|winter)(?: (\d{4}))?")
def _season_phrase(m: re.Match[str], w: _When, c: _Ctx) -> None:
    if m[2]:
        w.explicit_year = True
        _set_period(w, *_season(m[1], int(m[2])), "seizoen")
        return
    # "voor de zomer" said in July means next year's: a season to come has not begun yet.
    for year in range(c.today.year - 1, c.today.year + 2):
        first, last = _season(m[1], year)
        if last >= c.today and not (w.before and first <= c.today):
            _set_period(w, first, last, "seizoen")
            return
    raise _Invalid


@_phrase(r"na (?:het|dit|het komende) weekend")
def _after_weekend(m: re.Match[str], w: _When, c: _Ctx) -> None:
    monday = c.today + timedelta(days=7 - c.today.weekday())
    _set_day(w, _first_working_day(monday, monday + timedelta(days=14)))


@_phrase(rf"(?:(volgende|komende|aanstaande|deze|vorige|afgelopen) )?({_WD})\.?(?: (aanstaande|a\.s\.))?")
def _weekday(m: re.Match[str], w: _When, c: _Ctx) -> None:
    if m[1] and m[3]:
        raise _Invalid
    w.fill("weekday")
    w.weekday, w.weekday_mod = _WEEKDAY_WORDS[m[2]], m[1] or m[3]


@_phrase(r"eergisteren|gisteren|vandaag|morgen|overmorgen")
def _relative_day(m: re.Match[str], w: _When, c: _Ctx) -> None:
    offset = {"eergisteren": -2, "gisteren": -1, "vandaag": 0, "morgen": 1, "overmorgen": 2}[m[0]]
    _set_day(w, c.today + timedelta(days=offset))


def _amount(raw: str) -> float:
    if raw in ("anderhalf", "anderhalve"):
        return 1.5
    return float(raw.replace(",", "."))


_DAY_UNIT = r"(dag|dagen|werkdag|werkdagen|week|weken|maand|maanden|jaar|jaren)"


@_phrase(rf"(?:(over|binnen) )?({_NUM}) {_DAY_UNIT}(?: en (\d{{1,3}}) {_DAY_UNIT})?( geleden)?")
def _day_duration(m: re.Match[str], w: _When, c: _Ctx) -> None:
    if m[1] and m[6]:
        raise _Invalid  # "over 3 dagen geleden"
    sign = -1 if m[6] else 1
    parts = [(_amount(m[2]), m[3])] + ([(float(m[4]), m[5])] if m[4] else [])
    day = c.today
    working = False
    for n, unit in parts:
        if unit.startswith("werk"):
            if n != int(n) or len(parts) > 1:
                raise _Invalid
            day, working = _add_working_days(day, sign * int(n)), True
        elif unit.startswith("dag"):
            if n != int(n):
                raise _Invalid
            day += timedelta(days=sign * int(n))
        elif unit.startswith("we"):
            day += timedelta(days=sign * int(n * 7))  # anderhalve week: 10 days, never later than meant
        else:
            months = n * (12 if unit.startswith("ja") else 1)
            whole = int(months)
            day = _add_months(day, sign * whole) + timedelta(days=sign * int((months - whole) * 30))
    _set_day(w, day)
    w.keep_now_time = not working
    if len(parts) == 1 and m[3] in ("week", "weken") and parts[0][0] == int(parts[0][0]) and not m[6]:
        w.weeks_ahead = sign * int(parts[0][0])  # "dinsdag over een week": the coming Tuesday + 7 days


_SHORT_UNIT = r"(minuut|minuten|min|kwartier|uur|uren)"
_SHORT_NUM = rf"{_NUM}|1 half|1 halve|half"


def _minutes(raw: str, unit: str) -> float:
    amount = 0.5 if raw in ("half", "1 half", "1 halve") else _amount(raw)
    return amount * {"kwartier": 15, "uur": 60, "uren": 60}.get(unit, 1)


@_phrase(
    rf"(?:(over|binnen) ({_SHORT_NUM}) {_SHORT_UNIT}(?: en ({_SHORT_NUM}) {_SHORT_UNIT})?)"
    rf"|(?:({_SHORT_NUM}) {_SHORT_UNIT} geleden)"
)
def _short_duration(m: re.Match[str], w: _When, c: _Ctx) -> None:
    later = _minutes(m[2], m[3]) + (_minutes(m[4], m[5]) if m[4] else 0) if m[1] else 0
    minutes = later if m[1] else -_minutes(m[6], m[7])
    if minutes != int(minutes):
        raise _Invalid
    w.fill("instant")
    # Elapsed time, so plain UTC arithmetic: "over 2 uur" is 2 real hours, even across DST.
    w.instant = (c.now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(c.now.tzinfo)


def _set_time(w: _When, hour: int, minute: int = 0, *, literal: bool = False) -> None:
    w.fill("time")
    w.hour, w.minute, w.literal = hour, minute, literal


@_phrase(r"(?:om )?(\d{1,2})[:.](\d{2})(?: ?(?:u|uur))?")
def _clock(m: re.Match[str], w: _When, c: _Ctx) -> None:
    _set_time(w, int(m[1]), int(m[2]), literal=True)


@_phrase(r"(?:om )?(\d{1,2})u(\d{2})?")
def _clock_u(m: re.Match[str], w: _When, c: _Ctx) -> None:
    _set_time(w, int(m[1]), int(m[2] or 0), literal=bool(m[2]) or int(m[1]) > 12)


@_phrase(rf"(?:om )?(\d{{1,2}}) uur(?: (\d{{2}}|[1-9])(?! (?:{_MONTH}|uur|min|minuten)(?:\s|$)))?")
def _clock_uur(m: re.Match[str], w: _When, c: _Ctx) -> None:
    _set_time(w, int(m[1]), int(m[2] or 0), literal=int(m[1]) > 12)


@_phrase(r"(?:om )?half (\d{1,2})(?: uur)?")
def _half(m: re.Match[str], w: _When, c: _Ctx) -> None:
    if not 1 <= int(m[1]) <= 12:
        raise _Invalid  # "half 13" is nobody's way of saying 12:30
    _set_time(w, int(m[1]) - 1, 30)


@_phrase(r"(?:om )?(kwart|\d{1,2}(?: minuten| minuut| min)?) (over|voor) (half )?(\d{1,2})(?: uur)?")
def _relative_clock(m: re.Match[str], w: _When, c: _Ctx) -> None:
    mins = 15 if m[1] == "kwart" else int(m[1].split()[0])
    if not 0 < mins < 30 or (not m[3] and mins > 20 and m[1] != "kwart") or int(m[4]) > 12:
        raise _Invalid
    base = int(m[4]) * 60 - (30 if m[3] else 0)
    hour, minute = divmod(base + mins if m[2] == "over" else base - mins, 60)
    _set_time(w, hour, minute)


@_phrase(r"om (\d{1,2})")
def _om_hour(m: re.Match[str], w: _When, c: _Ctx) -> None:
    _set_time(w, int(m[1]))


@_phrase(r"middernacht|(?:om )?(?:12|24) uur 's nachts|(?:om )?24:00")
def _midnight(m: re.Match[str], w: _When, c: _Ctx) -> None:
    _set_time(w, 0, literal=True)
    w.midnight = True


@_phrase(
    r"'?s ?(ochtend|morgen|middag|avond|nacht)s"
    r"|(?:in de |op de |tegen de |aan het eind van de )?(ochtend|middag|avond|nacht)|vroeg"
)
def _part(m: re.Match[str], w: _When, c: _Ctx) -> None:
    w.fill("part")
    part = m[1] or m[2] or "ochtend"
    w.part = "ochtend" if part == "morgen" else part


# -- reading and resolving ------------------------------------------------------------------------

_NOISE_RE = re.compile(rf"(?<![\w'])(?:{_alt(NOISE_WORDS)}|a\.u\.b\.?|s\.v\.p\.?)(?![\w'])")


def _normalise(text: str) -> str:
    t = text.lower().translate(str.maketrans("‘’`´éëèó", "''''eeeo"))  # noqa: RUF001 - typographic quotes and accents typed by people are normalised here
    t = re.sub(r"\ba\.s\.?(?=\s|$)", "aanstaande", t).replace("halfuur", "half uur")
    t = _NOISE_RE.sub(" ", t)
    t = re.sub(r"(?<!\d),|,(?!\d)", " ", t)  # "1,5 uur" keeps its comma, "vrijdag, 10 uur" not
    t = re.sub(r"[;!?()\"]", " ", t)
    t = re.sub(r"\s+", " ", t).strip().rstrip(".").strip()
    t = _NUM_WORD_RE.sub(lambda m: str(_NUMBERS[m.group(1)]), t)
    # Split compounds so day and part of day are read separately ("vrijdagavond", "morgenvroeg").
    t = re.sub(r"\bvan(ochtend|morgen|middag|avond|nacht)\b", r"vandaag \1", t)
    t = re.sub(r"\bgister(?:en)?(ochtend|morgen|middag|avond|nacht)?\b", r"gisteren \1", t)
    days = _alt([*WEEKDAYS, "overmorgen", "morgen", "gisteren"])
    t = re.sub(rf"\b({days}) ?(ochtend|morgen|vroeg|middag|avond|nacht)\b", r"\1 \2", t)
    t = re.sub(rf"\b({days}) (?:morgen|vroeg)\b", r"\1 ochtend", t)
    return re.sub(r"\s+", " ", t).strip()


def _scan(t: str, c: _Ctx) -> _When:
    """Read the whole text as known phrases, longest first; an unknown word is _Invalid."""
    w = _When()
    pos = 0
    while pos < len(t):
        best: tuple[re.Match[str], _Handler] | None = None
        for pattern, handler in _PHRASES:
            m = pattern.match(t, pos)
            if m and (best is None or m.end() > best[0].end()):
                best = (m, handler)
        if best is None:
            raise _Invalid
        best[1](best[0], w, c)
        pos = best[0].end() + 1
    return w


def _resolve_hour(w: _When) -> time | None:
    if w.hour is None:
        if w.part == "nacht":
            raise _Invalid  # "vannacht": last night or tonight?
        return time(PART_DEFAULT_HOUR[w.part]) if w.part in PART_DEFAULT_HOUR else None
    hour, part = w.hour, w.part
    if not w.literal and hour == 0 and w.minute > 0:
        hour = 12  # "half 1" is 12:30, not 00:30
    if part == "middag":
        if not (hour == 12 or 1 <= hour <= 6 or 12 <= hour <= 18):
            raise _Invalid
        hour += 12 if hour < 12 else 0
    elif part == "avond":
        if not (5 <= hour <= 11 or 17 <= hour <= 23):
            raise _Invalid
        hour += 12 if hour < 12 else 0
    elif part == "ochtend":
        if not 5 <= hour <= 11:
            raise _Invalid
    elif part == "nacht":
        if not (hour == 12 or 0 <= hour <= 5 or hour >= 22):
            raise _Invalid
        hour = 0 if hour == 12 else hour
    elif not w.literal and 1 <= hour <= 6:
        hour += 12  # nobody schedules a neighbourhood meeting at 3 in the night
    if not (0 <= hour <= 23 and 0 <= w.minute <= 59):
        raise _Invalid
    return time(hour, w.minute)


def _weekday_day(w: _When, c: _Ctx) -> date:
    """The day a weekday names, alone or with a week or a day it must agree with."""
    assert w.weekday is not None
    wd, mod = w.weekday, w.weekday_mod
    if w.week is not None:
        if mod is not None and mod != "deze":
            raise _Invalid  # "volgende vrijdag volgende week"
        return w.week + timedelta(days=wd)
    if w.weeks_ahead is not None:
        if mod is not None:
            raise _Invalid
        return c.today + timedelta(days=(wd - c.today.weekday()) % 7, weeks=w.weeks_ahead)
    if w.day is not None:
        if w.day.weekday() != wd:
            raise _Invalid  # "vrijdag 3 december" when 3 December is a Thursday
        return w.day
    if w.dom is not None:
        return _day_of_month(w.dom, c, wd)
    if mod in ("vorige", "afgelopen") or (c.past and mod is None):
        back = (c.today.weekday() - wd) % 7
        return c.today - timedelta(days=back or (0 if mod is None else 7))
    delta = (wd - c.today.weekday()) % 7
    return c.today + timedelta(days=delta or (0 if mod == "deze" else 7))


def _day_of_month(dom: int, c: _Ctx, weekday: int | None = None) -> date:
    """ "de 21ste": the coming 21st (past mode: the last one); with a weekday, the first of the next
    two 21sts that falls on it."""
    year, month, found = c.today.year, c.today.month, 0
    for _ in range(14):
        if dom <= calendar.monthrange(year, month)[1]:
            day = date(year, month, dom)
            if (day <= c.today) if c.past else (day >= c.today):
                if weekday is None or day.weekday() == weekday:
                    return day
                found += 1
                if found == 2:
                    break
        month += -1 if c.past else 1
        if month in (0, 13):
            year, month = year + (1 if month == 13 else -1), 12 if month == 0 else 1
    raise _Invalid


def _parse(text: str, now: datetime, end_of_day: bool, tz: ZoneInfo, past: bool) -> tuple[datetime | None, _When]:
    t = _normalise(text)
    if not t:
        return None, _When()
    if _ISO_RE.fullmatch(t):
        parsed = datetime.fromisoformat(t.upper())
        w = _When(explicit_year=True, literal="t" in t)
        if parsed.tzinfo is not None:
            return parsed.astimezone(tz), w
        if "t" not in t:
            return _local(parsed.date(), DEADLINE_TIME if end_of_day else MEETING_TIME, tz), w
        return _local(parsed.date(), parsed.time(), tz), w
    c = _Ctx(today=now.date(), now=now, past=past)
    w = _scan(t, c)
    if w.instant is not None:
        if w.filled - {"instant"}:
            raise _Invalid  # "morgen over 2 uur"
        return w.instant, w
    if w.weekday is not None:
        day: date | None = _weekday_day(w, c)
    elif w.dom is not None:
        day = _day_of_month(w.dom, c)
    elif w.day is not None:
        day = w.day
    else:
        day = None
    if w.weekday is not None:
        w.keep_now_time = False  # "vrijdag over 2 weken" is a day, not a duration
    if day is not None and w.period is not None and not (w.week is not None and w.weekday is not None):
        raise _Invalid  # "3 december in januari", "vrijdag in maart"
    at = _resolve_hour(w)
    if w.period is not None and day is None:
        first, last = w.period
        if at is not None:
            raise _Invalid  # "volgende week om 10 uur": which day?
        if w.before:
            return _local(_working_day_before(first), DEADLINE_TIME, tz) if end_of_day else None, w
        # A deadline that names a period is the end of its last working day; a meeting needs a day.
        return (_local(_last_working_day(first, last), DEADLINE_TIME, tz) if end_of_day else None), w
    if w.before and at is None and day is not None:
        day = _working_day_before(day)
    if day is None:
        if at is None:
            return None, w
        # A bare time means its next occurrence: "om 10 uur" said at 14:30 is tomorrow.
        result = _local(c.today + timedelta(days=1 if w.midnight else 0), at, tz)
        return (result if result > now else _local(c.today + timedelta(days=1), at, tz)), w
    if w.midnight:
        return _local(day + timedelta(days=1), at or time(0), tz), w  # "vrijdag middernacht": end of Friday
    if at is None and w.keep_now_time:
        at = now.time().replace(second=0, microsecond=0)
    return _local(day, at or (DEADLINE_TIME if end_of_day else MEETING_TIME), tz), w


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Wall-clock time on a local date; a non-existent time (DST gap) is moved forward."""
    naive = datetime.combine(day, at, tzinfo=tz)
    return naive.astimezone(UTC).astimezone(tz)


def _safe_parse(
    text: str, now: datetime, end_of_day: bool, tz: str | ZoneInfo, past: bool
) -> tuple[datetime | None, _When | None]:
    zone = _zone(tz)
    now = now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
    if not isinstance(text, str) or len(text.strip()) > MAX_INPUT_LEN:
        return None, None
    try:
        return _parse(text, now, end_of_day, zone, past)
    except Exception:  # noqa: BLE001 - contract: free text never makes the caller crash
        return None, None


def parse_when(
    text: str, *, now: datetime, end_of_day: bool = True, tz: str | ZoneInfo = DEFAULT_TZ
) -> datetime | None:
    """Dutch text to an aware datetime in tz, relative to now (naive now = local time in tz).

    The whole text must be understood, else None: "vrijdag graag" is Friday, "vrijdag banaan" is
    None. A date without a time gives 23:59 local with end_of_day=True (deadlines), 09:00 local
    with end_of_day=False (meetings). A period ("deze week", "in januari", "dit kwartaal", "voor
    de zomer") is, as a deadline, the end of its last working day, and None for a meeting, which
    needs a day. "voor X" without a clock time is the last working day before X. Parts of the day
    mean ochtend 09:00, middag 14:00, avond 19:00. "over n dagen/weken/maanden" keeps the
    wall-clock time of now; a bare time that has passed today means tomorrow. Returns None for text
    that is no date (or longer than 200 chars) and never raises for any text; only an unknown tz
    name raises.
    """
    _zone(tz)  # an unknown zone name is the caller's mistake: raise it
    return _safe_parse(text, now, end_of_day, tz, past=False)[0]


def parse_when_past(
    text: str, *, now: datetime, end_of_day: bool = True, tz: str | ZoneInfo = DEFAULT_TZ
) -> datetime | None:
    """As parse_when, but a day that names no year means the most recent one (today included).

    "4 december" said on 23 November 2026 is 4 December 2025 and "donderdag" said on a Friday
    is yesterday; a text with a year ("4-12-2026") or one that is no day of a month or week
    ("over twee weken") keeps what parse_when gives. For the meeting that was held on a day.
    """
    _zone(tz)
    return _safe_parse(text, now, end_of_day, tz, past=True)[0]


_ANY_NOW = datetime(2000, 1, 3, 12, 0, tzinfo=UTC)  # for questions that do not depend on the date


def _pieces(text: str) -> _When | None:
    """The phrases of a text without deciding its day ("dinsdag 1 december" is no Tuesday in 2000)."""
    try:
        t = _normalise(text) if isinstance(text, str) and len(text.strip()) <= MAX_INPUT_LEN else ""
        if not t:
            return None
        if _ISO_RE.fullmatch(t):
            return _When(explicit_year=True, hour=0 if "t" in t else None)
        w = _scan(t, _Ctx(today=_ANY_NOW.date(), now=_ANY_NOW, past=False))
        _resolve_hour(w)  # "om 25 uur" names no time
        return w
    except Exception:  # noqa: BLE001 - same never-raise promise as parse_when
        return None


def has_explicit_year(text: str) -> bool:
    """True when the text names its year ("4 december 2026", "4-12-2026", "2026-12-04")."""
    w = _pieces(text)
    return bool(w and w.explicit_year)


def has_explicit_time(text: str) -> bool:
    """True when the text names a time of day (clock, "half 3", "'s avonds", "over 2 uur")."""
    w = _pieces(text)
    return bool(w and (w.instant is not None or w.hour is not None or w.part in PART_DEFAULT_HOUR))


def format_when(dt: datetime) -> str:
    """Short Dutch rendering in Europe/Amsterdam: "vr 4 dec 2026 10:00", no time when 23:59."""
    zone = ZoneInfo(DEFAULT_TZ)
    local = dt.astimezone(zone) if dt.tzinfo else dt.replace(tzinfo=zone)
    text = f"{DAY_ABBR[local.weekday()]} {local.day} {MONTH_ABBR[local.month - 1]} {local.year}"
    return text if (local.hour, local.minute) == (23, 59) else f"{text} {local:%H:%M}"
