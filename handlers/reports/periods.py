"""Report periods in local time: ISO weeks for the digest, half years ("2026-H2") and their months."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

LOCALE = "nl_NL"
_HALF = re.compile(r"^(?P<year>\d{4})-?[hH](?P<half>[12])$")


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday 00:00 to the next Monday 00:00 local time."""

    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def number(self) -> int:
        return self.start.isocalendar()[1]

    def previous(self, n: int = 1) -> Week:
        tz = self.start.tzinfo
        assert isinstance(tz, ZoneInfo)
        day = self.start.date() - timedelta(weeks=n)
        return Week(local_midnight(day, tz), local_midnight(day + timedelta(weeks=1), tz))


def week_before(now: datetime, tz: ZoneInfo) -> Week:
    """The last complete ISO week before `now` (the week a Monday digest reports on)."""
    today = now.astimezone(tz).date()
    this_monday = today - timedelta(days=today.weekday())
    last_monday = this_monday - timedelta(weeks=1)
    return Week(local_midnight(last_monday, tz), local_midnight(this_monday, tz))


@dataclass(frozen=True)
class HalfYear:
    year: int
    half: int  # 1: January-June, 2: July-December

    @property
    def label(self) -> str:
        return f"{self.year}-H{self.half}"

    def start(self, tz: ZoneInfo) -> datetime:
        return local_midnight(date(self.year, 1 if self.half == 1 else 7, 1), tz)

    def end(self, tz: ZoneInfo) -> datetime:
        nxt = date(self.year, 7, 1) if self.half == 1 else date(self.year + 1, 1, 1)
        return local_midnight(nxt, tz)

    def previous(self) -> HalfYear:
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    def months(self, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
        first = 1 if self.half == 1 else 7
        out = []
        for m in range(first, first + 6):
            nxt = date(self.year + (m == 12), m % 12 + 1, 1)
            out.append((local_midnight(date(self.year, m, 1), tz), local_midnight(nxt, tz)))
        return out

    def title(self) -> str:
        """'januari – juni 2027' in Dutch."""
        first, last = (1, 6) if self.half == 1 else (7, 12)
        a = format_date(date(self.year, first, 1), "MMMM", locale=LOCALE)
        b = format_date(date(self.year, last, 1), "MMMM y", locale=LOCALE)
        return f"{a} – {b}"


def half_year_of(now: datetime, tz: ZoneInfo) -> HalfYear:
    local = now.astimezone(tz)
    return HalfYear(local.year, 1 if local.month <= 6 else 2)


def due_half_year(now: datetime, tz: ZoneInfo) -> HalfYear:
    """The half year whose report is due: in January still last year's H2, in July still H1; else the current."""
    current = half_year_of(now, tz)
    return current.previous() if now.astimezone(tz).month in (1, 7) else current


def send_from(period: HalfYear, tz: ZoneInfo) -> datetime:
    """A half year's report may be sent from the start of its last month (1 June, 1 December) on."""
    return local_midnight(date(period.year, 6 if period.half == 1 else 12, 1), tz)


def parse_half_year(text: str) -> HalfYear | None:
    """`2026-H2`, `2026h2` → HalfYear; None when it is not a half year."""
    m = _HALF.match(text.strip())
    if not m:
        return None
    return HalfYear(int(m["year"]), int(m["half"]))


def month_label(dt: datetime) -> str:
    """Short Dutch month for chart axes: 'jul 2026'."""
    return format_date(dt.date(), "LLL y", locale=LOCALE).replace(".", "")


def day_label(dt: datetime, tz: ZoneInfo) -> str:
    """'23 nov' style day for headers."""
    return format_date(dt.astimezone(tz).date(), "d MMM", locale=LOCALE).replace(".", "")
