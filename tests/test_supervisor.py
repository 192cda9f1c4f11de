"""The supervisor behind `make up` and the e2e harness, proven with small stand-in processes.

A stand-in answers /health/ready on BUREAU_HTTP_PORT like a service; STANDIN_MODE makes it
misbehave (crash, never ready, ignore SIGTERM), so each failure path is exercised for real.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from scripts.suite import (
    bureau_specs,
    migration_commands,
    replica_counts,
    running_supervisor,
    service_target,
)
from scripts.supervisor import REPO, ProcessSpec, Suite, SuiteError
from shared.testing import wait_until
from tests.suite import PrefixLock, free_port

STANDIN = r"""
import http.server, os, signal, sys
mode = os.environ.get("STANDIN_MODE", "ok")
print("stand-in starting in mode", mode, "prefix", os.environ.get("BUREAU_DB_PREFIX"),
      "database url", os.environ.get("BUREAU_DATABASE_URL"), flush=True)
if mode == "crash":
    print("boom: cannot connect", flush=True)
    sys.exit(3)
if mode == "crash-later":
    import threading, time
    threading.Thread(target=lambda: (time.sleep(1.5), os._exit(4)), daemon=True).start()
if mode == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ready = mode != "never-ready"
        self.send_response(200 if ready or self.path != "/health/ready" else 503)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["BUREAU_HTTP_PORT"])), Health).serve_forever()
"""


def standin(name: str, mode: str = "ok") -> ProcessSpec:
    return ProcessSpec(name, (sys.executable, "-c", STANDIN), free_port(), {"STANDIN_MODE": mode})


def make_suite(tmp_path: Path, *specs: ProcessSpec, **kwargs: object) -> Suite:
    kwargs.setdefault("ready_timeout", 20.0)
    kwargs.setdefault("stop_timeout", 10.0)
    return Suite(specs, {"BUREAU_DB_PREFIX": "bureau_h3"}, tmp_path / "logs", **kwargs)  # type: ignore[arg-type]


def test_start_all_returns_once_every_process_answers_ready(tmp_path):
    with make_suite(tmp_path, standin("alpha"), standin("beta")) as suite:
        suite.start_all()
        for name in ("alpha", "beta"):
            assert requests.get(f"{suite.url(name)}/health/ready", timeout=5).status_code == 200


def test_each_process_gets_its_port_and_the_suite_env_and_logs_to_its_own_file(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("BUREAU_DATABASE_URL", "postgresql://someone/else")
    with make_suite(tmp_path, standin("alpha")) as suite:
        suite.start_all()
        log = suite.log_path("alpha")
        assert log == tmp_path / "logs" / "alpha.log"
        assert wait_until(lambda: "prefix bureau_h3 database url None" in log.read_text())


def test_a_process_that_dies_while_starting_fails_the_start_with_its_log_tail(tmp_path):
    with make_suite(tmp_path, standin("alpha"), standin("broken", "crash")) as suite:
        with pytest.raises(SuiteError) as failure:
            suite.start_all()
    assert "broken exited with 3 before ready" in str(failure.value)
    assert "boom: cannot connect" in str(failure.value)


def test_a_process_never_ready_fails_the_start_after_the_deadline(tmp_path):
    suite = make_suite(tmp_path, standin("stuck", "never-ready"), ready_timeout=1.5)
    with suite, pytest.raises(SuiteError, match=r"stuck not ready after 1.5s"):
        suite.start_all()


def test_stop_sends_sigterm_and_returns_the_clean_exit_code(tmp_path):
    with make_suite(tmp_path, standin("alpha")) as suite:
        suite.start_all()
        assert suite.stop("alpha") == 0
        assert not suite.is_running("alpha")


def test_a_process_ignoring_sigterm_is_killed_after_the_stop_deadline(tmp_path):
    with make_suite(tmp_path, standin("stubborn", "ignore-term"), stop_timeout=1.0) as suite:
        suite.start_all()
        started = time.monotonic()
        assert suite.stop("stubborn") == -9
        assert time.monotonic() - started < 5.0


def test_start_brings_a_stopped_process_back_to_ready(tmp_path):
    with make_suite(tmp_path, standin("alpha")) as suite:
        suite.start_all()
        suite.stop("alpha")
        suite.start("alpha")
        assert requests.get(f"{suite.url('alpha')}/health/ready", timeout=5).status_code == 200
        assert suite.log_path("alpha").read_text().count("stand-in starting") == 2


def test_a_new_suite_run_starts_fresh_logs(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "alpha.log").write_text("yesterday's run\n")
    with make_suite(tmp_path, standin("alpha")) as suite:
        suite.start_all()
        assert "yesterday" not in suite.log_path("alpha").read_text()


def test_leaving_the_suite_stops_every_process(tmp_path):
    with make_suite(tmp_path, standin("alpha"), standin("beta")) as suite:
        suite.start_all()
        pids = [suite.pid("alpha"), suite.pid("beta")]
    assert suite.exited() == {"alpha": 0, "beta": 0}
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


def test_a_port_already_taken_is_refused_before_starting(tmp_path):
    with make_suite(tmp_path, standin("alpha")) as first:
        first.start_all()
        taken = ProcessSpec("beta", (sys.executable, "-c", STANDIN), first.specs["alpha"].port)
        with make_suite(tmp_path, taken) as second, pytest.raises(SuiteError, match="in use"):
            second.start_all()


def test_a_failing_migration_stops_the_start_and_shows_its_output(tmp_path):
    bad = ("migrate-alpha", (sys.executable, "-c", "print('no such role'); raise SystemExit(2)"))
    suite = make_suite(tmp_path, standin("alpha"), migrations=[bad])
    with pytest.raises(SuiteError, match=r"(?s)migrate-alpha failed \(exit 2\).*no such role"):
        suite.migrate()
    assert not suite.is_running("alpha")


def test_the_bureau_suite_runs_every_service_with_the_runner_and_the_gateway_last():
    specs = bureau_specs({"identity": 9101, "gateway": 9000})
    assert specs[0].argv[1:] == ("-m", "shared.runner", "services.identity.service:IdentityService")
    assert specs[0].port == 9101
    assert specs[-1].name == "gateway" and specs[-1].port == 9000
    assert "gateway.wsgi:app" in specs[-1].argv
    assert service_target("crm") == "services.crm.service:CrmService"
    assert migration_commands(["identity"], "py", drop=True) == [
        ("migrate-identity", ("py", "-m", "shared.migrate", "identity", "--drop"))
    ]


def test_up_while_a_suite_runs_says_so_and_exits_zero(tmp_path):
    # A live process whose command line names scripts.suite stands for a running supervisor.
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "scripts.suite"])
    try:
        (tmp_path / "suite.pid").write_text(f"{fake.pid}\n")
        # (the child's command line is the exec'd one only once exec has happened)
        assert wait_until(lambda: running_supervisor(tmp_path / "suite.pid") == fake.pid)
        done = subprocess.run(
            [sys.executable, "-m", "scripts.suite", "up", "--run-dir", str(tmp_path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
            env={k: v for k, v in os.environ.items() if k != "PSYCOPG_WAIT_FUNC"},
        )
    finally:
        fake.kill()
        fake.wait()
    assert done.returncode == 0
    assert f"already running (supervisor pid {fake.pid})" in done.stdout


def test_down_without_a_running_suite_says_so_and_exits_zero(tmp_path):
    (tmp_path / "suite.pid").write_text("999999999\n")
    done = subprocess.run(
        [sys.executable, "-m", "scripts.suite", "down", "--run-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert "not running" in done.stdout
    assert not (tmp_path / "suite.pid").exists()


def test_a_second_e2e_session_with_the_same_prefix_waits_then_names_the_way_out(monkeypatch):
    monkeypatch.setenv("BUREAU_E2E_LOCK_TIMEOUT", "0.5")
    first, second = PrefixLock("bureau_h3"), PrefixLock("bureau_h3")
    first.acquire()
    try:
        with pytest.raises(TimeoutError, match="BUREAU_E2E_PREFIX"):
            second.acquire()
        assert not second.held
    finally:
        first.release()
    second.acquire()
    assert second.held
    second.release()


UP_WITH_STANDIN = """
import sys
from pathlib import Path
from scripts.suite import up
from scripts.supervisor import ProcessSpec, Suite
run_dir, port, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
spec = ProcessSpec("alpha", (sys.executable, "-c", sys.argv[4]), port, {"STANDIN_MODE": mode})
sys.exit(up(run_dir, Suite([spec], {}, run_dir / "logs", stop_timeout=10.0)))
"""


def start_up(tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", UP_WITH_STANDIN, str(tmp_path), str(free_port()), mode, STANDIN]
    return subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_up_stops_everything_on_sigterm_and_exits_zero(tmp_path):
    supervisor = start_up(tmp_path, "ok")
    assert "Bureau is up" in "".join(_lines_until(supervisor, "Bureau is up"))
    assert (tmp_path / "suite.pid").read_text().strip() == str(supervisor.pid)
    supervisor.terminate()
    output = supervisor.communicate(timeout=30)[0]
    assert supervisor.returncode == 0
    assert "stopped." in output
    assert not (tmp_path / "suite.pid").exists()


def test_up_exits_one_with_the_log_tail_when_a_process_dies_by_itself(tmp_path):
    supervisor = start_up(tmp_path, "crash-later")
    output = supervisor.communicate(timeout=60)[0]
    assert supervisor.returncode == 1
    assert "alpha exited by itself with 4" in output
    assert "stand-in starting in mode crash-later" in output


def _lines_until(proc: subprocess.Popen[str], marker: str) -> list[str]:
    """Read the process's output up to the line holding `marker` (or its end)."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if marker in line:
            break
    return lines


def test_replicas_are_extra_processes_of_the_same_service_on_their_own_ports():
    specs = bureau_specs({"identity": 9101, "crm": 9102, "gateway": 9000},
                         replicas={"identity": 3})
    assert [s.name for s in specs] == ["identity", "identity-2", "identity-3", "crm", "gateway"]
    assert [s.port for s in specs] == [9101, 10101, 11101, 9102, 9000]
    assert specs[1].argv == specs[0].argv
    assert replica_counts("identity=2") == {"identity": 2}
    for bad in ("identity=0", "nosuch=2", "identity=x"):
        with pytest.raises(SystemExit):
            replica_counts(bad)
