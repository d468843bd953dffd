"""Persistence of live workshops (Atelier): a SQLAlchemy store, SQLite or PostgreSQL.

Typical use (the Dash app does the same through its callbacks)::

    from fresque.store import WorkshopService

    service = WorkshopService()                 # FRESQUE_DATABASE_URL or var/fresque.db
    workshop, facilitator = service.create_workshop("Atelier Bretagne", region="53")
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, {"name": "…", "kind": "…", …})
    eco = service.current_ecosystem(facilitator)  # an Ecosystem, as every view reads

Serving an event from several workers or hosts (PostgreSQL; the app keeps no state in
the process, so any worker can answer any participant)::

    export FRESQUE_DATABASE_URL=postgresql://fresque:…@db-host/fresque
    fresque db upgrade                      # also done by each worker at start-up
    fresque workshop create "Rencontres ESS Bretagne" --region 53   # code + token
    gunicorn --workers 2 --threads 8 --bind 0.0.0.0:8050 dash_app:server   # gunicorn.conf.py

Without ``FRESQUE_DATABASE_URL`` the store is the SQLite file ``var/fresque.db`` (WAL):
enough for one host, several workers included.

See :mod:`fresque.store.service` for the roles, moderation and concurrency rules,
:mod:`fresque.store.schema` for the tables, :mod:`fresque.store.db` for the engine and
the migrations.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use, so that ``fresque --help`` does not import SQLAlchemy and pandas.
_EXPORTS = {
    **dict.fromkeys(("database_url", "ensure_schema", "make_engine"), "fresque.store.db"),
    **dict.fromkeys(
        (
            "ConflictError",
            "InvalidInput",
            "InvalidToken",
            "NotFound",
            "PermissionDenied",
            "RateLimited",
            "StoreError",
            "WorkshopClosed",
        ),
        "fresque.store.errors",
    ),
    **dict.fromkeys(
        (
            "Card",
            "Changes",
            "DatasetMerge",
            "Duplicate",
            "Event",
            "LinkCard",
            "Member",
            "Moderation",
            "Phase",
            "Role",
            "Workshop",
            "WorkshopService",
        ),
        "fresque.store.service",
    ),
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fresque.store' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Card",
    "Changes",
    "ConflictError",
    "DatasetMerge",
    "Duplicate",
    "Event",
    "InvalidInput",
    "InvalidToken",
    "LinkCard",
    "Member",
    "Moderation",
    "NotFound",
    "PermissionDenied",
    "Phase",
    "RateLimited",
    "Role",
    "StoreError",
    "Workshop",
    "WorkshopClosed",
    "WorkshopService",
    "database_url",
    "ensure_schema",
    "make_engine",
]
