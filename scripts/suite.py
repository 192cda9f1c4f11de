"""Bureau's suite: which processes make it, and the `make up` / `make down` command line.

`make up` runs `python -m scripts.suite up` in the foreground; the end-to-end tests drive the
same processes through tests/suite.py. The supervising itself is scripts/supervisor.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from scripts.supervisor import POLL_INTERVAL, REPO, ProcessSpec, Suite, SuiteError, log_tail
from shared.config import HTTP_PORTS, SERVICES

GATEWAY = "gateway"


def service_target(service: str) -> str:
    """The one place that maps a service name to its class: identity -> IdentityService."""
    return f"services.{service}.service:{service.capitalize()}Service"


REPLICA_PORT_STEP = 1000
"""Replica n of a service listens on its port + (n - 1) * this, unless given a port."""


def replica_counts(raw: str | None = None) -> dict[str, int]:
    """Processes per service from BUREAU_REPLICAS ("identity=2,crm=3"); 1 when unnamed.

    Replicas are competing consumers of the same queues: the design's way to scale.
    """
    raw = os.environ.get("BUREAU_REPLICAS", "") if raw is None else raw
    counts: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, count = item.partition("=")
        if name not in SERVICES or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"BUREAU_REPLICAS: {item!r} is not <service>=<count> of {SERVICES}")
        counts[name] = int(count)
    return counts


def process_names(replicas: Mapping[str, int] | None = None) -> list[str]:
    """Every process of the suite: identity, identity-2, ..., then the gateway."""
    replicas = replica_counts() if replicas is None else replicas
    names = [
        svc if n == 1 else f"{svc}-{n}"
        for svc in SERVICES
        for n in range(1, replicas.get(svc, 1) + 1)
    ]
    return [*names, GATEWAY]


def bureau_specs(
    ports: Mapping[str, int] | None = None,
    python: str = sys.executable,
    replicas: Mapping[str, int] | None = None,
) -> list[ProcessSpec]:
    """Each service of shared.config.SERVICES (with its replicas), then the gateway."""
    ports = {**HTTP_PORTS, **(ports or {})}
    specs = []
    for name in process_names(replicas)[:-1]:
        svc, _, n = name.partition("-")
        port = ports.get(name) or ports[svc] + (int(n or 1) - 1) * REPLICA_PORT_STEP
        specs.append(ProcessSpec(name, (python, "-m", "shared.runner", service_target(svc)), port))
    gunicorn = ("-m", "gunicorn", "--config", "gateway/gunicorn_conf.py", "gateway.wsgi:app")
    specs.append(ProcessSpec(GATEWAY, (python, *gunicorn), ports[GATEWAY]))
    return specs


def migration_commands(
    services: Iterable[str] = SERVICES, python: str = sys.executable, drop: bool = False
) -> list[tuple[str, tuple[str, ...]]]:
    """(name, argv) of `python -m shared.migrate <service> [--drop]` for each service."""
    extra = ("--drop",) if drop else ()
    return [(f"migrate-{svc}", (python, "-m", "shared.migrate", svc, *extra)) for svc in services]


# --- the `make up` / `make down` command line ----------------------------------------------


def running_supervisor(pid_file: Path) -> int | None:
    """The pid in `pid_file` if that process is alive and is a suite supervisor, else None."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid if b"scripts.suite" in cmdline else None


def local_suite(run_dir: Path, ready_timeout: float) -> Suite:
    """The suite `make up` runs: default ports, the environment's settings, normal databases."""
    stop_timeout = float(os.environ.get("BUREAU_SHUTDOWN_TIMEOUT", "20")) + 10.0
    return Suite(
        bureau_specs(),
        {},
        run_dir / "logs",
        migrations=migration_commands(),
        ready_timeout=ready_timeout,
        stop_timeout=stop_timeout,
    )


def up(run_dir: Path, suite: Suite) -> int:
    """Run `suite` in the foreground until a signal (exit 0) or a process dies (exit 1)."""
    pid_file = run_dir / "suite.pid"
    other = running_supervisor(pid_file)
    if other is not None:
        print(f"Bureau is already running (supervisor pid {other}): {gateway_banner()}")
        print("`make down` stops it.")
        return 0
    run_dir.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{os.getpid()}\n")

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    code = 0
    try:
        if suite.migrations:
            print(f"running {', '.join(name for name, _ in suite.migrations)} ...", flush=True)
        suite.migrate()
        print(f"starting {', '.join(suite.names)} (logs in {suite.log_dir}) ...", flush=True)
        suite.start_all()
        print(f"Bureau is up: {gateway_banner()}\nCtrl-C or `make down` stops it.", flush=True)
        while not (crashed := suite.exited()):
            time.sleep(1.0)
        for name, rc in crashed.items():
            print(f"\n{name} exited by itself with {rc}; last lines of {suite.log_path(name)}:")
            print(log_tail(suite.log_path(name)))
        code = 1
    except SuiteError as err:
        print(f"\nthe suite did not start: {err}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        suite.stop_all()
        pid_file.unlink(missing_ok=True)
    print("stopped.")
    return code


def gateway_banner() -> str:
    url = f"http://127.0.0.1:{HTTP_PORTS[GATEWAY]}"
    return f"gateway {url}  API docs {url}/api/docs"


def down(run_dir: Path, timeout: float) -> int:
    pid_file = run_dir / "suite.pid"
    pid = running_supervisor(pid_file)
    if pid is None:
        print("Bureau is not running.")
        pid_file.unlink(missing_ok=True)
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)
    if Path(f"/proc/{pid}").exists():
        print(f"the supervisor (pid {pid}) did not stop within {timeout:g}s: killing it")
        os.kill(pid, signal.SIGKILL)
        pid_file.unlink(missing_ok=True)
        return 1
    print("Bureau stopped.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.suite", description=__doc__)
    parser.add_argument("command", choices=("up", "down"), nargs="?", default="up")
    parser.add_argument("--run-dir", type=Path, default=REPO / ".run")
    parser.add_argument("--timeout", type=float, default=90.0, help="readiness/stop deadline")
    args = parser.parse_args(argv)
    if args.command == "down":
        return down(args.run_dir, args.timeout)
    return up(args.run_dir, local_suite(args.run_dir, args.timeout))


if __name__ == "__main__":
    sys.exit(main())
