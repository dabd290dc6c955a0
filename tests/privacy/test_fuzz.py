"""Property tests over the command grammar: dispatch never raises, and an error stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.base import Message
from handlers.router import dispatch
from tests.conftest import NOW
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

COMMANDS = ["/signaal", "/actie", "/afmelden", "/overleg", "/bijeenkomst"]
WORDS = st.sampled_from(
    [
        "lijst", "alle", "open", "S-1", "A-1", "S-2", "12", "actie", "sluit", "heropen", "oppakken", "gedaan",
        "verplaats", "overdragen", "vervallen", "@piet", "@fatima", "@niemand", "@", "#jeugd", "#onzin", "#",
        "vrijdag", "morgen", "over", "twee", "weken", "1", "maart", "eind", "januari", "10:00", "om", "9", "uur",
        "plan", "elke", "8", "locatie", "volgende", "vervanger", "ziek", "!", "bevestig", "aanpassen", "abcdefgh",
        "06-12345678", "111222333", "<!channel>", "<b>", "&amp;", "*vet*", "`", "\u200b", "é", "🙂", "'", '"',
    ]
)  # fmt: skip
TEXT = st.one_of(
    st.lists(WORDS, max_size=10).map(" ".join),
    st.text(max_size=120),
    st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=8).map(" ".join),
)


@pytest.fixture
def talking(db_url: str) -> Iterator[TalkingBot]:
    tb = TalkingBot(db_url, NOW)
    for text in ("/signaal Zwerfvuil bij de school", "/actie Buurtgesprek plannen @piet vrijdag"):
        dispatch(tb.bot.engine, tb.bot.config, Message(text=text, person="anna", channel="lbt-bolnes", now=NOW))
    yield tb
    tb.bot.engine.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), rest=TEXT, who=st.sampled_from(["anna", "piet", "hans", "kevin", "x"]))
def test_any_text_after_a_command_never_raises_and_an_error_stores_nothing(
    talking: TalkingBot, command: str, rest: str, who: str
) -> None:
    engine = talking.bot.engine
    before = table_counts(engine)
    msg = Message(text=f"{command} {rest}", person=who, channel="lbt-bolnes", now=NOW, transport="console")
    replies = dispatch(engine, talking.bot.config, msg)
    assert replies and all(isinstance(r.text, str) and r.text for r in replies)
    assert all("Traceback" not in r.text for r in replies)
    if any(r.extra.get("error") for r in replies) or any(r.extra.get("pii") for r in replies):
        assert table_counts(engine) == before, (msg.text, replies[0].text)
