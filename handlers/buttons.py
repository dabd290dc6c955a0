"""What a button means, for every transport: the command a tap stands for, and an outbox
message's stored buttons. Adapters render `Button`s their way and hand a tap back here."""

from __future__ import annotations

import json
from typing import Any

from handlers.base import Button

# A button's action_id → what clicking it does, in ONE place.
#   "/<command> ... {v}"  dispatch that command text, with {v} the button's value, as the person
#                         who clicked, in the channel of the message;
#   "modal:<name>"        open a form (a Slack modal; in Teams a text field) (the value is passed along).
# An action_id that is not listed follows the convention "<command>_<sub>" → "/<command> <sub> {v}"
# (e.g. "overleg_kom" → "/overleg kom <value>"), so new buttons usually need no entry here.
# A message with the same action twice (overdue DMs: "Gedaan A-1", "Gedaan A-2") gets the ids
# "actie_gedaan", "actie_gedaan~2", ...: Slack drops buttons whose action_id repeats (REPEAT).
BUTTON_ACTIONS: dict[str, str] = {
    "actie_gedaan": "/actie gedaan {v}",
    "actie_verplaats": "modal:verplaats",
    "signaal_actie": "modal:actie",
    "signaal_sluit": "/signaal {v} sluit",
}
REPEAT = "~"  # an action id made unique in one message (`actie_gedaan~2`) means the same action


def button_command(action_id: str, value: str) -> str | None:
    """The command text a click stands for, or `modal:<name>`; None for an unknown button."""
    action_id = action_id.partition(REPEAT)[0]
    template = BUTTON_ACTIONS.get(action_id)
    if template is None:
        family, _, sub = action_id.partition("_")
        if not family or not sub:
            return None
        template = f"/{family} {sub} {{v}}"
    return template.replace("{v}", value).strip()


def payload_data(payload: str) -> dict[str, Any]:
    """An outbox message's stored payload as a dict (empty when it is none or not JSON)."""
    try:
        data = json.loads(payload or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def payload_buttons(payload: str) -> list[Button]:
    """Buttons stored with an outbox message: `{"buttons": [{"label", "action", "value"}]}`."""
    raw = payload_data(payload).get("buttons")
    if not isinstance(raw, list):
        return []
    return [
        Button(str(b.get("label", "")), str(b.get("action", "")), str(b.get("value", "")))
        for b in raw
        if isinstance(b, dict) and b.get("action")
    ]
