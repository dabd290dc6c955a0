"""The registry of transports: every chat service wijkbot talks through, one module in bot/ each.

DECLARED names every transport with what deciding needs (its name, its switch, whether the settings
turn it on) and the module that implements it; that module is imported only when its transport is
built, so `wijkbot run` with Slack alone never imports python-telegram-bot or the Bot Framework.
An adapter module registers itself when it is imported (`register(Transport(...))` at its end),
which replaces its declaration. Adding a transport is one module plus its line here (and its
settings in bot/settings.py): nothing else chooses between them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from starlette.routing import BaseRoute

from bot.settings import Settings
from handlers.notify import Notifier

if TYPE_CHECKING:
    from bot.core import Wijkbot


class Adapter(Protocol):
    """A running transport: its HTTP routes, its outbox Notifier, started and stopped by `wijkbot run`."""

    name: str
    notifier: Notifier

    def routes(self) -> list[BaseRoute]:
        """HTTP routes it needs on the shared server (HTTP mode, webhooks); empty when it connects out."""
        ...

    async def start(self, *, listen: bool = True) -> None:
        """Connect (Socket Mode, long polling, set a webhook); return once running. `listen=False`
        (a worker or scheduler process): only what sending needs; the web process listens."""
        ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Transport:
    """What the registry knows of a transport before it runs."""

    name: str  # the transport name everywhere ("slack"): Message.transport, identities, notifiers
    switch: str  # the environment variable that turns it on (named when nothing is configured)
    enabled: Callable[[Settings], bool]
    build: Callable[[Wijkbot, Settings], Adapter]


_REGISTRY: dict[str, Transport] = {}


def register(transport: Transport) -> Transport:
    """Called by an adapter module at import; registering the same name again replaces it."""
    _REGISTRY[transport.name] = transport
    return transport


def _declare(name: str, module: str, switch: str, enabled: Callable[[Settings], bool]) -> Transport:
    """A transport whose module is imported when it is built (the module then registers itself)."""

    def build(bot: Wijkbot, settings: Settings) -> Adapter:
        importlib.import_module(module)
        own = _REGISTRY.get(name)
        if own is None:
            raise RuntimeError(f"{module} did not register the transport {name!r}")
        return own.build(bot, settings)

    return Transport(name, switch=switch, enabled=enabled, build=build)


# In the order their notifiers are asked whether they deliver a message.
DECLARED = (
    _declare("slack", "bot.slack", "SLACK_BOT_TOKEN", lambda s: bool(s.slack_bot_token)),
    _declare("telegram", "bot.telegram", "TELEGRAM_BOT_TOKEN", lambda s: bool(s.telegram_bot_token)),
    _declare("teams", "bot.teams", "TEAMS_APP_ID", lambda s: bool(s.teams_app_id)),
)


def registered() -> list[Transport]:
    """Every transport, in the order of DECLARED, then any other registered one; a declared one is
    its module's own registration once that module was imported (nothing is imported here)."""
    declared = [_REGISTRY.get(t.name, t) for t in DECLARED]
    names = {t.name for t in DECLARED}
    return declared + [t for name, t in _REGISTRY.items() if name not in names]


def enabled(settings: Settings) -> list[Transport]:
    return [t for t in registered() if t.enabled(settings)]


def build_enabled(bot: Wijkbot, settings: Settings) -> list[Adapter]:
    """An adapter for every transport the settings turn on."""
    return [t.build(bot, settings) for t in enabled(settings)]


def nothing_configured() -> str:
    """The one sentence `wijkbot run` says when no transport is configured."""
    switches = [t.switch for t in registered()]
    named = ", ".join(switches[:-1]) + f" of {switches[-1]}" if len(switches) > 1 else "".join(switches)
    return (
        f"wijkbot: er is geen chatdienst ingesteld (zet {named}); "
        "probeer de bot zonder chatdienst met `wijkbot console`."
    )
