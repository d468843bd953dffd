"""Gzip the app's responses without an extra dependency.

The map's figure JSON is dominated by its GeoJSON (hundreds of kilobytes, a third of that
once gzipped) and plotly.js weighs 4.8 MB (1.4 MB gzipped), so compressing pays off on
workshop Wi-Fi. ``flask-compress`` would do it; this is the few lines we need.
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
    }
)


def install_gzip(server: Flask, *, minimum_size: int = 1024, level: int = 6) -> None:
    """Gzip the responses of ``server`` for clients that accept it.

    Parameters
    ----------
    server : flask.Flask
        The app's server (``dash_app.server``).
    minimum_size : int
        Bodies smaller than this many bytes are sent as they are.
    level : int
        Gzip level (1 fastest … 9 smallest).

    Notes
    -----
    Responses that carry an ``ETag`` or a long ``max-age`` (the JavaScript bundles, the
    assets) are compressed once and kept in a small in-memory cache; the others (layout,
    callbacks) are compressed on each request.
    """
    cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    @server.after_request
    def _gzip(response: Response) -> Response:
        if (
            response.status_code != 200
            or response.is_streamed
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
            or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE
        ):
            return response
        response.direct_passthrough = False
        etag = response.get_etag()[0]
        # A tagged or long-cached (fingerprinted) body is the same on every request.
        key = (request.path, etag or "") if etag or response.cache_control.max_age else None
        compressed = cache.get(key) if key else None
        if compressed is None:
            data = response.get_data()
            if len(data) < minimum_size:
                return response
            compressed = gzip.compress(data, compresslevel=level, mtime=0)
            if key:
                cache[key] = compressed
                while len(cache) > 64:
                    cache.popitem(last=False)
        response.set_data(compressed)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(compressed))
        response.vary.add("Accept-Encoding")
        return response
