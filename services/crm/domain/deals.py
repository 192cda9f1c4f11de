"""Rules about deals: their states, what a closed deal still lets you change, kanban ranks.

A deal is `open` in a stage of its pipeline, then `won` (with the agreed amount) or
`lost` (with a reason). A closed deal is reopened before it can close the other way, so
a win never silently turns into a loss (a project may already have been started from it).
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.errors import Unprocessable

OPEN, WON, LOST = "open", "won", "lost"
STATUSES = (OPEN, WON, LOST)

LOCKED_WHEN_CLOSED = frozenset({"client_id", "amount", "expected_close_date"})
"""What made the outcome: a won or lost deal keeps them (reopen it to change them).
Name, owner, contacts, source, tags, notes and custom values stay editable (housekeeping)."""

RANK_GAP = 1 << 16
"""Room left between two cards: ~16 moves into the same slot before a stage is renumbered."""


def check_can_close(status: str, outcome: str) -> None:
    """Only an open deal is marked won or lost."""
    if status == outcome:
        raise Unprocessable(f"The deal is already {outcome}.")
    if status != OPEN:
        raise Unprocessable(f"The deal is {status}; reopen it before marking it {outcome}.")


def check_can_reopen(status: str) -> None:
    if status == OPEN:
        raise Unprocessable("The deal is open already.")


def check_can_move(status: str) -> None:
    """Only open deals sit in stages; a closed deal is reopened into one."""
    if status != OPEN:
        raise Unprocessable(f"The deal is {status}; reopen it to move it to a stage.")


def check_editable(status: str, changing: Iterable[str]) -> None:
    """Refuse changes a closed deal does not take (422 naming the fields)."""
    if status == OPEN:
        return
    locked = sorted(LOCKED_WHEN_CLOSED.intersection(changing))
    if locked:
        raise Unprocessable(
            f"The deal is {status}: {', '.join(locked)} cannot change; reopen it first.",
            {"fields": locked},
        )


def rank_between(before: int | None, after: int | None) -> int | None:
    """A rank strictly between two neighbours' (None: no neighbour on that side), or None
    when they are adjacent integers and the stage needs renumbering first."""
    if before is None and after is None:
        return RANK_GAP
    if before is None:
        assert after is not None
        return after - RANK_GAP
    if after is None:
        return before + RANK_GAP
    if after - before < 2:
        return None
    return before + (after - before) // 2


def renumbered(count: int) -> list[int]:
    """Fresh ranks for `count` cards in their current order: evenly gapped."""
    return [RANK_GAP * (i + 1) for i in range(count)]


def search_text(name: str, client_name: str | None) -> str:
    """What a deal list's `q` matches: the deal's and its client's names."""
    return " ".join(p.strip().lower() for p in (name, client_name) if p and p.strip())
