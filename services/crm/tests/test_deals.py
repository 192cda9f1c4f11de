"""Deals through the running service: create, read, list, edit, delete; tenants kept apart."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from shared.errors import (
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Unprocessable,
    ValidationFailed,
)
from shared.money import NO_CURRENCY

EUR = {"amount": "1234.50", "currency": "EUR"}


@pytest.fixture
def db(crm_db):
    engine = create_engine(crm_db.owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def contact(db):
    """A contact of a tenant, inserted directly (contacts have their own tests)."""
    def make(firm, name="Ann Example"):
        contact_id = str(uuid.uuid4())
        with db.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                         {"t": firm.tenant_id})
            conn.execute(text(
                "INSERT INTO contacts (id, tenant_id, name, first_name, last_name, owner_id, "
                "notes, search_text, version) VALUES (:id, :t, :n, '', '', :o, '', '', 1)"),
                {"id": contact_id, "t": firm.tenant_id, "n": name, "o": firm.user("owner")})
        return contact_id
    return make


@pytest.fixture
def outbox(db):
    def events(firm, event_type):
        with db.connect() as conn:
            rows = conn.execute(text(
                "SELECT envelope FROM outbox WHERE tenant_id = :t AND event_type = :e "
                "ORDER BY created_at"), {"t": firm.tenant_id, "e": event_type})
            return [row.envelope["data"] for row in rows]
    return events


@pytest.fixture
def client(rpc, firm):
    return rpc.as_(firm).create_client(name="Acme GmbH", currency="EUR")


def new_deal(api, client, **fields):
    return api.create_deal(**{"name": "Website relaunch", "client_id": client["id"],
                              "amount": EUR, **fields})


def test_a_member_creates_a_deal_in_the_default_pipelines_first_stage(rpc, firm, client,
                                                                      contact, outbox):
    ann = contact(firm)
    deal = new_deal(rpc.as_(firm, "member"), client, contact_ids=[ann, ann],
                    expected_close_date="2026-12-15", tags=["web"], source="referral")
    pipeline = rpc.as_(firm).list_pipelines()["data"][0]
    assert deal["pipeline_id"] == pipeline["id"]
    assert deal["stage_id"] == pipeline["stages"][0]["id"]
    assert deal["stage_name"] == "Qualified" and deal["probability"] == 10
    assert deal["amount"] == EUR and deal["won_amount"] is None
    assert deal["client_name"] == "Acme GmbH" and deal["contact_ids"] == [ann]
    assert deal["owner_id"] == firm.user("member") and deal["status"] == "open"
    assert deal["expected_close_date"] == "2026-12-15" and deal["version"] == 1
    assert rpc.as_(firm, "viewer").get_deal(deal_id=deal["id"]) == deal
    [created] = outbox(firm, "crm.deal.created")
    assert created["deal_id"] == deal["id"] and created["amount"] == EUR
    assert created["actor_id"] == firm.user("member") and created["contact_ids"] == [ann]


def test_a_listed_deal_is_the_deals_own_view_with_its_names_and_contacts(rpc, firm, client,
                                                                         contact):
    member = rpc.as_(firm, "member")
    ann, bob = contact(firm), contact(firm)
    both = new_deal(member, client, contact_ids=[bob, ann], name="Both")
    bare = new_deal(member, client, name="No contacts")
    listed = {d["id"]: d for d in rpc.as_(firm, "viewer").list_deals()["data"]}
    assert listed == {d["id"]: rpc.as_(firm).get_deal(deal_id=d["id"]) for d in (both, bare)}
    assert listed[both["id"]]["contact_ids"] == sorted([ann, bob])
    assert listed[bare["id"]]["contact_ids"] == []
    assert listed[bare["id"]]["client_name"] == "Acme GmbH"
    assert listed[bare["id"]]["stage_name"] == "Qualified"


def test_money_is_a_decimal_string_in_the_currencys_minor_unit(rpc, firm, client):
    api = rpc.as_(firm)
    assert new_deal(api, client, amount={"amount": 100, "currency": "jpy"})["amount"] == {
        "amount": "100", "currency": "JPY"}
    for bad in ({"amount": 12.5, "currency": "EUR"}, {"amount": "1.234", "currency": "EUR"},
                {"amount": "-1", "currency": "EUR"}, {"amount": "1", "currency": NO_CURRENCY},
                {"amount": "1"}, "12"):
        with pytest.raises(ValidationFailed) as refused:
            new_deal(api, client, amount=bad)
        assert all(key.startswith("amount") for key in refused.value.errors), bad


def test_another_tenants_client_contact_or_stage_is_not_found(rpc, firm, other_firm, client,
                                                              contact):
    theirs = rpc.as_(other_firm)
    their_client = theirs.create_client(name="Theirs", currency="EUR")
    their_stage = theirs.list_pipelines()["data"][0]["stages"][0]["id"]
    api = rpc.as_(firm)
    with pytest.raises(NotFound):
        new_deal(api, their_client)
    with pytest.raises(NotFound):
        new_deal(api, client, contact_ids=[contact(other_firm)])
    with pytest.raises(NotFound):
        new_deal(api, client, stage_id=their_stage)
    deal = new_deal(api, client)
    with pytest.raises(NotFound):
        theirs.get_deal(deal_id=deal["id"])
    with pytest.raises(NotFound):
        theirs.mark_deal_won(deal_id=deal["id"])
    assert theirs.list_deals()["data"] == []


def test_another_tenants_ids_in_list_filters_are_not_found(rpc, firm, other_firm, client,
                                                           contact):
    theirs = rpc.as_(other_firm)
    their_client = theirs.create_client(name="Theirs", currency="EUR")
    their_pipeline = theirs.list_pipelines()["data"][0]
    their_deal = new_deal(theirs, their_client, contact_ids=[contact(other_firm)])
    api = rpc.as_(firm)
    new_deal(api, client)
    for name, value in (("client_id", their_client["id"]),
                        ("contact_id", their_deal["contact_ids"][0]),
                        ("pipeline_id", their_pipeline["id"]),
                        ("stage_id", their_pipeline["stages"][0]["id"]),
                        ("client_id", str(uuid.uuid4()))):
        with pytest.raises(NotFound):
            api.list_deals(**{name: value})
    with pytest.raises(NotFound):
        api.list_contacts(client_id=their_client["id"])
    mine = api.list_pipelines()["data"][0]
    assert len(api.list_deals(pipeline_id=mine["id"], client_id=client["id"])["data"]) == 1


def test_a_viewer_reads_but_cannot_write_and_only_admins_delete(rpc, firm, client, outbox):
    deal = new_deal(rpc.as_(firm, "member"), client)
    with pytest.raises(PermissionDenied):
        new_deal(rpc.as_(firm, "viewer"), client)
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "member").delete_deal(deal_id=deal["id"])
    with pytest.raises(PreconditionFailed):
        rpc.as_(firm, "admin").delete_deal(deal_id=deal["id"], expected_version=0)
    rpc.as_(firm, "admin").delete_deal(deal_id=deal["id"], expected_version=deal["version"])
    with pytest.raises(NotFound):
        rpc.as_(firm).get_deal(deal_id=deal["id"])
    assert [e["deal_id"] for e in outbox(firm, "crm.deal.deleted")] == [deal["id"]]


def test_bad_input_is_refused_field_by_field(rpc, firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).create_deal(name="", client_id="nope", amount=EUR, colour="red",
                                  expected_close_date="31/12/2026")
    assert set(refused.value.errors) == {"name", "client_id", "colour", "expected_close_date"}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_an_expected_close_date_outside_what_a_forecast_covers_is_refused(rpc, firm, client,
                                                                          day):
    api = rpc.as_(firm)
    with pytest.raises(ValidationFailed) as refused:
        new_deal(api, client, expected_close_date=day)
    assert set(refused.value.errors) == {"expected_close_date"}
    deal = new_deal(api, client, expected_close_date="9998-12-31")
    with pytest.raises(ValidationFailed) as refused:
        api.update_deal(deal_id=deal["id"], expected_close_date=day)
    assert set(refused.value.errors) == {"expected_close_date"}


def test_an_update_changes_what_was_sent_once_per_version(rpc, firm, client, contact, outbox):
    api = rpc.as_(firm)
    deal = new_deal(api, client, notes="keep")
    ann = contact(firm)
    changed = api.update_deal(deal_id=deal["id"], expected_version=1, name="Relaunch 2",
                              amount={"amount": "2000", "currency": "EUR"},
                              contact_ids=[ann], expected_close_date=None)
    assert changed["name"] == "Relaunch 2" and changed["notes"] == "keep"
    assert changed["amount"] == {"amount": "2000.00", "currency": "EUR"}
    assert changed["contact_ids"] == [ann] and changed["version"] == 2
    [event] = outbox(firm, "crm.deal.updated")
    assert event["changed"] == ["amount", "contact_ids", "name"]
    with pytest.raises(PreconditionFailed):
        api.update_deal(deal_id=deal["id"], expected_version=1, name="Stale")
    same = api.update_deal(deal_id=deal["id"], name="Relaunch 2")
    assert same["version"] == 2 and len(outbox(firm, "crm.deal.updated")) == 1
    with pytest.raises(ValidationFailed) as refused:
        api.update_deal(deal_id=deal["id"], stage_id=deal["stage_id"])
    assert set(refused.value.errors) == {"stage_id"}
    assert [d["id"] for d in api.list_deals(q="relaunch 2")["data"]] == [deal["id"]]
    unlinked = api.update_deal(deal_id=deal["id"], contact_ids=[], expected_version=2)
    assert unlinked["contact_ids"] == [] and unlinked["version"] == 3  # a new ETag


def test_won_deals_keep_their_amount_but_take_housekeeping(rpc, firm, client):
    api = rpc.as_(firm)
    deal = new_deal(api, client)
    api.mark_deal_won(deal_id=deal["id"])
    with pytest.raises(Unprocessable):
        api.update_deal(deal_id=deal["id"], amount={"amount": "1", "currency": "EUR"})
    assert api.update_deal(deal_id=deal["id"], notes="Signed")["notes"] == "Signed"


def test_lists_filter_sort_and_page(rpc, firm, client, contact):
    api = rpc.as_(firm)
    ann = contact(firm)
    a = new_deal(api, client, name="Alpha", expected_close_date="2026-12-01", tags=["x"],
                 amount={"amount": "10", "currency": "EUR"})
    b = new_deal(api, client, name="Beta", amount={"amount": "30", "currency": "USD"},
                 contact_ids=[ann])
    c = new_deal(api, client, name="Gamma", expected_close_date="2026-11-01",
                 amount={"amount": "20", "currency": "EUR"})
    api.mark_deal_lost(deal_id=c["id"], reason="Budget")
    ids = lambda page: [d["id"] for d in page["data"]]  # noqa: E731
    assert ids(api.list_deals()) == [c["id"], b["id"], a["id"]]
    first = api.list_deals(sort="expected_close_date", limit=2)
    assert ids(first) == [c["id"], a["id"]]
    rest = api.list_deals(sort="expected_close_date", limit=2,
                          cursor=first["page"]["next_cursor"])
    assert ids(rest) == [b["id"]] and not rest["page"]["has_more"]  # undated last
    last_first = api.list_deals(sort="-expected_close_date", limit=1)
    assert ids(last_first) == [b["id"]]
    assert ids(api.list_deals(sort="-expected_close_date", limit=1,
                              cursor=last_first["page"]["next_cursor"])) == [a["id"]]
    assert ids(api.list_deals(status="open", sort="name")) == [a["id"], b["id"]]
    assert ids(api.list_deals(contact_id=ann)) == [b["id"]]
    assert ids(api.list_deals(tag="x")) == [a["id"]]
    assert ids(api.list_deals(currency="eur", amount_min="15")) == [c["id"]]
    assert ids(api.list_deals(expected_close_from="2026-11-15",
                              expected_close_to="2026-12-31")) == [a["id"]]
    assert ids(api.list_deals(q="acme", sort="amount")) == [a["id"], c["id"], b["id"]]
    assert api.list_deals(mine=True, include_total=True)["page"]["total"] == 3
    with pytest.raises(ValidationFailed):
        api.list_deals(sort="probability")
    with pytest.raises(ValidationFailed):
        api.list_deals(cursor=first["page"]["next_cursor"], sort="name")


def test_custom_fields_of_deals_are_checked_shown_filtered_and_sorted(rpc, firm, client):
    admin = rpc.as_(firm, "admin")
    admin.create_custom_field(entity="deal", key="budget_code", label="Budget code",
                              type="text")
    api = rpc.as_(firm)
    b = new_deal(api, client, name="B", custom={"budget_code": "Z-2"})
    a = new_deal(api, client, name="A", custom={"budget_code": "A-1"})
    assert b["custom"] == {"budget_code": "Z-2"}
    with pytest.raises(ValidationFailed) as refused:
        new_deal(api, client, custom={"colour": "red"})
    assert set(refused.value.errors) == {"custom.colour"}
    assert [d["id"] for d in api.list_deals(custom={"budget_code": "Z-2"})["data"]] == [b["id"]]
    assert [d["id"] for d in api.list_deals(sort="custom.budget_code")["data"]] == [
        a["id"], b["id"]]
    cleared = api.update_deal(deal_id=b["id"], custom={"budget_code": None})
    assert cleared["custom"] == {} and cleared["version"] == 2


def test_a_renamed_clients_deals_are_found_by_its_new_name_only(rpc, firm, client, outbox):
    api = rpc.as_(firm)
    deals = [new_deal(api, client, name=f"Relaunch {i}") for i in range(3)]
    other = new_deal(api, api.create_client(name="Beta AG", currency="EUR"), name="Audit")
    renamed = api.update_client(client_id=client["id"], name="Zenith Partners")
    assert renamed["name"] == "Zenith Partners"
    ids = lambda page: sorted(d["id"] for d in page["data"])  # noqa: E731
    assert ids(api.list_deals(q="zenith")) == sorted(d["id"] for d in deals)
    assert ids(api.list_deals(q="acme")) == []
    assert ids(api.list_deals(q="relaunch 1 zenith")) == [deals[1]["id"]]
    assert ids(api.list_deals(q="beta")) == [other["id"]]
    after = api.get_deal(deal_id=deals[0]["id"])
    assert after["client_name"] == "Zenith Partners"
    assert (after["version"], after["updated_at"]) == (deals[0]["version"],
                                                      deals[0]["updated_at"])
    assert outbox(firm, "crm.deal.updated") == []  # derived text, not an edit
    moved = api.update_deal(deal_id=other["id"], client_id=client["id"])
    assert ids(api.list_deals(q="audit zenith")) == [moved["id"]]
