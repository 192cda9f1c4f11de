"""CRM's mirror of the tenant's members, fed by identity's events: once, in order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from sqlalchemy import create_engine, text

from shared.errors import ValidationFailed
from shared.testing import wait_until


def envelope(firm, event_type, data, *, at=None):
    at = at or datetime.now(UTC)
    return {"id": str(uuid.uuid4()), "type": event_type, "version": 1,
            "tenant_id": firm.tenant_id, "occurred_at": at.isoformat().replace("+00:00", "Z"),
            "producer": "identity", "correlation_id": "test", "data": data}


@pytest.fixture
def publish(rabbit_config):
    dispatch = event_dispatcher(rabbit_config)

    def send(env):
        dispatch("identity", env["type"], env)
        return env
    return send


def _flagged(client):
    return client if client["owner_flagged"] else None


@pytest.fixture
def members(crm_db):
    engine = create_engine(crm_db.owner_url)

    def read(tenant_id):
        with engine.connect() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, false)"), {"t": tenant_id})
            return {str(r.user_id): (r.role, r.active, r.name) for r in conn.execute(
                text("SELECT user_id, role, active, name FROM members"))}
    yield read
    engine.dispose()


def joined(firm, user_id, role="member", **kw):
    return envelope(firm, "identity.member.joined", {
        "user_id": user_id, "email": "ann@acme.test", "name": "Ann", "role": role,
        "via": "invitation", "invitation_id": None}, **kw)


def test_a_joined_member_can_own_records_until_removed_then_they_are_flagged(
        rpc, firm, publish, members, records):
    ann = str(uuid.uuid4())
    publish(joined(firm, ann))
    wait_until(lambda: ann in members(firm.tenant_id))
    client = rpc.as_(firm).create_client(name="Acme", currency="EUR", owner_id=ann)
    assert (client["owner_id"], client["owner_name"]) == (ann, "Ann")

    publish(envelope(firm, "identity.member.removed",
                     {"user_id": ann, "role": "member", "removed_by": firm.user("owner")}))
    wait_until(lambda: members(firm.tenant_id)[ann][1] is False)
    flagged = wait_until(lambda: _flagged(rpc.as_(firm).get_client(client_id=client["id"])))
    assert flagged["version"] == client["version"] + 1  # a new ETag for a changed object
    announced = records.events(firm.tenant_id)[-1]
    assert (announced["type"], announced["data"]["client_id"], announced["data"]["changed"],
            announced["data"]["actor_id"]) == (
        "crm.client.updated", client["id"], ["owner_flagged"], firm.user("owner"))
    with pytest.raises(ValidationFailed):
        rpc.as_(firm).create_client(name="Beta", currency="EUR", owner_id=ann)


@pytest.fixture
def handled(crm_db):
    engine = create_engine(crm_db.owner_url)

    def seen(event_id):
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM inbox WHERE event_id = :e"),
                                {"e": event_id}).scalar() == 1
    yield seen
    engine.dispose()


def test_a_redelivered_or_older_event_changes_nothing(rpc, firm, publish, members, handled):
    ann = str(uuid.uuid4())
    now = datetime.now(UTC)
    first = publish(joined(firm, ann, at=now))
    wait_until(lambda: ann in members(firm.tenant_id))
    publish(envelope(firm, "identity.member.role_changed", {
        "user_id": ann, "old_role": "member", "new_role": "admin",
        "changed_by": firm.user("owner")}, at=now + timedelta(seconds=1)))
    wait_until(lambda: members(firm.tenant_id)[ann][0] == "admin")
    publish(first)  # the same event again: the inbox drops it, and it is older anyway
    stale = publish(joined(firm, ann, role="viewer", at=now - timedelta(seconds=5)))
    wait_until(lambda: handled(stale["id"]))
    assert members(firm.tenant_id)[ann][0] == "admin"
    assert rpc.as_(firm).list_clients()["data"] == []  # the service is still answering


def test_a_late_removal_of_a_member_who_rejoined_since_flags_nothing(rpc, firm, publish,
                                                                     members, handled):
    ann = str(uuid.uuid4())
    now = datetime.now(UTC)
    publish(joined(firm, ann, at=now - timedelta(seconds=10)))
    wait_until(lambda: ann in members(firm.tenant_id))
    client = rpc.as_(firm).create_client(name="Acme", currency="EUR", owner_id=ann)
    contact = rpc.as_(firm).create_contact(name="Bob", owner_id=ann)
    rejoined = publish(joined(firm, ann, role="admin", at=now))
    wait_until(lambda: handled(rejoined["id"]))
    late = publish(envelope(firm, "identity.member.removed", {  # removed in between
        "user_id": ann, "role": "member", "removed_by": firm.user("owner")},
        at=now - timedelta(seconds=5)))
    wait_until(lambda: handled(late["id"]))
    assert members(firm.tenant_id)[ann][:2] == ("admin", True)
    assert rpc.as_(firm).get_client(client_id=client["id"])["owner_flagged"] is False
    assert rpc.as_(firm).get_contact(contact_id=contact["id"])["owner_flagged"] is False

    removed = publish(envelope(firm, "identity.member.removed", {  # removed for good, later
        "user_id": ann, "role": "admin", "removed_by": firm.user("owner")},
        at=now + timedelta(seconds=1)))
    wait_until(lambda: handled(removed["id"]))
    assert rpc.as_(firm).get_client(client_id=client["id"])["owner_flagged"] is True
