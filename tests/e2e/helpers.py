"""What the end-to-end tests of the public API share: a session per test, signup, tokens.

Everything goes through the gateway's HTTP API as a client would; nothing here reaches
into a service or a database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

PASSWORD = "correct horse battery staple"
TIMEOUT = 15


@dataclass
class Account:
    """A signed-up user: their credentials, tenant and current token pair."""

    email: str
    password: str
    tenant_id: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class Api:
    """A requests session bound to the gateway's base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, f"{self.base_url}{path}", **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.session.close()


def unique_email(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


def signup(api: Api, tenant_name: str | None = None, email: str | None = None) -> Account:
    """A new tenant with a new owner, asserting the API's answer on the way."""
    email = email or unique_email("owner")
    response = api.post("/api/v1/auth/signup", json={
        "tenant_name": tenant_name or f"Firm {uuid.uuid4().hex[:8]}",
        "email": email,
        "password": PASSWORD,
        "name": "Owner Person",
    })
    assert response.status_code == 201, response.text
    return account_from(email, PASSWORD, response.json())


def account_from(email: str, password: str, pair: dict[str, Any]) -> Account:
    assert pair["token_type"] == "Bearer"
    return Account(email, password, pair["tenant_id"], pair["access_token"],
                   pair["refresh_token"])


def invite_and_join(api: Api, owner: Account, role: str) -> Account:
    """A new user who joined the owner's tenant with `role` through an invitation."""
    email = unique_email(role)
    invited = api.post("/api/v1/identity/invitations", headers=owner.auth,
                       json={"email": email, "role": role})
    assert invited.status_code == 201, invited.text
    accepted = api.post("/api/v1/identity/invitations/accept", json={
        "token": invited.json()["token"], "password": PASSWORD, "name": f"A {role}"})
    assert accepted.status_code == 200, accepted.text
    return account_from(email, PASSWORD, accepted.json())


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with `status` and our request id."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "request_id"} <= set(body)
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body
