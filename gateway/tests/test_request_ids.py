"""X-Request-ID is echoed when sane and generated otherwise; traceparent continues the trace."""

from __future__ import annotations

import re

import pytest

from gateway.request_ids import request_id_from, traceparent_from

TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def test_a_sane_client_request_id_is_kept():
    assert request_id_from("req-123_abc.7") == "req-123_abc.7"


@pytest.mark.parametrize("bad", ["", "x" * 200, "a b", "line\nbreak", "<script>", None])
def test_an_insane_client_request_id_is_replaced(bad):
    generated = request_id_from(bad)
    assert generated != bad and re.fullmatch(r"[0-9a-f-]{36}", generated)


def test_a_generated_request_id_is_a_version_4_uuid_of_its_random_bytes():
    import os
    import uuid

    for _ in range(200):
        random = os.urandom(16)
        made = request_id_from(None, random)
        assert made == str(uuid.UUID(bytes=random, version=4))
    ids = {request_id_from(None) for _ in range(100)}
    assert len(ids) == 100 and all(uuid.UUID(i).version == 4 for i in ids)


def test_a_valid_traceparent_keeps_its_trace_id_with_a_new_span():
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    ours = traceparent_from(incoming)
    assert ours.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-") and ours != incoming
    assert ours.endswith("-01")


@pytest.mark.parametrize("bad", [None, "garbage",
                                 "00-00000000000000000000000000000000-00f067aa0ba902b7-01"])
def test_a_missing_or_invalid_traceparent_starts_a_new_trace(bad):
    ours = traceparent_from(bad)
    assert TRACEPARENT.fullmatch(ours) and not ours.startswith("00-0000000000")


def test_every_response_echoes_the_client_request_id(client):
    for path in ("/health/live", "/api/v1/nowhere", "/api/v1/me"):
        response = client.get(path, headers={"X-Request-ID": "abc-123"})
        assert response.headers["X-Request-ID"] == "abc-123"


def test_a_response_without_client_id_gets_a_fresh_one_each_time(client):
    first = client.get("/health/live").headers["X-Request-ID"]
    second = client.get("/health/live").headers["X-Request-ID"]
    assert first and second and first != second
