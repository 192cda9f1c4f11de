"""Contacts through the running service: create, read, update, delete, list; one event each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.crm.models import Member
from shared.db import tenant_transaction, utcnow
from shared.errors import NotFound, PermissionDenied, PreconditionFailed, ValidationFailed

ANN = {"first_name": "Ann", "last_name": "Lee", "title": "CTO",
       "emails": [{"value": " Ann@Acme.TEST ", "label": "work"},
                  {"value": "ann@home.test", "primary": True}],
       "phones": [{"value": "+49 (30) 1234-5678"}]}


def test_a_member_creates_a_contact_with_normalised_emails_and_phones(rpc, firm, records):
    ann = rpc.as_(firm, "member").create_contact(**ANN, tags=["VIP", "vip"])
    assert ann["name"] == "Ann Lee" and ann["title"] == "CTO"
    assert ann["emails"] == [{"value": "ann@acme.test", "label": "work", "primary": False},
                             {"value": "ann@home.test", "label": "", "primary": True}]
    assert ann["primary_email"] == "ann@home.test"
    assert ann["phones"] == [{"value": "+493012345678", "label": "", "primary": True}]
    assert (ann["owner_id"], ann["tags"], ann["version"]) == (firm.user("member"), ["VIP"], 1)
    assert ann["primary_client_id"] is None
    assert rpc.as_(firm, "viewer").get_contact(contact_id=ann["id"]) == ann
    event = records.events(firm.tenant_id)[-1]
    assert (event["type"], event["data"]["name"], event["data"]["actor_id"]) == (
        "crm.contact.created", "Ann Lee", firm.user("member"))


def test_bad_contacts_are_refused_field_by_field(rpc, firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).create_contact(
            first_name="x" * 101, emails=[{"value": "not-an-email"}],
            phones=[{"value": "030 1234"}, {"value": "+49 1"}], colour="red")
    assert set(refused.value.errors) == {
        "first_name", "emails.0.value", "phones.0.value", "phones.1.value", "colour"}
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).create_contact(first_name=" ", emails=[{"value": "a@b.test"}])
    assert set(refused.value.errors) == {"name"}
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).create_contact(first_name="A", emails=[
            {"value": "a@b.test", "primary": True}, {"value": "c@b.test", "primary": True}])
    assert set(refused.value.errors) == {"emails"}


def test_viewers_cannot_write_and_only_admins_delete(rpc, firm, records):
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").create_contact(first_name="Ann")
    ann = rpc.as_(firm).create_contact(first_name="Ann")
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").update_contact(contact_id=ann["id"], title="X")
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "member").delete_contact(contact_id=ann["id"])
    rpc.as_(firm, "admin").delete_contact(contact_id=ann["id"])
    with pytest.raises(NotFound):
        rpc.as_(firm).get_contact(contact_id=ann["id"])
    assert records.events(firm.tenant_id)[-1]["data"] == {
        "contact_id": ann["id"], "name": "Ann", "actor_id": firm.user("admin")}


def test_another_tenants_contact_is_not_found_anywhere(rpc, firm, other_firm):
    ann = rpc.as_(firm).create_contact(**ANN)
    for call in (lambda api: api.get_contact(contact_id=ann["id"]),
                 lambda api: api.update_contact(contact_id=ann["id"], title="Spy"),
                 lambda api: api.delete_contact(contact_id=ann["id"])):
        with pytest.raises(NotFound):
            call(rpc.as_(other_firm))
    assert rpc.as_(other_firm).list_contacts()["data"] == []
    assert rpc.as_(other_firm).list_contacts(email="ann@home.test")["data"] == []


def test_an_update_follows_the_derived_name_and_refuses_a_stale_version(rpc, firm, records):
    ann = rpc.as_(firm).create_contact(**ANN)
    moved = rpc.as_(firm).update_contact(contact_id=ann["id"], expected_version=1,
                                         last_name="Smith", phones=[])
    assert (moved["name"], moved["phones"], moved["version"]) == ("Ann Smith", [], 2)
    assert records.events(firm.tenant_id)[-1]["data"]["changed"] == [
        "last_name", "name", "phones"]
    with pytest.raises(PreconditionFailed):
        rpc.as_(firm).update_contact(contact_id=ann["id"], expected_version=1, title="X")
    named = rpc.as_(firm).update_contact(contact_id=ann["id"], name="Dr. Ann")
    assert rpc.as_(firm).update_contact(contact_id=ann["id"], first_name="Anna")["name"] == (
        named["name"])
    unchanged = rpc.as_(firm).update_contact(contact_id=ann["id"], title="CTO")
    assert unchanged["version"] == named["version"] + 1  # only first_name changed since


def test_lists_search_filter_sort_and_page(rpc, firm):
    api = rpc.as_(firm)
    zoe = api.create_contact(first_name="Zoe", last_name="Adams", tags=["golf"],
                             emails=[{"value": "zoe@adams.test"}])
    bob = api.create_contact(first_name="Bob", last_name="Smithers",
                             phones=[{"value": "+1 650 253 0000"}])
    ann = rpc.as_(firm, "member").create_contact(first_name="Ann", last_name="Smith",
                                                 tags=["golf"])
    first = api.list_contacts(limit=2)
    assert [c["name"] for c in first["data"]] == ["Ann Smith", "Bob Smithers"]
    rest = api.list_contacts(limit=2, cursor=first["page"]["next_cursor"])
    assert [c["id"] for c in rest["data"]] == [zoe["id"]] and not rest["page"]["has_more"]
    assert [c["id"] for c in api.list_contacts(q="SMITH")["data"]] == [ann["id"], bob["id"]]
    assert [c["id"] for c in api.list_contacts(q="@adams")["data"]] == [zoe["id"]]
    assert [c["id"] for c in api.list_contacts(q="6502530")["data"]] == [bob["id"]]
    assert [c["id"] for c in api.list_contacts(tag="golf", sort="-name")["data"]] == [
        zoe["id"], ann["id"]]
    assert [c["id"] for c in api.list_contacts(email="ZOE@adams.test")["data"]] == [zoe["id"]]
    assert [c["id"] for c in api.list_contacts(owner_id=firm.user("member"))["data"]] == [
        ann["id"]]
    assert [c["id"] for c in rpc.as_(firm, "member").list_contacts(mine=True)["data"]] == [
        ann["id"]]
    assert [c["id"] for c in api.list_contacts(sort="-created_at")["data"]] == [
        ann["id"], bob["id"], zoe["id"]]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert api.list_contacts(created_after=later, include_total=True)["page"]["total"] == 0
    with pytest.raises(ValidationFailed) as refused:
        api.list_contacts(sort="title", cursor="nonsense")
    assert "sort" in refused.value.errors
    with pytest.raises(ValidationFailed):
        api.list_contacts(cursor=api.list_clients(limit=1)["page"]["next_cursor"] or "x")


def test_a_client_filter_names_a_client_of_the_tenant(rpc, firm, other_firm):
    client = rpc.as_(firm).create_client(name="Acme", currency="EUR")
    ann = rpc.as_(firm).create_contact(first_name="Ann")
    rpc.as_(firm).create_contact(first_name="Bob")
    rpc.as_(firm).link_contact(client_id=client["id"], contact_id=ann["id"], role="CTO")
    assert [c["id"] for c in rpc.as_(firm).list_contacts(client_id=client["id"])["data"]] == [
        ann["id"]]
    with pytest.raises(NotFound):
        rpc.as_(other_firm).list_contacts(client_id=client["id"])


def test_a_listed_contact_carries_its_owners_name_and_only_active_custom_values(
        rpc, firm, other_firm, crm_db):
    owner = rpc.as_(firm, "member")
    with tenant_transaction(crm_db.sessions, firm.context()) as session:
        session.add(Member(user_id=uuid.UUID(firm.user("member")), name="Mia Member",
                           role="member", updated_at=utcnow()))
    with tenant_transaction(crm_db.sessions, other_firm.context()) as session:
        # the same user in another tenant, under another name: never shown here
        session.add(Member(user_id=uuid.UUID(firm.user("member")), name="Elsewhere",
                           role="member", updated_at=utcnow()))
    bare = owner.create_contact(first_name="Bea", last_name="Bare")
    assert owner.list_contacts()["data"][0]["custom"] == {}  # no fields defined at all
    admin = rpc.as_(firm, "admin")
    level = admin.create_custom_field(entity="contact", key="level", label="Level", type="text")
    admin.create_custom_field(entity="contact", key="seat", label="Seat", type="number")
    owner.create_contact(first_name="Ann", last_name="Lee", custom={"level": "A", "seat": 3})
    rpc.as_(firm).create_contact(first_name="Cy", last_name="Owned-By-Owner")
    admin.archive_custom_field(custom_field_id=level["id"])

    listed = {c["name"]: c for c in rpc.as_(firm, "viewer").list_contacts()["data"]}
    assert listed["Ann Lee"]["custom"] == {"seat": 3}
    assert listed["Ann Lee"] == rpc.as_(firm).get_contact(contact_id=listed["Ann Lee"]["id"])
    assert (listed["Ann Lee"]["owner_name"], listed["Bea Bare"]["owner_name"]) == (
        "Mia Member", "Mia Member")
    assert listed["Cy Owned-By-Owner"]["owner_name"] is None  # not (yet) a known member
    assert listed["Bea Bare"]["id"] == bare["id"]
