"""AMQP 0-9-1 `basic.publish` frames, built in one pass for the messages Bureau sends on hot paths.

py-amqp serializes a publish through generic format strings and a property table walk,
then drains the socket before writing: for an RPC request with its call-context headers
that was ~15% of the gateway's CPU for a page (docs/performance.md, "session 2026-12-01
late"). These are the same bytes (a test compares them with py-amqp's own writer), made
with a few `struct` packs, for the properties our RPC messages carry. A header value of a
type other than text or a list of texts is written by py-amqp's table serializer.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any

from amqp.serialization import dumps

FRAME_METHOD, FRAME_HEADER, FRAME_BODY = 1, 2, 3
FRAME_END = b"\xce"
FRAME_OVERHEAD = 8
"""Frame type, channel and size before the payload (7 bytes), the end octet after it."""

_BASIC_CLASS, _PUBLISH_METHOD = 60, 40
_FRAME_START = struct.Struct(">BHI")
_PUBLISH_START = struct.Struct(">HHH")
_HEADER_START = struct.Struct(">HHQH")
_LONG = struct.Struct(">I")

# Property flag bits, in the order AMQP writes the values (basic class properties).
_CONTENT_TYPE = 1 << 15
_CONTENT_ENCODING = 1 << 14
_HEADERS = 1 << 13
_DELIVERY_MODE = 1 << 12
_CORRELATION_ID = 1 << 10
_REPLY_TO = 1 << 9
_EXPIRATION = 1 << 8


def _short(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) > 255:
        raise ValueError(f"an AMQP short string holds at most 255 bytes, not {len(raw)}")
    return bytes((len(raw),)) + raw


def _octet(value: int) -> bytes:
    return bytes((value,))


def _long_text(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return b"S" + _LONG.pack(len(raw)) + raw


def _table(headers: Mapping[str, Any]) -> bytes:
    """A field table with its length: texts and lists of texts here, anything else by
    py-amqp (which writes texts as `S` and lists as `A` arrays, as this does)."""
    parts = []
    for key, value in headers.items():
        if type(value) is str:
            parts.append(_short(key) + _long_text(value))
        elif type(value) is list and all(type(item) is str for item in value):
            items = b"".join(map(_long_text, value))
            parts.append(_short(key) + b"A" + _LONG.pack(len(items)) + items)
        else:
            return dumps("F", (headers,))  # type: ignore[no-any-return]
    data = b"".join(parts)
    return _LONG.pack(len(data)) + data


def publish_frames(
    channel_id: int,
    exchange: str,
    routing_key: str,
    body: bytes,
    *,
    frame_max: int,
    mandatory: bool = False,
    content_type: str | None = None,
    content_encoding: str | None = None,
    headers: Mapping[str, Any] | None = None,
    delivery_mode: int | None = None,
    correlation_id: str | None = None,
    reply_to: str | None = None,
    expiration: str | None = None,
) -> bytes:
    """The method, content header and body frames of one publish, ready for the socket.

    A body longer than a frame allows (`frame_max`, as the broker tuned it) is split over
    several body frames; an empty body has none, as py-amqp does."""
    method = (
        _PUBLISH_START.pack(_BASIC_CLASS, _PUBLISH_METHOD, 0)
        + _short(exchange)
        + _short(routing_key)
        + (b"\x01" if mandatory else b"\x00")
    )
    flags = 0
    properties = []
    given: tuple[tuple[int, Any, Callable[[Any], bytes]], ...] = (
        (_CONTENT_TYPE, content_type, _short),
        (_CONTENT_ENCODING, content_encoding, _short),
        (_HEADERS, headers, _table),
        (_DELIVERY_MODE, delivery_mode, _octet),
        (_CORRELATION_ID, correlation_id, _short),
        (_REPLY_TO, reply_to, _short),
        (_EXPIRATION, expiration, _short),
    )
    for flag, value, encode in given:
        if value is not None:
            flags |= flag
            properties.append(encode(value))
    header = _HEADER_START.pack(_BASIC_CLASS, 0, len(body), flags) + b"".join(properties)
    frames = [
        _FRAME_START.pack(FRAME_METHOD, channel_id, len(method)), method, FRAME_END,
        _FRAME_START.pack(FRAME_HEADER, channel_id, len(header)), header, FRAME_END,
    ]
    chunk = frame_max - FRAME_OVERHEAD
    for start in range(0, len(body), chunk):
        part = body[start:start + chunk]
        frames += (_FRAME_START.pack(FRAME_BODY, channel_id, len(part)), part, FRAME_END)
    return b"".join(frames)
