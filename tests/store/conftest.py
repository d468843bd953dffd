"""Fixtures of the store tests: each test runs on SQLite and on a real PostgreSQL server.

PostgreSQL is the one ``tests/store/ensure_postgres.sh`` starts (``make test`` runs it):
``FRESQUE_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:55432/
postgres``. The session creates its own database there (``fresque_test_<pid>``) and drops
it at the end. Without a server the PostgreSQL half is skipped with a message, except
under ``CI=true`` where it fails.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fresque.geo.territories import Territories
from fresque.io import Records
from fresque.io.tables import write_csv_dir
from fresque.model import Link, Structure
from fresque.store.db import database_url, make_engine
from fresque.store.service import WorkshopService

ROOT = Path(__file__).resolve().parents[2]
GEO_MINI = ROOT / "tests" / "data" / "geo_mini"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
MISSING_POSTGRES = (
    "PostgreSQL injoignable ({url}) : {error}. Lancez « sh tests/store/ensure_postgres.sh » "
    "(ou make test), ou donnez FRESQUE_TEST_POSTGRES_URL."
)
BACKENDS = ["sqlite", "postgresql"]


def postgres_server_url() -> str:
    return database_url(os.environ.get("FRESQUE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)


def _admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


_database_counter = itertools.count()


def create_database(server_url: str) -> str:
    """Create an empty database on the server; return its URL."""
    name = f"fresque_test_{os.getpid()}_{next(_database_counter)}"
    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server's URL; skips (fails under CI=true) when it is not there."""
    url = postgres_server_url()
    engine = _admin_engine(url)
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


def base_records() -> Records:
    """A small curated dataset on the mini geography (Bretagne, Mayenne)."""
    structures = [
        Structure(
            id="cress_bre",
            name="CRESS Bretagne",
            kind="chamber",
            dispositifs=["cress"],
            territory_level="region",
            territory_codes=["53"],
            commune_code="29151",
        ),
        Structure(
            id="tag29",
            name="TAg29",
            kind="support_structure",
            dispositifs=["incubateur"],
            stages=["emergence"],
            territory_level="departement",
            territory_codes=["29"],
            commune_code="29151",
            carrier_id="cress_bre",
        ),
        Structure(
            id="dla_29",
            name="DLA du Finistère",
            kind="support_structure",
            dispositifs=["dla_departemental"],
            territory_level="departement",
            territory_codes=["29"],
        ),
        Structure(
            id="avise",
            name="Avise",
            kind="network",
            territory_level="country",
        ),
        Structure(
            id="initiative_mayenne",
            name="Initiative Mayenne",
            kind="funder",
            dispositifs=["pret_d_honneur"],
            territory_level="departement",
            territory_codes=["53"],
        ),
    ]
    links = [
        Link(source="cress_bre", target="tag29", relation="carries"),
        Link(source="avise", target="tag29", relation="animates"),
        Link(source="avise", target="initiative_mayenne", relation="partners_with"),
    ]
    return Records(structures, links)


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "ecosystem"
    write_csv_dir(base_records(), folder)
    return folder


class FakeClock:
    """A clock the tests move by hand; each reading advances it by a millisecond."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 14, 9, 0, 0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self.now += timedelta(milliseconds=1)
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(engine, territories, dataset_dir, clock) -> WorkshopService:
    return WorkshopService(engine, territories=territories, dataset_dir=dataset_dir, clock=clock)
