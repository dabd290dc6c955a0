"""manifest.yml is an app Slack accepts, and it declares every command people are told to type.

Slack's own manifest JSON schema is vendored in tests/support/slack_manifest.schema.1.0.0.json
(its source URL is in its `$comment`).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from handlers.commands import FAMILIES, find

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "support" / "slack_manifest.schema.1.0.0.json"
# `/word` in a text: not part of a path or URL ("https://x/y", "docs/slack.md"), not "1/2"
_COMMAND = re.compile(r"(?<![\w/.:<-])/([a-zà-ÿ][\w-]*)(?![\w/.])")


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return data


def declared() -> dict[str, dict[str, Any]]:
    return {c["command"].lstrip("/"): c for c in manifest()["features"]["slash_commands"]}


def test_manifest_is_valid_against_slacks_manifest_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(manifest(), schema, cls=jsonschema.Draft7Validator)


def test_the_schema_catches_what_slack_would_refuse() -> None:
    """The vendored schema is strict enough to matter: a command without a slash, an unknown key."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = manifest()
    broken["features"]["slash_commands"][0]["command"] = "signaal"
    broken["features"]["bot_user"]["colour"] = "green"
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(broken))
    assert len(errors) >= 2


def test_every_visible_command_family_is_declared_with_a_usage_hint() -> None:
    commands = declared()
    for family in FAMILIES:
        if family.hidden:
            continue
        assert family.name in commands, f"/{family.name} is not in manifest.yml"
        assert commands[family.name].get("usage_hint"), f"/{family.name} has no usage_hint"
        assert len(commands[family.name]["usage_hint"]) <= 1000


def _texts(path: Path) -> list[str]:
    """The string constants of a module that are no docstrings (what people can be shown)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def test_every_command_the_texts_mention_is_declared() -> None:
    """A text that says "typ /rapportage" must name a command Slack knows ("not a valid command")."""
    commands = declared()
    mentioned: dict[str, set[str]] = {}
    for folder in ("handlers", "schedules", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for text in _texts(path):
                for word in _COMMAND.findall(text):
                    family = find(word)
                    if family is not None and not family.hidden:
                        mentioned.setdefault(word, set()).add(str(path.relative_to(ROOT)))
    assert {"signaal", "actie", "rapportage"} <= set(mentioned)
    missing = {word: sorted(where) for word, where in mentioned.items() if word not in commands}
    assert not missing, f"commands in texts but not in manifest.yml (aliases are no Slack commands): {missing}"


def test_no_text_tells_people_to_type_a_command_slack_does_not_have() -> None:
    """The PII question is answered with its buttons: no '/pii bevestig', no '/signaal!'."""
    offenders = []
    for folder in ("handlers", "schedules", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "commands.py":  # the hidden /pii family's own usage line (for /pii help)
                continue
            for text in _texts(path):
                if re.search(r"typ /pii|/(signaal|actie)!|zoals /\w+!", text):
                    offenders.append(f"{path.relative_to(ROOT)}: {text[:80]}")
    assert not offenders


def test_direct_messages_and_invitations_are_subscribed_with_their_scopes() -> None:
    m = manifest()
    events = m["settings"]["event_subscriptions"]["bot_events"]
    scopes = m["oauth_config"]["scopes"]["bot"]
    assert {"app_home_opened", "message.im", "member_joined_channel"} <= set(events)
    assert "im:history" in scopes  # message.im needs it
    assert {"channels:read", "groups:read"} <= set(scopes)  # member_joined_channel needs them
    assert m["features"]["app_home"]["messages_tab_enabled"] is True
    assert m["features"]["app_home"]["messages_tab_read_only_enabled"] is False
