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
from tests.e2e.helpers import Api, invite_and_join

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


def signed_up(tap: EventTap, owner) -> list[dict[str, Any]]:
    """What crm announced of a new tenant by itself: its default pipeline, made on
    identity.tenant.created (the tap is bound before the signup, so it cannot miss it)."""
    wait_until(lambda: tap.of(owner.tenant_id), timeout=20)
    events = tap.of(owner.tenant_id)
    assert [e["type"] for e in events] == ["crm.pipeline.created"]
    assert events[0]["data"]["is_default"] and len(events[0]["data"]["stages"]) == 5
    return events


def test_each_mutation_publishes_one_event_in_order(api: Api, tap, owner):
    auth = owner.auth
    user_id = ok(api.get("/api/v1/me", headers=auth))["user"]["id"]
    signup = signed_up(tap, owner)
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
    wait_until(lambda: len(tap.of(owner.tenant_id)) >= len(signup) + len(expected), timeout=20)
    events = tap.of(owner.tenant_id)[len(signup):]
    assert [e["type"] for e in events] == expected
    assert len({e["id"] for e in events}) == len(events)
    assert all(e["producer"] == "crm" and e["data"]["actor_id"] == user_id for e in events)
    assert events[1]["data"]["changed"] == ["industry"]
    merged = events[7]["data"]
    assert (merged["survivor_id"], merged["merged_id"]) == (ann["id"], dup["id"])
    won = events[10]["data"]
    assert (won["deal_id"], won["client_id"], won["amount"]) == (
        deal["id"], client["id"], EUR)


def test_pipeline_contact_and_lost_deal_changes_reach_a_subscriber(api: Api, tap, owner):
    auth = owner.auth
    user_id = ok(api.get("/api/v1/me", headers=auth))["user"]["id"]
    signup = signed_up(tap, owner)
    pipeline = ok(api.post(f"{CRM}/pipelines", headers=auth, json={
        "name": "Renewals", "stages": [{"name": "Due", "probability": 50},
                                       {"name": "Agreed", "probability": 90}]}), 201)
    url = f"{CRM}/pipelines/{pipeline['id']}"
    ok(api.patch(url, headers={**auth, "If-Match": '"1"'}, json={"name": "Renewal"}))
    lead = ok(api.post(f"{url}/stages", headers=auth,
                       json={"name": "Lead", "probability": 10, "position": 0}), 201)
    ok(api.patch(f"{url}/stages/{lead['id']}", headers={**auth, "If-Match": '"1"'},
                 json={"probability": 20}))
    stage_ids = [s["id"] for s in ok(api.get(url, headers=auth))["stages"]]
    ok(api.request("PUT", f"{url}/stages/order", headers=auth,
                   json={"stage_ids": stage_ids[::-1]}))
    ok(api.delete(f"{url}/stages/{lead['id']}", headers=auth), 204)
    client = ok(api.post(f"{CRM}/clients", headers=auth,
                         json={"name": "Beta", "currency": "EUR"}), 201)
    deal = ok(api.post(f"{CRM}/deals", headers=auth, json={
        "name": "Renewal 2027", "client_id": client["id"], "amount": EUR,
        "pipeline_id": pipeline["id"]}), 201)
    ok(api.post(f"{CRM}/deals/{deal['id']}/lost", headers=auth, json={"reason": "Budget"}))
    ok(api.delete(url, headers=auth), 204)
    bo = ok(api.post(f"{CRM}/contacts", headers=auth, json={"first_name": "Bo"}), 201)
    contact_url = f"{CRM}/contacts/{bo['id']}"
    ok(api.patch(contact_url, headers={**auth, "If-Match": '"1"'}, json={"title": "CFO"}))
    ok(api.delete(contact_url, headers=auth), 204)

    expected = [
        "crm.pipeline.created", "crm.pipeline.updated", "crm.pipeline.stages_changed",
        "crm.pipeline.stages_changed", "crm.pipeline.stages_changed",
        "crm.pipeline.stages_changed", "crm.client.created", "crm.deal.created",
        "crm.deal.lost", "crm.pipeline.archived", "crm.contact.created",
        "crm.contact.updated", "crm.contact.deleted",
    ]
    wait_until(lambda: len(tap.of(owner.tenant_id)) >= len(signup) + len(expected), timeout=20)
    events = tap.of(owner.tenant_id)[len(signup):]
    assert [e["type"] for e in events] == expected
    assert all(e["data"]["actor_id"] == user_id for e in events)
    assert [e["data"]["change"] for e in events[2:6]] == [
        "added", "updated", "reordered", "archived"]
    assert [s["name"] for s in events[5]["data"]["stages"]] == ["Agreed", "Due"]
    lost = events[8]["data"]
    assert (lost["deal_id"], lost["client_id"], lost["reason"]) == (
        deal["id"], client["id"], "Budget")
    assert events[9]["data"]["pipeline_id"] == pipeline["id"]
    assert (events[11]["data"]["contact_id"], events[11]["data"]["changed"]) == (
        bo["id"], ["title"])
    assert events[12]["data"]["contact_id"] == bo["id"]


def test_records_flagged_reassigned_or_repointed_are_each_announced(api: Api, tap, owner):
    signed_up(tap, owner)
    member = invite_and_join(api, owner, "member")
    member_id = ok(api.get("/api/v1/me", headers=member.auth))["user"]["id"]
    owner_id = ok(api.get("/api/v1/me", headers=owner.auth))["user"]["id"]
    acme = ok(api.post(f"{CRM}/clients", headers=member.auth,
                       json={"name": "Acme", "currency": "EUR"}), 201)
    beta = ok(api.post(f"{CRM}/clients", headers=owner.auth,
                       json={"name": "Beta", "currency": "EUR"}), 201)
    zed = ok(api.post(f"{CRM}/contacts", headers=member.auth, json={"first_name": "Zed"}), 201)
    for client in (acme, beta):
        ok(api.post(f"{CRM}/clients/{client['id']}/contacts", headers=owner.auth,
                    json={"contact_id": zed["id"]}), 201)
    assert api.delete(f"/api/v1/identity/users/{member_id}",
                      headers=owner.auth).status_code == 204

    def announced(event_type: str, **data: Any) -> list[dict[str, Any]]:
        return [e["data"] for e in tap.of(owner.tenant_id) if e["type"] == event_type
                and all(e["data"].get(k) == v for k, v in data.items())]
    wait_until(lambda: announced("crm.contact.updated", changed=["owner_flagged"]), timeout=20)
    [flagged] = announced("crm.client.updated", changed=["owner_flagged"])
    assert (flagged["client_id"], flagged["owner_id"], flagged["actor_id"]) == (
        acme["id"], member_id, owner_id)
    moved = ok(api.post(f"{CRM}/reassignments", headers=owner.auth,
                        json={"from_user_id": member_id, "to_user_id": owner_id}))
    assert (moved["clients"], moved["contacts"]) == (1, 1)
    wait_until(lambda: announced("crm.records.reassigned"), timeout=20)
    assert [(e["client_id"], e["owner_id"]) for e in announced(
        "crm.client.updated", changed=["owner_id", "owner_flagged"])] == [(acme["id"], owner_id)]
    assert [e["contact_id"] for e in announced(
        "crm.contact.updated", changed=["owner_id", "owner_flagged"])] == [zed["id"]]
    before = ok(api.get(f"{CRM}/contacts/{zed['id']}", headers=owner.auth))
    assert api.delete(f"{CRM}/clients/{acme['id']}", headers=owner.auth).status_code == 204
    wait_until(lambda: announced("crm.client.deleted"), timeout=20)
    [repointed] = announced("crm.contact.updated", changed=["primary_client_id"])
    assert (repointed["contact_id"], repointed["actor_id"]) == (zed["id"], owner_id)
    contact = ok(api.get(f"{CRM}/contacts/{zed['id']}", headers=owner.auth))
    assert (contact["primary_client_id"], contact["version"]) == (
        beta["id"], before["version"] + 1)
