"""What the app's pages share in a process: the ecosystem, its metrics, built maps.

One :class:`AppContext` per app, kept in ``server.extensions["fresque"]`` and found by
:func:`current` inside a request (layouts and callbacks run in one). Everything in it is
built once, on first use, and never modified: the app keeps no per-user state in process
(the view state lives in the URL).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import flask

if TYPE_CHECKING:
    import pandas as pd

    from fresque.app.pages.carte import MapFigures
    from fresque.ecosystem import Ecosystem

EXTENSION = "fresque"

logger = logging.getLogger(__name__)

#: Held while the curated dataset is read, so that two apps of a process (or a warm-up
#: and a request) read it once, not side by side.
_DEFAULT_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load_default(folder: str) -> Ecosystem:
    from fresque.ecosystem import load_ecosystem

    return load_ecosystem(folder)


def default_ecosystem() -> Ecosystem:
    """The curated dataset, read once per process (per data folder)."""
    from fresque.ecosystem import ecosystem_dir

    folder = str(ecosystem_dir())
    with _DEFAULT_LOCK:
        return _load_default(folder)


class AppContext:
    """The ecosystem an app shows (loaded on first use) and what is derived from it.

    Parameters
    ----------
    ecosystem
        The ecosystem to show; by default the curated dataset (:func:`default_ecosystem`).
    """

    def __init__(self, ecosystem: Ecosystem | None = None, get_asset_url=None) -> None:
        from fresque.app.pages.carte import MapFigures

        self.get_asset_url = get_asset_url or (lambda path: f"/assets/{path}")
        self._ecosystem = ecosystem
        self._error: str | None = None
        self._lock = threading.Lock()
        self.maps: MapFigures = MapFigures()
        self._cache: dict[Hashable, OrderedDict[Hashable, Any]] = {}
        self._warm_lock = threading.Lock()
        self._warming: threading.Event | None = None
        self._warmer: threading.Thread | None = None

    @property
    def ecosystem(self) -> Ecosystem | None:
        """The ecosystem, or None when it cannot be read (see :attr:`error`).

        While a warm-up (:meth:`warm_up`) runs, this waits for it rather than doing
        the same work a second time.
        """
        warming = self._warming
        if warming is not None and threading.current_thread() is not self._warmer:
            warming.wait()
        return self._load()

    def _load(self) -> Ecosystem | None:
        if self._ecosystem is None and self._error is None:
            with self._lock:
                if self._ecosystem is None and self._error is None:
                    try:
                        self._ecosystem = default_ecosystem()
                    except (OSError, ValueError) as error:  # missing or invalid files
                        self._error = str(error)
        return self._ecosystem

    @property
    def warming_up(self) -> bool:
        """Whether :meth:`warm_up` has been called (it runs once per context)."""
        return self._warming is not None

    def warm_up(self) -> None:
        """Read the ecosystem and build its network index in a background thread, then
        the départements' shapes.

        The first page (Réseau) needs both; started as soon as the app has answered its
        first request, the work overlaps the browser loading the page's scripts.
        Readers of :attr:`ecosystem` wait for the index (not the shapes). Calling it
        again does nothing.
        """
        with self._warm_lock:
            if self._warming is not None:
                return
            self._warmer = threading.Thread(target=self._warm, name="fresque-warm-up", daemon=True)
            self._warming = threading.Event()
        try:
            self._warmer.start()
        except RuntimeError:  # no thread to spare: load on first use, as without warm-up
            logger.exception("could not start the warm-up thread")
            self._warming.set()

    def _warm(self) -> None:
        try:
            ecosystem = self._load()
            if ecosystem is not None:
                from fresque.views.network import network_index

                network_index(ecosystem)  # with the node metrics, cached per ecosystem
        except Exception:  # the request that needs it will fail visibly, with its page
            logger.exception("warming up the app's data failed; it loads on first use")
        finally:
            self._warming.set()
        try:  # then the départements' shapes (the Carte page's, the workshop board's map)
            from fresque.views.maps import map_geojson

            map_geojson("departements")
        except Exception:  # a missing file is reported by the page that needs it
            logger.exception("reading the départements' shapes failed; read on first use")

    @property
    def error(self) -> str | None:
        """Why the ecosystem could not be read, if it could not."""
        _ = self.ecosystem
        return self._error

    def cached(self, key: Hashable, build: Callable[[], Any], maxsize: int = 64) -> Any:
        """Return ``build()``, remembered under ``key``.

        The keys sharing a first item (a tuple's; the key itself otherwise) share a
        space, which keeps its ``maxsize`` latest: the pages' caches do not push each
        other out. Everything derived from the ecosystem can be kept: the ecosystem
        never changes.
        """
        space = key[0] if isinstance(key, tuple) and key else key
        with self._lock:
            cache = self._cache.setdefault(space, OrderedDict())
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        value = build()
        with self._lock:
            value = cache.setdefault(key, value)
            while len(cache) > maxsize:
                cache.popitem(last=False)
        return value

    @property
    def metrics(self) -> pd.DataFrame:
        """Degree and betweenness of every structure of the whole dataset."""
        from fresque.views.network import node_metrics

        return node_metrics(self.ecosystem)


def install(server: flask.Flask, context: AppContext) -> None:
    """Attach ``context`` to the app's Flask server."""
    server.extensions[EXTENSION] = context


def warm_up_after_first_response(server: flask.Flask, context: AppContext) -> None:
    """Start ``context``'s warm-up once the server's first response has been sent.

    Not before: the first response (the HTML page) does not need the data and would
    share the interpreter with the warm-up; and not at creation, where a process
    that forks its workers afterwards (``gunicorn --preload``) could hand them a lock
    held by a thread they do not have.
    """

    @server.after_request
    def _warm_up_when_sent(response: flask.Response) -> flask.Response:
        if not context.warming_up:
            response.call_on_close(context.warm_up)
        return response


def current() -> AppContext:
    """The context of the app serving the current request."""
    return flask.current_app.extensions[EXTENSION]


def asset_url(path: str) -> str:
    """URL of one of the app's assets (with the app's path prefix)."""
    return current().get_asset_url(path)
