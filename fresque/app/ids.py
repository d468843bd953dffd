"""Component ids shared by the layout and the callbacks."""

MAP_LEVEL = "map-level"
MAP_GRAPH = "map-graph"
MAP_MESSAGE = "map-message"
