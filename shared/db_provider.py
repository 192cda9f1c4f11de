"""The database as a nameko dependency: one engine per process, one session per worker.

nameko-sqlalchemy does not support SQLAlchemy 2, so `Database` is our own provider; each
worker's transactions are scoped to its caller (`shared.db.tenant_transaction`). A method
that only reads says so (`self.db.reading()`): it runs on the read engine, without
BEGIN and COMMIT, on connections that refuse writes (`shared.db.make_read_engine`).
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any

from nameko.extensions import DependencyProvider
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from shared.call_context import CallContext
from shared.call_context_provider import worker_call_context
from shared.config import settings
from shared.db import make_engine, make_read_engine, tenant_transaction


def container_database_url(container: Any) -> str:
    """The app-role URL of a nameko container's service; config DATABASE_URL wins (tests)."""
    return container.config.get("DATABASE_URL") or settings().database_url(
        container.service_name
    )


class WorkerDatabase:
    """What a worker sees: transactions in its caller's scope, on one session."""

    def __init__(
        self, factory: sessionmaker[Session], reads: sessionmaker[Session], ctx: CallContext
    ) -> None:
        self._factory = factory
        self._reads = reads
        self._ctx = ctx
        self._session: Session | None = None
        self._read_session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._factory()
        return self._session

    def transaction(
        self,
        ctx: CallContext | None = None,
        *,
        tenant_id: Any = "from-context",
        user_id: Any = "from-context",
    ) -> contextlib.AbstractContextManager[Session]:
        return tenant_transaction(
            self.session, ctx or self._ctx, tenant_id=tenant_id, user_id=user_id
        )

    def reading(
        self,
        ctx: CallContext | None = None,
        *,
        tenant_id: Any = "from-context",
        user_id: Any = "from-context",
    ) -> contextlib.AbstractContextManager[Session]:
        """Like `transaction`, for a method that only reads: no BEGIN or COMMIT is sent,
        and a write fails (the connection is read-only), so a read path cannot grow a
        write unnoticed. Each statement sees the data committed when it starts."""
        if self._read_session is None:
            self._read_session = self._reads()
        return tenant_transaction(
            self._read_session, ctx or self._ctx, tenant_id=tenant_id, user_id=user_id
        )

    def close(self) -> None:
        for session in (self._session, self._read_session):
            if session is not None:
                session.close()
        self._session = self._read_session = None


class Database(DependencyProvider):
    """The service's database (its unprivileged app role, so RLS applies).

    Container config `DATABASE_URL` overrides the URL derived from settings (tests).
    """

    def setup(self) -> None:
        pool = int(self.container.config.get("max_workers", 10))
        self.engine = make_engine(container_database_url(self.container), pool_size=pool)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = make_read_engine(
            container_database_url(self.container), pool_size=pool
        )
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        self._workers: weakref.WeakKeyDictionary[Any, WorkerDatabase] = (
            weakref.WeakKeyDictionary()
        )

    def stop(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx: Any) -> WorkerDatabase:
        db = WorkerDatabase(self.sessions, self.read_sessions, worker_call_context(worker_ctx))
        self._workers[worker_ctx] = db
        return db

    def worker_teardown(self, worker_ctx: Any) -> None:
        db = self._workers.pop(worker_ctx, None)
        if db is not None:
            db.close()

    def readiness_check(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
