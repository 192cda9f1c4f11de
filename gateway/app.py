"""The gateway's app factory: wires settings, components, hooks and blueprints.

Tests pass `config` (GatewaySettings field overrides) and `rpc` (a client pointed at a
test vhost); production passes nothing and everything comes from the environment.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.access_tokens import AccessTokenVerifier, JwksCache
from gateway.components import EXTENSION_KEY, Components, RpcCaller
from gateway.cors import install_cors
from gateway.http_metrics import install_http_metrics
from gateway.idempotency import IdempotencyStore
from gateway.problems import install_problem_handlers
from gateway.rate_limits import RateLimiter
from gateway.request_ids import install_request_ids
from gateway.request_log import install_request_log
from gateway.routes import (
    auth,
    crm_clients,
    crm_contacts,
    crm_custom_fields,
    crm_deals,
    crm_exports,
    crm_forecast,
    crm_imports,
    crm_pipelines,
    documents,
    health,
    invitations,
    me,
    tenant,
    users,
    well_known,
)
from gateway.rpc_client import RpcClient
from gateway.settings import GatewaySettings, gateway_settings
from shared.call_context import CallContext

REDIS_TIMEOUT_SECONDS = 1.0


class GatewayFlask(Flask):
    """Flask that asks once per function whether it is a coroutine function.

    Flask's `ensure_sync` asks `inspect` for every hook and view on every request (ten
    times for a page), ~5% of a request's CPU in the gateway; the answers are kept here.
    Flask documents this method as the one to override."""

    MAX_KEPT = 1000
    """Functions made per request (`after_this_request`) are not kept past this many."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_forms: dict[Any, Any] = {}

    def ensure_sync(self, func: Any) -> Any:
        try:
            return self._sync_forms[func]
        except KeyError:
            form = super().ensure_sync(func)
            if len(self._sync_forms) < self.MAX_KEPT:
                self._sync_forms[func] = form
            return form


def create_app(config: dict[str, Any] | None = None, rpc: RpcCaller | None = None) -> Flask:
    cfg = gateway_settings(config)
    app = GatewayFlask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    if cfg.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=cfg.proxy_hops, x_proto=cfg.proxy_hops
        )
    app.extensions[EXTENSION_KEY] = build_components(cfg, rpc)
    install_request_ids(app)
    install_request_log(app)
    install_http_metrics(app)
    install_cors(app, cfg.cors_origins)
    install_problem_handlers(app)
    identity_areas = (auth, me, users, invitations, tenant)
    crm_areas = (crm_clients, crm_contacts, crm_custom_fields, crm_pipelines, crm_deals,
                 crm_forecast, crm_exports, crm_imports)
    for area in (*identity_areas, *crm_areas, well_known, health, documents):
        app.register_blueprint(area.bp)
    return app


def build_components(cfg: GatewaySettings, rpc: RpcCaller | None) -> Components:
    client = rpc or RpcClient(cfg.amqp_uri, default_timeout=cfg.rpc_timeout)
    redis = Redis.from_url(
        cfg.redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )

    def fetch_jwks() -> dict[str, Any]:
        return client.call("identity", "jwks", {}, context=CallContext())

    keys = JwksCache(fetch_jwks, refetch_seconds=cfg.jwks_refetch_seconds)
    return Components(
        settings=cfg,
        rpc=client,
        redis=redis,
        verifier=AccessTokenVerifier(keys, issuer=cfg.jwt_issuer, audience=cfg.jwt_audience),
        rate_limiter=RateLimiter(
            redis,
            user_limit=cfg.rate_limit_user,
            anonymous_limit=cfg.rate_limit_anon,
            window_seconds=cfg.rate_limit_window,
        ),
        idempotency=IdempotencyStore(
            redis, ttl_seconds=cfg.idempotency_ttl, lock_seconds=cfg.idempotency_lock_seconds
        ),
    )
