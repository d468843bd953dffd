"""The store's time: the database's clock, so that hosts whose clocks drift agree.

Every stored time (an event's, a member's, a workshop's) and the "now" that "just added"
marks are compared with come from one :class:`StoreClock`:

- on PostgreSQL, a write reads the database's clock inside its transaction
  (``clock_timestamp()`` in UTC, once the workshop row is locked), and :meth:`StoreClock.now`
  is the database's time as last read plus the time elapsed since on this process's
  monotonic clock (read again every :data:`~fresque.store.constants.CLOCK_REFRESH`
  seconds, and at every write): no round trip per poll, and a host whose wall clock is
  off, or is set while it runs, still agrees with the others;
- on SQLite (one file, so one host), the process's clock;
- with an injected ``clock`` (tests), that clock, on every database.

Times are naive UTC.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, func, select

from fresque.store.constants import CLOCK_REFRESH

__all__ = ["StoreClock", "host_now"]

_DATABASE_NOW = select(func.timezone("UTC", func.clock_timestamp()))


def host_now() -> datetime:
    """This process's clock, naive UTC.

    Examples
    --------
    >>> host_now().tzinfo is None
    True
    """
    return datetime.now(UTC).replace(tzinfo=None)


class StoreClock:
    """Where the store's times come from (see the module docstring).

    Parameters
    ----------
    engine
        The store's database.
    clock
        An injected clock (tests): used for every time, whatever the database.
    host_clock
        This process's clock (SQLite's time).
    refresh
        Seconds after which :meth:`now` reads PostgreSQL's clock again.

    Examples
    --------
    >>> from sqlalchemy import create_engine
    >>> fixed = datetime(2026, 3, 14, 9, 0)
    >>> StoreClock(create_engine("sqlite://"), clock=lambda: fixed).now()
    datetime.datetime(2026, 3, 14, 9, 0)
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        host_clock: Callable[[], datetime] = host_now,
        refresh: float = CLOCK_REFRESH,
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._host = host_clock
        self._refresh = float(refresh)
        self._database = clock is None and engine.dialect.name == "postgresql"
        self._anchor: tuple[datetime, float] | None = None  # (database time, monotonic)
        self._lock = threading.Lock()

    def in_transaction(self, conn: Connection) -> datetime:
        """The time of a write made on ``conn``: the database's clock on PostgreSQL."""
        if self._clock is not None:
            return self._clock()
        if not self._database:
            return self._host()
        now = conn.execute(_DATABASE_NOW).scalar_one()
        with self._lock:
            self._anchor = (now, time.monotonic())
        return now

    def now(self) -> datetime:
        """The time now, as the database tells it (what "just added" is compared with)."""
        if self._clock is not None:
            return self._clock()
        if not self._database:
            return self._host()
        with self._lock:
            anchor = self._anchor
        elapsed = None if anchor is None else time.monotonic() - anchor[1]
        if anchor is None or elapsed is None or elapsed > self._refresh:
            with self.engine.connect() as conn:
                at = conn.execute(_DATABASE_NOW).scalar_one()
                conn.rollback()
            with self._lock:
                self._anchor = (at, time.monotonic())
            return at
        return anchor[0] + timedelta(seconds=elapsed)
