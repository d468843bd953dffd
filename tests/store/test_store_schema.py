"""The database: engine settings, migrations that match the tables, upgrades at start-up."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from fresque.paths import PROJECT_ROOT
from fresque.store.db import (
    DEFAULT_DATABASE,
    database_url,
    ensure_schema,
    head_revision,
    make_engine,
    schema_revision,
)
from fresque.store.schema import metadata
from store.store_helpers import BACKENDS


def test_default_database_is_a_sqlite_file_under_var(monkeypatch):
    monkeypatch.delenv("FRESQUE_DATABASE_URL", raising=False)
    assert DEFAULT_DATABASE == PROJECT_ROOT / "var" / "fresque.db"
    assert database_url() == f"sqlite:///{DEFAULT_DATABASE}"
    assert DEFAULT_DATABASE.parent.is_dir()
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert "var/" in ignored


def test_database_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("FRESQUE_DATABASE_URL", "postgresql://fresque:secret@db:5432/atelier")
    assert database_url() == "postgresql+psycopg://fresque:secret@db:5432/atelier"
    assert database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_sqlite_runs_in_wal_with_full_sync(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'fresque.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    engine.dispose()
    with pytest.raises(ValueError, match="mémoire"):
        make_engine("sqlite://")


@pytest.mark.parametrize("fresh_database", BACKENDS, indirect=True)
def test_migrations_match_the_models(fresh_database):
    engine = make_engine(fresh_database)
    try:
        assert schema_revision(engine) is None
        assert ensure_schema(engine) == head_revision()
        assert schema_revision(engine) == head_revision()
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
        assert diff == [], f"the models changed without a migration: {diff}"
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) | {"alembic_version"} == tables
        assert ensure_schema(engine) == head_revision()  # again: nothing to do
    finally:
        engine.dispose()


@pytest.mark.parametrize("fresh_database", BACKENDS, indirect=True)
def test_workers_starting_together_upgrade_once(fresh_database):
    engines = [make_engine(fresh_database) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    results: list[object] = [None] * len(engines)

    def start(i: int) -> None:
        barrier.wait()
        try:
            results[i] = ensure_schema(engines[i])
        except Exception as error:  # reported below
            results[i] = error

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()
    assert results == [head_revision()] * len(engines)


@pytest.mark.parametrize("fresh_database", BACKENDS, indirect=True)
def test_fresque_db_upgrade_command(fresh_database, capsys):
    from fresque.cli import main

    assert main(["db", "upgrade", "--url", fresh_database]) == 0
    assert head_revision() in capsys.readouterr().out
    assert main(["db", "status", "--url", fresh_database]) == 0
    out = capsys.readouterr().out
    assert "à jour" in out
