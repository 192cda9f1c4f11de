"""Every mutation crm serves records one event of its own type (docs/events.md), plus only
the cascades that document names. One walk calls every mutating RPC method through the
running service; the methods walked are checked against the ones the service serves, so
a new mutating method without a step (and an event) fails here."""

from __future__ import annotations

from typing import Any

import pytest
from nameko.rpc import Rpc
from sqlalchemy import text

from services.crm.service import CrmService
from services.crm.tests.settling import settled, wait_for_quiet
from shared.testing import wait_until

READS = ("get_", "list_", "export_", "forecast")
"""Method names that only read; every other RPC method of crm changes something."""
EUR = {"amount": "1000.00", "currency": "EUR"}
FILE = "name,currency\nBeta,EUR\n"


@pytest.fixture
def rpc(rpc, crm_db):
    """conftest's `rpc`, and crm quiet (import passes and relays done) at the end."""
    yield from settled(rpc, crm_db)


def _mutating_methods() -> set[str]:
    return {name for name in dir(CrmService)
            if any(isinstance(e, Rpc)
                   for e in getattr(getattr(CrmService, name), "nameko_entrypoints", ()))
            and not name.startswith(READS)}


def _fail_import(records: Any, tenant_id: str, import_id: str) -> None:
    """An import ended `failed` (how a pass gets there is test_imports_failures.py's)."""
    with records.engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        conn.execute(text("UPDATE imports SET status = 'failed' WHERE id = :i"),
                     {"i": import_id})


def _steps(owner: Any, admin: Any, member: Any, firm: Any, records: Any) -> list[Any]:
    """(method, call, the event types it records, in order). Calls share `s`."""
    s: dict[str, Any] = {}

    def keep(name: str, result: Any) -> Any:
        s[name] = result
        return result

    def finished(status: str) -> None:
        wait_until(lambda: owner.get_import(import_id=s["imp"]["id"])["status"] == status)

    def start_import() -> None:
        keep("imp", member.start_import(entity="clients", content=FILE))
        finished("validated")

    def retry_import() -> None:
        _fail_import(records, firm.tenant_id, s["imp"]["id"])
        member.retry_import(import_id=s["imp"]["id"])
        finished("validated")

    def run_import() -> None:
        member.run_import(import_id=s["imp"]["id"])
        finished("completed")

    link = {"client_id": lambda: s["acme"]["id"], "contact_id": lambda: s["ann"]["id"]}

    def ids() -> dict[str, str]:
        return {k: v() for k, v in link.items()}

    return [
        ("create_client", lambda: keep("acme", owner.create_client(
            name="Acme", currency="EUR")), ["crm.client.created"]),
        ("update_client", lambda: owner.update_client(
            client_id=s["acme"]["id"], notes="Key account."), ["crm.client.updated"]),
        ("archive_client", lambda: owner.archive_client(client_id=s["acme"]["id"]),
         ["crm.client.archived"]),
        ("restore_client", lambda: owner.restore_client(client_id=s["acme"]["id"]),
         ["crm.client.restored"]),
        ("create_contact", lambda: keep("ann", owner.create_contact(first_name="Ann")),
         ["crm.contact.created"]),
        ("update_contact", lambda: owner.update_contact(
            contact_id=s["ann"]["id"], title="CTO"), ["crm.contact.updated"]),
        ("link_contact", lambda: owner.link_contact(**ids()), ["crm.contact.linked"]),
        ("update_link", lambda: owner.update_link(**ids(), role="CEO"),
         ["crm.contact.link_changed"]),
        ("unlink_contact", lambda: owner.unlink_contact(**ids()), ["crm.contact.unlinked"]),
        ("create_contact", lambda: keep("dup", owner.create_contact(first_name="Ann")),
         ["crm.contact.created"]),
        ("merge_contacts", lambda: owner.merge_contacts(
            contact_id=s["ann"]["id"], duplicate_id=s["dup"]["id"]), ["crm.contact.merged"]),
        ("delete_contact", lambda: owner.delete_contact(contact_id=s["ann"]["id"]),
         ["crm.contact.deleted"]),
        ("create_contact", lambda: member.create_contact(first_name="Zed"),
         ["crm.contact.created"]),
        # a reassignment announces each record moved, then sums the call up
        ("reassign_records", lambda: admin.reassign_records(
            from_user_id=firm.user("member"), to_user_id=firm.user("admin")),
         ["crm.contact.updated", "crm.records.reassigned"]),
        ("create_custom_field", lambda: keep("field", admin.create_custom_field(
            entity="client", key="tier", label="Tier", type="text")),
         ["crm.custom_field.created"]),
        ("update_custom_field", lambda: admin.update_custom_field(
            custom_field_id=s["field"]["id"], label="Level"), ["crm.custom_field.updated"]),
        ("archive_custom_field", lambda: admin.archive_custom_field(
            custom_field_id=s["field"]["id"]), ["crm.custom_field.archived"]),
        ("create_custom_field", lambda: admin.create_custom_field(
            entity="client", key="tier", label="Tier", type="text"),
         ["crm.custom_field.restored"]),
        ("create_pipeline", lambda: keep("pipeline", admin.create_pipeline(name="Other")),
         ["crm.pipeline.created"]),
        ("update_pipeline", lambda: admin.update_pipeline(
            pipeline_id=s["pipeline"]["id"], name="Renewals"), ["crm.pipeline.updated"]),
        ("add_stage", lambda: keep("stage", admin.add_stage(
            pipeline_id=s["pipeline"]["id"], name="Extra", probability=50)),
         ["crm.pipeline.stages_changed"]),
        ("update_stage", lambda: admin.update_stage(
            pipeline_id=s["pipeline"]["id"], stage_id=s["stage"]["id"], name="Extra 2"),
         ["crm.pipeline.stages_changed"]),
        ("reorder_stages", lambda: admin.reorder_stages(
            pipeline_id=s["pipeline"]["id"],
            stage_ids=[st["id"] for st in reversed(
                admin.get_pipeline(pipeline_id=s["pipeline"]["id"])["stages"])]),
         ["crm.pipeline.stages_changed"]),
        ("archive_stage", lambda: admin.archive_stage(
            pipeline_id=s["pipeline"]["id"], stage_id=s["stage"]["id"]),
         ["crm.pipeline.stages_changed"]),
        ("archive_pipeline", lambda: admin.archive_pipeline(pipeline_id=s["pipeline"]["id"]),
         ["crm.pipeline.archived"]),
        ("create_deal", lambda: keep("deal", owner.create_deal(
            name="Relaunch", client_id=s["acme"]["id"], amount=EUR)), ["crm.deal.created"]),
        ("update_deal", lambda: owner.update_deal(deal_id=s["deal"]["id"], notes="n"),
         ["crm.deal.updated"]),
        ("move_deal", lambda: owner.move_deal(
            deal_id=s["deal"]["id"], stage_id=owner.list_pipelines()["data"][0]["stages"][1][
                "id"]), ["crm.deal.stage_changed"]),
        ("mark_deal_won", lambda: owner.mark_deal_won(deal_id=s["deal"]["id"]),
         ["crm.deal.won"]),
        ("reopen_deal", lambda: owner.reopen_deal(deal_id=s["deal"]["id"]),
         ["crm.deal.reopened"]),
        ("mark_deal_lost", lambda: owner.mark_deal_lost(deal_id=s["deal"]["id"], reason="r"),
         ["crm.deal.lost"]),
        ("delete_deal", lambda: owner.delete_deal(deal_id=s["deal"]["id"]),
         ["crm.deal.deleted"]),
        ("delete_client", lambda: owner.delete_client(client_id=s["acme"]["id"]),
         ["crm.client.deleted"]),
        # an import's pass runs after the call and announces its end
        ("start_import", start_import, ["crm.import.requested", "crm.import.completed"]),
        ("retry_import", retry_import, ["crm.import.requested", "crm.import.completed"]),
        ("run_import", run_import,
         ["crm.import.requested", "crm.client.created", "crm.import.completed"]),
    ]


def test_every_mutating_method_records_one_event_of_its_type(rpc, firm, records, crm_db):
    owner, admin, member = rpc.as_(firm), rpc.as_(firm, "admin"), rpc.as_(firm, "member")
    owner.list_pipelines()  # the default pipeline, made on first use, is no step's event
    seen = len(records.events(firm.tenant_id))
    walked = set()
    for method, call, expected in _steps(owner, admin, member, firm, records):
        call()
        walked.add(method)
        recorded = [e["type"] for e in records.events(firm.tenant_id)[seen:]]
        assert recorded == expected, method
        seen += len(recorded)
    assert walked == _mutating_methods()
    wait_for_quiet(crm_db)
    assert len(records.events(firm.tenant_id)) == seen  # nothing recorded late
