"""Network view builders: elements, positions, stylesheet, legend, detail — without Dash.

A hand-made ecosystem on ``tests/data/geo_mini`` checks the rules one by one; the national
dataset checks that they hold at scale (every structure drawn, no two nodes on top of each
other, the board reading left to right) and stay fast.
"""

from __future__ import annotations

import doctest
import itertools
import json
import math
from datetime import date
from pathlib import Path

import pytest

import fresque.views.network
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories, TerritoryError
from fresque.i18n import UI_STRINGS, label
from fresque.model import (
    STAGE_ORDER,
    Dispositif,
    Kind,
    Link,
    Relation,
    Structure,
    stages_served,
)
from fresque.views.network import (
    BOARD_COLUMNS,
    CONCENTRIC_ORDER,
    DISPOSITIF_FAMILY,
    FORCE_LIMIT,
    KIND_COLORS,
    LINK_LIMIT,
    NO_STAGE,
    RELATION_COLORS,
    SHAPE_FAMILIES,
    SPACING,
    DrawingPlan,
    NetworkIndex,
    board_positions,
    concentric_positions,
    cytoscape_layout,
    drawing_plan,
    legend,
    network_elements,
    network_index,
    network_stylesheet,
    node_metrics,
    node_sizes,
    search_options,
    shape_family,
    stage_span,
    structure_detail,
    territory_options,
)

MINI = Path(__file__).parent / "data" / "geo_mini"
XSS = '<script>alert(1)</script> « L’ÉCHO » "quoted" 🌱'


@pytest.fixture(scope="module")
def mini_eco() -> Ecosystem:
    def s(sid, kind, **kw):
        kw.setdefault("territory_level", "departement")
        kw.setdefault("territory_codes", ["29"])
        return Structure(id=sid, name=kw.pop("name", sid.upper()), kind=kind, **kw)

    structures = [
        s("cress_bre", "chamber", dispositifs=["cress"], territory_level="region",
          territory_codes=["53"], source_urls=["https://www.ess-bretagne.org/"],
          confidence="high", last_verified="2026-11-01", commune_code="29151"),
        s("tag29", "support_structure", dispositifs=["incubateur"],
          stages=["emergence", "creation"], commune_code="29151", website="https://tag29.org/"),
        s("fai29", "support_structure", dispositifs=["fabrique_a_initiatives"],
          stages=["ideation", "emergence"]),
        s("dla_29", "support_structure", dispositifs=["dla_departemental"],
          stages=["consolidation"], status="expected", carrier_id="tag29"),
        s("old29", "support_structure", dispositifs=["pepiniere"], stages=["creation"],
          status="defunct"),
        s("fa_bzh", "funder", dispositifs=["finance_solidaire", "pret_d_honneur"],
          stages=["ideation", "emergence", "creation", "consolidation"],
          territory_level="region", territory_codes=["53"]),
        s("eval", "network", dispositifs=["evaluation_impact"], stages=["impact_evaluation"],
          territory_level="country", territory_codes=[]),
        s("xss", "network", name=XSS, territory_level="country", territory_codes=[]),
    ]  # fmt: skip
    links = [
        Link(source="fa_bzh", target="tag29", relation="funds"),
        Link(source="fa_bzh", target="fai29", relation="funds"),
        Link(source="tag29", target="dla_29", relation="carries"),
        Link(source="tag29", target="cress_bre", relation="member_of"),
        Link(source="fai29", target="cress_bre", relation="member_of"),
        Link(source="cress_bre", target="eval", relation="partners_with"),
        Link(source="eval", target="tag29", relation="partners_with"),
        Link(source="xss", target="tag29", relation="refers_to"),
    ]
    return Ecosystem(structures, links, territories=Territories.load(MINI))


@pytest.fixture(scope="module")
def national() -> Ecosystem:
    return load_ecosystem()


def nodes_of(elements):
    return {e["data"]["id"]: e for e in elements if "structure" in e.get("classes", "")}


def edges_of(elements):
    return [e for e in elements if "source" in e["data"]]


def decorations_of(elements):
    return [e for e in elements if e["data"]["id"].startswith("board:")]


# ------------------------------------------------------------------------------ encoding


def test_docstring_examples_run():
    result = doctest.testmod(fresque.views.network, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


def test_every_kind_relation_and_dispositif_is_encoded():
    assert set(KIND_COLORS) == set(Kind)
    assert len(set(KIND_COLORS.values())) == len(Kind)
    assert set(RELATION_COLORS) == set(Relation)
    assert len(set(RELATION_COLORS.values())) == len(Relation)
    assert set(DISPOSITIF_FAMILY) == set(Dispositif)
    shapes = [shape for shape, _ in SHAPE_FAMILIES.values()]
    assert len(set(shapes)) == len(shapes)


def test_shape_is_the_family_of_the_first_dispositif():
    assert shape_family(["pret_d_honneur", "incubateur"]) == "finance"
    assert shape_family(["cress"]) == "chamber"
    assert shape_family([]) == "other"


def test_stage_span_gives_ranges_and_lists():
    assert stage_span(["creation", "ideation", "emergence"]) == "Idéation → Création"
    assert stage_span(["ideation", "creation"]) == "Idéation, Création"
    assert stage_span(["scaling"], "en") == "Scaling"


def test_legend_lists_everything_in_both_languages():
    for lang in ("fr", "en"):
        entries = legend(lang)
        assert [k["value"] for k in entries["kinds"]] == [k.value for k in Kind]
        assert [r["value"] for r in entries["relations"]] == [r.value for r in Relation]
        assert {f["family"] for f in entries["shapes"]} == set(SHAPE_FAMILIES)
        assert [s["value"] for s in entries["statuses"]] == ["active", "defunct", "expected"]
        members = [m for f in entries["shapes"] for m in f["members"]]
        assert sorted(members) == sorted(label(d, lang) for d in Dispositif)
    assert legend("fr")["shapes"][0]["label"] != legend("en")["shapes"][0]["label"]
    assert legend("fr", "betweenness")["size"] != legend("fr")["size"]
    partners = next(r for r in legend()["relations"] if r["value"] == "partners_with")
    assert partners["arrow"] is False


def test_new_ui_strings_have_both_languages():
    prefixes = ("network.", "filters.", "detail.", "relation.in.", "nav.", "lang.")
    keys = [k for k in UI_STRINGS if k.startswith(prefixes)]
    assert len(keys) > 60
    for key in keys:
        assert UI_STRINGS[key]["fr"].strip() and UI_STRINGS[key]["en"].strip(), key
    assert {f"relation.in.{r.value}" for r in Relation} <= set(UI_STRINGS)


# ------------------------------------------------------------------------------ elements


@pytest.mark.parametrize("layout", ["board", "concentric", "force"])
def test_every_structure_and_link_is_drawn(mini_eco, layout):
    elements = network_elements(mini_eco, layout=layout)
    nodes = nodes_of(elements)
    assert set(nodes) == set(mini_eco.structures.index)
    assert len(edges_of(elements)) == len(mini_eco.links)
    positioned = [n for n in nodes.values() if "position" in n]
    assert len(positioned) == (0 if layout == "force" else len(nodes))
    assert bool(decorations_of(elements)) == (layout == "board")
    ids = [e["data"]["id"] for e in elements]
    assert len(ids) == len(set(ids))
    json.dumps(elements)  # plain JSON


def test_nodes_carry_kind_shape_status_and_text_labels(mini_eco):
    nodes = nodes_of(network_elements(mini_eco))
    assert nodes["dla_29"]["classes"].split() == [
        "structure",
        "kind-support_structure",
        "shape-dla",
        "status-expected",
    ]
    assert "status-defunct" in nodes["old29"]["classes"]
    assert "shape-finance" in nodes["fa_bzh"]["classes"]
    # Names travel as data, untouched: Cytoscape draws them as text on a canvas.
    assert nodes["xss"]["data"]["label"] == XSS
    assert nodes["xss"]["data"]["tip"].startswith(XSS)
    assert "Idéation → Consolidation" in nodes["fa_bzh"]["data"]["tip"]
    assert "À identifier" in nodes["dla_29"]["data"]["tip"]
    assert (
        "To be identified"
        in nodes_of(network_elements(mini_eco, lang="en"))["dla_29"]["data"]["tip"]
    )


def test_relation_filter_keeps_structures_and_drops_links(mini_eco):
    elements = network_elements(mini_eco, relations=["funds", "carries"])
    assert len(nodes_of(elements)) == len(mini_eco)
    assert sorted(e["data"]["relation"] for e in edges_of(elements)) == [
        "carries",
        "funds",
        "funds",
    ]
    assert all(e["classes"] == f"link rel-{e['data']['relation']}" for e in edges_of(elements))


def test_sizes_follow_the_metric_and_survive_filters(mini_eco):
    metrics = node_metrics(mini_eco)
    assert metrics.loc["tag29", "degree"] == 5  # fa_bzh, dla_29, cress_bre, eval, xss
    assert metrics.loc["tag29", "betweenness"] == metrics["betweenness"].max()
    full = nodes_of(network_elements(mini_eco, metrics=metrics))
    sizes = {sid: n["data"]["size"] for sid, n in full.items()}
    assert sizes["tag29"] == max(sizes.values())
    by_degree = sorted(sizes, key=lambda sid: metrics.loc[sid, "degree"])
    assert [sizes[s] for s in by_degree] == sorted(sizes[s] for s in by_degree)
    part = nodes_of(network_elements(mini_eco.filter(kinds="support_structure"), metrics=metrics))
    assert {sid: n["data"]["size"] for sid, n in part.items()} == {s: sizes[s] for s in part}
    between = nodes_of(network_elements(mini_eco, metric="betweenness", metrics=metrics))
    assert between["old29"]["data"]["size"] == min(n["data"]["size"] for n in between.values())
    assert node_metrics(mini_eco) is metrics  # cached


def test_node_sizes_without_any_link():
    import pandas as pd

    assert node_sizes(pd.Series([0, 0], index=["a", "b"])).tolist() == [16.0, 16.0]


def test_cytoscape_layouts():
    assert cytoscape_layout("force")["name"] == "cose"
    assert cytoscape_layout("force")["animate"] is False
    board, rings = cytoscape_layout("board"), cytoscape_layout("concentric")
    assert board["name"] == rings["name"] == "preset"
    assert board != rings  # switching between them re-runs the layout (and the fit)


# ------------------------------------------------------------------------------ positions


def _first_stage(stages):
    return min((STAGE_ORDER.index(s) for s in stages), default=len(STAGE_ORDER))


def _check_board(eco: Ecosystem):
    structures = eco.structures
    board = board_positions(structures)
    assert set(board.positions) == set(structures.index)
    columns = {key: (x0, x1) for key, x0, x1 in board.columns}
    lanes = {kind: (y0, y1) for kind, y0, y1 in board.lanes}
    # Every stage has its column, in value-chain order, side by side.
    keys = [key for key, _, _ in board.columns]
    assert keys[: len(STAGE_ORDER)] == [s.value for s in STAGE_ORDER]
    spans = [(x0, x1) for _, x0, x1 in board.columns]
    assert all(a1 < b0 for (_, a1), (b0, _) in itertools.pairwise(spans))
    for sid, (x, y) in board.positions.items():
        row = structures.loc[sid]
        column = BOARD_COLUMNS[_first_stage(stages_served(row["stages"], row["dispositifs"]))]
        x0, x1 = columns[column]
        y0, y1 = lanes[row["kind"]]
        assert x0 <= x <= x1 and y0 <= y <= y1, sid
    # No two nodes share a place.
    points = list(board.positions.values())
    closest = min((math.dist(a, b) for a, b in itertools.combinations(points, 2)), default=SPACING)
    assert closest >= SPACING - 0.2
    return board


def test_board_reads_the_value_chain_left_to_right(mini_eco):
    board = _check_board(mini_eco)
    x = {sid: xy[0] for sid, xy in board.positions.items()}
    assert x["fai29"] < x["tag29"] < x["dla_29"] < x["eval"] < x["cress_bre"]
    assert x["fa_bzh"] < x["tag29"]  # several stages: the first one places it
    assert [kind for kind, _, _ in board.lanes] == ["support_structure", "network", "chamber",
                                                     "funder"]  # fmt: skip


def test_board_places_a_structure_without_stages_by_its_dispositifs(mini_eco):
    card = Structure(id="card", name="Carte d’atelier", kind="support_structure",
                     dispositifs=["incubateur"], territory_level="country")  # fmt: skip
    eco = Ecosystem([card], territories=mini_eco.territories)
    board = board_positions(eco.structures)
    ((x, _),) = board.positions.values()
    x0, x1 = next((x0, x1) for key, x0, x1 in board.columns if key == "emergence")
    assert x0 <= x <= x1
    tip = nodes_of(network_elements(eco))["card"]["data"]["tip"]
    assert "Émergence, Création" in tip


def test_board_keeps_empty_stages_and_drops_empty_lanes(mini_eco):
    board = board_positions(mini_eco.filter(kinds="chamber").structures)
    assert [key for key, _, _ in board.columns] == [*(s.value for s in STAGE_ORDER), NO_STAGE]
    assert [kind for kind, _, _ in board.lanes] == ["chamber"]
    staged = board_positions(mini_eco.filter(kinds="support_structure").structures)
    assert NO_STAGE not in [key for key, _, _ in staged.columns]


def test_board_decorations_are_inert(mini_eco):
    decor = decorations_of(network_elements(mini_eco, layout="board", lang="en"))
    assert {e["data"]["label"] for e in decor} >= {"1. Ideation", "6. Impact evaluation"}
    assert all(e["selectable"] is False and e["grabbable"] is False for e in decor)
    assert all(e["classes"].startswith("board ") for e in decor)


def test_board_on_the_national_dataset(national):
    board = _check_board(national)
    assert board.width > 1000


def test_concentric_rings_by_kind(national):
    positions = concentric_positions(national.structures)
    assert set(positions) == set(national.structures.index)
    radius = {sid: math.hypot(*xy) for sid, xy in positions.items()}
    kinds = national.structures["kind"]
    bands = [
        [radius[s] for s in kinds.index[kinds == kind.value]]
        for kind in CONCENTRIC_ORDER
        if (kinds == kind.value).any()
    ]
    assert all(max(a) < min(b) for a, b in itertools.pairwise(bands))
    points = list(positions.values())
    closest = min(math.dist(a, b) for a, b in itertools.combinations(points, 2))
    assert closest > SPACING * 0.9


def test_positions_are_cached(national):
    first = board_positions(national.structures)
    assert board_positions(national.structures) is first


def test_elements_cover_the_national_dataset_in_every_layout(national):
    """Every structure drawn in each layout (speed is measured in benchmarks/app.py)."""
    metrics = node_metrics(national)
    bretagne = national.filter(territory=("region", "53"))
    for eco in (national, bretagne):
        for layout in ("board", "concentric", "force"):
            elements = network_elements(eco, layout=layout, metrics=metrics)
            assert set(nodes_of(elements)) == set(eco.structures.index)
            assert len(edges_of(elements)) == len(eco.links)


# ------------------------------------------------------------------------------ index


#: Filter combinations the Réseau page sends (canonical values), with relations and a focus.
VIEW_CASES = [
    ({}, (), None),
    ({"kinds": ("network", "funder")}, (), None),
    ({"territory": ("departement", "29")}, (), None),
    ({"territory": ("region", "84"), "kinds": ("support_structure",)}, ("funds",), None),
    ({"stages": ("emergence",), "statuses": ("active",)}, (), None),
    ({"dispositifs": ("incubateur", "dla_departemental"), "themes": ("emploi",)}, (), None),
    ({"min_confidence": "high"}, ("member_of", "partners_with"), None),
    ({"territory": ("region", "53")}, (), ("avise", 1)),
    ({"min_confidence": "medium"}, ("animates",), ("avise", 2)),
]


@pytest.mark.parametrize(("arguments", "relations", "ego"), VIEW_CASES)
def test_index_views_are_the_filtered_ecosystem(national, arguments, relations, ego):
    """A view is a mask, yet shows what Ecosystem.filter / ego and network_elements give."""
    metrics = node_metrics(national)
    index = NetworkIndex(national, metrics)
    expected = national.filter(**arguments) if arguments else national
    if ego:
        expected = expected.ego(*ego)
    view = index.view(**arguments, relations=relations, ego=ego)
    assert len(view) == len(expected) > 0
    assert view.ids == set(expected.structures.index)
    wanted = expected.links if not relations else expected.links.query("relation in @relations")
    assert view.n_links == len(wanted)
    for layout, lang in (("board", "fr"), ("concentric", "en"), ("force", "fr")):
        drawn = index.elements(view, layout=layout, metric="betweenness", lang=lang)
        assert drawn == network_elements(
            expected,
            layout=layout,
            metric="betweenness",
            metrics=metrics,
            relations=relations,
            lang=lang,
        )
    sid = ego[0] if ego else sorted(view.ids)[0]
    assert index.neighbors(view, sid) == expected.neighbors(sid, relation=relations or None)


def test_index_refuses_what_the_filter_refuses(national):
    index = network_index(national)
    assert network_index(national) is index  # built once per ecosystem
    with pytest.raises(TerritoryError):
        index.view(territory=("departement", "00"))
    outside = national.filter(territory=("departement", "29"))
    away = next(sid for sid in national.structures.index if sid not in outside)
    with pytest.raises(KeyError):
        index.view(territory=("departement", "29"), ego=(away, 1))


def test_drawing_plan_keeps_small_views_and_caps_large_ones(national):
    """The national dataset is drawn as asked; beyond the limits, rings and no links."""
    metrics = node_metrics(national)
    n_links = len(national.links)
    for layout in ("board", "force", "concentric"):
        assert drawing_plan(layout, len(national), n_links) == DrawingPlan(layout, True, ())
    assert drawing_plan("force", FORCE_LIMIT, LINK_LIMIT).layout == "force"
    big = drawing_plan("force", FORCE_LIMIT + 1, LINK_LIMIT + 1)
    assert big.layout == "concentric" and not big.links
    assert {key for key, _ in big.notices} == {"network.limit.force", "network.limit.links"}
    for key, limit in big.notices:
        for lang in ("fr", "en"):
            assert str(limit)[:1] in UI_STRINGS[key][lang].format(limit=limit)
    index = NetworkIndex(national, metrics)
    bare = index.elements(index.view(), layout="board", links=False)
    assert len(nodes_of(bare)) == len(national) and not edges_of(bare)
    assert decorations_of(bare)  # the board's columns and lanes still drawn


# ------------------------------------------------------------------------------ stylesheet


def test_stylesheet_without_selection_fades_nothing():
    rules = network_stylesheet()
    assert not any(r["style"].get("opacity") == 0.22 for r in rules)
    selectors = {r["selector"] for r in rules}
    assert "node.status-expected" in selectors and "node.status-defunct" in selectors
    expected = next(r for r in rules if r["selector"] == "node.status-expected")
    assert expected["style"]["border-style"] == "dashed"


def test_stylesheet_highlights_the_selection_and_its_neighbours():
    rules = network_stylesheet("tag29", ["fa_bzh", "dla_29", "tag29"])
    selectors = [r["selector"] for r in rules]
    assert 'node[id = "fa_bzh"], node[id = "dla_29"]' in selectors
    assert selectors[-1] == 'node[id = "tag29"]'
    assert 'edge[source = "tag29"], edge[target = "tag29"]' in selectors


# ------------------------------------------------------------------------------ detail


def test_detail_lists_every_field(mini_eco):
    detail = structure_detail(mini_eco, "cress_bre", as_of=date(2026, 12, 7))
    fields = dict(detail["fields"])
    assert detail["name"] == "CRESS_BRE" and not detail["stale"]
    assert fields["Type d’acteur"] == "Chambre de l’ESS"
    assert fields["Confiance"] == "Élevée"
    assert fields["Vérifiée le"] == "01/11/2026"
    assert fields["Implantation"] == "Morlaix (29151)"
    assert fields["Étapes"] == "—"
    assert detail["territory"] == {"level": "Région", "places": ["Bretagne (53)"]}
    assert detail["sources"] == ["https://www.ess-bretagne.org/"]
    english = dict(structure_detail(mini_eco, "cress_bre", "en", date(2026, 12, 7))["fields"])
    assert english["Last verified"] == "2026-11-01"
    # Three years later, the same facts are to check again.
    later = structure_detail(mini_eco, "cress_bre", as_of=date(2029, 11, 2))
    assert later["stale"] and dict(later["fields"])["Vérifiée le"] == "01/11/2026 (à vérifier)"


def test_detail_groups_links_by_relation_and_direction(mini_eco):
    detail = structure_detail(mini_eco, "tag29")
    groups = {(g["relation"], g["direction"]): g for g in detail["links"]}
    assert [i["id"] for i in groups[("funds", "in")]["items"]] == ["fa_bzh"]
    assert groups[("funds", "in")]["heading"] == "financée par"
    assert groups[("carries", "out")]["heading"] == "porte"
    assert groups[("carries", "out")]["items"][0]["status"] == "expected"
    # A symmetric relation reads the same both ways: one group.
    assert ("partners_with", "in") not in groups
    assert [i["id"] for i in groups[("partners_with", "out")]["items"]] == ["eval"]
    order = [g["relation"] for g in detail["links"]]
    assert order == sorted(order, key=lambda r: list(Relation).index(Relation(r)))
    assert detail["website"] == "https://tag29.org/"
    assert structure_detail(mini_eco, "dla_29")["carrier"] == {"id": "tag29", "name": "TAG29"}


def test_detail_of_a_national_actor_and_of_nobody(mini_eco):
    detail = structure_detail(mini_eco, "eval", "en")
    assert detail["territory"] == {"level": "National", "places": ["All of France"]}
    with pytest.raises(KeyError):
        structure_detail(mini_eco, "nobody")


# ------------------------------------------------------------------------------ options


def test_search_options_cover_every_structure_by_name(national):
    options = search_options(national)
    assert len(options) == len(national)
    assert options[0]["label"].casefold() <= options[-1]["label"].casefold()
    assert {o["value"] for o in options} == set(national.structures.index)


def test_territory_options(national):
    regions = territory_options(national.territories, "region", "fr")
    assert len(regions) == 18 and {"label": "Bretagne", "value": "53"} in regions
    departements = territory_options(national.territories, "departement")
    assert len(departements) == 101 and departements[0]["label"] == "01 – Ain"


def test_degree_sized_elements_never_compute_the_betweenness(mini_eco, monkeypatch):
    """The projector board redraws a new ecosystem at every change: sized by degree, its
    elements must not pay for the betweenness (0.3 s of 0.5 s per redraw nationally)."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("betweenness computed for a degree-sized network")

    monkeypatch.setattr(fresque.views.network, "sampled_betweenness", refuse)
    eco = mini_eco.subset(list(mini_eco.structures.index))  # a new object: nothing cached
    elements = network_elements(eco, layout="board", metric="degree")
    nodes = [e for e in elements if "structure" in e.get("classes", "")]
    assert len(nodes) == len(eco)
    with pytest.raises(AssertionError, match="betweenness computed"):
        network_elements(eco, layout="board", metric="betweenness")
