"""Invitations: tokens, expiry and what may be accepted."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain.invitations import (
    check_acceptable,
    check_new_user_details,
    effective_status,
    new_invitation_token,
    parse_invitation_token,
)
from shared.errors import Unprocessable, ValidationFailed

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def test_a_token_round_trips():
    token = new_invitation_token(uuid.uuid4(), uuid.uuid4())
    assert parse_invitation_token(token.encode()) == token


def test_a_pending_invitation_expires_at_its_expiry():
    assert effective_status("pending", NOW + timedelta(seconds=1), NOW) == "pending"
    assert effective_status("pending", NOW, NOW) == "expired"
    assert effective_status("revoked", NOW - timedelta(days=9), NOW) == "revoked"


@pytest.mark.parametrize("status", ["accepted", "revoked", "expired"])
def test_only_a_pending_invitation_can_be_accepted(status):
    check_acceptable("pending")
    with pytest.raises(Unprocessable):
        check_acceptable(status)


def test_a_new_user_must_give_password_and_name():
    with pytest.raises(ValidationFailed) as err:
        check_new_user_details(None, "")
    assert set(err.value.errors) == {"password", "name"}
