"""What a button means, for every transport: the command a tap stands for, and an outbox
message's stored buttons. Adapters render `Button`s their way and hand a tap back here."""

from __future__ import annotations

import json
from typing import Any

from handlers.base import Button

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


def _payload(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(payload or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def payload_buttons(payload: str) -> list[Button]:
    """Buttons stored with an outbox message: `{"buttons": [{"label", "action", "value"}]}`."""
    raw = _payload(payload).get("buttons")
    if not isinstance(raw, list):
        return []
    return [
        Button(str(b.get("label", "")), str(b.get("action", "")), str(b.get("value", "")))
        for b in raw
        if isinstance(b, dict) and b.get("action")
    ]
