"""The offline pyvis page: no remote resource, escaped text, fixed positions, and a real
browser that draws it without any request."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser

import pytest

from benchmarks.chromium import CHROMIUM_ARGS, MISSING_CHROMIUM, chromium_path
from fresque.analysis import example_ecosystem
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories
from fresque.model import Link, Structure
from fresque.views.pyvis_export import (
    PHYSICS_LIMIT,
    network_html,
    node_tooltip,
    strip_remote_resources,
    write_network_html,
)

EVIL = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>'


class _Resources(HTMLParser):
    """Collects the src/href of script, link, img, iframe tags."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if tag in {"script", "link", "img", "iframe"} and name in {"src", "href"}:
                self.urls.append((tag, value or ""))


def _dataset(page: str, name: str) -> dict:
    """The nodes or edges vis-network receives, by id (or by position for edges)."""
    match = re.search(rf"{name} = new vis\.DataSet\((\[.*?\])\);", page, flags=re.S)
    items = json.loads(match.group(1))
    return {item.get("id", i): item for i, item in enumerate(items)}


def _resources(page: str) -> _Resources:
    parser = _Resources()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def evil() -> Ecosystem:
    territories = Territories.load("tests/data/geo_mini")
    return Ecosystem(
        [
            Structure(id="bad", name=f"Mal {EVIL}", kind="network", territory_level="country",
                      description=f"Décrit {EVIL}"),
            Structure(id="good", name="Bien & bon", kind="funder", territory_level="country",
                      status="expected"),
        ],
        [Link(source="good", target="bad", relation="funds", description=EVIL)],
        territories=territories,
    )  # fmt: skip


def test_no_remote_resource():
    page = network_html(example_ecosystem())
    found = _resources(page)
    remote = [(tag, url) for tag, url in found.urls if re.match(r"(https?:)?//", url)]
    assert remote == []
    assert "bootstrap" not in page.lower()
    assert "vis.Network" in page and "vis-network" in page  # the library is inlined
    assert page.startswith("<!DOCTYPE html>")


def test_strip_remote_resources_keeps_inline_scripts():
    page = (
        '<head><link\n  href="https://cdn.jsdelivr.net/x.css"\n  rel="stylesheet"\n/>'
        '<script\n src="https://cdn.jsdelivr.net/x.js"\n integrity="sha"\n></script>'
        '<link rel="stylesheet" href="local.css"><script>var x = "https://a";</script></head>'
    )
    assert strip_remote_resources(page) == (
        '<head><link rel="stylesheet" href="local.css"><script>var x = "https://a";</script></head>'
    )


def test_user_text_is_escaped_everywhere(evil):
    page = network_html(evil, title=f"Titre {EVIL}", subtitle=EVIL)
    # No tag of the user's text survives anywhere in the page: in the header it is
    # escaped, in the node data it goes through tojson (\u003c…).
    assert "alert(1)" in page
    assert '<img src=x onerror="alert(1)">' not in page
    assert "<script>alert(2)</script>" not in page
    found = _resources(page)
    assert "img" not in found.tags
    assert "Titre &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_tooltip_is_escaped_html():
    tip = node_tooltip(
        {"name": EVIL, "kind": "funder", "dispositifs": ["cae"], "stages": [],
         "status": "expected", "description": "x" * 400, "website": "https://a.fr/?a=1&b=2"}
    )  # fmt: skip
    assert "<img" not in tip and "<script" not in tip
    assert tip.startswith("<b>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
    assert "<br>Coopérative d’activité et d’emploi (CAE)<br>" in tip
    assert "<i>À identifier</i>" in tip
    assert "x" * 280 not in tip and "x" * 279 + "…" in tip  # description shortened
    assert "a=1&amp;b=2" in tip


def test_positions_given_and_physics_by_size():
    eco = example_ecosystem()
    page = network_html(eco, positions={"hub": (10, 20)})
    nodes = _dataset(page, "nodes")
    assert (nodes["hub"]["x"], nodes["hub"]["y"]) == (10.0, 20.0)
    assert all("x" in node and "y" in node for node in nodes.values())
    assert '"enabled": true' in page  # 8 structures: physics on
    still = network_html(eco, physics=False)
    assert '"enabled": false' in still
    national = load_ecosystem()
    assert len(national) > PHYSICS_LIMIT
    big = network_html(national, layout="board")
    assert '"enabled": false' in big
    placed = _dataset(big, "nodes")
    assert len(placed) == len(national)
    assert all(isinstance(node["x"], float) for node in placed.values())


def test_same_data_same_page():
    eco = example_ecosystem()
    assert network_html(eco) == network_html(eco)


def test_unknown_layout():
    with pytest.raises(ValueError, match="disposition"):
        network_html(example_ecosystem(), layout="circle")


def test_write(tmp_path):
    path = write_network_html(example_ecosystem(), tmp_path / "reseau.html", title="Essai")
    text = path.read_text(encoding="utf-8")
    assert "<title>Essai</title>" in text


def _in_fresh_thread(function):
    """Run ``function`` in a new thread: Playwright's sync API refuses a thread whose
    asyncio loop is running (the browser tests keep one open for the session)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


@pytest.mark.browser
def test_opens_offline_in_chromium(tmp_path, evil):
    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING_CHROMIUM)
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    path = write_network_html(evil, tmp_path / "reseau.html")
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []

    def browse() -> tuple[list[str], str, str]:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(path.as_uri())
                page.wait_for_function("typeof network !== 'undefined' && network !== null")
                positions = page.evaluate("Object.keys(network.getPositions()).sort()")
                tip = page.evaluate("nodes.get('bad').title.innerHTML")
                tip_text = page.evaluate("nodes.get('bad').title.textContent")
                assert page.locator("canvas").count() == 1
                return positions, tip, tip_text
            finally:
                browser.close()

    positions, tip, tip_text = _in_fresh_thread(browse)
    assert positions == ["bad", "good"]
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert errors == [] and dialogs == []
    assert "<b>" in tip and "&lt;img" in tip  # formatted, and the user text stays text
    assert '<img src=x onerror="alert(1)">' in tip_text
