"""wijkbot through Slack over real HTTP: signed slash commands in, response_url answers out."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Actiepunt, Person
from tests.bot.conftest import SlackWorld


async def test_signed_actie_over_http_creates_the_actiepunt_and_answers_on_the_response_url(
    slack: SlackWorld,
) -> None:
    resp, path = await slack.command("/actie Buurtgesprek plannen <@U0PIET|Piet> vrijdag")
    assert resp.status_code == 200
    [reply] = await slack.replies(path)
    assert reply["response_type"] == "in_channel"
    assert reply["text"].startswith(
        "Actiepunt A-1 vastgelegd: Buurtgesprek plannen. Eigenaar @piet, deadline vr 27 nov"
    )
    actions = [b for b in reply["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["actie_gedaan", "actie_verplaats"]
    with Session(slack.bot.engine) as s:
        act = s.exec(select(Actiepunt)).one()
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        assert act.owner_id == piet.id and act.text == "Buurtgesprek plannen"
        # both Slack users were matched to people by their profile names, and remembered
        assert piet.slack_id == "U0PIET"
        assert s.exec(select(Person.slack_id).where(Person.key == "anna")).one() == "U0ANNA"
