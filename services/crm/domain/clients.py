"""Rules about clients: statuses, the domain taken from a website, what search matches."""

from __future__ import annotations

from urllib.parse import urlsplit

STATUSES = ("lead", "active", "archived")
LIVE_STATUSES = ("lead", "active")
"""What a client can be created as or moved to by an edit; `archived` only by archiving."""


def domain_of(website: str | None) -> str | None:
    """`https://www.Acme.example/about` -> `acme.example`: what a domain filter matches.

    ValueError when the text cannot be parsed as a URL at all (`http://[1:2]/`, `[x`):
    the input schemas refuse such websites and filters with this function first.
    """
    if not website:
        return None
    parts = urlsplit(website if "//" in website else f"//{website}")
    host = (parts.hostname or "").lower().rstrip(".")
    return host.removeprefix("www.") or None


def search_text(*parts: str | None) -> str:
    """The lower-cased text a list's `q` is matched against (trigram index)."""
    return " ".join(p.strip().lower() for p in parts if p and p.strip())

