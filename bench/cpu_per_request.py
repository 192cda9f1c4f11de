"""CPU per request, by process, for a few gateway endpoints: the contention-proof figure.

Requests/s on these shared 2-core machines move with whoever else is busy; the CPU a
process spends per request hardly does. Starts the suite like `bench.gateway_page`, then
for each endpoint runs wrk for a fixed time and divides the CPU time (`/proc/<pid>/stat`,
user + system) of the gateway (master and workers), identity, RabbitMQ, Redis and the
PostgreSQL backends of the bench database by the requests answered.
Usage: `python -m bench.cpu_per_request [--seconds 6] [--rounds 2] [--pyspy DIR]`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.gateway_page import (
    REPO,
    ensure_wrk,
    seed_members,
    sign_up_bench_firm,
    start_plain_app,
    wait_for,
)
from shared.config import settings

CONNECTIONS = 16
TICK = os.sysconf("SC_CLK_TCK")
ENDPOINTS = {
    "health": "/health/live",
    "jwks": "/.well-known/jwks.json",
    "me": "/api/v1/me",
    "users": "/api/v1/identity/users?limit=50",
    "plain": "",  # the same page from bench/plain_app.py: the budget the ratio is against
    "reads": "",  # the plain app reading as identity does (bench/plain_app.py)
}


def cpu_seconds(pid: int) -> float:
    """user + system time of one process (all its threads), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (gunicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def pids_named(comm: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == comm:
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return pids


def backend_pids(database: str) -> list[int]:
    admin = settings().pg_admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(admin)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}
            ).all()
    finally:
        engine.dispose()
    return [int(r[0]) for r in rows]


def wrk_requests(wrk: str, url: str, token: str, seconds: int) -> int:
    out = subprocess.run(
        [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s",
         "-H", f"Authorization: Bearer {token}", url],
        check=True, capture_output=True, text=True,
    ).stdout
    found = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if not found or bad:
        raise RuntimeError(f"wrk failed or saw errors:\n{out}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--prefix", default=os.environ.get("BUREAU_BENCH_PREFIX", "bureau_bench"))
    parser.add_argument("--only", default="", help="comma-separated endpoint names")
    parser.add_argument("--pyspy", default="", help="record py-spy profiles of the users page")
    args = parser.parse_args(argv)
    os.environ.setdefault("BUREAU_RATE_LIMIT_USER", "100000000")
    os.environ.setdefault("BUREAU_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO))
    from tests.suite import RunningSuite

    wrk = ensure_wrk()
    suite = RunningSuite(prefix=args.prefix, run_dir=REPO / ".run" / args.prefix)
    endpoints = {k: v for k, v in ENDPOINTS.items() if not args.only or k in args.only}
    plain = None
    try:
        suite.open()
        token, tenant = sign_up_bench_firm(suite.url)
        seed_members(suite, tenant, 200)
        urls = {name: suite.url + path for name, path in endpoints.items()}
        if "plain" in endpoints or "reads" in endpoints:
            plain, plain_url = start_plain_app(suite.db_url("identity"), tenant)
            wait_for(plain_url, token)
            reads_url = plain_url.replace("/users?", "/users/as-identity-reads?")
            urls.update({name: url for name, url in (("plain", plain_url), ("reads", reads_url))
                         if name in endpoints})
        groups = {
            "gateway": lambda: descendants(suite.pid("gateway")),
            "identity": lambda: [p for n in suite.names if n.startswith("identity")
                                 for p in descendants(suite.pid(n))],
            "plain": lambda: descendants(plain.pid) if plain else [],
            "rabbitmq": lambda: pids_named("beam.smp"),
            "redis": lambda: pids_named("redis-server"),
            "postgres": lambda: backend_pids(f"{args.prefix}_identity"),
        }
        figures: dict[str, dict[str, list[float]]] = {}
        rates: dict[str, list[float]] = {}
        for name, url in urls.items():
            wrk_requests(wrk, url, token, 2)  # warm-up
            for _ in range(args.rounds):
                pids = {g: find() for g, find in groups.items()}
                before = {g: sum(cpu_seconds(p) for p in ps) for g, ps in pids.items()}
                started = time.monotonic()
                spies = []
                if args.pyspy and name == "users":
                    spies = [
                        subprocess.Popen(
                            [os.environ.get("PY_SPY", "py-spy"), "record", "--nonblocking",
                             "--gil", "-r", "200", "-d", str(args.seconds), "-f", "raw",
                             "-o", f"{args.pyspy}/{g}-{p}.txt", "-p", str(p)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                        for g in ("gateway", "identity") for p in pids[g][-2:]
                    ]
                count = wrk_requests(wrk, url, token, args.seconds)
                elapsed = time.monotonic() - started
                for spy in spies:
                    spy.wait()
                after = {g: sum(cpu_seconds(p) for p in ps) for g, ps in pids.items()}
                rates.setdefault(name, []).append(count / elapsed)
                for g in groups:
                    ms = (after[g] - before[g]) * 1000 / count
                    figures.setdefault(name, {}).setdefault(g, []).append(ms)
        print(f"\nms of CPU per request (median of {args.rounds} x {args.seconds}s, "
              f"{CONNECTIONS} connections, load {os.getloadavg()[0]:.1f})")
        header = "".join(f"{g:>10}" for g in groups)
        print(f"{'endpoint':10}{'req/s':>8}{header}{'total':>8}")
        for name in endpoints:
            per = {g: statistics.median(v) for g, v in figures[name].items()}
            print(f"{name:10}{statistics.median(rates[name]):8.0f}"
                  + "".join(f"{per[g]:10.2f}" for g in groups) + f"{sum(per.values()):8.2f}")
        return 0
    finally:
        if plain is not None:
            plain.terminate()
            plain.wait(timeout=30)
        suite.close()


if __name__ == "__main__":
    sys.exit(main())
