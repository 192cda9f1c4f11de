"""`python -m shared.migrate <service> [--drop] [--revision MESSAGE]`.

Creates the service's roles and database when missing (shared/provisioning.py), then
upgrades its schema to the newest revision as the owner role. Safe to run again: the
suite runs it at every start, Kubernetes in a Job before a rollout. `--drop` starts from
an empty database (test harnesses); `--revision` autogenerates a new revision file;
`--no-provision` only migrates, for production where an administrator created the roles
once and the migration Job holds nothing but the owner's credentials.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.config import settings
from shared.provisioning import provision


def migrations_dir(service: str) -> Path:
    spec = importlib.util.find_spec(f"services.{service}")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"unknown service {service!r}")
    return Path(next(iter(spec.submodule_search_locations))) / "migrations"


def alembic_config(service: str, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(service)))
    config.attributes["service"] = service
    config.attributes["url"] = url or settings().migration_database_url(service)
    return config


def upgrade(service: str, *, drop: bool = False, provision_first: bool = True) -> None:
    if provision_first:
        provision(settings(), service, drop=drop)
    command.upgrade(alembic_config(service), "head")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.migrate", description=__doc__)
    parser.add_argument("service")
    parser.add_argument("--drop", action="store_true", help="drop and recreate the database")
    parser.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new revision")
    parser.add_argument(
        "--no-provision",
        action="store_true",
        help="only migrate, as the owner role (roles and database already exist: production)",
    )
    args = parser.parse_args(argv)
    if args.drop and args.no_provision:
        parser.error("--drop needs provisioning")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    upgrade(args.service, drop=args.drop, provision_first=not args.no_provision)
    if args.revision:
        command.revision(alembic_config(args.service), message=args.revision, autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
