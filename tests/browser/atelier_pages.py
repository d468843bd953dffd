"""How a browser test runs the Atelier and reaches its screens as a given member.

Every Atelier browser test opens screens through :func:`open_as` and :func:`token_of`, so
that how a secret token reaches the page is written in one place: a link to the entry page
with the token in its fragment (``/atelier/entrer#t=TOKEN``), which trades it for the
device's HttpOnly cookie and replaces itself with ``/atelier`` (``?vue=tableau``: the
board). :func:`atelier_app` serves the app on a fresh workshop store, :func:`devices`
opens pages each in a browser context of its own (a device).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from browser.servers import serve

GEO_MINI = Path(__file__).resolve().parents[1] / "data" / "geo_mini"
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}

#: The cookie of who the device is in its workshop (participant, facilitator, viewer).
MEMBER_COOKIE = "fresque_atelier"
#: The cookie of a projector's or shared screen's display-only token.
SCREEN_COOKIE = "fresque_ecran"


def open_as(page, base: str, token: str, vue: str | None = None) -> None:
    """Open the Atelier at ``base`` in ``page`` as the member whose token is ``token``
    (``vue="tableau"``: the projector board), as a link handed to that device does."""
    page.goto(f"{base}/atelier/entrer" + (f"?vue={vue}" if vue else "") + f"#t={token}")
    page.wait_for_url(lambda url: urlsplit(url).path.endswith("/atelier"), timeout=20_000)


def join(page, base: str, code: str, nickname: str) -> None:
    """Join the workshop of ``code`` from the page as a participant does; the token ends
    in the device's cookie, never in the address."""
    page.goto(f"{base}/atelier")
    page.fill("#atl-join-code", code)
    page.fill("#atl-join-nick", nickname)
    page.click("#atl-join-go")
    page.wait_for_selector("#atl-f-name", timeout=20_000)
    assert token_of(page) not in page.url


def capture_saves(page) -> list[str]:
    """The list the bodies of the page's card saves (Dash requests of the form) will be
    appended to, to replay them."""
    captured: list[str] = []
    page.on(
        "request",
        lambda r: (
            captured.append(r.post_data)
            if "_dash-update-component" in r.url and "atl-p-save" in (r.post_data or "")
            else None
        ),
    )
    return captured


def token_of(page, cookie: str = MEMBER_COOKIE) -> str:
    """The token the device of ``page`` holds (after a join, a creation or
    :func:`open_as`): its HttpOnly cookie, which scripts of the page cannot read."""
    values = [c["value"] for c in page.context.cookies() if c["name"] == cookie]
    assert values, f"no {cookie} cookie on this device"
    return values[0]


@contextmanager
def atelier_app(folder: Path, dataset_dir: Path | None = None) -> Iterator[tuple[str, object]]:
    """The app on a free port of 127.0.0.1 with a fresh workshop store in ``folder``
    (SQLite, the small geography of ``tests/data/geo_mini``; merges write into
    ``dataset_dir`` when given); yields (base URL, service)."""
    from fresque.app import create_app
    from fresque.app.pages.atelier import install_service
    from fresque.geo.territories import Territories
    from fresque.store import WorkshopService
    from fresque.store.db import make_engine

    service = WorkshopService(
        make_engine(f"sqlite:///{folder / 'atelier.db'}"),
        territories=Territories.load(GEO_MINI),
        dataset_dir=dataset_dir,
    )
    app = create_app()
    install_service(app.server, service)
    with serve(app) as base:
        yield base, service


@contextmanager
def devices(browser, viewport: dict = PHONE, *, console: bool = True, requests=None):
    """Yield ``new(viewport=...)``, which opens a page in a browser context of its own (a
    device). Each page records its script errors in ``page.errors`` (and the console's
    errors with ``console``), the addresses its frame showed in ``page.addresses``, and
    every request's URL in the list ``requests`` when given. The contexts close at the
    end."""
    made = []

    def new(viewport: dict = viewport):
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        page = context.new_page()
        page.errors, page.addresses = [], []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        if console:
            page.on(
                "console",
                lambda m: page.errors.append(m.text) if m.type == "error" else None,
            )
        page.on("framenavigated", lambda frame: page.addresses.append(frame.url))
        if requests is not None:
            page.on("request", lambda request: requests.append(request.url))
        made.append(context)
        return page

    try:
        yield new
    finally:
        for context in made:
            context.close()
