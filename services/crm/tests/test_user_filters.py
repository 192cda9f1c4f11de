"""Lists filtered by a user (`owner_id`, a user custom field) through the running service:
an id the tenant never knew, another tenant's user above all, is NotFound as a foreign
client id in a filter is; the caller, members (removed ones too, whose records stay theirs
until reassigned) and whoever a record already holds filter as usual."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.crm.use_cases import members
from shared.db import tenant_transaction
from shared.errors import NotFound

EUR = {"amount": "100.00", "currency": "EUR"}
FORECAST = {"from": "2026-01-01", "to": "2026-12-31", "currency": "EUR"}


@pytest.fixture
def member(crm_db):
    """Tell crm about a member as identity's events would (`active=False`: removed)."""
    def record(firm, user_id, *, active=True, later=0):
        with tenant_transaction(crm_db.sessions, firm.context()) as session:
            members.record_member(session, tenant_id=uuid.UUID(firm.tenant_id),
                                  user_id=uuid.UUID(user_id), role="member", active=active,
                                  occurred_at=datetime.now(UTC) + timedelta(seconds=later))
        return user_id
    return record


def _lists(api):
    """Each list with its rows' names, filtered by `**query`."""
    return {
        "clients": lambda **q: [r["name"] for r in api.list_clients(**q)["data"]],
        "contacts": lambda **q: [r["name"] for r in api.list_contacts(**q)["data"]],
        "deals": lambda **q: [r["name"] for r in api.list_deals(**q)["data"]],
    }


def test_another_tenants_user_or_an_unknown_id_filters_no_list(rpc, firm, other_firm, member):
    theirs = member(other_firm, other_firm.user("member"))
    rpc.as_(other_firm, "member").create_client(name="Theirs", currency="EUR")
    api = rpc.as_(firm)
    mine = api.create_client(name="Mine", currency="EUR")
    api.create_contact(first_name="Ann")
    api.create_deal(name="Deal", client_id=mine["id"], amount=EUR,
                    expected_close_date="2026-06-30")
    for name, listed in _lists(api).items():
        for stranger in (theirs, str(uuid.uuid4())):
            with pytest.raises(NotFound):
                listed(owner_id=stranger)
        assert len(listed(owner_id=firm.user("owner"))) == 1
        assert listed(owner_id=firm.user("owner")) == listed(mine=True), name
    with pytest.raises(NotFound):
        api.forecast(**FORECAST, owner_id=theirs)
    [owner] = api.forecast(**FORECAST, owner_id=firm.user("owner"))["by_owner"]
    assert owner["owner_id"] == firm.user("owner")
    assert _lists(api)["clients"](mine=True) == ["Mine"]
    assert _lists(rpc.as_(firm, "viewer"))["clients"](owner_id=firm.user("viewer")) == []
    assert _lists(rpc.as_(other_firm))["clients"](owner_id=theirs) == ["Theirs"]


def test_members_removed_ones_and_owners_crm_has_not_heard_of_yet_filter(rpc, firm, member):
    ann, bob = member(firm, str(uuid.uuid4())), member(firm, str(uuid.uuid4()))
    admin = rpc.as_(firm, "admin")
    client = admin.create_client(name="Ann's", currency="EUR", owner_id=ann)
    admin.create_contact(first_name="Zed", owner_id=ann)
    admin.create_deal(name="Ann's deal", client_id=client["id"], amount=EUR, owner_id=ann)
    member(firm, ann, active=False, later=1)  # removed: her records await a new owner
    new = rpc.as_(firm, "member")  # a member whose joined event has not reached crm
    new.create_client(name="New's", currency="EUR")
    lists = _lists(admin)
    assert (lists["clients"](owner_id=ann), lists["contacts"](owner_id=ann),
            lists["deals"](owner_id=ann)) == (["Ann's"], ["Zed"], ["Ann's deal"])
    assert lists["clients"](owner_id=bob) == []
    assert lists["clients"](owner_id=firm.user("member")) == ["New's"]


def test_a_user_field_filters_by_a_user_the_tenant_knows_only(rpc, firm, other_firm, member):
    ann = member(firm, str(uuid.uuid4()))
    stranger = member(other_firm, other_firm.user("owner"))
    admin = rpc.as_(firm)
    for entity in ("client", "contact"):
        admin.create_custom_field(entity=entity, key="manager", label="Manager", type="user")
    admin.create_client(name="Managed", currency="EUR", custom={"manager": ann})
    admin.create_contact(first_name="Zed", custom={"manager": ann})
    assert [c["name"] for c in admin.list_clients(custom={"manager": ann})["data"]] == [
        "Managed"]
    assert [c["name"] for c in admin.list_contacts(custom={"manager": ann})["data"]] == ["Zed"]
    assert admin.list_clients(custom={"manager": firm.user("owner")})["data"] == []
    for unknown in (stranger, str(uuid.uuid4())):
        with pytest.raises(NotFound):
            admin.list_clients(custom={"manager": unknown})
        with pytest.raises(NotFound):
            admin.list_contacts(custom={"manager": unknown})
