"""A tenant with one of every CRM object, for the schema-driven fuzzer to aim at.

Random ids only ever reach "not found". `CrmSeeds` creates a client, a contact linked to
it, a pipeline with stages, deals, a custom field definition per entity and a checked
import, and hands out their ids by parameter name (`client_id`, `stage_ids`, ...). An
operation that consumes its object (a delete, an archive, a merge's duplicate) gets a
fresh one each time, so the seeded objects stay for every other operation.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.helpers import Api

CRM = "/api/v1/crm"
EUR = {"amount": "1200.00", "currency": "EUR"}


class CrmSeeds:
    def __init__(self, api: Api, auth: dict[str, str]) -> None:
        self.api = api
        self.auth = auth
        self.user_id = self._get("/api/v1/me")["user"]["id"]
        self.client = self._client()
        self.contact = self._contact()
        self._post(f"{CRM}/clients/{self.client}/contacts",
                   {"contact_id": self.contact, "role": "billing contact"})
        self.pipeline = self._pipeline()
        self.stages = [s["id"] for s in self._get(f"{CRM}/pipelines/{self.pipeline}")["stages"]]
        self.deal = self._deal()
        self.other_deal = self._deal()
        self.custom_field = self._custom_field("client")
        for entity in ("contact", "deal"):
            self._custom_field(entity)
        self.import_id = self._import()

    @property
    def stage_of_pipeline(self) -> str:
        return self.stages[0]

    def path_value(self, name: str, *, consumed: bool) -> Any:
        """The id for a path parameter; a fresh object when the operation consumes it."""
        if consumed:
            return self._fresh(name)
        return self._seeded(name)

    def field_value(self, name: str) -> Any:
        """The id for a body or query field naming an object, None when it names none."""
        if name == "duplicate_id":
            return self._contact()  # a merge removes it
        if name in {"owner_id", "from_user_id", "to_user_id"}:
            return self.user_id
        if name in {"before_id", "after_id"}:
            return self.other_deal
        if name == "primary_client_id":
            return self.client
        if name == "contact_ids":
            return [self.contact]
        if name == "stage_ids":
            return list(self.stages)
        if name in SEEDED:
            return self._seeded(name)
        return None

    def etag(self, path: str) -> str | None:
        response = self.api.get(path, headers=self.auth)
        return response.headers.get("ETag") if response.status_code == 200 else None

    def _seeded(self, name: str) -> Any:
        return getattr(self, SEEDED[name]) if name in SEEDED else None

    def _fresh(self, name: str) -> Any:
        makers = {
            "client_id": self._client,
            "contact_id": self._linked_contact,
            "custom_field_id": lambda: self._custom_field("client"),
            "deal_id": self._deal,
            "pipeline_id": self._pipeline,
            "stage_id": self._stage,
            "import_id": self._import,
        }
        return makers[name]() if name in makers else None

    def _get(self, path: str) -> dict[str, Any]:
        response = self.api.get(path, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.api.post(path, headers=self.auth, json=body)
        if response.status_code == 400 and self._unrequire(response.json()):
            response = self.api.post(path, headers=self.auth, json=body)  # once more
        assert response.status_code in (200, 201), f"{path}: {response.text}"
        return response.json()

    def _unrequire(self, problem: dict[str, Any]) -> bool:
        """The fuzzer made custom fields required (it may): archive them, so seeding
        goes on. True if there were any."""
        keys = {name.removeprefix("custom.") for name in problem.get("errors", {})
                if name.startswith("custom.")}
        if not keys:
            return False
        cursor: str | None = None
        while True:
            page = self._get(f"{CRM}/custom-fields?limit=100"
                             + (f"&cursor={cursor}" if cursor else ""))
            for definition in page["data"]:
                if definition["key"] in keys:
                    self.api.delete(f"{CRM}/custom-fields/{definition['id']}",
                                    headers=self.auth)
            cursor = page["page"]["next_cursor"]
            if not cursor:
                return True

    def _client(self) -> str:
        return self._post(f"{CRM}/clients", {"name": f"Seed {uuid.uuid4().hex[:10]}",
                                             "currency": "EUR"})["id"]

    def _contact(self) -> str:
        return self._post(f"{CRM}/contacts", {
            "first_name": "Seed", "last_name": uuid.uuid4().hex[:10],
            "emails": [{"value": f"{uuid.uuid4().hex[:10]}@seed.example", "primary": True}],
        })["id"]

    def _linked_contact(self) -> str:
        """A contact linked to the seeded client: unlinking or deleting it is its end."""
        contact = self._contact()
        self._post(f"{CRM}/clients/{self.client}/contacts", {"contact_id": contact})
        return contact

    def _pipeline(self) -> str:
        return self._post(f"{CRM}/pipelines", {
            "name": f"Seed {uuid.uuid4().hex[:10]}",
            "stages": [{"name": "Lead", "probability": 10},
                       {"name": "Offer", "probability": 50}]})["id"]

    def _stage(self) -> str:
        return self._post(f"{CRM}/pipelines/{self.pipeline}/stages",
                          {"name": f"Seed {uuid.uuid4().hex[:8]}", "probability": 30})["id"]

    def _deal(self) -> str:
        return self._post(f"{CRM}/deals", {
            "name": f"Seed {uuid.uuid4().hex[:10]}", "client_id": self.client, "amount": EUR,
            "pipeline_id": self.pipeline, "stage_id": self.stages[0],
            "contact_ids": [self.contact]})["id"]

    def _custom_field(self, entity: str) -> str:
        return self._post(f"{CRM}/custom-fields", {
            "entity": entity, "key": f"seed_{uuid.uuid4().hex[:10]}", "label": "Seed",
            "type": "text"})["id"]

    def _import(self) -> str:
        response = self.api.post(f"{CRM}/imports?entity=clients", data=b"name,currency\n"
                                 b"Imported,EUR\n,EUR\n",
                                 headers={**self.auth, "Content-Type": "text/csv"})
        assert response.status_code == 201, response.text
        return response.json()["id"]


SEEDED = {
    "client_id": "client",
    "contact_id": "contact",
    "custom_field_id": "custom_field",
    "deal_id": "deal",
    "pipeline_id": "pipeline",
    "stage_id": "stage_of_pipeline",
    "import_id": "import_id",
}
"""Path and field names that name a seeded object, and the attribute holding its id."""
