"""How the Atelier reaches the store: the app's
:class:`~fresque.store.WorkshopService` (created once per process, on first use), the
token and the query of a screen's URL, who may create a workshop, and what a store
refusal does to a background refresh."""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import flask
from dash.exceptions import PreventUpdate

from fresque.i18n import DEFAULT_LANGUAGE

EXTENSION = "fresque_atelier"

_LOCK = threading.Lock()


def install_service(server: flask.Flask, service: Any) -> None:
    """Make the app's Atelier use ``service`` (tests: a temporary database)."""
    server.extensions[EXTENSION] = service


def service(server: flask.Flask | None = None) -> Any:
    """The app's :class:`~fresque.store.WorkshopService`, created on first use (of
    ``server``, by default the app of the current request)."""
    app = server if server is not None else flask.current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        with _LOCK:
            found = app.extensions.get(EXTENSION)
            if found is None:
                from fresque.store import WorkshopService

                found = app.extensions[EXTENSION] = WorkshopService()
    return found


def _query(search: str | None) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items() if v}


def _token(search: str | None) -> str | None:
    token = _query(search).get("t")
    return token if token and len(token) <= 200 else None


def _href(lang: str, **params: str) -> str:
    query = {k: v for k, v in params.items() if v}
    if lang != DEFAULT_LANGUAGE:
        query["lang"] = lang
    return "/atelier" + ("?" + urlencode(query) if query else "")


def client_address() -> str:
    """The address of the client of the current request (the join door counts joins
    per address)."""
    return flask.request.remote_addr or ""


def _may_create(key: str | None) -> bool:
    """Creating a workshop: from the machine itself, or with the facilitator key."""
    expected = os.environ.get("FRESQUE_FACILITATOR_KEY")
    if expected and key and hmac.compare_digest(expected.encode(), str(key).encode()):
        return True
    return client_address() in ("127.0.0.1", "::1")


def _base_url() -> str:
    return os.environ.get("FRESQUE_PUBLIC_URL") or flask.request.host_url


def _now() -> datetime:
    """The time "just added" marks are compared with: the database's (issue 13)."""
    return service().now()


def _store_errors():
    from fresque.store import errors

    return errors


@contextmanager
def _store_refusals_change_nothing() -> Iterator[None]:
    """In a background refresh, a store refusal (closed workshop, revoked link) leaves the
    screen as it is: Dash's ``PreventUpdate``."""
    try:
        yield
    except _store_errors().StoreError:
        raise PreventUpdate from None
