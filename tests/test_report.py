"""The HTML report of a région: self-contained (nothing loaded from anywhere), escaped,
and holding the figures the analysis computes."""

from __future__ import annotations

import base64
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fresque.analysis import compare_regions, network_scope, network_summary
from fresque.cli import main
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.io import Records
from fresque.io.tables import write_csv_dir
from fresque.model import Link, Structure
from fresque.views.maps import format_number_fr

EVIL_NAME = 'Atelier <script>alert("x")</script> & Cie'
EVIL_TEXT = '<img src="https://tracker.example/p.png" onerror="alert(1)">'


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.resources: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.anchors: list[str] = []
        self.tags: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            value = value or ""
            if name in {"src", "href", "srcset", "data", "poster", "background"} and tag != "a":
                self.resources.append((tag, name, value))
            if tag == "a" and name == "href":
                self.anchors.append(value)
            if name == "style":
                self.styles.append(value)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, str, object]:
    """The CLI writes the report of Bretagne on the national dataset plus one structure
    whose name and description try to inject HTML."""
    eco = load_ecosystem()
    records = eco.records
    evil = Structure(
        id="atelier_evil",
        name=EVIL_NAME,
        kind="support_structure",
        dispositifs=["incubateur"],
        stages=["emergence", "creation"],
        territory_level="departement",
        territory_codes=["29"],
        commune_code="29151",
        website="https://atelier.example/?a=1&b=<2>",
        description=EVIL_TEXT,
    )
    link = Link(source="atelier_evil", target="tag29", relation="partners_with")
    folder = tmp_path_factory.mktemp("dataset")
    structures, links = [*records.structures, evil], [*records.links, link]
    write_csv_dir(Records(structures, links), folder)
    out = tmp_path_factory.mktemp("report") / "rapport.html"
    assert main(["report", "--region", "53", "--from", str(folder), "--out", str(out)]) == 0
    same = Ecosystem(structures, links, territories=eco.territories)
    return out, out.read_text(encoding="utf-8"), same


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def test_loads_nothing_from_anywhere(written):
    _, page, _ = written
    parsed = _parse(page)
    assert "script" not in parsed.tags  # no script at all
    remote = [r for r in parsed.resources if not r[2].startswith(("data:", "#"))]
    assert remote == []
    assert not any("url(" in style for style in parsed.styles)
    assert "@import" not in page and "url(http" not in page
    # Addresses only appear in the text, as links.
    for tag, _, value in parsed.resources:
        assert not re.match(r"\s*(https?:)?//", value), (tag, value)


def test_images_are_embedded_pngs(written):
    _, page, _ = written
    images = [v for tag, name, v in _parse(page).resources if tag == "img" and name == "src"]
    assert len(images) == 4  # coverage, accessibility, France, network
    for uri in images:
        assert uri.startswith("data:image/png;base64,")
        assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_user_text_is_escaped(written):
    _, page, _ = written
    assert "<script>" not in page
    assert EVIL_TEXT not in page
    assert not any("tracker" in value for _, _, value in _parse(page).resources)
    assert "Atelier &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Cie" in page
    # The website is a link in the text, with its & and <> escaped.
    assert 'href="https://atelier.example/?a=1&amp;b=&lt;2&gt;"' in page


def test_key_numbers_appear(written):
    _, page, eco = written
    nbsp = "\u00a0"
    assert "Bretagne" in page
    assert f"3{nbsp}449{nbsp}370" in page  # the population of Bretagne
    summary = network_summary(network_scope(eco, "53"))
    assert f'<div class="value">{int(summary["structures"])}</div>' in page
    assert f'<div class="value">{int(summary["links"])}</div>' in page
    row = compare_regions(eco).loc["53"]
    assert format_number_fr(row["offers_per_100k"], 2) in page
    # The regional network lists the injected structure among the single-link ones.
    assert "un seul lien" in page
    # Scaling has no local offer anywhere in Bretagne: it tops the ranked gap table.
    assert "Changement d’échelle" in page and "Aucune offre" in page
    # Every région is compared, Bretagne highlighted.
    assert page.count('<tr class="highlight">') == 1
    assert "Provence-Alpes-Côte d&#39;Azur" in page


def test_size_is_mailable(written):
    path, _, _ = written
    assert path.stat().st_size < 3_000_000


def test_unknown_region(tmp_path, capsys):
    assert main(["report", "--region", "99", "--out", str(tmp_path / "r.html")]) == 2
    assert "99" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def _in_fresh_thread(function):
    """Run ``function`` in a new thread: Playwright's sync API refuses a thread whose
    asyncio loop is running (the browser tests keep one open for the session)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


@pytest.mark.browser
def test_opens_in_chromium_without_any_request(written):
    chromium = shutil.which(os.environ.get("FRESQUE_CHROMIUM", "/usr/bin/chromium"))
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium manquant")
        pytest.skip("Chromium manquant")
    from playwright.sync_api import sync_playwright

    path, _, _ = written
    requests: list[str] = []

    def browse() -> bool:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            try:
                page = browser.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.goto(path.as_uri())
                loaded = page.evaluate(
                    "Array.from(document.images).every(i => i.complete && i.naturalWidth > 100)"
                )
            finally:
                browser.close()
        return loaded

    loaded = _in_fresh_thread(browse)
    assert loaded
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
