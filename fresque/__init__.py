"""Fresque: map the French ESS support ecosystem as a network and as territorial coverage."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fresque")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
