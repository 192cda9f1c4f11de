"""Clients change: update (If-Match versions), archive and restore, delete; one event each."""

from __future__ import annotations

import pytest

from shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Unprocessable,
    ValidationFailed,
)


def new_client(rpc, firm, name="Acme", **fields):
    return rpc.as_(firm, "member").create_client(name=name, currency="EUR", **fields)


def test_an_update_changes_the_given_fields_and_names_them_in_its_event(rpc, firm, records):
    client = new_client(rpc, firm, website="https://acme.example", tags=["a"])
    updated = rpc.as_(firm, "member").update_client(
        client_id=client["id"], expected_version=1, website="https://www.acme.test/",
        notes="Key account", tags=["a"])
    assert updated["domain"] == "acme.test" and updated["notes"] == "Key account"
    assert updated["version"] == 2 and updated["tags"] == ["a"]
    assert rpc.as_(firm).list_clients(q="acme.test")["data"][0]["id"] == client["id"]
    event = records.events(firm.tenant_id)[-1]
    assert event["type"] == "crm.client.updated"
    assert event["data"]["changed"] == ["website", "notes"]
    assert event["data"]["actor_id"] == firm.user("member")


def test_a_stale_version_is_refused_and_nothing_changes(rpc, firm):
    client = new_client(rpc, firm)
    rpc.as_(firm).update_client(client_id=client["id"], expected_version=1, name="Acme 2")
    with pytest.raises(PreconditionFailed):
        rpc.as_(firm).update_client(client_id=client["id"], expected_version=1, name="Acme 3")
    assert rpc.as_(firm).get_client(client_id=client["id"])["name"] == "Acme 2"


def test_an_update_without_change_records_no_event_and_keeps_the_version(rpc, firm, records):
    client = new_client(rpc, firm, notes="x")
    same = rpc.as_(firm).update_client(client_id=client["id"], notes="x", name="Acme")
    assert same["version"] == 1
    assert records.event_types(firm.tenant_id) == ["crm.client.created"]


def test_a_rename_to_an_existing_name_needs_confirmation(rpc, firm):
    new_client(rpc, firm, "Beta")
    client = new_client(rpc, firm, "Acme")
    with pytest.raises(Conflict):
        rpc.as_(firm).update_client(client_id=client["id"], name="BETA")
    assert rpc.as_(firm).update_client(client_id=client["id"], name="acme")["name"] == "acme"
    renamed = rpc.as_(firm).update_client(client_id=client["id"], name="BETA",
                                          confirm_duplicate_name=True)
    assert renamed["name"] == "BETA"


def test_update_refuses_bad_input_strangers_viewers_and_non_members(rpc, firm, other_firm):
    client = new_client(rpc, firm)
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).update_client(client_id=client["id"], name="", currency="XX",
                                    status="archived", tenant_id=other_firm.tenant_id)
    assert set(refused.value.errors) == {"name", "currency", "status", "tenant_id"}
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).update_client(client_id=client["id"],
                                    owner_id="00000000-0000-0000-0000-000000000001")
    assert set(refused.value.errors) == {"owner_id"}
    with pytest.raises(NotFound):
        rpc.as_(other_firm).update_client(client_id=client["id"], name="Mine now")
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").update_client(client_id=client["id"], name="X")


def test_archive_and_restore_bring_back_the_status_before(rpc, firm, records):
    client = new_client(rpc, firm, status="active")
    archived = rpc.as_(firm).archive_client(client_id=client["id"], expected_version=1)
    assert archived["status"] == "archived" and archived["archived_at"]
    assert rpc.as_(firm).archive_client(client_id=client["id"])["version"] == archived["version"]
    assert [c["id"] for c in rpc.as_(firm).list_clients(status="archived")["data"]] == [
        client["id"]]
    with pytest.raises(Unprocessable):
        rpc.as_(firm).update_client(client_id=client["id"], status="lead")
    restored = rpc.as_(firm).restore_client(client_id=client["id"])
    assert (restored["status"], restored["archived_at"]) == ("active", None)
    assert records.event_types(firm.tenant_id) == [
        "crm.client.created", "crm.client.archived", "crm.client.restored"]
    assert records.events(firm.tenant_id)[-1]["data"]["status"] == "active"
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").archive_client(client_id=client["id"])


def test_only_admins_delete_and_a_client_with_deals_is_kept(rpc, firm, other_firm, records):
    client = new_client(rpc, firm)
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "member").delete_client(client_id=client["id"])
    with pytest.raises(NotFound):
        rpc.as_(other_firm, "admin").delete_client(client_id=client["id"])
    records.add_deal(firm.tenant_id, client["id"], firm.user("member"))
    with pytest.raises(Conflict):
        rpc.as_(firm, "admin").delete_client(client_id=client["id"])
    free = new_client(rpc, firm, "Free")
    rpc.as_(firm, "admin").delete_client(client_id=free["id"])
    with pytest.raises(NotFound):
        rpc.as_(firm).get_client(client_id=free["id"])
    deleted = records.events(firm.tenant_id)[-1]
    assert deleted["type"] == "crm.client.deleted"
    assert deleted["data"] == {"client_id": free["id"], "name": "Free",
                               "actor_id": firm.user("admin")}


def test_deleting_a_contacts_primary_client_moves_its_primary_to_the_next_link(
        rpc, firm, records):
    first, second = new_client(rpc, firm, "First"), new_client(rpc, firm, "Second")
    ann = rpc.as_(firm).create_contact(first_name="Ann", last_name="Lee")
    rpc.as_(firm).link_contact(client_id=first["id"], contact_id=ann["id"])
    rpc.as_(firm).link_contact(client_id=second["id"], contact_id=ann["id"])
    before = rpc.as_(firm).get_contact(contact_id=ann["id"])
    rpc.as_(firm).delete_client(client_id=first["id"])
    after = rpc.as_(firm).get_contact(contact_id=ann["id"])
    assert after["primary_client_id"] == second["id"]
    assert after["version"] == before["version"] + 1
    updated, deleted = records.events(firm.tenant_id)[-2:]
    assert (updated["type"], deleted["type"]) == ("crm.contact.updated", "crm.client.deleted")
    assert updated["data"] == {"contact_id": ann["id"], "name": "Ann Lee",
                               "changed": ["primary_client_id"], "owner_id": ann["owner_id"],
                               "actor_id": firm.user("owner")}
    assert [link["client_id"] for link in
            rpc.as_(firm).list_contact_clients(contact_id=ann["id"])["data"]] == [second["id"]]
