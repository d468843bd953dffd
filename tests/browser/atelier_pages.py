"""How a browser test reaches an Atelier screen as a given member.

Every Atelier browser test opens screens through these two functions, so that how a
secret token reaches the page (today: the address) is written in one place.
"""

from __future__ import annotations

import re


def open_as(page, base: str, token: str, vue: str | None = None) -> None:
    """Open the Atelier at ``base`` in ``page`` as the member whose token is ``token``
    (``vue="tableau"``: the projector board)."""
    page.goto(f"{base}/atelier?t={token}" + (f"&vue={vue}" if vue else ""))


def token_of(page) -> str:
    """The token the Atelier page ``page`` runs with (after a join or a creation)."""
    return re.search(r"t=([^&]+)", page.url).group(1)
