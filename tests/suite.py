"""Harness of the end-to-end tests: the whole suite on free ports, in its own world.

Its own databases (`<prefix>_<service>`, dropped and migrated afresh), its own RabbitMQ
vhost, Redis db 15 flushed: an e2e run never sees `make up`'s data, nor leaves anything in it.
Drives scripts.supervisor.Suite (the supervisor `make up` uses); imports no eventlet.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

import redis

from scripts.suite import GATEWAY, bureau_specs, migration_commands, process_names
from scripts.supervisor import REPO, Suite
from shared.config import settings
from shared.rabbit_vhosts import RabbitVhost

E2E_PREFIX = os.environ.get("BUREAU_E2E_PREFIX", "bureau_e2e")
"""Database prefix and vhost name of the e2e suite; change it to run two sessions at once."""
E2E_RUN_DIR = REPO / ".run" / E2E_PREFIX
E2E_REDIS_URL = os.environ.get("BUREAU_E2E_REDIS_URL", "redis://127.0.0.1:6379/15")
"""Flushed at the start of a session: give a second concurrent session its own db."""
E2E_SHUTDOWN_TIMEOUT = 10.0
"""BUREAU_SHUTDOWN_TIMEOUT given to the e2e processes: short, so a stop test stays quick."""
AMQP_HOST = "127.0.0.1:5672"
MANAGEMENT_URI = os.environ.get("BUREAU_AMQP_MANAGEMENT_URI", "http://guest:guest@127.0.0.1:15672")


class PrefixLock:
    """One e2e session per prefix on this machine: its databases, vhost and Redis db are
    dropped at start, so a second session would pull them from under the first. The second
    waits (up to BUREAU_E2E_LOCK_TIMEOUT seconds) or fails, naming the way out."""

    def __init__(self, prefix: str) -> None:
        self.path = Path(tempfile.gettempdir()) / f"bureau-e2e-{prefix}.lock"
        self.timeout = float(os.environ.get("BUREAU_E2E_LOCK_TIMEOUT", "900"))
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        handle = self.path.open("a+")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise TimeoutError(
                        f"another e2e session holds {self.path} since {self.timeout:g}s; "
                        "give this one its own BUREAU_E2E_PREFIX"
                    ) from None
                time.sleep(0.5)
            else:
                self._file = handle
                return

    @property
    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def ensure_infrastructure() -> None:
    """Start PostgreSQL, RabbitMQ (management) and Redis if they are down, as `make test` does,
    so `pytest tests/e2e` on its own never fails for want of them."""
    done = subprocess.run(  # noqa: S603 (our own script)
        [str(REPO / "scripts" / "ensure_infra.sh")], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/ensure_infra.sh failed:\n{done.stderr}")


def free_port() -> int:
    """A port nobody listens on now (the kernel's choice), for one process of the suite."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningSuite:
    """What an e2e test sees of the running suite (the `suite` fixture)."""

    def __init__(self, prefix: str = E2E_PREFIX, run_dir: Path = E2E_RUN_DIR) -> None:
        self.prefix = prefix
        self.vhost = prefix
        self.amqp_uri = f"amqp://guest:guest@{AMQP_HOST}/{quote(self.vhost, safe='')}"
        self.management_uri = MANAGEMENT_URI
        self.redis_url = E2E_REDIS_URL
        self.shutdown_timeout = E2E_SHUTDOWN_TIMEOUT
        self._rabbit = RabbitVhost(self.vhost, self.management_uri)
        self._lock = PrefixLock(prefix)
        ports = {name: free_port() for name in process_names()}
        env = {
            "BUREAU_DB_PREFIX": prefix,
            "BUREAU_AMQP_URI": self.amqp_uri,
            "BUREAU_AMQP_MANAGEMENT_URI": self.management_uri,
            "BUREAU_REDIS_URL": self.redis_url,
            "BUREAU_SHUTDOWN_TIMEOUT": str(self.shutdown_timeout),
        }
        self._suite = Suite(
            bureau_specs(ports),
            env,
            run_dir / "logs",
            migrations=migration_commands(drop=True),
            ready_timeout=90.0,
            stop_timeout=self.shutdown_timeout + 10.0,
        )
        self.url = self._suite.url(GATEWAY)
        """Base URL of the gateway, e.g. http://127.0.0.1:41234 (no trailing slash)."""

    @property
    def names(self) -> list[str]:
        """Every process of the suite: the services, then "gateway"."""
        return self._suite.names

    def open(self) -> None:
        """Clean state (vhost, Redis db, databases), then start everything and wait until ready."""
        ensure_infrastructure()
        self._lock.acquire()
        self._rabbit.recreate()
        redis.Redis.from_url(self.redis_url).flushdb()
        self._suite.migrate()
        self._suite.start_all()

    def close(self) -> None:
        """Stop every process, then delete the vhost (the databases stay, for a post-mortem)."""
        if not self._lock.held:
            return  # never started: the vhost and databases may be another session's
        try:
            self._suite.stop_all()
            self._rabbit.delete()
        finally:
            self._lock.release()

    def service_url(self, name: str) -> str:
        """HTTP base (health, metrics) of one process: a service name or "gateway"."""
        return self._suite.url(name)

    def db_url(self, service: str) -> str:
        """postgresql+psycopg URL of the service's app role (RLS applies) in the e2e database."""
        return dataclasses.replace(settings(), db_prefix=self.prefix).database_url(service)

    def owner_db_url(self, service: str) -> str:
        """URL of the role that owns the service's e2e database (migrations, ANALYZE)."""
        return dataclasses.replace(settings(), db_prefix=self.prefix).migration_database_url(
            service)

    def stop(self, name: str) -> int:
        """SIGTERM one process and wait for it; its exit code (negative: killed by a signal)."""
        return self._suite.stop(name)

    def start(self, name: str) -> None:
        """Start a stopped process again and wait until it is ready."""
        self._suite.start(name)

    def is_running(self, name: str) -> bool:
        return self._suite.is_running(name)

    def pid(self, name: str) -> int:
        """The process id of one process of the suite (benchmarks read its CPU time)."""
        return self._suite.pid(name)

    def log_path(self, name: str) -> Path:
        return self._suite.log_path(name)

    def log_paths(self) -> list[Path]:
        return sorted(self._suite.log_dir.glob("*.log"))
