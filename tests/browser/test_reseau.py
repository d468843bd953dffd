"""Réseau page journeys: the network renders offline, filters, selection, layouts,
language, links that reproduce the view, and names that stay text.

Expected counts come from the core (``Ecosystem.filter``), never hard-coded. Positions
and counts are read from the Cytoscape instance, which Cytoscape registers on its
container (``container._cyreg.cy``).
"""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from browser.dropdowns import choose
from browser.servers import serve
from browser.settle import layout_run, wait_for_network
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.i18n import label
from fresque.model import STAGE_ORDER, Kind, Link, Structure, stages_served

pytestmark = pytest.mark.browser

CY = "document.getElementById('net-graph')._cyreg.cy"
CY_READY = """() => {
  const c = document.getElementById('net-graph');
  return !!(c && c._cyreg && c._cyreg.cy && c._cyreg.cy.nodes('.structure').length > 0);
}"""
XSS_NAME = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2"> « L’Écho » 🌱'


@pytest.fixture(scope="module")
def eco() -> Ecosystem:
    return load_ecosystem()


def open_reseau(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(CY_READY, timeout=30_000)


def node_ids(page) -> list[str]:
    return page.evaluate(f"{CY}.nodes('.structure').map(n => n.id())")


def wait_for_count(page, count: int) -> None:
    page.wait_for_function(
        f"() => {{ try {{ return {CY}.nodes('.structure').length === {count}; }}"
        " catch (e) { return false; } }",
        timeout=20_000,
    )


def click_node(page, sid: str) -> None:
    """Zoom on a node, centre it, and click it like a user would."""
    point = page.evaluate(
        f"""(sid) => {{
          const cy = {CY};
          const node = cy.getElementById(sid);
          cy.zoom(1.5);
          cy.center(node);
          const p = node.renderedPosition();
          const box = cy.container().getBoundingClientRect();
          return {{x: box.left + p.x, y: box.top + p.y}};
        }}""",
        sid,
    )
    page.mouse.click(point["x"], point["y"])


def type_and_pick(page, text: str) -> None:
    """In an open dcc.Dropdown, type ``text`` and pick the first option once it matches."""
    # With a value chosen, the open list focuses that option: go to the search box.
    page.focus(".dash-dropdown-content .dash-dropdown-search")
    page.keyboard.type(text)
    page.wait_for_function(
        """(text) => {
          const first = document.querySelector('.dash-dropdown-content [role=option]');
          return first && first.innerText.toLowerCase().includes(text.toLowerCase());
        }""",
        arg=text,
    )
    page.keyboard.press("Enter")


def detail_title(page, text: str) -> None:
    page.wait_for_function(
        "(text) => { const h = document.getElementById('net-detail-title');"
        " return h && h.innerText === text; }",
        arg=text,
        timeout=20_000,
    )


# ------------------------------------------------------------------------------ journeys


def test_network_renders_every_structure_offline(page, page_log, app_url, eco):
    open_reseau(page, app_url)
    assert sorted(node_ids(page)) == sorted(eco.structures.index)
    assert page.evaluate(f"{CY}.edges('.link').length") == len(eco.links)
    assert page.inner_text("#net-count") == f"{len(eco)} structures · {len(eco.links)} liens"
    assert page.locator("h1").inner_text() == "Fresque de l’accompagnement de l’ESS"
    assert page.locator(".nav-link.active").inner_text() == "Réseau"
    # Expected structures are dashed, defunct ones grey.
    styles = page.evaluate(
        f"""() => {{
          const cy = {CY};
          const first = (status) => cy.nodes('.status-' + status)[0];
          return {{
            expected: first('expected').style('border-style'),
            defunct: first('defunct').style('background-color'),
            active: first('active').style('border-style'),
          }};
        }}"""
    )
    assert styles["expected"] == "dashed" and styles["active"] == "solid"
    assert styles["defunct"] == "rgb(158,158,158)"
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


def test_clicking_a_structure_opens_its_detail(page, page_log, app_url, eco):
    sid = "cress_bre"
    record = eco.get(sid)
    assert record.source_urls
    open_reseau(page, app_url)
    click_node(page, sid)
    detail_title(page, record.name)
    hrefs = page.eval_on_selector_all(
        "#net-detail .detail-sources a", "links => links.map(a => a.href)"
    )
    assert hrefs == record.source_urls
    assert all(
        page.eval_on_selector_all(
            "#net-detail .detail-sources a", "ls => ls.map(a => a.target === '_blank')"
        )
    )
    panel = page.inner_text("#net-detail")
    assert "Confiance" in panel and "Vérifiée le" in panel and "Territoire servi" in panel
    assert "Bretagne (53)" in panel
    # Its links, grouped by relation, each a button that opens the other structure.
    neighbour = eco.neighbors(sid)[0]
    page.locator(f"#net-detail button:has-text({eco.get(neighbour).name!r})").first.click()
    detail_title(page, eco.get(neighbour).name)
    assert f"sel={neighbour}" in page.url
    assert page_log.errors == []


def test_fresque_board_reads_stages_left_to_right(page, app_url, eco):
    open_reseau(page, f"{app_url}/reseau?layout=force")
    with layout_run(page, "net-graph", "board"):
        page.locator("#net-layout").get_by_text("Fresque (étapes × types)").click()
    page.wait_for_function(f"() => !!{CY}.getElementById('board:column:ideation').nonempty()")
    positions = page.evaluate(f"{CY}.nodes('.structure').map(n => [n.id(), n.position('x')])")
    x = dict(positions)
    assert set(x) == set(eco.structures.index)
    columns: dict[int, list[float]] = {}
    for sid, row in eco.structures.iterrows():
        stages = stages_served(row["stages"], row["dispositifs"])
        if stages:
            first = min(STAGE_ORDER.index(s) for s in stages)
            columns.setdefault(first, []).append(x[sid])
    order = sorted(columns)
    assert len(order) == len(STAGE_ORDER)
    for before, after in itertools.pairwise(order):
        assert max(columns[before]) < min(columns[after]), (before, after)
    assert "layout=force" not in page.url  # the board is the default: left out of the URL


def test_filter_by_region_matches_the_core(page, page_log, app_url, eco):
    expected = eco.filter(territory=("region", "53"))
    assert 0 < len(expected) < len(eco)
    open_reseau(page, app_url)
    choose(page, "net-region", "Bretagne")
    wait_for_count(page, len(expected))
    assert sorted(node_ids(page)) == sorted(expected.structures.index)
    assert "region=53" in page.url
    # Département options narrow to the région's.
    page.click("#net-departement")
    options = page.locator("[role=option]:visible").all_inner_texts()
    page.keyboard.press("Escape")
    assert {"29 – Finistère", "56 – Morbihan"} <= set(options)
    assert not any(option.startswith("75 ") for option in options)
    # The back button restores the previous view, and forward the filtered one.
    page.go_back()
    wait_for_count(page, len(eco))
    assert page.inner_text("#net-region") == "Tous"
    page.go_forward()
    wait_for_count(page, len(expected))
    assert page.inner_text("#net-region") == "Bretagne"
    # "Clear filters" clears them.
    page.click("#net-reset")
    wait_for_count(page, len(eco))
    assert "region=" not in page.url
    assert page_log.errors == []


def test_switching_to_english(page, page_log, app_url, eco):
    open_reseau(page, f"{app_url}/reseau?kind=chamber")
    page.evaluate(f"() => {{ window.graphBefore = {CY}; }}")  # returns nothing to serialise
    page.click("#lang-link")
    page.wait_for_function("document.querySelector('h1').innerText === 'ESS support ecosystem map'")
    page.wait_for_function(CY_READY)
    page.wait_for_function("document.querySelector('#net-filters summary').innerText === 'Filters'")
    # The graph stayed mounted (a new one per switch raced with the destroyed one's
    # handlers in dash-cytoscape 1.0.2); its tooltips and board labels follow.
    assert page.evaluate(f"{CY} === window.graphBefore")
    tips = page.evaluate(f"{CY}.nodes('.structure').map(n => n.data('tip'))")
    chamber = label(Kind.CHAMBER, "en")
    assert tips and all(chamber in tip for tip in tips), tips[:2]
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "ESS support ecosystem map"
    assert page.locator(".nav-link.active").inner_text() == "Network"
    assert page.locator("#lang-link").inner_text() == "Français"
    text = page.inner_text(".reseau")
    for english in ("Filters", "Layout", "Kind of actor", "Minimum confidence", "Legend"):
        assert english in text
    assert "Filtres" not in text
    assert page.evaluate(f"{CY}.getElementById('board:column:ideation').data('label')") == (
        "1. Ideation"
    )
    # Same view, other language.
    assert "lang=en" in page.url and "kind=chamber" in page.url
    wait_for_count(page, len(eco.filter(kinds="chamber")))
    assert page.inner_text("#net-count").endswith("links")
    assert page_log.errors == []


def test_a_copied_link_reproduces_the_view(browser, page, app_url, eco):
    shown = eco.filter(territory=("region", "53"), kinds="network")
    target = shown.structures.sort_values("name").iloc[0]
    open_reseau(page, app_url)
    choose(page, "net-region", "Bretagne")
    wait_for_count(page, len(eco.filter(territory=("region", "53"))))
    page.locator("#net-kinds").get_by_text("Réseau", exact=True).click()
    wait_for_count(page, len(shown))
    page.locator("#net-layout").get_by_text("Cercles par type").click()
    choose(page, "net-search", target["name"])
    detail_title(page, target["name"])
    page.wait_for_function(f"() => location.search.includes('sel={target.name}')")
    link = page.url
    assert "region=53" in link and "kind=network" in link and "layout=concentric" in link
    before = page.evaluate(f"{CY}.nodes('.structure').map(n => [n.id(), n.position()])")

    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        copy = other.new_page()
        open_reseau(copy, link)
        detail_title(copy, target["name"])
        after = copy.evaluate(f"{CY}.nodes('.structure').map(n => [n.id(), n.position()])")
        assert sorted(map(str, after)) == sorted(map(str, before))
        assert copy.inner_text("#net-region") == "Bretagne"
        assert copy.locator("#net-kinds input[value=network]").is_checked()
        assert copy.locator("#net-layout input[value=concentric]").is_checked()
    finally:
        other.close()


def test_keyboard_search_then_detail_links(page, app_url, eco):
    open_reseau(page, app_url)
    page.wait_for_selector("#net-search")
    # From the header, Tab reaches the search box first.
    page.focus("#lang-link")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "net-search"
    page.keyboard.press("Enter")
    type_and_pick(page, "Avise")
    detail_title(page, "Avise")
    # Tab to the first structure named in the panel, open it with the keyboard.
    first = page.locator("#net-detail .link-button").first
    name = first.inner_text()
    first.focus()
    page.keyboard.press("Enter")
    detail_title(page, name)
    assert page.evaluate("document.activeElement.id") == "net-detail-title"


def test_focus_shows_the_neighbourhood(page, app_url, eco):
    open_reseau(page, f"{app_url}/reseau?sel=tag29&focus=1")
    expected = eco.ego("tag29", 1)
    wait_for_count(page, len(expected))
    assert sorted(node_ids(page)) == sorted(expected.structures.index)
    page.locator("#net-focus").get_by_text("2 liens").click()
    wait_for_count(page, len(eco.ego("tag29", 2)))


@pytest.mark.parametrize(
    ("width", "height", "name"),
    [
        (1920, 1080, "/tmp/fresque_reseau_1920x1080.png"),
        (390, 844, "/tmp/fresque_reseau_390x844.png"),
    ],
)
def test_projector_and_phone_layouts(browser, app_url, width, height, name):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    try:
        page = context.new_page()
        open_reseau(page, f"{app_url}/reseau?sel=cress_bre")
        detail_title(page, "CRESS Bretagne")
        # The dropdowns, loaded on demand, take their room above the graph; the graph
        # takes the room left, brings the structure into view, the filters fold on a phone.
        expect(page.locator("#net-search")).to_be_visible()
        wait_for_network(page, "net-graph", shown="cress_bre")
        page.screenshot(path=name)
        sizes = page.evaluate(
            """() => ({
              scroll: document.documentElement.scrollWidth,
              graph: document.getElementById('net-graph').getBoundingClientRect(),
              detail: document.getElementById('net-detail').getBoundingClientRect(),
            })"""
        )
        assert sizes["scroll"] <= width  # nothing sticks out sideways
        assert sizes["graph"]["width"] > 0.5 * width
        assert sizes["graph"]["height"] > 0.45 * height
        if width >= 1200:  # projector: controls, graph and detail side by side
            assert sizes["detail"]["right"] <= width
            assert sizes["detail"]["top"] < 0.2 * height
            assert page.locator("#net-filters").get_attribute("open") is not None
        else:  # phone: the graph first, the detail below it, the filters folded
            assert sizes["detail"]["top"] >= sizes["graph"]["bottom"]
            assert page.locator("#net-filters").get_attribute("open") is None
    finally:
        context.close()


def test_names_render_as_text_everywhere(browser):
    from fresque.app import create_app
    from fresque.geo.territories import default_territories

    structures = [
        Structure(
            id="xss",
            name=XSS_NAME,
            kind="network",
            territory_level="region",
            territory_codes=["53"],
            stages=["ideation"],
            description='<b>gras</b> & "guillemets" <script>window.__xss=3</script>',
            source_urls=["https://example.org/a?b=1&c=<2>"],
            confidence="high",
        ),
        Structure(
            id="other",
            name="Autre « structure »",
            kind="funder",
            territory_level="country",
        ),
    ]
    links = [Link(source="other", target="xss", relation="funds")]
    eco = Ecosystem(structures, links, territories=default_territories())
    with serve(create_app(eco)) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        requests: list[str] = []
        try:
            page = context.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: requests.append(request.url))
            open_reseau(page, f"{url}/reseau?sel=xss")
            detail_title(page, XSS_NAME)
            assert page.evaluate(f"{CY}.getElementById('xss').data('label')") == XSS_NAME
            panel = page.inner_text("#net-detail")
            assert '<b>gras</b> & "guillemets"' in panel
            assert page.inner_text("#net-search") == XSS_NAME
            # Hover shows the name as text too.
            # (a function that returns nothing: Playwright would serialise the collection
            # emit() returns, Cytoscape's whole graph, for seconds)
            page.evaluate(f"() => {{ {CY}.getElementById('xss').emit('mouseover'); }}")
            page.wait_for_function(
                "document.getElementById('net-hover').innerText.length > 0", timeout=10_000
            )
            assert page.inner_text("#net-hover").startswith(XSS_NAME)
            page.evaluate(f"() => {{ {CY}.edges('.link')[0].emit('mouseover'); }}")
            page.wait_for_function(
                "document.getElementById('net-hover').innerText.includes(' finance ')",
                timeout=10_000,
            )
            assert page.inner_text("#net-hover") == f"Autre « structure » — finance → {XSS_NAME}"
            # From the other structure's panel, the link to it is a text button.
            choose(page, "net-search", "Autre")
            detail_title(page, "Autre « structure »")
            assert page.locator("#net-detail .link-button").inner_text() == XSS_NAME
            assert page.evaluate("window.__xss") is None
            assert dialogs == []
            assert not [r for r in requests if r.rstrip("/").endswith("/x")]
            assert page.locator("#net-detail script, #net-detail img, #net-detail b").count() == 0
        finally:
            context.close()


def test_an_epci_chosen_on_the_map_filters_the_network_until_removed(page, page_log, app_url, eco):
    """Carte passes ``epci=`` in the URL; Réseau shows what serves that EPCI, names the
    filter in a chip, keeps it when another filter changes, and drops it on a click."""
    brest = "242900314"  # Brest Métropole
    expected = eco.filter(territory=("epci", brest))
    whole_region = eco.filter(territory=("region", "53"))
    assert 0 < len(expected) < len(whole_region) < len(eco)
    page.goto(f"{app_url}/reseau?region=53&epci={brest}")
    page.wait_for_function(CY_READY, timeout=30_000)
    wait_for_count(page, len(expected))
    assert sorted(node_ids(page)) == sorted(expected.structures.index)
    chip = page.locator("#net-epci")
    assert chip.is_visible()
    assert page.inner_text("#net-epci-name") == eco.territories[("epci", brest)].name
    # Another filter keeps the EPCI (it has no control on this page).
    page.locator("#net-kinds input[value='support_structure']").check()
    narrowed = eco.filter(territory=("epci", brest), kinds=("support_structure",))
    wait_for_count(page, len(narrowed))
    assert f"epci={brest}" in page.url
    # The chip removes it: the région stays.
    page.click("#net-epci-clear")
    wait_for_count(page, len(whole_region.filter(kinds=("support_structure",))))
    assert "epci=" not in page.url and "region=53" in page.url
    assert chip.is_hidden()
    assert page_log.errors == []


def test_a_destroyed_graph_no_longer_throws_from_its_viewport_handler(page, page_log, app_url):
    """dash-cytoscape 1.0.2 can run a deferred viewport handler on a graph destroyed by a
    page change; cytoscape's headless() then threw "reading 'isHeadless'". fresque.js
    makes a destroyed graph headless instead."""
    open_reseau(page, app_url)
    page.wait_for_function(
        "() => Object.getPrototypeOf(document.getElementById('net-graph')._cyreg.cy)"
        ".fresqueGuarded === true",
        timeout=10_000,
    )
    outcome = page.evaluate(
        """() => {
            const cy = document.getElementById('net-graph')._cyreg.cy;
            const before = cy.headless();
            const other = cy.nodes().length;
            cy.destroy();
            let after;
            try { after = cy.headless(); } catch (error) { after = String(error); }
            return {before, after, other};
        }"""
    )
    assert outcome["other"] > 0
    assert outcome["before"] is False  # a live graph draws
    assert outcome["after"] is True  # a destroyed one is headless, no TypeError
    # Leaving the page right after it opened (the race's trigger) logs no error.
    page.goto(app_url + "/reseau")
    page.wait_for_function(CY_READY, timeout=30_000)
    page.click("#nav-carte")
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert page_log.errors == []
