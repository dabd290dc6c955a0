"""The worker side of the inbox: claim acknowledged requests, run them, answer, mark them answered.

A transport that takes part is a `Processor`: the web process writes each request it verified
(handlers/inbox.py `receive`) and acknowledges; `InboxWorker` (in a worker process of `wijkbot
run`, or in the same process for the tests and `--workers 0`) claims rows and hands each to its
transport's `process`. Every command a request runs carries the worker's Ticket (through
`current_ticket`, read by `Wijkbot.handle`), so it commits once even across kills.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import json
import logging
import os
import socket
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from bot.core import Wijkbot, current_answered, current_ticket
from handlers import inbox
from handlers.base import Ticket

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a claim this old is taken over: its worker is presumed dead
RETRY_IN = timedelta(seconds=5)  # after handling raised, the request is tried again this much later
POLL = 0.05  # seconds between looks while idle (a wake-up from the same process comes at once)
BATCH = 8  # requests claimed at once
CONCURRENCY = 8  # requests handled at once by one worker


@runtime_checkable
class Processor(Protocol):
    """A transport whose requests come through the inbox."""

    name: str

    async def process(self, kind: str, body: dict[str, Any]) -> None:
        """Run a request as if it had just arrived (its commands through `bot.handle`)."""

    async def apologise(self, kind: str, body: dict[str, Any]) -> None:
        """Handling it failed every time: tell the person, privately, that nothing happened."""


def worker_id(role: str = "worker") -> str:
    """This process's name in `claimed_by`: host and pid (the supervisor frees a dead child's claims)."""
    return f"{socket.gethostname()}:{os.getpid()}:{role}"


class InboxWorker:
    def __init__(
        self,
        bot: Wijkbot,
        processors: Iterable[Processor],
        *,
        worker: str | None = None,
        lease: timedelta = LEASE,
        poll: float = POLL,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.bot = bot
        self.processors = {p.name: p for p in processors}
        self.worker = worker or worker_id()
        self.lease, self.poll = lease, poll
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: set[int] = set()  # the requests this worker is working on
        # the inbox's own bookkeeping (claim, answered) never queues behind commands in the
        # default executor: the shorter the time between an answer and its mark, the fewer
        # answers a kill can make go twice
        self._books = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox")

    async def _book(self, fn: Any, *args: Any, **kw: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._books, functools.partial(fn, *args, **kw))

    def wake(self) -> None:
        """Something was received (in this process): look now instead of after the poll interval."""
        self._wake.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Claim and handle requests until `stop` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        beat = asyncio.create_task(self._heartbeat())
        try:
            while not stop.is_set():
                got = await self.round()
                if got:
                    continue  # there may be more
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
        finally:
            await self.settle()
            beat.cancel()

    async def _heartbeat(self) -> None:
        """Renew the claims of what is still being worked on, every third of the lease, so a slow
        request is never taken over while its worker lives (procrastinate's heartbeat)."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            if self._held:
                with contextlib.suppress(Exception):
                    until = self.bot.clock.now() + self.lease
                    await self._book(
                        inbox.extend, self.bot.engine, worker=self.worker, ids=sorted(self._held), until=until
                    )

    async def round(self) -> int:
        """Claim what the free slots can take, start handling it; how many were claimed."""
        free = self.concurrency - len(self._tasks)
        if not self.processors or free <= 0:
            await asyncio.sleep(self.poll)
            return 0
        try:
            claimed = await self._book(
                inbox.claim,
                self.bot.engine,
                worker=self.worker,
                now=self.bot.clock.now(),
                lease=self.lease,
                limit=min(BATCH, free),
                transports=set(self.processors),
            )
        except Exception:  # the database away for a moment: look again later
            log.warning("inbox: claiming failed; trying again", exc_info=True)
            await asyncio.sleep(min(1.0, self.poll * 20))
            return 0
        for row in claimed:
            self._held.add(row.id)
            task = asyncio.create_task(self._handle(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def drain(self) -> int:
        """Handle everything open now and wait for it (tests; a worker that stops)."""
        total = 0
        while True:
            got = await self.round()
            await self.settle()
            if not got:
                return total
            total += got

    async def settle(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _handle(self, row: inbox.Claimed) -> None:
        body: dict[str, Any] = {}
        try:
            processor = self.processors[row.transport]
            body = json.loads(row.body) if row.body else {}
            if row.attempts > inbox.MAX_ATTEMPTS:  # it stopped a worker every time: give up, say so
                log.error("inbox: request %s given up after %s attempts", row.id, row.attempts - 1)
                await processor.apologise(row.kind, body)
                await self._book(
                    inbox.answered,
                    self.bot.engine,
                    row.id,
                    worker=self.worker,
                    now=self.bot.clock.now(),
                    error="given up",
                )
                return
            marked: list[bool] = []

            async def mark() -> None:
                if not marked:
                    marked.append(True)
                    now = self.bot.clock.now()
                    await self._book(inbox.answered, self.bot.engine, row.id, worker=self.worker, now=now)

            token = current_ticket.set(Ticket(row.id, self.worker, 0))
            hook = current_answered.set(mark)
            try:
                await processor.process(row.kind, body)
            finally:
                current_answered.reset(hook)
                current_ticket.reset(token)
            await mark()
        except inbox.Taken:
            log.info("inbox: request %s was taken over by another worker", row.id)
        except Exception as exc:  # one request's failure never stops the worker
            log.exception("inbox: handling request %s failed (attempt %s)", row.id, row.attempts)
            await self._failed(row, body, exc)
        finally:
            self._held.discard(row.id)

    async def _failed(self, row: inbox.Claimed, body: dict[str, Any], exc: Exception) -> None:
        now = self.bot.clock.now()
        error = f"{type(exc).__name__}"
        with contextlib.suppress(Exception):
            if row.attempts >= inbox.MAX_ATTEMPTS:
                processor = self.processors.get(row.transport)
                if processor is not None:
                    await processor.apologise(row.kind, body)
                await self._book(inbox.answered, self.bot.engine, row.id, worker=self.worker, now=now, error=error)
            else:
                await self._book(
                    inbox.failed, self.bot.engine, row.id, worker=self.worker, now=now, error=error, retry_in=RETRY_IN
                )
