"""PTB persistence in our own database: a half-told signaal survives a restart, on any process.

Only what the /signaal conversation needs is kept: the conversation state per chat and the draft
in `user_data`; an empty `user_data` is never written (a stranger who only says hello leaves no
row behind), and nothing is written for a Telegram user who is not a linked wijkambassadeur (one
erased while their conversation was still in memory leaves nothing either). Conversations idle
for longer than the conversation timeout are dropped on load.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select
from telegram.ext import BasePersistence, PersistenceInput

from storage.db import transaction
from storage.models import Person, TelegramState

USER_DATA = "user_data"
# the shapes PTB uses (telegram.ext._utils.types, private there)
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


def _conversation_scope(name: str) -> str:
    return f"conversation:{name}"


def _encode_key(key: ConversationKey) -> str:
    return ":".join(str(k) for k in key)


def _decode_key(text: str) -> ConversationKey:
    return tuple(int(k) if k.lstrip("-").isdigit() else k for k in text.split(":"))


def _linked(session: Session, user_id: str) -> bool:
    """Whether a Telegram user id belongs to a linked, active wijkambassadeur."""
    if not user_id.lstrip("-").isdigit():
        return False
    return (
        session.exec(
            select(Person.id)
            .where(Person.telegram_id == int(user_id), Person.active == True)  # noqa: E712
            .with_for_update()  # waits for an erase of this person in progress (storage/erase.py)
        ).first()
        is not None
    )


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores conversation states and user_data in the `telegramstate` table."""

    def __init__(
        self,
        engine: Engine,
        now: Callable[[], datetime],
        *,
        stale_after: timedelta,
        update_interval: float = 2.0,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.engine = engine
        self.now = now
        self.stale_after = stale_after

    async def _run(self, fn: Callable[[Session], Any]) -> Any:
        def work() -> Any:
            with transaction(self.engine) as session:
                return fn(session)

        return await asyncio.to_thread(work)

    def _put(self, session: Session, scope: str, key: str, value: Any) -> None:
        if not _linked(session, key.rsplit(":", 1)[-1]):
            # erased (or never linked) while its state was in memory: nothing of them is written
            self._drop(session, scope, key)
            return
        session.merge(TelegramState(scope=scope, key=key, value=json.dumps(value), updated_at=self.now()))

    def _drop(self, session: Session, scope: str, key: str) -> None:
        session.exec(  # type: ignore[call-overload]
            delete(TelegramState).where(col(TelegramState.scope) == scope, col(TelegramState.key) == key)
        )

    # --- user_data: the draft of a signaal ------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        def load(session: Session) -> dict[int, dict[Any, Any]]:
            rows = session.exec(select(TelegramState).where(TelegramState.scope == USER_DATA)).all()
            return {int(r.key): json.loads(r.value) for r in rows}

        result: dict[int, dict[Any, Any]] = await self._run(load)
        return result

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        if data:
            await self._run(lambda s: self._put(s, USER_DATA, str(user_id), data))
        else:
            await self._run(lambda s: self._drop(s, USER_DATA, str(user_id)))

    async def drop_user_data(self, user_id: int) -> None:
        await self._run(lambda s: self._drop(s, USER_DATA, str(user_id)))

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: one process owns a bot's updates at a time."""

    # --- conversations --------------------------------------------------------------------------

    async def get_conversations(self, name: str) -> ConversationDict:
        scope = _conversation_scope(name)
        cutoff = self.now() - self.stale_after

        def load(session: Session) -> ConversationDict:
            rows = session.exec(select(TelegramState).where(TelegramState.scope == scope)).all()
            alive: ConversationDict = {}
            for r in rows:
                if r.updated_at < cutoff:
                    session.delete(r)  # left alone too long: the conversation has ended
                else:
                    alive[_decode_key(r.key)] = json.loads(r.value)
            return alive

        result: ConversationDict = await self._run(load)
        return result

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        scope, k = _conversation_scope(name), _encode_key(key)
        if new_state is None:
            await self._run(lambda s: self._drop(s, scope, k))
        else:
            await self._run(lambda s: self._put(s, scope, k, new_state))

    # --- not stored -----------------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
