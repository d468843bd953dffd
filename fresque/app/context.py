"""What the app's pages share in a process: the ecosystem, its metrics, built maps.

One :class:`AppContext` per app, kept in ``server.extensions["fresque"]`` and found by
:func:`current` inside a request (layouts and callbacks run in one). Everything in it is
built once, on first use, and never modified: the app keeps no per-user state in process
(the view state lives in the URL).
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=4)
def _load_default(folder: str) -> Ecosystem:
    from fresque.ecosystem import load_ecosystem

    return load_ecosystem(folder)


def default_ecosystem() -> Ecosystem:
    """The curated dataset, read once per process (per data folder)."""
    from fresque.ecosystem import ecosystem_dir

    return _load_default(str(ecosystem_dir()))


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
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()

    @property
    def ecosystem(self) -> Ecosystem | None:
        """The ecosystem, or None when it cannot be read (see :attr:`error`)."""
        if self._ecosystem is None and self._error is None:
            with self._lock:
                if self._ecosystem is None and self._error is None:
                    try:
                        self._ecosystem = default_ecosystem()
                    except (OSError, ValueError) as error:  # missing or invalid files
                        self._error = str(error)
        return self._ecosystem

    @property
    def error(self) -> str | None:
        """Why the ecosystem could not be read, if it could not."""
        _ = self.ecosystem
        return self._error

    def cached(self, key: Hashable, build: Callable[[], Any], maxsize: int = 64) -> Any:
        """Return ``build()``, remembered under ``key`` (the ``maxsize`` latest kept).

        Everything derived from the ecosystem can be kept: the ecosystem never changes.
        """
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = build()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > maxsize:
                self._cache.popitem(last=False)
        return value

    @property
    def metrics(self) -> pd.DataFrame:
        """Degree and betweenness of every structure of the whole dataset."""
        from fresque.views.network import node_metrics

        return node_metrics(self.ecosystem)


def install(server: flask.Flask, context: AppContext) -> None:
    """Attach ``context`` to the app's Flask server."""
    server.extensions[EXTENSION] = context


def current() -> AppContext:
    """The context of the app serving the current request."""
    return flask.current_app.extensions[EXTENSION]


def asset_url(path: str) -> str:
    """URL of one of the app's assets (with the app's path prefix)."""
    return current().get_asset_url(path)
