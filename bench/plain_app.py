"""The gateway benchmark's baseline: the same page answered by Flask + SQLAlchemy, no RPC.

Same database, same app role (row-level security on, tenant set per transaction), same
query and JSON shape as `GET /api/v1/identity/users?limit=50` through the gateway, so
the ratio between the two is the price of the gateway, the broker hop and the service.
`/users/as-identity-reads` answers the same page the way identity reads it
(shared.db.make_read_engine): autocommit, sessions in UTC, the tenant set on the
connection once, so the ratio against it leaves out what our read path saves over the
plain one.
Run: BENCH_DATABASE_URL=... BENCH_TENANT_ID=... \
     gunicorn -c gateway/gunicorn_conf.py bench.plain_app:app
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

PAGE = text(
    "SELECT u.id, u.email, u.name, m.role, m.created_at AS joined_at, u.created_at, "
    "greatest(u.updated_at, m.updated_at) AS updated_at, m.version "
    "FROM memberships m JOIN users u ON u.id = m.user_id "
    "WHERE m.tenant_id = :tenant ORDER BY m.created_at, m.user_id LIMIT :limit"
)
SCOPE = text("SELECT set_config('app.tenant_id', :tenant, true)")
CONNECTION_SCOPE = text("SELECT set_config('app.tenant_id', :tenant, false)")


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=8, max_overflow=8)
    reads = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=8, max_overflow=8,
                          isolation_level="AUTOCOMMIT",
                          connect_args={"options": "-c TimeZone=UTC"})
    tenant = os.environ["BENCH_TENANT_ID"]

    @app.get("/users")
    def users() -> Any:
        limit = min(100, max(1, int(request.args.get("limit", 25))))
        with engine.begin() as conn:
            conn.execute(SCOPE, {"tenant": tenant})
            rows = conn.execute(PAGE, {"tenant": tenant, "limit": limit + 1}).mappings().all()
        return _page(rows, limit)

    @app.get("/users/as-identity-reads")
    def users_as_identity_reads() -> Any:
        limit = min(100, max(1, int(request.args.get("limit", 25))))
        with reads.connect() as conn:
            if conn.connection.info.get("tenant") != tenant:
                conn.execute(CONNECTION_SCOPE, {"tenant": tenant})
                conn.connection.info["tenant"] = tenant
            rows = conn.execute(PAGE, {"tenant": tenant, "limit": limit + 1}).mappings().all()
        return _page(rows, limit)

    def _page(rows: Any, limit: int) -> Any:
        data = [
            {
                "id": str(r["id"]),
                "email": r["email"],
                "name": r["name"],
                "role": r["role"],
                "joined_at": _iso(r["joined_at"]),
                "created_at": _iso(r["created_at"]),
                "updated_at": _iso(r["updated_at"]),
                "version": r["version"],
            }
            for r in rows[:limit]
        ]
        page = {"limit": limit, "has_more": len(rows) > limit, "next_cursor": None}
        return jsonify({"data": data, "page": page})

    return app


app = create_app() if "BENCH_DATABASE_URL" in os.environ else None
