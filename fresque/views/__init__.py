"""Pure view builders: plotly figures, Cytoscape elements, tables.

Nothing here holds Dash state: each builder takes data and returns a figure or a plain
structure, so it can be tested without a browser and reused by the app, the notebooks
and the exports.
"""

from fresque.views.maps import (
    choropleth_figure,
    inset_overseas,
    load_geojson,
    map_geojson,
    map_graph_config,
    population_map,
    territory_values,
)

__all__ = [
    "choropleth_figure",
    "inset_overseas",
    "load_geojson",
    "map_geojson",
    "map_graph_config",
    "population_map",
    "territory_values",
]
