"""Where Fresque's data lives: the repository's ``data/`` folder, or ``FRESQUE_DATA_DIR``."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Return the folder holding ``geo/`` and ``ecosystem/``.

    ``FRESQUE_DATA_DIR`` overrides the default, the ``data/`` folder of the source tree.
    """
    return Path(os.environ.get("FRESQUE_DATA_DIR", PROJECT_ROOT / "data"))


def geo_dir() -> Path:
    """Return the folder of the built reference geography (``data/geo``)."""
    return data_dir() / "geo"
