"""Custom fields through the gateway: admins define them, values ride on clients, lists
filter (`custom[<key>]=`) and sort (`sort=custom.<key>`) by them, archiving breaks nothing."""

from __future__ import annotations

import uuid

from shared.testing import wait_until
from tests.e2e.helpers import Api, assert_problem, invite_and_join, signup

FIELDS = "/api/v1/crm/custom-fields"
CLIENTS = "/api/v1/crm/clients"
TIER = {"entity": "client", "key": "tier", "label": "Tier", "type": "single_select",
        "options": [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]}


def define(api: Api, account, **body):
    response = api.post(FIELDS, headers=account.auth, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def new_client(api: Api, account, name: str, **custom):
    response = api.post(CLIENTS, headers=account.auth,
                        json={"name": name, "currency": "EUR", "custom": custom})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_owner_manages_definitions_with_etags(api: Api, owner):
    created = api.post(FIELDS, headers=owner.auth, json=TIER)
    assert created.status_code == 201, created.text
    field = created.json()
    url = f"{FIELDS}/{field['id']}"
    assert created.headers["Location"] == url and created.headers["ETag"] == '"1"'
    read = api.get(url, headers=owner.auth)
    assert read.status_code == 200 and read.json() == field
    assert_problem(api.patch(url, headers=owner.auth, json={"label": "X"}), 428)
    changed = api.patch(url, headers={**owner.auth, "If-Match": '"1"'},
                        json={"label": "Client tier", "required": True})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"' and changed.json()["label"] == "Client tier"
    assert_problem(api.patch(url, headers={**owner.auth, "If-Match": '"1"'},
                             json={"label": "Stale"}), 412)
    immutable = api.patch(url, headers={**owner.auth, "If-Match": '"2"'},
                          json={"type": "text", "key": "level"})
    errors = assert_problem(immutable, 400)["errors"]
    assert set(errors) == {"type", "key"} and "never changes" in errors["type"][0]
    listed = api.get(FIELDS, headers=owner.auth, params={"entity": "client"}).json()
    assert [f["key"] for f in listed["data"]] == ["tier"]
    assert_problem(api.post(FIELDS, headers=owner.auth, json=TIER), 409)
    assert_problem(api.delete(url, headers={**owner.auth, "If-Match": '"1"'}), 412)
    assert api.get(url, headers=owner.auth).json()["archived_at"] is None
    assert api.delete(url, headers={**owner.auth, "If-Match": '"2"'}).status_code == 204
    assert api.get(FIELDS, headers=owner.auth).json()["data"] == []
    assert api.get(url, headers=owner.auth).json()["archived_at"] is not None


def test_members_read_definitions_but_only_admins_change_them(api: Api, owner):
    field = define(api, owner, **TIER)
    member = invite_and_join(api, owner, "member")
    admin = invite_and_join(api, owner, "admin")
    assert_problem(api.post(FIELDS, headers=member.auth, json={**TIER, "key": "x"}), 403)
    assert_problem(api.delete(f"{FIELDS}/{field['id']}", headers=member.auth), 403)
    assert [f["id"] for f in api.get(FIELDS, headers=member.auth).json()["data"]] == [
        field["id"]]
    assert api.post(FIELDS, headers=admin.auth, json={**TIER, "key": "x"}).status_code == 201


def test_another_tenants_definitions_are_404_and_its_keys_unknown(api: Api, owner):
    field = define(api, owner, **TIER)
    stranger = signup(api)
    assert_problem(api.get(f"{FIELDS}/{field['id']}", headers=stranger.auth), 404)
    assert_problem(api.delete(f"{FIELDS}/{field['id']}", headers=stranger.auth), 404)
    assert api.get(FIELDS, headers=stranger.auth).json()["data"] == []
    refused = api.post(CLIENTS, headers=stranger.auth,
                       json={"name": "X", "currency": "EUR", "custom": {"tier": "gold"}})
    assert assert_problem(refused, 400)["errors"] == {"custom.tier": ["No such custom field."]}
    filtered = api.get(CLIENTS, headers=stranger.auth, params={"custom[tier]": "gold"})
    assert set(assert_problem(filtered, 400)["errors"]) == {"custom.tier"}


def test_values_are_validated_returned_filtered_and_sorted(api: Api, owner):
    define(api, owner, **TIER)
    define(api, owner, entity="client", key="seats", label="Seats", type="number")
    define(api, owner, entity="client", key="budget", label="Budget", type="money")
    acme = new_client(api, owner, "Acme", tier="gold", seats=12,
                      budget={"amount": "1500", "currency": "EUR"})
    assert acme["custom"] == {"tier": "gold", "seats": 12,
                              "budget": {"amount": "1500.00", "currency": "EUR"}}
    assert api.get(f"{CLIENTS}/{acme['id']}", headers=owner.auth).json()["custom"] == \
        acme["custom"]
    new_client(api, owner, "Beta", tier="silver", seats=3)
    new_client(api, owner, "Gamma", seats=40)
    new_client(api, owner, "Delta")
    bad = api.post(CLIENTS, headers=owner.auth, json={
        "name": "Bad", "currency": "EUR",
        "custom": {"tier": "platinum", "seats": 1.5, "budget": {"amount": 1.5,
                                                                 "currency": "EUR"}}})
    assert set(assert_problem(bad, 400)["errors"]) == {
        "custom.tier", "custom.seats", "custom.budget"}

    def names(**params):
        response = api.get(CLIENTS, headers=owner.auth, params=params)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["data"]]

    assert names(**{"custom[tier]": "gold"}) == ["Acme"]
    assert names(**{"custom[seats]": "3", "custom[tier]": "silver"}) == ["Beta"]
    assert names(**{"custom[budget]": "1500.00 EUR"}) == ["Acme"]
    assert names(sort="custom.seats") == ["Delta", "Beta", "Acme", "Gamma"]
    assert names(sort="-custom.tier")[:2] == ["Beta", "Acme"]  # options' order, reversed
    walked, cursor = [], None
    while True:
        params = {"sort": "-custom.seats", "limit": "1", **({"cursor": cursor} if cursor else {})}
        page = api.get(CLIENTS, headers=owner.auth, params=params)
        assert page.status_code == 200, page.text
        walked += [c["name"] for c in page.json()["data"]]
        cursor = page.json()["page"]["next_cursor"]
        if cursor is None:
            break
        assert "rel=\"next\"" in page.headers["Link"]
    assert walked == ["Gamma", "Acme", "Beta", "Delta"]
    assert_problem(api.get(CLIENTS, headers=owner.auth, params={"sort": "custom.nope"}), 400)
    assert_problem(api.get(CLIENTS, headers=owner.auth, params={"custom[seats]": "many"}), 400)


def test_archiving_a_field_keeps_clients_readable_and_listable(api: Api, owner):
    tier = define(api, owner, **{**TIER, "required": True})
    acme = new_client(api, owner, "Acme", tier="gold")
    assert_problem(api.post(CLIENTS, headers=owner.auth,
                            json={"name": "No tier", "currency": "EUR"}), 400)
    assert api.delete(f"{FIELDS}/{tier['id']}", headers=owner.auth).status_code == 204
    assert api.get(f"{CLIENTS}/{acme['id']}", headers=owner.auth).json()["custom"] == {}
    listed = api.get(CLIENTS, headers=owner.auth).json()["data"]
    assert [(c["name"], c["custom"]) for c in listed] == [("Acme", {})]
    assert new_client(api, owner, "No tier")["custom"] == {}
    assert_problem(api.get(CLIENTS, headers=owner.auth, params={"custom[tier]": "gold"}), 400)
    different = api.post(FIELDS, headers=owner.auth, json={
        "entity": "client", "key": "tier", "label": "Tier", "type": "number"})
    assert_problem(different, 409)
    revived = define(api, owner, **TIER)
    assert revived["id"] == tier["id"]
    assert api.get(f"{CLIENTS}/{acme['id']}", headers=owner.auth).json()["custom"] == {
        "tier": "gold"}


def test_a_user_field_takes_members_of_the_tenant_only(api: Api, owner):
    define(api, owner, entity="client", key="manager", label="Manager", type="user")
    member = invite_and_join(api, owner, "member")
    member_id = api.get("/api/v1/me", headers=member.auth).json()["user"]["id"]
    refused = api.post(CLIENTS, headers=owner.auth, json={
        "name": "X", "currency": "EUR", "custom": {"manager": str(uuid.uuid4())}})
    assert set(assert_problem(refused, 400)["errors"]) == {"custom.manager"}

    def assign() -> bool:
        response = api.post(CLIENTS, headers=owner.auth, json={
            "name": f"Managed {uuid.uuid4().hex[:6]}", "currency": "EUR",
            "custom": {"manager": member_id}})
        return response.status_code == 201

    wait_until(assign, timeout=15, interval=0.2)
    found = api.get(CLIENTS, headers=owner.auth, params={"custom[manager]": member_id})
    assert [c["custom"]["manager"] for c in found.json()["data"]] == [member_id]
