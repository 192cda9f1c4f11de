"""The base class of every Bureau service: the platform pieces wired once.

A service subclasses it, sets `name`, and declares entrypoints; it gets the call context
(`self.ctx`), its database (`self.db`), the outbox relay, per-entrypoint metrics and the
health and metrics HTTP endpoints without writing any of them.
"""

from __future__ import annotations

from shared.call_context_provider import CallContextProvider
from shared.db_provider import Database
from shared.health import HealthEndpoints
from shared.metrics import EntrypointMetrics
from shared.outbox_relay import OutboxRelay


class BureauService(HealthEndpoints):
    name: str

    ctx = CallContextProvider()
    db = Database()
    outbox_relay = OutboxRelay()
    metrics = EntrypointMetrics()
