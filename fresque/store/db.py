"""Connecting to the workshop database, and keeping its schema up to date.

The database is a SQLite file, ``var/fresque.db`` in the project folder (``var/`` is
created on demand and ignored by git), unless ``FRESQUE_DATABASE_URL`` names another one:
``postgresql://user:password@host/dbname`` lets several gunicorn workers or hosts serve
one workshop (plain ``postgresql://`` and ``postgres://`` URLs use the psycopg 3 driver).

SQLite is opened in WAL mode with ``synchronous=FULL`` (a commit is on disk before the
edit is acknowledged) and ``foreign_keys=ON``. Writing transactions start with
``BEGIN IMMEDIATE``, so writers queue up (30 s at most) instead of failing halfway;
reading transactions stay deferred and never block writers.

The schema is versioned with Alembic (``fresque/store/migrations``):
:func:`ensure_schema` upgrades a database to the head revision, under a lock so that
several workers starting at once upgrade it once. ``fresque db upgrade`` does the same
from the command line.
"""

from __future__ import annotations

import contextlib
import os
import threading

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from fresque.paths import PROJECT_ROOT

__all__ = [
    "DEFAULT_DATABASE",
    "alembic_config",
    "database_url",
    "ensure_schema",
    "head_revision",
    "make_engine",
    "read_transaction",
    "schema_revision",
    "write_transaction",
]

#: The SQLite file used when ``FRESQUE_DATABASE_URL`` is not set.
DEFAULT_DATABASE = PROJECT_ROOT / "var" / "fresque.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Key of the PostgreSQL advisory lock held while the schema is upgraded.
_SCHEMA_LOCK = 7_263_517_401
_WRITE = "fresque_write"
_SINGLE = "fresque_single_read"


def database_url(url: str | None = None) -> str:
    """Return the database URL to use: ``url``, else ``FRESQUE_DATABASE_URL``, else the
    default SQLite file (its folder is created).

    Examples
    --------
    >>> database_url("postgres://u@db/fresque")
    'postgresql+psycopg://u@db/fresque'
    >>> database_url("sqlite:////tmp/atelier.db")
    'sqlite:////tmp/atelier.db'
    """
    url = url or os.environ.get("FRESQUE_DATABASE_URL") or ""
    if not url:
        DEFAULT_DATABASE.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_DATABASE}"
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` (see :func:`database_url`), configured for the store.

    Parameters
    ----------
    url
        A SQLAlchemy URL; default from ``FRESQUE_DATABASE_URL`` or ``var/fresque.db``.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.
    """
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError(
                "une base SQLite en mémoire n’est pas partagée entre connexions : "
                "donnez un fichier (sqlite:///chemin/vers/fresque.db)"
            )
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": 30, "check_same_thread": False}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_SINGLE):
            return  # one statement: SQLite makes it atomic on its own
        mode = "IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


class _SQLiteWriters:
    """Writers of one SQLite file queue up in order instead of polling SQLite's lock.

    SQLite makes a writer that finds the file locked sleep and retry with growing sleeps
    (up to 100 ms); a busy process then keeps the lock while another starves, and
    latencies jump to seconds. Here the threads of a process queue on a lock, and
    processes on an ``flock`` of ``<database>.writer``, which wakes the next one as soon
    as the lock is released. ``BEGIN IMMEDIATE`` stays the real guarantee.
    """

    def __init__(self, database: Path) -> None:
        self.threads = threading.Lock()
        self.path = database.with_name(database.name + ".writer")
        self.fd: int | None = None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self.threads:
            if fcntl is None:
                yield
                return
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)


_SQLITE_WRITERS: dict[tuple[int, str], _SQLiteWriters] = {}
_SQLITE_WRITERS_LOCK = threading.Lock()


def _sqlite_writers(engine: Engine) -> _SQLiteWriters:
    database = Path(engine.url.database or "").resolve()
    key = (os.getpid(), str(database))  # a forked worker opens its own file descriptor
    with _SQLITE_WRITERS_LOCK:
        if key not in _SQLITE_WRITERS:
            _SQLITE_WRITERS[key] = _SQLiteWriters(database)
        return _SQLITE_WRITERS[key]


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: committed on success, rolled back on any error.

    On SQLite it starts with ``BEGIN IMMEDIATE`` (writers of other processes wait, 30 s
    at most; those of this process queue on a lock first); on PostgreSQL it runs at READ
    COMMITTED and the caller locks the rows it reads to change.
    """
    sqlite = engine.dialect.name == "sqlite"
    lock = _sqlite_writers(engine).hold() if sqlite else contextlib.nullcontext()
    with lock, engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection


@contextlib.contextmanager
def single_read(engine: Engine) -> Iterator[Connection]:
    """A connection for one read statement, which is atomic on its own: on SQLite no
    ``BEGIN``/``COMMIT`` round trip around it (what a screen's poll costs)."""
    with engine.connect() as connection:
        connection.execution_options(**{_SINGLE: True})
        # On PostgreSQL a transaction ended by COMMIT costs half what one left to the
        # pool's ROLLBACK does (0.3 against 0.7 ms a poll); on SQLite it emits nothing.
        with connection.begin():
            yield connection


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one snapshot (REPEATABLE READ on PostgreSQL)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def alembic_config(connection: Connection | None = None) -> Any:
    """Return the Alembic configuration of the store (no ``alembic.ini`` needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest migration's revision identifier."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_schema(engine: Engine) -> str:
    """Upgrade the database to the newest migration if it is behind; return the revision.

    Safe to call from every worker at start-up: on PostgreSQL an advisory lock, on
    SQLite the write lock, makes the others wait while one upgrades.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    head = head_revision()
    with engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            connection.rollback()
            return head
        connection.rollback()
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if MigrationContext.configure(connection).get_current_revision() != head:
            command.upgrade(alembic_config(connection), "head")
    return head
