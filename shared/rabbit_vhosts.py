"""Throwaway RabbitMQ virtual hosts for tests, harnesses and benchmarks.

A vhost is RabbitMQ's unit of isolation: queues and exchanges of one run never meet
another's. Made and removed through the management API (port 15672).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import requests

from shared.config import settings


class RabbitVhost:
    """One named virtual host, created empty with every permission for our user."""

    def __init__(self, name: str, management_uri: str | None = None) -> None:
        parts = urlsplit(management_uri or settings().amqp_management_uri)
        self.name = name
        self.user = parts.username or "guest"
        self._api = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api"
        self._auth = (self.user, parts.password or "guest")

    def _url(self, *path: str) -> str:
        return "/".join([self._api, *(quote(p, safe="") for p in path)])

    def recreate(self) -> None:
        """Delete any leftover of a crashed run, create it empty, grant our user everything."""
        self.delete()
        requests.put(self._url("vhosts", self.name), auth=self._auth, timeout=10).raise_for_status()
        requests.put(
            self._url("permissions", self.name, self.user),
            json={"configure": ".*", "write": ".*", "read": ".*"},
            auth=self._auth,
            timeout=10,
        ).raise_for_status()

    def delete(self) -> None:
        response = requests.delete(self._url("vhosts", self.name), auth=self._auth, timeout=10)
        if response.status_code != 404:
            response.raise_for_status()

    def exists(self) -> bool:
        response = requests.get(self._url("vhosts", self.name), auth=self._auth, timeout=10)
        return response.status_code == 200

    def amqp_uri(self) -> str:
        broker = urlsplit(settings().amqp_uri)
        return f"{broker.scheme}://{broker.netloc}/{quote(self.name, safe='')}"


@contextmanager
def temporary_vhost(prefix: str) -> Iterator[str]:
    """A fresh vhost named `<prefix>_<random>` for the block; yields its AMQP URI."""
    vhost = RabbitVhost(f"{prefix}_{uuid.uuid4().hex[:10]}")
    vhost.recreate()
    try:
        yield vhost.amqp_uri()
    finally:
        vhost.delete()
