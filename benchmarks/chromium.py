"""How Fresque drives Debian's Chromium, for the browser tests and the benchmarks alike.

Playwright launches the system binary (``/usr/bin/chromium``, or ``FRESQUE_CHROMIUM``):
``playwright install`` is never needed, and nothing is downloaded. The flags keep the
browser quiet and offline: no background requests, no component updates, no QUIC.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING_CHROMIUM = "Chromium manquant : sudo apt-get install -y chromium"


def chromium_path() -> Path | None:
    """The Chromium binary to drive, or ``None`` when there is none."""
    candidate = os.environ.get("FRESQUE_CHROMIUM", "/usr/bin/chromium")
    resolved = shutil.which(candidate)
    return Path(resolved) if resolved else None
