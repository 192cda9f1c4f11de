"""A small process supervisor: start processes, wait for their /health/ready, stop them.

Generic (knows nothing of Bureau's services): scripts/suite.py builds the suite with it for
`make up`, tests/suite.py for the e2e tests. It imports neither eventlet nor nameko.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

REPO = Path(__file__).resolve().parent.parent
"""Where processes start (their working directory)."""
NOT_INHERITED = frozenset(
    {
        "BUREAU_DATABASE_URL",  # one service's database: wrong for every other process
        "BUREAU_MIGRATION_DATABASE_URL",
        "BUREAU_HTTP_PORT",  # set per process
        "PROMETHEUS_MULTIPROC_DIR",  # per gunicorn master: its conf empties the directory
        "PSYCOPG_WAIT_FUNC",  # shared.runtime sets it in each service process
    }
)
"""Variables of the supervisor's own environment that its children must not inherit."""
LOG_TAIL_LINES = 40
POLL_INTERVAL = 0.2
"""Seconds between two looks at a condition we wait for (readiness, an exit)."""


@dataclass(frozen=True)
class ProcessSpec:
    """One supervised process: how to start it and the port its /health/* answer on."""

    name: str
    argv: tuple[str, ...]
    port: int
    env: Mapping[str, str] = field(default_factory=dict)


class SuiteError(RuntimeError):
    """The suite could not start (or a process misbehaved); the message quotes its log."""


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the supervisor dies, so no process outlives it (Linux)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Suite:
    """Starts, watches and stops a set of processes; each logs to `<log_dir>/<name>.log`."""

    def __init__(
        self,
        specs: Iterable[ProcessSpec],
        env: Mapping[str, str],
        log_dir: Path,
        migrations: Iterable[tuple[str, tuple[str, ...]]] = (),
        ready_timeout: float = 60.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.env = dict(env)
        self.log_dir = Path(log_dir)
        self.migrations = list(migrations)
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, IO[bytes]] = {}
        self._terminated: set[int] = set()

    # --- what the suite is made of -------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self.specs)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.specs[name].port}"

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        env.update(self.env)
        return env

    def _env_for(self, spec: ProcessSpec) -> dict[str, str]:
        env = self._base_env()
        env.update(spec.env)
        env["BUREAU_HTTP_PORT"] = str(spec.port)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    # --- migrations ----------------------------------------------------------------------

    def migrate(self) -> None:
        """Run every migration command in order; the first failure raises with its output."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name, argv in self.migrations:
            path = self.log_path(name)
            with path.open("wb") as log:
                done = subprocess.run(  # noqa: S603 (our own commands)
                    argv,
                    cwd=REPO,
                    env=self._base_env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            if done.returncode != 0:
                raise SuiteError(
                    f"{name} failed (exit {done.returncode}); last lines of {path}:\n"
                    f"{log_tail(path)}"
                )

    # --- starting ------------------------------------------------------------------------

    def start_all(self) -> None:
        """Start every process (in parallel), then wait until every one is ready."""
        for name in self.names:
            self._spawn(name)
        self.wait_ready(self.names)

    def start(self, name: str) -> None:
        """(Re)start one process and wait until it is ready."""
        if self.is_running(name):
            raise SuiteError(f"{name} is already running")
        self._spawn(name)
        self.wait_ready([name])

    def _spawn(self, name: str) -> None:
        spec = self.specs[name]
        if _port_answers(spec.port):
            raise SuiteError(f"port {spec.port} for {name} is already in use by another process")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # A fresh log per suite run; a restart within the run appends to it.
        log = self.log_path(name).open("ab" if name in self._procs else "wb")
        self._logs[name] = log
        self._procs[name] = subprocess.Popen(  # noqa: S603 (our own commands)
            spec.argv,
            cwd=REPO,
            env=self._env_for(spec),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def wait_ready(self, names: Iterable[str]) -> None:
        """Poll each process's /health/ready until 200; raise with its log if it dies or the
        deadline passes."""
        pending = list(names)
        deadline = time.monotonic() + self.ready_timeout
        while pending:
            for name in list(pending):
                code = self._procs[name].poll()
                if code is not None:
                    raise SuiteError(self._failure(name, f"exited with {code} before ready"))
                if _http_status(f"{self.url(name)}/health/ready") == 200:
                    pending.remove(name)
            if pending and time.monotonic() > deadline:
                raise SuiteError(
                    "\n\n".join(
                        self._failure(n, f"not ready after {self.ready_timeout:g}s")
                        for n in pending
                    )
                )
            if pending:
                time.sleep(POLL_INTERVAL)

    def _failure(self, name: str, what: str) -> str:
        path = self.log_path(name)
        return f"{name} {what}; last lines of {path}:\n{log_tail(path)}"

    # --- watching ------------------------------------------------------------------------

    def is_running(self, name: str) -> bool:
        proc = self._procs.get(name)
        return proc is not None and proc.poll() is None

    def pid(self, name: str) -> int:
        return self._procs[name].pid

    def exited(self) -> dict[str, int]:
        """Processes that were started and have ended, with their exit codes."""
        return {
            name: code for name, proc in self._procs.items() if (code := proc.poll()) is not None
        }

    # --- stopping ------------------------------------------------------------------------

    def stop(self, name: str, timeout: float | None = None) -> int:
        """SIGTERM, wait up to `timeout` (default stop_timeout), then SIGKILL its process group.
        Returns the exit code (negative: the signal that ended it)."""
        proc = self._procs[name]
        if proc.poll() is None:
            self._terminate(name)
            try:
                proc.wait(timeout=self.stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
        _kill_group(proc)  # leftovers of its group (e.g. gunicorn workers) never outlive it
        log = self._logs.pop(name, None)
        if log is not None:
            log.close()
        return proc.returncode

    def stop_all(self) -> dict[str, int]:
        """Stop every process, the gateway first (it stops taking requests), all in parallel."""
        running = [n for n in reversed(self.names) if self.is_running(n)]
        for name in running:
            self._terminate(name)
        return {name: self.stop(name) for name in list(self._procs)}

    def _terminate(self, name: str) -> None:
        """SIGTERM once: a second one means "kill now" to our runner, and would cut work short."""
        proc = self._procs[name]
        if proc.pid not in self._terminated:
            self._terminated.add(proc.pid)
            proc.send_signal(signal.SIGTERM)

    def __enter__(self) -> Suite:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http only)
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)
    except (OSError, ValueError):
        return None


def _port_answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
