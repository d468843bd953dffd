"""Same-origin writes: a request that changes something (every ``POST``, ``PUT``,
``PATCH`` or ``DELETE``: Dash's callbacks, the Atelier's session route, the creation of a
workshop) is served only when it comes from a page of this very site.

Browsers say where a request comes from in its ``Origin`` header (a form or a script of
another site cannot hide it), or, failing that, in its ``Referer``. The request is refused
with HTTP 403 and a plain French message unless that origin (scheme, host, port) is the
address the request was sent to, as the client saw it (behind a trusted proxy, from its
``X-Forwarded-Host`` and ``X-Forwarded-Proto``: :mod:`fresque.app.proxies`). A request
with neither header is refused too: every browser sends ``Origin`` with a ``POST``.

:func:`install_origin_check` adds the check to a Flask app (one ``before_request``); the
other functions are pure.

Examples
--------
>>> same_origin("http://127.0.0.1:8050", None, "http", "127.0.0.1:8050")
True
>>> same_origin("https://evil.example", None, "http", "127.0.0.1:8050")
False
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import flask

from fresque.app import proxies

#: The methods that change something (checked); the others only read.
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | None) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an address or an ``Origin`` header, the port made
    explicit; ``None`` for anything else (``null``, a path, an unknown scheme).

    Examples
    --------
    >>> origin_of("https://Fresque.example.org/atelier?x=1")
    ('https', 'fresque.example.org', 443)
    >>> origin_of("http://[::1]:8050"), origin_of("null"), origin_of("/atelier")
    (('http', '::1', 8050), None, None)
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def own_origin(scheme: str, host: str) -> tuple[str, str, int] | None:
    """The origin of this server as the client addressed it (``host``: a ``Host`` header).

    Examples
    --------
    >>> own_origin("http", "127.0.0.1:8050"), own_origin("https", "fresque.example.org")
    (('http', '127.0.0.1', 8050), ('https', 'fresque.example.org', 443))
    """
    return origin_of(f"{scheme}://{host}")


def same_origin(origin: str | None, referer: str | None, scheme: str, host: str) -> bool:
    """Whether a request whose headers say ``origin`` (else ``referer``) comes from this
    server, reached at ``scheme://host``.

    Examples
    --------
    >>> same_origin(None, "http://localhost/atelier?vue=tableau", "http", "localhost")
    True
    >>> same_origin(None, None, "http", "localhost")  # says nothing: refused
    False
    >>> same_origin("null", "http://localhost/", "http", "localhost")  # Origin wins
    False
    >>> same_origin("http://localhost:8050", None, "https", "localhost:8050")  # scheme
    False
    """
    claimed = origin if origin is not None else referer
    expected = own_origin(scheme, host)
    found = origin_of(claimed)
    return expected is not None and found is not None and found == expected


def refusal(origin: str | None, referer: str | None, scheme: str, host: str) -> str:
    """The message of a refused write, in French then English: what came, what was
    expected, and the usual cause behind a proxy.

    Examples
    --------
    >>> print(refusal("https://evil.example", None, "http", "127.0.0.1:8050"))
    ... # doctest: +NORMALIZE_WHITESPACE
    Requête refusée : elle vient d’une page d’un autre site (https://evil.example) que
    celui-ci (http://127.0.0.1:8050). Rechargez la page de Fresque et recommencez.
    Derrière un proxy, déclarez-le dans FRESQUE_TRUSTED_PROXIES.
    <BLANKLINE>
    Request refused: it comes from a page of another site (https://evil.example) than
    this one (http://127.0.0.1:8050). Reload the Fresque page and try again. Behind a
    proxy, list it in FRESQUE_TRUSTED_PROXIES.
    """
    claimed = origin if origin is not None else referer
    here = f"{scheme}://{host}"
    if claimed is None:
        fr_from = "elle ne dit pas de quelle page elle vient (ni Origin ni Referer)"
        en_from = "it does not say which page it comes from (no Origin nor Referer)"
        fr_tail = en_tail = ""
    else:
        shown = claimed if len(claimed) <= 200 else claimed[:200] + "…"
        fr_from = f"elle vient d’une page d’un autre site ({shown}) que celui-ci ({here})"
        en_from = f"it comes from a page of another site ({shown}) than this one ({here})"
        fr_tail = f" Derrière un proxy, déclarez-le dans {proxies.TRUSTED_PROXIES_VAR}."
        en_tail = f" Behind a proxy, list it in {proxies.TRUSTED_PROXIES_VAR}."
    return (
        f"Requête refusée : {fr_from}. Rechargez la page de Fresque et recommencez.{fr_tail}"
        f"\n\nRequest refused: {en_from}. Reload the Fresque page and try again.{en_tail}"
    )


def check(environ: dict[str, Any], trusted: tuple[proxies.Network, ...]) -> str | None:
    """``None`` when the request may go on; the refusal's message otherwise.

    Examples
    --------
    >>> environ = {"REQUEST_METHOD": "POST", "REMOTE_ADDR": "127.0.0.1",
    ...            "HTTP_HOST": "127.0.0.1:8050", "wsgi.url_scheme": "http"}
    >>> check({**environ, "HTTP_ORIGIN": "http://127.0.0.1:8050"}, ()) is None
    True
    >>> check({**environ, "REQUEST_METHOD": "GET"}, ()) is None  # reads are not checked
    True
    >>> check(environ, ())[:17]
    'Requête refusée :'
    """
    if str(environ.get("REQUEST_METHOD", "GET")).upper() not in STATE_CHANGING:
        return None
    origin, referer = environ.get("HTTP_ORIGIN"), environ.get("HTTP_REFERER")
    scheme = proxies.request_scheme(environ, trusted)
    host = proxies.request_host(environ, trusted)
    if same_origin(origin, referer, scheme, host):
        return None
    return refusal(origin, referer, scheme, host)


def install_origin_check(server: flask.Flask) -> None:
    """Refuse, on ``server``, every state-changing request from another origin (403).

    Reads ``FRESQUE_TRUSTED_PROXIES`` now, so that a mistyped value stops the app at
    start with a message rather than at the first request.
    """
    proxies.configured_proxies()

    @server.before_request
    def _same_origin_writes() -> flask.Response | None:
        message = check(flask.request.environ, proxies.configured_proxies())
        if message is None:
            return None
        response = flask.Response(message, status=403, mimetype="text/plain")
        response.headers["Cache-Control"] = "no-store"
        return response


__all__ = [
    "STATE_CHANGING",
    "check",
    "install_origin_check",
    "origin_of",
    "own_origin",
    "refusal",
    "same_origin",
]
