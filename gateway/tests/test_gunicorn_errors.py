"""gunicorn's own errors are written as problem+json (gateway/gunicorn_errors.py)."""

import json
import socket

from gunicorn import util

from gateway import gunicorn_errors


def test_the_response_is_complete_http_with_a_problem_body():
    raw = gunicorn_errors.problem_bytes(414, "URI Too Long")
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 414 URI Too Long"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Content-Type"] == "application/problem+json"
    assert int(headers["Content-Length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == 414 and problem["type"].endswith("problem-uri-too-long")
    assert problem["request_id"] == headers["X-Request-ID"]


def test_install_routes_gunicorns_error_writer_here(monkeypatch):
    monkeypatch.setattr(util, "write_error", util.write_error)
    gunicorn_errors.install()
    a, b = socket.socketpair()
    try:
        util.write_error(a, 431, "Request Header Fields Too Large", "<html> never sent")
        a.close()
        received = b.recv(65536)
    finally:
        b.close()
    assert b"application/problem+json" in received and b"<html>" not in received


def test_every_problem_type_the_gateway_sends_has_an_anchor_on_the_docs_page():
    import re

    from gateway.problem_types import HTTP_SLUGS
    from gateway.routes.documents import DOCS_PAGE
    from shared.errors import ERROR_CLASSES

    table = re.search(r"const SLUGS = (\{.*?\});", DOCS_PAGE, re.S)
    assert table is not None
    documented = json.loads(table.group(1))
    sent = {**{slug: status for status, slug in HTTP_SLUGS.items()},
            **{cls.slug: cls.status for cls in ERROR_CLASSES.values()}}
    assert documented == sent
