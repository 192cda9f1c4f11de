"""identity's tables. Users, tenants and signing keys are global; memberships,
invitations and sessions are tenant data (RLS); login_failures are throttle counters."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import Timestamped, Versioned, new_metadata
from shared.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = new_metadata()


class Tenant(Timestamped, Versioned, Base):
    """A firm. Not itself tenant-scoped: login and signup must find it by slug."""

    __tablename__ = "tenants"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(50), unique=True)


class User(Timestamped, Versioned, Base):
    """A person, global across tenants; `email` is stored lower-cased, so unique regardless
    of case."""

    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    platform_role: Mapped[str | None] = mapped_column(String(20), nullable=True)


class Membership(TenantScoped, Timestamped, Versioned, Base):
    """A user's role in a tenant; `created_at` is when they joined."""

    __tablename__ = "memberships"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "user_id"),
        Index("ix_memberships_user_id", "user_id"),
        # The members page in its default order, walked by the index: no sort of them all.
        Index("ix_memberships_tenant_id_created_at_user_id", "tenant_id", "created_at",
              "user_id"),
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    user: Mapped[User] = relationship(lazy="raise")

    @property
    def email(self) -> str:
        """So keyset pagination can read the sort key of a page's last row."""
        return self.user.email

    @property
    def name(self) -> str:
        return self.user.name


class Invitation(TenantScoped, Timestamped, Versioned, Base):
    __tablename__ = "invitations"
    __table_args__ = (
        Index(
            "uq_invitations_pending_email",
            "tenant_id",
            "email",
            unique=True,
            postgresql_where="status = 'pending'",
        ),
        Index("ix_invitations_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    invited_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class Session(TenantScoped, Timestamped, Base):
    """A refresh session: one login of one user into one tenant, its token generation."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_tenant_id_user_id", "tenant_id", "user_id"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    impersonator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    impersonation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)


class SigningKey(Timestamped, Base):
    """An ES256 key pair; the private half sealed (see domain/signing_keys.py)."""

    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    private_key: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict] = mapped_column(JSONB)
    activated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginFailure(Base):
    """A throttle counter: failures of one key (`account`: email, `address`: client IP)."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(254))
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
