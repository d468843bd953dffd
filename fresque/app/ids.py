"""Component ids shared by the layouts and the callbacks."""

# --- shell -------------------------------------------------------------------------------
URL = "url"
RENDERED = "rendered"
DOCUMENT_SINK = "document-sink"
TITLE = "app-title"
SUBTITLE = "app-subtitle"
NAV = "app-nav"
LANG_LINK = "lang-link"
PAGE = "page"
SKIP_LINK = "skip-link"

# --- Carte -------------------------------------------------------------------------------
MAP_URL = "map-url"
MAP_LANG = "map-lang"
MAP_LEVEL = "map-level"
MAP_GRAPH = "map-graph"
MAP_MESSAGE = "map-message"

# --- Réseau ------------------------------------------------------------------------------
NET_URL = "net-url"
NET_LANG = "net-lang"
NET_GRAPH = "net-graph"
NET_SEARCH = "net-search"
NET_LAYOUT = "net-layout"
NET_METRIC = "net-metric"
NET_FOCUS = "net-focus"
NET_REGION = "net-region"
NET_DEPARTEMENT = "net-departement"
NET_KINDS = "net-kinds"
NET_DISPOSITIFS = "net-dispositifs"
NET_STAGES = "net-stages"
NET_THEMES = "net-themes"
NET_STATUSES = "net-statuses"
NET_RELATIONS = "net-relations"
NET_CONFIDENCE = "net-confidence"
NET_RESET = "net-reset"
NET_COUNT = "net-count"
NET_NOTICE = "net-notice"
NET_DETAIL = "net-detail"
NET_DETAIL_TITLE = NET_DETAIL + "-title"  # assets/fresque.js finds it so
NET_LEGEND = "net-legend"
NET_HOVER = "net-hover"
NET_FILTERS = "net-filters"
NET_SINK = "net-sink"
#: Pattern-matching type of the buttons that pick a structure (``id``: its id, ``""`` to
#: close the detail panel).
NET_PICK = "net-pick"
