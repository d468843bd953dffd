"""The registry of map indicators: each indicator's values and hover against the core,
the data-quality indicator in words, its legend, and what the Carte page makes of them
(the quality block of the panel, the « Confiance minimale » control).

The words of the data quality are worked out by hand on the made-up geography
(``tests/data/geo_coverage``: région 99 = départements 91 (13 000 inhabitants), 92
(5 500), 93 (4 500); région 98 = département 94 (4 000)); the other checks compare with
what the core computes on the curated dataset.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from quality_data import made_up_ecosystem

from fresque.access import nearest_offers, population_beyond
from fresque.coverage import compute_coverage
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.i18n import UI_STRINGS, label, t
from fresque.model import CoverageStatus
from fresque.quality import data_quality
from fresque.views.coverage_map import CATEGORIES, coverage_key, status_category
from fresque.views.indicators import (
    INDICATORS,
    NEEDS,
    REGISTRY,
    Indicator,
    indicator_style,
    legend_entries,
    quality_lines,
    scale_top,
)

GEO = Path(__file__).parent / "data" / "geo_coverage"
AS_OF = date(2026, 12, 7)
NBSP = "\u00a0"
COLON = NBSP + ": "


@pytest.fixture(scope="module")
def eco():
    return load_ecosystem()


@pytest.fixture(scope="module")
def coverage(eco):
    return compute_coverage(eco)


def _hover(style: dict, codes: list[str], code: str) -> list[str]:
    return style["customdata"][codes.index(code)][1].split("<br>")


# ----------------------------------------------------------------------- the registry


def test_the_registry_is_what_the_state_and_the_page_offer():
    from fresque.app.pages import carte
    from fresque.app.state import DEFAULT_MAP_INDICATOR, MAP_INDICATORS, parse_url, to_search

    assert (
        INDICATORS
        == MAP_INDICATORS
        == tuple(REGISTRY)
        == (
            "status",
            "per100k",
            "beyond30",
            "quality",
        )
    )
    assert DEFAULT_MAP_INDICATOR == "status"
    for name, entry in REGISTRY.items():
        assert entry.name == name and entry.needs <= set(NEEDS)
        keys = [entry.label_key] + [entry.colorbar_key] * (entry.kind == "continuous")
        keys += [entry.note_key] * entry.note + [entry.heading_key, entry.scale_key]
        for key in keys:  # every word it shows, in French and English
            assert set(UI_STRINGS[key]) == {"fr", "en"}, key
        # The URL keeps it.
        state = parse_url("/carte", f"?show={name}")
        assert state.indicator == name
        assert ("show=" in to_search(state)) == (name != "status")
    # The page's choice lists the registry, in its order, with its labels.
    layout = carte.layout(None, "fr")
    (radio,) = [c for c in _walk(layout) if getattr(c, "id", None) == "map-indicator"]
    assert [o["value"] for o in radio.options] == list(REGISTRY)
    assert radio.options[-1]["label"] == "Fiabilité des données"
    with pytest.raises(ValueError, match="unknown indicator"):
        legend_entries("nope")
    with pytest.raises(ValueError, match="needs"):
        Indicator("odd", "continuous", lambda *a: [], needs=frozenset({"weather"}))


def _encoder():
    from plotly.utils import PlotlyJSONEncoder

    return PlotlyJSONEncoder


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from _walk(child)
    elif children is not None and not isinstance(children, str):
        yield from _walk(children)


def test_a_new_indicator_is_one_entry_and_its_words(monkeypatch, coverage):
    """indicator_style and legend_entries know an indicator from its entry alone."""
    table = coverage.table("departement", keys=[coverage_key("creation")])

    def readings(entry, inputs, codes, key, lang):
        rows = inputs.table.set_index("code")
        return [(float(rows.loc[c, "n_national"]), [f"{rows.loc[c, 'n_national']}"]) for c in codes]

    entry = Indicator("national", "continuous", readings, scale="Greens")
    monkeypatch.setitem(REGISTRY, "national", entry)
    monkeypatch.setitem(UI_STRINGS, "carte.indicator.national", {"fr": "Nationaux", "en": "N"})
    monkeypatch.setitem(UI_STRINGS, "carte.colorbar.national", {"fr": "Nat.", "en": "N"})
    codes = ["29", "13"]
    style = indicator_style(codes, {}, table, "national", "creation", "fr")
    expected = table.set_index("code").loc[codes, "n_national"].astype(float).tolist()
    assert style["z"] == expected and style["colorbar"]["title"]["text"] == "Nat."
    assert legend_entries("national", "fr")["title"] == "Nationaux"


# -------------------------------------------------------- the coverage indicators


CODES = ["29", "13", "75", "973", "2A"]


def test_status_values_and_hover_are_the_cores(coverage):
    table = coverage.table("departement", keys=[coverage_key("incubateur")])
    style = indicator_style(CODES, {"29": "Finistère"}, table, "status", "incubateur", "fr")
    rows = table.set_index("code")
    for code, z in zip(CODES, style["z"], strict=True):
        row = rows.loc[code]
        share = row["population_covered"] / row["population"]
        assert z == status_category(row["status"], bool(row["partial"]), share)
        hover = _hover(style, CODES, code)
        assert hover[0] == "Dispositif" + COLON + label("incubateur", "fr", _dispositif())
        assert hover[1].startswith(label(CoverageStatus(row["status"]), "fr"))
        assert hover[2] == "Offres locales" + COLON + str(int(row["n_offers"]))
    assert style["customdata"][0][0] == "Finistère"
    assert style["showscale"] is False and style["zmax"] == len(CATEGORIES) - 0.5


def _dispositif():
    from fresque.model import Dispositif

    return Dispositif


def test_offers_per_100k_values_and_hover_are_the_cores(coverage):
    table = coverage.table("departement", keys=[coverage_key("creation")])
    style = indicator_style(CODES, {}, table, "per100k", "creation", "en")
    rows = table.set_index("code")
    for code, z in zip(CODES, style["z"], strict=True):
        value = rows.loc[code, "offers_per_100k"]
        assert z == pytest.approx(value)
        line = _hover(style, CODES, code)[1]
        assert line == f"Offers per 100,000 inhabitants: {value:,.1f}"
    # A territory without any offer has its own grey, apart from the scale.
    assert style["colorscale"][0][1] == REGISTRY["per100k"].zero_color


def test_beyond_30_km_values_and_hover_are_the_cores(eco, coverage):
    table = coverage.table("departement", keys=[coverage_key("incubateur")])
    beyond = population_beyond(nearest_offers(eco, dispositif="incubateur"), [30], "departement")[
        "share_beyond_30km"
    ]
    style = indicator_style(CODES, {}, table, "beyond30", "incubateur", "fr", beyond)
    for code, z in zip(CODES, style["z"], strict=True):
        assert z == pytest.approx(beyond[code])
        line = _hover(style, CODES, code)[1]
        assert line.startswith("Population à coup sûr à plus de 30 km d’une offre" + COLON)
        percent = 100 * beyond[code]
        if 10 < percent < 90:  # written to the unit
            assert line.endswith(f"{percent:.0f}{NBSP}%")
    assert style["zmax"] <= 1.0
    with pytest.raises(ValueError, match="beyond"):  # it cannot be drawn without them
        indicator_style(CODES, {}, table, "beyond30", "incubateur", "fr")


# ------------------------------------------------------------- the data quality


@pytest.fixture(scope="module")
def made_up() -> Ecosystem:
    return made_up_ecosystem()


def test_the_quality_hover_says_each_part_in_words(made_up):
    coverage = compute_coverage(made_up, as_of=AS_OF)
    quality = data_quality(made_up, coverage, "departement")
    codes = ["91", "92", "93"]
    style = indicator_style(codes, {}, None, "quality", "creation", "fr", quality=quality)
    assert style["z"] == pytest.approx([0.5, 0.4, 0.0])
    stale = "À vérifier (vérifiées il y a plus de 3 ans, ou jamais)" + COLON
    assert _hover(style, codes, "91") == [
        "Score de fiabilité" + COLON + "50" + NBSP + "%",
        "Opérateurs connus (DLA, CRESS)" + COLON + "1 sur 1",
        "Offres sourcées" + COLON + "1 sur 2",
        "Confiance élevée" + COLON + "50" + NBSP + "%",
        stale + "1 sur 2",
        "Vérification la plus récente" + COLON + "01/01/2026 (il y a moins d’un an)",
        "Recensement valide" + COLON + "non",
    ]
    assert _hover(style, codes, "92") == [
        "Score de fiabilité" + COLON + "40" + NBSP + "%",
        "Opérateurs connus (DLA, CRESS)" + COLON + "0 sur 1",
        "Offres sourcées" + COLON + "1 sur 1",
        "Confiance élevée" + COLON + "0" + NBSP + "%",
        stale + "1 sur 1",
        "Vérification la plus récente" + COLON + "01/05/2020 (il y a 6 ans)",
        "Recensement valide" + COLON + "oui",
    ]
    # Nothing recorded: the score is the survey's share alone, and says so.
    assert _hover(style, codes, "93") == [
        "Score de fiabilité" + COLON + "0" + NBSP + "%",
        "Aucune offre locale recensée : seul le recensement compte.",
        "Recensement valide" + COLON + "non",
    ]
    # The key does not matter: the score is about all the offers.
    again = indicator_style(codes, {}, None, "quality", "incubateur", "fr", quality=quality)
    assert again == style
    # A région partly surveyed says how much; in English too.
    regions = data_quality(made_up, coverage, "region")
    style = indicator_style(["99", "98"], {}, None, "quality", "creation", "en", quality=regions)
    hover = _hover(style, ["99", "98"], "99")
    assert hover[1] == "Known operators (DLA, CRESS): 1 of 2"
    assert hover[-1] == "Valid survey: yes (24% of inhabitants)"  # 5,500 of 23,000
    assert hover[-2] == "Most recent check: 2026-01-01 (less than a year ago)"


@pytest.mark.parametrize(
    ("level", "region", "codes"),
    [
        ("region", None, ["28", "53", "11"]),
        ("departement", None, ["29", "13", "75"]),
        ("epci", "53", None),  # the first three EPCI of Bretagne
    ],
)
def test_quality_values_and_hover_are_the_cores(eco, coverage, level, region, codes):
    quality = data_quality(eco, coverage, level, region)
    rows = quality.set_index("code")
    codes = codes or list(rows.index[:3])
    style = indicator_style(codes, {}, None, "quality", "creation", "fr", quality=quality)
    for code, z in zip(codes, style["z"], strict=True):
        row = rows.loc[code]
        assert z == pytest.approx(row["score"])
        hover = _hover(style, codes, code)
        assert hover == [html.escape(line, quote=False) for line in quality_lines(row, "fr")]
        n = int(row["n_offers"])
        assert n > 0, code
        assert hover[0].startswith("Score de fiabilité" + COLON)
        assert f"Opérateurs connus (DLA, CRESS){COLON}" in hover[1]
        if row["n_unique"]:
            assert hover[1].endswith(f"{row['n_unique_known']} sur {row['n_unique']}")
        assert hover[2] == f"Offres sourcées{COLON}{row['n_sourced']} sur {n}"
        assert hover[3].startswith("Confiance élevée" + COLON)
        assert hover[4].endswith(f"{row['n_stale']} sur {n}")
        assert row["newest_verified"].strftime("%d/%m/%Y") in hover[5]
        assert hover[6] == "Recensement valide" + COLON + ("oui" if row["has_survey"] else "non")
    # Every territory of the level gets its score.
    every = indicator_style(
        list(rows.index), {}, None, "quality", "creation", "fr", quality=quality
    )
    assert np.allclose(every["z"], rows["score"].to_numpy())


def test_the_quality_scale_is_a_percentage_from_0_to_100(eco, coverage):
    quality = data_quality(eco, coverage, "departement")
    codes = list(quality["code"])
    style = indicator_style(codes, {}, None, "quality", "creation", "fr", quality=quality)
    assert (style["zmin"], style["zmax"]) == (0.0, 1.0)  # never fitted: a score, not a count
    assert style["colorbar"]["ticktext"] == [f"{p}{NBSP}%" for p in (0, 20, 40, 60, 80, 100)]
    assert style["colorbar"]["title"]["text"] == "Fiabilité<br>des données"
    assert scale_top(style["z"], "quality") == (1.0, False)
    # Its own colours: not those of the coverage indicators' scales.
    assert REGISTRY["quality"].scale not in {REGISTRY[n].scale for n in ("per100k", "beyond30")}


def test_the_quality_legend_says_it_is_not_coverage():
    fr = legend_entries("quality", "fr", (1.0, False))
    assert fr["title"] == "Fiabilité des données" and fr["statuses"] == []
    assert fr["scale"] == (
        "Couleur : score de fiabilité, de 0 à 100 % (plus foncé = données plus sûres)"
    )
    assert fr["note"].startswith("Ce n’est pas la couverture")
    assert "moins de 3 ans" in fr["note"] and fr["no_offer"] is None and fr["stop"] is None
    assert "moins de 5 ans" in legend_entries("quality", "fr", stale_years=5)["note"]
    en = legend_entries("quality", "en")
    assert en["note"].startswith("This is not coverage")
    for other in ("status", "per100k", "beyond30"):
        assert legend_entries(other, "fr")["note"] is None


# ---------------------------------------------------------------- the Carte page


@pytest.fixture(scope="module")
def app():
    from fresque.app import create_app

    return create_app()


def test_the_page_colours_by_quality_at_every_level_from_its_cache(app, eco, coverage):
    from fresque.app.pages import carte
    from fresque.app.state import parse_url
    from fresque.views.coverage_map import TRACE

    with app.server.test_request_context("/"):
        for search, level in (
            ("?show=quality&level=regions", "region"),
            ("?show=quality", "departement"),
            ("?show=quality&level=epci&region=53", "epci"),
        ):
            state = carte._sanitize(parse_url("/carte", search))
            trace = carte.figure_for(state)["data"][TRACE["territories"]]
            scores = data_quality(eco, coverage, level).set_index("code")["score"]
            z = pd.Series(trace["z"], index=trace["locations"], dtype=float)
            assert np.allclose(z.to_numpy(), scores.reindex(z.index).to_numpy()), search
            assert carte._quality(level) is carte._quality(level)  # computed once
        # Another key changes neither the colours nor the patch.
        one = carte._sanitize(parse_url("/carte", "?show=quality&key=creation"))
        other = replace(one, coverage_key="incubateur")
        assert carte._style("departements", one) is carte._style("departements", other)
        operations = carte.patch_for(other, one).to_plotly_json()["operations"]
        assert not any(op["location"][:2] == ["data", TRACE["territories"]] for op in operations)
        # Back to the status: the colours are sent again.
        operations = carte.patch_for(replace(one, indicator="status"), one).to_plotly_json()
        assert any(
            op["location"][:3] == ["data", TRACE["territories"], "z"]
            for op in operations["operations"]
        )


def test_the_maps_title_says_what_it_measures(app):
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    with app.server.test_request_context("/"):
        for search, title in (
            ("?show=quality", "Fiabilité des données par territoire"),
            ("?show=per100k", "Couverture des territoires"),
            ("", "Couverture des territoires"),
        ):
            layout = carte.layout(carte._sanitize(parse_url("/carte", search)), "fr")
            (heading,) = [c for c in _walk(layout) if getattr(c, "id", "") == "map-heading"]
            assert heading.children == title, search


def test_the_panel_shows_the_chosen_territorys_quality(app, eco, coverage):
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    row = data_quality(eco, coverage, "departement").set_index("code").loc["29"]
    with app.server.test_request_context("/"):
        for search, shown in (("?region=53&dep=29&show=quality", True), ("?dep=29", False)):
            state = carte._sanitize(parse_url("/carte", search))
            (block,) = [
                c for c in carte.render_detail(state) if getattr(c, "id", "") == "map-quality"
            ]
            assert block.open is shown  # open when it colours the map
            assert block.children[0].children == t("carte.indicator.quality", "fr")
            assert [li.children for li in block.children[1].children] == quality_lines(row, "fr")


def test_the_confidence_control_recounts_from_the_surer_offers(app, eco):
    """« Élevée »: coverage, hover and panel count only the offers of high
    confidence, as ``eco.filter(min_confidence="high")`` does."""
    from fresque.app.pages import carte
    from fresque.app.state import parse_url, to_search
    from fresque.views.coverage_map import TRACE

    keys = [coverage_key("creation")]
    sure = compute_coverage(eco.filter(min_confidence="high")).table("departement", keys=keys)
    every = compute_coverage(eco).table("departement", keys=keys)
    sure, every = sure.set_index("code"), every.set_index("code")
    changed = [c for c in every.index if sure.loc[c, "n_offers"] != every.loc[c, "n_offers"]]
    assert changed, "some offers of the curated dataset are not of high confidence"
    with app.server.test_request_context("/"):
        state = carte._sanitize(parse_url("/carte", "?confidence=high&key=creation"))
        assert to_search(state) == "?confidence=high"  # the URL keeps it
        trace = carte.figure_for(state)["data"][TRACE["territories"]]
        for code in changed[:5]:
            i = trace["locations"].index(code)
            assert CATEGORIES[int(trace["z"][i])][0] == sure.loc[code, "status"]
            offers = f"Offres locales{COLON}{sure.loc[code, 'n_offers']}"
            assert offers in trace["customdata"][i][1].split("<br>")
        # The control shows it; no chip repeats it.
        (radio,) = [
            c for c in _walk(carte.layout(state, "fr")) if getattr(c, "id", "") == "map-confidence"
        ]
        assert radio.value == "high"
        assert [o["value"] for o in radio.options] == ["low", "medium", "high"]
        assert carte.render_filters(state) == []
        plain = carte._sanitize(parse_url("/carte", "?key=creation"))
        (radio,) = [
            c for c in _walk(carte.layout(plain, "fr")) if getattr(c, "id", "") == "map-confidence"
        ]
        assert radio.value == "low"
        # The panel lists the surer offers only.
        code = changed[0]
        chosen = carte._sanitize(parse_url("/carte", f"?confidence=high&dep={code}"))
        text = json.dumps(carte.render_detail(chosen), cls=_encoder())
        names = eco.structures["name"]
        dropped = set(str(every.loc[code, "offers"]).split("|")) - set(
            str(sure.loc[code, "offers"]).split("|")
        )
        assert dropped and not any(json.dumps(names[sid])[1:-1] in text for sid in dropped)


def test_beyond30_says_the_unknown_share_of_distances() -> None:
    """Issue #12 §5: a distance that depends on an offer without a known place is unknown,
    not long. The map colours the share surely beyond 30 km and says the unknown share."""
    from fresque.views.indicators import indicator_style

    table = pd.DataFrame(
        {
            "code": ["56", "29"],
            "status": ["single", "single"],
            "partial": [False, False],
            "population": [100, 100],
            "population_covered": [100, 100],
            "n_offers": [1, 1],
            "offers_per_100k": [1000.0, 1000.0],
            "n_national": [0, 0],
        }
    )
    beyond = pd.DataFrame(
        {"share_beyond_30km": [0.0, 0.1], "share_unknown_30km": [1.0, 0.0]},
        index=pd.Index(["56", "29"], name="code"),
    )
    style = indicator_style(["56", "29"], {}, table, "beyond30", "incubateur", "fr", beyond)
    assert style["z"] == [0.0, 0.1]
    morbihan, finistere = (hover for _, hover in style["customdata"])
    assert "Distance inconnue (offres sans lieu connu)\u00a0: 100\u00a0%" in morbihan
    assert "Distance inconnue" not in finistere
    assert "Population à coup sûr à plus de 30 km d’une offre" in finistere
    # A series of the sure shares alone still works (the export passes one).
    alone = indicator_style(
        ["56", "29"], {}, table, "beyond30", "incubateur", "fr", beyond["share_beyond_30km"]
    )
    assert alone["z"] == [0.0, 0.1] and "Distance inconnue" not in alone["customdata"][0][1]
