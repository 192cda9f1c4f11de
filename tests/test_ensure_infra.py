"""`scripts/ensure_infra.sh`, the first step of both commands, run for real on this machine.

The services it checks run here, so the script must pass quietly; a PostgreSQL that
refuses the admin URL must stop it with the exact fixes, and never echo a password.
"""

from __future__ import annotations

import os
import subprocess

from scripts.supervisor import REPO

SCRIPT = REPO / "scripts" / "ensure_infra.sh"


def run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT)], env={**os.environ, **env}, text=True,
                          capture_output=True, timeout=180, check=False)


def test_what_answers_is_left_alone_and_the_script_says_so() -> None:
    result = run()

    assert result.returncode == 0, result.stderr
    assert "PostgreSQL 5432, RabbitMQ 5672 (management 15672) and Redis 6379 answer" in (
        result.stderr)


def test_a_postgresql_that_refuses_the_admin_url_stops_it_with_the_fixes() -> None:
    result = run(BUREAU_PG_ADMIN_URL="postgresql://no_such_role:s3cret@127.0.0.1:5432/postgres")

    assert result.returncode == 1
    assert "refuses postgresql://no_such_role:***@127.0.0.1:5432/postgres" in result.stderr
    assert "s3cret" not in result.stderr
    assert "export BUREAU_PG_ADMIN_URL=" in result.stderr
    assert "host all all 127.0.0.1/32 trust" in result.stderr
