"""parse_when on the Dutch corpus: time per phrase (median, p99), and Duckling beside it.

Every phrase of tests/handlers/dates_corpus.py is parsed `reps` times in a row; the figure
per phrase is the median of its runs, and the table gives the median and the p99 of those
per-phrase figures, overall and per group. When `pyduckling-native-phihos` is installed (it is
no dependency: `pip install pyduckling-native-phihos` into .venv to compare), the same corpus
goes through Duckling's Dutch grammar with the same reading of its answer:

- strict: only an answer that covers the whole text counts (what parse_when promises); a day
  is that day at 23:59 (09:00 for a meeting), a week/month/quarter/year its last working day;
- loose: the first time Duckling finds anywhere in the text, read the same way.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import Options, median, percentile
from bench.results import Goal, Section, table
from handlers.dates import DEADLINE_TIME, MEETING_TIME, is_working_day, parse_when
from tests.handlers.dates_corpus import Case, cases

NAME = "dates"
MEDIAN_GOAL_MS, P99_GOAL_MS = 0.5, 2.0
Reader = Callable[[Case], datetime | None]


def _right(got: datetime | None, meant: datetime | None) -> bool:
    if got is None or meant is None:
        return got is meant
    return got == meant and got.utcoffset() == meant.utcoffset()


def _ours(case: Case) -> datetime | None:
    return parse_when(case.text, now=case.now, end_of_day=case.end_of_day)


def _timings(cases_: list[Case], reps: int) -> dict[str, float]:
    """Median seconds per phrase over `reps` runs."""
    out: dict[str, float] = {}
    for case in cases_:
        runs = []
        for _ in range(reps):
            t0 = time.perf_counter()
            parse_when(case.text, now=case.now, end_of_day=case.end_of_day)
            runs.append(time.perf_counter() - t0)
        out[f"{case.group}|{case.text}|{case.now.isoformat()}|{case.end_of_day}"] = median(runs)
    return out


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


# -- Duckling, read the way parse_when answers ------------------------------------------------------


def _duckling_reader(strict: bool) -> Reader | None:
    try:
        import duckling
    except ImportError:
        return None
    tzdb = duckling.load_time_zones("/usr/share/zoneinfo")
    locale = duckling.default_locale_lang(duckling.parse_lang("NL"))
    dims = duckling.parse_dimensions(["time"])

    def read(case: Case) -> datetime | None:
        zone = case.now.tzinfo
        assert isinstance(zone, ZoneInfo)
        ref = duckling.parse_ref_time(tzdb, zone.key, int(case.now.timestamp()))
        text = case.text.strip()
        try:
            answers = duckling.parse(text, duckling.Context(ref, locale), dims, False)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return None
        found = [r for r in answers if r["dim"] == "time"]
        if strict:
            found = [r for r in found if r["start"] == 0 and r["end"] == len(text)]
        if not found:
            return None
        value = found[0]["value"]
        if value.get("type") == "interval":
            start, end = value.get("from"), value.get("to")
            if not start or not end:
                return None
            first = datetime.fromisoformat(start["value"]).date()
            last = datetime.fromisoformat(end["value"]).date() - timedelta(days=1)
            return _period(first, last, case, zone)
        moment = datetime.fromisoformat(value["value"]).astimezone(zone)
        grain = value.get("grain")
        if grain in ("hour", "minute", "second"):
            return moment
        if grain == "day":
            at = DEADLINE_TIME if case.end_of_day else MEETING_TIME
            return datetime.combine(moment.date(), at, tzinfo=zone)
        first = moment.date()
        months = {"week": 0, "month": 1, "quarter": 3, "year": 12}.get(grain or "", 0)
        if grain == "week":
            last = first + timedelta(days=6)
        else:
            y, m = divmod(first.month - 1 + months, 12)
            last = date(first.year + y, m + 1, 1) - timedelta(days=1)
        return _period(first, last, case, zone)

    return read


def _period(first: date, last: date, case: Case, zone: ZoneInfo) -> datetime | None:
    if not case.end_of_day:
        return None
    day = last
    while day > first and not is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, DEADLINE_TIME, tzinfo=zone)


def _score(read: Reader, cases_: list[Case]) -> tuple[dict[str, tuple[int, int]], int, float]:
    """Right per group, how many wrong dates (not None where None was meant is wrong too), seconds."""
    per: dict[str, list[bool]] = defaultdict(list)
    wrong = 0
    t0 = time.perf_counter()
    for case in cases_:
        got = read(case)
        ok = _right(got, case.meant)
        per[case.group].append(ok)
        wrong += got is not None and not ok
    took = time.perf_counter() - t0
    return {g: (sum(v), len(v)) for g, v in per.items()}, wrong, took


def run(opts: Options) -> Section:
    section = Section(NAME, "Dutch dates: parse_when on the corpus (bench/dates.py)")
    corpus = cases()
    reps = opts.size(200, 3)
    per_phrase = _timings(corpus, reps)
    values = list(per_phrase.values())
    med, p99 = median(values), percentile(values, 99)
    slowest = max(per_phrase, key=per_phrase.__getitem__)
    met = None if opts.smoke else med * 1000 < MEDIAN_GOAL_MS and p99 * 1000 < P99_GOAL_MS
    section.goals.append(Goal("parse_when, median per phrase", "–", _us(med), f"< {MEDIAN_GOAL_MS} ms", met))
    section.goals.append(Goal("parse_when, p99 per phrase", "–", _us(p99), f"< {P99_GOAL_MS} ms", met))
    groups: dict[str, list[float]] = defaultdict(list)
    for key, seconds in per_phrase.items():
        groups[key.split("|", 1)[0]].append(seconds)
    section.lines += [
        f"{len(corpus)} phrases, each parsed {reps} times in a row; per phrase the median of its runs.",
        f"Slowest phrase: `{slowest.split('|')[1]}` ({_us(per_phrase[slowest])}).",
        "",
        *table(
            ["group", "phrases", "median", "p99"],
            [["all", str(len(values)), _us(med), _us(p99)]]
            + [[g, str(len(v)), _us(median(v)), _us(percentile(v, 99))] for g, v in groups.items()],
        ),
        "",
    ]
    readers: list[tuple[str, Reader]] = [("parse_when", _ours)]
    strict, loose = _duckling_reader(True), _duckling_reader(False)
    if strict and loose:
        strict(corpus[0])  # load the grammar before timing
        readers += [("Duckling, whole text", strict), ("Duckling, anywhere", loose)]
    else:
        section.lines.append("Duckling (pyduckling-native-phihos) is not installed here; no comparison.")
    scores = [(name, *_score(read, corpus)) for name, read in readers]
    if len(scores) > 1:
        names = list(scores[0][1])
        header = ["group", *(name for name, *_ in scores)]
        rows = [[g, *(f"{s[g][0]}/{s[g][1]} ({100 * s[g][0] / s[g][1]:.0f}%)" for _, s, _, _ in scores)] for g in names]
        total = [sum(s[g][0] for g in names) for _, s, _, _ in scores]
        rows.append(["all", *(f"{t}/{len(corpus)} ({100 * t / len(corpus):.0f}%)" for t in total)])
        rows.append(["a wrong date", *(str(w) for _, _, w, _ in scores)])
        rows.append(["time per phrase", *(_us(took / len(corpus)) for _, _, _, took in scores)])
        section.lines += ["Right answers on the corpus, parse_when beside Duckling's Dutch grammar:", ""]
        section.lines += [*table(header, rows), ""]
    return section
