"""Block Kit for wijkbot: replies, modals and the App Home, within every Block Kit limit.

Everything Slack shows is built here, and only here, so the limits are kept by construction:
text is escaped first (Slack reads `&`, `<` and `>` as markup; each `&` becomes five characters)
and only then cut into sections, never inside an entity; a message has at most 50 blocks, a view
100; a button's text, an option, a header, a view's title and `private_metadata` are cut to
size; every `action_id` in a message is unique. What does not fit is said, never dropped
silently ("… en nog 12 regels"). The only markup we write ourselves: `<@U…>` for a person with
a Slack id, and `<!date^…>` for our own moments, so everyone sees them in their local time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers import forms, home
from handlers.base import Button, Reply
from handlers.buttons import REPEAT, payload_data
from handlers.dates import DAY_ABBR, MONTH_ABBR
from handlers.format import when
from handlers.parsing import CATEGORIES

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks, .../composition-objects,
# .../views, chat.postMessage). tests/support/fake_slack.py checks every payload against them.
SECTION_TEXT = 3000  # characters of a section's text, after escaping
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
ACTIONS_ELEMENTS = 25  # elements in one actions block
OPTION_TEXT = 75
OPTION_VALUE = 150
VIEW_TITLE = 24  # also a modal's submit and close
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 40_000  # a message's top-level text
NOTIFICATION_TEXT = 3900  # the fallback next to blocks: what a notification shows (Slack cuts at 4,000)
MAX_BUTTON_BLOCKS = 4  # actions blocks per message: 100 buttons; more are left out, and said so
# Modal callback ids and the block ids of their inputs (errors are shown on these blocks).
# The block ids are the neutral forms' field names (handlers/forms.py), so a field's error lands on its block.
MODAL_SIGNAAL, MODAL_ACTIE, MODAL_VERPLAATS = "wijkbot_signaal", "wijkbot_actie", "wijkbot_verplaats"
FORMS = {MODAL_SIGNAAL: forms.SIGNAAL, MODAL_ACTIE: forms.ACTIE, MODAL_VERPLAATS: forms.VERPLAATS}
B_TEXT, B_CATEGORY, B_OWNER, B_DEADLINE, B_SIGNAAL = (
    forms.TEXT,
    forms.CATEGORY,
    forms.OWNER,
    forms.DEADLINE,
    forms.FROM_SIGNAAL,
)
VALUE = "value"  # the action_id of every input element

_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
# One unit of mrkdwn that must never be cut: an entity (&amp;) or markup we wrote (<@U1>, <!date^…>).
_UNIT = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]*>|.", re.S)
# "@piet" for a person key (keys are [a-z0-9_-]); not inside an e-mail address or "@@Akkerlaan"
_MENTION = re.compile(r"(?<![\w@.&])@([a-z0-9][a-z0-9_-]*)(?![\w@])")
# Our own Dutch moments (handlers.dates.format_when): "do 3 dec 2026 10:00", a day "vr 4 dec 2026"
_MOMENT = re.compile(
    rf"\b({'|'.join(DAY_ABBR)}) (\d{{1,2}}) ({'|'.join(MONTH_ABBR)}) (\d{{4}})(?: (\d{{2}}):(\d{{2}}))?(?![\d:])"
)


def escape(text: str) -> str:
    """Make text literal for Slack: `<!channel>` stays text and never pings anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def looks_like_channel_id(value: str) -> bool:
    """Slack ids are upper case (C…, G…, D…); our channel names are lower case."""
    return bool(_ID.match(value))


def slack_date(dt: datetime, tz: ZoneInfo, *, with_time: bool = True) -> str:
    """`<!date^…>`: shown in each reader's own time zone, with our Dutch text as fallback."""
    fmt = "{date_short_pretty} {time}" if with_time else "{date_short_pretty}"
    return f"<!date^{int(dt.timestamp())}^{fmt}|{escape(when(dt, tz))}>"


def deadline_date(dt: datetime, tz: ZoneInfo) -> str:
    """A deadline at 23:59 local time is a day; otherwise a moment."""
    local = dt.astimezone(tz)
    return slack_date(dt, tz, with_time=(local.hour, local.minute) != (23, 59))


# ---------------------------------------------------------------------------------------------
# text: escaped, then Slack's own conventions, then cut to size
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Markup:
    """How our text becomes mrkdwn: escaped; `@key` of a person with a Slack id as `<@U…>`
    (a real mention that notifies); our Dutch moments as `<!date^…>` when `tz` is known."""

    people: Mapping[str, str] = field(default_factory=dict)  # person key → Slack user id
    tz: ZoneInfo | None = None

    def render(self, text: str) -> str:
        out = escape(text)
        if self.people:
            out = _MENTION.sub(self._mention, out)
        if self.tz is not None:
            out = _MOMENT.sub(self._moment, out)
        return out

    def _mention(self, m: re.Match[str]) -> str:
        uid = self.people.get(m.group(1))
        return f"<@{uid}>" if uid else m.group(0)

    def _moment(self, m: re.Match[str]) -> str:
        assert self.tz is not None
        day, dom, month, year, hh, mm = m.groups()
        try:
            dt = datetime(
                int(year), MONTH_ABBR.index(month) + 1, int(dom), int(hh or 23), int(mm or 59), tzinfo=self.tz
            )
        except ValueError:
            return m.group(0)
        if DAY_ABBR[dt.weekday()] != day:
            return m.group(0)  # not one of our dates (the weekday would match)
        fmt = "{date_short_pretty} {time}" if hh else "{date_short_pretty}"
        return f"<!date^{int(dt.timestamp())}^{fmt}|{m.group(0)}>"


PLAIN = Markup()


def cut(mrkdwn: str, size: int, *, mark: str = "…") -> str:
    """At most `size` characters, never inside an entity or our markup; `mark` shows it was cut."""
    if len(mrkdwn) <= size:
        return mrkdwn
    return _head(mrkdwn, size - len(mark)) + mark


def _head(mrkdwn: str, size: int) -> str:
    """The longest start of `mrkdwn` of at most `size` characters that ends between two units."""
    end = 0
    for m in _UNIT.finditer(mrkdwn):
        if m.end() > size:
            break
        end = m.end()
    return mrkdwn[:end]


def _pieces(line: str, size: int) -> Iterable[str]:
    """A rendered line longer than `size` in pieces of at most `size`, cut between units."""
    while len(line) > size:
        head = _head(line, size) or line[:size]
        yield head
        line = line[len(head) :]
    yield line


def sections_of(text: str, markup: Markup = PLAIN) -> list[str]:
    """The text as mrkdwn pieces of at most SECTION_TEXT characters each, split between lines."""
    out: list[str] = []
    current: list[str] = []
    length = 0
    for raw in text.splitlines() or [""]:
        for piece in _pieces(markup.render(raw), SECTION_TEXT):
            if current and length + 1 + len(piece) > SECTION_TEXT:
                out.append("\n".join(current))
                current, length = [], 0
            current.append(piece)
            length += len(piece) + (1 if len(current) > 1 else 0)
    if current:
        out.append("\n".join(current))
    return out


def _section(mrkdwn: str) -> dict[str, Any]:
    # `verbatim` keeps Slack from linking names and URLs people typed
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn or " ", "verbatim": True}}


def text_blocks(text: str, markup: Markup = PLAIN, *, budget: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """Text as mrkdwn sections, at most `budget` blocks; the last one says what did not fit."""
    parts = sections_of(text, markup)
    if len(parts) > budget:
        kept = parts[: max(budget - 1, 0)]
        rest = sum(p.count("\n") + 1 for p in parts[len(kept) :])
        parts = [*kept, f"… en nog {rest} {'regel' if rest == 1 else 'regels'}: te lang voor één Slack-bericht."]
    return [_section(p) for p in parts]


def _button_text(label: str, value: str) -> str:
    text = " ".join(label.split()) or value or "Kies"
    return text if len(text) <= BUTTON_TEXT else text[: BUTTON_TEXT - 1] + "…"


def button_elements(buttons: Iterable[Button]) -> list[dict[str, Any]]:
    """Buttons with unique action ids (`actie_gedaan`, `actie_gedaan~2`, …); exact repeats once."""
    seen: set[tuple[str, str]] = set()
    count: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for b in buttons:
        if not b.action or (b.action, b.value) in seen:
            continue
        seen.add((b.action, b.value))
        n = count[b.action] = count.get(b.action, 0) + 1
        action_id = b.action if n == 1 else f"{b.action}{REPEAT}{n}"
        element: dict[str, Any] = {"type": "button", "action_id": action_id[:ACTION_ID]}
        if b.value:  # optional in Block Kit; a button such as "/signaal lijst" needs none
            element["value"] = b.value[:BUTTON_VALUE]
        element["text"] = {"type": "plain_text", "text": _button_text(b.label, b.value), "emoji": True}
        out.append(element)
    return out


def action_blocks(buttons: Iterable[Button]) -> tuple[list[dict[str, Any]], int]:
    """Actions blocks of at most 25 buttons, at most MAX_BUTTON_BLOCKS; and how many were left out."""
    elements = button_elements(buttons)
    kept = elements[: ACTIONS_ELEMENTS * MAX_BUTTON_BLOCKS]
    blocks = [
        {"type": "actions", "elements": kept[i : i + ACTIONS_ELEMENTS]} for i in range(0, len(kept), ACTIONS_ELEMENTS)
    ]
    return blocks, len(elements) - len(kept)


def message_blocks(text: str, buttons: Iterable[Button] = (), markup: Markup = PLAIN) -> list[dict[str, Any]]:
    """A message: section(s) with the text and, when there are buttons, actions block(s); ≤ 50 blocks."""
    actions, left_out = action_blocks(buttons)
    if left_out:
        text += f"\n(Nog {left_out} knoppen passen niet in dit bericht; gebruik daarvoor de commando's.)"
    return text_blocks(text, markup, budget=MESSAGE_BLOCKS - len(actions)) + actions


def fallback_text(text: str) -> str:
    """The plain text next to the blocks (notifications, search): escaped, short enough, no markup."""
    return cut(escape(text), NOTIFICATION_TEXT)


def plain_text_message(text: str, *, note: str = "") -> str:
    """A whole message as plain text (no blocks) within Slack's 40,000 characters, `note` when cut."""
    out = escape(text)
    if len(out) <= MESSAGE_TEXT:
        return out
    return _head(out, MESSAGE_TEXT - len(note) - 1) + "…" + note


def without_paths(text: str, files: Sequence[str]) -> str:
    """Server paths of a reply's files replaced by their names: Slack shows the file itself."""
    for path in sorted(files, key=len, reverse=True):
        text = text.replace(path, Path(path).name)
    return text


def reply_message(reply: Reply, markup: Markup = PLAIN) -> dict[str, Any]:
    """A reply as a message body (for response_url or chat.postMessage)."""
    text = without_paths(reply.text, files_of(reply.extra))
    return {"text": fallback_text(text), "blocks": message_blocks(text, reply.buttons, markup)}


def after_click(
    original: Sequence[Any], action_id: str, value: str, outcome: str, markup: Markup = PLAIN
) -> list[dict[str, Any]]:
    """The message that held a button, once it was used: without the buttons for that item (or
    that one button, when it has no value) and with the outcome as a context line underneath."""
    blocks: list[dict[str, Any]] = []
    for block in original:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "actions":
            elements = [
                e
                for e in block.get("elements") or []
                if isinstance(e, dict)
                and not (
                    e.get("action_id") == action_id or (value and e.get("type") == "button" and e.get("value") == value)
                )
            ]
            if not elements:
                continue
            block = {**block, "elements": elements}
        blocks.append(block)
    if outcome:
        line = cut(markup.render(" ".join(outcome.split())), SECTION_TEXT)
        blocks = blocks[: MESSAGE_BLOCKS - 1]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"✓ {line}"[:SECTION_TEXT]}]})
    return blocks or [_section(" ")]


def payload_files(payload: str) -> list[str]:
    """Files to upload with an outbox message: `{"files": ["/abs/path.png", ...]}`."""
    return files_of(payload_data(payload))


def files_of(extra: dict[str, Any]) -> list[str]:
    """The file paths in a payload or in `Reply.extra` (`"files"`), ignoring anything else."""
    raw = extra.get("files")
    return [str(f) for f in raw if isinstance(f, str) and f] if isinstance(raw, list) else []


# ---------------------------------------------------------------------------------------------
# modals
# ---------------------------------------------------------------------------------------------


def _plain(text: str, size: int = SECTION_TEXT) -> dict[str, Any]:
    text = " ".join(text.split()) if "\n" not in text else text
    return {"type": "plain_text", "text": (text if len(text) <= size else text[: size - 1] + "…") or " "}


def metadata(meta: Mapping[str, str]) -> str:
    """A modal's `private_metadata`: JSON of at most 3,000 characters (long values are cut)."""
    out = json.dumps(dict(meta))
    size = 1000
    while len(out) > PRIVATE_METADATA and size > 0:
        out = json.dumps({k: v[:size] for k, v in meta.items()})
        size //= 2
    return out


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> dict[str, Any]:
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


def _modal(
    callback_id: str, title: str, submit: str, meta: dict[str, str], blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata(meta),
        "title": _plain(title, VIEW_TITLE),
        "submit": _plain(submit, VIEW_TITLE),
        "close": _plain("Annuleren", VIEW_TITLE),
        "blocks": blocks[:VIEW_BLOCKS],
    }


def _text_input(initial: str = "") -> dict[str, Any]:
    el: dict[str, Any] = {"type": "plain_text_input", "multiline": True, "max_length": 2000}
    if initial:
        el["initial_value"] = initial
    return el


def signaal_modal(meta: dict[str, str]) -> dict[str, Any]:
    """New signaal: text and category."""
    options = [{"text": _plain(c, OPTION_TEXT), "value": c[:OPTION_VALUE]} for c in CATEGORIES][:100]
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
        sig["initial_value"] = signaal_ref[:150]
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
                "text": {
                    "type": "mrkdwn",
                    "text": f"Huidige deadline van {cut(escape(ref), 200)}: {deadline_date(current, tz)}",
                },
            }
        )
    blocks.append(_input(B_DEADLINE, "Nieuwe deadline", picker))
    return _modal(MODAL_VERPLAATS, f"{ref} verplaatsen", "Verplaatsen", meta, blocks)


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


# ---------------------------------------------------------------------------------------------
# App Home
# ---------------------------------------------------------------------------------------------


HOME_ACTIES = home.HOME_ACTIES  # actiepunten shown in the App Home; the rest are counted (handlers/home.py)
HOME_MEETINGS = home.HOME_MEETINGS


def home_view(view: home.HomeView, tz: ZoneInfo) -> dict[str, Any]:
    """The App Home from the neutral home view: a header per section, a section block per entry;
    what does not fit Slack's 100 blocks is cut (the handler already counted what it left out)."""
    blocks: list[dict[str, Any]] = []
    for i, section in enumerate(view.sections):
        if i:
            blocks.append({"type": "divider"})
        blocks.append({"type": "header", "text": _plain(section.title, HEADER_TEXT)})
        if view.notice:
            blocks += text_blocks(view.notice, budget=VIEW_BLOCKS - 1)
            return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}
        if not section.entries and section.empty:
            blocks += text_blocks(section.empty, budget=1)
        for entry in section.entries:
            blocks.append(_section(_home_entry(entry, tz)))
            if entry.buttons:
                blocks += action_blocks(entry.buttons)[0]
        if section.more:
            blocks.append(_section(escape(section.more)))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


def _home_entry(entry: home.Entry, tz: ZoneInfo) -> str:
    mark = f":warning: *{escape(entry.alert)}* · " if entry.alert else ""
    if entry.when_label:  # e.g. an actiepunt: `A-2 text`, then `deadline <day> · group`
        moment = deadline_date(entry.when, tz) if entry.when is not None else ""
        tail = f"\n{escape(entry.when_label)} {moment} · {cut(escape(entry.where), 200)}"
        head = f"{mark}*{cut(escape(entry.label), 50)}* "
        return head + cut(escape(entry.text), SECTION_TEXT - len(head) - len(tail)) + tail
    # e.g. a meeting: `group: <moment> · place`
    moment = slack_date(entry.when, tz) if entry.when is not None else ""
    body = " ".join(part for part in (cut(escape(entry.text), 500), moment) if part)
    where = f" · {cut(escape(entry.where), 500)}" if entry.where else ""
    return f"{mark}*{cut(escape(entry.label), 500)}*: {body}{where}"
