"""Database access for a service: engine, tenant-scoped transactions, model mixins.

Every transaction is scoped to the caller's tenant (see shared/tenancy.py) and committed
or rolled back as a unit; database failures a client can cause become typed errors here,
once for every service. Free of nameko, so models and use cases import it anywhere (a
bench, a script); the nameko dependency provider is `shared.db_provider.Database`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg.types.json
from sqlalchemy import DateTime, Engine, Integer, MetaData, create_engine, func
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from shared.call_context import CallContext
from shared.errors import Conflict, PreconditionFailed, ServiceUnavailable, ValidationFailed
from shared.tenancy import TenantScoped, bind_scope, scope_to_tenant, scope_to_user

__all__ = [
    "NAMING_CONVENTION",
    "TenantScoped",
    "Timestamped",
    "Versioned",
    "make_engine",
    "make_read_engine",
    "scope_to_tenant",
    "scope_to_user",
    "tenant_transaction",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Stable constraint names, so Alembic can find and change them later."""


log = logging.getLogger("shared.db")

_LONG_NUMBER = re.compile(rb"\d{20}")
"""20 digits or more: an integer orjson would read as a float (past 64 bits)."""


def load_json_column(data: bytes | bytearray | memoryview | str) -> Any:
    """json and jsonb values as `json.loads` reads them, by orjson where that is the same.

    A page of 25 contacts holds 75 JSONB values; psycopg's default (`json.loads`) spent
    ~1 ms of a list call on them. orjson reads the same JSON to the same objects except
    integers past 64 bits (a float, not an int), so text with a 20-digit run goes the
    slow way; so does anything orjson refuses (`1e400`, which json reads as infinity).
    """
    raw = bytes(data) if isinstance(data, memoryview) else data
    if isinstance(raw, bytes | bytearray) and not _LONG_NUMBER.search(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


psycopg.types.json.set_json_loads(load_json_column)

BAD_VALUE_SQLSTATES = frozenset({
    "22001",  # string_data_right_truncation: a text longer than its column
    "22003",  # numeric_value_out_of_range
    "22007",  # invalid_datetime_format
    "22008",  # datetime_field_overflow
    "22021",  # character_not_in_repertoire
    "22P02",  # invalid_text_representation (a malformed uuid, number, ...)
    "22P05",  # untranslatable_character
})
"""Data errors a caller's value causes. Input schemas should refuse such values first:
these are the second line, a 400 instead of a 500 (logged, since each one is a check
missing upstream). Other data errors (division by zero, a bad regex we wrote) are bugs
and stay 500s. psycopg's own refusals of a value (a NUL in a text) carry no SQLSTATE."""


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=func.now(),
    )


class Versioned:
    """An integer that grows on every UPDATE; the ORM refuses a write over a newer row.

    It is the resource's ETag: a PATCH names the version it read, and a concurrent change
    in between makes the UPDATE match no row, which becomes 412.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def check_version(obj: Versioned, expected_version: int | None) -> None:
    """Refuse a change made against an older version of the object (a stale If-Match)."""
    if expected_version is not None and obj.version != expected_version:
        raise PreconditionFailed("The object was changed by someone else; read it again.")


SESSION_OPTIONS = "-c TimeZone=UTC"
"""Sent in every connection's startup packet (no round trip). Times are stored as
timestamptz and answered in UTC; a session in UTC also has psycopg build each one with
`datetime.timezone.utc`, where the server's default zone name (`Etc/UTC` here) made it
a ZoneInfo per value: ~0.25 us more a timestamp, 3 of them in each row of a page. And
date arithmetic in SQL (`date_trunc` of a timestamptz) no longer depends on how the
server was installed."""

READ_ONLY_OPTIONS = SESSION_OPTIONS + " -c default_transaction_read_only=on"
"""A read connection refuses any write, whatever the code running on it tries."""


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """No pre-ping: it costs a round trip and ~0.2 ms of CPU on every checkout. After a
    database restart the first transaction on a dead connection fails (a 503) and
    SQLAlchemy invalidates the whole pool, so the next one reconnects."""
    return _service_engine(url, pool_size, SESSION_OPTIONS)


def make_read_engine(url: str, *, pool_size: int = 10) -> Engine:
    """The engine of a service's reads: autocommit, read-only connections.

    A read needs no transaction of its own (under READ COMMITTED each statement takes its
    own snapshot either way), and BEGIN and COMMIT were two of a page's three round trips
    (~0.16 ms of CPU a page across identity and PostgreSQL). Without a transaction there
    is nothing for `SET LOCAL` to live in, so the tenant scope is set on the connection
    and remembered for it (shared/tenancy.py): a connection that serves the same tenant
    again sends only its query. Use it through sessions only (`WorkerDatabase.reading`):
    the scope is set as a session begins.
    """
    return _service_engine(url, pool_size, READ_ONLY_OPTIONS, isolation_level="AUTOCOMMIT")


def _service_engine(url: str, pool_size: int, options: str, **kwargs: Any) -> Engine:
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                         connect_args={"options": options}, **kwargs)


@contextlib.contextmanager
def tenant_transaction(
    factory: sessionmaker[Session] | Session,
    ctx: CallContext | None = None,
    *,
    tenant_id: Any = "from-context",
    user_id: Any = "from-context",
) -> Iterator[Session]:
    """A transaction scoped to a tenant and user, committed on success.

    Scope comes from `ctx` unless given explicitly (`tenant_id=None` = no tenant yet).
    """
    ctx = ctx or CallContext()
    tid = ctx.tenant_id if tenant_id == "from-context" else tenant_id
    uid = ctx.user_id if user_id == "from-context" else user_id
    session = factory() if isinstance(factory, sessionmaker) else factory
    owned = isinstance(factory, sessionmaker)
    bind_scope(session, tid, uid)
    try:
        with session.begin():
            yield session
    except StaleDataError as exc:
        raise PreconditionFailed(
            "The object was changed by someone else; read it again."
        ) from exc
    except IntegrityError as exc:
        raise Conflict(_conflict_detail(exc)) from exc
    except DataError as exc:
        raise _bad_value(exc) from exc
    except OperationalError as exc:  # a restart, a dropped connection, a timeout, a deadlock
        raise ServiceUnavailable("The database is unavailable; try again.") from exc
    finally:
        if owned:
            session.close()


def _bad_value(exc: DataError) -> Exception:
    """ValidationFailed for a value the database refused, else the error itself (a 500)."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if sqlstate is not None and sqlstate not in BAD_VALUE_SQLSTATES:
        return exc
    log.warning("a value reached the database that input checks should have refused "
                "(sqlstate %s): %s", sqlstate, str(exc.orig).splitlines()[0] if exc.orig
                else type(exc).__name__)
    return ValidationFailed("A value is malformed or out of range.",
                            {"_schema": ["A value is malformed or out of range."]})


def _conflict_detail(exc: IntegrityError) -> str:
    """Name the violated constraint, never the SQL or the row."""
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    name = getattr(diag, "constraint_name", None)
    return f"Conflicts with existing data ({name})." if name else "Conflicts with existing data."


def new_id() -> uuid.UUID:
    return uuid.uuid4()
