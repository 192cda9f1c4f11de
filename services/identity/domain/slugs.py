"""A tenant's slug: a short, readable, URL-safe name derived from its name, made unique."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_LENGTH = 50
FALLBACK = "firm"


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:MAX_LENGTH].rstrip("-") or FALLBACK


def unique_slug(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base-2`, `base-3`... the first one not in `taken`."""
    taken_set = set(taken)
    if base not in taken_set:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken_set:
            return candidate
        n += 1
