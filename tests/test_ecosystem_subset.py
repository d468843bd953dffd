"""A filtered or subset ecosystem takes rows of its parent's tables and graph: it must be
exactly what building it from the kept records gives."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.synthetic import generate_ecosystem


def rebuilt(parent: Ecosystem, child: Ecosystem) -> Ecosystem:
    """``child`` built the slow way: from its records, through ``_init``."""
    rows = np.array([parent._position[sid] for sid in child._records], dtype=int)
    new = object.__new__(Ecosystem)
    new.territories = parent.territories
    new._init(
        list(child._records.values()),
        list(child._links),
        parent._matrix[rows],
        parent._national[rows],
    )
    return new


def _plain(items) -> list:
    """Graph items with NaN as None (NaN never equals NaN)."""

    def fix(data: dict) -> dict:
        return {k: None if isinstance(v, float) and v != v else v for k, v in data.items()}

    return [(*item[:-1], fix(item[-1])) for item in items]


def assert_same(a: Ecosystem, b: Ecosystem) -> None:
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.structures.drop(columns="geometry")),
        pd.DataFrame(b.structures.drop(columns="geometry")),
    )
    assert list(a.structures.geometry.to_wkt()) == list(b.structures.geometry.to_wkt())
    assert a.structures.crs == b.structures.crs
    pd.testing.assert_frame_equal(a.links, b.links)
    assert _plain(a.graph.nodes(data=True)) == _plain(b.graph.nodes(data=True))
    assert _plain(a.graph.edges(keys=True, data=True)) == _plain(
        b.graph.edges(keys=True, data=True)
    )
    assert (a._matrix != b._matrix).nnz == 0
    assert a._position == b._position
    assert list(a._national) == list(b._national)


@pytest.fixture(scope="module")
def national() -> Ecosystem:
    return load_ecosystem()


@pytest.mark.parametrize(
    "arguments",
    [
        {"kinds": ("support_structure",)},
        {"territory": ("region", "53")},
        {"territory": ("epci", "242900314")},
        {"dispositifs": ("dla_departemental",), "min_confidence": "medium"},
        {"min_confidence": "high"},
        {"stages": ("emergence",), "themes": ("ruralite",)},
    ],
)
def test_filter_equals_a_rebuild_on_the_national_dataset(national, arguments):
    shown = national.filter(**arguments)
    assert 0 < len(shown) < len(national)
    assert_same(shown, rebuilt(national, shown))


def test_subset_and_filter_of_a_subset_on_generated_data():
    eco = generate_ecosystem(600, seed=3)
    some = eco.subset(list(eco.structures.index[::3]))
    assert_same(some, rebuilt(eco, some))
    again = some.filter(kinds=("support_structure", "network"), min_confidence="medium")
    assert 0 < len(again) < len(some)
    assert_same(again, rebuilt(some, again))
    # Degrees in the graph are the links kept: both ends in the subset.
    kept = set(again.structures.index)
    expected = sum(1 for k in eco._links if k.source in kept and k.target in kept)
    assert again.graph.number_of_edges() <= expected
    assert isinstance(again.graph, nx.MultiDiGraph)
