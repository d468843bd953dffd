"""Fresque: map the French ESS support ecosystem as a network and as territorial coverage.

The public API is :func:`load_ecosystem` and :class:`Ecosystem` (imported on first use, so
``import fresque`` stays light for the command line).

Examples
--------
>>> from fresque import load_ecosystem
>>> eco = load_ecosystem()
>>> eco.serving("29151").contains[:2]
['adess_morlaix', 'cress_bre']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("fresque")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem, load_ecosystem

__all__ = ["Ecosystem", "__version__", "load_ecosystem"]


def __getattr__(name: str) -> Any:
    if name in ("Ecosystem", "load_ecosystem"):
        from fresque import ecosystem

        return getattr(ecosystem, name)
    raise AttributeError(f"module 'fresque' has no attribute {name!r}")
