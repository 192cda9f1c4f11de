"""Runs nameko service classes as one process: `python -m shared.runner module:Class [...]`.

Replaces `nameko run` (which imports pkg_resources and waits for workers without a limit):
on SIGTERM or SIGINT it stops gracefully (entrypoints stop consuming, in-flight workers
finish) within `BUREAU_SHUTDOWN_TIMEOUT` seconds, then kills what is left and exits non-zero.
"""

from __future__ import annotations

# isort: off
import shared.runtime  # noqa: F401  (must come first: eventlet monkey patch, psycopg wait)

# isort: on

import argparse
import importlib
import logging
import os
import signal
import sys
import time
from typing import Any

import eventlet
from eventlet.queue import Empty, LightQueue
from nameko.containers import get_service_name
from nameko.runners import ServiceRunner

from shared.config import HTTP_PORTS, settings
from shared.logging_setup import configure_logging

EXIT_OK = 0
EXIT_CRASHED = 1
"""A container died on its own (an extension or a managed thread failed)."""
EXIT_KILLED = 3
"""In-flight work did not finish within the shutdown bound (or a second signal came)."""

KILL_TIMEOUT = 5.0
"""Seconds kill() may take before the process leaves anyway."""

log = logging.getLogger("shared.runner")


def build_config(service_cls: type) -> dict[str, Any]:
    """The nameko container config of one service class, from `shared.config.settings()`."""
    conf = settings()
    name = get_service_name(service_cls)
    return {
        "AMQP_URI": conf.amqp_uri,
        "WEB_SERVER_ADDRESS": f"0.0.0.0:{http_port(name)}",
        "max_workers": conf.max_workers,
        "serializer": "json",
        "SERVICE_NAME": name,
    }


def load_service_class(path: str) -> type:
    """`package.module:Class` -> the class; `package.module:` -> its one service class."""
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    if attr:
        service_cls = getattr(module, attr)
        if not isinstance(service_cls, type):
            raise TypeError(f"{path} is not a class")
        return service_cls
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and obj.__module__ == module_name and hasattr(obj, "name")
    ]
    if len(found) != 1:
        raise LookupError(f"{module_name} defines {len(found)} service classes; name one")
    return found[0]


def http_port(service_name: str) -> int:
    """The service's port from HTTP_PORTS, or BUREAU_HTTP_PORT for one that has none there."""
    if service_name in HTTP_PORTS:
        return settings().http_port(service_name)
    if "BUREAU_HTTP_PORT" not in os.environ:
        raise LookupError(f"no HTTP port for {service_name!r}: set BUREAU_HTTP_PORT")
    return int(os.environ["BUREAU_HTTP_PORT"])


class ConfiguredRunner(ServiceRunner):
    """nameko's runner, with each container configured for its own service (HTTP port)."""

    def add_service(self, cls: type) -> None:
        self.service_map[get_service_name(cls)] = self.container_cls(cls, build_config(cls))


def run(service_classes: list[type]) -> int:
    """Start the services, wait for a signal or a crash, shut down within the bound."""
    shutdown_timeout = settings().shutdown_timeout
    runner = ConfiguredRunner({})
    for service_cls in service_classes:
        runner.add_service(service_cls)

    happenings: LightQueue = LightQueue()

    def on_signal(signum: int, frame: Any) -> None:
        eventlet.spawn_n(happenings.put, ("signal", signal.Signals(signum).name))

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    runner.start()
    log.info("services started", extra={"services": sorted(runner.service_names)})
    eventlet.spawn(_report_exit, runner.wait, "exited", happenings)

    kind, detail = happenings.get()
    if kind == "exited":
        log.error("a container stopped by itself: %s", detail)
        runner.kill()
        return EXIT_CRASHED if detail else EXIT_OK

    log.info("received %s: stopping gracefully within %gs", detail, shutdown_timeout)
    deadline = time.monotonic() + shutdown_timeout
    eventlet.spawn(_report_exit, runner.stop, "stopped", happenings)
    while True:
        try:
            kind, detail = happenings.get(timeout=max(0.0, deadline - time.monotonic()))
        except Empty:
            log.error(
                "the %gs shutdown bound passed with %d worker(s) in flight: killing",
                shutdown_timeout,
                _workers_in_flight(runner),
            )
            break
        if kind in ("stopped", "exited"):
            if detail:
                log.error("stopping failed: %s", detail)
                return EXIT_CRASHED
            log.info("stopped gracefully")
            return EXIT_OK
        if kind == "signal":
            log.error("received %s again while stopping: killing", detail)
            break
    with eventlet.Timeout(KILL_TIMEOUT, False):
        runner.kill()
        log.info("killed")
        return EXIT_KILLED
    log.error("kill did not finish within %gs: leaving anyway", KILL_TIMEOUT)
    return EXIT_KILLED


def _workers_in_flight(runner: ServiceRunner) -> int:
    return sum(len(container._worker_threads) for container in runner.containers)


def _report_exit(wait: Any, kind: str, happenings: LightQueue) -> None:
    try:
        wait()
    except Exception as exc:
        happenings.put((kind, f"{type(exc).__name__}: {exc}"))
    else:
        happenings.put((kind, None))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.runner", description=__doc__)
    parser.add_argument("services", nargs="+", metavar="module:Class")
    args = parser.parse_args(argv)
    service_classes = [load_service_class(path) for path in args.services]
    process_name = "+".join(get_service_name(cls) for cls in service_classes)
    configure_logging(process_name, settings().log_level)
    return run(service_classes)


if __name__ == "__main__":
    sys.exit(main())
