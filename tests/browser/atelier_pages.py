"""How a browser test reaches an Atelier screen as a given member.

Every Atelier browser test opens screens through these two functions, so that how a
secret token reaches the page is written in one place: a link to the entry page with the
token in its fragment (``/atelier/entrer#t=TOKEN``), which trades it for the device's
HttpOnly cookie and replaces itself with ``/atelier`` (``?vue=tableau``: the board).
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: The cookie of who the device is in its workshop (participant, facilitator, viewer).
MEMBER_COOKIE = "fresque_atelier"
#: The cookie of a projector's or shared screen's display-only token.
SCREEN_COOKIE = "fresque_ecran"


def open_as(page, base: str, token: str, vue: str | None = None) -> None:
    """Open the Atelier at ``base`` in ``page`` as the member whose token is ``token``
    (``vue="tableau"``: the projector board), as a link handed to that device does."""
    page.goto(f"{base}/atelier/entrer" + (f"?vue={vue}" if vue else "") + f"#t={token}")
    page.wait_for_url(lambda url: urlsplit(url).path.endswith("/atelier"), timeout=20_000)


def token_of(page, cookie: str = MEMBER_COOKIE) -> str:
    """The token the device of ``page`` holds (after a join, a creation or
    :func:`open_as`): its HttpOnly cookie, which scripts of the page cannot read."""
    values = [c["value"] for c in page.context.cookies() if c["name"] == cookie]
    assert values, f"no {cookie} cookie on this device"
    return values[0]
