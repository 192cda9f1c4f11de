"""shared.rpc: services answer nameko's own proxies, errors stay typed, every proxy call ends.

The services run as a subprocess (shared.runtime first, as `nameko run` would), so the
broker, the responder and the proxies are exercised exactly as in production.
"""

from __future__ import annotations

import json
import math
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from nameko.exceptions import IncorrectSignature, MethodNotFound, RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from shared.config import settings
from shared.errors import NotFound, ServiceUnavailable, ValidationFailed
from shared.rabbit_vhosts import temporary_vhost
from shared.rpc import encode_reply
from shared.testing import service_subprocess, wait_until

REPO = Path(__file__).resolve().parents[2]

SERVICES_SOURCE = textwrap.dedent(
    """
    import shared.runtime  # noqa: F401  (first: eventlet patch)
    import datetime
    import sys

    import eventlet
    from nameko.runners import ServiceRunner

    from shared.errors import NotFound, ValidationFailed
    from shared.rpc import rpc, rpc_proxy


    class Sleepy:
        name = "sleepy"

        @rpc
        def nap(self, seconds):
            eventlet.sleep(seconds)
            return "rested"


    class Notes:
        name = "notes"
        sleepy = rpc_proxy("sleepy", timeout=0.3)
        ghost = rpc_proxy("ghost")

        @rpc
        def add(self, a, b):
            return {"sum": a + b}

        @rpc
        def keywords(self, **payload):
            return sorted(payload)

        @rpc
        def invalid(self):
            raise ValidationFailed("Bad note.", {"title": ["Required."]})

        @rpc
        def missing(self):
            raise NotFound("No such note.")

        @rpc
        def when(self):
            return datetime.datetime(2026, 1, 1)

        @rpc
        def ask_sleepy(self, seconds):
            return self.sleepy.nap(seconds=seconds)

        @rpc
        def ask_ghost(self):
            return self.ghost.anything()


    runner = ServiceRunner({"AMQP_URI": sys.argv[1]})
    runner.add_service(Sleepy)
    runner.add_service(Notes)
    runner.start()
    print("ready", flush=True)
    runner.wait()
    """
)


@pytest.fixture(scope="module")
def amqp_uri() -> Iterator[str]:
    """A vhost of this module's own, so parallel runs never share queues."""
    with temporary_vhost("bureau_rpc_test") as uri:
        yield uri


@pytest.fixture(scope="module")
def services(amqp_uri: str) -> Iterator[None]:
    with service_subprocess(SERVICES_SOURCE, amqp_uri):
        yield


@pytest.fixture
def cluster(amqp_uri: str, services: None) -> Iterator:
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as proxy:
        yield proxy


def test_nameko_cluster_proxy_gets_the_result(cluster) -> None:
    assert cluster.notes.add(a=2, b=3) == {"sum": 5}


def test_nameko_proxy_rebuilds_a_validation_error_with_its_fields(cluster) -> None:
    with pytest.raises(ValidationFailed) as raised:
        cluster.notes.invalid()
    assert raised.value.errors == {"title": ["Required."]}


def test_nameko_proxy_rebuilds_not_found(cluster) -> None:
    with pytest.raises(NotFound, match="No such note."):
        cluster.notes.missing()


def test_an_unknown_method_is_answered_method_not_found(cluster) -> None:
    with pytest.raises(MethodNotFound):
        cluster.notes.no_such_method()


def test_arguments_that_do_not_fit_the_method_are_refused(cluster) -> None:
    for wrong in (lambda: cluster.notes.add(a=1), lambda: cluster.notes.add(a=1, b=2, c=3),
                  lambda: cluster.notes.keywords(1)):
        with pytest.raises(IncorrectSignature):
            wrong()
    assert cluster.notes.keywords(x=1, y=2) == ["x", "y"]  # any keywords fit **payload


def test_an_unserializable_result_is_answered_with_an_error(cluster) -> None:
    with pytest.raises(RemoteError) as raised:
        cluster.notes.when()
    assert raised.value.exc_type == "UnserializableValueError"
    assert cluster.notes.add(a=1, b=1) == {"sum": 2}  # and the service lives on


def test_a_service_to_service_call_gives_up_at_its_timeout(cluster) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        cluster.notes.ask_sleepy(seconds=3)
    assert time.monotonic() - started < 2


def test_a_service_to_service_call_within_its_timeout_returns(cluster) -> None:
    assert cluster.notes.ask_sleepy(seconds=0) == "rested"


def test_a_call_to_a_service_nobody_runs_fails_with_service_unavailable(cluster) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        cluster.notes.ask_ghost()
    assert time.monotonic() - started < 2


def test_encode_reply_refuses_nan_as_json_cannot_carry_it() -> None:
    body, result, exc_info = encode_reply(math.nan, None)
    assert result is None and exc_info is not None
    assert '"exc_type": "UnserializableValueError"' in body


def test_encode_reply_carries_a_typed_error_as_nameko_does() -> None:
    try:
        raise ValidationFailed("Bad.", {"x": ["y"]})
    except ValidationFailed as exc:
        body, _, _ = encode_reply(None, (type(exc), exc, exc.__traceback__))
    assert '"exc_path": "shared.errors.ValidationFailed"' in body
    assert '"exc_args": ["Bad.", {"x": ["y"]}, {}]' in body


def test_replies_resume_after_the_broker_drops_every_connection(
    amqp_uri: str, services: None
) -> None:
    management = settings().amqp_management_uri
    vhost = amqp_uri.rsplit("/", 1)[1]
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as proxy:
        assert proxy.notes.add(a=1, b=2) == {"sum": 3}  # the reply connection now exists
    def connections() -> list[str]:
        listed = requests.get(f"{management}/api/vhosts/{vhost}/connections", timeout=5).json()
        names = [c["name"] for c in listed]
        return names if len(names) >= 3 else []

    names = wait_until(connections)
    for name in names:  # the service's consumer and reply connections among them
        requests.delete(f"{management}/api/connections/{quote(name, safe='')}", timeout=5)

    def answers() -> bool:
        try:
            with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=2) as proxy:
                return proxy.notes.add(a=2, b=2) == {"sum": 4}
        except Exception:
            return False  # the service is still reconnecting its consumer

    assert wait_until(answers, timeout=30)


def test_client_errors_are_expected_so_they_are_not_logged_as_service_failures():
    from shared.errors import BureauError, NotFound, ServiceUnavailable, ValidationFailed
    from shared.rpc import UnconfirmedRpc

    expected = UnconfirmedRpc().expected_exceptions
    assert NotFound in expected and ValidationFailed in expected
    assert ServiceUnavailable not in expected and BureauError not in expected


def test_encode_reply_refuses_nan_and_infinities_nested_beside_nulls() -> None:
    for result in ({"data": [{"a": None, "b": math.nan}]}, [None, [1, -math.inf]],
                   {"x": (None, math.inf)}):
        body, out, exc_info = encode_reply(result, None)
        assert out is None and exc_info is not None
        assert "UnserializableValueError" in str(body)


def test_encode_reply_plain_results_keep_the_json_wire_format() -> None:
    result = {"data": [{"id": "u1", "n": 1, "x": 1.5, "ok": True, "none": None}], "next": None}
    body, out, exc_info = encode_reply(result, None)
    assert exc_info is None and out is result
    assert json.loads(body) == {"result": result, "error": None}
    body, _, exc_info = encode_reply({"big": 2**70, 1: "int key"}, None)  # the json path
    assert exc_info is None and json.loads(body) == {"result": {"big": 2**70, "1": "int key"},
                                                     "error": None}
    _, out, exc_info = encode_reply({"when": datetime.now(UTC)}, None)
    assert out is None and exc_info is not None  # as stdlib json: not JSON-native
