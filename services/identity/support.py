"""`python -m services.identity.support grant|revoke EMAIL`: who is platform support staff.

Support staff may impersonate a tenant's user (use_cases/impersonation.py). Granting it is
an operator's act on the database, never an RPC: no token can make someone staff.
"""

# ruff: noqa: E402  (the CLI prepares the runtime before anything imports nameko or psycopg)
from __future__ import annotations

if __name__ == "__main__":
    import shared.runtime  # noqa: F401

import argparse

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.identity.domain.roles import SUPPORT
from services.identity.models import User


def set_support(session: Session, email: str, granted: bool) -> bool:
    """Make the user with `email` support staff (or not); False when there is no such user."""
    result = session.execute(
        update(User)
        .where(User.email == email.strip().lower())
        .values(platform_role=SUPPORT if granted else None, version=User.version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def main(argv: list[str] | None = None) -> int:
    from shared.config import settings
    from shared.db import make_engine

    parser = argparse.ArgumentParser(prog="python -m services.identity.support")
    parser.add_argument("command", choices=["grant", "revoke"])
    parser.add_argument("email")
    args = parser.parse_args(argv)
    engine = make_engine(settings().database_url("identity"), pool_size=1)
    with Session(engine) as session, session.begin():
        found = set_support(session, args.email, args.command == "grant")
    engine.dispose()
    if not found:
        print(f"no user with email {args.email}")
        return 1
    print(f"{args.command}ed support role: {args.email}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
