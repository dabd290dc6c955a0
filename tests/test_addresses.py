"""Identity as data: a person's address and a group's channel per transport (storage.identity,
handlers.directory), the same for every transport name."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from handlers import directory
from storage import identity
from storage.config import DEFAULT_CONFIG, ConfigError, OrgConfig, load_config, seed
from storage.db import transaction
from storage.models import Group, Person, PersonAddress, Wijziging
from storage.privacy import erase_person, export_person, find_person
from tests.conftest import NOW

# the two transports whose addresses had their own column, and two that never had one
TRANSPORTS = ["slack", "telegram", "teams", "console"]


def _people(engine: sa.Engine) -> tuple[int, int]:
    with transaction(engine) as s:
        piet = Person(key="piet", name="Piet de Vries", created_at=NOW)
        anna = Person(key="anna", name="Anna Bakker", created_at=NOW)
        s.add(piet)
        s.add(anna)
        s.flush()
        assert piet.id is not None
        assert anna.id is not None
        return piet.id, anna.id


def _groups(engine: sa.Engine) -> tuple[int, int]:
    with transaction(engine) as s:
        a = Group(key="noord", kind="team", name="Team Noord", channel="lt-noord")
        b = Group(key="zuid", kind="team", name="Team Zuid", channel="lt-zuid")
        s.add(a)
        s.add(b)
        s.flush()
        assert a.id is not None
        assert b.id is not None
        return a.id, b.id


def _audit(engine: sa.Engine, action: str) -> list[Wijziging]:
    with transaction(engine) as s:
        return list(s.exec(select(Wijziging).where(Wijziging.action == action)).all())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bind_then_find_the_person_both_ways(engine: sa.Engine, transport: str) -> None:
    piet_id, anna_id = _people(engine)
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        assert identity.person_at(s, transport, "4711") is None
        identity.bind(s, piet, transport, "4711", how="code", actor_id=piet_id, now=NOW)
    with transaction(engine) as s:
        piet, anna = s.get(Person, piet_id), s.get(Person, anna_id)
        assert piet is not None
        assert anna is not None
        found = identity.person_at(s, transport, "4711")
        assert found is not None
        assert found.id == piet_id
        assert identity.address_of(s, piet, transport) == "4711"
        assert identity.address_of(s, anna, transport) is None
        assert identity.addresses(s, transport) == {piet_id: "4711"}
        assert identity.addresses(s, transport, [anna_id]) == {}
        assert identity.addresses(s, transport, []) == {}
        other = next(t for t in TRANSPORTS if t != transport)
        assert identity.person_at(s, other, "4711") is None  # an address is per transport
    [row] = _audit(engine, "gekoppeld")
    assert (row.item_type, row.item_id, row.actor_id) == ("persoon", piet_id, piet_id)
    assert "4711" in row.detail
    assert "via koppelcode" in row.detail
    assert directory.person_key(engine, transport, "4711") == "piet"
    assert directory.person_key(engine, transport, "0815") is None
    assert directory.address(engine, "piet", transport) == "4711"
    assert directory.address(engine, "anna", transport) is None
    assert directory.address(engine, "niemand", transport) is None
    assert directory.addresses(engine, transport) == {"piet": "4711"}
    assert directory.addresses(engine, transport, ["anna"]) == {}
    assert directory.addresses(engine, transport, ["piet", "anna"]) == {"piet": "4711"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_address_belongs_to_one_person(engine: sa.Engine, transport: str) -> None:
    piet_id, anna_id = _people(engine)
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        identity.bind(s, piet, transport, "100200", how="config", actor_id=None, now=NOW)
    # the error leaves the transaction (rolled back) before pytest catches it: one block on purpose
    with pytest.raises(identity.AddressTaken, match="al aan een andere persoon"), transaction(engine) as s:  # noqa: PT012
        anna = s.get(Person, anna_id)
        assert anna is not None
        identity.bind(s, anna, transport, "100200", how="code", actor_id=anna_id, now=NOW)
    assert directory.person_key(engine, transport, "100200") == "piet"
    assert len(_audit(engine, "gekoppeld")) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_new_address_replaces_the_old_one(engine: sa.Engine, transport: str) -> None:
    piet_id, _ = _people(engine)
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        identity.bind(s, piet, transport, "111111", how="config", actor_id=None, now=NOW)
        identity.bind(s, piet, transport, "111111", how="config", actor_id=None, now=NOW)  # no change
        identity.bind(s, piet, transport, "222222", how="code", actor_id=piet_id, now=NOW)
    assert directory.person_key(engine, transport, "111111") is None
    assert directory.person_key(engine, transport, "222222") == "piet"
    rows = _audit(engine, "gekoppeld")
    assert len(rows) == 2
    assert "(was 111111)" in rows[-1].detail


def test_inactive_people_are_not_found(engine: sa.Engine) -> None:
    piet_id, _ = _people(engine)
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        for t in TRANSPORTS:
            identity.bind(s, piet, t, "123456", how="config", actor_id=None, now=NOW)
        piet.active = False
        s.add(piet)
    with transaction(engine) as s:
        for t in TRANSPORTS:
            assert identity.person_at(s, t, "123456") is None
            assert identity.addresses(s, t) == {}
    for t in TRANSPORTS:
        assert directory.person_key(engine, t, "123456") is None
        assert directory.address(engine, "piet", t) == "123456"  # still theirs, until unbound


def test_unbind_one_transport_or_all(engine: sa.Engine) -> None:
    piet_id, _ = _people(engine)
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        for t in TRANSPORTS:
            identity.bind(s, piet, t, f"9{len(t)}77", how="config", actor_id=None, now=NOW)
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        assert identity.unbind(s, piet, "teams", actor_id=None, now=NOW) == ["9577"]
        assert identity.unbind(s, piet, "teams", actor_id=None, now=NOW) == []
    assert directory.address(engine, "piet", "teams") is None
    assert directory.address(engine, "piet", "slack") == "9577"
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        assert sorted(identity.unbind(s, piet, None, actor_id=None, now=NOW)) == ["9577", "9777", "9877"]
    for t in TRANSPORTS:
        assert directory.address(engine, "piet", t) is None
    rows = _audit(engine, "ontkoppeld")
    assert len(rows) == 2
    assert all(r.item_id == piet_id for r in rows)


def test_a_non_numeric_telegram_address_finds_nobody(engine: sa.Engine) -> None:
    _people(engine)
    assert directory.person_key(engine, "telegram", "U0PIET") is None


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_group_channels_per_transport(engine: sa.Engine, transport: str) -> None:
    noord_id, zuid_id = _groups(engine)
    assert directory.channel_at(engine, transport, "C0NOORD") is None
    assert directory.channel_address(engine, "lt-noord", transport) is None
    directory.bind_channel(engine, transport, "C0NOORD", "lt-noord", now=NOW)
    directory.bind_channel(engine, transport, "C0NOORD", "lt-noord", now=NOW)  # seen again: no change
    assert directory.channel_at(engine, transport, "C0NOORD") == "lt-noord"
    assert directory.channel_address(engine, "lt-noord", transport) == "C0NOORD"
    assert directory.channel_address(engine, "lt-zuid", transport) is None
    assert directory.channel_address(engine, "lt-nergens", transport) is None
    with pytest.raises(identity.AddressTaken):
        directory.bind_channel(engine, transport, "C0NOORD", "lt-zuid", now=NOW)
    with pytest.raises(KeyError):
        directory.bind_channel(engine, transport, "C0ELDERS", "lt-nergens", now=NOW)
    directory.bind_channel(engine, transport, "C0NIEUW", "lt-noord", now=NOW)  # the team moved channel
    assert directory.channel_at(engine, transport, "C0NOORD") is None
    assert directory.channel_at(engine, transport, "C0NIEUW") == "lt-noord"
    with transaction(engine) as s:
        noord, zuid = s.get(Group, noord_id), s.get(Group, zuid_id)
        assert noord is not None
        assert zuid is not None
        assert identity.group_address(s, noord, transport) == "C0NIEUW"
        assert identity.group_address(s, zuid, transport) is None
        found = identity.group_at(s, transport, "C0NIEUW")
        assert found is not None
        assert found.id == noord_id
        identity.bind_group(s, zuid, transport, "C0NOORD", actor_id=None, now=NOW)
    rows = _audit(engine, "gekoppeld")
    assert [r.item_type for r in rows] == ["groep"] * 3
    assert "(was C0NOORD)" in rows[1].detail


# -- configuration: `slack_id` and `ids = { <transport> = "…" }` for people and groups -------------


def _config(tmp_path: Path, *, piet: str = "", bolnes: str = "", anna: str = "") -> OrgConfig:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for header, extra in (("[people.piet]", piet), ("[people.anna]", anna), ("[groups.bolnes]", bolnes)):
        text = text.replace(f"{header}\n", f"{header}\n{extra}\n", 1)
    path = tmp_path / "wijkbot.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_seeding_binds_the_configured_ids_of_people_and_groups(engine: sa.Engine, tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        piet='slack_id = "U0PIET"\nids = { teams = "29:piet", console = "piet" }',
        bolnes='ids = { teams = "19:bolnes@thread.tacv2" }',
    )
    assert config.people["piet"].ids == {"teams": "29:piet", "console": "piet", "slack": "U0PIET"}
    for _ in range(2):  # seeding twice changes nothing
        with transaction(engine) as s:
            seed(s, config, now=NOW)
    assert directory.address(engine, "piet", "teams") == "29:piet"
    assert directory.address(engine, "piet", "slack") == "U0PIET"
    assert directory.person_key(engine, "console", "piet") == "piet"
    assert directory.channel_address(engine, "lbt-bolnes", "teams") == "19:bolnes@thread.tacv2"
    assert directory.channel_at(engine, "teams", "19:bolnes@thread.tacv2") == "lbt-bolnes"
    assert _audit(engine, "gekoppeld") == []
    assert _audit(engine, "ontkoppeld") == []


def test_a_configured_id_wins_over_a_claimed_one(engine: sa.Engine, tmp_path: Path) -> None:
    with transaction(engine) as s:
        seed(s, _config(tmp_path), now=NOW)
        anna = identity.person_with_key(s, "anna")
        assert anna is not None
        identity.bind(s, anna, "teams", "29:piet", how="code", actor_id=anna.id, now=NOW)
    with transaction(engine) as s:
        seed(s, _config(tmp_path, piet='ids = { teams = "29:piet" }'), now=NOW)
    assert directory.person_key(engine, "teams", "29:piet") == "piet"
    assert directory.address(engine, "anna", "teams") is None
    [lost] = _audit(engine, "ontkoppeld")
    assert lost.item_type == "persoon"
    assert "@piet" in lost.detail


@pytest.mark.parametrize(
    ("piet", "anna", "bolnes", "says"),
    [
        ('ids = { teams = "29:x" }', 'ids = { teams = "29:x" }', "", "ids.teams 29:x is aan meer dan één persoon"),
        ('slack_id = "U1"\nids = { slack = "U2" }', "", "", "slack_id en ids.slack verschillen"),
        ('ids = { "MS Teams" = "29:x" }', "", "", "geen naam van een chatdienst"),
        ('ids = { teams = "" }', "", "", "ids.teams: geef het adres"),
        ("", "", 'ids = { teams = "" }', "ids.teams: geef het adres"),
    ],
)
def test_wrong_ids_in_the_configuration_say_what_to_write(
    tmp_path: Path, piet: str, anna: str, bolnes: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        _config(tmp_path, piet=piet, anna=anna, bolnes=bolnes)


# -- privacy: the addresses are in the export, and erasing removes them ------------------------------


def test_export_shows_and_erase_removes_every_address(engine: sa.Engine) -> None:
    piet_id, anna_id = _people(engine)
    with transaction(engine) as s:
        piet, anna = s.get(Person, piet_id), s.get(Person, anna_id)
        assert piet is not None
        assert anna is not None
        for t in TRANSPORTS:
            identity.bind(s, piet, t, f"{t}-60712345", how="config", actor_id=None, now=NOW)
        identity.bind(s, anna, "teams", "29:anna", how="config", actor_id=None, now=NOW)
    with transaction(engine) as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        exported = export_person(s, piet)["chatadressen"]
        assert sorted((a["transport"], a["external_id"]) for a in exported) == sorted(
            (t, f"{t}-60712345") for t in TRANSPORTS
        )
        assert find_person(s, "teams-60712345") is not None
        done = erase_person(s, piet, now=NOW)
        assert done["chatadressen_verwijderd"] == len(TRANSPORTS)
    with transaction(engine) as s:
        rows = s.exec(select(PersonAddress)).all()
        assert [(r.person_id, r.transport, r.external_id) for r in rows] == [(anna_id, "teams", "29:anna")]
        assert find_person(s, "teams-60712345") is None
        assert all("60712345" not in (w.detail or "") for w in s.exec(select(Wijziging)).all())
