"""gunicorn settings for the gateway: threaded workers, graceful stop, shared metrics.

Every value can be overridden from the environment (GATEWAY_WORKERS, GATEWAY_THREADS,
BUREAU_HTTP_PORT, GATEWAY_GRACEFUL_TIMEOUT, GATEWAY_TIMEOUT, PROMETHEUS_MULTIPROC_DIR).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from gateway.gunicorn_errors import install as answer_gunicorn_errors_as_problems
from shared.config import env_int, settings

bind = f"0.0.0.0:{settings().http_port('gateway')}"
worker_class = "gthread"
workers = env_int("GATEWAY_WORKERS", 2)
threads = env_int("GATEWAY_THREADS", 8)
graceful_timeout = env_int("GATEWAY_GRACEFUL_TIMEOUT", 20)
timeout = env_int("GATEWAY_TIMEOUT", 30)
keepalive = 5
limit_request_line = 8190  # gunicorn's maximum; its default, 4094, is a 414 for a list query
# within its documented bounds (5 custom[<key>] filters of 100 characters, percent-encoded
# UTF-8 at up to 12 bytes a character), found by the schema fuzzer on the clients export.
worker_tmp_dir = os.environ.get("GATEWAY_WORKER_TMP_DIR", tempfile.gettempdir())
accesslog = None  # the app logs requests as JSON itself
answer_gunicorn_errors_as_problems()  # 414, 431 and unparsable requests: problem+json too
# gunicorn's runtime control socket is unused; off, it cannot clash between gateways on one
# host or fail on a read-only root filesystem. GATEWAY_CONTROL_SOCKET=1 turns it on.
control_socket_disable = os.environ.get("GATEWAY_CONTROL_SOCKET", "0") != "1"

# One metrics directory per master, emptied at start: /metrics sums all workers from it.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"bureau-gateway-{os.getpid()}")
)
shutil.rmtree(_metrics_dir, ignore_errors=True)
os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker) -> None:  # noqa: ANN001 - gunicorn's hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:  # noqa: ANN001 - gunicorn's hook signature
    shutil.rmtree(_metrics_dir, ignore_errors=True)
