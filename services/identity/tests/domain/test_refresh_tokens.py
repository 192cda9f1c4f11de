"""Refresh tokens: they find their session without crossing tenants, and reuse is caught."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain.opaque_tokens import InvalidToken, encode
from services.identity.domain.refresh_tokens import (
    SessionState,
    Verdict,
    judge,
    new_refresh_token,
    parse_refresh_token,
)

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
TENANT, SESSION = uuid.uuid4(), uuid.uuid4()


def _state(token, **changes):
    values = dict(
        generation=token.generation,
        token_hash=token.secret_hash,
        expires_at=NOW + timedelta(days=30),
        revoked=False,
    )
    values.update(changes)
    return SessionState(**values)


def test_a_token_round_trips_and_names_its_tenant_and_session():
    token = new_refresh_token(TENANT, SESSION, 3)
    parsed = parse_refresh_token(token.encode())
    assert parsed == token
    assert token.secret not in token.secret_hash


@pytest.mark.parametrize(
    "garbage",
    ["", "!!!", encode("a", "b", "1", "s"), encode(str(TENANT), str(SESSION), "x", "s"),
     encode(str(TENANT), str(SESSION), "s"), "x" * 600],
)
def test_malformed_tokens_are_invalid(garbage):
    with pytest.raises(InvalidToken):
        parse_refresh_token(garbage)


def test_the_current_token_rotates():
    token = new_refresh_token(TENANT, SESSION, 1)
    assert judge(token, _state(token), NOW) is Verdict.ROTATE


def test_an_earlier_generation_presented_again_is_reuse():
    old = new_refresh_token(TENANT, SESSION, 1)
    current = new_refresh_token(TENANT, SESSION, 2)
    assert judge(old, _state(current), NOW) is Verdict.REUSED


def test_a_wrong_secret_for_the_current_generation_is_refused_without_revoking():
    token = new_refresh_token(TENANT, SESSION, 1)
    forged = new_refresh_token(TENANT, SESSION, 1)
    assert judge(forged, _state(token), NOW) is Verdict.REFUSED


def test_a_revoked_or_expired_session_refuses_even_the_current_token():
    token = new_refresh_token(TENANT, SESSION, 1)
    assert judge(token, _state(token, revoked=True), NOW) is Verdict.REFUSED
    assert judge(token, _state(token, expires_at=NOW), NOW) is Verdict.REFUSED


def test_a_generation_from_the_future_is_refused():
    token = new_refresh_token(TENANT, SESSION, 5)
    current = new_refresh_token(TENANT, SESSION, 2)
    assert judge(token, _state(current), NOW) is Verdict.REFUSED
