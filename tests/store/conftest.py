"""Fixtures of the store tests: each test runs on SQLite and on a real PostgreSQL server.

PostgreSQL is the one ``tests/store/ensure_postgres.sh`` starts (``make test`` runs it):
``FRESQUE_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:55432/
postgres``. The session creates its own database there (``fresque_test_<pid>``) and drops
it at the end. Without a server the PostgreSQL half is skipped with a message, except
under ``CI=true`` where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from fresque.geo.territories import Territories
from fresque.io.tables import write_csv_dir
from fresque.store.db import make_engine
from fresque.store.service import WorkshopService
from store.store_helpers import (
    BACKENDS,
    GEO_MINI,
    MISSING_POSTGRES,
    FakeClock,
    admin_engine,
    base_records,
    create_database,
    drop_database,
    postgres_server_url,
)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server's URL; skips (fails under CI=true) when it is not there."""
    url = postgres_server_url()
    engine = admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # any reason the server cannot be used
        message = MISSING_POSTGRES.format(
            url=make_url(url).render_as_string(), error=str(error).splitlines()[0]
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A database of the session on the PostgreSQL server (shared by the tests, which
    each work in their own workshops)."""
    url = create_database(postgres_server)
    yield url
    drop_database(postgres_server, url)


@pytest.fixture
def fresh_database(request, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend the test is parametrised with."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = create_database(server)
    yield url
    drop_database(server, url)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path: Path) -> str:
    """A database URL: a new SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresque.db'}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def territories() -> Territories:
    return Territories.load(GEO_MINI)


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "ecosystem"
    write_csv_dir(base_records(), folder)
    return folder


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(engine, territories, dataset_dir, clock) -> WorkshopService:
    return WorkshopService(engine, territories=territories, dataset_dir=dataset_dir, clock=clock)
