"""RpcClient against a real broker and a real nameko service.

The service runs as a subprocess (shared.runtime first, as in production) so the client is
tested the way the gateway uses it: this test process never hosts an eventlet container.
The root conftest monkey-patches this process, so in here the client's threads are green;
`test_os_threads_and_a_forked_child_each_get_their_own_answers` runs it with real OS threads.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import amqp
import pytest
import requests

from gateway.rpc_client import RpcClient
from shared.call_context import CallContext
from shared.config import settings
from shared.errors import NotFound, ServiceUnavailable, ValidationFailed
from shared.rabbit_vhosts import temporary_vhost
from shared.testing import service_subprocess, wait_until

REPO = Path(__file__).resolve().parents[2]

SERVICE_SOURCE = textwrap.dedent(
    """
    import shared.runtime  # noqa: F401  (first: eventlet patch)
    import sys

    import eventlet
    from nameko.extensions import DependencyProvider
    from nameko.runners import ServiceRunner

    from shared.errors import NotFound, ValidationFailed
    from shared.json_ready import json_answer
    from shared.rpc import rpc


    class ContextData(DependencyProvider):
        def get_dependency(self, worker_ctx):
            return dict(worker_ctx.context_data)


    class Echo:
        name = "echo"
        context_data = ContextData()

        @rpc
        def echo(self, **kwargs):
            return kwargs

        @rpc
        def answer(self, **kwargs):
            return json_answer(kwargs)

        @rpc
        def context(self):
            return self.context_data

        @rpc
        def slow(self, seconds, tag):
            eventlet.sleep(seconds)
            return tag

        @rpc
        def invalid(self):
            raise ValidationFailed("Bad input.", {"email": ["Not a valid email."]})

        @rpc
        def missing(self):
            raise NotFound("No such client.")


    runner = ServiceRunner({"AMQP_URI": sys.argv[1]})
    runner.add_service(Echo)
    runner.start()
    print("ready", flush=True)
    runner.wait()
    """
)

OS_THREADS_SOURCE = textwrap.dedent(
    """
    import os, sys
    from concurrent.futures import ThreadPoolExecutor
    from gateway.rpc_client import RpcClient

    assert "eventlet" not in sys.modules
    client = RpcClient(sys.argv[1], default_timeout=5)
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: client.call("echo", "echo", {"n": i}), range(50)))
    assert answers == [{"n": i} for i in range(50)], answers
    pid = os.fork()
    if pid == 0:
        os._exit(0 if client.call("echo", "echo", {"who": "child"}) == {"who": "child"} else 3)
    assert client.call("echo", "echo", {"who": "parent"}) == {"who": "parent"}
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    client.close()
    print("ok")
    """
)


def management(method: str, path: str) -> requests.Response:
    base = settings().amqp_management_uri
    response = requests.request(method, f"{base}/api/{path}", timeout=5)
    response.raise_for_status()
    return response


@pytest.fixture(scope="module")
def amqp_uri() -> Iterator[str]:
    """A vhost of this module's own, so parallel runs never share queues."""
    with temporary_vhost("bureau_rpc_test") as uri:
        yield uri


@pytest.fixture(scope="module")
def echo_service(amqp_uri: str) -> Iterator[None]:
    with service_subprocess(SERVICE_SOURCE, amqp_uri):
        yield


@pytest.fixture
def client(amqp_uri: str, echo_service: None) -> Iterator[RpcClient]:
    with RpcClient(amqp_uri, default_timeout=5) as rpc_client:
        yield rpc_client


def gateway_connections(amqp_uri: str) -> list[str]:
    vhost = amqp_uri.rsplit("/", 1)[1]
    connections = management("GET", f"vhosts/{vhost}/connections").json()
    return [
        c["name"] for c in connections
        if c.get("client_properties", {}).get("connection_name", "").startswith("bureau-gateway")
    ]


def drop_gateway_connections(amqp_uri: str) -> int:
    """Close them as an operator would; the management API lists them after a stats tick."""
    names = wait_until(lambda: gateway_connections(amqp_uri))
    base = settings().amqp_management_uri
    closed = 0
    for name in names:  # a name may be stale (closed since listed): 404 is fine
        url = f"{base}/api/connections/{quote(name, safe='')}"
        closed += requests.delete(url, timeout=5).status_code == 204
    return closed


def test_call_returns_the_service_result(client: RpcClient) -> None:
    assert client.call("echo", "echo", {"name": "Ada", "tags": ["a", "b"]}) == {
        "name": "Ada", "tags": ["a", "b"],
    }


def test_an_integer_past_64_bits_travels_both_ways(client: RpcClient) -> None:
    # orjson refuses it; a JSON body may hold it (a custom field value, say)
    assert client.call("echo", "echo", {"big": 2**70, "small": -(2**64)}) == {
        "big": 2**70, "small": -(2**64),
    }


def test_call_json_gives_the_result_as_the_text_the_service_wrote(client: RpcClient) -> None:
    assert client.call_json("echo", "answer", {"name": "Ada", "n": [1, 2]}) == (
        b'{"name":"Ada","n":[1,2]}')
    assert client.call_json("echo", "echo", {"ok": True}) == b'{"ok":true}'
    # The stdlib's reply (an integer past 64 bits) is not shared.rpc's shape: decoded again.
    assert json.loads(client.call_json("echo", "echo", {"big": 2**70})) == {"big": 2**70}
    with pytest.raises(NotFound, match="No such client."):
        client.call_json("echo", "missing")


def test_validation_error_arrives_typed_with_its_field_errors(client: RpcClient) -> None:
    with pytest.raises(ValidationFailed) as raised:
        client.call("echo", "invalid")
    assert raised.value.errors == {"email": ["Not a valid email."]}
    assert raised.value.detail == "Bad input."


def test_not_found_arrives_typed(client: RpcClient) -> None:
    with pytest.raises(NotFound, match="No such client."):
        client.call("echo", "missing")


def test_call_context_reaches_the_service_as_nameko_context_data(client: RpcClient) -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    context = CallContext(
        tenant_id="t-1", user_id="u-1", roles=("owner", "admin"), impersonator_id="staff-1",
        request_id="req-1", traceparent=traceparent,
    )
    seen = client.call("echo", "context", context=context)
    assert seen["tenant_id"] == "t-1"
    assert seen["user_id"] == "u-1"
    assert CallContext.from_wire(seen).roles == ("owner", "admin")
    assert seen["impersonator_id"] == "staff-1"
    assert seen["request_id"] == "req-1"
    assert seen["traceparent"] == traceparent
    assert CallContext.from_wire(seen) == context
    assert seen["call_id_stack"][0].startswith("gateway.call.")
    assert seen["call_id_stack"][-1].startswith("echo.context.")


def test_fifty_concurrent_calls_from_sixteen_threads_each_get_their_own_answer(
    client: RpcClient,
) -> None:
    answers: dict[int, object] = {}
    indices = iter(range(50))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(indices, None)
            if i is None:
                return
            answers[i] = client.call("echo", "echo", {"n": i})

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == {i: {"n": i} for i in range(50)}


def test_a_lone_slow_call_reading_its_socket_does_not_hold_up_quicker_ones(
    client: RpcClient,
) -> None:
    """The lone caller reads the socket itself (no reader-thread hand-off); replies to the
    calls that start meanwhile are dispatched to them at once, not after the slow one."""
    for _ in range(3):
        slow: dict[str, object] = {}
        lone = threading.Thread(
            target=lambda: slow.update(tag=client.call("echo", "slow", {"seconds": 0.8,
                                                                         "tag": "slow"})))
        lone.start()
        time.sleep(0.1)  # it leads now
        started = time.monotonic()
        quick: list[object] = []
        threads = [threading.Thread(target=lambda i=i: quick.append(
            client.call("echo", "echo", {"n": i}))) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
        assert time.monotonic() - started < 0.5, "quick calls waited for the slow one"
        assert sorted(q["n"] for q in quick) == [0, 1, 2, 3]  # type: ignore[index]
        lone.join(timeout=5)
        assert slow == {"tag": "slow"}
        # and lone calls after a burst, then a burst behind a lone call that ends first
        assert [client.call("echo", "echo", {"n": i}) for i in range(20)] == [
            {"n": i} for i in range(20)]


def test_os_threads_and_a_forked_child_each_get_their_own_answers(
    amqp_uri: str, echo_service: None
) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", OS_THREADS_SOURCE, amqp_uri],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "ok"


def test_timeout_raises_service_unavailable_within_the_timeout_and_a_little(
    client: RpcClient,
) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        client.call("echo", "slow", {"seconds": 2, "tag": "late"}, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 0.5


def test_a_late_reply_is_dropped_and_never_answers_the_next_call(client: RpcClient) -> None:
    with pytest.raises(ServiceUnavailable):
        client.call("echo", "slow", {"seconds": 0.3, "tag": "first"}, timeout=0.1)
    # The first reply arrives while this call waits: it must not be taken for this one.
    assert client.call("echo", "slow", {"seconds": 0.5, "tag": "second"}) == "second"


def test_a_service_nobody_consumes_fails_fast(client: RpcClient) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        client.call("nosuchservice", "anything", timeout=5)
    assert time.monotonic() - started < 0.5


def test_an_unreachable_broker_fails_fast() -> None:
    with RpcClient("amqp://guest:guest@127.0.0.1:1/", default_timeout=5) as unreachable:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            unreachable.call("echo", "echo")
        with pytest.raises(ServiceUnavailable):
            unreachable.call("echo", "echo")
        assert time.monotonic() - started < 1.0


def test_calls_pending_on_a_dropped_connection_fail_with_service_unavailable(
    client: RpcClient, amqp_uri: str
) -> None:
    outcome: list[BaseException] = []

    def slow_call() -> None:
        try:
            client.call("echo", "slow", {"seconds": 12, "tag": "x"}, timeout=20)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    started = time.monotonic()
    caller = threading.Thread(target=slow_call)
    caller.start()
    assert drop_gateway_connections(amqp_uri) >= 1
    caller.join(timeout=25)
    assert len(outcome) == 1 and isinstance(outcome[0], ServiceUnavailable)
    assert time.monotonic() - started < 11  # not the reply, not the timeout: the drop


def test_after_the_broker_drops_the_connection_new_calls_succeed(
    client: RpcClient, amqp_uri: str
) -> None:
    assert client.call("echo", "echo", {"before": True}) == {"before": True}
    assert drop_gateway_connections(amqp_uri) >= 1

    def call_succeeds() -> bool:
        try:
            return client.call("echo", "echo", {"after": True}, timeout=2) == {"after": True}
        except ServiceUnavailable:
            return False  # the drop may be noticed by this very call

    assert wait_until(call_succeeds)


def test_requests_carry_nameko_wire_format_and_expire_with_their_timeout(
    client: RpcClient, amqp_uri: str
) -> None:
    """A queue bound but never consumed lets us read the request exactly as a service would."""
    broker = urlsplit(amqp_uri)
    inspector = amqp.Connection(
        f"{broker.hostname}:{broker.port or 5672}", virtual_host=broker.path[1:]
    )
    inspector.connect()
    try:
        channel = inspector.channel()
        channel.exchange_declare("nameko-rpc", "topic", durable=True, auto_delete=False)
        channel.queue_declare("rpc-idle", exclusive=True)
        channel.queue_bind("rpc-idle", "nameko-rpc", routing_key="idle.*")
        failures: list[BaseException] = []

        def call() -> None:
            try:
                client.call("idle", "ping", {"x": 1}, context=CallContext(tenant_id="t-9"),
                            timeout=1.0)
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                failures.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        message = wait_until(lambda: channel.basic_get("rpc-idle", no_ack=True))
        caller.join(timeout=5)
    finally:
        inspector.close()
    assert json.loads(message.body) == {"args": [], "kwargs": {"x": 1}}
    assert message.properties["content_type"] == "application/json"
    assert message.properties["delivery_mode"] == 1
    assert message.properties["expiration"] == "1000"
    assert message.properties["reply_to"] and message.properties["correlation_id"]
    headers = message.properties["application_headers"]
    assert headers["nameko.tenant_id"] == "t-9"
    correlation_id = message.properties["correlation_id"]
    assert headers["nameko.call_id_stack"] == [f"gateway.call.{correlation_id}"]
    assert message.delivery_info["routing_key"] == "idle.ping"
    assert len(failures) == 1 and isinstance(failures[0], ServiceUnavailable)
