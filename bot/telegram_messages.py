"""The one place that builds what wijkbot sends to Telegram, within the Bot API's limits by construction.

A text longer than Telegram takes is split on line boundaries (a single line that is too long at
word boundaries, a single word that is too long anywhere), measured as Telegram measures it:
UTF-16 code units of the text as sent, so after HTML escaping (an `&` sent as `&amp;` counts
five). The keyboard goes under the last piece. Callback data is checked when a keyboard is made,
so a button Telegram would refuse can never be built. wijkbot sends no captions (photos stay in
Telegram), so the 1,024-character caption limit never comes into play.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Sequence

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import BotCommandLimit, InlineKeyboardButtonLimit, MessageLimit

from handlers.base import Button

TEXT_LIMIT: int = MessageLimit.MAX_TEXT_LENGTH  # 4,096
CALLBACK_DATA_LIMIT: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


def _plain(text: str) -> str:
    return text


def escape_html(text: str) -> str:
    """Text for parse_mode HTML that reads exactly as written."""
    return html.escape(text, quote=False)


def split_text(text: str, *, limit: int = TEXT_LIMIT, escape: Callable[[str], str] = _plain) -> list[str]:
    """`text` in pieces that are each within `limit` once escaped; escape each piece before sending.

    Pieces are cut between lines; `"\\n".join(pieces) == text` whenever no single line is too long.
    """

    def size(s: str) -> int:  # escaping is per character, so sizes add up
        return telegram_length(escape(s))

    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for line in _short_lines(text, limit, size):
        n = size(line)
        if current and used + 1 + n > limit:
            pieces.append("\n".join(current))
            current, used = [], 0
        used += n + (1 if current else 0)
        current.append(line)
    if current:
        pieces.append("\n".join(current))
    return [p for p in pieces if p.strip()]


def _short_lines(text: str, limit: int, size: Callable[[str], int]) -> Iterator[str]:
    """The lines of `text`, a line that is too long on its own cut at spaces (a word anywhere)."""
    for line in text.split("\n"):
        if size(line) <= limit:
            yield line
            continue
        part = ""
        for word in line.split(" "):
            candidate = f"{part} {word}" if part else word
            if size(candidate) <= limit:
                part = candidate
                continue
            if part:
                yield part
            part = ""
            for char in word:  # one word longer than a message: cut it (never inside an escape)
                if size(part + char) > limit:
                    yield part
                    part = ""
                part += char
        if part:
            yield part


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Inline buttons from (label, callback data) rows; data Telegram would refuse is a bug, caught here."""
    for row in rows:
        for label, data in row:
            if not label or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                raise ValueError(f"button {label!r}: callback data must be 1-{CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


ONE_ROW = 20  # two or three buttons with labels this short share a row; longer ones get a row each


def markup(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """A reply's Buttons as an inline keyboard; a tap comes back as callback data `action:value`."""
    if not buttons:
        return None
    pairs = [(b.label, f"{b.action}:{b.value}") for b in buttons]
    if len(pairs) <= 3 and all(len(label) <= ONE_ROW for label, _ in pairs):
        return keyboard(pairs)
    return keyboard(*[[p] for p in pairs])


def tapped(data: str) -> tuple[str, str]:
    """Callback data back as the Button's (action, value)."""
    action, _, value = data.partition(":")
    return action, value


# The menu Telegram shows next to the text field (setMyCommands at start): what residents use.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("signaal", "Meld iets over uw wijk, of een verzoek of eigen initiatief"),
    ("mijnsignalen", "Uw meldingen en initiatieven en hoe het ermee staat"),
    ("annuleer", "Stop met de melding die u nu maakt"),
    ("start", "Koppel u als wijkambassadeur met de code van de uitnodiging"),
    ("stop", "Meld u af als wijkambassadeur; uw gegevens worden gewist"),
    ("help", "Uitleg over wat wijkbot voor u doet"),
)


def bot_commands() -> list[BotCommand]:
    """COMMANDS as the Bot API takes them, checked against its limits."""
    assert len(COMMANDS) <= BotCommandLimit.MAX_COMMAND_NUMBER
    for name, description in COMMANDS:
        assert BotCommandLimit.MIN_COMMAND <= len(name) <= BotCommandLimit.MAX_COMMAND, name
        assert 1 <= len(description) <= BotCommandLimit.MAX_DESCRIPTION, name
    return [BotCommand(name, description) for name, description in COMMANDS]
