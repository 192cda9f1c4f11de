"""Pytest fixtures for service tests: a real, migrated database per service.

Each test session migrates `<prefix>_<service>` once (prefix: BUREAU_TEST_DB_PREFIX,
default `bureau_test`), connects as the service's app role (so RLS applies, as in
production) and empties the tables after each test that used them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings, settings

REPO = Path(__file__).resolve().parent.parent


def settings_for_tests() -> Settings:
    """Settings with the test database prefix, so tests never touch `make up`'s data."""
    os.environ.setdefault("BUREAU_TEST_DB_PREFIX", "bureau_test")
    os.environ["BUREAU_DB_PREFIX"] = os.environ["BUREAU_TEST_DB_PREFIX"]
    return settings()


@dataclass
class ServiceDatabase:
    service: str
    url: str  # app role
    owner_url: str
    engine: Engine
    sessions: sessionmaker[Session]

    def truncate(self) -> None:
        """Empty every table (as the owner: TRUNCATE is not subject to RLS)."""
        owner = create_engine(self.owner_url)
        with owner.begin() as conn:
            tables = conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalars().all()
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        owner.dispose()


def migrate_service_database(service: str) -> ServiceDatabase:
    from shared.migrate import upgrade

    conf = settings_for_tests()
    upgrade(service, drop=True)
    engine = create_engine(conf.database_url(service))
    return ServiceDatabase(
        service=service,
        url=conf.database_url(service),
        owner_url=conf.migration_database_url(service),
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
    )


_databases: dict[str, ServiceDatabase] = {}


@pytest.fixture
def service_database() -> Iterator[Callable[[str], ServiceDatabase]]:
    """`service_database("identity")`: migrated once per session, emptied after the test."""
    used: list[ServiceDatabase] = []

    def get(service: str) -> ServiceDatabase:
        if service not in _databases:
            _databases[service] = migrate_service_database(service)
        used.append(_databases[service])
        return _databases[service]

    yield get
    for db in used:
        db.truncate()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def service_config(rabbit_config: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """Container config on the test's own vhost, with a database URL and a free HTTP port."""

    def build(database: ServiceDatabase | None = None, **extra: Any) -> dict[str, Any]:
        config = dict(rabbit_config)
        config.update(
            {
                "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
                "max_workers": 10,
                "serializer": "json",
            }
        )
        if database is not None:
            config["DATABASE_URL"] = database.url
        config.update(extra)
        return config

    return build


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll `condition` until it returns something truthy; fail with a clear message."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {condition}")
        time.sleep(interval)


@contextlib.contextmanager
def statements_sent(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The (SQL, parameters) pairs `engine` sends while the block runs (a test that counts
    statements, or explains the one a use case sent)."""
    from sqlalchemy import event

    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


class TcpProxy:
    """A TCP forwarder that a test can cut and restore: a network outage on demand.

    Cutting closes the listener and every forwarded connection, so clients see refused
    connections until `restore()`, exactly as if the broker had gone away.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        import threading

        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        """Listen again (nothing to do if not cut)."""
        import threading

        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Shut every socket down; the thread blocked on each one closes it.

        Closing a socket under a thread still blocked on it would let the OS reuse its
        file descriptor while that thread waits on the number (eventlet refuses that).
        """
        with self._lock:
            doomed = self._sockets + ([self._listener] if self._listener else [])
            self._listener = None
            self._sockets = []
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        import threading

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                listener.close()
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    continue
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_RDWR)  # wake the opposite pump; it closes dst
            src.close()


@contextlib.contextmanager
def service_subprocess(source: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """Run `python -c source *args` from the repo root until it prints "ready"; stop it after.

    For services that must not share the test process (it may be eventlet-patched while the
    code under test needs real threads, or the reverse).
    """
    process = subprocess.Popen(  # noqa: S603 (our own test code, not outside input)
        [sys.executable, "-c", source, *args], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready", "the service did not start"
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
