"""Idempotency-Key on POST, stored in real Redis (db 14). The RPC stand-in counts how often
the service is reached: the behaviour under test is the gateway's own."""

from __future__ import annotations

import threading
import uuid

import pytest

from gateway.idempotency import IdempotencyStore, StoredResponse, fingerprint
from shared.errors import Conflict, ServiceUnavailable, Unprocessable

BODY = {"email": "b@example.com", "role": "member"}


@pytest.fixture
def invitations(identity):
    def create(kwargs: dict) -> dict:
        return {"id": str(uuid.uuid4()), "version": 1, **kwargs}

    identity.answers["create_invitation"] = create
    return identity


def post(client, auth, key, body=BODY):
    return client.post("/api/v1/identity/invitations", json=body,
                       headers={**auth, "Idempotency-Key": key})


def test_same_key_and_body_creates_once_and_replays_the_first_response(client, auth,
                                                                      invitations):
    first = post(client, auth, "k-1")
    second = post(client, auth, "k-1")
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(invitations.calls_of("create_invitation")) == 1


def test_same_key_with_another_body_is_422(client, auth, invitations):
    post(client, auth, "k-2")
    response = post(client, auth, "k-2", {"email": "c@example.com", "role": "member"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert len(invitations.calls_of("create_invitation")) == 1


def test_keys_are_scoped_per_user(client, auth, invitations, signing_key):
    other = {"Authorization": f"Bearer {signing_key.token(sub='user-2')}"}
    post(client, auth, "k-3")
    post(client, other, "k-3")
    assert len(invitations.calls_of("create_invitation")) == 2


def test_a_failed_attempt_is_not_stored_and_may_be_retried(client, auth, identity):
    outcomes = [ServiceUnavailable("down"), None]

    def create(kwargs: dict) -> dict:
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome
        return {"id": str(uuid.uuid4()), "version": 1, **kwargs}

    identity.answers["create_invitation"] = create
    assert post(client, auth, "k-4").status_code == 503
    assert post(client, auth, "k-4").status_code == 201


def test_a_refusal_is_stored_like_a_success(client, auth, identity):
    def create(kwargs: dict) -> dict:
        raise Conflict("already invited")

    identity.answers["create_invitation"] = create
    assert post(client, auth, "k-5").status_code == 409
    assert post(client, auth, "k-5").status_code == 409
    assert len(identity.calls_of("create_invitation")) == 1


def test_a_duplicate_while_the_first_is_in_flight_is_409(make_app, auth, identity):
    app = make_app()
    entered, release = threading.Event(), threading.Event()

    def create(kwargs: dict) -> dict:
        entered.set()
        assert release.wait(10)
        return {"id": str(uuid.uuid4()), "version": 1, **kwargs}

    identity.answers["create_invitation"] = create
    results: list[int] = []
    first = threading.Thread(
        target=lambda: results.append(post(app.test_client(), auth, "k-6").status_code))
    first.start()
    try:
        assert entered.wait(10)
        assert post(app.test_client(), auth, "k-6").status_code == 409
    finally:
        release.set()
        first.join(10)
    assert results == [201]


def test_an_invalid_key_is_400(client, auth, invitations):
    assert post(client, auth, "x" * 300).status_code == 400


def test_the_store_refuses_a_changed_request_and_replays_the_same(redis_db):
    store = IdempotencyStore(redis_db, ttl_seconds=60, lock_seconds=5)
    key = store.storage_key("t", "u", "k")
    print_ = fingerprint("POST", "/x", b"{}")
    assert store.claim(key, print_) is None
    with pytest.raises(Conflict):
        store.claim(key, print_)
    store.complete(key, print_, StoredResponse(201, {"Location": "/x/1"}, b'{"id": 1}'))
    assert store.claim(key, print_) == StoredResponse(201, {"Location": "/x/1"}, b'{"id": 1}')
    with pytest.raises(Unprocessable):
        store.claim(key, fingerprint("POST", "/x", b'{"a": 1}'))
    assert 0 < redis_db.ttl(key) <= 60
