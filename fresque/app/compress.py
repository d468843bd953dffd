"""Gzip the app's responses without an extra dependency.

The map's figure JSON is dominated by its GeoJSON (hundreds of kilobytes, a third of that
once gzipped) and plotly.js's geo bundle weighs 1.4 MB (460 KB gzipped), so compressing
pays off on workshop Wi-Fi. ``flask-compress`` would do it; this is the few lines we need.

Everything text-like is compressed: the HTML page, Dash's JSON (layout, callbacks), the
JavaScript bundles of ``/_dash-component-suites`` and the files of ``/assets`` (which
Flask streams from disk: they are read, compressed once and kept in memory).
"""

from __future__ import annotations

import gzip
from collections import OrderedDict

from flask import Flask, Response, request

#: Content types worth compressing.
COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/javascript",
        "text/javascript",
        "text/css",
        "text/html",
        "text/plain",
        "image/svg+xml",
        "image/x-icon",  # Dash's favicon: 15 KB of mostly blank bitmap
        "image/vnd.microsoft.icon",
    }
)

#: Streamed bodies (files sent from disk) larger than this are sent as they are.
MAX_STREAMED_SIZE = 16 * 1024 * 1024


def install_gzip(
    server: Flask, *, minimum_size: int = 1024, level: int = 6, static_level: int = 9
) -> None:
    """Gzip the responses of ``server`` for clients that accept it.

    Parameters
    ----------
    server : flask.Flask
        The app's server (``dash_app.server``).
    minimum_size : int
        Bodies smaller than this many bytes are sent as they are.
    level : int
        Gzip level (1 fastest … 9 smallest) of the responses compressed on each request.
    static_level : int
        Gzip level of the responses compressed once and cached.

    Notes
    -----
    Responses that carry an ``ETag`` or a long ``max-age`` (the JavaScript bundles, the
    assets) are the same on every request: they are compressed once, at
    ``static_level``, and kept in a small in-memory cache (the 64 latest); the others
    (layout, callbacks) are compressed on each request, at ``level``. Files streamed
    from disk (``/assets``) are compressed too, up to :data:`MAX_STREAMED_SIZE`; other
    streamed bodies (unknown length) are left alone. Only complete (200) responses are
    compressed: a 304 has no body, a 206 is a byte range of the plain file.
    """
    cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    @server.after_request
    def _gzip(response: Response) -> Response:
        if (
            response.status_code != 200
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
            or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE
        ):
            return response
        if response.is_streamed and not (
            response.content_length is not None
            and minimum_size <= response.content_length <= MAX_STREAMED_SIZE
        ):
            return response
        etag = response.get_etag()[0]
        # A tagged or long-cached (fingerprinted) body is the same on every request.
        key = (request.path, etag or "") if etag or response.cache_control.max_age else None
        compressed = cache.get(key) if key else None
        if compressed is None:
            response.direct_passthrough = False
            data = response.get_data()
            if len(data) < minimum_size:
                return response
            compressed = gzip.compress(data, compresslevel=static_level if key else level, mtime=0)
            if key:
                cache[key] = compressed
                while len(cache) > 64:
                    cache.popitem(last=False)
        elif hasattr(response.response, "close"):  # a file opened for nothing
            response.response.close()
        response.direct_passthrough = False
        response.set_data(compressed)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(compressed))
        # Byte ranges would be ranges of the plain file, not of this body.
        response.headers.pop("Accept-Ranges", None)
        response.vary.add("Accept-Encoding")
        return response
