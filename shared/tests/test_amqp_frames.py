"""publish_frames writes the very bytes py-amqp's own frame writer writes for a publish."""

from decimal import Decimal
from types import SimpleNamespace

import amqp
import pytest
from amqp import spec
from amqp.method_framing import frame_writer
from amqp.serialization import dumps

from shared.amqp_frames import publish_frames

FRAME_MAX = 4096


def _py_amqp_bytes(channel_id, exchange, routing_key, message, mandatory, frame_max=FRAME_MAX):
    written: list[bytes] = []
    transport = SimpleNamespace(write=lambda data: written.append(bytes(data)))
    writer = frame_writer(SimpleNamespace(frame_max=frame_max, bytes_sent=0), transport)
    args = dumps("Bssbb", (0, exchange, routing_key, mandatory, False))
    writer(1, channel_id, spec.Basic.Publish, args, message)
    return b"".join(written)


REQUEST_HEADERS = {
    "nameko.tenant_id": "3f2c7a8e-0d55-4a57-9f55-2b9a0a2b8c11",
    "nameko.roles": "owner",
    "nameko.request_id": "req-ü-1",
    "nameko.call_id_stack": ["gateway.call.abc.1"],
}


@pytest.mark.parametrize("body", [b'{"args":[],"kwargs":{"limit":50}}', b"", b"x" * 10_000])
def test_an_rpc_request_is_written_byte_for_byte_as_py_amqp_writes_it(body):
    properties = dict(content_type="application/json", content_encoding="utf-8",
                      delivery_mode=1, reply_to="reply-queue", correlation_id="abc.1",
                      expiration="10000")
    message = amqp.Message(body, application_headers=REQUEST_HEADERS, **properties)
    expected = _py_amqp_bytes(7, "nameko-rpc", "identity.list_users", message, True)
    ours = publish_frames(7, "nameko-rpc", "identity.list_users", body, frame_max=FRAME_MAX,
                          mandatory=True, headers=REQUEST_HEADERS, **properties)
    assert ours == expected


def test_a_reply_without_headers_and_other_header_types_match_too():
    reply = amqp.Message(b'{"result":1,"error":null}', content_type="application/json",
                         content_encoding="utf-8", delivery_mode=1, correlation_id="c")
    assert publish_frames(
        1, "nameko-rpc", "reply-to", reply.body, frame_max=FRAME_MAX,
        content_type="application/json", content_encoding="utf-8", delivery_mode=1,
        correlation_id="c",
    ) == _py_amqp_bytes(1, "nameko-rpc", "reply-to", reply, False)
    odd = {"n": 3, "price": Decimal("1.50"), "ok": True, "nested": {"a": "b"}, "s": "t"}
    message = amqp.Message(b"{}", application_headers=odd)
    assert publish_frames(2, "", "q", b"{}", frame_max=FRAME_MAX, headers=odd) == (
        _py_amqp_bytes(2, "", "q", message, False))


def test_a_short_string_past_255_bytes_is_refused():
    with pytest.raises(ValueError, match="255"):
        publish_frames(1, "x", "k" * 256, b"", frame_max=FRAME_MAX)


def test_a_published_message_arrives_with_every_property(rabbit_config):
    """Over the real broker: what publish_frames wrote, py-amqp reads back whole."""
    from kombu import Connection

    with Connection(rabbit_config["AMQP_URI"]) as connection:
        channel = connection.default_channel
        conn = connection.connection  # py-amqp's
        queue, _, _ = channel.queue_declare("", exclusive=True)
        body = b"y" * (conn.frame_max * 2 + 17)  # three body frames
        conn.transport.write(publish_frames(
            channel.channel_id, "", queue, body, frame_max=conn.frame_max, mandatory=True,
            content_type="application/json", headers=REQUEST_HEADERS, delivery_mode=1,
            correlation_id="c.9", reply_to="r", expiration="5000"))
        # The same channel's basic.get reaches the queue after the publish did.
        message = channel.basic_get(queue, no_ack=True)
        assert message is not None
        assert message.body == body
        assert message.properties["application_headers"] == REQUEST_HEADERS
        assert (message.properties["correlation_id"], message.properties["reply_to"],
                message.properties["expiration"]) == ("c.9", "r", "5000")
