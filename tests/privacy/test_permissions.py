"""Who may do what: every row of the permission table, tried with the wrong role through the router.

Each refusal is one clear Dutch sentence and nothing is stored. A row whose command is not in this
build (yet) is tried on `require` directly, so every row is always tested.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.base import UserError
from handlers.permissions import PERMISSIONS, REFUSALS, Role, markdown_table, require, roles_of
from handlers.router import COMMANDS
from storage.models import Group, Membership, Person, PersonKind
from tests.conftest import TZ
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
BOLNES = "Leefbaarheidsteam Bolnes"


async def _signaal(bot: TalkingBot) -> None:
    await bot.say("/signaal Kapotte lantaarnpaal Dillenburgplein #openbare-ruimte")


async def _actie(bot: TalkingBot) -> None:
    await bot.say("/actie Buurtgesprek plannen @piet vrijdag")


async def _initiatief(bot: TalkingBot) -> None:
    await bot.say("/initiatief Straatfeest in de Lindelaan bedrag €800")
    await bot.say("/initiatief I-1 contact @piet")


async def _nothing(bot: TalkingBot) -> None:
    return None


async def _after_first_meeting(bot: TalkingBot) -> None:
    bot.bot.clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=TZ))  # Bolnes met at 10:00


@dataclass(frozen=True)
class Case:
    who: str  # the person with the wrong role
    why: str  # which wrong role that is
    channel: str
    command: str  # through the router, when its family is in this build
    setup: Callable[[TalkingBot], Awaitable[None]] = _nothing
    expect: str | None = None  # the refusal (default: REFUSALS[action] for Bolnes)


CASES: dict[str, list[Case]] = {
    "item.read": [
        Case("kevin", "lid van een ander team", "lbt-centrum-west", "/signaal S-1", _signaal, "eigen groep"),
        Case("kevin", "lid van een ander team", "lbt-centrum-west", "/actie A-1", _actie, "eigen groep"),
        Case("kevin", "lid van een ander team", "lbt-bolnes", "/signaal lijst"),
    ],
    "item.create": [
        Case("kevin", "lid van een ander team", "lbt-bolnes", "/signaal Fietswrakken bij het station"),
        Case("hans", "lid van de regiegroep", "lbt-bolnes", "/actie Buurtgesprek @piet vrijdag"),
        Case("hans", "lid van de regiegroep", "lbt-bolnes", "/bijeenkomst 14 januari 19:30 Bewonersavond"),
    ],
    "item.edit": [
        Case("hans", "regiegroep leest mee maar wijzigt niet", "lbt-bolnes", "/actie gedaan A-1", _actie),
        Case("hans", "regiegroep leest mee maar wijzigt niet", "lbt-bolnes", "/signaal S-1 sluit klaar", _signaal),
        Case("els", "stuurgroep", "lbt-bolnes", "/actie vervallen A-1 niet nodig", _actie),
    ],
    "meeting.read": [Case("kevin", "lid van een ander team", "lbt-bolnes", "/overleg")],
    "meeting.plan": [Case("hans", "lid van de regiegroep", "lbt-bolnes", "/overleg plan 10 december 10:00")],
    "meeting.absence": [Case("hans", "geen lid van het team", "lbt-bolnes", "/afmelden volgende ziek")],
    "meeting.agenda": [
        Case("hans", "lid van de regiegroep", "lbt-bolnes", "/overleg agendapunt Overlast bespreken"),
        Case("kevin", "lid van een ander team", "lbt-bolnes", "/overleg agendapunt Overlast gast @karin"),
    ],
    "meeting.change": [
        Case("piet", "lid maar geen voorzitter", "lbt-bolnes", "/overleg afzeggen volgende"),
        Case("piet", "lid maar geen voorzitter", "lbt-bolnes", "/overleg verplaats 3 december naar 10 december"),
        Case("piet", "lid maar geen voorzitter", "lbt-bolnes", "/overleg gehouden 3-12-2026", _after_first_meeting),
    ],
    "attendance.confirm": [
        Case("piet", "lid maar geen voorzitter", "lbt-bolnes", "/overleg aanwezig alle", _after_first_meeting)
    ],
    "report.complete": [
        Case("piet", "lid maar geen voorzitter", "lbt-bolnes", "/rapportage tekst Het jaarplan loopt op schema")
    ],
    "ambassador.invite": [Case("piet", "lid maar geen voorzitter", "lbt-bolnes", "/ambassadeur uitnodigen")],
    "ambassador.read": [Case("hans", "lid van de regiegroep", "lbt-bolnes", "/ambassadeur lijst")],
    "privacy.request": [Case("anna", "voorzitter maar geen beheerder", "lbt-bolnes", "")],
    "person.link": [
        Case("piet", "lid maar geen voorzitter", "lbt-bolnes", "/koppel @fatima"),
        Case("hans", "lid van de regiegroep", "lbt-bolnes", "/koppel @piet"),
    ],
    "signaal.own.read": [Case("anna", "voorzitter, geen wijkambassadeur", "lbt-bolnes", "")],
    "actie.own": [
        # A-1 is piet's; kevin (another team) owns nothing of Bolnes: not from a direct chat either
        Case("kevin", "geen eigenaar, ander team", "@kevin", "/actie gedaan A-1", _actie, "eigen groep"),
        Case("kevin", "geen eigenaar, ander team", "@kevin", "/actie A-1", _actie, "eigen groep"),
    ],
    "initiatief.contact": [
        # I-1's contact person is piet; kevin (another team) may not move it, not from a direct chat either
        Case(
            "kevin",
            "geen contactpersoon, ander team",
            "@kevin",
            "/initiatief I-1 fase gesprek",
            _initiatief,
            "eigen groep",
        ),
        Case("kevin", "geen contactpersoon, ander team", "@kevin", "/initiatief I-1", _initiatief, "eigen groep"),
    ],
}


def test_every_row_of_the_table_has_a_wrong_role_case() -> None:
    assert set(CASES) == set(PERMISSIONS) == set(REFUSALS)


def test_every_refusal_is_one_dutch_sentence() -> None:
    for action, text in REFUSALS.items():
        sentence = text.format(group=BOLNES)
        assert sentence.endswith("."), action
        assert "\n" not in sentence, action
        assert ". " not in sentence.rstrip("."), action


def test_docs_security_holds_the_permission_table() -> None:
    doc = DOC.read_text(encoding="utf-8")
    start, end = "<!-- permissions:begin -->", "<!-- permissions:end -->"
    assert start in doc, "docs/security.md lacks the permission table markers"
    assert end in doc, "docs/security.md lacks the permission table markers"
    table = doc.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == markdown_table(), "docs/security.md is out of date; paste handlers.permissions.markdown_table()"


def _family(command: str) -> str | None:
    if not command.startswith("/"):
        return None
    return command[1:].split()[0]


@pytest.mark.parametrize(
    ("action", "case"),
    [(action, case) for action, cases in CASES.items() for case in cases],
    ids=lambda v: v if isinstance(v, str) else v.command or v.why,
)
async def test_wrong_role_is_refused_and_nothing_is_stored(bot: TalkingBot, action: str, case: Case) -> None:
    await case.setup(bot)
    wanted = case.expect or REFUSALS[action].format(group=BOLNES)
    family = _family(case.command)
    before = table_counts(bot.bot.engine)
    if family is not None and family in COMMANDS:
        reply = await bot.say(case.command, as_=case.who, in_=case.channel)
        assert len(bot.last) == 1
        assert bot.last[0].private
        assert wanted in reply, reply
        assert "\n" not in reply
        assert reply.endswith(".")
        assert bot.last[0].extra.get("error") == "user"
    else:  # the command is not in this build: try the row itself
        with bot.session() as s:
            person = s.exec(select(Person).where(Person.key == case.who)).one()
            group = s.exec(select(Group).where(Group.channel == case.channel.lstrip("@"))).one()
            assert not (PERMISSIONS[action] & roles_of(s, person, group)), case.why
            with pytest.raises(UserError) as refused:
                require(s, person, action, group)
        assert str(refused.value) == wanted
    assert table_counts(bot.bot.engine) == before


async def test_right_role_passes_each_row(bot: TalkingBot) -> None:
    """The other side of the table: for every row someone with an allowed role gets through."""
    with bot.session() as s:
        bolnes = s.exec(select(Group).where(Group.key == "bolnes")).one()
        anna = s.exec(select(Person).where(Person.key == "anna")).one()  # chair and member
        monique = s.exec(select(Person).where(Person.key == "monique")).one()  # admin, regiegroep
        amb = Person(key="amb-test", name="Bewoner", kind=PersonKind.ambassadeur, created_at=bot.bot.clock.now())
        s.add(amb)
        s.flush()
        s.add(Membership(group_id=bolnes.id or 0, person_id=amb.id or 0, role="ambassadeur"))
        s.flush()
        assert roles_of(s, anna, bolnes) >= {Role.member, Role.chair}
        assert roles_of(s, monique, bolnes) == {Role.admin, Role.overseer}
        assert roles_of(s, amb, bolnes) == {Role.ambassador}
        for action, allowed in PERMISSIONS.items():
            if allowed == {Role.owner}:  # the owner of the actiepunt at hand, whatever else they are
                require(s, monique, action, bolnes, owner_id=monique.id)
                continue
            who = anna if allowed & {Role.member, Role.chair} else monique if Role.admin in allowed else amb
            require(s, who, action, bolnes)
        with pytest.raises(UserError):  # an ambassador never reads the team's items
            require(s, amb, "item.read", bolnes)
        s.rollback()
