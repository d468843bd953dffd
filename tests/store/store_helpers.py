"""Helpers shared by the store tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import itertools
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fresque.io import Records
from fresque.model import Link, Structure
from fresque.store.db import database_url

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


def admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


_database_counter = itertools.count()


def create_database(server_url: str) -> str:
    """Create an empty database on the server; return its URL."""
    name = f"fresque_test_{os.getpid()}_{next(_database_counter)}"
    admin = admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    admin = admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


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
