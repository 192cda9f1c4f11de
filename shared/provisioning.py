"""Create a service's database and its two roles, idempotently.

`<prefix>_<svc>_owner` owns the tables and runs migrations; `<prefix>_<svc>_app` is what
the running service (and its tests) connect as: no superuser, no BYPASSRLS, not the
owner, plain grants. Row-level security therefore applies to every query it makes.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

from shared.config import Settings

log = logging.getLogger(__name__)

LEAKPROOF_FUNCTIONS = (
    "textlike(text, text)",  # LIKE: trigram search on search_text
    "arraycontains(anyarray, anyarray)",  # tags @> ARRAY[...]
    "jsonb_contains(jsonb, jsonb)",  # custom @> {...}, emails @> [...]
)
"""Operators PostgreSQL may evaluate before the row-level security check, so its GIN
indexes serve them under RLS. Without LEAKPROOF, a query of the app role cannot use an
index for them (the RLS filter must run first) and a search scans the tenant's rows.
They raise errors only for a malformed pattern or operand, which our queries supply as
constants, never from row data: nothing about other tenants' rows can leak through them.
Needs a superuser, per database (ADR 0008); in production the DBA runs provisioning."""


def _ensure_role(cur: psycopg.Cursor, name: str, password: str) -> None:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    options = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE ROLE {} ").format(sql.Identifier(name)) + options)
    else:
        cur.execute(sql.SQL("ALTER ROLE {} ").format(sql.Identifier(name)) + options)
    if password:
        cur.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )


def _terminate(cur: psycopg.Cursor, database: str) -> None:
    cur.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    )


def provision(settings: Settings, service: str, *, drop: bool = False) -> None:
    """Make sure roles and database exist with the right grants (drop first if asked)."""
    database = settings.database_name(service)
    owner = settings.role_name(service, "owner")
    app = settings.role_name(service, "app")
    with psycopg.connect(settings.pg_admin_url, autocommit=True) as conn, conn.cursor() as cur:
        if drop:
            _terminate(cur, database)
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))
        _ensure_role(cur, owner, settings.db_password)
        _ensure_role(cur, app, settings.db_password)
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if cur.fetchone() is None:
            log.info("creating database %s", database)
            cur.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(database), sql.Identifier(owner)
                )
            )
        cur.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
        )
        cur.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(app)
            )
        )
    admin_in_db = settings.pg_admin_url.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(admin_in_db, autocommit=True) as conn, conn.cursor() as cur:
        ident = {"owner": sql.Identifier(owner), "app": sql.Identifier(app)}
        for statement in (
            "ALTER SCHEMA public OWNER TO {owner}",
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            "GRANT USAGE ON SCHEMA public TO {app}",
            "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            "GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
        ):
            cur.execute(sql.SQL(statement).format(**ident))
        for function in LEAKPROOF_FUNCTIONS:
            cur.execute(sql.SQL("ALTER FUNCTION {} LEAKPROOF").format(sql.SQL(function)))
