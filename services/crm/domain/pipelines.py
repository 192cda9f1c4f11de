"""Rules about pipelines and stages: the default a tenant starts with, valid orders.

Stages hold open deals only; `won` and `lost` are a deal's status, not stages. A stage's
`probability` (an integer percent, 0-100) weighs its open deals in the forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.errors import Unprocessable, ValidationFailed

DEFAULT_PIPELINE_NAME = "Sales"
DEFAULT_STAGES: tuple[tuple[str, int], ...] = (
    ("Qualified", 10),
    ("Meeting", 25),
    ("Proposal", 40),
    ("Negotiation", 70),
    ("Commitment", 90),
)
MAX_STAGES = 30


def check_new_stages(stages: Sequence[dict[str, Any]]) -> None:
    """A pipeline's first stages: at least one, at most MAX_STAGES, names unique."""
    if not stages:
        raise ValidationFailed("A pipeline needs stages.", {"stages": ["Give at least one."]})
    if len(stages) > MAX_STAGES:
        raise ValidationFailed("Too many stages.", {"stages": [f"At most {MAX_STAGES}."]})
    check_unique_names([s["name"] for s in stages])


def check_unique_names(names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise ValidationFailed("Duplicate stage names.",
                                   {"stages": [f"{name!r} appears twice (names are unique)."]})
        seen.add(name.lower())


def check_reorder(current: Sequence[Any], proposed: Sequence[Any]) -> None:
    """A new order names every active stage of the pipeline exactly once."""
    if len(proposed) != len(set(proposed)) or set(proposed) != set(current):
        raise ValidationFailed(
            "Not an order of this pipeline's stages.",
            {"stage_ids": ["Give every active stage of the pipeline exactly once."]},
        )


def check_can_archive_stage(active_stages: int, open_deals: int, moving_to: Any) -> None:
    """The last stage stays; a stage holding open deals goes only with somewhere to put them."""
    if active_stages <= 1:
        raise Unprocessable("A pipeline keeps at least one stage.")
    if open_deals and moving_to is None:
        raise Unprocessable(
            f"The stage holds {open_deals} open deal(s): give move_deals_to (a stage of the "
            "same pipeline) to move them, or move them first.",
            {"open_deals": open_deals},
        )


def check_can_archive_pipeline(is_default: bool, open_deals: int) -> None:
    if is_default:
        raise Unprocessable("The default pipeline cannot be archived; make another the "
                            "default first.")
    if open_deals:
        raise Unprocessable(f"The pipeline holds {open_deals} open deal(s); move or close "
                            "them first.", {"open_deals": open_deals})
