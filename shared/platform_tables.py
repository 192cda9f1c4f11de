"""Tables every service database has beside its own: the outbox and the inbox.

They are not tenant data a client reads (no RLS): the outbox relay reads every tenant's
pending events, and the inbox is keyed by event id alone.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import NAMING_CONVENTION

platform_metadata = MetaData(naming_convention=NAMING_CONVENTION)

outbox = Table(
    "outbox",
    platform_metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("event_type", Text, nullable=False),
    Column("tenant_id", Uuid, nullable=True),
    Column("envelope", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
)
Index(
    "ix_outbox_pending",
    outbox.c.next_attempt_at,
    outbox.c.seq,
    postgresql_where=outbox.c.status == "pending",
)

inbox = Table(
    "inbox",
    platform_metadata,
    Column("event_id", Uuid, nullable=False),
    Column("consumer", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("event_id", "consumer"),
)
Index("ix_inbox_processed_at", inbox.c.processed_at)
