"""Nothing personal in the logs, at any level (AVG; docs/security.md "Wissen").

The sources are kept clean: our own log lines name ids of rows and kinds of things, never people,
chat ids or message texts, and the libraries that print whole requests and answers at DEBUG
(python-telegram-bot, slack_sdk, slack_bolt, httpx, httpcore) are held at INFO. The guard here
is the last line behind that: a log record factory that replaces, in every record of every
logger, the names and keys of the people in the database, Slack user ids, numbers that may be
chat ids (6 digits or more) and the values of personal fields in printed payloads
(`'first_name': '…'`, `"text": "…"`, `text=…`) by "[persoon]".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

PERSON = "[persoon]"
# libraries that log request and response bodies (names, chat ids, message texts) below INFO
CHATTY_LIBRARIES = (
    "telegram",
    "slack_bolt",
    "slack_sdk",
    "httpx",
    "httpcore",
    "aiohttp",
    "msrest",
    "botbuilder",
    "botframework",
    "urllib3",
)
_FIELDS = "text|first_name|last_name|username|user_name|name|real_name|display_name|email|fallback|title|caption"
_PATTERNS = (
    # a personal field in a printed dict or JSON: 'first_name': 'Jan' / "text": "..."
    (re.compile(rf"""((?:['"])(?:{_FIELDS})['"]\s*:\s*)(['"])(?:\\.|(?!\2).)*\2"""), rf"\1\2{PERSON}\2"),
    # the same in a form body or query string: text=...&user_name=...
    (re.compile(rf"(?<![\w])((?:{_FIELDS})=)[^&\s'\"]*"), rf"\1{PERSON}"),
    # Slack user ids (U… / W… with a digit)
    (re.compile(r"(?<![\w])[UW](?=[A-Z0-9]*\d)[A-Z0-9]{5,}(?![\w])"), PERSON),
    # Telegram chat and user ids, and anything else that long: a number of 6 digits or more (not
    # the decimals of a number: APScheduler's "in 31.836234 seconds" stays readable)
    (re.compile(r"(?<![\w])(?<!\d[.,])-?\d{6,}(?![\w])"), PERSON),
)


class PersonalDataGuard:
    """Replaces personal data in log records; `remember` adds the names it must know."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._known: re.Pattern[str] | None = None

    def remember(self, names: Iterable[str]) -> None:
        """Names (and keys) of people to keep out of the logs, as whole words in any case."""
        new = {n.strip() for n in names if n and len(n.strip()) >= 3} - self._names
        if not new:
            return
        self._names |= new
        words = sorted(self._names, key=len, reverse=True)
        self._known = re.compile(
            r"(?<![\w])(?:" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in words) + r")(?![\w])",
            re.IGNORECASE,
        )

    def remember_people(self, people: Iterable[tuple[str, str]]) -> None:
        """Everyone in the person table, as (name, key): full name, first name, key."""
        names: list[str] = []
        for name, key in people:
            names += [name, key, *name.split()[:1]]
        self.remember(names)

    def redact(self, text: str) -> str:
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        if self._known is not None:
            text = self._known.sub(PERSON, text)
        return text

    def apply(self, record: logging.LogRecord) -> None:
        rewrite_record(record, self.redact)


_GUARD: PersonalDataGuard | None = None


def quiet_chatty_libraries(level: int | str) -> None:
    """Hold the libraries that print bodies at INFO or above, whatever the level asked for."""
    wanted = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(wanted, int):
        wanted = logging.INFO
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, wanted))


def rewrite_record(record: logging.LogRecord, redact: Callable[[str], str]) -> None:
    """Pass a record's message (formatted with its arguments), traceback and stack through `redact`."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: logging reports it later
        message = str(record.msg)
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def add_record_rewriter(apply: Callable[[logging.LogRecord], object]) -> None:
    """Run `apply` on every log record as it is made: a record factory covers every logger and
    handler, including those libraries configure themselves (uvicorn, httpx)."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        apply(record)
        return record

    logging.setLogRecordFactory(factory)


def install_log_privacy() -> PersonalDataGuard:
    """Install the guard as a log record factory (every logger, every handler); returns it."""
    global _GUARD
    guard = PersonalDataGuard()
    add_record_rewriter(guard.apply)
    _GUARD = guard
    return guard


def remember_people(people: Callable[[], Iterable[tuple[str, str]]]) -> None:
    """Tell the installed guard (if any) who is in the database: `people()` gives (name, key)."""
    if _GUARD is not None:
        try:
            _GUARD.remember_people(people())
        except Exception:  # noqa: BLE001 - the logs must never stop the bot
            logging.getLogger(__name__).warning("namen voor de logbewaking niet geladen")
