"""What every benchmark shares: the machine, statistics, free ports, child processes, PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Options:
    """How big and how often: the full run, or `--smoke` (tiny, only checks that it runs)."""

    smoke: bool = False
    runs: int = 3  # repetitions whose median is reported
    pg_url: str | None = None  # None: no PostgreSQL column
    pg_note: str = ""
    notes: list[str] = field(default_factory=list)

    def size(self, full: int, smoke: int) -> int:
        return smoke if self.smoke else full


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank: p99 of 2,000 samples is the 1,980th."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, *, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> float:
    """Poll `url` until it answers 200; returns the seconds it took. Raises on timeout or exit."""
    import urllib.error
    import urllib.request

    start = time.perf_counter()
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.02)


def rss_mb(pid: int) -> float:
    """Resident memory of a process from /proc (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop_process(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL when it does not stop in time: only the process we started."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


@contextlib.contextmanager
def child(
    args: list[str], *, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process that is always stopped again, its output in `log` (or discarded)."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        stop_process(proc)
        if log:
            out.close()  # type: ignore[union-attr]


def run_json(args: list[str], *, timeout: float, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run a bench helper that prints one JSON object as its last line; bounded in time."""
    done = subprocess.run(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed ({done.returncode}):\n{done.stderr.decode()[-3000:]}")
    return dict(json.loads(done.stdout.decode().strip().splitlines()[-1]))


# -- PostgreSQL ----------------------------------------------------------------------------------


@contextlib.contextmanager
def postgresql(opts: Options) -> Iterator[None]:
    """WIJKBOT_BENCH_PG_URL, else a throwaway cluster (scripts/pg-throwaway), else none (noted)."""
    url = os.environ.get("WIJKBOT_BENCH_PG_URL")
    if url:
        opts.pg_url, opts.pg_note = url, "PostgreSQL from WIJKBOT_BENCH_PG_URL"
        yield
        return
    proc = subprocess.Popen([str(ROOT / "scripts" / "pg-throwaway"), "wijkbot_bench"], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode().strip()
        if line.startswith("postgresql"):
            opts.pg_url = line
            opts.pg_note = "PostgreSQL: a throwaway cluster from scripts/pg-throwaway (fsync off)"
        else:
            proc.wait(timeout=30)
            why = "no PostgreSQL server binaries" if proc.returncode == 3 else "the throwaway cluster did not start"
            opts.pg_note = f"PostgreSQL column skipped: {why} (apt-get install postgresql, or set WIJKBOT_BENCH_PG_URL)"
        yield
    finally:
        stop_process(proc, timeout=30)


def reset_database(url: str) -> None:
    """Empty a benchmark database: a SQLite file is removed, PostgreSQL's public schema recreated."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from storage.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


# -- the machine -----------------------------------------------------------------------------------


def machine(opts: Options) -> dict[str, str]:
    """Cores, memory, Python, SQLite and PostgreSQL versions: the header of docs/performance.md."""
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg = "not measured"
    if opts.pg_url:
        from storage.db import make_engine

        engine = make_engine(opts.pg_url)
        with engine.connect() as conn:
            pg = str(conn.execute(sa.text("SHOW server_version")).scalar())
        engine.dispose()
    return {
        "cores": f"{os.cpu_count()} ({cpu})" if cpu else str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
    }
