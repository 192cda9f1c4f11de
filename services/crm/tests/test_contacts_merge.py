"""Merging duplicate contacts, and reassigning a member's records to another member."""

from __future__ import annotations

import uuid

import pytest
from nameko.standalone.events import event_dispatcher

from services.crm.tests.test_identity_events import envelope, joined
from shared.errors import NotFound, PermissionDenied, Unprocessable, ValidationFailed
from shared.testing import wait_until


def test_a_merge_carries_everything_over_and_removes_the_duplicate(rpc, firm, records):
    api = rpc.as_(firm, "member")
    acme = api.create_client(name="Acme", currency="EUR")
    beta = api.create_client(name="Beta", currency="EUR")
    ann = api.create_contact(first_name="Ann", last_name="Lee", tags=["vip"], notes="Met.",
                             emails=[{"value": "ann@acme.test"}])
    dup = api.create_contact(first_name="Ann", last_name="Lee", title="CTO", tags=["golf"],
                             notes="Golfer.", emails=[{"value": "ANN@acme.test"},
                                                      {"value": "ann@home.test"}],
                             phones=[{"value": "+49 30 1234567"}])
    api.link_contact(client_id=acme["id"], contact_id=ann["id"], role="billing")
    api.link_contact(client_id=acme["id"], contact_id=dup["id"], role="sales")
    api.link_contact(client_id=beta["id"], contact_id=dup["id"], role="cto")
    both = records.add_deal(firm.tenant_id, acme["id"], firm.user("member"),
                            contact_ids=(ann["id"], dup["id"]))
    dups = records.add_deal(firm.tenant_id, beta["id"], firm.user("member"),
                            contact_ids=(dup["id"],))

    read = api.get_contact(contact_id=ann["id"])  # linking made Acme its primary: v2
    merged = api.merge_contacts(contact_id=ann["id"], duplicate_id=dup["id"],
                                expected_version=read["version"])
    assert merged["id"] == ann["id"] and merged["title"] == "CTO"
    assert [e["value"] for e in merged["emails"]] == ["ann@acme.test", "ann@home.test"]
    assert merged["primary_email"] == "ann@acme.test"
    assert merged["phones"][0]["value"] == "+49301234567"
    assert merged["tags"] == ["vip", "golf"] and merged["notes"] == "Met.\n\nGolfer."
    links = api.list_contact_clients(contact_id=ann["id"])["data"]
    assert [(link["client_name"], link["role"]) for link in links] == [
        ("Acme", "billing"), ("Beta", "cto")]
    assert records.deal(firm.tenant_id, both)["contact_ids"] == {ann["id"]}
    assert records.deal(firm.tenant_id, dups)["contact_ids"] == {ann["id"]}
    with pytest.raises(NotFound):
        api.get_contact(contact_id=dup["id"])
    assert [c["id"] for c in api.list_contacts(q="home.test")["data"]] == [ann["id"]]
    event = records.events(firm.tenant_id)[-1]
    assert event["type"] == "crm.contact.merged"
    assert event["data"] == {"survivor_id": ann["id"], "merged_id": dup["id"],
                             "name": "Ann Lee", "merged_name": "Ann Lee",
                             "actor_id": firm.user("member")}


def test_a_merge_announces_each_of_the_duplicates_deals_with_a_new_version(
        rpc, firm, records):
    api = rpc.as_(firm, "member")
    acme = api.create_client(name="Acme", currency="EUR")
    ann = api.create_contact(first_name="Ann", last_name="Lee")
    dup = api.create_contact(first_name="Ann", last_name="Lee")
    other = api.create_contact(first_name="Bo", last_name="Yu")
    owner = firm.user("member")
    both = records.add_deal(firm.tenant_id, acme["id"], owner,
                            contact_ids=(ann["id"], dup["id"]))
    repointed = records.add_deal(firm.tenant_id, acme["id"], owner,
                                 contact_ids=(dup["id"], other["id"]))
    untouched = records.add_deal(firm.tenant_id, acme["id"], owner,
                                 contact_ids=(ann["id"],))
    before = len(records.events(firm.tenant_id))

    api.merge_contacts(contact_id=ann["id"], duplicate_id=dup["id"])

    events = records.events(firm.tenant_id)[before:]
    assert [e["type"] for e in events] == [
        "crm.deal.updated", "crm.deal.updated", "crm.contact.merged"]
    assert sorted(e["data"]["deal_id"] for e in events[:2]) == sorted([both, repointed])
    assert all(e["data"]["changed"] == ["contact_ids"] and e["data"]["owner_id"] == owner
               and e["data"]["actor_id"] == owner for e in events[:2])
    assert records.deal(firm.tenant_id, both)["version"] == 2
    assert records.deal(firm.tenant_id, repointed)["version"] == 2
    assert records.deal(firm.tenant_id, repointed)["contact_ids"] == {ann["id"], other["id"]}
    assert records.deal(firm.tenant_id, untouched)["version"] == 1


def test_a_merge_past_a_contacts_limits_is_refused_and_changes_nothing(rpc, firm, records):
    api = rpc.as_(firm, "member")
    ann = api.create_contact(name="Ann", notes="a" * 15_000,
                             emails=[{"value": f"ann{i}@a.test"} for i in range(15)])
    dup = api.create_contact(name="Ann L", notes="b" * 4_000,
                             emails=[{"value": f"ann{i}@b.test"} for i in range(6)])
    with pytest.raises(Unprocessable, match=r"21 emails \(at most 20\)"):
        api.merge_contacts(contact_id=ann["id"], duplicate_id=dup["id"])
    assert api.get_contact(contact_id=ann["id"]) == ann
    assert api.get_contact(contact_id=dup["id"]) == dup
    assert "crm.contact.merged" not in records.event_types(firm.tenant_id)

    trimmed = api.update_contact(contact_id=dup["id"], emails=dup["emails"][:5])
    merged = api.merge_contacts(contact_id=ann["id"], duplicate_id=trimmed["id"])
    assert len(merged["emails"]) == 20 and len(merged["notes"]) == 19_002
    written_back = api.update_contact(contact_id=ann["id"], emails=merged["emails"],
                                      notes=merged["notes"], tags=merged["tags"])
    assert written_back["version"] == merged["version"]  # the same object, accepted


def test_a_merge_refuses_itself_strangers_and_viewers(rpc, firm, other_firm):
    ann = rpc.as_(firm).create_contact(first_name="Ann")
    bob = rpc.as_(firm).create_contact(first_name="Bob")
    eve = rpc.as_(other_firm).create_contact(first_name="Eve")
    with pytest.raises(ValidationFailed):
        rpc.as_(firm).merge_contacts(contact_id=ann["id"], duplicate_id=ann["id"])
    with pytest.raises(NotFound):
        rpc.as_(firm).merge_contacts(contact_id=ann["id"], duplicate_id=eve["id"])
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").merge_contacts(contact_id=ann["id"], duplicate_id=bob["id"])
    assert rpc.as_(other_firm).get_contact(contact_id=eve["id"])["name"] == "Eve"
    assert rpc.as_(firm).get_contact(contact_id=bob["id"])["name"] == "Bob"


@pytest.fixture
def publish(rabbit_config):
    dispatch = event_dispatcher(rabbit_config)

    def send(env):
        dispatch("identity", env["type"], env)
        return env
    return send


def test_an_admin_reassigns_a_removed_members_records_and_their_flags_clear(
        rpc, firm, publish, records):
    ann, bob = str(uuid.uuid4()), str(uuid.uuid4())
    publish(joined(firm, ann))
    publish(joined(firm, bob))

    def owned_by_ann():
        return rpc.as_(firm).create_client(name=f"C {uuid.uuid4().hex[:6]}", currency="EUR",
                                           owner_id=ann)
    client = wait_until(lambda: _try(owned_by_ann))
    contact = rpc.as_(firm).create_contact(first_name="Zed", owner_id=ann)
    wait_until(lambda: _try(lambda: rpc.as_(firm).create_contact(first_name="B", owner_id=bob)))
    open_deal = records.add_deal(firm.tenant_id, client["id"], ann)
    won_deal = records.add_deal(firm.tenant_id, client["id"], ann, status="won")
    publish(envelope(firm, "identity.member.removed",
                     {"user_id": ann, "role": "member", "removed_by": firm.user("owner")}))
    wait_until(lambda: rpc.as_(firm).get_contact(contact_id=contact["id"])["owner_flagged"])

    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "member").reassign_records(from_user_id=ann, to_user_id=bob)
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm, "admin").reassign_records(from_user_id=bob, to_user_id=ann)
    assert set(refused.value.errors) == {"to_user_id"}
    moved = rpc.as_(firm, "admin").reassign_records(from_user_id=ann, to_user_id=bob)
    assert (moved["clients"], moved["contacts"], moved["deals"]) == (1, 1, 1)
    after = rpc.as_(firm).get_client(client_id=client["id"])
    assert (after["owner_id"], after["owner_flagged"], after["version"]) == (
        bob, False, client["version"] + 2)  # one version flagged, one reassigned
    assert rpc.as_(firm).get_contact(contact_id=contact["id"])["owner_id"] == bob
    assert records.deal(firm.tenant_id, open_deal)["owner_id"] == bob
    assert records.deal(firm.tenant_id, open_deal)["owner_flagged"] is False
    assert records.deal(firm.tenant_id, won_deal)["owner_id"] == ann
    event = records.events(firm.tenant_id)[-1]
    assert (event["type"], event["data"]["clients"], event["data"]["actor_id"]) == (
        "crm.records.reassigned", 1, firm.user("admin"))


def test_naming_a_new_owner_on_one_record_clears_its_flag(rpc, firm, publish):
    ann = str(uuid.uuid4())
    publish(joined(firm, ann))
    contact = wait_until(lambda: _try(
        lambda: rpc.as_(firm).create_contact(first_name="Zed", owner_id=ann)))
    publish(envelope(firm, "identity.member.removed",
                     {"user_id": ann, "role": "member", "removed_by": firm.user("owner")}))
    wait_until(lambda: rpc.as_(firm).get_contact(contact_id=contact["id"])["owner_flagged"])
    mine = rpc.as_(firm).update_contact(contact_id=contact["id"], owner_id=firm.user("owner"))
    assert (mine["owner_id"], mine["owner_flagged"]) == (firm.user("owner"), False)


def _try(create):
    try:
        return create()
    except ValidationFailed:
        return None


def test_a_merge_keeps_the_survivors_custom_values_and_the_duplicates_fill_the_rest(
        rpc, firm, records):
    admin = rpc.as_(firm, "admin")
    for key, field_type in (("tier", "text"), ("seats", "number"), ("since", "date"),
                            ("site", "url")):
        admin.create_custom_field(entity="contact", key=key, label=key, type=field_type)
    api = rpc.as_(firm, "member")
    ann = api.create_contact(first_name="Ann", custom={"tier": "gold", "seats": 5})
    dup = api.create_contact(first_name="Ann", last_name="Lee", custom={
        "tier": "silver", "seats": 9, "since": "2024-02-29"})
    with_site = api.update_contact(contact_id=ann["id"], custom={"site": "https://ann.test"})

    merged = api.merge_contacts(contact_id=ann["id"], duplicate_id=dup["id"],
                                expected_version=with_site["version"])
    expected = {"tier": "gold", "seats": 5, "site": "https://ann.test",
                "since": "2024-02-29"}
    assert merged["custom"] == expected
    assert merged["name"] == "Ann Lee"  # her derived name follows the last name filled in
    assert [c["id"] for c in api.list_contacts(q="lee")["data"]] == [ann["id"]]
    assert api.get_contact(contact_id=ann["id"])["custom"] == expected
    assert [c["id"] for c in api.list_contacts(custom={"since": "2024-02-29"})["data"]] == [
        ann["id"]]
    assert api.list_contacts(custom={"tier": "silver"})["data"] == []
    event = records.events(firm.tenant_id)[-1]
    assert event["type"] == "crm.contact.merged"
    assert event["data"] == {"survivor_id": ann["id"], "merged_id": dup["id"],
                             "name": "Ann Lee", "merged_name": "Ann Lee",
                             "actor_id": firm.user("member")}
