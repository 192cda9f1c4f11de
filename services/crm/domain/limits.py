"""How much one CRM record holds: the input schemas enforce these on every write, and
rules that combine records (a merge) check their result against the same numbers."""

from __future__ import annotations

MAX_TAGS = 50
NOTES_MAX = 20_000
"""Characters of a record's notes."""
MAX_EMAILS = MAX_PHONES = 20
"""Entries in a contact's `emails` and `phones`."""
