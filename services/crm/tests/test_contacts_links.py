"""Links between contacts and clients: roles, the one primary client, tenants kept apart."""

from __future__ import annotations

import pytest

from shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


@pytest.fixture
def acme(rpc, firm):
    return rpc.as_(firm).create_client(name="Acme", currency="EUR")


@pytest.fixture
def ann(rpc, firm):
    return rpc.as_(firm).create_contact(first_name="Ann", last_name="Lee")


def test_the_first_link_makes_the_primary_client_and_both_sides_list_it(rpc, firm, acme, ann,
                                                                        records):
    beta = rpc.as_(firm).create_client(name="Beta", currency="EUR")
    link = rpc.as_(firm, "member").link_contact(client_id=acme["id"], contact_id=ann["id"],
                                                role="billing contact")
    assert (link["role"], link["primary"], link["client_name"]) == (
        "billing contact", True, "Acme")
    second = rpc.as_(firm).link_contact(client_id=beta["id"], contact_id=ann["id"])
    assert second["primary"] is False
    assert rpc.as_(firm).get_contact(contact_id=ann["id"])["primary_client_id"] == acme["id"]
    clients = rpc.as_(firm, "viewer").list_contact_clients(contact_id=ann["id"])["data"]
    assert [(c["client_name"], c["role"], c["primary"]) for c in clients] == [
        ("Acme", "billing contact", True), ("Beta", "", False)]
    contacts = rpc.as_(firm).list_client_contacts(client_id=acme["id"], include_total=True)
    assert [c["contact_name"] for c in contacts["data"]] == ["Ann Lee"]
    assert contacts["page"]["total"] == 1
    linked = records.events(firm.tenant_id)[-1]
    assert linked["type"] == "crm.contact.linked"
    assert linked["data"]["client_id"] == beta["id"] and linked["data"]["primary"] is False


def test_a_link_exists_once_and_changes_role_and_primary(rpc, firm, acme, ann, records):
    beta = rpc.as_(firm).create_client(name="Beta", currency="EUR")
    rpc.as_(firm).link_contact(client_id=acme["id"], contact_id=ann["id"])
    rpc.as_(firm).link_contact(client_id=beta["id"], contact_id=ann["id"])
    with pytest.raises(Conflict):
        rpc.as_(firm).link_contact(client_id=acme["id"], contact_id=ann["id"], role="x")
    changed = rpc.as_(firm).update_link(client_id=beta["id"], contact_id=ann["id"],
                                        role="CEO", primary=True)
    assert (changed["role"], changed["primary"]) == ("CEO", True)
    assert rpc.as_(firm).get_contact(contact_id=ann["id"])["primary_client_id"] == beta["id"]
    assert records.events(firm.tenant_id)[-1]["data"]["changed"] == ["role", "primary"]
    cleared = rpc.as_(firm).update_link(client_id=beta["id"], contact_id=ann["id"],
                                        primary=False)
    assert cleared["primary"] is False
    assert rpc.as_(firm).get_contact(contact_id=ann["id"])["primary_client_id"] is None
    assert rpc.as_(firm, "viewer").get_link(client_id=beta["id"], contact_id=ann["id"]) \
        == cleared


def test_a_link_reads_back_until_unlinked(rpc, firm, acme, ann):
    linked = rpc.as_(firm).link_contact(client_id=acme["id"], contact_id=ann["id"],
                                        role="billing")
    assert rpc.as_(firm, "viewer").get_link(client_id=acme["id"],
                                            contact_id=ann["id"]) == linked
    rpc.as_(firm).unlink_contact(client_id=acme["id"], contact_id=ann["id"])
    with pytest.raises(NotFound):
        rpc.as_(firm).get_link(client_id=acme["id"], contact_id=ann["id"])


def test_unlinking_the_primary_moves_it_to_the_earliest_remaining_link(rpc, firm, acme, ann,
                                                                      records):
    beta = rpc.as_(firm).create_client(name="Beta", currency="EUR")
    gamma = rpc.as_(firm).create_client(name="Gamma", currency="EUR")
    for client in (acme, gamma, beta):
        rpc.as_(firm).link_contact(client_id=client["id"], contact_id=ann["id"])
    rpc.as_(firm).unlink_contact(client_id=acme["id"], contact_id=ann["id"])
    assert rpc.as_(firm).get_contact(contact_id=ann["id"])["primary_client_id"] == gamma["id"]
    assert records.events(firm.tenant_id)[-1]["data"]["primary_client_id"] == gamma["id"]
    rpc.as_(firm).unlink_contact(client_id=beta["id"], contact_id=ann["id"])
    rpc.as_(firm).unlink_contact(client_id=gamma["id"], contact_id=ann["id"])
    assert rpc.as_(firm).get_contact(contact_id=ann["id"])["primary_client_id"] is None
    with pytest.raises(NotFound):
        rpc.as_(firm).unlink_contact(client_id=gamma["id"], contact_id=ann["id"])


def test_another_tenants_ids_in_a_link_are_not_found(rpc, firm, other_firm, acme, ann):
    theirs = rpc.as_(other_firm).create_client(name="Theirs", currency="EUR")
    their_contact = rpc.as_(other_firm).create_contact(first_name="Eve")
    with pytest.raises(NotFound):
        rpc.as_(firm).link_contact(client_id=theirs["id"], contact_id=ann["id"])
    with pytest.raises(NotFound):
        rpc.as_(firm).link_contact(client_id=acme["id"], contact_id=their_contact["id"])
    rpc.as_(firm).link_contact(client_id=acme["id"], contact_id=ann["id"])
    for call in (
        lambda api: api.get_link(client_id=acme["id"], contact_id=ann["id"]),
        lambda api: api.update_link(client_id=acme["id"], contact_id=ann["id"], role="x"),
        lambda api: api.unlink_contact(client_id=acme["id"], contact_id=ann["id"]),
        lambda api: api.list_client_contacts(client_id=acme["id"]),
        lambda api: api.list_contact_clients(contact_id=ann["id"]),
    ):
        with pytest.raises(NotFound):
            call(rpc.as_(other_firm))
    assert len(rpc.as_(firm).list_client_contacts(client_id=acme["id"])["data"]) == 1


def test_viewers_cannot_link_and_bad_ids_are_refused(rpc, firm, acme, ann):
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").link_contact(client_id=acme["id"], contact_id=ann["id"])
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).link_contact(client_id="nope", contact_id=ann["id"], role="x" * 101)
    assert set(refused.value.errors) == {"client_id", "role"}
