"""ETags from an object's `version`, and the If-Match precondition of every PATCH.

Format: a strong entity tag holding the decimal version, e.g. `"7"`. A PATCH without
If-Match is refused with 428, so no client overwrites a change it never saw; `*` means
"whatever the current version is". Deletes, archives and actions on a versioned object
take it optionally: sent, a stale one is 412, as for a PATCH.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.exceptions import PreconditionRequired

from shared.errors import PreconditionFailed

_STRONG_VERSION_TAG = re.compile(r'"(\d{1,18})"')


def etag_for(version: int) -> str:
    return f'"{int(version)}"'


def expected_version_from_if_match() -> int | None:
    """The version the client says it changes; None for `*`. 428 without the header."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired("Send If-Match with the ETag of the object you change.")
    header = header.strip()
    if header == "*":
        return None
    match = _STRONG_VERSION_TAG.fullmatch(header)
    if match is None:
        raise PreconditionFailed("If-Match does not match the object's current ETag.")
    return int(match.group(1))


def optional_expected_version() -> int | None:
    """The version If-Match names when the client sent one (DELETE, archive, actions);
    None without the header or for `*`."""
    return expected_version_from_if_match() if request.headers.get("If-Match") else None
