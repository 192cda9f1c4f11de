"""The gateway's RPC client: many threads, one AMQP connection and one reply queue per process.

py-amqp connections are not thread-safe, so one lock owns every use of the connection: a
caller publishes its request under it, one reader thread reads replies under it, and each
caller waits on its own reply slot, keyed by correlation id. A lone caller (nothing else
in flight) reads its own reply instead, under the same lock (see `_Link._lead`). It
speaks nameko 2.14's RPC wire format, so services need nothing special to answer it.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import itertools
import json
import os
import select
import socket
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import amqp
import orjson

from shared.amqp_frames import publish_frames
from shared.call_context import CallContext
from shared.errors import BureauError, ServiceUnavailable, error_from_wire
from shared.json_ready import REPLY_CLOSE, REPLY_OPEN

HEARTBEAT_SECONDS = 30
"""Broker heartbeat: a silently dead connection is noticed within about two of these."""

CONNECT_TIMEOUT_SECONDS = 2.0
RECONNECT_COOLDOWN_SECONDS = 0.5
"""After a failed connect, calls fail at once for this long instead of each trying again."""



def wire_value(value: Any) -> Any:
    """What JSON lacks, as the services read it: ids and Decimals as strings, dates ISO 8601
    (so views pass marshmallow-loaded arguments straight through)."""
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent to a service")

@dataclass(frozen=True)
class BrokerAddress:
    host: str
    userid: str
    password: str
    virtual_host: str

    @classmethod
    def from_uri(cls, uri: str) -> BrokerAddress:
        """Parse `amqp://user:pass@host:port/vhost` (kombu's `pyamqp://` too)."""
        parts = urlsplit(uri)
        if parts.scheme not in ("amqp", "pyamqp"):
            raise ValueError(f"unsupported AMQP scheme {parts.scheme!r} (TLS is not supported yet)")
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        return cls(
            host=f"{parts.hostname or 'localhost'}:{parts.port or 5672}",
            userid=unquote(parts.username or "guest"),
            password=unquote(parts.password or "guest"),
            virtual_host=unquote(path) or "/",
        )


class _ReplySlot:
    """Where one caller waits for its reply: a raw lock, the cheapest wake-up CPython has."""

    __slots__ = ("_ready", "body", "error")

    def __init__(self) -> None:
        self._ready = threading.Lock()
        self._ready.acquire()
        self.body: bytes | str | None = None
        self.error: BureauError | None = None

    def resolve(self, body: bytes | str) -> None:
        self.body = body
        self._ready.release()

    def fail(self, error: BureauError) -> None:
        self.error = error
        self._ready.release()

    def wait(self, timeout: float) -> bool:
        return self._ready.acquire(timeout=max(timeout, 0))


@dataclass
class _Request:
    routing_key: str
    body: bytes
    headers: dict[str, Any]
    correlation_id: str
    expiration: str


class _Link:
    """One broker connection, its exclusive reply queue and the only thread that touches it."""

    def __init__(self, address: BrokerAddress, exchange: str, connect_timeout: float) -> None:
        self.pid = os.getpid()
        self.exchange = exchange
        self.reply_to = str(uuid.uuid4())
        self.alive = True
        self._state = threading.Lock()
        self._pending: dict[str, _ReplySlot] = {}
        self._io = threading.Lock()
        """Held for every use of the connection and channel (py-amqp is not thread-safe);
        never held while blocking: the reader selects first, then drains without waiting."""
        self._stopping = False
        self._broken = False
        self._leader: _ReplySlot | None = None
        """The slot of the lone caller reading its own reply (under `_state`), if any."""
        self._leader_thread = 0
        self._reader_watching = False
        """Whether the reader thread's select includes the broker socket (under `_state`)."""
        self._wake_r, self._wake_w = socket.socketpair()
        self._leader_wake_r, self._leader_wake_w = socket.socketpair()
        self._leader_wake_r.setblocking(False)
        self._leader_wake_w.setblocking(False)
        self._sock: socket.socket | None = None
        self._conn = amqp.Connection(
            host=address.host,
            userid=address.userid,
            password=address.password,
            virtual_host=address.virtual_host,
            connect_timeout=connect_timeout,
            heartbeat=HEARTBEAT_SECONDS,
            client_properties={
                "connection_name": f"bureau-gateway-{self.pid}-{self.reply_to[:8]}"
            },
        )
        try:
            self._conn.connect()
            self._sock = self._conn.sock
            self._channel = self._open_reply_channel()
            # Only the I/O thread reads; a partial frame that stalls this long means a dead peer.
            self._sock.settimeout(HEARTBEAT_SECONDS * 2)
        except BaseException:
            self._conn.collect()
            self._close_sockets()
            raise
        self._thread = threading.Thread(target=self._run, name="rpc-client-reader", daemon=True)
        self._thread.start()

    def _open_reply_channel(self) -> amqp.Channel:
        channel = self._conn.channel()
        channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        queue = f"rpc.reply-gateway-{self.reply_to}"
        channel.queue_declare(queue, exclusive=True, auto_delete=True)
        channel.queue_bind(queue, self.exchange, routing_key=self.reply_to)
        channel.basic_consume(queue, no_ack=True, callback=self._on_reply)
        channel.events["basic_return"].add(self._on_return)
        return channel

    # -- caller threads ------------------------------------------------------------------

    def send(self, request: _Request, timeout: float) -> bytes | str:
        slot = _ReplySlot()
        wake_reader = False
        with self._state:
            if not self.alive:
                raise ServiceUnavailable("The connection to the message broker was lost.")
            # A lone caller (nothing else in flight) reads its own reply: no hand-off from
            # the reader thread (a lock release and a thread switch per call).
            lead = not self._pending and self._leader is None
            self._pending[request.correlation_id] = slot
            if lead:
                self._leader = slot
                self._leader_thread = threading.get_ident()
            elif self._leader is None and not self._reader_watching:
                wake_reader = True  # the reader idles off the socket: have it watch again
        # Published by the caller itself: handing it to the reader thread cost a wake-up
        # (a socket write, a select, a thread switch) per call, ~0.1 ms of round trip.
        try:
            with self._io:
                self._publish(request)
        except Exception:  # noqa: BLE001 - a broken link: the reader fails every pending call
            self._broken = True
            wake_reader = True
        if wake_reader:
            self._wake_reader()
        answered = self._lead(slot, time.monotonic() + timeout) if lead else slot.wait(timeout)
        if not answered:
            with self._state:
                self._pending.pop(request.correlation_id, None)
            if slot.wait(0):  # answered between the timeout and the pop
                return self._outcome(slot)
            raise ServiceUnavailable(f"No reply from {request.routing_key} within {timeout:g}s.")
        return self._outcome(slot)

    def _lead(self, slot: _ReplySlot, deadline: float) -> bool:
        """Read frames (dispatching anyone's replies) until this caller's own reply is in,
        or its time is up; then hand the socket back to the reader thread if others wait.
        A frame another thread drained (the reader thread's once-a-second tick) resolves this
        slot from there, and `_on_reply` then wakes us through `_leader_wake`."""
        sock = self._sock
        assert sock is not None  # set in __init__
        watched = [sock, self._leader_wake_r]
        answered = False
        try:
            while not (answered := slot.wait(0)):
                left = deadline - time.monotonic()
                if left <= 0 or self._broken or not self.alive:
                    break
                readable, _, _ = select.select(watched, [], [], left)
                if self._leader_wake_r in readable:
                    with contextlib.suppress(OSError):
                        self._leader_wake_r.recv(4096)
                if sock in readable:
                    with self._io:
                        self._read_available_frames()
        except Exception:  # noqa: BLE001 - a broken link: the reader fails every pending call
            self._broken = True
            self._wake_reader()
        finally:
            with self._state:
                self._leader = None
                hand_over = bool(self._pending) and not self._reader_watching
            if hand_over:
                self._wake_reader()
        if answered:
            return True
        # A broken or stopped link: the reader's shutdown fails this slot; wait for that.
        return slot.wait(deadline - time.monotonic())

    @staticmethod
    def _outcome(slot: _ReplySlot) -> bytes | str:
        if slot.error is not None:
            raise slot.error
        assert slot.body is not None
        return slot.body

    def _wake_reader(self) -> None:
        # OSError: the link just died, and its shutdown has failed every pending slot already.
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def stop(self) -> None:
        with self._state:
            self._stopping = True
        self._wake_reader()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def abandon_after_fork(self) -> None:
        """In a forked child: drop the inherited sockets without speaking AMQP on them."""
        self.alive = False
        self._close_sockets()

    # -- the I/O thread --------------------------------------------------------------------

    def _run(self) -> None:
        sock = self._sock
        assert sock is not None  # set before this thread starts
        both = [sock, self._wake_r]
        wake_only = [self._wake_r]
        try:
            while True:
                # Off the socket while a lone caller reads it, or while nothing is in
                # flight (a caller wakes this thread when it needs it); a tick each second
                # still reads what came (heartbeats, a broker's close) and beats.
                with self._state:
                    watching = self._reader_watching = bool(self._pending) and self._leader is None
                readable, _, _ = select.select(both if watching else wake_only, [], [], 1.0)
                if self._wake_r in readable:
                    self._wake_r.recv(4096)
                    with self._state:
                        if self._stopping:
                            break
                if self._broken:
                    break
                if sock in readable or not readable:
                    with self._io:
                        self._read_available_frames()
                        self._conn.heartbeat_tick()
        except Exception:  # noqa: S110 - any failure ends this link; callers get 503s
            pass
        self._shut_down()

    def _read_available_frames(self) -> None:
        # Never block here: select's "readable" can be stale, as the reader and a leading
        # caller both read (under `_io`), and one may have taken the other's frames.
        while True:
            try:
                self._conn.drain_events(timeout=0)
            except TimeoutError:  # socket.timeout
                return

    def _publish(self, request: _Request) -> None:
        """The request's frames straight onto the socket (shared.amqp_frames: py-amqp's
        own publish cost ~15% of a page's gateway CPU)."""
        if self._channel.connection is None:  # the broker closed the channel
            raise ConnectionError("The reply channel is closed.")
        self._conn.transport.write(publish_frames(
            self._channel.channel_id, self.exchange, request.routing_key, request.body,
            frame_max=self._conn.frame_max, mandatory=True,
            content_type="application/json", content_encoding="utf-8",
            headers=request.headers, delivery_mode=1, correlation_id=request.correlation_id,
            reply_to=self.reply_to, expiration=request.expiration,
        ))
        self._conn.bytes_sent += 1  # py-amqp's heartbeat counts frames written

    def _on_reply(self, message: amqp.Message) -> None:
        correlation_id = message.properties.get("correlation_id")
        with self._state:
            slot = self._pending.pop(correlation_id, None)
            wake_leader = slot is not None and slot is self._leader
        if slot is not None:  # else the caller gave up: a late reply is dropped
            slot.resolve(message.body)
            if wake_leader:
                self._wake_leader()

    def _wake_leader(self) -> None:
        """The lone caller's reply was read by another thread: end its select."""
        if threading.get_ident() != self._leader_thread:
            with contextlib.suppress(OSError):
                self._leader_wake_w.send(b"\0")

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: Any) -> None:
        correlation_id = message.properties.get("correlation_id")
        with self._state:
            slot = self._pending.pop(correlation_id, None)
            wake_leader = slot is not None and slot is self._leader
        if slot is not None:
            slot.fail(ServiceUnavailable(f"No service consumes {routing_key}."))
            if wake_leader:
                self._wake_leader()

    def _shut_down(self) -> None:
        with self._state:
            self.alive = False
            pending, self._pending = self._pending, {}
        for slot in pending.values():
            slot.fail(ServiceUnavailable("The connection to the message broker was lost."))
        with contextlib.suppress(OSError):  # a lone caller in select: let it see its failure
            self._leader_wake_w.send(b"\0")
        with self._io, contextlib.suppress(Exception):  # the broker may already be gone
            self._conn.close()
        self._close_sockets()

    def _close_sockets(self) -> None:
        for closable in (self._wake_r, self._wake_w, self._leader_wake_r, self._leader_wake_w,
                         self._sock):
            if closable is not None:
                with contextlib.suppress(OSError):
                    closable.close()




def _result(reply: dict[str, Any]) -> Any:
    error = reply.get("error")
    if error:
        raise error_from_wire(error)
    return reply.get("result")


def _decode_reply(body: bytes | str) -> dict[str, Any]:
    """orjson (a 50-row page in ~21 us, the stdlib ~49); what it refuses and the stdlib
    reads (an integer past 64 bits) goes the slow way."""
    try:
        return orjson.loads(body)  # type: ignore[no-any-return]
    except orjson.JSONDecodeError:
        return json.loads(body)  # type: ignore[no-any-return]


def _json_bytes(value: Any) -> bytes:
    """orjson; what it cannot write (an integer past 64 bits, which a JSON body may hold)
    goes through the stdlib, as `_decode_reply` reads it the other way."""
    try:
        return orjson.dumps(value, default=wire_value)
    except TypeError:
        return json.dumps(value, default=wire_value).encode()


def _encode_request(kwargs: dict[str, Any]) -> bytes:
    return _json_bytes({"args": [], "kwargs": kwargs})


_live_clients: weakref.WeakSet[RpcClient] = weakref.WeakSet()


def _reset_clients_in_child() -> None:
    for client in list(_live_clients):
        client._forget_parent_connection()


os.register_at_fork(after_in_child=_reset_clients_in_child)


class RpcClient:
    """Thread-safe nameko RPC caller; connects lazily, reconnects for new calls after a loss."""

    def __init__(
        self, amqp_uri: str, *, default_timeout: float = 10.0, exchange: str = "nameko-rpc"
    ) -> None:
        self._address = BrokerAddress.from_uri(amqp_uri)
        self._default_timeout = default_timeout
        self._exchange = exchange
        self._lock = threading.Lock()
        self._link: _Link | None = None
        self._connect_failed_at = 0.0
        self._closed = False
        self._new_call_ids()
        _live_clients.add(self)

    def _new_call_ids(self) -> None:
        """Correlation ids: a random prefix per process and a counter (a uuid4 per call
        cost a urandom syscall); they only need to be unique on this client's reply queue."""
        self._call_prefix = uuid.uuid4().hex[:12]
        self._call_numbers = itertools.count(1)

    def _reply(
        self,
        service: str,
        method: str,
        kwargs: dict | None,
        context: CallContext | None,
        timeout: float | None,
    ) -> bytes | str:
        """The reply body of `service.method(**kwargs)`, or ServiceUnavailable."""
        timeout = self._default_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        correlation_id = f"{self._call_prefix}.{next(self._call_numbers)}"
        headers: dict[str, Any] = {}
        if context is not None:
            headers = {f"nameko.{key}": value for key, value in context.to_wire().items()}
        headers["nameko.call_id_stack"] = [f"gateway.call.{correlation_id}"]
        request = _Request(
            routing_key=f"{service}.{method}",
            body=_encode_request(kwargs or {}),
            headers=headers,
            correlation_id=correlation_id,
            expiration=str(max(1, int(timeout * 1000))),
        )
        link = self._live_link(min(timeout, CONNECT_TIMEOUT_SECONDS))
        return link.send(request, deadline - time.monotonic())

    def call(
        self,
        service: str,
        method: str,
        kwargs: dict | None = None,
        *,
        context: CallContext | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call `service.method(**kwargs)`; raise its typed error, or ServiceUnavailable."""
        return _result(_decode_reply(self._reply(service, method, kwargs, context, timeout)))

    def call_json(
        self,
        service: str,
        method: str,
        kwargs: dict | None = None,
        *,
        context: CallContext | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """`call`, with the result as the JSON text the service wrote, not decoded.

        A reply of shared.rpc (`{"result":...,"error":null}`, as written) gives its result's
        text as it is: a 50-row page was ~80 us to decode here and ~20 to encode again. Any
        other reply is decoded, and an error raised, as `call` does."""
        body = self._reply(service, method, kwargs, context, timeout)
        raw = body.encode() if isinstance(body, str) else body
        if raw.startswith(REPLY_OPEN) and raw.endswith(REPLY_CLOSE):
            return raw[len(REPLY_OPEN):-len(REPLY_CLOSE)]
        return _json_bytes(_result(_decode_reply(raw)))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            link, self._link = self._link, None
        if link is not None and link.pid == os.getpid():
            link.stop()

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _live_link(self, connect_timeout: float) -> _Link:
        link = self._link
        if link is not None and link.alive:
            return link
        with self._lock:
            if self._closed:
                raise RuntimeError("this RpcClient is closed")
            link = self._link
            if link is not None and link.alive:
                return link
            if time.monotonic() - self._connect_failed_at < RECONNECT_COOLDOWN_SECONDS:
                raise ServiceUnavailable("The message broker is unreachable.")
            try:
                self._link = _Link(self._address, self._exchange, connect_timeout)
            except (OSError, amqp.exceptions.AMQPError) as exc:
                self._connect_failed_at = time.monotonic()
                raise ServiceUnavailable("The message broker is unreachable.") from exc
            return self._link

    def _forget_parent_connection(self) -> None:
        """After fork the child owns no I/O thread: drop the parent's link, connect anew."""
        self._lock = threading.Lock()
        self._new_call_ids()
        link, self._link = self._link, None
        if link is not None:
            link.abandon_after_fork()
