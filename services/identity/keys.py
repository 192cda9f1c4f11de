"""identity's signing keys in the database: lazy creation, rotation, and a cached key ring.

`python -m services.identity.keys rotate` makes a new active key; the previous one keeps
verifying for the overlap window (BUREAU_KEY_OVERLAP), then leaves the JWKS. Replicas
re-read the keys every CACHE_SECONDS, so a rotation reaches them within that time.
"""

# ruff: noqa: E402  (the CLI prepares the runtime before anything imports nameko or psycopg)
from __future__ import annotations

if __name__ == "__main__":
    import shared.runtime  # noqa: F401

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from services.identity.domain import signing_keys
from services.identity.domain.signing_keys import KeyRecord, KeyState
from services.identity.models import SigningKey
from services.identity.settings import IdentitySettings
from shared.db import utcnow

CACHE_SECONDS = 30.0
_LOCK_KEY = 0x1D_0001
"""Advisory lock id: replicas starting together create one key, not one each."""


@dataclass(frozen=True)
class Signer:
    kid: str
    private_key: ec.EllipticCurvePrivateKey


def _record(row: SigningKey) -> KeyRecord:
    return KeyRecord(row.kid, KeyState(row.state), row.deactivated_at)


def _add_active_key(session: Session, settings: IdentitySettings, now: datetime) -> str:
    key = signing_keys.generate_key()
    session.add(
        SigningKey(
            kid=key.kid,
            state=KeyState.ACTIVE.value,
            private_key=signing_keys.seal_private_key(key.private_pem, settings.key_secret),
            public_jwk=key.public_jwk,
            activated_at=now,
        )
    )
    session.flush()
    return key.kid


def ensure_active_key(session: Session, settings: IdentitySettings) -> bool:
    """Create the first key when there is none (first start of a fresh installation);
    True when this transaction created it."""
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    active = session.scalar(select(SigningKey.kid).where(SigningKey.state == KeyState.ACTIVE))
    if active is None:
        _add_active_key(session, settings, utcnow())
        return True
    return False


def rotate_signing_key(
    session: Session, settings: IdentitySettings | None = None, now: datetime | None = None
) -> str:
    """Make a new active key, demote the old one to verifying, retire overdue ones."""
    settings = settings or IdentitySettings.from_env()
    now = now or utcnow()
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    session.execute(
        update(SigningKey)
        .where(SigningKey.state == KeyState.ACTIVE)
        .values(state=KeyState.VERIFYING.value, deactivated_at=now)
    )
    rows = session.scalars(select(SigningKey).where(SigningKey.state == KeyState.VERIFYING)).all()
    due = signing_keys.due_for_retirement([_record(r) for r in rows], now, settings.key_overlap)
    if due:
        session.execute(
            update(SigningKey)
            .where(SigningKey.kid.in_(due))
            .values(state=KeyState.RETIRED.value, retired_at=now)
        )
    return _add_active_key(session, settings, now)


class KeyRing:
    """The keys one process signs and publishes with, re-read every CACHE_SECONDS."""

    def __init__(self, settings: IdentitySettings, cache_seconds: float = CACHE_SECONDS) -> None:
        self.settings = settings
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._loaded_at = -1e9
        self._signer: Signer | None = None
        self._records: list[tuple[KeyRecord, dict[str, Any]]] = []

    def invalidate(self) -> None:
        self._loaded_at = -1e9

    def _fresh(self, session: Session) -> None:
        if time.monotonic() - self._loaded_at < self.cache_seconds and self._signer:
            return
        rows = session.scalars(
            select(SigningKey).where(SigningKey.state != KeyState.RETIRED)
        ).all()
        active = [r for r in rows if r.state == KeyState.ACTIVE]
        created = False
        if not active:
            created = ensure_active_key(session, self.settings)
            rows = session.scalars(
                select(SigningKey).where(SigningKey.state != KeyState.RETIRED)
            ).all()
            active = [r for r in rows if r.state == KeyState.ACTIVE]
        newest = max(active, key=lambda r: r.activated_at)
        pem = signing_keys.open_private_key(newest.private_key, self.settings.key_secret)
        with self._lock:
            self._signer = Signer(newest.kid, signing_keys.load_private_key(pem))
            self._records = [(_record(r), dict(r.public_jwk)) for r in rows]
            # A key this transaction created is not cached: if the transaction rolls back,
            # the next call must not sign with a key nobody can verify.
            self._loaded_at = -1e9 if created else time.monotonic()

    def signer(self, session: Session) -> Signer:
        self._fresh(session)
        assert self._signer is not None
        return self._signer

    def jwks(self, session: Session) -> dict[str, Any]:
        self._fresh(session)
        return signing_keys.jwks(self._records, utcnow(), self.settings.key_overlap)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from shared.config import settings
    from shared.db import make_engine

    parser = argparse.ArgumentParser(prog="python -m services.identity.keys")
    parser.add_argument("command", choices=["rotate"])
    parser.parse_args(argv)
    engine = make_engine(settings().database_url("identity"), pool_size=1)
    with Session(engine) as session, session.begin():
        kid = rotate_signing_key(session)
    engine.dispose()
    print(f"new active signing key: {kid}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
