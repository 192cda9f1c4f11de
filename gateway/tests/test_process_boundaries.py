"""The gateway runs in plain threads under gunicorn: it must not import eventlet (which would
monkey-patch nothing and break threading assumptions), nameko or psycopg."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_wsgi_app_pulls_in_no_eventlet_nameko_or_psycopg():
    probe = (
        "import sys, gateway.wsgi; "
        "print(','.join(sorted(m for m in ('eventlet', 'nameko', 'psycopg') if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == ""
