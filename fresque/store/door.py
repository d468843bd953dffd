"""The join door: how many attempts to join a workshop are let through, counted in the
database so that the limits hold across gunicorn workers and app servers.

Each attempt the app makes on a visitor's behalf (:meth:`~fresque.store.service.
WorkshopService.join` with an ``address``) is a row of ``workshop_join_attempts``;
in any :data:`~fresque.store.constants.JOIN_WINDOW` seconds (a sliding window):

- one client address may try to join one workshop
  :data:`~fresque.store.constants.JOIN_PER_ADDRESS` times (a venue's phones share one
  public address: 300 of them join in two minutes);
- a workshop takes :data:`~fresque.store.constants.JOIN_PER_WORKSHOP` attempts from all
  addresses together;
- one address may give :data:`~fresque.store.constants.JOIN_FAILURES_PER_ADDRESS`
  wrong codes; past that, even a right code is refused from it, so that guessing
  learns nothing.

A refused attempt is not counted (a flood that stops leaves the door open again one
window later) and writes nothing. Rows older than
:data:`~fresque.store.constants.JOIN_ATTEMPTS_KEPT` seconds are deleted as new ones of
the same workshop (or address, for wrong codes) come. Calls without an address (the
command line, scripts on the server) pass freely.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from fresque.store.constants import (
    JOIN_ATTEMPTS_KEPT,
    JOIN_FAILURES_PER_ADDRESS,
    JOIN_PER_ADDRESS,
    JOIN_PER_WORKSHOP,
    JOIN_WINDOW,
)
from fresque.store.errors import RateLimited
from fresque.store.schema import join_attempts

__all__ = ["check_failures", "check_workshop", "client", "record"]

_ADDRESS_MAX = 64


def client(address: str | None) -> str | None:
    """The address as counted (``None``: not counted; an empty one is ``"?"``).

    Examples
    --------
    >>> client(" 203.0.113.7 "), client(""), client(None)
    ('203.0.113.7', '?', None)
    """
    if address is None:
        return None
    return str(address).strip()[:_ADDRESS_MAX] or "?"


def _wait(conn: Connection, where: list[Any], limit: int, now: datetime) -> float | None:
    """Seconds until the window of the attempts ``where`` has room again (``None``: it
    has room now)."""
    since = now - timedelta(seconds=JOIN_WINDOW)
    oldest = conn.execute(
        select(join_attempts.c.at)
        .where(*where, join_attempts.c.at > since)
        .order_by(join_attempts.c.at.desc())
        .offset(limit - 1)
        .limit(1)
    ).scalar_one_or_none()
    if oldest is None:
        return None
    return max((oldest + timedelta(seconds=JOIN_WINDOW) - now).total_seconds(), 0.1)


def _refuse(reason: str, wait: float) -> RateLimited:
    return RateLimited(f"{reason} : attendez, puis réessayez dans {math.ceil(wait)} s.", wait)


def check_failures(conn: Connection, address: str, now: datetime) -> None:
    """Refuse (:class:`~fresque.store.errors.RateLimited`) an address that gave too many
    wrong codes lately, whatever code it gives now."""
    wait = _wait(
        conn,
        [join_attempts.c.address == address, join_attempts.c.workshop_id.is_(None)],
        JOIN_FAILURES_PER_ADDRESS,
        now,
    )
    if wait is not None:
        raise _refuse(
            "Trop de codes erronés depuis votre réseau (vérifiez le code affiché à l’écran)",
            wait,
        )


def check_workshop(conn: Connection, workshop_id: int, address: str, now: datetime) -> None:
    """Refuse (:class:`~fresque.store.errors.RateLimited`) an attempt past the window of
    this address at this workshop, or of the workshop in all (call it with the workshop
    row locked, so that the count holds)."""
    wait = _wait(
        conn,
        [join_attempts.c.address == address, join_attempts.c.workshop_id == workshop_id],
        JOIN_PER_ADDRESS,
        now,
    )
    if wait is not None:
        raise _refuse("Trop d’arrivées depuis votre réseau en peu de temps", wait)
    wait = _wait(conn, [join_attempts.c.workshop_id == workshop_id], JOIN_PER_WORKSHOP, now)
    if wait is not None:
        raise _refuse("Beaucoup de monde rejoint l’atelier en ce moment", wait)


def record(
    conn: Connection, address: str, workshop_id: int | None, now: datetime, ok: bool
) -> None:
    """Count an attempt (``workshop_id`` ``None``: a wrong code) and delete the old ones
    of the same workshop (or of the same address's wrong codes)."""
    conn.execute(
        insert(join_attempts).values(address=address, workshop_id=workshop_id, at=now, ok=ok)
    )
    old = now - timedelta(seconds=JOIN_ATTEMPTS_KEPT)
    if workshop_id is None:
        same = [join_attempts.c.workshop_id.is_(None), join_attempts.c.address == address]
    else:
        same = [join_attempts.c.workshop_id == workshop_id]
    conn.execute(delete(join_attempts).where(*same, join_attempts.c.at < old))
