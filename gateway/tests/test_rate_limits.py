"""Rate limits in real Redis (db 14): per user when authenticated, per address otherwise."""

from __future__ import annotations

import pytest

from gateway.rate_limits import RateLimiter
from shared.errors import TooManyRequests

PAGE = {"data": [], "page": {"limit": 25, "has_more": False, "next_cursor": None}}


def test_past_the_user_limit_requests_are_429_with_retry_after(make_app, identity, auth):
    identity.answers["me"] = lambda _: {}
    client = make_app(rate_limit_user=3).test_client()
    statuses = [client.get("/api/v1/me", headers=auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/me", headers=auth)
    assert response.mimetype == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_one_user_being_limited_does_not_limit_another(make_app, identity, auth, signing_key):
    identity.answers["me"] = lambda _: {}
    client = make_app(rate_limit_user=2).test_client()
    for _ in range(3):
        client.get("/api/v1/me", headers=auth)
    other = {"Authorization": f"Bearer {signing_key.token(sub='user-2')}"}
    assert client.get("/api/v1/me", headers=other).status_code == 200


def test_anonymous_calls_are_limited_per_client_address(make_app, identity):
    identity.answers["refresh"] = lambda _: {}
    client = make_app(rate_limit_anon=2).test_client()
    body = {"refresh_token": "r"}
    here = [client.post("/api/v1/auth/refresh", json=body).status_code for _ in range(3)]
    elsewhere = client.post("/api/v1/auth/refresh", json=body,
                            environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert here == [200, 200, 429]
    assert elsewhere.status_code == 200


def test_the_window_resets_the_count(redis_db):
    now = [1_000_000.0]
    limiter = RateLimiter(redis_db, user_limit=1, anonymous_limit=1, window_seconds=10,
                          clock=lambda: now[0])
    limiter.check("user:a", authenticated=True)
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("user:a", authenticated=True)
    assert refused.value.retry_after == 10
    now[0] += 10
    limiter.check("user:a", authenticated=True)


def test_login_passes_the_client_address_to_identity(client, identity):
    """Identity throttles logins per account and address: the gateway must say which."""
    identity.answers["login"] = lambda _: {}
    client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "pw"},
                environ_base={"REMOTE_ADDR": "192.0.2.4"})
    assert identity.calls_of("login")[0]["client_ip"] == "192.0.2.4"


def test_requests_with_bad_tokens_count_against_the_address(make_app):
    client = make_app(rate_limit_anon=2).test_client()
    bad = {"Authorization": "Bearer not-a-token"}
    statuses = [client.get("/api/v1/me", headers=bad).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_far_from_the_limit_counts_reach_redis_in_batches_and_none_is_lost(redis_db):
    now = [2_000_000.0]
    limiter = RateLimiter(redis_db, user_limit=10_000, anonymous_limit=1, window_seconds=60,
                          clock=lambda: now[0])
    key = f"bureau:ratelimit:user:b:{int(now[0] // 60)}"
    for _ in range(10):
        limiter.check("user:b", authenticated=True)
    assert int(redis_db.get(key) or 0) < 10  # still counted here
    now[0] += 1.5  # past MAX_UNSENT_SECONDS: the next request sends them all
    limiter.check("user:b", authenticated=True)
    assert int(redis_db.get(key)) == 11


def test_near_the_limit_every_process_counts_in_redis_and_the_limit_holds(redis_db):
    """Two gateway processes share one user's allowance of 40: never more than 40 pass."""
    now = [3_000_000.0]
    a, b = (RateLimiter(redis_db, user_limit=40, anonymous_limit=1, window_seconds=60,
                        clock=lambda: now[0]) for _ in range(2))
    passed = 0
    for i in range(100):
        try:
            (a if i % 2 else b).check("user:c", authenticated=True)
            passed += 1
        except TooManyRequests:
            pass
    assert passed == 40
