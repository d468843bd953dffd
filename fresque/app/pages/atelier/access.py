"""How the Atelier reaches the store: the app's
:class:`~fresque.store.WorkshopService` (created once per process, on first use), the
secret token of the device (from its cookies, never from the URL) and the query of a
screen's URL, who the client is and who may create a workshop, and what a store refusal
does to a background refresh.

A device keeps its tokens in two HttpOnly cookies (set by
:mod:`~fresque.app.pages.atelier.session`): :data:`MEMBER_COOKIE` for who it is in the
workshop (facilitator, participant or viewer), and :data:`SCREEN_COOKIE` for the display-only
token of a projector or shared screen, apart, so that the facilitator's laptop can hold
both; :func:`request_token` picks the one a screen reads."""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import flask
from dash.exceptions import PreventUpdate

from fresque.app import proxies
from fresque.app.pages.atelier.ids import BOARD_VIEW
from fresque.i18n import DEFAULT_LANGUAGE

EXTENSION = "fresque_atelier"

#: The cookie holding who this device is in a workshop (facilitator, participant, viewer).
MEMBER_COOKIE = "fresque_atelier"
#: The cookie holding the display-only token of a projector or shared screen.
SCREEN_COOKIE = "fresque_ecran"

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


def _valid(token: Any) -> str | None:
    return token if isinstance(token, str) and token and len(token) <= 200 else None


def token_from_cookies(cookies: Mapping[str, str], search: str | None = None) -> str | None:
    """The token a screen whose URL query is ``search`` runs with, from the device's
    ``cookies``: on the board (``?vue=tableau``) the screen cookie when the device has
    one, else (and everywhere else) the member cookie; ``None`` when there is none.

    Examples
    --------
    >>> both = {MEMBER_COOKIE: "facilitator-token", SCREEN_COOKIE: "screen-token"}
    >>> token_from_cookies(both, ""), token_from_cookies(both, "?vue=tableau&lang=en")
    ('facilitator-token', 'screen-token')
    >>> token_from_cookies({MEMBER_COOKIE: "facilitator-token"}, "?vue=tableau")
    'facilitator-token'
    >>> token_from_cookies({}, "?t=a-token-in-the-address") is None  # never the URL
    True
    """
    if _query(search).get("vue") == BOARD_VIEW:
        screen = _valid(cookies.get(SCREEN_COOKIE))
        if screen:
            return screen
    return _valid(cookies.get(MEMBER_COOKIE))


def request_token(search: str | None = None) -> str | None:
    """The token of the current request's device for a screen whose URL query is
    ``search`` (:func:`token_from_cookies` of the request's cookies)."""
    if not flask.has_request_context():
        return None
    return token_from_cookies(flask.request.cookies, search)


def _href(lang: str, **params: str) -> str:
    query = {k: v for k, v in params.items() if v}
    if lang != DEFAULT_LANGUAGE:
        query["lang"] = lang
    return "/atelier" + ("?" + urlencode(query) if query else "")


def client_address() -> str:
    """The address of the client of the current request (the join door counts joins
    per address): the direct peer, or what a trusted proxy (``FRESQUE_TRUSTED_PROXIES``)
    says in ``X-Forwarded-For`` (:func:`fresque.app.proxies.client_address`)."""
    return proxies.client_address(flask.request.environ, proxies.configured_proxies())


def _may_create(key: str | None) -> bool:
    """Creating a workshop: with the facilitator key, or without it from the machine
    serving the app with nothing in between (loopback peer, no forwarding header, no
    trusted proxy: behind a proxy every visitor would look local)."""
    expected = os.environ.get("FRESQUE_FACILITATOR_KEY")
    if expected and key and hmac.compare_digest(expected.encode(), str(key).encode()):
        return True
    return proxies.local_request(flask.request.environ, proxies.configured_proxies())


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
