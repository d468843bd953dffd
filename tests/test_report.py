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
from fresque.coverage import STATUS_ORDER
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.i18n import label
from fresque.io import Records
from fresque.io.tables import write_csv_dir
from fresque.model import CoverageStatus, Link, Structure
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
    assert len(images) == 5  # coverage, accessibility (sure, maybe), France, network
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
    analysed = f"{int(summary['structures'])} structures · {int(summary['links'])} liens"
    assert f'<div class="value">{analysed}</div>' in page
    row = compare_regions(eco).loc["53"]
    assert format_number_fr(row["offers_per_100k"], 2) in page
    # The regional network lists the injected structure among the single-link ones.
    assert "un seul lien" in page
    # Scaling has no local offer anywhere in Bretagne: it tops the ranked gap table.
    assert "Changement d’échelle" in page and label(CoverageStatus.GAP) in page
    # Every région is compared, Bretagne highlighted.
    assert page.count('<tr class="highlight">') == 1
    assert "Provence-Alpes-Côte d&#39;Azur" in page


def _figure(page: str, what_starts: str) -> str:
    """The value of the key figure whose text starts with ``what_starts``."""
    found = re.search(
        r'<div class="value">([^<]*)</div><div class="what">' + re.escape(what_starts), page
    )
    assert found, what_starts
    return found.group(1)


def _text_only(page: str) -> str:
    """The page without its embedded images (base64 could hold any short word)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)


def test_network_counts_are_those_of_the_reseau_page(written):
    """Issue #12 §5: the app's Réseau page shows 56 structures and 74 links for Bretagne,
    the report showed 24 and 40 without saying why. Both are given, each with what it
    counts, and the app's figure is computed the way the Réseau page computes it."""
    from fresque.app.state import ViewState, filter_arguments
    from fresque.views.network import network_index

    _, page, eco = written
    state = ViewState(region="53")
    view = network_index(eco).view(**filter_arguments(state), relations=state.relations)
    shown = f"{len(view)} structures · {view.n_links} liens"
    assert _figure(page, "Page Réseau de l’application filtrée sur Bretagne") == shown
    national = int(eco.national.sum())
    assert f"tous les acteurs nationaux ({national})" in page
    scope = network_scope(eco, "53")
    analysed = f"{len(scope)} structures · {len(scope.links)} liens"
    assert _figure(page, "Réseau analysé dans ce rapport : ") == analysed
    # And the network section says it in words, with the same numbers.
    assert (
        f"Le réseau analysé ici compte {len(scope)} structures et {len(scope.links)} liens" in page
    )
    assert f"en montre {len(view)}\n  et {view.n_links} liens" in page


def test_status_colours_and_labels_are_the_apps(written):
    """One palette: the report's colours are the app's coverage map's, partial shades
    included, for every status of STATUS_ORDER (none written out in the report)."""
    from fresque import report
    from fresque.views import coverage_map

    _, page, _ = written
    legend = report.status_legend()
    assert [e["color"] for e in legend] == [
        coverage_map.STATUS_COLORS[s.value] for s in STATUS_ORDER
    ]
    scale = coverage_map._discrete_scale()  # what the app's map draws category i with
    for status in STATUS_ORDER:
        for partial in (False, True):
            category = coverage_map.status_category(status.value, partial)
            assert report.status_fills([status.value], [partial]) == [scale[2 * category][1]]
    legend = re.search(r'<ul class="legend"[^>]*>(.*?)</ul>', page, re.S)
    assert legend
    items = re.findall(r"<li>(.*?)</li>", legend.group(1), re.S)
    assert len(items) == len(STATUS_ORDER)
    for item, status in zip(items, STATUS_ORDER, strict=True):
        assert coverage_map.STATUS_COLORS[status.value] in item
        assert item.strip().endswith(label(status))
    assert "#b2182b" not in page  # the report's own red of before


def test_offers_are_named_not_identified(written):
    _, page, eco = written
    text = _text_only(page)
    local = eco.filter(territory=("region", "53"))
    ids = [sid for sid in local.structures.index if sid not in local.structures["name"].values]
    leaked = [sid for sid in ids if re.search(rf"\b{re.escape(sid)}\b", text)]
    assert leaked == []
    # The ranked gaps name their offers: the only idéation offer of the Morbihan is the
    # regional Fabrique (fai_bretagne).
    rows = [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", text, re.S)]
    assert any(
        "<td>Morbihan</td> <td>Idéation</td>" in row
        and "<td>Fabriques à initiatives – TAg BZH (Révélateur)</td>" in row
        for row in rows
    )


def test_distances_count_what_is_known(written):
    """Issue #12 §5: "Morbihan 100 % beyond 30 km" came from TAg56 having no commune.
    Nothing in Bretagne is surely beyond 30 km; what is unknown is said, and the offers
    that make it unknown are named."""
    from fresque.access import nearest_offers, population_beyond
    from fresque.model import Stage

    _, page, eco = written
    near = nearest_offers(eco, stage=[s.value for s in Stage])
    region = population_beyond(near, [30], level="region", territories=eco.territories).loc["53"]
    beyond = _figure(page, "Population à plus de 30\u00a0km de toute offre, à coup sûr")
    maybe = _figure(page, "Population peut-être à plus de 30\u00a0km")
    assert beyond == f"{format_number_fr(100 * region['share_beyond_30km'], 0)}\u00a0%"
    assert maybe == f"{format_number_fr(100 * region['share_unknown_30km'], 0)}\u00a0%"
    assert region["share_beyond_30km"] == 0 and region["share_unknown_30km"] > 0.5
    section = page[page.index('<section id="acces">') : page.index('<section id="reseau">')]
    morbihan = re.search(r"<td>Morbihan</td>(.*?)</tr>", section, re.S)
    assert morbihan
    cells = re.findall(r">([^<]*)</td>", morbihan.group(1))
    # Habitants, at an unknown distance, then sure / maybe beyond 20, 30, 50 km.
    assert cells[:2] == ["783\u00a0390", "783\u00a0390"]
    assert cells[3] == "0\u00a0% / 100\u00a0%"
    assert "TAg56" in re.search(r"sans commune connue.*?</ul>", section, re.S).group(0)


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
