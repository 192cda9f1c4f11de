"""A new tenant's default pipeline arrives with identity.tenant.created, once."""

from __future__ import annotations

import uuid

import pytest
from nameko.standalone.events import event_dispatcher
from sqlalchemy import create_engine, text

from services.crm.tests.test_identity_events import envelope
from shared.testing import wait_until


@pytest.fixture
def engine(crm_db):
    engine = create_engine(crm_db.owner_url)
    yield engine
    engine.dispose()


def default_pipelines(engine, tenant_id):
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        return conn.execute(text("SELECT count(*) FROM pipelines WHERE is_default")).scalar()


def handled(engine, event_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM inbox WHERE event_id = :e"),
                            {"e": event_id}).scalar() == 1


def test_tenant_created_makes_one_default_pipeline_even_when_redelivered(
        rpc, rabbit_config, firm, engine):
    dispatch = event_dispatcher(rabbit_config)

    def publish(env):
        dispatch("identity", env["type"], env)
        return env

    created = envelope(firm, "identity.tenant.created", {
        "tenant_id": firm.tenant_id, "name": "Acme", "slug": "acme",
        "owner_user_id": firm.user("owner")})
    publish(created)
    wait_until(lambda: default_pipelines(engine, firm.tenant_id) == 1)
    again = publish({**created, "id": str(uuid.uuid4())})  # another event, same tenant
    publish(created)  # the same event again
    wait_until(lambda: handled(engine, again["id"]))
    assert default_pipelines(engine, firm.tenant_id) == 1
    assert len(rpc.as_(firm).list_pipelines()["data"]) == 1
