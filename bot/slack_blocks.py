"""Block Kit for wijkbot: replies, modals and the App Home, with everything people typed escaped.

Slack reads `&`, `<` and `>` as markup (`<!channel>`, `<@U123>`, links), so every text we send
goes through `escape`. The only markup we write ourselves is `<!date^...>`, so that everyone
sees our own moments in their local time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.base import Button, Reply
from handlers.format import when
from handlers.parsing import CATEGORIES

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section text
FALLBACK_LIMIT = 3900

# A button's action_id → what clicking it does, in ONE place.
#   "/<command> ... {v}"  dispatch that command text, with {v} the button's value, as the person
#                         who clicked, in the channel of the message;
#   "modal:<name>"        open one of the modals below (the value is passed along).
# An action_id that is not listed follows the convention "<command>_<sub>" → "/<command> <sub> {v}"
# (e.g. "overleg_kom" → "/overleg kom <value>"), so new buttons usually need no entry here.
BUTTON_ACTIONS: dict[str, str] = {
    "actie_gedaan": "/actie gedaan {v}",
    "actie_verplaats": "modal:verplaats",
    "signaal_actie": "modal:actie",
    "signaal_sluit": "/signaal {v} sluit",
}

# Modal callback ids and the block ids of their inputs (errors are shown on these blocks).
MODAL_SIGNAAL, MODAL_ACTIE, MODAL_VERPLAATS = "wijkbot_signaal", "wijkbot_actie", "wijkbot_verplaats"
B_TEXT, B_CATEGORY, B_OWNER, B_DEADLINE, B_SIGNAAL = "text", "category", "owner", "deadline", "signaal"
VALUE = "value"  # the action_id of every input element

_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def escape(text: str) -> str:
    """Make text literal for Slack: `<!channel>` stays text and never pings anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def looks_like_channel_id(value: str) -> bool:
    """Slack ids are upper case (C…, G…, D…); our channel names are lower case."""
    return bool(_ID.match(value))


def button_command(action_id: str, value: str) -> str | None:
    """The command text a click stands for, or `modal:<name>`; None for an unknown button."""
    template = BUTTON_ACTIONS.get(action_id)
    if template is None:
        family, _, sub = action_id.partition("_")
        if not family or not sub:
            return None
        template = f"/{family} {sub} {{v}}"
    return template.replace("{v}", value).strip()


def slack_date(dt: datetime, tz: ZoneInfo, *, with_time: bool = True) -> str:
    """`<!date^…>`: shown in each reader's own time zone, with our Dutch text as fallback."""
    fmt = "{date_short_pretty} {time}" if with_time else "{date_short_pretty}"
    return f"<!date^{int(dt.timestamp())}^{fmt}|{escape(when(dt, tz))}>"


def deadline_date(dt: datetime, tz: ZoneInfo) -> str:
    """A deadline at 23:59 local time is a day; otherwise a moment."""
    local = dt.astimezone(tz)
    return slack_date(dt, tz, with_time=(local.hour, local.minute) != (23, 59))


def _chunks(text: str, size: int) -> Iterable[str]:
    lines: list[str] = []
    length = 0
    for line in text.splitlines() or [""]:
        while len(line) > size:
            if lines:
                yield "\n".join(lines)
                lines, length = [], 0
            yield line[:size]
            line = line[size:]
        if length + len(line) + 1 > size and lines:
            yield "\n".join(lines)
            lines, length = [], 0
        lines.append(line)
        length += len(line) + 1
    if lines:
        yield "\n".join(lines)


def text_blocks(text: str) -> list[dict[str, Any]]:
    """Plain text as mrkdwn sections, escaped; `verbatim` keeps Slack from linking names and URLs."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(part) or " ", "verbatim": True}}
        for part in _chunks(text, SECTION_LIMIT)
    ]


def button_elements(buttons: Iterable[Button]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for b in buttons:
        if b.action in seen:  # action ids must be unique within one actions block
            continue
        seen.add(b.action)
        element: dict[str, Any] = {"type": "button", "action_id": b.action}
        if b.value:  # optional in Block Kit; a button such as "/signaal lijst" needs none
            element["value"] = b.value
        element["text"] = {"type": "plain_text", "text": b.label[:75]}
        out.append(element)
    return out


def message_blocks(text: str, buttons: Iterable[Button] = ()) -> list[dict[str, Any]]:
    """A message: section(s) with the text and, when there are buttons, an actions block."""
    blocks = text_blocks(text)
    elements = button_elements(buttons)
    if elements:
        blocks.append({"type": "actions", "elements": elements[:25]})
    return blocks


def fallback_text(text: str) -> str:
    """The notification text next to the blocks: escaped, and short enough."""
    out = escape(text)
    return out if len(out) <= FALLBACK_LIMIT else out[: FALLBACK_LIMIT - 1] + "…"


def reply_message(reply: Reply) -> dict[str, Any]:
    """A reply as a message body (for response_url or chat.postMessage)."""
    return {"text": fallback_text(reply.text), "blocks": message_blocks(reply.text, reply.buttons)}


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


def payload_files(payload: str) -> list[str]:
    """Files to upload with an outbox message: `{"files": ["/abs/path.png", ...]}`."""
    return files_of(_payload(payload))


def files_of(extra: dict[str, Any]) -> list[str]:
    """The file paths in a payload or in `Reply.extra` (`"files"`), ignoring anything else."""
    raw = extra.get("files")
    return [str(f) for f in raw if isinstance(f, str) and f] if isinstance(raw, list) else []


# ---------------------------------------------------------------------------------------------
# modals
# ---------------------------------------------------------------------------------------------


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = "") -> dict:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": VALUE},
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def _modal(callback_id: str, title: str, submit: str, meta: dict[str, str], blocks: list[dict]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(meta),
        "title": _plain(title),
        "submit": _plain(submit),
        "close": _plain("Annuleren"),
        "blocks": blocks,
    }


def _text_input(initial: str = "") -> dict[str, Any]:
    el: dict[str, Any] = {"type": "plain_text_input", "multiline": True, "max_length": 2000}
    if initial:
        el["initial_value"] = initial
    return el


def signaal_modal(meta: dict[str, str]) -> dict[str, Any]:
    """New signaal: text and category."""
    options = [{"text": _plain(c), "value": c} for c in CATEGORIES]
    return _modal(
        MODAL_SIGNAAL,
        "Nieuw signaal",
        "Vastleggen",
        meta,
        [
            _input(B_TEXT, "Wat is er aan de hand?", _text_input()),
            _input(
                B_CATEGORY,
                "Categorie",
                {"type": "static_select", "options": options, "placeholder": _plain("overig")},
                optional=True,
            ),
        ],
    )


def actie_modal(meta: dict[str, str], *, signaal_ref: str = "") -> dict[str, Any]:
    """New actiepunt: text, owner, deadline and, optionally, the signaal it comes from."""
    sig: dict[str, Any] = {"type": "plain_text_input", "placeholder": _plain("S-12")}
    if signaal_ref:
        sig["initial_value"] = signaal_ref
    return _modal(
        MODAL_ACTIE,
        "Nieuw actiepunt",
        "Vastleggen",
        meta,
        [
            _input(B_TEXT, "Wat moet er gebeuren?", _text_input()),
            _input(B_OWNER, "Eigenaar", {"type": "users_select", "placeholder": _plain("Kies iemand")}),
            _input(
                B_DEADLINE,
                "Deadline",
                {"type": "datepicker", "placeholder": _plain("Kies een datum")},
                optional=True,
                hint="Zonder deadline: het volgende overleg van de groep.",
            ),
            _input(B_SIGNAAL, "Uit signaal", sig, optional=True, hint="Bijvoorbeeld S-12; leeg laten mag."),
        ],
    )


def verplaats_modal(meta: dict[str, str], ref: str, current: datetime | None, tz: ZoneInfo) -> dict[str, Any]:
    """A new deadline for an actiepunt."""
    picker: dict[str, Any] = {"type": "datepicker", "placeholder": _plain("Kies een datum")}
    blocks: list[dict[str, Any]] = []
    if current is not None:
        picker["initial_date"] = current.astimezone(tz).date().isoformat()
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"Huidige deadline van {escape(ref)}: {deadline_date(current, tz)}"},
            }
        )
    blocks.append(_input(B_DEADLINE, "Nieuwe deadline", picker))
    return _modal(MODAL_VERPLAATS, f"{ref} verplaatsen"[:24], "Verplaatsen", meta, blocks)


def input_value(values: dict[str, Any], block_id: str) -> str:
    """The submitted value of one input block, whatever its element type ('' when empty)."""
    block = values.get(block_id)
    el = block.get(VALUE) if isinstance(block, dict) else None
    if not isinstance(el, dict):
        return ""
    for key in ("value", "selected_user", "selected_date", "selected_channel"):
        if el.get(key):
            return str(el[key])
    option = el.get("selected_option")
    return str(option.get("value") or "") if isinstance(option, dict) else ""


def modal_metadata(raw: Any) -> dict[str, str]:
    """The `private_metadata` we gave a modal (channel, channel_id, ref); {} when it is not ours."""
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str | int)}


def error_block(message: str, blocks: Iterable[str]) -> str:
    """Which input a Dutch error sentence is about (deadline errors belong on the deadline)."""
    present = set(blocks)
    low = message.lower()
    for block, words in (
        (B_DEADLINE, ("deadline", "datum", "verleden")),
        (B_OWNER, ("eigenaar", "ik ken @")),
        (B_CATEGORY, ("categorie",)),
        (B_SIGNAAL, ("signaal s-", "s-", "hoort bij /signaal")),
    ):
        if block in present and any(w in low for w in words):
            return block
    return B_TEXT if B_TEXT in present else next(iter(sorted(present)), B_TEXT)


# ---------------------------------------------------------------------------------------------
# App Home
# ---------------------------------------------------------------------------------------------


def home_view(
    *,
    name: str,
    acties: list[tuple[str, str, datetime, bool, str]],
    meetings: list[tuple[str, datetime, str | None]],
    tz: ZoneInfo,
    unknown: str | None = None,
) -> dict[str, Any]:
    """The App Home: "Mijn actiepunten" (overdue first, marked) and the next meetings.

    acties: (ref, text, deadline, overdue, group name); meetings: (group name, start, location).
    """
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain("Mijn actiepunten")}]
    if unknown:
        blocks += text_blocks(unknown)
        return {"type": "home", "blocks": blocks}
    if not acties:
        blocks += text_blocks(f"Geen open actiepunten voor {name}.")
    for ref, text, deadline, overdue, group in acties[:40]:
        mark = ":warning: *TE LAAT* · " if overdue else ""
        body = f"{mark}*{escape(ref)}* {escape(text)}\ndeadline {deadline_date(deadline, tz)} · {escape(group)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:SECTION_LIMIT], "verbatim": True}})
    blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": _plain("Volgende overleggen")})
    if not meetings:
        blocks += text_blocks("Er is geen overleg gepland voor uw groepen.")
    for group, start, location in meetings:
        where = f" · {escape(location)}" if location else ""
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{escape(group)}*: {slack_date(start, tz)}{where}",
                    "verbatim": True,
                },
            }
        )
    return {"type": "home", "blocks": blocks[:100]}
