"""Import rules for passes that cannot go on and files left unused; problems per row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.crm.domain.imports import (
    KEEP_FILE_FOR,
    MAX_PROBLEMS_PER_ROW,
    STALLED_AFTER,
    failure_reason,
    problem,
    review,
    row_problems,
)

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_running_pass_is_looked_at_again_when_it_could_have_stalled():
    assert review("importing", NOON, NOON + timedelta(minutes=59), dry_run=False) == (
        review("importing", NOON, NOON, dry_run=False))
    verdict = review("importing", NOON, NOON + timedelta(minutes=5), dry_run=False)
    assert (verdict.status, verdict.next_review) == (None, NOON + STALLED_AFTER)


def test_a_pass_silent_for_an_hour_fails_and_keeps_its_file_for_a_retry():
    later = NOON + STALLED_AFTER
    verdict = review("validating", NOON, later, dry_run=True)
    assert verdict.status == "failed" and verdict.next_review == later + KEEP_FILE_FOR
    assert verdict.reason is not None
    assert "dry run made no progress for 1 hour" in verdict.reason
    assert "Retry it" in verdict.reason


def test_a_file_waiting_a_day_unused_expires_and_is_never_looked_at_again():
    assert review("validated", NOON, NOON + timedelta(hours=23), dry_run=True).next_review == (
        NOON + KEEP_FILE_FOR)
    expired = review("validated", NOON, NOON + KEEP_FILE_FOR, dry_run=True)
    assert (expired.status, expired.next_review) == ("expired", None)
    assert expired.reason is not None and "not imported within 24 hours" in expired.reason
    failed = review("failed", NOON, NOON + KEEP_FILE_FOR, dry_run=False)
    assert failed.status == "expired" and failed.reason is not None
    assert "not retried" in failed.reason


def test_finished_imports_need_no_more_looks():
    for status in ("completed", "expired"):
        assert review(status, NOON, NOON + KEEP_FILE_FOR * 3, dry_run=False) == (
            review(status, NOON, NOON, dry_run=False))
        assert review(status, NOON, NOON, dry_run=False).next_review is None


def test_a_failure_reason_names_the_row_it_stopped_at_and_how_to_go_on():
    reason = failure_reason(dry_run=False, position=500, attempts=6)
    assert "import stopped at row 502" in reason and "6 attempts" in reason
    assert "go on from row 502" in reason and "no row is created twice" in reason
    dry = failure_reason(dry_run=True, position=0, attempts=6)
    assert "dry run stopped at row 2" in dry and "go on" not in dry


def test_a_row_lists_at_most_its_first_problems_and_counts_the_rest():
    few = [problem(7, f"c{i}", "bad") for i in range(MAX_PROBLEMS_PER_ROW)]
    assert row_problems(few) == few
    many = [problem(7, f"c{i}", "bad") for i in range(MAX_PROBLEMS_PER_ROW + 5)]
    listed = row_problems(many)
    assert len(listed) == MAX_PROBLEMS_PER_ROW
    assert listed[:-1] == many[:MAX_PROBLEMS_PER_ROW - 1]
    assert listed[-1] == problem(7, None, "And 6 more problems in this row.")
