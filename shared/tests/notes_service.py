"""A tiny service that exercises the platform pieces, for the platform's own tests.

Notes are tenant data (TenantScoped + Versioned); creating one records `notes.note.created`
through the outbox; `Tally` counts the events it consumes, idempotently.
"""

from __future__ import annotations

import time
import uuid

from marshmallow import Schema, fields
from nameko.extensions import DependencyProvider
from sqlalchemy import Integer, String, Text, select, text, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.call_context_provider import CallContextProvider
from shared.db import Timestamped, Versioned, check_version, new_metadata
from shared.db_provider import Database
from shared.event_handling import EventDelivery, handles
from shared.event_schemas import register
from shared.inbox import first_delivery
from shared.migration_support import tenant_rls_statements
from shared.outbox import record_event
from shared.outbox_relay import OutboxRelay
from shared.platform_tables import platform_metadata
from shared.rpc import rpc
from shared.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = new_metadata()


class Note(TenantScoped, Timestamped, Versioned, Base):
    __tablename__ = "notes"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    body: Mapped[str] = mapped_column(Text)


class Tally(Base):
    """Effects of consumed events (not tenant data)."""

    __tablename__ = "tally"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


@register("notes.note.created", 1)
class NoteCreatedV1(Schema):
    note_id = fields.UUID(required=True)
    body = fields.String(required=True)


SCHEMA_STATEMENTS = tenant_rls_statements("notes")


def create_schema(owner_engine) -> None:  # type: ignore[no-untyped-def]
    Base.metadata.create_all(owner_engine)
    platform_metadata.create_all(owner_engine)
    with owner_engine.begin() as conn:
        for statement in SCHEMA_STATEMENTS:
            conn.execute(text(statement))


def create_note(session, ctx, body: str) -> Note:  # type: ignore[no-untyped-def]
    """The use case: a note and the event announcing it, in the caller's transaction."""
    note = Note(body=body)
    session.add(note)
    session.flush()
    record_event(session, ctx, "notes.note.created", {"note_id": note.id, "body": body})
    return note


def dump(note: Note) -> dict:
    return {"id": str(note.id), "body": note.body, "version": note.version}


class FailSwitch(DependencyProvider):
    """How many times the next handled events should fail (a test toggles it)."""

    failures_left = 0
    deliveries: list[tuple[int, bool]] = []
    """(attempt, last) of every delivery the handler saw."""
    delivered_at: list[float] = []
    """time.monotonic() of every delivery, to measure the pause between attempts."""

    def get_dependency(self, worker_ctx):  # type: ignore[no-untyped-def]
        return self


class NotesService:
    name = "notes"

    ctx = CallContextProvider()
    db = Database()
    relay = OutboxRelay()
    fail = FailSwitch()
    delivery = EventDelivery()

    @rpc
    def create(self, body: str) -> dict:
        with self.db.transaction() as session:
            return dump(create_note(session, self.ctx, body))

    @rpc
    def create_then_fail(self, body: str) -> None:
        with self.db.transaction() as session:
            create_note(session, self.ctx, body)
            raise RuntimeError("the use case failed after recording its event")

    @rpc
    def list_ids(self) -> list[str]:
        with self.db.transaction() as session:
            return [str(i) for i in session.scalars(select(Note.id).order_by(Note.body))]

    @rpc
    def rename(self, note_id: str, body: str, expected_version: int | None = None) -> dict:
        with self.db.transaction() as session:
            note = session.get(Note, uuid.UUID(note_id))
            if note is None:
                from shared.errors import NotFound

                raise NotFound("No such note.")
            check_version(note, expected_version)
            note.body = body
            session.flush()
            return dump(note)

    @rpc
    def call_context(self) -> dict[str, str]:
        """The call context this worker sees, as it would pass it on."""
        return self.ctx.to_wire()

    @rpc
    def slow_query(self, seconds: float) -> float:
        with self.db.transaction() as session:
            session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        return seconds

    @handles("notes", "notes.note.created")
    def count_created(self, envelope: dict) -> None:
        FailSwitch.deliveries.append((self.delivery.attempt, self.delivery.last))
        FailSwitch.delivered_at.append(time.monotonic())
        if self.fail.failures_left > 0:
            FailSwitch.failures_left -= 1
            raise RuntimeError("handler failed on purpose")
        with self.db.transaction(tenant_id=envelope["tenant_id"]) as session:
            bump(session, "deliveries")
            if first_delivery(session, envelope["id"], "notes.count_created"):
                bump(session, "created")


def bump(session, name: str) -> None:  # type: ignore[no-untyped-def]
    session.execute(update(Tally).where(Tally.name == name).values(count=Tally.count + 1))


class NotesConsumer(NotesService):
    """The notes service without its relay: tests drive `relay_batch` by hand."""

    relay = None  # type: ignore[assignment]
