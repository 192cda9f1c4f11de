"""crm's tables. Every one is tenant data (TenantScoped, RLS in the migrations), except
`import_deadlines` (ids and times only, read across tenants by crm's timer).

Shapes worth knowing before writing a query:
- money is `NUMERIC(19, 4)` plus a `CHAR(3)` currency, never a float (shared/money.py);
- custom field values live in one JSONB `custom` column per object, keyed by the field's
  `key`, validated against `custom_field_definitions` on write (GIN-indexed for filters);
- emails and phones of a contact are JSONB arrays of `{value, label, primary}`: they are
  always read with their contact, and a merge concatenates them;
- `search_text` is the lower-cased text a list's `q` matches (names, emails, domains),
  maintained by the use cases, trigram-indexed so a search stays fast on a large tenant;
- `members` mirrors identity's memberships from its events: who may own a record.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Timestamped, Versioned, new_metadata
from shared.tenancy import TenantScoped

MONEY = Numeric(19, 4)
EMPTY_JSON_OBJECT = text("'{}'::jsonb")
EMPTY_JSON_ARRAY = text("'[]'::jsonb")
EMPTY_TEXT_ARRAY = text("'{}'::text[]")


class Base(DeclarativeBase):
    metadata = new_metadata()


def _trigram(table: str, column: str) -> Index:
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    )


class Member(TenantScoped, Base):
    """A user of the tenant as identity last told us (identity.member.* events).

    `active` turns false when the member is removed; their records keep their owner id
    (history) and are reassigned or flagged by the removal handler.
    """

    __tablename__ = "members"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "user_id"),)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    email: Mapped[str] = mapped_column(String(254), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Client(TenantScoped, Timestamped, Versioned, Base):
    """A company the firm works for (or hopes to): status `lead`, `active` or `archived`."""

    __tablename__ = "clients"
    __table_args__ = (
        Index("ix_clients_tenant_id_name_id", "tenant_id", "name", "id"),
        Index("ix_clients_tenant_id_lower_name", "tenant_id", text("lower(name)")),
        Index("ix_clients_tenant_id_owner_id", "tenant_id", "owner_id"),
        Index("ix_clients_tenant_id_domain", "tenant_id", "domain"),
        Index("ix_clients_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        Index("ix_clients_tenant_id_updated_at_id", "tenant_id", "updated_at", "id"),
        Index("ix_clients_tags", "tags", postgresql_using="gin"),
        Index("ix_clients_custom", "custom", postgresql_using="gin",
              postgresql_ops={"custom": "jsonb_path_ops"}),
        _trigram("clients", "search_text"),
        Index("uq_clients_tenant_id_import_key", "tenant_id", "import_key", unique=True,
              postgresql_where=text("import_key IS NOT NULL")),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    website: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    domain: Mapped[str | None] = mapped_column(String(253), nullable=True)
    industry: Mapped[str | None] = mapped_column(String(100), nullable=True)
    tax_id: Mapped[str | None] = mapped_column(String(50), nullable=True)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20), default="lead")
    status_before_archive: Mapped[str | None] = mapped_column(String(20), nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                            server_default=EMPTY_TEXT_ARRAY)
    notes: Mapped[str] = mapped_column(Text, default="")
    custom: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict,
                                                   server_default=EMPTY_JSON_OBJECT)
    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    """True when the owner left the tenant and nobody was named to take over."""
    import_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """Set by a CSV import: the same row imported twice finds the first one."""
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class Contact(TenantScoped, Timestamped, Versioned, Base):
    """A person. Linked to any number of clients (ClientContact), one of them primary."""

    __tablename__ = "contacts"
    __table_args__ = (
        # Covering: a dense search or tag filter walks this index in name order and
        # filters on its tuples, never the table (an index-only scan); a rare one is
        # answered by the GIN indexes, which RLS lets PostgreSQL use since provisioning
        # marks LIKE and @> LEAKPROOF (ADR 0008; docs/performance.md).
        Index("ix_contacts_tenant_id_name_id", "tenant_id", "name", "id",
              postgresql_include=["search_text", "tags"]),
        Index("ix_contacts_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        Index("ix_contacts_tenant_id_updated_at_id", "tenant_id", "updated_at", "id"),
        Index("ix_contacts_tenant_id_owner_id", "tenant_id", "owner_id"),
        Index("ix_contacts_tenant_id_primary_client_id", "tenant_id", "primary_client_id"),
        Index("ix_contacts_emails", "emails", postgresql_using="gin",
              postgresql_ops={"emails": "jsonb_path_ops"}),
        Index("ix_contacts_tags", "tags", postgresql_using="gin"),
        Index("ix_contacts_custom", "custom", postgresql_using="gin",
              postgresql_ops={"custom": "jsonb_path_ops"}),
        _trigram("contacts", "search_text"),
        Index("uq_contacts_tenant_id_import_key", "tenant_id", "import_key", unique=True,
              postgresql_where=text("import_key IS NOT NULL")),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(200))
    """The display name, "first last" unless given: what lists sort by."""
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    emails: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list,
                                                         server_default=EMPTY_JSON_ARRAY)
    phones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list,
                                                         server_default=EMPTY_JSON_ARRAY)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    primary_client_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("clients.id", ondelete="SET NULL"), nullable=True
    )
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                            server_default=EMPTY_TEXT_ARRAY)
    notes: Mapped[str] = mapped_column(Text, default="")
    custom: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict,
                                                   server_default=EMPTY_JSON_OBJECT)
    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    import_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class ClientContact(TenantScoped, Base):
    """A contact's link to a client, with the contact's role there ("billing contact")."""

    __tablename__ = "client_contacts"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "contact_id"),
        Index("ix_client_contacts_contact_id", "contact_id"),
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("clients.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=text("now()"))


class CustomFieldDefinition(TenantScoped, Timestamped, Versioned, Base):
    """A field a tenant's admins added to clients, contacts or deals.

    `key` is what values are stored under in the objects' `custom` column. Removing a
    definition archives it: stored values stay (and are no longer validated or returned),
    so no object breaks, and the key cannot be reused for another type by accident.
    """

    __tablename__ = "custom_field_definitions"
    __table_args__ = (
        Index("uq_custom_field_definitions_key", "tenant_id", "entity", "key", unique=True),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    entity: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list,
                                                          server_default=EMPTY_JSON_ARRAY)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Pipeline(TenantScoped, Timestamped, Versioned, Base):
    """A tenant's sales process: ordered stages. Exactly one is the default (a partial
    unique index), which a tenant gets without setup (use_cases/pipelines.py)."""

    __tablename__ = "pipelines"
    __table_args__ = (
        Index("ix_pipelines_tenant_id_position", "tenant_id", "position"),
        Index("uq_pipelines_tenant_id_default", "tenant_id", unique=True,
              postgresql_where=text("is_default")),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Stage(TenantScoped, Timestamped, Versioned, Base):
    """An open stage of a pipeline; `probability` (0-100 %) weighs the forecast."""

    __tablename__ = "stages"
    __table_args__ = (Index("ix_stages_pipeline_id_position", "pipeline_id", "position"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pipelines.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[int] = mapped_column(Integer)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Deal(TenantScoped, Timestamped, Versioned, Base):
    """An opportunity: `open` in a stage, then `won` (with the agreed amount) or `lost`."""

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_tenant_id_name_id", "tenant_id", "name", "id"),
        Index("ix_deals_stage_id_rank", "stage_id", "rank"),
        Index("ix_deals_tenant_id_client_id", "tenant_id", "client_id"),
        Index("ix_deals_tenant_id_owner_id", "tenant_id", "owner_id"),
        Index("ix_deals_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        Index("ix_deals_tenant_id_updated_at_id", "tenant_id", "updated_at", "id"),
        # The forecast's two scans: covering, so they are index-only (bench/crm_forecast.py).
        Index("ix_deals_tenant_id_status_expected_close", "tenant_id", "status",
              "expected_close_date",
              postgresql_include=["owner_id", "stage_id", "pipeline_id", "currency", "amount"]),
        Index("ix_deals_tenant_id_status_closed_at", "tenant_id", "status", "closed_at",
              postgresql_include=["owner_id", "pipeline_id", "currency", "won_amount"]),
        Index("ix_deals_tags", "tags", postgresql_using="gin"),
        Index("ix_deals_custom", "custom", postgresql_using="gin",
              postgresql_ops={"custom": "jsonb_path_ops"}),
        _trigram("deals", "search_text"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("clients.id"))
    pipeline_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("pipelines.id"))
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stages.id"))
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    expected_close_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    won_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    lost_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rank: Mapped[int] = mapped_column(BigInteger, default=0)
    """Kanban order within the stage (ascending); gaps let a move touch one row."""
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                            server_default=EMPTY_TEXT_ARRAY)
    notes: Mapped[str] = mapped_column(Text, default="")
    custom: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict,
                                                   server_default=EMPTY_JSON_OBJECT)
    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class DealContact(TenantScoped, Base):
    __tablename__ = "deal_contacts"
    __table_args__ = (
        PrimaryKeyConstraint("deal_id", "contact_id"),
        Index("ix_deal_contacts_contact_id", "contact_id"),
    )
    deal_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("deals.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE")
    )


class Import(TenantScoped, Timestamped, Versioned, Base):
    """A CSV import of clients or contacts: its dry-run report, then its progress."""

    __tablename__ = "imports"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    entity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    checksum: Mapped[str] = mapped_column(String(64))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_rows: Mapped[int] = mapped_column(Integer, default=0)
    skipped_rows: Mapped[int] = mapped_column(Integer, default=0)
    failed_rows: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list,
                                                           server_default=EMPTY_JSON_ARRAY)
    """The first problems of the last pass (capped); `problem_count` counts them all."""
    problem_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict,
                                                    server_default=EMPTY_JSON_OBJECT)
    """How to read the file and run it: dry_run, allow_duplicate_names, delimiter, columns."""
    content: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The decoded CSV between the dry run and the import; cleared when it finishes."""
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the import is `failed` or `expired`, in words for its user."""


class ImportProblem(TenantScoped, Base):
    """Every problem of an import's last pass, in file order (`seq`): the list behind
    GET /imports/{id}/problems. `Import.problems` keeps the first ones for the report."""

    __tablename__ = "import_problems"
    __table_args__ = (PrimaryKeyConstraint("import_id", "seq"),)
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("imports.id",
                                                                  ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    column: Mapped[str | None] = mapped_column(Text, nullable=True)
    message: Mapped[str] = mapped_column(Text)


class ImportDeadline(Base):
    """When crm's timer looks at an import again: a pass that stopped making progress
    fails, a file kept too long unused expires (docs/adr/0019-crm-import-failures.md).

    Not tenant data and without RLS on purpose: the timer finds due imports across tenants
    here, then handles each in its own tenant's scope. One row per import holding a file.
    """

    __tablename__ = "import_deadlines"
    __table_args__ = (Index("ix_import_deadlines_due_at", "due_at"),)
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
