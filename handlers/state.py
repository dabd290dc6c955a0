"""Bot-wide state: what one bot keeps between messages, owned by the bot and reached as `ctx.state`.

Nothing here is module-level: two bots in one process (tests, a console next to a server) each
have their own pending PII texts and rate limits. The values that come from the environment
(`bot.settings.Settings`) are put here by the bot when it starts; handlers never read it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from handlers.ratelimit import RateLimiter

DEFAULT_OUTPUT_DIR = Path("wijkbot-uitvoer")
DEFAULT_BOT_NAME = "wijkbot_bot"


@dataclass(frozen=True)
class Pending:
    """A text that looked like it holds personal data, waiting for its writer's decision."""

    person: str
    channel: str
    command: str  # "signaal" | "actie" | ...
    args: str
    expires: datetime


@dataclass
class PendingTexts:
    """The texts waiting for *Toch opslaan* / *Aanpassen*, in this bot's memory only (handlers/pii.py)."""

    texts: dict[str, Pending] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def locked(self, now: datetime) -> Iterator[dict[str, Pending]]:
        """The pending texts, with the expired ones dropped, while no other thread changes them."""
        with self._lock:
            for token in [t for t, p in self.texts.items() if p.expires <= now]:
                del self.texts[token]
            yield self.texts

    def __len__(self) -> int:
        with self._lock:
            return len(self.texts)


@dataclass
class BotState:
    """What a bot keeps in memory, and the settings its handlers need.

    - `pending`: PII texts waiting for a decision (handlers/pii.py);
    - `limiter`: the per-person command rate limits (handlers/router.py, and the Slack adapter);
    - `output_dir`: where exports, charts and PDFs go (`WIJKBOT_OUTPUT_DIR`);
    - `resident_bot_name`: the residents' bot's username for invitation links until the
      transport reports its own (`TELEGRAM_BOT_NAME`).
    """

    pending: PendingTexts = field(default_factory=PendingTexts)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    output_dir: Path = DEFAULT_OUTPUT_DIR
    resident_bot_name: str = DEFAULT_BOT_NAME
