"""The forecast's arithmetic: exact weighting, rounding once at the end, win rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.crm.domain.forecast import (
    EARLIEST,
    LATEST,
    MAX_MONTHS,
    ClosedSum,
    OpenSum,
    month_count,
    months_between,
    range_problems,
    roll_up,
    weighted,
    win_rate,
)

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


def test_weighting_is_exact_decimal_arithmetic():
    assert weighted(Decimal("1234.50"), 40) == Decimal("493.80")
    assert weighted(Decimal("0.01"), 33) == Decimal("0.0033")
    assert weighted(Decimal("999999999999999.9999"), 100) == Decimal("999999999999999.9999")
    with pytest.raises(ValueError):
        weighted(Decimal(1), 101)


def test_rounding_happens_once_on_the_total_half_to_even():
    # Three 0.005 weighted parts: rounded each (0.00 or 0.01) they would not add up.
    rows = [OpenSum(NOV, "ann", stage, 1, Decimal("0.01")) for stage in ("a", "b", "c")]
    result = roll_up(rows, [], {"a": 50, "b": 50, "c": 50})
    assert result.total.weighted == Decimal("0.015")
    assert result.total.shown("EUR")["weighted"] == {"amount": "0.02", "currency": "EUR"}
    assert result.by_stage["a"].shown("EUR")["weighted"]["amount"] == "0.00"  # 0.005 -> even


def test_amounts_keep_their_currencys_minor_unit():
    result = roll_up([OpenSum(NOV, "ann", "a", 1, Decimal("1001"))], [], {"a": 25})
    assert result.total.shown("JPY")["weighted"] == {"amount": "250", "currency": "JPY"}
    assert result.total.shown("KWD")["open_amount"]["amount"] == "1001.000"


def test_win_rate_is_won_over_closed_or_none():
    assert win_rate(0, 0) is None
    assert win_rate(2, 1) == "0.6667"
    assert win_rate(1, 0) == "1.0000"
    assert win_rate(0, 3) == "0.0000"


def test_roll_up_groups_by_month_owner_and_stage():
    open_rows = [
        OpenSum(NOV, "ann", "proposal", 2, Decimal("1000.00")),
        OpenSum(DEC, "ann", "negotiation", 1, Decimal("500.00")),
        OpenSum(DEC, "bob", "proposal", 1, Decimal("300.00")),
    ]
    closed_rows = [
        ClosedSum(NOV, "bob", "won", 1, Decimal("800.00")),
        ClosedSum(DEC, "ann", "lost", 2, Decimal(0)),
    ]
    result = roll_up(open_rows, closed_rows, {"proposal": 40, "negotiation": 70},
                     months=[NOV, DEC])
    total = result.total.shown("EUR")
    assert total["open_count"] == 4
    assert total["open_amount"]["amount"] == "1800.00"
    assert total["weighted"]["amount"] == "870.00"  # 400 + 350 + 120
    assert total["committed"]["amount"] == "800.00"
    assert (total["won_count"], total["lost_count"], total["win_rate"]) == (1, 2, "0.3333")
    assert result.by_month[NOV].weighted == Decimal("400.00")
    assert result.by_month[NOV].committed == Decimal("800.00")
    assert result.by_month[DEC].weighted == Decimal("470.00")
    assert result.by_owner["ann"].weighted == Decimal("750.00")
    assert result.by_owner["ann"].lost_count == 2
    assert result.by_owner["bob"].shown("EUR")["win_rate"] == "1.0000"
    assert result.by_stage["proposal"].open_amount == Decimal("1300.00")
    assert result.by_stage["proposal"].weighted == Decimal("520.00")
    assert "won" not in result.by_stage  # closed deals are in no stage


def test_empty_months_show_as_zeros():
    result = roll_up([], [], {}, months=months_between(date(2026, 11, 15), date(2027, 2, 1)))
    assert list(result.by_month) == [NOV, DEC, date(2027, 1, 1), date(2027, 2, 1)]
    assert result.by_month[DEC].shown("EUR")["weighted"]["amount"] == "0.00"


def test_months_between_crosses_years():
    assert months_between(date(2026, 12, 31), date(2027, 1, 1)) == [DEC, date(2027, 1, 1)]
    assert months_between(date(2026, 11, 2), date(2026, 11, 30)) == [NOV]


def test_month_count_agrees_with_months_between():
    for start, end in ((date(2026, 11, 2), date(2026, 11, 30)),
                       (date(2026, 12, 31), date(2027, 1, 1)),
                       (date(2024, 2, 29), date(2026, 1, 31))):
        assert month_count(start, end) == len(months_between(start, end))


@pytest.mark.parametrize(("start", "end", "field", "words"), [
    (date(9999, 12, 1), date(9999, 12, 31), "from", str(LATEST)),  # day after: year 10000
    (date(1, 1, 1), date(1, 1, 31), "from", str(EARLIEST)),
    (date(9998, 12, 1), date(9999, 1, 1), "to", str(LATEST)),
    (date(2026, 12, 1), date(2026, 11, 1), "to", "before"),
    (date(2020, 1, 1), date(2026, 11, 1), "to", f"{MAX_MONTHS} months"),
    (date(1, 1, 1), date(9999, 12, 31), "from", str(EARLIEST)),
])
def test_a_range_outside_the_bounds_empty_or_too_long_is_refused_by_field(start, end, field,
                                                                        words):
    problems = range_problems(start, end)
    assert field in problems and words in problems[field][0]


def test_the_last_allowed_range_still_has_its_following_day_and_month():
    assert range_problems(date(9996, 1, 1), LATEST) == {}
    assert months_between(date(9998, 1, 1), LATEST)[-1] == date(9998, 12, 1)
    assert range_problems(EARLIEST, date(1900, 12, 31)) == {}
