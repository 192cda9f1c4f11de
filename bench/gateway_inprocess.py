"""The gateway's own work per request, in-process: no gunicorn, no broker, no identity.

The app is built as in production but with identity's answers served from memory (a
50-row users page as identity writes it), and WSGI calls are made directly. That leaves
what the gateway itself does for a request: Flask, the hooks, the token check, the rate
limit, the query's validation and the response. Prints CPU microseconds per request
(median of rounds) and, with `--instructions`, callgrind's count per request: the
difference between two runs of different lengths, so start-up is left out. Needs Redis
(the rate limiter's, db 14 as in the gateway tests). Under gunicorn the same page costs
more (its own per-request work, and the RPC client): compare with `bench.instructions`.
Usage: `python -m bench.gateway_inprocess [--path /health/live] [--instructions]`.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USERS = "/api/v1/identity/users?limit=50"


def build_app() -> tuple[Any, str]:
    """The gateway with identity's answers from memory; the app and a token it accepts."""
    import orjson

    os.environ.setdefault("BUREAU_RATE_LIMIT_USER", "100000000")
    from gateway.app import create_app
    from gateway.tests.conftest import ISSUER, REDIS_URL, IdentityStandIn, SigningKey

    key = SigningKey("bench-key")
    stamp = "2026-12-01T10:00:00.123456Z"
    rows = [{"id": str(uuid.uuid4()), "email": f"m{i}@bench.example", "name": f"Member {i}",
             "role": "member", "joined_at": stamp, "created_at": stamp, "updated_at": stamp,
             "version": 1} for i in range(50)]
    page = orjson.dumps({"data": rows, "page": {"limit": 50, "has_more": True,
                                                "next_cursor": "eyJjIjoiaWRlbnRpdHkudXNlcnMifQ"}})

    class FromMemory(IdentityStandIn):
        def call_json(self, service: str, method: str, kwargs: dict | None = None,
                      **options: Any) -> bytes:
            return page

    app = create_app({"redis_url": REDIS_URL, "jwt_issuer": ISSUER}, rpc=FromMemory(key))
    return app, key.token(exp=int(time.time()) + 3600)


def caller(app: Any, token: str, target: str) -> Callable[[], None]:
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:8080", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}", "wsgi.errors": sys.stderr,
    }

    def call() -> None:
        status: list[str] = []
        body = b"".join(app(dict(environ, **{"wsgi.input": io.BytesIO(b"")}),
                            lambda s, headers, exc=None: status.append(s)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{target} answered {status[0]}: {body[:200]!r}")

    return call


def run_only(count: int, target: str) -> None:
    """What callgrind runs: `count` requests after the app is built and warm."""
    app, token = build_app()
    call = caller(app, token, target)
    for _ in range(200 + count):
        call()


def instructions_per_request(target: str) -> float:
    if not shutil.which("valgrind"):
        sys.exit("valgrind is needed: apt-get install valgrind")

    def total(count: int) -> int:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
             "-m", "bench.gateway_inprocess", "--run-only", str(count), "--path", target],
            cwd=REPO, capture_output=True, text=True, check=True).stderr
        found = re.search(r"Collected : (\d+)", out)
        if not found:
            raise RuntimeError(f"no count from callgrind:\n{out[-2000:]}")
        return int(found.group(1))

    return (total(600) - total(200)) / 400


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", default=USERS)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--run-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, REPO)
    if args.run_only:
        run_only(args.run_only, args.path)
        return 0
    app, token = build_app()
    call = caller(app, token, args.path)
    for _ in range(300):
        call()
    rounds = []
    for _ in range(args.rounds):
        started = time.process_time()
        for _ in range(args.requests):
            call()
        rounds.append((time.process_time() - started) * 1e6 / args.requests)
    print(f"{args.path}: {statistics.median(rounds):.1f} us of CPU per request "
          f"(median of {args.rounds} x {args.requests}, load {os.getloadavg()[0]:.1f})")
    if args.instructions:
        print(f"{args.path}: {instructions_per_request(args.path) / 1e6:.3f} M instructions "
              "per request (callgrind)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
