"""Tests for the Dutch date parser in handlers.dates."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.dates import (
    MONTHS,
    WEEKDAYS,
    easter,
    format_when,
    has_explicit_time,
    has_explicit_year,
    is_working_day,
    koningsdag,
    parse_when,
    parse_when_past,
)
from tests.handlers.dates_corpus import AMS, NOW, Case, cases


def _at(y: int, m: int, d: int, h: int = 23, mi: int = 59) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=AMS)


def _assert_same(result: datetime | None, expected: datetime) -> None:
    assert result is not None
    assert result.tzinfo is not None
    # Same instant and same wall clock (so the offset is right too).
    assert result == expected
    assert result.astimezone(AMS).replace(tzinfo=None) == expected.replace(tzinfo=None)


CASES = cases()


def _meant(case: Case) -> datetime | None:
    return parse_when(case.text, now=case.now, end_of_day=case.end_of_day)


def _right(got: datetime | None, meant: datetime | None) -> bool:
    if got is None or meant is None:
        return got is meant
    # Same instant and same wall clock (so the offset is right too).
    return got == meant and got.astimezone(AMS).replace(tzinfo=None) == meant.replace(tzinfo=None)


def test_corpus_size_and_groups() -> None:
    assert len(CASES) >= 400
    assert sum(c.meant is None for c in CASES) >= 60
    assert len({(c.text, c.now, c.end_of_day) for c in CASES}) == len(CASES)


def test_corpus_score_per_group(capsys: pytest.CaptureFixture[str]) -> None:
    """Every group of the corpus at 95% or more; the score per group is printed (pytest -s)."""
    scores: dict[str, list[bool]] = defaultdict(list)
    misses: list[str] = []
    for case in CASES:
        got = _meant(case)
        scores[case.group].append(ok := _right(got, case.meant))
        if not ok:
            misses.append(f"  {case.group}: {case.text!r} meant {case.meant}, got {got}")
    with capsys.disabled():
        print("\ndates corpus, right per group:")
        for group, marks in scores.items():
            print(f"  {group:14} {sum(marks):4}/{len(marks):<4} {100 * sum(marks) / len(marks):5.1f}%")
        print("\n".join(misses))
    assert all(sum(m) / len(m) >= 0.95 for m in scores.values()), misses


@pytest.mark.parametrize("case", CASES, ids=[f"{c.group}:{c.text[:40]}" for c in CASES])
def test_corpus(case: Case) -> None:
    got = _meant(case)
    assert _right(got, case.meant), f"{case.text!r} meant {case.meant}, got {got}"
    if got is not None:
        assert got.tzinfo is not None


POSITIVE = [c for c in CASES if c.meant is not None and c.text.strip() == c.text and c.text]
NOISE = ["graag", "svp", "ajb", "aub", "a.u.b.", "alsjeblieft"]
STRANGERS = ["banaan", "piet", "ziek", "ongeveer", "misschien", "ofzo", "ergens", "paar", "of", "niet", "ik"]
UNKNOWN = st.one_of(st.sampled_from(STRANGERS), st.from_regex(r"q[a-pr-z]{3,8}", fullmatch=True))


@settings(max_examples=400, deadline=None)
@given(case=st.sampled_from(POSITIVE), word=UNKNOWN, where=st.floats(0, 1))
def test_an_unknown_word_makes_it_none(case: Case, word: str, where: float) -> None:
    """A valid expression plus a word it does not know is never a (different) date."""
    words = case.text.split()
    words.insert(round(where * len(words)), word)
    assert parse_when(" ".join(words), now=case.now, end_of_day=case.end_of_day) is None


@settings(max_examples=400, deadline=None)
@given(case=st.sampled_from(POSITIVE), word=st.sampled_from(NOISE), where=st.floats(0, 1))
def test_a_noise_word_changes_nothing(case: Case, word: str, where: float) -> None:
    """ "graag", "svp", "ajb" anywhere: the same answer as without, or None; never another date."""
    words = case.text.split()
    words.insert(round(where * len(words)), word)
    got = parse_when(" ".join(words), now=case.now, end_of_day=case.end_of_day)
    assert got is None or _right(got, _meant(case))


def test_dst_autumn_keeps_wall_clock() -> None:
    now = datetime(2026, 10, 20, 10, 0, tzinfo=AMS)
    result = parse_when("over twee weken", now=now)
    _assert_same(result, datetime(2026, 11, 3, 10, 0, tzinfo=AMS))
    assert result is not None
    assert result.utcoffset() == timedelta(hours=1)


def test_dst_spring_keeps_wall_clock() -> None:
    now = datetime(2027, 3, 20, 10, 0, tzinfo=AMS)
    result = parse_when("over 2 weken", now=now)
    _assert_same(result, datetime(2027, 4, 3, 10, 0, tzinfo=AMS))
    assert result is not None
    assert result.utcoffset() == timedelta(hours=2)
    morning = parse_when("morgen om 10 uur", now=datetime(2027, 3, 27, 12, 0, tzinfo=AMS))
    assert morning == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_dst_gap_moves_forward() -> None:
    # 02:30 does not exist on 2027-03-28: the clock jumps from 02:00 to 03:00.
    expected = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert parse_when("28 maart 2027 om 02:30", now=NOW) == expected
    result = parse_when("over 4 dagen", now=datetime(2027, 3, 24, 2, 30, tzinfo=AMS))
    assert result == expected
    assert result is not None
    assert (result.hour, result.minute) == (3, 30)


def test_short_durations_count_real_time_across_dst() -> None:
    spring = parse_when("over 2 uur", now=datetime(2027, 3, 28, 1, 30, tzinfo=AMS))
    assert spring is not None
    assert (spring.hour, spring.minute) == (4, 30)
    autumn = parse_when("over 2 uur", now=datetime(2026, 10, 25, 1, 30, tzinfo=AMS))
    # 02:30 for the second time (fold=1); compare in UTC, as inter-zone == is always
    # False for ambiguous local times (PEP 495).
    assert autumn is not None
    assert (autumn.hour, autumn.minute, autumn.fold) == (2, 30, 1)
    assert autumn.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_now_naive_or_other_zone() -> None:
    naive = datetime(2026, 11, 18, 14, 30)  # noqa: DTZ001 - a naive `now` is what this test feeds
    _assert_same(parse_when("morgen", now=naive), _at(2026, 11, 19))
    late_utc = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # already the 19th in Amsterdam
    _assert_same(parse_when("morgen", now=late_utc), _at(2026, 11, 20))


def test_other_time_zone() -> None:
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 18, 14, 30, tzinfo=ny)
    expected = datetime(2026, 11, 19, 9, 0, tzinfo=ny)
    assert parse_when("morgen om 9 uur", now=now, tz="America/New_York") == expected
    result = parse_when("morgen om 9 uur", now=now, tz=ny)
    assert result == expected
    assert result is not None
    assert result.tzinfo == ny


@pytest.mark.parametrize(
    "text",
    [
        *("morgen om 9 uur", "10:00", "half 3", "morgenochtend", "over 2 uur", "2026-12-03T10:00"),
        *("dinsdag 1 december om 19:30", "wo 17/2 10u"),
    ],
)
def test_has_explicit_time(text: str) -> None:
    assert has_explicit_time(text)


@pytest.mark.parametrize(
    "text",
    [
        *("morgen", "vrijdag", "1 maart", "3-12-2026", "banaan", "", "over 2 weken", "om 25 uur"),
        *("deze week", "vrijdag banaan 10:00"),
    ],
)
def test_has_no_explicit_time(text: str) -> None:
    assert not has_explicit_time(text)


def test_format_when() -> None:
    assert format_when(_at(2026, 12, 4, 10, 0)) == "vr 4 dec 2026 10:00"
    assert format_when(_at(2026, 12, 4)) == "vr 4 dec 2026"
    assert format_when(datetime(2026, 12, 4, 9, 5, tzinfo=UTC)) == "vr 4 dec 2026 10:05"
    assert format_when(datetime(2027, 3, 1, 9, 0)) == "ma 1 mrt 2027 09:00"  # noqa: DTZ001 - naive input on purpose
    assert format_when(datetime(2027, 5, 16, 23, 59, tzinfo=AMS)) == "zo 16 mei 2027"


def _check(result: datetime | None) -> None:
    assert result is None or (result.tzinfo is not None and result.utcoffset() is not None)


# hypothesis wants naive bounds; the zone comes from `timezones`
NOWS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(AMS))  # noqa: DTZ001


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
def test_never_raises_on_dutch_word_soup(tokens: list[str], glue: str, now: datetime, end_of_day: bool) -> None:
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
    assert with_year is not None
    assert with_year.year == now.year + 1


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("4 december 2026", True),
        ("4-12-26", True),
        ("2026-12-04", True),
        ("pasen 2028", True),
        ("week 12 2027", True),
        ("4 december", False),
        ("pasen", False),
        ("dinsdag", False),
        ("banaan 2026", False),
    ],
)
def test_has_explicit_year(text: str, year: bool) -> None:
    assert has_explicit_year(text) is year


def test_easter_and_koningsdag() -> None:
    known = {2000: (4, 23), 2008: (3, 23), 2011: (4, 24), 2019: (4, 21), 2024: (3, 31), 2038: (4, 25), 2285: (3, 22)}
    for year, (month, day) in known.items():
        assert easter(year) == date(year, month, day)
    assert koningsdag(2025) == date(2025, 4, 26)  # the 27th is a Sunday
    assert koningsdag(2026) == date(2026, 4, 27)
    assert not is_working_day(date(2027, 3, 29))  # Tweede Paasdag
    assert is_working_day(date(2027, 3, 26))  # Goede Vrijdag
