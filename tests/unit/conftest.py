"""The course service's store on both databases it supports: SQLite (a file) and PostgreSQL (a
throwaway Debian server for the test session, socket only; tests/pgserver.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from decoder.service.store import Store
from tests.pgserver import PostgresServer


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer()
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> Store:
    """The same store on both databases, each a real server or file, migrated twice (an
    upgrade of an upgraded database is harmless)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'course.sqlite'}"
    else:
        url = request.getfixturevalue("postgres")
    store = Store(url)
    store.migrate()
    store.migrate()
    yield store
    if request.param == "postgresql":  # one server for the session: empty it between tests
        everything = sa.MetaData()
        everything.reflect(store.engine)
        everything.drop_all(store.engine)
    store.engine.dispose()
