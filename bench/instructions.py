"""Instructions per call, counted by callgrind: the figure a noisy machine cannot move.

CPU time per request moves by 20-30 % between runs on these shared 2-core machines, more
than most single changes are worth. callgrind counts the instructions one process
executes, and the count repeats within ~0.5 %. Starts the suite like `bench.gateway_page`
(prefix `bureau_bench`), then:

- identity: replaces its process with one under callgrind. The bench drives `list_users`
  (the 50-row page) over RPC with `gateway.rpc_client.RpcClient` from 8 threads, and
  prints identity's instructions per call;
- gateway: starts one more gateway (1 worker, 8 threads) under callgrind. wrk drives
  `/health/live` and the users page at 4 connections, and the bench prints the worker's
  instructions per request.

Usage: `python -m bench.instructions [--calls 200] [--seconds 20] [--only identity,gateway]`.
Compare two builds by running it from each build's checkout (a worktree), one after the
other: the figures do not depend on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import requests

from bench.cpu_per_request import descendants
from bench.gateway_page import REPO, ensure_wrk, seed_members, sign_up_bench_firm, wait_for

PAGE = "/api/v1/identity/users?limit=50"
THREADS = 8


def ensure_valgrind() -> None:
    if shutil.which("valgrind") and shutil.which("callgrind_control"):
        return
    print("installing valgrind from Debian's packages ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "valgrind"], check=False,
                   capture_output=True)
    if not shutil.which("callgrind_control"):
        sys.exit("valgrind is needed: apt-get install valgrind")


def callgrind(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


def counted(pid: int, out_prefix: str, run: Callable[[], None]) -> int:
    """Instructions `pid` executes while `run()` runs (instrumentation on just for it)."""
    callgrind(pid, "-z")
    callgrind(pid, "-i", "on")
    run()
    callgrind(pid, "-i", "off")
    earlier = set(glob.glob(f"{out_prefix}.{pid}*"))
    callgrind(pid, "-d")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the target writes the dump, not callgrind_control
        for path in set(glob.glob(f"{out_prefix}.{pid}*")) - earlier:
            totals = re.search(r"^totals: (\d+)", Path(path).read_text(), re.M)
            if totals:
                return int(totals.group(1))
        time.sleep(0.2)
    raise RuntimeError(f"no callgrind dump from {pid}")


def process_env(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_text().split("\0")
    return dict(item.split("=", 1) for item in raw if "=" in item)


def under_callgrind(out_prefix: str, command: list[str], env: dict[str, str],
                    children: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no",
         f"--trace-children={'yes' if children else 'no'}",
         f"--callgrind-out-file={out_prefix}.%p", *command],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def measure_identity(suite, token: str, calls: int, out_prefix: str) -> float:
    from gateway.rpc_client import RpcClient
    from shared.call_context import CallContext

    claims = jwt.decode(token, options={"verify_signature": False})
    context = CallContext(tenant_id=claims["tid"], user_id=claims["sub"],
                          roles=(claims.get("role", "owner"),), request_id="bench")
    env = process_env(suite.pid("identity"))
    os.kill(suite.pid("identity"), signal.SIGTERM)
    process = under_callgrind(out_prefix, [sys.executable, "-m", "shared.runner",
                                           "services.identity.service:IdentityService"], env)
    client = RpcClient(suite.amqp_uri, default_timeout=120)
    try:
        deadline = time.monotonic() + 600  # imports under valgrind take minutes
        while True:
            try:
                client.call("identity", "list_users", {"limit": 50}, context=context, timeout=5)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

        def drive(count: int) -> None:
            def work() -> None:
                for _ in range(count // THREADS):
                    client.call("identity", "list_users", {"limit": 50}, context=context)
            threads = [threading.Thread(target=work) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        drive(THREADS * 5)  # warm: statement caches, prepared statements, pools
        total = counted(process.pid, out_prefix, lambda: drive(calls))
        return total / (calls // THREADS * THREADS)
    finally:
        client.close()
        stop(process)


def measure_gateway(suite, token: str, seconds: int, out_prefix: str) -> dict[str, float]:
    from shared.testing import free_port

    wrk = ensure_wrk()
    cmdline = Path(f"/proc/{suite.pid('gateway')}/cmdline").read_text().split("\0")[:-1]
    port = free_port()
    env = dict(process_env(suite.pid("gateway")), BUREAU_HTTP_PORT=str(port),
               GATEWAY_WORKERS="1", GATEWAY_THREADS=str(THREADS))
    process = under_callgrind(out_prefix, cmdline, env, children=True)
    base = f"http://127.0.0.1:{port}"
    figures = {}
    try:
        wait_for(base + PAGE, token, timeout=600)
        worker = max(p for p in descendants(process.pid) if p != process.pid)
        for path in ("/health/live", PAGE):
            for _ in range(20):
                requests.get(base + path, headers={"Authorization": f"Bearer {token}"},
                             timeout=60)
            answered: list[int] = []

            def load(path: str = path, answered: list[int] = answered) -> None:
                out = subprocess.run(
                    [wrk, "-t1", "-c4", f"-d{seconds}s",
                     "-H", f"Authorization: Bearer {token}", base + path],
                    check=True, capture_output=True, text=True).stdout
                found = re.search(r"(\d+) requests in", out)
                if not found:
                    raise RuntimeError(f"could not read wrk's output:\n{out}")
                answered.append(int(found.group(1)))

            total = counted(worker, out_prefix, load)
            figures[path] = total / answered[0]
    finally:
        stop(process)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200, help="identity calls counted")
    parser.add_argument("--seconds", type=int, default=20, help="wrk time per gateway path")
    parser.add_argument("--only", default="identity,gateway")
    parser.add_argument("--prefix", default=os.environ.get("BUREAU_BENCH_PREFIX", "bureau_bench"))
    args = parser.parse_args(argv)
    os.environ.setdefault("BUREAU_RATE_LIMIT_USER", "100000000")
    os.environ.setdefault("BUREAU_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO))
    from tests.suite import RunningSuite

    ensure_valgrind()
    out_dir = tempfile.mkdtemp(prefix="bureau-callgrind-")
    suite = RunningSuite(prefix=args.prefix, run_dir=REPO / ".run" / args.prefix)
    try:
        print("starting the suite ...", flush=True)
        suite.open()
        token, tenant = sign_up_bench_firm(suite.url)
        seed_members(suite, tenant, 200)
        rows = []
        if "gateway" in args.only:
            print("gateway under callgrind ...", flush=True)
            for path, each in measure_gateway(suite, token, args.seconds,
                                              f"{out_dir}/gateway").items():
                rows.append((f"gateway {path}", each))
        if "identity" in args.only:
            print("identity under callgrind ...", flush=True)
            each = measure_identity(suite, token, args.calls, f"{out_dir}/identity")
            rows.append(("identity list_users (50 rows)", each))
        print(f"\nM instructions per call (callgrind; {out_dir})")
        for name, each in rows:
            print(f"{name:45}{each / 1e6:8.3f}")
        return 0
    finally:
        suite.close()


if __name__ == "__main__":
    sys.exit(main())
