"""Alembic environment of the workshop store.

Run through :func:`fresque.store.db.ensure_schema` or ``fresque db upgrade``, which pass
their connection in ``config.attributes["connection"]``; without one, the database is
``sqlalchemy.url`` from the configuration, else ``FRESQUE_DATABASE_URL``, else
``var/fresque.db``.

New migration (from the repository root)::

    .venv/bin/python -c "from alembic import command; from fresque.store.db import \
alembic_config; command.revision(alembic_config(), 'what changes', autogenerate=True)"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from fresque.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online(config) -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from fresque.store.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.connect() as connection:
            connection.execution_options(fresque_write=True)
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


try:
    _config = context.config
except (AttributeError, NameError):  # imported outside Alembic (pytest's doctest collection)
    _config = None
if _config is not None:
    if context.is_offline_mode():
        raise SystemExit("Les migrations de Fresque se jouent sur une base (pas hors ligne).")
    run_migrations_online(_config)
