"""Group commit: what waits at the same moment is written together, in a thread of its own.

Each caller awaits its own result, so nothing is acknowledged before it is durable; but while one
batch is being written, the next callers queue, and their items go in the next batch together.
Under load there are far fewer transactions (and round trips) than items; alone, an item waits
for nobody. The database work leaves the event loop: it never holds up an acknowledgement.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class Failed:
    """The outcome of one item whose write failed: its caller gets the exception, the others not."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class GroupCommit(Generic[In, Out]):
    """`await run(item)`: `apply` writes a batch (at most `limit` items) and returns, per item, its
    result or a Failed; an exception from `apply` itself fails the whole batch."""

    def __init__(self, apply: Callable[[list[In]], Sequence[Out | Failed]], *, limit: int = 64, name: str) -> None:
        self._apply = apply
        self._limit = max(1, limit)
        self._lock = threading.Lock()
        self._queued: list[tuple[In, asyncio.Future[Out], asyncio.AbstractEventLoop]] = []
        self._busy = False
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, item: In) -> Out:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Out] = loop.create_future()
        with self._lock:
            self._queued.append((item, future, loop))
            start = not self._busy
            self._busy = True
        if start:
            self._thread.submit(self._drain)
        return await future

    def close(self) -> None:
        self._thread.shutdown(wait=True)

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._queued = self._queued[: self._limit], self._queued[self._limit :]
                if not batch:
                    self._busy = False
                    return
            try:
                results: Sequence[Out | Failed] = self._apply([item for item, _, _ in batch])
            except Exception as exc:  # noqa: BLE001 - every caller of the batch hears it
                results = [Failed(exc)] * len(batch)
            for (_, future, loop), result in zip(batch, results, strict=True):
                loop.call_soon_threadsafe(_settle, future, result)


def _settle(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():  # its caller was cancelled (stopping)
        return
    if isinstance(result, Failed):
        future.set_exception(result.error)
    else:
        future.set_result(result)
