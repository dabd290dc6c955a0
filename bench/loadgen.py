"""The load generator: signed `/actie` slash commands over HTTP, N at a time, in its own process.

    python -m bench.loadgen SPEC_JSON     # prints one JSON line with the figures

SPEC: url, secret, requests, concurrency, warmup, deadline (seconds), response_base (the fake's
response_url prefix), senders: [[user id, channel id, channel name, owner id, owner name], ...].
The time to acknowledge is from just before the request is written until its response has been
read. Warm-up requests go first over the same connections and are not counted. It stops by
itself after `requests` or at `deadline`, whichever comes first.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
from typing import Any

import aiohttp


def signed(body: str, secret: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(i: int, spec: dict[str, Any]) -> str:
    user, channel_id, channel, owner, owner_name = spec["senders"][i % len(spec["senders"])]
    fields = {
        "token": "unused",
        "team_id": "T0BENCH",
        "team_domain": "bench",
        "channel_id": channel_id,
        "channel_name": channel,
        "user_id": user,
        "user_name": user.lower(),
        "command": "/actie",
        "text": f"Bench-actie {i}: buurtgesprek voorbereiden <@{owner}|{owner_name}> vrijdag",
        "api_app_id": "A0WIJKBOT",
        "is_enterprise_install": "false",
        "response_url": f"{spec['response_base']}/{i}",
        "trigger_id": "",
    }
    return urllib.parse.urlencode(fields)


async def load(spec: dict[str, Any]) -> dict[str, Any]:
    total, warmup = int(spec["requests"]), int(spec["warmup"])
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    counter = iter(range(warmup + total))
    loop_deadline = time.monotonic() + float(spec["deadline"])
    first: list[float] = []
    last = [0.0]
    connector = aiohttp.TCPConnector(limit=int(spec["concurrency"]), force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def worker() -> None:
            for i in counter:
                if time.monotonic() > loop_deadline:
                    return
                body = command_body(i, spec)
                headers = signed(body, spec["secret"])
                t0 = time.perf_counter()
                try:
                    async with http.post(spec["url"], data=body.encode(), headers=headers) as resp:
                        await resp.read()
                        status = str(resp.status)
                except (TimeoutError, aiohttp.ClientError) as exc:
                    status = type(exc).__name__
                t1 = time.perf_counter()
                if i >= warmup:
                    if not first:
                        first.append(t0)
                    last[0] = max(last[0], t1)
                    latencies.append(t1 - t0)
                    statuses[status] = statuses.get(status, 0) + 1

        started_wall = time.time()
        await asyncio.gather(*(worker() for _ in range(int(spec["concurrency"]))))
    elapsed = (last[0] - first[0]) if first else float("nan")
    return {
        "latencies": latencies,
        "statuses": statuses,
        "elapsed": elapsed,
        "throughput": len(latencies) / elapsed if first and elapsed > 0 else 0.0,
        "started_wall": started_wall,
    }


if __name__ == "__main__":
    result = asyncio.run(load(json.loads(sys.argv[1])))
    print(json.dumps(result))
