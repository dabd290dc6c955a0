"""Per-person command rate limits: an in-memory token bucket, with time passed in.

A person may send `capacity` commands at once and then `capacity` per `period` (30 a minute by
default). It guards the database and the chat services against a runaway script or a stuck key;
each bot keeps its own (`ctx.state.limiter`, handlers/state.py), which is enough for one `wijkbot run`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

LIMIT_MESSAGE = (
    "U stuurt veel commando's kort na elkaar; wacht even (ongeveer {seconds} seconden) en probeer het dan opnieuw."
)


@dataclass
class _Bucket:
    tokens: float
    at: datetime


@dataclass
class RateLimiter:
    """`allow(person, now)` takes one token from the person's bucket, or says how long to wait."""

    capacity: int = 30
    period: timedelta = timedelta(minutes=1)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def rate(self) -> float:
        """Tokens per second."""
        return self.capacity / self.period.total_seconds()

    def allow(self, person: str, now: datetime) -> bool:
        return self.wait(person, now) == 0

    def wait(self, person: str, now: datetime) -> int:
        """Take a token and return 0, or return the seconds until one is free (nothing taken)."""
        with self._lock:
            bucket = self._buckets.get(person)
            if bucket is None:
                bucket = self._buckets[person] = _Bucket(float(self.capacity), now)
            elapsed = max((now - bucket.at).total_seconds(), 0.0)  # a clock that goes back refills nothing
            bucket.tokens = min(float(self.capacity), bucket.tokens + elapsed * self.rate)
            bucket.at = max(now, bucket.at)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                if len(self._buckets) > 10_000:
                    self._forget_full(now)
                return 0
            return max(1, int((1 - bucket.tokens) / self.rate + 0.999))

    def _forget_full(self, now: datetime) -> None:
        full = self.period.total_seconds()
        for key in [k for k, b in self._buckets.items() if (now - b.at).total_seconds() >= full]:
            del self._buckets[key]

    def message(self, seconds: int) -> str:
        return LIMIT_MESSAGE.format(seconds=seconds)
