"""Tests for the Dutch date parser in handlers.dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.dates import (
    MONTHS,
    WEEKDAYS,
    format_when,
    has_explicit_time,
    has_explicit_year,
    parse_when,
    parse_when_past,
)

AMS = ZoneInfo("Europe/Amsterdam")
# Wednesday afternoon: weekdays, "past" dates and bare times all have something to decide.
NOW = datetime(2026, 11, 18, 14, 30, tzinfo=AMS)
# Christmas Friday: "vrijdag" must jump a week and "begin januari" a year.
FRIDAY = datetime(2026, 12, 25, 10, 0, tzinfo=AMS)


def _at(y: int, m: int, d: int, h: int = 23, mi: int = 59) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=AMS)


def _assert_same(result: datetime | None, expected: datetime) -> None:
    assert result is not None
    assert result.tzinfo is not None
    # Same instant and same wall clock (so the offset is right too).
    assert result == expected
    assert result.astimezone(AMS).replace(tzinfo=None) == expected.replace(tzinfo=None)


CORPUS: list[tuple[str, datetime]] = [
    # relative days; a date without a time is a deadline at 23:59
    ("vandaag", _at(2026, 11, 18)),
    ("morgen", _at(2026, 11, 19)),
    ("overmorgen", _at(2026, 11, 20)),
    ("gisteren", _at(2026, 11, 17)),
    ("Morgen om 9 uur!", _at(2026, 11, 19, 9, 0)),
    ("de vergadering is morgen om 10 uur", _at(2026, 11, 19, 10, 0)),
    # parts of the day
    ("morgenochtend", _at(2026, 11, 19, 9, 0)),
    ("morgenmiddag", _at(2026, 11, 19, 14, 0)),
    ("morgenavond", _at(2026, 11, 19, 19, 0)),
    ("morgen vroeg", _at(2026, 11, 19, 9, 0)),
    ("vanavond", _at(2026, 11, 18, 19, 0)),
    ("vanmiddag", _at(2026, 11, 18, 14, 0)),
    ("vanochtend", _at(2026, 11, 18, 9, 0)),
    ("'s avonds", _at(2026, 11, 18, 19, 0)),
    ("morgen om 9 uur", _at(2026, 11, 19, 9, 0)),
    ("morgen om 3 uur", _at(2026, 11, 19, 15, 0)),
    ("morgen om half 3", _at(2026, 11, 19, 14, 30)),
    ("morgen om kwart over 3", _at(2026, 11, 19, 15, 15)),
    ("morgen kwart voor 4", _at(2026, 11, 19, 15, 45)),
    ("morgenochtend om half 10", _at(2026, 11, 19, 9, 30)),
    ("morgenavond half 8", _at(2026, 11, 19, 19, 30)),
    ("morgen 13:15", _at(2026, 11, 19, 13, 15)),
    # bare times: the next occurrence (14:30 itself is not in the future any more)
    ("om half 3", _at(2026, 11, 19, 14, 30)),
    ("half 3", _at(2026, 11, 19, 14, 30)),
    ("om 3 uur", _at(2026, 11, 18, 15, 0)),
    ("om 9 uur", _at(2026, 11, 19, 9, 0)),
    ("om 9", _at(2026, 11, 19, 9, 0)),
    ("kwart over 3", _at(2026, 11, 18, 15, 15)),
    ("kwart voor 4", _at(2026, 11, 18, 15, 45)),
    ("5 over half 3", _at(2026, 11, 18, 14, 35)),
    ("10 voor 4", _at(2026, 11, 18, 15, 50)),
    ("10:00", _at(2026, 11, 19, 10, 0)),
    ("16:00", _at(2026, 11, 18, 16, 0)),
    ("10.30 uur", _at(2026, 11, 19, 10, 30)),
    ("10u30", _at(2026, 11, 19, 10, 30)),
    ("om 12 uur", _at(2026, 11, 19, 12, 0)),
    ("half een", _at(2026, 11, 19, 12, 30)),
    ("kwart voor 1", _at(2026, 11, 19, 12, 45)),
    ("om 7 uur 's avonds", _at(2026, 11, 18, 19, 0)),
    ("9 uur 's ochtends", _at(2026, 11, 19, 9, 0)),
    ("'s middags om 2 uur", _at(2026, 11, 19, 14, 0)),
    # weekdays: strictly after today
    ("vrijdag", _at(2026, 11, 20)),
    ("woensdag", _at(2026, 11, 25)),
    ("maandag", _at(2026, 11, 23)),
    ("dinsdag", _at(2026, 11, 24)),
    ("zondag", _at(2026, 11, 22)),
    ("  Vrijdag  ", _at(2026, 11, 20)),
    ("aanstaande vrijdag", _at(2026, 11, 20)),
    ("komende maandag", _at(2026, 11, 23)),
    ("volgende vrijdag", _at(2026, 11, 20)),
    ("vorige vrijdag", _at(2026, 11, 13)),
    ("volgende week dinsdag", _at(2026, 11, 24)),
    ("volgende week woensdag", _at(2026, 11, 25)),
    ("volgende week vrijdag", _at(2026, 11, 27)),
    ("dinsdag volgende week", _at(2026, 11, 24)),
    ("deze week vrijdag", _at(2026, 11, 20)),
    ("deze week maandag", _at(2026, 11, 16)),
    ("vrijdag over 2 weken", _at(2026, 12, 4)),
    ("over een week vrijdag", _at(2026, 11, 27)),
    ("vrijdagavond", _at(2026, 11, 20, 19, 0)),
    ("vrijdagmiddag om 3 uur", _at(2026, 11, 20, 15, 0)),
    ("donderdagochtend", _at(2026, 11, 19, 9, 0)),
    ("zondagmorgen", _at(2026, 11, 22, 9, 0)),
    ("maandag 10:00", _at(2026, 11, 23, 10, 0)),
    ("VRIJDAG 10:00", _at(2026, 11, 20, 10, 0)),
    ("vrijdag om half 8 's avonds", _at(2026, 11, 20, 19, 30)),
    ("ma 10:00", _at(2026, 11, 23, 10, 0)),
    ("vr", _at(2026, 11, 20)),
    ("zo.", _at(2026, 11, 22)),
    # calendar dates; without a year a past date means next year
    ("vr 4 dec", _at(2026, 12, 4)),
    ("1 maart", _at(2027, 3, 1)),
    ("1 maart 2027", _at(2027, 3, 1)),
    ("3 december om 10:00", _at(2026, 12, 3, 10, 0)),
    ("3 december 2026 10:00", _at(2026, 12, 3, 10, 0)),
    ("donderdag 3 december", _at(2026, 12, 3)),
    ("3 dec. 2026", _at(2026, 12, 3)),
    ("31 december 23:00", _at(2026, 12, 31, 23, 0)),
    ("18 november", _at(2026, 11, 18)),
    ("17 november", _at(2027, 11, 17)),
    ("tweeëntwintig december", _at(2026, 12, 22)),
    ("1 jan", _at(2027, 1, 1)),
    ("15 mrt", _at(2027, 3, 15)),
    ("6 sept", _at(2027, 9, 6)),
    ("31 okt", _at(2027, 10, 31)),
    ("3-12", _at(2026, 12, 3)),
    ("12-11", _at(2027, 11, 12)),
    ("3-12-2026", _at(2026, 12, 3)),
    ("03/12/2026", _at(2026, 12, 3)),
    ("3.12.2026", _at(2026, 12, 3)),
    ("04-12-26", _at(2026, 12, 4)),
    ("2026-12-03", _at(2026, 12, 3)),
    ("2026-12-03T10:00", _at(2026, 12, 3, 10, 0)),
    ("2026-12-03T10:00:00+00:00", _at(2026, 12, 3, 11, 0)),
    # begin / half / eind
    ("eind januari", _at(2027, 1, 31)),
    ("begin januari", _at(2027, 1, 1)),
    ("half december", _at(2026, 12, 15)),
    ("midden maart", _at(2027, 3, 15)),
    ("eind november", _at(2026, 11, 30)),
    ("begin november", _at(2027, 11, 1)),
    ("eind februari", _at(2027, 2, 28)),
    ("eind van de week", _at(2026, 11, 20)),
    ("eind van de maand", _at(2026, 11, 30)),
    ("begin van de maand", _at(2026, 12, 1)),
    ("begin volgende week", _at(2026, 11, 23)),
    ("eind volgende maand", _at(2026, 12, 31)),
    ("eind van het jaar", _at(2026, 12, 31)),
    # durations keep the current wall-clock time
    ("over twee weken", _at(2026, 12, 2, 14, 30)),
    ("over 3 dagen", _at(2026, 11, 21, 14, 30)),
    ("over een week", _at(2026, 11, 25, 14, 30)),
    ("over 2 maanden", _at(2027, 1, 18, 14, 30)),
    ("over een jaar", _at(2027, 11, 18, 14, 30)),
    ("binnen 3 dagen", _at(2026, 11, 21, 14, 30)),
    ("3 dagen geleden", _at(2026, 11, 15, 14, 30)),
    ("over 2 weken om 10 uur", _at(2026, 12, 2, 10, 0)),
    ("over 2 uur", _at(2026, 11, 18, 16, 30)),
    ("over een kwartier", _at(2026, 11, 18, 14, 45)),
    ("over een half uur", _at(2026, 11, 18, 15, 0)),
    ("over 10 minuten", _at(2026, 11, 18, 14, 40)),
    # left to the dateparser fallback
    ("volgende week", _at(2026, 11, 25)),
]


def test_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 90
    assert len({text for text, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("text", "expected"), CORPUS, ids=[t for t, _ in CORPUS])
def test_corpus(text: str, expected: datetime) -> None:
    _assert_same(parse_when(text, now=NOW), expected)


MEETINGS: list[tuple[str, datetime]] = [
    ("morgen", _at(2026, 11, 19, 9, 0)),
    ("vrijdag", _at(2026, 11, 20, 9, 0)),
    ("1 maart", _at(2027, 3, 1, 9, 0)),
    ("eind januari", _at(2027, 1, 31, 9, 0)),
    ("2026-12-03", _at(2026, 12, 3, 9, 0)),
    ("volgende week", _at(2026, 11, 25, 9, 0)),
    ("morgen om 3 uur", _at(2026, 11, 19, 15, 0)),
    ("morgenavond", _at(2026, 11, 19, 19, 0)),
    ("over twee weken", _at(2026, 12, 2, 14, 30)),
]


@pytest.mark.parametrize(("text", "expected"), MEETINGS, ids=[t for t, _ in MEETINGS])
def test_meeting_default_time(text: str, expected: datetime) -> None:
    _assert_same(parse_when(text, now=NOW, end_of_day=False), expected)


FRIDAY_CORPUS: list[tuple[str, datetime]] = [
    ("vandaag", _at(2026, 12, 25)),
    ("vrijdag", _at(2027, 1, 1)),
    ("deze vrijdag", _at(2026, 12, 25)),
    ("deze week vrijdag", _at(2026, 12, 25)),
    ("zaterdag", _at(2026, 12, 26)),
    ("maandag", _at(2026, 12, 28)),
    ("volgende week maandag", _at(2026, 12, 28)),
    ("vorige week vrijdag", _at(2026, 12, 18)),
    ("morgen", _at(2026, 12, 26)),
    ("overmorgen", _at(2026, 12, 27)),
    ("begin januari", _at(2027, 1, 1)),
    ("eind januari", _at(2027, 1, 31)),
    ("half december", _at(2027, 12, 15)),
    ("eind december", _at(2026, 12, 31)),
    ("20 december", _at(2027, 12, 20)),
    ("25 december", _at(2026, 12, 25)),
    ("1-1", _at(2027, 1, 1)),
    ("31-12", _at(2026, 12, 31)),
    ("eind van de week", _at(2026, 12, 25)),
    ("begin van de week", _at(2026, 12, 28)),
    ("eind van de maand", _at(2026, 12, 31)),
    ("begin van de maand", _at(2027, 1, 1)),
    ("eind volgende maand", _at(2027, 1, 31)),
    ("begin van het jaar", _at(2027, 1, 1)),
    ("om 9 uur", _at(2026, 12, 26, 9, 0)),
    ("om 11 uur", _at(2026, 12, 25, 11, 0)),
    ("over een week", _at(2027, 1, 1, 10, 0)),
    ("over 2 maanden", _at(2027, 2, 25, 10, 0)),
    ("over 1 week vrijdag", _at(2027, 1, 1)),
]


@pytest.mark.parametrize(("text", "expected"), FRIDAY_CORPUS, ids=[t for t, _ in FRIDAY_CORPUS])
def test_friday_corpus(text: str, expected: datetime) -> None:
    _assert_same(parse_when(text, now=FRIDAY), expected)


NOT_DATES = [
    "",
    "   ",
    "banaan",
    "de lantaarnpaal is kapot",
    "lantaarnpaal 12 is kapot",
    "12",
    "het is zo klaar",
    "hallo wereld",
    "30 februari",
    "om 25 uur",
    "31-13-2026",
    "🙂🙂🙂",
    "\x00\x01",
    "morgen " + "x" * 300,
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_a_date(text: str) -> None:
    assert parse_when(text, now=NOW) is None


def test_dst_autumn_keeps_wall_clock() -> None:
    now = datetime(2026, 10, 20, 10, 0, tzinfo=AMS)
    result = parse_when("over twee weken", now=now)
    _assert_same(result, datetime(2026, 11, 3, 10, 0, tzinfo=AMS))
    assert result is not None and result.utcoffset() == timedelta(hours=1)


def test_dst_spring_keeps_wall_clock() -> None:
    now = datetime(2027, 3, 20, 10, 0, tzinfo=AMS)
    result = parse_when("over 2 weken", now=now)
    _assert_same(result, datetime(2027, 4, 3, 10, 0, tzinfo=AMS))
    assert result is not None and result.utcoffset() == timedelta(hours=2)
    morning = parse_when("morgen om 10 uur", now=datetime(2027, 3, 27, 12, 0, tzinfo=AMS))
    assert morning == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_dst_gap_moves_forward() -> None:
    # 02:30 does not exist on 2027-03-28: the clock jumps from 02:00 to 03:00.
    expected = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert parse_when("28 maart 2027 om 02:30", now=NOW) == expected
    result = parse_when("over 4 dagen", now=datetime(2027, 3, 24, 2, 30, tzinfo=AMS))
    assert result == expected
    assert result is not None and (result.hour, result.minute) == (3, 30)


def test_short_durations_count_real_time_across_dst() -> None:
    spring = parse_when("over 2 uur", now=datetime(2027, 3, 28, 1, 30, tzinfo=AMS))
    assert spring is not None and (spring.hour, spring.minute) == (4, 30)
    autumn = parse_when("over 2 uur", now=datetime(2026, 10, 25, 1, 30, tzinfo=AMS))
    # 02:30 for the second time (fold=1); compare in UTC, as inter-zone == is always
    # False for ambiguous local times (PEP 495).
    assert autumn is not None and (autumn.hour, autumn.minute, autumn.fold) == (2, 30, 1)
    assert autumn.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_now_naive_or_other_zone() -> None:
    _assert_same(parse_when("morgen", now=datetime(2026, 11, 18, 14, 30)), _at(2026, 11, 19))
    late_utc = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # already the 19th in Amsterdam
    _assert_same(parse_when("morgen", now=late_utc), _at(2026, 11, 20))


def test_other_time_zone() -> None:
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 18, 14, 30, tzinfo=ny)
    expected = datetime(2026, 11, 19, 9, 0, tzinfo=ny)
    assert parse_when("morgen om 9 uur", now=now, tz="America/New_York") == expected
    result = parse_when("morgen om 9 uur", now=now, tz=ny)
    assert result == expected and result is not None and result.tzinfo == ny


@pytest.mark.parametrize(
    "text",
    ["morgen om 9 uur", "10:00", "half 3", "morgenochtend", "over 2 uur", "2026-12-03T10:00"],
)
def test_has_explicit_time(text: str) -> None:
    assert has_explicit_time(text)


@pytest.mark.parametrize(
    "text", ["morgen", "vrijdag", "1 maart", "3-12-2026", "banaan", "", "over 2 weken", "om 25 uur"]
)
def test_has_no_explicit_time(text: str) -> None:
    assert not has_explicit_time(text)


def test_format_when() -> None:
    assert format_when(_at(2026, 12, 4, 10, 0)) == "vr 4 dec 2026 10:00"
    assert format_when(_at(2026, 12, 4)) == "vr 4 dec 2026"
    assert format_when(datetime(2026, 12, 4, 9, 5, tzinfo=UTC)) == "vr 4 dec 2026 10:05"
    assert format_when(datetime(2027, 3, 1, 9, 0)) == "ma 1 mrt 2027 09:00"
    assert format_when(datetime(2027, 5, 16, 23, 59, tzinfo=AMS)) == "zo 16 mei 2027"


def _check(result: datetime | None) -> None:
    assert result is None or (result.tzinfo is not None and result.utcoffset() is not None)


NOWS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(AMS)
)


@settings(max_examples=300, deadline=None)
@given(text=st.text(), now=NOWS, end_of_day=st.booleans())
def test_never_raises_on_any_text(text: str, now: datetime, end_of_day: bool) -> None:
    _check(parse_when(text, now=now, end_of_day=end_of_day))
    _check(parse_when_past(text, now=now, end_of_day=end_of_day))
    assert isinstance(has_explicit_time(text), bool)
    assert isinstance(has_explicit_year(text), bool)


WORDS = [
    *MONTHS, *WEEKDAYS, "ma", "di", "wo", "do", "vr", "za", "zo", "om", "uur", "half", "kwart",
    "over", "voor", "volgende", "vorige", "deze", "week", "weken", "dag", "dagen", "maand",
    "maanden", "jaar", "begin", "eind", "midden", "van", "de", "het", "morgen", "overmorgen",
    "vandaag", "gisteren", "geleden", "'s", "avonds", "ochtend", "middag", "avond", "nacht",
    "vanavond", "morgenochtend", "een", "twee", "twaalf", "tweeëntwintig", "binnen", "minuten",
    "kwartier", "-", "/", ":", ".", "t", "banaan",
]  # fmt: skip
TOKENS = st.one_of(st.sampled_from(WORDS), st.integers(0, 3000).map(str))


@settings(max_examples=500, deadline=None)
@given(
    tokens=st.lists(TOKENS, max_size=8),
    glue=st.sampled_from([" ", "", "-", ":"]),
    now=NOWS,
    end_of_day=st.booleans(),
)
def test_never_raises_on_dutch_word_soup(
    tokens: list[str], glue: str, now: datetime, end_of_day: bool
) -> None:
    text = glue.join(tokens)
    _check(parse_when(text, now=now, end_of_day=end_of_day))
    _check(parse_when_past(text, now=now, end_of_day=end_of_day))
    assert isinstance(has_explicit_time(text), bool)
    assert isinstance(has_explicit_year(text), bool)


@settings(max_examples=200, deadline=None)
@given(day=st.integers(1, 28), month=st.sampled_from(sorted(MONTHS)), now=NOWS)
def test_day_month_is_the_next_occurrence(day: int, month: str, now: datetime) -> None:
    result = parse_when(f"{day} {month}", now=now)
    assert result is not None
    assert (result.month, result.day, result.hour, result.minute) == (MONTHS[month], day, 23, 59)
    assert now.date() <= result.date() < now.date() + timedelta(days=366)


@settings(max_examples=200, deadline=None)
@given(day=st.integers(1, 28), month=st.sampled_from(sorted(MONTHS)), now=NOWS)
def test_day_month_for_a_past_meeting_is_the_most_recent_occurrence(day: int, month: str, now: datetime) -> None:
    result = parse_when_past(f"{day} {month}", now=now, end_of_day=False)
    assert result is not None
    assert (result.month, result.day) == (MONTHS[month], day)
    assert now.date() - timedelta(days=366) < result.date() <= now.date()
    with_year = parse_when_past(f"{day} {month} {now.year + 1}", now=now, end_of_day=False)
    assert with_year is not None and with_year.year == now.year + 1  # a year is kept as written
