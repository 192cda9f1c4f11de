"""The forecast's arithmetic: weighted pipeline, committed amounts, win rate. Plain Decimal.

SQL hands over sums per (month, owner, stage) of open deals and per (month, owner,
status) of closed ones, in one currency; this rolls them up by month, owner and stage.
Weighting is exact (amount x integer percent / 100 in Decimal); amounts are rounded half
to even to the currency's minor unit only when shown, so totals equal the sum of the
unrounded parts, never the sum of rounded ones. Never a float.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from shared.money import format_amount

ZERO = Decimal(0)
WIN_RATE_PLACES = Decimal("0.0001")
MAX_MONTHS = 36
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)
"""A forecast's dates lie within these: room for any real deal, and the day and month
after `LATEST` still exist (Python's dates end in 9999)."""


@dataclass(frozen=True)
class OpenSum:
    """Open deals expected to close in `month`, of one owner, in one stage."""

    month: date
    owner_id: Hashable
    stage_id: Hashable
    count: int
    amount: Decimal


@dataclass(frozen=True)
class ClosedSum:
    """Deals won or lost in `month` (of their close) by one owner; `amount` is what was won."""

    month: date
    owner_id: Hashable
    status: str
    count: int
    amount: Decimal


@dataclass
class Bucket:
    open_count: int = 0
    open_amount: Decimal = ZERO
    weighted: Decimal = ZERO
    won_count: int = 0
    committed: Decimal = ZERO
    lost_count: int = 0

    def add_open(self, row: OpenSum, probability: int) -> None:
        self.open_count += row.count
        self.open_amount += row.amount
        self.weighted += weighted(row.amount, probability)

    def add_closed(self, row: ClosedSum) -> None:
        if row.status == "won":
            self.won_count += row.count
            self.committed += row.amount
        elif row.status == "lost":
            self.lost_count += row.count

    def shown(self, currency: str) -> dict[str, Any]:
        return {
            "open_count": self.open_count,
            "open_amount": money(self.open_amount, currency),
            "weighted": money(self.weighted, currency),
            "won_count": self.won_count,
            "committed": money(self.committed, currency),
            "lost_count": self.lost_count,
            "win_rate": win_rate(self.won_count, self.lost_count),
        }


@dataclass
class Forecast:
    total: Bucket = field(default_factory=Bucket)
    by_month: dict[date, Bucket] = field(default_factory=dict)
    by_owner: dict[Any, Bucket] = field(default_factory=dict)
    by_stage: dict[Any, Bucket] = field(default_factory=dict)


def weighted(amount: Decimal, probability: int) -> Decimal:
    """amount x probability %, exact (scaleb shifts the decimal point, no rounding)."""
    if not 0 <= probability <= 100:
        raise ValueError(f"probability {probability} is not a percentage")
    return (amount * probability).scaleb(-2)


def win_rate(won: int, lost: int) -> str | None:
    """won / (won + lost) as a decimal string with 4 places, or None when nothing closed."""
    if won + lost == 0:
        return None
    rate = (Decimal(won) / Decimal(won + lost)).quantize(WIN_RATE_PLACES, ROUND_HALF_EVEN)
    return str(rate)


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """The wire shape, rounded half to even to the currency's minor unit."""
    return {"amount": format_amount(amount, currency), "currency": currency}


def month_of(day: date) -> date:
    return day.replace(day=1)


def range_problems(start: date, end: date) -> dict[str, list[str]]:
    """What is wrong with a forecast's range, by field (`from`, `to`); empty when fine."""
    problems: dict[str, list[str]] = {}
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST <= day <= LATEST:
            problems[name] = [f"Must be between {EARLIEST} and {LATEST}."]
    if problems:
        return problems
    if end < start:
        return {"to": ["Must not be before `from`."]}
    if month_count(start, end) > MAX_MONTHS:
        return {"to": [f"A forecast spans {MAX_MONTHS} months at most."]}
    return {}


def month_count(start: date, end: date) -> int:
    """How many calendar months `start`..`end` touches (1 within one month)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def months_between(start: date, end: date) -> list[date]:
    """First days of every month from `start`'s to `end`'s, inclusive."""
    months: list[date] = []
    current = month_of(start)
    while current <= end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def roll_up(
    open_sums: Iterable[OpenSum],
    closed_sums: Iterable[ClosedSum],
    probabilities: Mapping[Hashable, int],
    months: Iterable[date] = (),
) -> Forecast:
    """Totals and the three groupings. `probabilities` maps stage id -> percent; `months`
    pre-fills the month buckets so empty months show as zeros."""
    result = Forecast(by_month={month: Bucket() for month in months})
    for row in open_sums:
        probability = probabilities[row.stage_id]
        for bucket in (result.total, _at(result.by_month, row.month),
                       _at(result.by_owner, row.owner_id), _at(result.by_stage, row.stage_id)):
            bucket.add_open(row, probability)
    for closed in closed_sums:
        for bucket in (result.total, _at(result.by_month, closed.month),
                       _at(result.by_owner, closed.owner_id)):
            bucket.add_closed(closed)
    return result


def _at(buckets: dict[Any, Bucket], key: Any) -> Bucket:
    bucket = buckets.get(key)
    if bucket is None:
        bucket = buckets[key] = Bucket()
    return bucket
