"""Link headers for the next page, ETags from `version`, and If-Match on every PATCH.
The RPC stand-in answers; what is under test is the gateway's HTTP translation."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.links import next_page_link

USER_ID = str(uuid.uuid4())
USER = {"id": USER_ID, "email": "a@example.com", "name": "A", "role": "member",
        "joined_at": "2026-11-22T03:16:11Z", "created_at": "2026-11-22T03:16:11Z",
        "updated_at": "2026-11-22T03:16:11Z", "version": 4}


def test_next_link_keeps_the_query_and_replaces_the_cursor():
    link = next_page_link("/api/v1/identity/users", {"limit": "5", "cursor": "old"}, "n+x/=")
    assert link is not None and link.endswith('>; rel="next"')
    url = urlsplit(link[1:link.index(">")])
    assert url.path == "/api/v1/identity/users"
    assert parse_qs(url.query) == {"limit": ["5"], "cursor": ["n+x/="]}


def test_the_last_page_has_no_link():
    assert next_page_link("/x", {}, None) is None


@pytest.mark.parametrize("text, meta", [
    (b'{"data":[{"n":1}],"page":{"limit":1,"has_more":true,"next_cursor":"abc"}}',
     {"limit": 1, "has_more": True, "next_cursor": "abc"}),
    # the key's text inside a string is escaped, so it is never taken for the key
    (b'{"data":[{"note":",\\"page\\":{}"}],"page":{"limit":1,"next_cursor":null,"total":3}}',
     {"limit": 1, "next_cursor": None, "total": 3}),
    # a nested "page" last: the cut tail is not JSON, so the whole text is decoded
    (b'{"data":[],"page":{"next_cursor":"x"},"extra":{"a":1,"page":{"n":2}}}',
     {"next_cursor": "x"}),
    # written with spaces (the stdlib's way): decoded whole
    (b'{"data": [], "page": {"next_cursor": "y"}}', {"next_cursor": "y"}),
])
def test_a_pages_meta_is_read_from_its_text(text, meta):
    import json

    from gateway.responses import page_meta

    assert json.loads(text)["page"] == meta  # the cases are valid pages
    assert page_meta(text) == meta


def test_a_list_with_more_pages_carries_a_link_header(client, identity, auth):
    identity.answers["list_users"] = lambda _: {
        "data": [USER], "page": {"limit": 1, "has_more": True, "next_cursor": "abc"}}
    response = client.get("/api/v1/identity/users?limit=1", headers=auth)
    assert response.status_code == 200
    assert response.headers["Link"] == '</api/v1/identity/users?limit=1&cursor=abc>; rel="next"'
    assert response.get_json()["data"] == [USER]


def test_an_item_carries_its_version_as_etag(client, identity, auth):
    identity.answers["get_user"] = lambda _: USER
    response = client.get(f"/api/v1/identity/users/{USER_ID}", headers=auth)
    assert response.headers["ETag"] == '"4"'


def test_patch_without_if_match_is_428_and_calls_nothing(client, identity, auth):
    response = client.patch(f"/api/v1/identity/users/{USER_ID}", json={"role": "admin"},
                            headers=auth)
    assert response.status_code == 428
    assert response.mimetype == "application/problem+json"
    assert identity.calls_of("change_role") == []


def test_patch_passes_the_if_match_version_and_answers_the_new_etag(client, identity, auth):
    identity.answers["change_role"] = lambda kw: {**USER, "role": kw["role"], "version": 5}
    response = client.patch(f"/api/v1/identity/users/{USER_ID}", json={"role": "admin"},
                            headers={**auth, "If-Match": '"4"'})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"5"'
    assert identity.calls_of("change_role") == [
        {"user_id": USER_ID, "role": "admin", "expected_version": 4}]


def test_if_match_star_means_any_version(client, identity, auth):
    identity.answers["update_tenant"] = lambda kw: {"id": "t", "name": kw["name"], "slug": "t",
                                                    "created_at": "x", "updated_at": "x",
                                                    "version": 2}
    response = client.patch("/api/v1/identity/tenant", json={"name": "New"},
                            headers={**auth, "If-Match": "*"})
    assert response.status_code == 200
    assert identity.calls_of("update_tenant") == [{"name": "New", "expected_version": None}]


def test_an_unparseable_if_match_cannot_match_and_is_412(client, identity, auth):
    response = client.patch("/api/v1/identity/tenant", json={"name": "New"},
                            headers={**auth, "If-Match": "W/\"1\""})
    assert response.status_code == 412
    assert identity.calls_of("update_tenant") == []


def test_creation_answers_201_with_location(client, identity, auth):
    invitation_id = str(uuid.uuid4())
    identity.answers["create_invitation"] = lambda kw: {"id": invitation_id, "version": 1, **kw}
    response = client.post("/api/v1/identity/invitations", headers=auth,
                           json={"email": "b@example.com", "role": "member"})
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/v1/identity/invitations/{invitation_id}"
