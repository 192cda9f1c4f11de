"""In the service, argon2 runs in a thread pool: other requests proceed during a hash."""

import eventlet
from eventlet import tpool

import services.identity.service  # noqa: F401  (configures where hashing runs)
from services.identity.domain import passwords


def _ticks_during_hashing(hashes: int) -> int:
    ticks = []
    running = True

    def ticker():
        while running:
            ticks.append(1)
            eventlet.sleep(0.001)

    thread = eventlet.spawn(ticker)
    eventlet.sleep(0)
    before = len(ticks)
    for _ in range(hashes):
        passwords.hash_password("correct horse battery")
    during = len(ticks) - before
    running = False
    thread.wait()
    return during


def test_the_event_loop_keeps_serving_while_a_password_is_hashed():
    assert _ticks_during_hashing(3) >= 5


def test_without_the_pool_a_hash_would_stall_the_event_loop():
    """The control: the same work inline gives other green threads no turn at all."""
    passwords.run_hashing_with(passwords._run_here)
    try:
        assert _ticks_during_hashing(3) == 0
    finally:
        passwords.run_hashing_with(tpool.execute)
