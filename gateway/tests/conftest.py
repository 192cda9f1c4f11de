"""Fixtures for gateway tests: the app with real Redis (db 14), signing keys made here, and an
RPC stand-in used only where the behaviour under test is the gateway's own."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from gateway.app import create_app
from shared.call_context import CallContext


def _refuse_an_eventlet_patched_process() -> None:
    """The gateway is a threaded app; under eventlet's patch its RPC client tests would hang.

    The root conftest patches for the services, so the gateway's tests run in a pytest of
    their own, as `make test` does.
    """
    import sys

    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("thread"):
        pytest.exit(
            "gateway tests need a process without eventlet: run `make test`, or "
            "`pytest --confcutdir=gateway -p no:pytest_nameko gateway` apart from the rest",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


_refuse_an_eventlet_patched_process()


REDIS_URL = os.environ.get("BUREAU_GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
ISSUER = "http://gateway.test"
AUDIENCE = "bureau-api"


class SigningKey:
    """An ES256 key pair as identity would hold it, with its public JWK."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = ec.generate_private_key(ec.SECP256R1())
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk = {**jwk, "kid": kid, "use": "sig", "alg": "ES256"}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 300,
            "jti": str(uuid.uuid4()), "sub": "user-1", "tid": "tenant-1", "role": "owner",
            "sid": "session-1",
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private, algorithm="ES256", headers={"kid": self.kid})


def json_text(answer: Any) -> bytes:
    """A stand-in's answer as the JSON text shared.rpc's json_answer would have sent."""
    return orjson.dumps(answer)


class IdentityStandIn:
    """Answers identity's RPCs with canned data and records every call (gateway-only tests)."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self.calls: list[tuple[str, dict[str, Any], CallContext | None]] = []
        self.answers: dict[str, Callable[[dict[str, Any]], Any]] = {}

    def call(self, service: str, method: str, kwargs: dict | None = None, *,
             context: CallContext | None = None, timeout: float | None = None) -> Any:
        assert service == "identity"
        self.calls.append((method, dict(kwargs or {}), context))
        if method == "jwks":
            return {"keys": [self.key.jwk]}
        answer = self.answers.get(method)
        if answer is None:
            raise AssertionError(f"unexpected RPC identity.{method}")
        return answer(dict(kwargs or {}))

    def call_json(self, service: str, method: str, kwargs: dict | None = None,
                  **options: Any) -> bytes:
        """As RpcClient.call_json: the answer as the JSON text a service writes."""
        return json_text(self.call(service, method, kwargs, **options))

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs, _ in self.calls if name == method]


@pytest.fixture
def redis_db() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey("test-key-1")


@pytest.fixture
def identity(signing_key: SigningKey) -> IdentityStandIn:
    return IdentityStandIn(signing_key)


@pytest.fixture
def make_app(redis_db: Redis, identity: IdentityStandIn) -> Callable[..., Flask]:
    def build(**overrides: Any) -> Flask:
        config = {"redis_url": REDIS_URL, "jwt_issuer": ISSUER, **overrides}
        return create_app(config, rpc=identity)

    return build


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app().test_client()


@pytest.fixture
def auth(signing_key: SigningKey) -> dict[str, str]:
    return {"Authorization": f"Bearer {signing_key.token()}"}


@pytest.fixture
def crm(signing_key: SigningKey, redis_db: Redis) -> Any:
    """Identity's stand-in that also answers crm (gateway/tests/crm_stand_in.py)."""
    from gateway.tests.crm_stand_in import CrmStandIn

    return CrmStandIn(signing_key)


@pytest.fixture
def crm_client(crm: Any) -> FlaskClient:
    """A test client of an app whose RPC goes to the `crm` stand-in."""
    return create_app({"redis_url": REDIS_URL, "jwt_issuer": ISSUER}, rpc=crm).test_client()
