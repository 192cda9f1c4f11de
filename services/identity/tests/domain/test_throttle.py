"""Throttle arithmetic: the limit, the window, and the seconds to wait."""

from datetime import UTC, datetime, timedelta

from services.identity.domain.throttle import ACCOUNT, ADDRESS, Counter, after_failure, retry_after

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def _fail(times, policy=ACCOUNT, start=NOW, step=timedelta(seconds=10)):
    counter = None
    for i in range(times):
        counter = after_failure(counter, policy, start + i * step)
    return counter


def test_four_failures_leave_an_account_free_to_try():
    assert retry_after(_fail(4), ACCOUNT, NOW + timedelta(minutes=1)) is None


def test_the_fifth_failure_blocks_the_account_until_the_window_ends():
    counter = _fail(5)
    assert counter.failures == 5 and counter.window_started_at == NOW
    assert retry_after(counter, ACCOUNT, NOW + timedelta(minutes=1)) == 14 * 60
    assert retry_after(counter, ACCOUNT, NOW + timedelta(minutes=14, seconds=59.5)) == 1
    assert retry_after(counter, ACCOUNT, NOW + timedelta(minutes=15)) is None


def test_a_failure_after_the_window_starts_a_new_one():
    counter = after_failure(_fail(5), ACCOUNT, NOW + timedelta(minutes=16))
    assert counter == Counter(failures=1, window_started_at=NOW + timedelta(minutes=16))


def test_an_address_gets_twenty_failures():
    assert retry_after(_fail(19, ADDRESS), ADDRESS, NOW + timedelta(minutes=4)) is None
    assert retry_after(_fail(20, ADDRESS), ADDRESS, NOW + timedelta(minutes=4)) == 11 * 60


def test_no_counter_means_no_wait():
    assert retry_after(None, ACCOUNT, NOW) is None
