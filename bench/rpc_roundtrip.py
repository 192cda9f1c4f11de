"""RPC round trip: the gateway's RpcClient vs nameko's ClusterRpcProxy, and the service's
calls/s with nameko's stock `rpc` vs `shared.rpc.rpc`, in one run on its own vhost.

Figures, not a pass/fail test. Usage: `python -m bench.rpc_roundtrip [--calls 2000]`.
The service runs as a subprocess (`--serve stock|fast <amqp uri>`), as `nameko run` would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
THREADS = 16
WARM_UP = 200


def serve(flavour: str, amqp_uri: str) -> None:
    """The benchmarked service: one empty method, answered by the chosen `rpc`."""
    import shared.runtime  # noqa: F401  (first: eventlet patch, as in every service)

    if flavour == "stock":
        from nameko.rpc import rpc
    else:
        from shared.rpc import rpc
    from nameko.runners import ServiceRunner

    class Bench:
        name = "bench"

        @rpc
        def empty(self) -> None:
            return None

    runner = ServiceRunner({"AMQP_URI": amqp_uri, "max_workers": 10})
    runner.add_service(Bench)
    runner.start()
    print("ready", flush=True)
    runner.wait()


@contextmanager
def running_service(flavour: str, amqp_uri: str) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.rpc_roundtrip", "--serve", flavour, amqp_uri],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {flavour} service did not start")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def raw_amqp_caller(amqp_uri: str) -> Iterator[Callable[[], object]]:
    """The floor: one thread, one py-amqp connection, publish then block for the reply."""
    import amqp

    broker = urlsplit(amqp_uri)
    connection = amqp.Connection(
        f"{broker.hostname}:{broker.port or 5672}", virtual_host=broker.path[1:]
    )
    connection.connect()
    channel = connection.channel()
    reply_to = str(uuid.uuid4())
    queue = f"rpc.reply-floor-{reply_to}"
    channel.queue_declare(queue, exclusive=True, auto_delete=True)
    channel.queue_bind(queue, "nameko-rpc", routing_key=reply_to)
    replies: list[object] = []
    channel.basic_consume(queue, no_ack=True, callback=replies.append)

    def call() -> object:
        request = amqp.Message(
            b'{"args": [], "kwargs": {}}', content_type="application/json",
            content_encoding="utf-8", reply_to=reply_to, correlation_id=str(uuid.uuid4()),
            delivery_mode=1,
        )
        channel.basic_publish(request, exchange="nameko-rpc", routing_key="bench.empty")
        while not replies:
            connection.drain_events(timeout=10)
        return replies.pop()

    try:
        yield call
    finally:
        connection.close()


def sequential_ms(call: Callable[[], object], calls: int) -> list[float]:
    for _ in range(WARM_UP):
        call()
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def throughput(call: Callable[[], object], calls: int, threads: int = THREADS) -> float:
    """Calls/s with `threads` callers, each keeping one call in flight."""
    for _ in range(WARM_UP):
        call()
    remaining = iter(range(calls))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            call()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return calls / (time.perf_counter() - started)


def percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * q))]


def row(name: str, timings: list[float]) -> str:
    p50, p90, p99 = (percentile(timings, q) for q in (0.5, 0.9, 0.99))
    return f"  {name:<38} {p50:7.2f} {p90:7.2f} {p99:7.2f}   (mean {statistics.fmean(timings):.2f})"


def measure(calls: int) -> None:
    from gateway.rpc_client import RpcClient

    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    from shared.rabbit_vhosts import temporary_vhost

    with temporary_vhost("bureau_bench_rpc") as amqp_uri:
        with running_service("fast", amqp_uri), RpcClient(amqp_uri) as client:
            from nameko.standalone.rpc import ClusterRpcProxy

            ours = sequential_ms(lambda: client.call("bench", "empty"), calls)
            with raw_amqp_caller(amqp_uri) as raw_call:
                floor = sequential_ms(raw_call, calls)
            with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as proxy:
                theirs = sequential_ms(proxy.bench.empty, calls)
            fast_rate = throughput(lambda: client.call("bench", "empty"), calls * 2)
        with running_service("stock", amqp_uri), RpcClient(amqp_uri) as client:
            stock_seq = sequential_ms(lambda: client.call("bench", "empty"), calls)
            stock_rate = throughput(lambda: client.call("bench", "empty"), calls * 2)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nLoad average before/after: {load_before} / {load} (2 cores: >1 is contention)")
    print(f"\nSequential empty call, N={calls} after {WARM_UP} warm-up calls (ms)")
    print(f"  {'client -> service responder':<38} {'p50':>7} {'p90':>7} {'p99':>7}")
    print(row("RpcClient -> shared.rpc", ours))
    print(row("ClusterRpcProxy -> shared.rpc", theirs))
    print(row("RpcClient -> nameko stock rpc", stock_seq))
    print(row("floor: raw py-amqp loop -> shared.rpc", floor))
    ratio = percentile(theirs, 0.5) / percentile(ours, 0.5)
    print(f"  p50 ratio ClusterRpcProxy / RpcClient: {ratio:.1f}x")
    print(f"\nThroughput, RpcClient from {THREADS} threads, one service process (calls/s)")
    print(f"  shared.rpc responder (no confirms, one encode) {fast_rate:8.0f}")
    print(f"  nameko stock responder                         {stock_rate:8.0f}")
    print(f"  gain: {fast_rate / stock_rate:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--serve", nargs=2, metavar=("FLAVOUR", "AMQP_URI"))
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
    else:
        measure(args.calls)


if __name__ == "__main__":
    main()
