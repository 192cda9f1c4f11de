"""Password hashing with argon2id at OWASP's recommended cost (19 MiB, t=2, p=1).

A hash made with older parameters still verifies, and the caller is told to store a new
hash, so raising the cost later upgrades every account at its next login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024
"""Bounds on a password: long enough to resist guessing, short enough to hash cheaply."""

HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
"""OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB, t=2, p=1."""

_DUMMY_HASH = HASHER.hash("not-a-password-of-anyone")


def _run_here(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


_runner: Callable[..., Any] = _run_here


def run_hashing_with(runner: Callable[..., Any]) -> None:
    """Where the ~30 ms of hashing CPU runs: a service hands in a thread pool so one hash
    does not stall every other request of its event loop."""
    global _runner
    _runner = runner


@dataclass(frozen=True)
class Verification:
    ok: bool
    new_hash: str | None = None
    """Set when the password matched a hash made with other parameters: store it."""


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    return str(_runner(hasher.hash, password))


def verify_password(
    stored_hash: str, password: str, hasher: PasswordHasher = HASHER
) -> Verification:
    try:
        _runner(hasher.verify, stored_hash, password)
    except (VerificationError, InvalidHashError):
        return Verification(ok=False)
    if hasher.check_needs_rehash(stored_hash):
        return Verification(ok=True, new_hash=hash_password(password, hasher))
    return Verification(ok=True)


def burn_verification_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown email costs as long as a wrong password."""
    verify_password(_DUMMY_HASH, password)
