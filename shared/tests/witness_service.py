"""A second service that consumes notes' events, for the call-context tests.

Its handler notes the context its CallContextProvider gives it, the context notes sees when
the handler calls it back, and records an event of its own in the notes database's outbox
(the tests point both containers at one database), so a test can read what each hop
carried on.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.call_context import CallContext
from shared.call_context_provider import CallContextProvider
from shared.db_provider import Database
from shared.event_handling import handles
from shared.event_schemas import register
from shared.outbox import record_event
from shared.rpc import rpc_proxy


@register("witness.note.seen", 1)
class NoteSeenV1(Schema):
    note_id = fields.UUID(required=True)


class Witness:
    name = "witness"

    ctx = CallContextProvider()
    db = Database()
    notes = rpc_proxy("notes")

    seen: list[tuple[CallContext, CallContext]] = []
    """(the handler's context, the context notes saw when the handler called it), per event."""

    @handles("notes", "notes.note.created")
    def on_note_created(self, envelope: dict) -> None:
        seen_by_notes = CallContext.from_wire(self.notes.call_context())
        with self.db.transaction() as session:
            record_event(session, self.ctx, "witness.note.seen",
                         {"note_id": envelope["data"]["note_id"]})
        Witness.seen.append((self.ctx, seen_by_notes))
