"""Users, invitations and the tenant through the gateway: tenancy, roles, validation,
idempotency, optimistic concurrency and cursor pagination, end to end."""

from __future__ import annotations

import uuid

from tests.e2e.helpers import Account, Api, assert_problem, invite_and_join, signup, unique_email

INVITATIONS = "/api/v1/identity/invitations"
USERS = "/api/v1/identity/users"


def my_user_id(api: Api, account: Account) -> str:
    return api.get("/api/v1/me", headers=account.auth).json()["user"]["id"]


def test_members_are_listed_and_fetched_with_an_etag(api, owner):
    page = api.get(USERS, headers=owner.auth)
    assert page.status_code == 200
    body = page.json()
    assert [u["email"] for u in body["data"]] == [owner.email]
    assert body["page"]["has_more"] is False and "Link" not in page.headers
    user = api.get(f"{USERS}/{body['data'][0]['id']}", headers=owner.auth)
    assert user.status_code == 200
    assert user.headers["ETag"] == f'"{user.json()["version"]}"'


def test_another_tenants_user_is_404(api, owner):
    stranger = signup(api)
    response = api.get(f"{USERS}/{my_user_id(api, stranger)}", headers=owner.auth)
    assert_problem(response, 404)


def test_a_viewer_cannot_invite(api, owner):
    viewer = invite_and_join(api, owner, "viewer")
    response = api.post(INVITATIONS, headers=viewer.auth,
                        json={"email": unique_email(), "role": "member"})
    assert_problem(response, 403)


def test_invalid_input_is_400_with_field_errors(api, owner):
    response = api.post(INVITATIONS, headers=owner.auth,
                        json={"email": "not-an-email", "role": "emperor"})
    errors = assert_problem(response, 400)["errors"]
    assert {"email", "role"} <= set(errors)


def test_an_unknown_field_is_400_and_names_it(api, owner):
    response = api.post(INVITATIONS, headers=owner.auth,
                        json={"email": unique_email(), "role": "member", "tenant_id": "x"})
    assert "tenant_id" in assert_problem(response, 400)["errors"]


def test_an_unknown_query_parameter_is_400(api, owner):
    assert_problem(api.get(f"{USERS}?limt=10", headers=owner.auth), 400)


def test_a_malformed_cursor_is_400(api, owner):
    assert_problem(api.get(f"{USERS}?cursor=garbage", headers=owner.auth), 400)


def test_the_same_idempotency_key_creates_once_and_another_body_is_422(api, owner):
    key = str(uuid.uuid4())
    body = {"email": unique_email("idem"), "role": "member"}
    headers = {**owner.auth, "Idempotency-Key": key}
    first = api.post(INVITATIONS, headers=headers, json=body)
    again = api.post(INVITATIONS, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    listed = api.get(f"{INVITATIONS}?limit=100", headers=owner.auth).json()["data"]
    assert [i["email"] for i in listed].count(body["email"]) == 1
    other = api.post(INVITATIONS, headers=headers, json={**body, "role": "viewer"})
    assert_problem(other, 422)


def test_creation_is_201_with_a_location_that_answers(api, owner):
    created = api.post(INVITATIONS, headers=owner.auth,
                       json={"email": unique_email(), "role": "member"})
    assert created.status_code == 201
    fetched = api.get(created.headers["Location"], headers=owner.auth)
    assert fetched.status_code == 200
    assert fetched.json()["id"] == created.json()["id"]


def test_a_stale_if_match_is_412_and_a_missing_one_428(api, owner):
    tenant = api.get("/api/v1/identity/tenant", headers=owner.auth)
    etag = tenant.headers["ETag"]
    renamed = api.patch("/api/v1/identity/tenant", json={"name": "Renamed Firm"},
                        headers={**owner.auth, "If-Match": etag})
    assert renamed.status_code == 200
    assert renamed.headers["ETag"] != etag
    stale = api.patch("/api/v1/identity/tenant", json={"name": "Lost Update"},
                      headers={**owner.auth, "If-Match": etag})
    assert_problem(stale, 412)
    missing = api.patch("/api/v1/identity/tenant", json={"name": "Blind"}, headers=owner.auth)
    assert_problem(missing, 428)
    assert api.get("/api/v1/identity/tenant", headers=owner.auth).json()["name"] == "Renamed Firm"


def test_changing_a_role_needs_the_current_etag(api, owner):
    member = invite_and_join(api, owner, "member")
    path = f"{USERS}/{my_user_id(api, member)}"
    etag = api.get(path, headers=owner.auth).headers["ETag"]
    changed = api.patch(path, json={"role": "admin"}, headers={**owner.auth, "If-Match": etag})
    assert changed.status_code == 200 and changed.json()["role"] == "admin"
    assert_problem(api.patch(path, json={"role": "viewer"},
                             headers={**owner.auth, "If-Match": etag}), 412)


def test_a_list_walked_to_its_end_while_rows_are_inserted_yields_each_row_once(api, owner):
    for _ in range(7):
        created = api.post(INVITATIONS, headers=owner.auth,
                           json={"email": unique_email("page"), "role": "member"})
        assert created.status_code == 201
    existing = {i["id"] for i in api.get(f"{INVITATIONS}?limit=100",
                                         headers=owner.auth).json()["data"]}
    seen: list[str] = []
    url = f"{INVITATIONS}?limit=2&include_total=true"
    pages = 0
    while url:
        page = api.get(url, headers=owner.auth)
        assert page.status_code == 200
        body = page.json()
        seen.extend(i["id"] for i in body["data"])
        api.post(INVITATIONS, headers=owner.auth,
                 json={"email": unique_email("during"), "role": "viewer"})
        link = page.headers.get("Link")
        assert (link is not None) == body["page"]["has_more"]
        url = link[link.index("<") + 1:link.index(">")] if link else ""
        pages += 1
        assert pages < 50, "the walk never ended"
    assert len(seen) == len(set(seen))
    assert existing <= set(seen)


def test_an_invitation_can_be_revoked_and_then_not_accepted(api, owner):
    created = api.post(INVITATIONS, headers=owner.auth,
                       json={"email": unique_email(), "role": "member"}).json()
    assert api.delete(f"{INVITATIONS}/{created['id']}", headers=owner.auth).status_code == 204
    response = api.post(f"{INVITATIONS}/accept", json={
        "token": created["token"], "password": "a long enough password", "name": "Late"})
    assert response.status_code in (404, 409, 422)
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_removing_a_member_takes_them_out_of_the_list(api, owner):
    member = invite_and_join(api, owner, "member")
    member_id = my_user_id(api, member)
    assert api.delete(f"{USERS}/{member_id}", headers=owner.auth).status_code == 204
    ids = [u["id"] for u in api.get(USERS, headers=owner.auth).json()["data"]]
    assert member_id not in ids
