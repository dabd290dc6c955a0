"""The names check of texts that leave a group finds a name wherever `in` would (also inside a
word), however many people there are (handlers/reports/actielijst.py `_Names`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.reports.actielijst import _Names

letters = st.text(alphabet="abcdeé @-'", min_size=0, max_size=6)


@settings(max_examples=300, deadline=None)
@given(patterns=st.lists(letters.filter(bool), max_size=30), text=st.text(alphabet="abcdeé @-'.", max_size=60))
def test_found_exactly_where_in_finds_it(patterns: list[str], text: str) -> None:
    assert _Names(patterns).found_in(text) == any(p in text for p in patterns)


def test_twenty_thousand_names() -> None:
    names = [f"persoon {i} van team {i // 10}" for i in range(20_000)] + [f"@t{i}" for i in range(20_000)]
    matcher = _Names(names)
    assert matcher.found_in("overleg met persoon 19999 van team 1999 over de brug")
    assert matcher.found_in("vraag het @t123 morgen")
    assert not matcher.found_in("bankjes bij de speeltuin & <de school> vervangen")
