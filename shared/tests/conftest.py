"""Fixtures for the platform tests: the notes test service on a real database and broker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from shared.provisioning import provision
from shared.testing import ServiceDatabase, settings_for_tests
from shared.tests.notes_service import NotesService, create_schema


@pytest.fixture(scope="session")
def _notes_database() -> ServiceDatabase:
    conf = settings_for_tests()
    provision(conf, "notes", drop=True)
    owner = create_engine(conf.migration_database_url("notes"))
    create_schema(owner)
    owner.dispose()
    engine = create_engine(conf.database_url("notes"))
    return ServiceDatabase(
        service="notes",
        url=conf.database_url("notes"),
        owner_url=conf.migration_database_url("notes"),
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
    )


@pytest.fixture
def notes_db(_notes_database: ServiceDatabase) -> Iterator[ServiceDatabase]:
    with _notes_database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO tally (name, count) VALUES ('created', 0), ('deliveries', 0)")
        )
    yield _notes_database
    _notes_database.truncate()


@pytest.fixture
def notes_service(container_factory: Any, service_config: Any, notes_db: ServiceDatabase) -> Any:
    container = container_factory(NotesService, service_config(notes_db))
    container.start()
    return container


def tally(db: ServiceDatabase, name: str = "created") -> int:
    with db.engine.connect() as conn:
        query = text("SELECT count FROM tally WHERE name = :n")
        return int(conn.execute(query, {"n": name}).scalar_one())
