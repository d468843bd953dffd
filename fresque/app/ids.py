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
MAP_INDICATOR = "map-indicator"
MAP_KEY = "map-key"
MAP_REGION = "map-region"
MAP_TERRITORY = "map-territory"
MAP_DETAIL = "map-detail"
MAP_LEGEND = "map-legend"
MAP_DOCK = "map-dock"
MAP_SHOWN = "map-shown"
MAP_NET_LINK = "map-net-link"
#: Pattern-matching type of the buttons that pick a structure on the Carte page (``id``:
#: its id, ``""`` to clear the structure; ``at``: the list it is in, so that a structure
#: listed under several stages has one distinct button in each).
MAP_PICK = "map-pick"
#: The Carte page's export of the territories shown (CSV, XLSX) and its download.
MAP_EXPORT_CSV = "map-export-csv"
MAP_EXPORT_XLSX = "map-export-xlsx"
MAP_DOWNLOAD = "map-download"

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
#: The EPCI a map selection filters the network by (there is no EPCI list on Réseau).
NET_EPCI = "net-epci"
NET_EPCI_NAME = "net-epci-name"
NET_EPCI_CLEAR = "net-epci-clear"
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

# --- Qui peut m'accompagner ? (orientation) -------------------------------------------------
ORI_URL = "ori-url"
ORI_LANG = "ori-lang"
ORI_QUERY = "ori-query"
ORI_GO = "ori-go"
ORI_STAGE = "ori-stage"
ORI_THEME = "ori-theme"
ORI_RESULTS = "ori-results"
ORI_FOR = "ori-for"
#: Pattern-matching type of the buttons that pick a commune (``code``: its INSEE code).
ORI_PICK = "ori-pick"

# --- Exports of the current selection (Réseau toolbar) ---------------------------------------
EXPORT_CSV = "export-csv"
EXPORT_XLSX = "export-xlsx"
EXPORT_HTML = "export-html"
EXPORT_PNG = "export-png"
EXPORT_DOWNLOAD = "export-download"
EXPORT_SINK = "export-sink"
