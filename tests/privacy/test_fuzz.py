"""Property tests over the command grammar: dispatch never raises, and an error stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.base import Message
from handlers.commands import FAMILIES
from handlers.router import dispatch
from tests.conftest import NOW
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

# every family of the one table, by its name and by an alias (handlers/commands.py)
COMMANDS = sorted(
    {f"/{f.name}" for f in FAMILIES} | {f"/{f.aliases[0]}" for f in FAMILIES if f.aliases} | {"/signaal!", "/actie!"}
)
SUBWORDS = sorted({w for f in FAMILIES for s in f.subs for w in s.words})
UNICODE = [
    "¹", "²", "١٢", "１２", "٣", "৩", "S-١", "A-¹", "Ⅻ", "ß", "İ", "ǅ", "ﬁ", "é", "ñ", "ش", "א", "日本",
    "\u200b", "\u200c", "\u200d", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069",
    "lijst\u200b", "\u200fS-1", "S-1\u202e", "hel\u200dp", "🙂", "👨\u200d👩",
]  # fmt: skip
WORDS = st.sampled_from(
    [
        *SUBWORDS, *UNICODE,
        "alle", "open", "S-1", "A-1", "S-2", "S-1.5", "A-", "12", "0", "45", "2026-H2", "overleg:1", "overleg:99",
        "@piet", "@fatima", "@niemand", "@", "#jeugd", "#onzin", "#", "?", "!", "help",
        "vrijdag", "morgen", "over", "twee", "weken", "1", "3", "maart", "eind", "januari", "10:00", "om", "9", "uur",
        "elke", "8", "locatie", "volgende", "vervanger", "ziek", "abcdefgh", "%", "_",
        "06-12345678", "111222333", "<!channel>", "<b>", "&amp;", "*vet*", "`", "'", '"',
    ]
)  # fmt: skip
CHARS = st.characters(categories=["L", "M", "N", "P", "S", "Zs", "Cf"])
TEXT = st.one_of(
    st.lists(WORDS, max_size=10).map(" ".join),
    st.text(max_size=120),
    st.text(CHARS, max_size=60),
    st.lists(st.one_of(WORDS, st.text(CHARS, max_size=8)), max_size=8).map(" ".join),
)


@pytest.fixture
def talking(db_url: str) -> Iterator[TalkingBot]:
    tb = TalkingBot(db_url, NOW)
    for text in ("/signaal Zwerfvuil bij de school", "/actie Buurtgesprek plannen @piet vrijdag"):
        msg = Message(text=text, person="anna", channel="lbt-bolnes", now=NOW)
        dispatch(tb.bot.engine, tb.bot.config, msg, tb.bot.state)
    yield tb
    tb.bot.engine.dispose()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), rest=TEXT, who=st.sampled_from(["anna", "piet", "hans", "kevin", "x"]))
def test_any_text_after_a_command_never_raises_and_an_error_stores_nothing(
    talking: TalkingBot, command: str, rest: str, who: str
) -> None:
    engine = talking.bot.engine
    before = table_counts(engine)
    msg = Message(text=f"{command} {rest}", person=who, channel="lbt-bolnes", now=NOW, transport="console")
    replies = dispatch(engine, talking.bot.config, msg, talking.bot.state)
    assert replies
    assert all(isinstance(r.text, str) and r.text for r in replies)
    assert all("Traceback" not in r.text for r in replies)
    if any(r.extra.get("error") for r in replies) or any(r.extra.get("pii") for r in replies):
        assert table_counts(engine) == before, (msg.text, replies[0].text)


def test_the_property_covers_every_family_and_unicode() -> None:
    from handlers.commands import find

    covered = {family.name for c in COMMANDS if (family := find(c[1:].rstrip("!"))) is not None}
    assert covered == {f.name for f in FAMILIES}
    assert any("\u200b" in w for w in UNICODE)
    assert any("\u202e" in w for w in UNICODE)
    assert "¹" in UNICODE
