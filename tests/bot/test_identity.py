"""Nobody becomes someone else: a Slack account is a person only by a configured slack_id, a
koppelcode the person got from their chair or an admin, or the workspace's verified e-mail.

Over real HTTP: signed requests into the Bolt app, the Web API answered by the fake Slack.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

import pytest
from sqlmodel import Session, func, select

from storage.config import ConfigError, load_config
from storage.models import Invitation, Koppelcode, Person, Signaal, Wijziging
from tests.bot.conftest import SlackWorld, ridderkerk_with, slack_world
from tests.conftest import NOW
from tests.support.addresses import bound
from tests.support.fake_slack import FakeSlack
from tests.support.talk import TalkingBot

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
UNKNOWN = "Uw Slack-account is nog niet aan een persoon in wijkbot gekoppeld"


def _code(text: str) -> str:
    codes: set[str] = set(CODE.findall(text))
    [code] = codes
    return code


def _slack_ids(world: SlackWorld) -> dict[str, str]:
    with Session(world.bot.engine) as s:
        return bound(s, "slack")


def _audit(world: SlackWorld, action: str) -> list[Wijziging]:
    with Session(world.bot.engine) as s:
        return list(s.exec(select(Wijziging).where(Wijziging.item_type == "persoon", Wijziging.action == action)).all())


def _count(world: SlackWorld, model: type) -> int:
    with Session(world.bot.engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
async def nobody_bound(db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackWorld]:
    """The shipped Ridderkerk configuration: nobody has a slack_id."""
    async with slack_world(db_url, fake_slack, ridderkerk_with(tmp_path, people={})) as world:
        yield world


@pytest.fixture
async def anna_bound(db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackWorld]:
    """Anna (chair of Bolnes) has her slack_id in the configuration; Piet has only an e-mail."""
    config = ridderkerk_with(
        tmp_path,
        people={"anna": {"slack_id": "U0ANNA"}, "fatima": {"slack_id": "U0FATIMA"}, "piet": {"email": "piet@wc.nl"}},
    )
    async with slack_world(db_url, fake_slack, config) as world:
        yield world


# -- impersonation ------------------------------------------------------------------------------


async def test_a_display_name_equal_to_a_chairs_name_binds_nothing_and_runs_nothing(nobody_bound: SlackWorld) -> None:
    slack = nobody_bound
    # a workspace member names themselves after Bolnes' chair, in every name field Slack has
    slack.fake.add_user("U0MALLORY", "Anna de Vries", "anna", email="mallory@example.org")
    for command in ("/ambassadeur uitnodigen", "/signaal Alles is rustig", "/actie lijst"):
        out = await slack.say(command, user="U0MALLORY")
        assert out.startswith(UNKNOWN), out
        assert out.count(".") == 1, out
        assert slack.last[0]["response_type"] == "ephemeral"
    # the Home tab does not bind either
    event = {"type": "app_home_opened", "user": "U0MALLORY", "channel": "DU0MALLORY", "tab": "home", "event_ts": "1"}
    assert (await slack.event(event, event_id="EvHome1")).status_code == 200
    [home] = await slack.fake.wait_for("views.publish")
    assert UNKNOWN in str(home["view"])
    assert _slack_ids(slack) == {}
    assert _audit(slack, "gekoppeld") == []
    assert _count(slack, Invitation) == 0
    assert _count(slack, Signaal) == 0
    # a mention of that user is no @anna either
    assert await slack.transport.plain_text("<@U0MALLORY|anna.de.vries>") == "@anna.de.vries"


# -- a koppelcode from the chair ---------------------------------------------------------------


async def test_a_code_from_the_chair_binds_the_account_once_and_is_audited(anna_bound: SlackWorld) -> None:
    slack = anna_bound
    out = await slack.say("/koppel @piet")
    assert slack.last[0]["response_type"] == "ephemeral"  # only the chair sees the code
    code = _code(out)
    assert out.startswith("Koppelcode voor Piet Verhoeven (@piet), geldig tot ma 7 dec 2026")
    with Session(slack.bot.engine) as s:
        [row] = s.exec(select(Koppelcode)).all()
        assert row.code_hash != code
        assert code not in row.code_hash
    assert "U0PIET" not in _slack_ids(slack).values()

    out = await slack.say(f"/koppel {code.lower()}", user="U0PIET")  # case does not matter
    assert out == "Uw Slack-account is nu gekoppeld aan Piet Verhoeven (@piet); typ /help voor de commando's."
    assert _slack_ids(slack)["piet"] == "U0PIET"
    out = await slack.say("/actie Buurtgesprek plannen @piet vrijdag", user="U0PIET")
    assert out.startswith("Actiepunt A-1 vastgelegd")
    [made] = _audit(slack, "koppelcode")
    [bound] = _audit(slack, "gekoppeld")
    with Session(slack.bot.engine) as s:
        anna = s.exec(select(Person).where(Person.key == "anna")).one()
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
    assert (made.actor_id, made.item_id) == (anna.id, piet.id)
    assert (bound.actor_id, bound.item_id) == (piet.id, piet.id)
    assert "via koppelcode" in bound.detail
    assert bound.at == slack.bot.clock.now()

    # the code works once: someone who saw it over Piet's shoulder gets nothing
    slack.fake.add_user("U0MALLORY", "Piet Verhoeven", "piet")
    out = await slack.say(f"/koppel {code}", user="U0MALLORY")
    assert out == "Deze koppelcode is al gebruikt; vraag de voorzitter of de beheerder om een nieuwe."
    assert _slack_ids(slack)["piet"] == "U0PIET"
    assert len(_audit(slack, "gekoppeld")) == 1


async def test_an_expired_or_unknown_code_binds_nothing(anna_bound: SlackWorld) -> None:
    slack = anna_bound
    code = _code(await slack.say("/koppel @piet"))
    assert "ken ik niet" in await slack.say("/koppel ABCD-EFGH-JKLM", user="U0PIET")
    slack.bot.clock.advance(timedelta(days=14, minutes=1))
    assert "verlopen" in await slack.say(f"/koppel {code}", user="U0PIET")
    assert "piet" not in _slack_ids(slack)
    assert _audit(slack, "gekoppeld") == []


async def test_only_the_chair_or_an_admin_makes_codes(anna_bound: SlackWorld) -> None:
    slack = anna_bound
    out = await slack.say("/koppel @piet", user="U0FATIMA")  # a member of Bolnes, not its chair
    assert out == "Alleen de voorzitter van Leefbaarheidsteam Bolnes of een beheerder kan koppelcodes maken."
    assert _count(slack, Koppelcode) == 0
    assert _audit(slack, "koppelcode") == []
    # the chair of Bolnes cannot make one for someone outside the team
    out = await slack.say("/koppel @kevin")
    assert out.startswith("Kevin")
    assert "geen lid van Leefbaarheidsteam Bolnes" in out
    assert _count(slack, Koppelcode) == 0


async def test_an_admin_makes_a_code_in_the_console_for_anyone(db_url: str, tmp_path: Path) -> None:
    bot = TalkingBot(db_url, now=NOW, config=str(ridderkerk_with(tmp_path, people={})))
    out = await bot.say("/koppel @anna", as_="monique", in_="@monique")  # monique is the configured admin
    assert out.startswith("Koppelcode voor Anna de Vries (@anna)")
    assert CODE.search(out)
    out = await bot.say("/koppel @anna", as_="piet", in_="@piet")
    assert out.startswith("Buiten een groepskanaal kan alleen een beheerder koppelcodes maken")
    assert bot.rows(Koppelcode) == 1


# -- the workspace's verified e-mail ------------------------------------------------------------


async def test_the_verified_workspace_email_binds_the_configured_person_and_says_so(anna_bound: SlackWorld) -> None:
    slack = anna_bound
    slack.fake.add_user("U0PIET", "P. Verhoeven", "", email="Piet@WC.nl")
    resp, path = await slack.command("/actie lijst", user="U0PIET")
    assert resp.status_code == 200
    notice, listing = await slack.replies(path, 2)
    assert notice["text"].startswith("Uw Slack-account is gekoppeld aan Piet Verhoeven (@piet), omdat het e-mailadres")
    assert notice["response_type"] == "ephemeral"
    assert "U staat" not in listing["text"]
    assert UNKNOWN not in listing["text"]
    assert _slack_ids(slack)["piet"] == "U0PIET"
    [bound] = _audit(slack, "gekoppeld")
    assert "via geverifieerd e-mailadres" in bound.detail
    # the next command needs no second look
    await slack.say("/actie lijst", user="U0PIET")
    assert len(slack.fake.of("users.info")) == 1


class _UserFields(TypedDict, total=False):
    """What FakeSlack.add_user may be told about a Slack member."""

    email: str
    email_confirmed: bool
    team_id: str
    deleted: bool


@pytest.mark.parametrize(
    "user",
    [
        pytest.param({"email_confirmed": False}, id="e-mail-not-confirmed"),
        pytest.param({"team_id": "T0ELSEWHERE"}, id="member-of-another-workspace"),
        pytest.param({"deleted": True}, id="deactivated"),
        pytest.param({"email": "piet@wc.nl.evil.example"}, id="another-address"),
    ],
)
async def test_an_email_that_is_not_ours_and_verified_binds_nothing(anna_bound: SlackWorld, user: _UserFields) -> None:
    slack = anna_bound
    fields: _UserFields = {"email": "piet@wc.nl"}
    fields.update(user)
    slack.fake.add_user("U0PIET", "Piet Verhoeven", "piet", **fields)
    out = await slack.say("/actie lijst", user="U0PIET")
    assert out.startswith(UNKNOWN)
    assert "piet" not in _slack_ids(slack)
    assert _audit(slack, "gekoppeld") == []


async def test_email_binding_is_off_when_the_organisation_allows_only_codes(
    db_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    config = ridderkerk_with(tmp_path, people={"piet": {"email": "piet@wc.nl"}}, top='koppelen = ["code"]')
    fake_slack.add_user("U0PIET", "Piet Verhoeven", "", email="piet@wc.nl")
    async with slack_world(db_url, fake_slack, config) as slack:
        out = await slack.say("/actie lijst", user="U0PIET")
        assert out == (
            "Uw Slack-account is nog niet aan een persoon in wijkbot gekoppeld; vraag de voorzitter van uw team "
            "of de beheerder om een koppelcode en typ dan /koppel <code>."
        )
        assert _slack_ids(slack) == {}
        assert slack.fake.of("users.info") == []


# -- the configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("people", "top", "error"),
    [
        pytest.param(
            {"piet": {"email": "piet-at-wc.nl"}},
            "",
            "people.piet.email: 'piet-at-wc.nl' is geen e-mailadres",
            id="bad-email",
        ),
        pytest.param(
            {"piet": {"email": "p@wc.nl"}, "anna": {"email": "P@WC.nl"}},
            "",
            "e-mailadres staat al bij",
            id="same-email-twice",
        ),
        pytest.param(
            {"piet": {"slack_id": "U1"}, "anna": {"slack_id": "U1"}},
            "",
            "slack_id U1 is aan meer dan één",
            id="same-id",
        ),
        pytest.param({}, 'koppelen = ["naam"]', 'koppelen: schrijf koppelen = ["code", "email"]', id="unknown-way"),
    ],
)
def test_a_wrong_identity_setting_is_one_clear_error(
    tmp_path: Path, people: dict[str, dict[str, str]], top: str, error: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(ridderkerk_with(tmp_path, people=people, top=top))
    assert error in str(refused.value)
