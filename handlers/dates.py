"""Dutch natural-language dates ("morgen om half 3", "eind januari") for deadlines and meetings."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

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

_NUMBER_LIST = [
    "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
    "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien", "achttien", "negentien",
    "twintig",
]  # fmt: skip
_NUMBERS: dict[str, int] = {w: i for i, w in enumerate(_NUMBER_LIST, 1)}
_NUMBERS.update({"dertig": 30, "eenendertig": 31})
_NUMBERS.update({f"{w}entwintig": 20 + i for w, i in _NUMBERS.items() if i < 10})


def _alt(words: Iterable[str]) -> str:
    # Longest first, so "sept" wins over "sep" and "dinsdag" is never cut short.
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = _alt(MONTHS)
_DAY = _alt(WEEKDAYS)
_NUM_WORD_RE = re.compile(rf"\b({_alt(_NUMBERS)})\b")
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:t\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(z|[+-][\d:]{4,5})?)?")

_SHORT_DUR_RE = re.compile(
    r"(?<!kwart )(?<!\d )\b(over|binnen) (\d{1,4}|1 half|half|anderhalf|anderhalve)"
    r" (minuut|minuten|min|kwartier|uur|uren)\b"
)
_SHORT_AGO_RE = re.compile(r"\b()(\d{1,4}) (minuut|minuten|min|kwartier|uur|uren) geleden\b")
_YMD_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DMY_RE = re.compile(r"\b(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})\b")
_DM_RE = re.compile(r"\b(\d{1,2})[-/](\d{1,2})\b")

_CLOCK_RE = re.compile(r"\b(?:om )?(\d{1,2})[:.u](\d{2})(?: ?uur)?\b")
_MIN_REL_RE = re.compile(
    r"\b(?:om )?(\d{1,2}) (over|voor) (half )?(\d{1,2})(?! (?:dag|week|maand|jaar|min))(?: uur)?\b"
)
_KWART_RE = re.compile(r"\b(?:om )?kwart (over|voor) (half )?(\d{1,2})(?: uur)?\b")
_HALF_RE = re.compile(r"\b(?:om )?half (\d{1,2})(?: uur)?\b")
_UUR_RE = re.compile(r"\b(?:om )?(\d{1,2}) ?uur\b")
_OM_RE = re.compile(r"\bom (\d{1,2})\b(?![-/.:])")
_PART_RE = re.compile(
    r"(?<![a-z])'?s'? ?(ochtend|morgen|middag|avond|nacht)s\b"
    r"|\b(?:in de |op de |tegen de )?(ochtend|middag|avond|nacht)\b"
)

_D_MONTH_RE = re.compile(rf"\b(\d{{1,2}})(?:e|de|ste)? ({_MONTH})\b\.?(?: (\d{{4}}))?")
_EDGE = r"(begin|half|medio|midden|eind|einde)"
_EDGE_MONTH_RE = re.compile(rf"\b{_EDGE}(?: van)? ({_MONTH})\b\.?(?: (\d{{4}}))?")
_EDGE_PERIOD_RE = re.compile(rf"\b{_EDGE}(?: van)? (?:(de|het|deze|dit|volgende?|komende?) )?(week|maand|jaar)\b")
_WEEK_DAY_RE = re.compile(
    rf"\b(volgende|komende|aanstaande|deze|vorige) week ({_DAY})\b"
    rf"|\b({_DAY}) (volgende|komende|aanstaande|deze|vorige) week\b"
    rf"|\bover (\d{{1,2}}) (?:week|weken) ({_DAY})\b|\b({_DAY}) over (\d{{1,2}}) (?:week|weken)\b"
)
_DAY_UNIT = r"(dag|dagen|week|weken|maand|maanden|jaar|jaren)"
_DAY_DUR_RE = re.compile(rf"\b(?:(over|binnen) (\d{{1,4}}) {_DAY_UNIT}|(\d{{1,4}}) {_DAY_UNIT} geleden)\b")
_REL_DAY_RE = re.compile(r"\b(eergisteren|gisteren|vandaag|morgen|overmorgen)\b")
_WEEKDAY_RE = re.compile(rf"\b(?:(volgende|aanstaande|komende|deze|vorige) )?({_DAY})\b")
_WEEK_OFFSET = {"deze": 0, "vorige": -1}
_ABBR_ONLY_RE = re.compile(rf"(?:(volgende|aanstaande|komende|deze) )?({'|'.join(DAY_ABBR)})\.?")
_FALLBACK_GATE_RE = re.compile(
    rf"\d[-/.:]\d|\b(?:{_MONTH}|{_DAY}|gisteren|eergisteren|week|weken|maand|maanden|jaar"
    r"|dag|dagen|geleden|vorige|volgende)\b"
)


class _Invalid(Exception):
    """Text looks like a date or time but names an impossible one."""


@dataclass
class _When:
    """Pieces found in the text: a date and/or a clock time and/or a part of the day."""

    day: date | None = None
    hour: int | None = None
    minute: int = 0
    literal: bool = False  # 24h notation ("10:00"): no morning/afternoon guessing
    part: str | None = None
    keep_now_time: bool = False  # "over 2 weken" is a duration: keep the current wall clock


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Wall-clock time on a local date; a non-existent time (DST gap) is moved forward."""
    naive = datetime.combine(day, at, tzinfo=tz)
    return naive.astimezone(UTC).astimezone(tz)


def _normalise(text: str) -> str:
    t = text.lower().translate(str.maketrans("‘’`´éëè", "''''eee"))
    t = re.sub(r"[,;!?()\"]", " ", t)
    t = re.sub(r"\s+", " ", t).strip().rstrip(".")
    t = _NUM_WORD_RE.sub(lambda m: str(_NUMBERS[m.group(1)]), t)
    # Split compounds so day and part of day are read separately ("vrijdagavond").
    t = re.sub(r"\bvan(ochtend|morgen|middag|avond)\b", r"vandaag \1", t)
    t = re.sub(rf"\b({_DAY}|overmorgen|morgen)(ochtend|morgen|vroeg|middag|avond|nacht)\b",
               r"\1 \2", t)  # fmt: skip
    t = re.sub(r"\b(vandaag|morgen|overmorgen|" + _DAY + r") (?:morgen|vroeg)\b", r"\1 ochtend", t)
    return t


def _short_duration(t: str) -> re.Match[str] | None:
    return _SHORT_DUR_RE.search(t) or _SHORT_AGO_RE.search(t)


def _cut(t: str, m: re.Match[str]) -> str:
    return (t[: m.start()] + " " + t[m.end() :]).strip()


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _upcoming(month: int, dom: int, today: date) -> date:
    """First valid month/day on or after today (a date already past means next year)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, dom)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _Invalid


def _year(raw: str) -> int:
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _take_numeric_date(t: str, w: _When, today: date) -> str:
    """Numeric dates go first: "3.12.2026" would otherwise be read as the clock time 3.12."""
    if m := _YMD_RE.search(t):
        w.day = date(int(m[1]), int(m[2]), int(m[3]))
    elif m := _DMY_RE.search(t):
        w.day = date(_year(m[4]), int(m[3]), int(m[1]))
    elif m := _DM_RE.search(t):
        w.day = _upcoming(int(m[2]), int(m[1]), today)
    return _cut(t, m) if m else t


def _take_time(t: str, w: _When) -> str:
    if m := _PART_RE.search(t):
        part = m[1] or m[2]
        w.part = "ochtend" if part == "morgen" else part
        t = _cut(t, m)
    if m := _CLOCK_RE.search(t):
        w.hour, w.minute, w.literal = int(m[1]), int(m[2]), True
    elif m := _MIN_REL_RE.search(t):
        mins, hour = int(m[1]), int(m[4])
        if not 0 < mins < 30:
            raise _Invalid
        base = hour * 60 - (30 if m[3] else 0)
        total = base + mins if m[2] == "over" else base - mins
        w.hour, w.minute = divmod(total, 60)
    elif m := _KWART_RE.search(t):
        base = int(m[3]) * 60 - (30 if m[2] else 0)
        w.hour, w.minute = divmod(base + (15 if m[1] == "over" else -15), 60)
    elif m := _HALF_RE.search(t):
        w.hour, w.minute = int(m[1]) - 1, 30
    elif m := _UUR_RE.search(t) or _OM_RE.search(t):
        w.hour = int(m[1])
    return _cut(t, m) if m else t


def _resolve_hour(w: _When) -> time | None:
    if w.hour is None:
        return time(PART_DEFAULT_HOUR[w.part]) if w.part in PART_DEFAULT_HOUR else None
    hour = w.hour
    if not w.literal and hour == 0 and w.minute > 0:
        hour = 12  # "half 1" is 12:30, not 00:30
    if w.part in ("middag", "avond") and hour < 12:
        hour += 12
    elif w.part == "nacht" and hour == 12:
        hour = 0
    elif w.part is None and not w.literal and 1 <= hour <= 6:
        hour += 12  # nobody schedules a neighbourhood meeting at 3 in the night
    if not (0 <= hour <= 23 and 0 <= w.minute <= 59):
        raise _Invalid
    return time(hour, w.minute)


def _edge_day(edge: str, first: date, mid: date, last: date) -> date:
    return first if edge == "begin" else last if edge.startswith("eind") else mid


def _month_edge(edge: str, year: int, month: int) -> date:
    last = calendar.monthrange(year, month)[1]
    return _edge_day(edge, date(year, month, 1), date(year, month, 15), date(year, month, last))


def _period_edge(edge: str, period: str, today: date, ahead: int) -> date:
    """Begin/midden/eind of this (ahead=0) or a later week, month or year."""
    if period == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=ahead)
        return _edge_day(edge, start, start + timedelta(2), start + timedelta(4))  # werkweek
    if period == "maand":
        start = _add_months(today.replace(day=1), ahead)
        return _month_edge(edge, start.year, start.month)
    year = today.year + ahead
    return _edge_day(edge, date(year, 1, 1), date(year, 7, 1), date(year, 12, 31))


def _take_word_date(t: str, w: _When, today: date) -> None:
    monday = today - timedelta(days=today.weekday())
    if m := _D_MONTH_RE.search(t):
        month, dom = MONTHS[m[2]], int(m[1])
        w.day = date(int(m[3]), month, dom) if m[3] else _upcoming(month, dom, today)
    elif m := _EDGE_MONTH_RE.search(t):
        month = MONTHS[m[2]]
        w.day = _month_edge(m[1], int(m[3]) if m[3] else today.year, month)
        if not m[3] and w.day < today:
            w.day = _month_edge(m[1], today.year + 1, month)
    elif m := _EDGE_PERIOD_RE.search(t):
        which, period = m[2] or "de", m[3]
        ahead = 1 if which.startswith(("volgend", "komend")) else 0
        w.day = _period_edge(m[1], period, today, ahead)
        if w.day < today and which in ("de", "het"):
            # "begin van de week" said on a Wednesday means next week's Monday.
            w.day = _period_edge(m[1], period, today, ahead + 1)
    elif m := _WEEK_DAY_RE.search(t):
        which = m[1] or m[4]
        weeks = int(m[5] or m[8] or 0) if which is None else _WEEK_OFFSET.get(which, 1)
        w.day = monday + timedelta(weeks=weeks, days=WEEKDAYS[m[2] or m[3] or m[6] or m[7]])
    elif m := _DAY_DUR_RE.search(t):
        n, unit = (int(m[2]), m[3]) if m[1] else (-int(m[4]), m[5])
        if unit.startswith("dag"):
            w.day = today + timedelta(days=n)
        elif unit.startswith("we"):
            w.day = today + timedelta(weeks=n)
        else:
            w.day = _add_months(today, n * (12 if unit.startswith("ja") else 1))
        w.keep_now_time = True
    elif m := _REL_DAY_RE.search(t):
        offset = {"eergisteren": -2, "gisteren": -1, "vandaag": 0, "morgen": 1, "overmorgen": 2}
        w.day = today + timedelta(days=offset[m[1]])
    elif (m := _WEEKDAY_RE.search(t)) or (m := _ABBR_ONLY_RE.fullmatch(t)):
        # Abbreviations only when they are all that is left: "zo" is also "so".
        wd = WEEKDAYS[m[2]] if m[2] in WEEKDAYS else DAY_ABBR.index(m[2])
        if m[1] == "vorige":
            w.day = today - timedelta(days=(today.weekday() - wd) % 7 or 7)
        else:
            delta = (wd - today.weekday()) % 7
            w.day = today + timedelta(days=delta or (0 if m[1] == "deze" else 7))


def _parse(text: str, now: datetime, end_of_day: bool, tz: ZoneInfo) -> datetime | None:
    t = _normalise(text)
    if not t:
        return None
    if _ISO_RE.fullmatch(t):
        parsed = datetime.fromisoformat(t.upper())
        if parsed.tzinfo is not None:
            return parsed.astimezone(tz)
        if "t" not in t:
            return _local(parsed.date(), DEADLINE_TIME if end_of_day else MEETING_TIME, tz)
        return _local(parsed.date(), parsed.time(), tz)
    if m := _short_duration(t):
        # Elapsed time, so plain UTC arithmetic: "over 2 uur" is 2 real hours, even across DST.
        amount = {"1 half": 0.5, "half": 0.5, "anderhalf": 1.5, "anderhalve": 1.5}.get(m[2])
        minutes = {"kwartier": 15, "uur": 60, "uren": 60}.get(m[3], 1) * (amount or int(m[2]))
        minutes = minutes if m[1] else -minutes
        return (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(tz)

    today = now.date()
    w = _When()
    t = _take_numeric_date(t, w, today)
    t = _take_time(t, w)
    if w.day is None:
        _take_word_date(t, w, today)
    at = _resolve_hour(w)
    if w.day is None:
        if at is None:
            return _fallback(text, now, end_of_day, tz)
        # A bare time means its next occurrence: "om 10 uur" said at 14:30 is tomorrow.
        result = _local(today, at, tz)
        return result if result > now else _local(today + timedelta(days=1), at, tz)
    if at is None:
        at = now.time().replace(second=0, microsecond=0) if w.keep_now_time else None
    return _local(w.day, at or (DEADLINE_TIME if end_of_day else MEETING_TIME), tz)


def _fallback(text: str, now: datetime, end_of_day: bool, tz: ZoneInfo) -> datetime | None:
    """dateparser for what the rules miss ("3 dagen geleden"), but only on date-like text."""
    if not _FALLBACK_GATE_RE.search(_normalise(text)):
        return None  # dateparser reads a bare "12" as the 12th of this month
    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "TIMEZONE": tz.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    parsed = dateparser.parse(_normalise(text), languages=["nl"], settings=settings)  # type: ignore[arg-type]
    if parsed is None or abs(parsed.year - now.year) > 100:
        return None
    parsed = parsed.astimezone(tz) if parsed.tzinfo else parsed.replace(tzinfo=tz)
    if has_explicit_time(text):
        return parsed
    return _local(parsed.date(), DEADLINE_TIME if end_of_day else MEETING_TIME, tz)


def parse_when(
    text: str, *, now: datetime, end_of_day: bool = True, tz: str | ZoneInfo = DEFAULT_TZ
) -> datetime | None:
    """Dutch text to an aware datetime in tz, relative to now (naive now = local time in tz).

    A date without a time gives 23:59 local with end_of_day=True (deadlines), 09:00 local with
    end_of_day=False (meetings). Parts of the day mean ochtend 09:00, middag 14:00, avond 19:00.
    "over n dagen/weken/maanden" keeps the wall-clock time of now; a bare time that has passed
    today means tomorrow. Returns None for text that is no date (or longer than 200 chars) and
    never raises for any text; only an unknown tz name raises.
    """
    zone = _zone(tz)
    now = now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
    if not isinstance(text, str) or len(text.strip()) > MAX_INPUT_LEN:
        return None
    try:
        return _parse(text, now, end_of_day, zone)
    except Exception:  # noqa: BLE001 - contract: free text never makes the caller crash
        return None


def has_explicit_year(text: str) -> bool:
    """True when the text names its year ("4 december 2026", "4-12-2026", "2026-12-04")."""
    try:
        t = _normalise(text)
        if _YMD_RE.search(t) or _DMY_RE.search(t):
            return True
        m = _D_MONTH_RE.search(t) or _EDGE_MONTH_RE.search(t)
        return bool(m and m[3])
    except Exception:  # noqa: BLE001 - same never-raise promise as parse_when
        return False


def _year_earlier(now: datetime) -> datetime:
    try:
        return now.replace(year=now.year - 1)
    except ValueError:  # 29 February
        return now.replace(year=now.year - 1, day=28)


def parse_when_past(
    text: str, *, now: datetime, end_of_day: bool = True, tz: str | ZoneInfo = DEFAULT_TZ
) -> datetime | None:
    """As parse_when, but a day that names no year means the most recent one (today included).

    "4 december" said on 23 November 2026 is 4 December 2025 and "donderdag" said on a Friday
    is yesterday; a text with a year ("4-12-2026") or one that is no day of a month or week
    ("over twee weken") keeps what parse_when gives. For the meeting that was held on a day.
    """
    zone = _zone(tz)
    now = now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
    ahead = parse_when(text, now=now, end_of_day=end_of_day, tz=zone)
    today = now.date()
    if ahead is None or ahead.astimezone(zone).date() <= today or has_explicit_year(text):
        return ahead
    try:
        t = _normalise(text)
    except Exception:  # noqa: BLE001 - same never-raise promise as parse_when
        return ahead
    shifts = []
    if _D_MONTH_RE.search(t) or _EDGE_MONTH_RE.search(t) or _DM_RE.search(t):
        shifts.append(_year_earlier(now))
    if re.search(rf"\b({_DAY})\b", t) or _ABBR_ONLY_RE.fullmatch(t):
        shifts.append(now - timedelta(days=7))
    earlier = [
        r
        for shifted in shifts
        if (r := parse_when(text, now=shifted, end_of_day=end_of_day, tz=zone)) is not None
        and r.astimezone(zone).date() <= today
    ]
    return max(earlier) if earlier else ahead


_ANY_DAY = date(2000, 1, 3)  # a reference day for questions that do not depend on the date


def has_explicit_time(text: str) -> bool:
    """True when the text names a time of day (clock, "half 3", "'s avonds", "over 2 uur")."""
    try:
        t = _normalise(text)
        if _short_duration(t) or re.fullmatch(r"\d{4}-\d{2}-\d{2}t.*", t):
            return True
        w = _When()
        _take_time(_take_numeric_date(t, w, _ANY_DAY), w)  # only the time matters here, not the day
        return _resolve_hour(w) is not None
    except Exception:  # noqa: BLE001 - same never-raise promise as parse_when
        return False


def format_when(dt: datetime) -> str:
    """Short Dutch rendering in Europe/Amsterdam: "vr 4 dec 2026 10:00", no time when 23:59."""
    zone = ZoneInfo(DEFAULT_TZ)
    local = dt.astimezone(zone) if dt.tzinfo else dt.replace(tzinfo=zone)
    text = f"{DAY_ABBR[local.weekday()]} {local.day} {MONTH_ABBR[local.month - 1]} {local.year}"
    return text if (local.hour, local.minute) == (23, 59) else f"{text} {local:%H:%M}"
