"""/health/live (the process answers) and /health/ready (and it can reach the broker).

Readiness checks the broker with a real AMQP handshake, cached for a moment so probes and
scrapes cannot turn into a connection storm. Redis is reported but does not gate: without
it only rate limits (which fail open) and idempotent POSTs (503) suffer.
"""

from __future__ import annotations

import threading
import time

import amqp
from flask import Blueprint, Response
from redis.exceptions import RedisError

from gateway.components import components
from gateway.responses import json_response
from gateway.rpc_client import BrokerAddress

bp = Blueprint("health", __name__, url_prefix="/health")
CHECK_TIMEOUT_SECONDS = 2.0
CACHE_SECONDS = 2.0

_lock = threading.Lock()
_last_broker_check: tuple[float, str, bool] | None = None


@bp.get("/live")
def live() -> Response:
    return json_response({"status": "ok"})


@bp.get("/ready")
def ready() -> Response:
    broker_ok = broker_reachable(components().settings.amqp_uri)
    checks = {"broker": "ok" if broker_ok else "unreachable", "redis": _redis_status()}
    body = {"status": "ok" if broker_ok else "unavailable", "checks": checks}
    return json_response(body, 200 if broker_ok else 503)


def broker_reachable(amqp_uri: str) -> bool:
    """Whether an AMQP handshake with the broker succeeds (cached for CACHE_SECONDS)."""
    global _last_broker_check
    with _lock:
        cached = _last_broker_check
        if cached and cached[1] == amqp_uri and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[2]
        address = BrokerAddress.from_uri(amqp_uri)
        try:
            connection = amqp.Connection(
                host=address.host,
                userid=address.userid,
                password=address.password,
                virtual_host=address.virtual_host,
                connect_timeout=CHECK_TIMEOUT_SECONDS,
            )
            connection.connect()
            connection.close()
            ok = True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            ok = False
        _last_broker_check = (time.monotonic(), amqp_uri, ok)
        return ok


def _redis_status() -> str:
    try:
        components().redis.ping()
        return "ok"
    except RedisError:
        return "unreachable"
