"""CRM clients through the gateway, with identity's events reaching crm between them."""

from __future__ import annotations

import uuid

from shared.testing import wait_until
from tests.e2e.helpers import Api, assert_problem, invite_and_join, signup

CLIENTS = "/api/v1/crm/clients"


def test_an_owner_creates_lists_and_reads_clients(api: Api, owner):
    created = api.post(CLIENTS, headers=owner.auth, json={
        "name": "Acme GmbH", "currency": "EUR", "website": "https://www.acme.example",
        "billing_address": {"city": "Berlin", "country": "DE"}, "tags": ["vip"]})
    assert created.status_code == 201, created.text
    client = created.json()
    assert created.headers["Location"] == f"{CLIENTS}/{client['id']}"
    assert created.headers["ETag"] == '"1"'
    assert client["domain"] == "acme.example"
    read = api.get(f"{CLIENTS}/{client['id']}", headers=owner.auth)
    assert read.status_code == 200
    # the owner's name reaches crm by identity's event, maybe between the two calls
    assert {**read.json(), "owner_name": None} == {**client, "owner_name": None}
    page = api.get(CLIENTS, headers=owner.auth, params={"q": "acme", "include_total": "true"})
    assert page.status_code == 200
    assert [c["id"] for c in page.json()["data"]] == [client["id"]]
    assert page.json()["page"]["total"] == 1


def test_another_tenants_client_is_404_and_invisible(api: Api, owner):
    client = api.post(CLIENTS, headers=owner.auth, json={"name": "Mine", "currency": "EUR"}).json()
    stranger = signup(api)
    assert_problem(api.get(f"{CLIENTS}/{client['id']}", headers=stranger.auth), 404)
    assert api.get(CLIENTS, headers=stranger.auth).json()["data"] == []


def test_bad_input_is_400_with_field_errors_and_a_viewer_cannot_create(api: Api, owner):
    refused = api.post(CLIENTS, headers=owner.auth,
                       json={"name": "", "currency": "EURO", "colour": "red"})
    assert set(assert_problem(refused, 400)["errors"]) >= {"name", "currency", "colour"}
    unknown_currency = api.post(CLIENTS, headers=owner.auth, json={"name": "X", "currency": "ABC"})
    assert "currency" in assert_problem(unknown_currency, 400)["errors"]
    viewer = invite_and_join(api, owner, "viewer")
    assert_problem(api.post(CLIENTS, headers=viewer.auth,
                            json={"name": "X", "currency": "EUR"}), 403)


def test_a_new_member_can_own_clients_once_identity_told_crm(api: Api, owner):
    member = invite_and_join(api, owner, "member")
    member_id = api.get("/api/v1/me", headers=member.auth).json()["user"]["id"]

    def assign() -> bool:
        response = api.post(CLIENTS, headers=owner.auth, json={
            "name": f"Owned {uuid.uuid4().hex[:6]}", "currency": "EUR", "owner_id": member_id})
        return response.status_code == 201

    wait_until(assign, timeout=15, interval=0.2)
    mine = api.get(CLIENTS, headers=member.auth, params={"mine": "true"}).json()["data"]
    assert len(mine) == 1 and mine[0]["owner_name"] == "A member"


def new_client(api: Api, account, name: str = "Acme") -> dict:
    created = api.post(CLIENTS, headers=account.auth, json={"name": name, "currency": "EUR"})
    assert created.status_code == 201, created.text
    return created.json()


def test_a_patch_needs_the_current_etag(api: Api, owner):
    client = new_client(api, owner)
    url = f"{CLIENTS}/{client['id']}"
    assert_problem(api.patch(url, headers=owner.auth, json={"notes": "x"}), 428)
    changed = api.patch(url, headers={**owner.auth, "If-Match": '"1"'},
                        json={"notes": "Key account", "status": "active"})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"' and changed.json()["status"] == "active"
    assert_problem(api.patch(url, headers={**owner.auth, "If-Match": '"1"'},
                             json={"notes": "lost update"}), 412)
    refused = api.patch(url, headers={**owner.auth, "If-Match": "*"},
                        json={"id": "x", "status": "archived"})
    assert set(assert_problem(refused, 400)["errors"]) == {"id", "status"}
    assert api.get(url, headers=owner.auth).json()["notes"] == "Key account"


def test_archive_restore_and_delete(api: Api, owner):
    client = new_client(api, owner)
    url = f"{CLIENTS}/{client['id']}"
    archived = api.post(f"{url}/archive", headers=owner.auth)
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    listed = api.get(CLIENTS, headers=owner.auth, params={"status": "archived"}).json()["data"]
    assert [c["id"] for c in listed] == [client["id"]]
    restored = api.post(f"{url}/restore", headers=owner.auth)
    assert restored.json()["status"] == "lead" and restored.json()["archived_at"] is None
    member = invite_and_join(api, owner, "member")
    assert_problem(api.delete(url, headers=member.auth), 403)
    assert_problem(api.delete(url, headers={**owner.auth, "If-Match": '"1"'}), 412)
    assert api.delete(url, headers=owner.auth).status_code == 204
    assert_problem(api.get(url, headers=owner.auth), 404)
    stranger = signup(api)
    assert_problem(api.post(f"{CLIENTS}/{uuid.uuid4()}/archive", headers=stranger.auth), 404)


def test_a_second_client_of_a_name_in_any_case_needs_the_confirmation(api: Api, owner):
    first = new_client(api, owner, "Acme Widgets")
    refused = api.post(CLIENTS, headers=owner.auth,
                       json={"name": "ACME widgets", "currency": "EUR"})
    problem = assert_problem(refused, 409)
    assert problem["type"] == "/api/docs#problem-conflict"
    assert "ACME widgets" in problem["detail"] and "confirm_duplicate_name" in problem["detail"]
    page = api.get(CLIENTS, headers=owner.auth, params={"q": "widgets"}).json()["data"]
    assert [c["id"] for c in page] == [first["id"]]  # nothing created by the refusal

    confirmed = api.post(CLIENTS, headers=owner.auth, json={
        "name": "ACME widgets", "currency": "EUR", "confirm_duplicate_name": True})
    assert confirmed.status_code == 201, confirmed.text
    page = api.get(CLIENTS, headers=owner.auth, params={"q": "widgets"}).json()["data"]
    assert sorted(c["id"] for c in page) == sorted([first["id"], confirmed.json()["id"]])


def test_a_client_is_found_by_a_fragment_of_its_website_domain(api: Api, owner):
    found = api.post(CLIENTS, headers=owner.auth, json={
        "name": "Northwind", "currency": "EUR", "website": "https://www.zephyr-trading.example/shop"})
    assert found.status_code == 201, found.text
    new_client(api, owner, "Other")
    page = api.get(CLIENTS, headers=owner.auth, params={"q": "Zephyr-Tra"})
    assert page.status_code == 200
    assert [c["id"] for c in page.json()["data"]] == [found.json()["id"]]
    assert api.get(CLIENTS, headers=owner.auth, params={"q": "shop"}).json()["data"] == []
