"""Merging a duplicate contact into a survivor: what the survivor ends up with.

Plain data in, plain data out, so the rules are tested without a database. The survivor
wins every conflict; the duplicate fills what the survivor lacks. A merge loses nothing,
so a result past a contact's limits is refused (422 naming the limit), never trimmed:
the user removes what is not needed from either contact, then merges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.crm.domain.limits import MAX_EMAILS, MAX_PHONES, MAX_TAGS, NOTES_MAX
from shared.errors import Unprocessable

NOTES_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class ContactData:
    """The parts of a contact a merge combines."""

    title: str | None = None
    first_name: str = ""
    last_name: str = ""
    emails: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    custom: dict[str, Any] = field(default_factory=dict)
    primary_client_id: Any = None
    links: dict[Any, str] = field(default_factory=dict)
    """client id -> role."""
    deal_ids: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class MergePlan:
    title: str | None
    first_name: str
    last_name: str
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    tags: list[str]
    notes: str
    custom: dict[str, Any]
    primary_client_id: Any
    links_to_move: dict[Any, str]
    """The duplicate's links the survivor lacks (client id -> the duplicate's role)."""
    deals_to_move: frozenset[Any]
    """The duplicate's deals the survivor is not on yet (the rest are dropped with it)."""


def merged_entries(survivor: list[dict[str, Any]],
                   duplicate: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The survivor's entries, then the duplicate's new ones (by value, any case), never
    primary: the survivor's primary stays the one primary (or the duplicate's, if the
    survivor had none)."""
    seen = {entry["value"].lower() for entry in survivor}
    merged = [dict(entry) for entry in survivor]
    for entry in duplicate:
        if entry["value"].lower() not in seen:
            seen.add(entry["value"].lower())
            merged.append({**entry, "primary": False})
    if merged and not any(entry.get("primary") for entry in merged):
        primary = next((e["value"] for e in duplicate if e.get("primary")), merged[0]["value"])
        for entry in merged:
            if entry["value"].lower() == primary.lower():
                entry["primary"] = True
                break
    return merged


def merged_tags(survivor: list[str], duplicate: list[str]) -> list[str]:
    seen = {tag.lower() for tag in survivor}
    tags = list(survivor)
    for tag in duplicate:
        if tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags


def merged_notes(survivor: str, duplicate: str) -> str:
    return NOTES_SEPARATOR.join(n for n in (survivor.strip(), duplicate.strip()) if n)


def check_limits(plan: MergePlan) -> None:
    """The merged contact must be one a PATCH could write back: within every limit."""
    over = [f"{len(entries)} {what} (at most {limit})" for what, entries, limit in (
        ("emails", plan.emails, MAX_EMAILS), ("phones", plan.phones, MAX_PHONES),
        ("tags", plan.tags, MAX_TAGS)) if len(entries) > limit]
    if len(plan.notes) > NOTES_MAX:
        over.append(f"{len(plan.notes)} characters of notes (at most {NOTES_MAX})")
    if over:
        raise Unprocessable(
            f"The merged contact would have {', '.join(over)}; remove some from either "
            "contact first.")


def plan_merge(survivor: ContactData, duplicate: ContactData) -> MergePlan:
    """What the survivor ends up with; Unprocessable when that is past a limit."""
    plan = MergePlan(
        title=survivor.title or duplicate.title,
        first_name=survivor.first_name or duplicate.first_name,
        last_name=survivor.last_name or duplicate.last_name,
        emails=merged_entries(survivor.emails, duplicate.emails),
        phones=merged_entries(survivor.phones, duplicate.phones),
        tags=merged_tags(survivor.tags, duplicate.tags),
        notes=merged_notes(survivor.notes, duplicate.notes),
        custom={**duplicate.custom, **{k: v for k, v in survivor.custom.items()
                                       if v is not None}},
        primary_client_id=survivor.primary_client_id or duplicate.primary_client_id,
        links_to_move={client: role for client, role in duplicate.links.items()
                       if client not in survivor.links},
        deals_to_move=frozenset(duplicate.deal_ids - survivor.deal_ids),
    )
    check_limits(plan)
    return plan
