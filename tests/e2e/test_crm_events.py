"""crm's event stream as a subscriber sees it: every mutation made through the gateway
publishes exactly one event, in order, with the tenant, the actor and the object.

The test binds its own queue to crm's events exchange on the suite's vhost, as another
service (or a customer's integration) would, and drives crm only through the gateway.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue

from shared.testing import wait_until
from tests.e2e.helpers import Api

CRM = "/api/v1/crm"
EUR = {"amount": "1000.00", "currency": "EUR"}


class EventTap:
    """A private queue bound to every crm event; `of(tenant_id)` is what arrived for it."""

    def __init__(self, amqp_uri: str) -> None:
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"e2e-tap-{uuid.uuid4().hex[:8]}", Exchange("crm.events", "topic",
                           durable=True), routing_key="#", exclusive=True, auto_delete=True)
        self.channel = self.connection.channel()
        self.queue(self.channel).declare()
        self.received: list[dict[str, Any]] = []

    def drain(self) -> None:
        bound = self.queue(self.channel)
        while (message := bound.get(no_ack=True)) is not None:
            body = message.body
            self.received.append(json.loads(body) if isinstance(body, str | bytes) else body)

    def of(self, tenant_id: str) -> list[dict[str, Any]]:
        self.drain()
        return [e for e in self.received if e["tenant_id"] == tenant_id]

    def close(self) -> None:
        self.connection.release()


@pytest.fixture
def tap(suite) -> Iterator[EventTap]:
    events = EventTap(suite.amqp_uri)
    yield events
    events.close()


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def test_each_mutation_publishes_one_event_in_order(api: Api, owner, tap):
    auth = owner.auth
    user_id = ok(api.get("/api/v1/me", headers=auth))["user"]["id"]
    client = ok(api.post(f"{CRM}/clients", headers=auth,
                         json={"name": "Acme", "currency": "EUR"}), 201)
    url = f"{CRM}/clients/{client['id']}"
    ok(api.patch(url, headers={**auth, "If-Match": '"1"'}, json={"industry": "Law"}))
    ok(api.post(f"{url}/archive", headers=auth, json={}))
    ok(api.post(f"{url}/restore", headers=auth, json={}))
    ann = ok(api.post(f"{CRM}/contacts", headers=auth,
                      json={"first_name": "Ann", "last_name": "Lee"}), 201)
    dup = ok(api.post(f"{CRM}/contacts", headers=auth,
                      json={"first_name": "Ann", "last_name": "Lee"}), 201)
    ok(api.post(f"{url}/contacts", headers=auth,
                json={"contact_id": ann["id"], "role": "billing contact"}), 201)
    ok(api.post(f"{CRM}/contacts/{ann['id']}/merge", headers=auth,
                json={"duplicate_id": dup["id"]}))
    pipeline = next(p for p in ok(api.get(f"{CRM}/pipelines", headers=auth))["data"]
                    if p["is_default"])
    deal = ok(api.post(f"{CRM}/deals", headers=auth, json={
        "name": "Retainer", "client_id": client["id"], "amount": EUR}), 201)
    deal_url = f"{CRM}/deals/{deal['id']}"
    ok(api.post(f"{deal_url}/move", headers=auth,
                json={"stage_id": pipeline["stages"][2]["id"]}))
    ok(api.post(f"{deal_url}/won", headers=auth, json={}))

    expected = [
        "crm.client.created", "crm.client.updated", "crm.client.archived",
        "crm.client.restored", "crm.contact.created", "crm.contact.created",
        "crm.contact.linked", "crm.contact.merged", "crm.deal.created",
        "crm.deal.stage_changed", "crm.deal.won",
    ]
    wait_until(lambda: len(tap.of(owner.tenant_id)) >= len(expected), timeout=20)
    events = tap.of(owner.tenant_id)
    assert [e["type"] for e in events] == expected
    assert len({e["id"] for e in events}) == len(events)
    assert all(e["producer"] == "crm" and e["data"]["actor_id"] == user_id for e in events)
    assert events[1]["data"]["changed"] == ["industry"]
    merged = events[7]["data"]
    assert (merged["survivor_id"], merged["merged_id"]) == (ann["id"], dup["id"])
    won = events[10]["data"]
    assert (won["deal_id"], won["client_id"], won["amount"]) == (
        deal["id"], client["id"], EUR)
