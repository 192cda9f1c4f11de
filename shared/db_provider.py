"""The database as a nameko dependency: one engine per process, one session per worker.

nameko-sqlalchemy does not support SQLAlchemy 2, so `Database` is our own provider; each
worker's transactions are scoped to its caller (`shared.db.tenant_transaction`).
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
from shared.db import make_engine, tenant_transaction


def container_database_url(container: Any) -> str:
    """The app-role URL of a nameko container's service; config DATABASE_URL wins (tests)."""
    return container.config.get("DATABASE_URL") or settings().database_url(
        container.service_name
    )


class WorkerDatabase:
    """What a worker sees: transactions in its caller's scope, on one session."""

    def __init__(self, factory: sessionmaker[Session], ctx: CallContext) -> None:
        self._factory = factory
        self._ctx = ctx
        self._session: Session | None = None

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

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


class Database(DependencyProvider):
    """The service's database (its unprivileged app role, so RLS applies).

    Container config `DATABASE_URL` overrides the URL derived from settings (tests).
    """

    def setup(self) -> None:
        pool = int(self.container.config.get("max_workers", 10))
        self.engine = make_engine(container_database_url(self.container), pool_size=pool)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._workers: weakref.WeakKeyDictionary[Any, WorkerDatabase] = (
            weakref.WeakKeyDictionary()
        )

    def stop(self) -> None:
        self.engine.dispose()

    def kill(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx: Any) -> WorkerDatabase:
        db = WorkerDatabase(self.sessions, worker_call_context(worker_ctx))
        self._workers[worker_ctx] = db
        return db

    def worker_teardown(self, worker_ctx: Any) -> None:
        db = self._workers.pop(worker_ctx, None)
        if db is not None:
            db.close()

    def readiness_check(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
