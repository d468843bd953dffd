"""Network view builders: Cytoscape elements and stylesheet, preset positions, legend,
the detail of a structure. Pure: they take an :class:`~fresque.ecosystem.Ecosystem` and
return plain lists and dicts (JSON-ready), tested without Dash or a browser.

Visual encoding
---------------

- **Colour = kind** (Okabe–Ito palette, safe for the common colour-vision deficiencies;
  the yellow, too pale on white, is left out).
- **Shape = dispositif**, by family (:data:`SHAPE_FAMILIES`): 24 dispositifs cannot each
  get a shape anyone would tell apart, eight families can. A structure with several
  dispositifs takes the family of the first one it lists.
- **Size = degree or betweenness**, computed once on the whole dataset
  (:func:`node_metrics`) so that a node keeps its size when filters change.
- ``expected`` structures (the DLA of a département whose operator is not sourced) are
  drawn hollow with a dashed outline; ``defunct`` ones are grey.
- Links are coloured by relation (Paul Tol's *muted* palette), with an arrow from source
  to target except for the symmetric ``partners_with``.

Layouts
-------

- ``force``: Cytoscape's ``cose``, computed in the browser (never a server-side spring
  layout: networkx needs ~12 s for 2,000 nodes).
- ``concentric``: one band of rings per kind (:func:`concentric_positions`).
- ``board``, the *Fresque board*: columns are the stages of the value chain, from
  idéation to évaluation d'impact, lanes are kinds, so the chain reads left to right
  (:func:`board_positions`). **A structure serving several stages is one node, placed in
  the column of its first stage** (where a project first meets it); its whole range is
  in its tooltip and detail panel. Duplicating it would double the counts and split its
  links; a mean position would put it between columns, where it belongs to no stage.
  The stages are those a structure serves (:func:`fresque.model.stages_served`: its own,
  else its dispositifs' defaults, the rule coverage and accessibility use too).
  Structures serving no stage (funders, public bodies, chambers, mostly) go in a last,
  separate column, "no stage (cross-cutting)".

Positions of the preset layouts are cached by the list of nodes they place.

Examples
--------
>>> from fresque.ecosystem import load_ecosystem
>>> eco = load_ecosystem()
>>> elements = network_elements(eco, layout="board")
>>> nodes = [e for e in elements if "structure" in e.get("classes", "")]
>>> len(nodes) == len(eco)
True
>>> stylesheet = network_stylesheet(selected="avise")
>>> any('node[id = "avise"]' in rule["selector"] for rule in stylesheet)
True
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from fresque.analysis import sampled_betweenness, undirected_graph
from fresque.i18n import DEFAULT_LANGUAGE, format_date, label, normalize_key, t
from fresque.model import (
    STAGE_ORDER,
    SYMMETRIC_RELATIONS,
    Confidence,
    Dispositif,
    Kind,
    Level,
    Relation,
    Stage,
    Status,
    Theme,
    is_stale,
    stages_served,
)

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem
    from fresque.geo.territories import Territories

__all__ = [
    "DISPOSITIF_FAMILY",
    "FORCE_LIMIT",
    "KIND_COLORS",
    "LINK_LIMIT",
    "RELATION_COLORS",
    "SHAPE_FAMILIES",
    "BoardLayout",
    "DrawingPlan",
    "NetworkIndex",
    "NetworkView",
    "board_positions",
    "concentric_positions",
    "cytoscape_layout",
    "drawing_plan",
    "legend",
    "network_elements",
    "network_index",
    "network_stylesheet",
    "node_metrics",
    "node_sizes",
    "search_options",
    "shape_family",
    "stage_span",
    "structure_detail",
    "territory_options",
]

# --------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------

#: Fill colour of each kind (Okabe & Ito, 2008: distinct for deuteranopes, protanopes
#: and tritanopes).
KIND_COLORS: dict[Kind, str] = {
    Kind.SUPPORT_STRUCTURE: "#0072B2",  # blue
    Kind.NETWORK: "#E69F00",  # orange
    Kind.CHAMBER: "#CC79A7",  # reddish purple
    Kind.FUNDER: "#009E73",  # bluish green
    Kind.PUBLIC_BODY: "#D55E00",  # vermillion
}

#: Fill of defunct structures, whatever their kind.
DEFUNCT_COLOR = "#9E9E9E"

#: Colour of each relation (Paul Tol's "muted" scheme, colour-blind safe).
RELATION_COLORS: dict[Relation, str] = {
    Relation.FUNDS: "#117733",  # green
    Relation.ANIMATES: "#882255",  # wine
    Relation.CARRIES: "#332288",  # indigo
    Relation.MEMBER_OF: "#999933",  # olive
    Relation.PARTNERS_WITH: "#44AA99",  # teal
    Relation.REFERS_TO: "#CC6677",  # rose
}

#: Families of dispositifs: key -> (Cytoscape shape, members). The order is the legend's.
SHAPE_FAMILIES: dict[str, tuple[str, tuple[Dispositif, ...]]] = {
    "dla": (
        "round-rectangle",
        (
            Dispositif.DLA_DEPARTEMENTAL,
            Dispositif.DLA_REGIONAL,
            Dispositif.DLA_NATIONAL,
            Dispositif.DLA_PORTEUR,
            Dispositif.DLA_PILOTAGE,
            Dispositif.CRDLA,
        ),
    ),
    "emergence": (
        "hexagon",
        (
            Dispositif.FABRIQUE_A_INITIATIVES,
            Dispositif.POLE_ESS,
            Dispositif.PTCE,
            Dispositif.ESS_RURALITES,
        ),
    ),
    "creation": (
        "triangle",
        (
            Dispositif.INCUBATEUR,
            Dispositif.PEPINIERE,
            Dispositif.CAE,
            Dispositif.SCOP_SCIC,
            Dispositif.CREATION_ENTREPRISE,
            Dispositif.RESEAU_INCUBATEURS_ESS,
        ),
    ),
    "scaling": ("vee", (Dispositif.ACCELERATEUR, Dispositif.FRENCH_IMPACT)),
    "finance": (
        "diamond",
        (Dispositif.FINANCE_SOLIDAIRE, Dispositif.PRET_D_HONNEUR, Dispositif.MENTORAT),
    ),
    "impact": ("star", (Dispositif.EVALUATION_IMPACT,)),
    "chamber": ("octagon", (Dispositif.CRESS, Dispositif.CRESS_NATIONAL)),
    "other": ("ellipse", ()),
}

#: The family of each dispositif.
DISPOSITIF_FAMILY: dict[Dispositif, str] = {
    member: family for family, (_, members) in SHAPE_FAMILIES.items() for member in members
}
assert set(DISPOSITIF_FAMILY) == set(Dispositif), "every dispositif needs a shape family"

_FAMILY_ORDER = {family: i for i, family in enumerate(SHAPE_FAMILIES)}
_STATUS_ORDER = {Status.ACTIVE.value: 0, Status.EXPECTED.value: 1, Status.DEFUNCT.value: 2}
_STAGE_INDEX = {stage.value: i for i, stage in enumerate(STAGE_ORDER)}

#: Node sizes in pixels (at zoom 1): the least and the most connected structure.
SMALLEST_NODE = 16
LARGEST_NODE = 58


def shape_family(dispositifs: Sequence[str]) -> str:
    """Return the shape family of a structure: that of its first dispositif.

    Examples
    --------
    >>> shape_family(["incubateur", "finance_solidaire"]), shape_family([])
    ('creation', 'other')
    """
    for value in dispositifs:
        return DISPOSITIF_FAMILY[Dispositif(value)]
    return "other"


def stage_span(stages: Sequence[str], lang: str = DEFAULT_LANGUAGE) -> str:
    """Return the stages of a structure in words: a range when they follow each other.

    Examples
    --------
    >>> stage_span(["ideation", "emergence", "creation", "consolidation"])
    'Idéation → Consolidation'
    >>> stage_span(["emergence", "consolidation"], "en")
    'Emergence, Consolidation'
    >>> stage_span([])
    ''
    """
    ordered = sorted({_STAGE_INDEX[s] for s in stages})
    names = [label(STAGE_ORDER[i], lang) for i in ordered]
    if len(ordered) >= 3 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{names[0]} → {names[-1]}"
    return ", ".join(names)


# --------------------------------------------------------------------------------------
# Metrics and sizes
# --------------------------------------------------------------------------------------

_metrics_cache: weakref.WeakKeyDictionary[Ecosystem, pd.DataFrame] = weakref.WeakKeyDictionary()
_metrics_lock = threading.Lock()


_degree_cache: weakref.WeakKeyDictionary[Ecosystem, pd.Series] = weakref.WeakKeyDictionary()


def node_degree(eco: Ecosystem) -> pd.Series:
    """Return each structure's degree: how many structures it is linked to, whatever
    the relations and their direction (cached; the ``degree`` of :func:`node_metrics`).

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> eco = load_ecosystem()
    >>> degree = node_degree(eco)
    >>> int(degree["avise"]) == len(set(eco.neighbors("avise")) - {"avise"})
    True
    """
    with _metrics_lock:
        cached = _degree_cache.get(eco)
    if cached is not None:
        return cached
    degree = dict(undirected_graph(eco).degree())
    index = eco.structures.index
    series = pd.Series([degree.get(sid, 0) for sid in index], index=index, name="degree")
    with _metrics_lock:
        _degree_cache[eco] = series
    return series


def node_metrics(eco: Ecosystem) -> pd.DataFrame:
    """Return each structure's ``degree`` and ``betweenness``, indexed by id (cached).

    Both are computed on the undirected simple graph (a pair of structures linked by
    two relations counts once). ``degree`` is the number of structures linked to it;
    ``betweenness`` the normalised betweenness centrality of
    :func:`fresque.analysis.sampled_betweenness` (sampled above 1,000 structures). The result is
    computed once per ecosystem and shared: do not modify it.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> metrics = node_metrics(load_ecosystem())
    >>> bool(metrics.loc["avise", "degree"] > metrics["degree"].median())
    True
    """
    with _metrics_lock:
        cached = _metrics_cache.get(eco)
    if cached is not None:
        return cached
    between = sampled_betweenness(undirected_graph(eco))
    index = eco.structures.index
    metrics = pd.DataFrame(
        {
            "degree": node_degree(eco),
            "betweenness": [between.get(sid, 0.0) for sid in index],
        },
        index=index,
    )
    with _metrics_lock:
        _metrics_cache[eco] = metrics
    return metrics


def node_sizes(
    values: pd.Series,
    top: float | None = None,
    smallest: float = SMALLEST_NODE,
    largest: float = LARGEST_NODE,
) -> pd.Series:
    """Scale ``values`` to node sizes: the area grows with the value (square root).

    ``top`` is the value drawn at the largest size (default: the largest of ``values``);
    pass the whole dataset's so that a filtered view keeps the same sizes.

    Examples
    --------
    >>> node_sizes(pd.Series([0, 1, 4])).round(1).tolist()
    [16.0, 37.0, 58.0]
    >>> node_sizes(pd.Series([1.0]), top=4).round(1).tolist()
    [37.0]
    """
    if top is None:
        top = float(values.max()) if len(values) else 0.0
    if not top > 0:
        return pd.Series(float(smallest), index=values.index)
    scaled = (values.clip(lower=0) / top) ** 0.5
    return smallest + (largest - smallest) * scaled


# --------------------------------------------------------------------------------------
# Preset positions
# --------------------------------------------------------------------------------------

#: Distance between the centres of two neighbouring nodes on the board and the rings.
SPACING = 64
#: Smallest width of a board column (its header must fit).
MIN_COLUMN_WIDTH = 5 * SPACING
COLUMN_GAP = 48
LANE_GAP = 28
LANE_PADDING = 18
#: Key of the board's last column: structures with no stage.
NO_STAGE = "none"
BOARD_COLUMNS: tuple[str, ...] = (*(s.value for s in STAGE_ORDER), NO_STAGE)
#: Rings of the concentric layout, from the centre out.
CONCENTRIC_ORDER: tuple[Kind, ...] = (
    Kind.CHAMBER,
    Kind.NETWORK,
    Kind.FUNDER,
    Kind.PUBLIC_BODY,
    Kind.SUPPORT_STRUCTURE,
)
RING_GAP = 1.6 * SPACING


@dataclass(frozen=True)
class BoardLayout:
    """Positions on the Fresque board, with its columns and lanes for the decorations.

    Attributes
    ----------
    positions
        ``{id: (x, y)}``, centres of the nodes.
    columns
        ``(key, x0, x1)`` for each column drawn, left to right: a stage value or
        :data:`NO_STAGE`.
    lanes
        ``(kind, y0, y1)`` for each lane drawn, top to bottom (kinds present only).
    """

    positions: dict[str, tuple[float, float]]
    columns: tuple[tuple[str, float, float], ...]
    lanes: tuple[tuple[str, float, float], ...]

    @property
    def width(self) -> float:
        return self.columns[-1][2] - self.columns[0][1]

    @property
    def top(self) -> float:
        return self.lanes[0][1] if self.lanes else 0.0

    @property
    def bottom(self) -> float:
        return self.lanes[-1][2] if self.lanes else 0.0


@lru_cache(maxsize=50_000)
def _name_key(name: str) -> str:
    return normalize_key(name)


def _node_key(row: Any) -> tuple[Any, ...]:
    """Order of the nodes inside a board cell or a ring: family, status, name."""
    return (
        _FAMILY_ORDER[shape_family(row.dispositifs)],
        _STATUS_ORDER.get(row.status, 9),
        _name_key(row.name),
        row.Index,
    )


#: The columns the elements and positions read (not the geometry: faster rows).
_NODE_COLUMNS = ["name", "kind", "dispositifs", "stages", "status"]


def _placement(row: Any) -> tuple[str, str, int, tuple[Any, ...]]:
    """A structure's place on the board and the rings: id, kind, first stage (its
    column), order inside its cell."""
    served = stages_served(row.stages, row.dispositifs)
    first = min((_STAGE_INDEX[s] for s in served), default=len(STAGE_ORDER))
    return (row.Index, row.kind, first, _node_key(row))


def _node_classes(row: Any) -> str:
    """The Cytoscape classes of a structure's node."""
    return f"structure kind-{row.kind} shape-{shape_family(row.dispositifs)} status-{row.status}"


def _placement_key(structures: pd.DataFrame) -> tuple[tuple[str, str, int, tuple], ...]:
    """What the preset positions depend on, hashable: one tuple per structure, in order."""
    rows = [_placement(row) for row in structures[_NODE_COLUMNS].itertuples()]
    rows.sort(key=lambda r: r[3])
    return tuple(rows)


def board_positions(structures: pd.DataFrame) -> BoardLayout:
    """Place structures on the Fresque board: columns = first stage, lanes = kind.

    Every stage column is drawn, empty or not (an empty stage is a finding); the
    no-stage column and the lanes only when they hold someone. Inside a cell, nodes
    fill a grid row by row, grouped by dispositif family then status then name. Each
    column is as wide as its fullest cell needs, each lane as tall as its fullest cell.

    Parameters
    ----------
    structures
        :attr:`Ecosystem.structures` or a subset (needs ``kind``, ``stages``,
        ``dispositifs``, ``status``, ``name``).

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> eco = load_ecosystem()
    >>> board = board_positions(eco.structures)
    >>> [key for key, _, _ in board.columns][:2], len(board.positions) == len(eco)
    (['ideation', 'emergence'], True)
    """
    return _board_positions(_placement_key(structures))


@lru_cache(maxsize=64)
def _board_positions(key: tuple[tuple[str, str, int, tuple], ...]) -> BoardLayout:
    n_columns = len(BOARD_COLUMNS)
    cells: dict[tuple[int, str], list[str]] = {}
    for sid, kind, column, _ in key:
        cells.setdefault((column, kind), []).append(sid)
    kinds = [k.value for k in Kind if any(kind == k.value for (_, kind) in cells)]
    columns = [c for c in range(n_columns) if c < n_columns - 1 or any(c == i for i, _ in cells)]

    # Grid width of each column, from its fullest cell; height of each lane.
    per_row: dict[int, int] = {}
    for c in columns:
        fullest = max((len(cells.get((c, kind), ())) for kind in kinds), default=0)
        per_row[c] = max(1, math.ceil(math.sqrt(fullest * 1.5)))
    rows_of_lane = {
        kind: max(
            (math.ceil(len(cells.get((c, kind), ())) / per_row[c]) for c in columns), default=1
        )
        for kind in kinds
    }

    x = 0.0
    column_spans: list[tuple[str, float, float]] = []
    column_x: dict[int, tuple[float, float]] = {}
    for c in columns:
        width = max(MIN_COLUMN_WIDTH, per_row[c] * SPACING)
        if c == n_columns - 1:
            x += COLUMN_GAP  # the no-stage column stands apart from the chain
        column_spans.append((BOARD_COLUMNS[c], x, x + width))
        column_x[c] = (x, width)
        x += width + COLUMN_GAP

    y = 0.0
    lane_spans: list[tuple[str, float, float]] = []
    positions: dict[str, tuple[float, float]] = {}
    for kind in kinds:
        height = max(1, rows_of_lane[kind]) * SPACING + 2 * LANE_PADDING
        lane_spans.append((kind, y, y + height))
        for c in columns:
            members = cells.get((c, kind), [])
            x0, width = column_x[c]
            k = per_row[c]
            used = min(k, len(members)) * SPACING
            left = x0 + (width - used) / 2
            for j, sid in enumerate(members):
                positions[sid] = (
                    round(left + (j % k + 0.5) * SPACING, 1),
                    round(y + LANE_PADDING + (j // k + 0.5) * SPACING, 1),
                )
        y += height + LANE_GAP
    return BoardLayout(positions, tuple(column_spans), tuple(lane_spans))


def concentric_positions(structures: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Place structures on concentric rings, one band of rings per kind.

    Kinds go from the centre out in :data:`CONCENTRIC_ORDER` (the few chambers and
    networks inside, the many support structures outside). A ring holds as many nodes
    as fit at :data:`SPACING`; a kind that needs more continues on the next ring.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> structures = load_ecosystem().structures
    >>> positions = concentric_positions(structures)
    >>> import math
    >>> radius = {sid: math.hypot(*xy) for sid, xy in positions.items()}
    >>> kind = structures["kind"]
    >>> max(radius[s] for s in kind.index[kind == "chamber"]) < min(
    ...     radius[s] for s in kind.index[kind == "support_structure"])
    True
    """
    return _concentric_positions(_placement_key(structures))


@lru_cache(maxsize=64)
def _concentric_positions(
    key: tuple[tuple[str, str, int, tuple], ...],
) -> dict[str, tuple[float, float]]:
    by_kind: dict[str, list[str]] = {}
    for sid, kind, _, _ in key:
        by_kind.setdefault(kind, []).append(sid)
    positions: dict[str, tuple[float, float]] = {}
    radius = 0.0
    for kind in CONCENTRIC_ORDER:
        members = by_kind.get(kind.value, [])
        if not members:
            continue
        radius += RING_GAP if positions else RING_GAP / 2
        while members:
            capacity = max(1, math.floor(2 * math.pi * radius / SPACING))
            ring, members = members[:capacity], members[capacity:]
            step = 2 * math.pi / len(ring)
            for j, sid in enumerate(ring):
                angle = -math.pi / 2 + j * step
                positions[sid] = (
                    round(radius * math.cos(angle), 1),
                    round(radius * math.sin(angle), 1),
                )
            if members:
                radius += SPACING
    return positions


# --------------------------------------------------------------------------------------
# Elements, layout, stylesheet
# --------------------------------------------------------------------------------------

#: Prefix of the ids of the board's decorations (structure ids are slugs: no colon).
DECOR_PREFIX = "board:"


@lru_cache(maxsize=4096)
def _tooltip_tail(
    kind: str, dispositifs: tuple[str, ...], stages: tuple[str, ...], status: str, lang: str
) -> str:
    parts = [label(kind, lang, Kind)]
    if dispositifs:
        parts.append(", ".join(label(d, lang, Dispositif) for d in dispositifs))
    if stages:
        parts.append(
            t("network.tip.stages", lang) + t("punct.colon", lang) + stage_span(stages, lang)
        )
    if status != Status.ACTIVE.value:
        parts.append(label(status, lang, Status))
    return "\n".join(parts)


def _tooltip(row: Any, lang: str) -> str:
    served = tuple(stages_served(row.stages, row.dispositifs))
    tail = _tooltip_tail(row.kind, tuple(row.dispositifs), served, row.status, lang)
    return f"{row.name}\n{tail}"


def _node_datum(row: Any, size: float, lang: str, tip: str | None = None) -> dict[str, Any]:
    """The ``data`` of a structure's node (``tip``: its :func:`_tooltip`, if known)."""
    return {
        "id": row.Index,
        "label": row.name,
        "kind": row.kind,
        "status": row.status,
        "size": size,
        "tip": _tooltip(row, lang) if tip is None else tip,
    }


def _link_element(
    source: str, target: str, relation: str, confidence: str, labels: Mapping[str, str]
) -> dict[str, Any]:
    """The element of a link (``labels``: each relation in words)."""
    return {
        "data": {
            "id": f"{source}->{target}:{relation}",
            "source": source,
            "target": target,
            "relation": relation,
            "label": labels[relation],
            "confidence": confidence,
        },
        "classes": f"link rel-{relation}",
    }


def cytoscape_layout(layout: str, n_nodes: int = 0) -> dict[str, Any]:
    """Return the Cytoscape ``layout`` option of a network layout.

    Preset layouts take the positions the elements carry; ``force`` runs ``cose`` in the
    browser. The layout's name goes in ``fresque`` so that switching between two preset
    layouts changes the option and makes Cytoscape fit the view again.

    Examples
    --------
    >>> cytoscape_layout("board")["name"], cytoscape_layout("force")["name"]
    ('preset', 'cose')
    """
    if layout == "force":
        return {
            "name": "cose",
            "fresque": "force",
            "animate": False,
            "fit": True,
            "padding": 30,
            "randomize": True,
            "nodeRepulsion": 9000,
            "idealEdgeLength": 70,
            "edgeElasticity": 80,
            "gravity": 0.4,
            "componentSpacing": 60,
            "numIter": 1000 if n_nodes <= 1000 else 400,
        }
    return {"name": "preset", "fresque": layout, "fit": True, "padding": 30, "animate": False}


#: Above this many links, a view draws its structures without their links: Chromium
#: takes seconds to draw ten thousand curved links, and nobody reads them.
LINK_LIMIT = 2_500
#: Above this many structures, the force layout (Cytoscape's ``cose``, quadratic in the
#: number of nodes: ~10 s at 5,000) gives way to the concentric rings.
FORCE_LIMIT = 1_500


@dataclass(frozen=True)
class DrawingPlan:
    """How a view is drawn: the layout actually used, whether links are drawn, and the
    notices (keys of :mod:`fresque.i18n` strings taking ``{limit}``) that say why not.

    Attributes
    ----------
    layout
        The layout drawn (the one asked for, unless too large for it).
    links
        Whether the links are drawn.
    notices
        ``(key, limit)`` pairs, one per limit reached.
    """

    layout: str
    links: bool
    notices: tuple[tuple[str, int], ...]


def drawing_plan(layout: str, n_structures: int, n_links: int) -> DrawingPlan:
    """Return how to draw a view of ``n_structures`` and ``n_links`` in ``layout``.

    Examples
    --------
    >>> drawing_plan("board", 297, 627)
    DrawingPlan(layout='board', links=True, notices=())
    >>> plan = drawing_plan("force", 5000, 10500)
    >>> plan.layout, plan.links, [key for key, _ in plan.notices]
    ('concentric', False, ['network.limit.force', 'network.limit.links'])
    """
    notices: list[tuple[str, int]] = []
    if layout == "force" and n_structures > FORCE_LIMIT:
        layout = "concentric"
        notices.append(("network.limit.force", FORCE_LIMIT))
    links = n_links <= LINK_LIMIT
    if not links:
        notices.append(("network.limit.links", LINK_LIMIT))
    return DrawingPlan(layout, links, tuple(notices))


def _board_decorations(board: BoardLayout, lang: str) -> list[dict[str, Any]]:
    """Lane bands (labelled with their kind on the left) and column headers."""
    if not board.columns:
        return []
    left = board.columns[0][1] - COLUMN_GAP / 2
    right = board.columns[-1][2] + COLUMN_GAP / 2
    decor: list[dict[str, Any]] = []

    def add(suffix: str, classes: str, data: dict[str, Any], x: float, y: float) -> None:
        decor.append(
            {
                "data": {"id": f"{DECOR_PREFIX}{suffix}", **data},
                "classes": f"board {classes}",
                "position": {"x": round(x, 1), "y": round(y, 1)},
                "selectable": False,
                "grabbable": False,
                "locked": True,
            }
        )

    for i, (kind, y0, y1) in enumerate(board.lanes):
        add(
            f"lane:{kind}",
            "board-lane" + (" board-lane-alt" if i % 2 else ""),
            {"label": label(kind, lang, Kind), "w": right - left, "h": y1 - y0},
            (left + right) / 2,
            (y0 + y1) / 2,
        )
    header_y = board.top - 64
    bottom = board.bottom
    for i, (key, x0, x1) in enumerate(board.columns):
        if key == NO_STAGE:
            text = t("network.board.no_stage", lang)
        else:
            text = f"{i + 1}. {label(key, lang, Stage)}"
        add(f"column:{key}", "board-header", {"label": text, "w": x1 - x0}, (x0 + x1) / 2, header_y)
        if i:
            gap_x = x0 - COLUMN_GAP / 2 - (COLUMN_GAP / 2 if key == NO_STAGE else 0)
            add(
                f"rule:{key}",
                "board-rule",
                {"label": "", "w": 2, "h": bottom - board.top + 2 * LANE_PADDING},
                gap_x,
                (board.top + bottom) / 2,
            )
    return decor


def network_elements(
    eco: Ecosystem,
    *,
    layout: str = "board",
    metric: str = "degree",
    metrics: pd.DataFrame | None = None,
    relations: Iterable[str] = (),
    lang: str = DEFAULT_LANGUAGE,
) -> list[dict[str, Any]]:
    """Return the Cytoscape elements of ``eco``: nodes, then links, then decorations.

    Parameters
    ----------
    eco
        The ecosystem to draw (often a filtered one).
    layout
        ``"board"``, ``"concentric"`` (nodes carry their preset position) or ``"force"``
        (no positions: the browser computes them).
    metric
        ``"degree"`` or ``"betweenness"``: what sizes the nodes.
    metrics
        :func:`node_metrics` of the *whole* dataset, so that sizes do not change with the
        filters; by default those of ``eco``.
    relations
        Keep only the links of these relations (all when empty).
    lang
        Language of the tooltips and board labels.

    Notes
    -----
    Each structure node has classes ``structure kind-… shape-… status-…`` and data
    ``id``, ``label`` (its name, drawn as text by Cytoscape), ``kind``, ``status``,
    ``size`` and ``tip`` (tooltip text). Each link has classes ``link rel-…`` and data
    ``source``, ``target``, ``relation``, ``label`` (the relation in words, for its
    tooltip; not drawn) and ``confidence``.

    The app draws filtered views of one large ecosystem with :class:`NetworkIndex`
    instead (same elements, without building a filtered ecosystem).
    """
    index = NetworkIndex(eco, metrics)  # without metrics: only the one sizing the nodes
    view = index.view(relations=relations)
    return index.elements(view, layout=layout, metric=metric, lang=lang)


# --------------------------------------------------------------------------------------
# Filtered views of a large ecosystem, picked from arrays built once
# --------------------------------------------------------------------------------------


def _values(enum_cls: type, values: Any) -> set[str]:
    """Canonical values of one filter criterion (one value or several)."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        values = [values]
    return {enum_cls(getattr(v, "value", v)).value for v in values}


@dataclass(frozen=True, eq=False)
class NetworkView:
    """What the network shows of an ecosystem: kept structures and links, as masks.

    Attributes
    ----------
    keep
        One boolean per structure, in :attr:`Ecosystem.structures` order.
    links
        One boolean per link, in :attr:`Ecosystem.links` order (both ends kept, and the
        wanted relations only).
    ids
        The ids of the structures kept.
    """

    keep: Any
    links: Any
    ids: frozenset[str]

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, sid: object) -> bool:
        return sid in self.ids

    @property
    def n_links(self) -> int:
        """Number of links kept."""
        return int(self.links.sum())


class NetworkIndex:
    """Everything the network view of one ecosystem needs, built once, picked per view.

    :meth:`Ecosystem.filter` builds a new ecosystem (tables, graph): at 5,000 structures
    that takes hundreds of milliseconds, far more than drawing needs. The index keeps the
    ecosystem's criteria as arrays and its elements' parts as ready dicts, so that a
    filtered view is a boolean mask (:meth:`view`, the same structures and links as
    :meth:`Ecosystem.filter` and :meth:`Ecosystem.ego`, checked by the tests) and its
    elements a pick by index (:meth:`elements`, the same as :func:`network_elements` of
    the filtered ecosystem).

    Parameters
    ----------
    eco
        The whole ecosystem.
    metrics
        :func:`node_metrics` of ``eco`` (sizes), by default computed (cached).

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> eco = load_ecosystem()
    >>> index = NetworkIndex(eco)
    >>> view = index.view(kinds=["chamber"])
    >>> sorted(view.ids) == sorted(eco.filter(kinds="chamber").structures.index)
    True
    """

    def __init__(self, eco: Ecosystem, metrics: pd.DataFrame | None = None) -> None:
        import numpy as np

        self._np = np
        self.eco = eco
        self._metrics = metrics  # None: from the ecosystem, on first need (see _metric)
        table = eco.structures[[*_NODE_COLUMNS, "themes", "confidence"]]
        self.ids = list(table.index)
        self._position = {sid: i for i, sid in enumerate(self.ids)}
        n = len(self.ids)
        self._rows = list(table[_NODE_COLUMNS].itertuples())
        self._kind = table["kind"].to_numpy(dtype=object)
        self._status = table["status"].to_numpy(dtype=object)
        self._confidence = np.array([Confidence(c).rank for c in table["confidence"]], dtype=int)
        self._lists = {
            "dispositifs": [set(v) for v in table["dispositifs"]],
            "stages": [set(stages_served(r.stages, r.dispositifs)) for r in self._rows],
            "themes": [set(v) for v in table["themes"]],
        }
        self._national = eco.national.reindex(self.ids).fillna(False).to_numpy(dtype=bool)
        self._matrix_csc = eco.commune_matrix.tocsc()
        links = eco.links
        self._source = np.array([self._position[s] for s in links["source"]], dtype=np.intp)
        self._target = np.array([self._position[s] for s in links["target"]], dtype=np.intp)
        self._relation = links["relation"].to_numpy(dtype=object)
        self._link_confidence = np.array(
            [Confidence(c).rank for c in links["confidence"]], dtype=int
        )
        # Placement rows in the board's order (family, status, name): a view's key is the
        # kept rows in this order, no sort per view.
        placement = [_placement(row) for row in self._rows]
        self._order = np.array(
            sorted(range(n), key=lambda i: placement[i][3]), dtype=np.intp
        ).reshape(-1)
        self._placement = placement
        self._classes = [_node_classes(r) for r in self._rows]
        self._data: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._link_elements: dict[str, list[dict[str, Any]]] = {}
        self._territories: dict[Any, Any] = {}
        self._lock = threading.Lock()
        # The first view's parts (default size and language), with the index.
        self._node_data("degree", DEFAULT_LANGUAGE)
        self._links_of(DEFAULT_LANGUAGE)

    # --- masks --------------------------------------------------------------------------

    def _territory_mask(self, territory: Any) -> Any:
        with self._lock:
            found = self._territories.get(territory)
        if found is None:
            resolved = self.eco.resolve_territory(territory)
            positions = self.eco.territories.commune_positions(resolved)
            counts = self._np.asarray(self._matrix_csc[:, positions].sum(axis=1)).ravel()
            found = (counts > 0) | self._national
            with self._lock:
                self._territories[territory] = found
        return found

    def view(
        self,
        kinds: Any = None,
        dispositifs: Any = None,
        stages: Any = None,
        themes: Any = None,
        territory: Any = None,
        min_confidence: Confidence | str | None = None,
        statuses: Any = None,
        *,
        relations: Iterable[str] = (),
        ego: tuple[str, int] | None = None,
    ) -> NetworkView:
        """Return the view of the structures passing the filters (as
        :meth:`Ecosystem.filter`), optionally around one of them (as
        :meth:`Ecosystem.ego`), with the links of ``relations`` only (all when empty).

        Criteria take canonical values (``"chamber"``, ``("departement", "29")``).

        Raises
        ------
        fresque.geo.territories.TerritoryError
            When ``territory`` is unknown.
        KeyError
            When the ``ego`` structure is not in the view.
        """
        np = self._np
        keep = np.ones(len(self.ids), dtype=bool)
        for values, enum_cls, column in (
            (kinds, Kind, self._kind),
            (statuses, Status, self._status),
        ):
            if values is not None:
                keep &= np.isin(column, list(_values(enum_cls, values)))
        for values, enum_cls, name in (
            (dispositifs, Dispositif, "dispositifs"),
            (stages, Stage, "stages"),
            (themes, Theme, "themes"),
        ):
            if values is not None:
                wanted = _values(enum_cls, values)
                keep &= np.fromiter(
                    (not wanted.isdisjoint(v) for v in self._lists[name]), bool, len(keep)
                )
        link_keep = np.ones(len(self._source), dtype=bool)
        if min_confidence is not None:
            floor = Confidence(getattr(min_confidence, "value", min_confidence)).rank
            keep &= self._confidence >= floor
            link_keep &= self._link_confidence >= floor
        if territory is not None:
            keep &= self._territory_mask(territory)
        link_keep &= keep[self._source] & keep[self._target]
        if ego is not None:
            sid, radius = ego
            start = self._position.get(sid)
            if start is None or not keep[start]:
                raise KeyError(sid)
            reached = np.zeros(len(keep), dtype=bool)
            reached[start] = True
            for _ in range(radius):
                touching = link_keep & (reached[self._source] | reached[self._target])
                grown = reached.copy()
                grown[self._source[touching]] = True
                grown[self._target[touching]] = True
                if (grown == reached).all():
                    break
                reached = grown
            keep &= reached
            link_keep &= keep[self._source] & keep[self._target]
        wanted_relations = list(relations)
        if wanted_relations:
            link_keep &= np.isin(self._relation, wanted_relations)
        ids = frozenset(self.ids[i] for i in np.flatnonzero(keep))
        return NetworkView(keep, link_keep, ids)

    def neighbors(self, view: NetworkView, sid: str) -> list[str]:
        """Ids linked to ``sid`` by the links of ``view``, sorted (as
        :meth:`Ecosystem.neighbors` on the filtered ecosystem)."""
        i = self._position.get(sid)
        if i is None:
            return []
        np = self._np
        touching = view.links & ((self._source == i) | (self._target == i))
        ends = np.concatenate([self._source[touching], self._target[touching]])
        return sorted({self.ids[j] for j in ends if j != i})

    # --- elements -----------------------------------------------------------------------

    def _metric(self, metric: str) -> pd.Series:
        """A metric of every structure; the degree without the betweenness, which takes
        most of a first page's time (0.7 s on the national dataset) and waits until
        someone sizes the nodes by it."""
        if self._metrics is not None:
            return self._metrics[metric]
        if metric == "degree":
            return node_degree(self.eco)
        return node_metrics(self.eco)[metric]

    def _node_data(self, metric: str, lang: str) -> list[dict[str, Any]]:
        key = (metric, lang)
        with self._lock:
            found = self._data.get(key)
        if found is None:
            column = self._metric(metric)
            values = column.reindex(self.ids).fillna(0)
            sizes = node_sizes(values, top=float(column.max()) if len(column) else 0.0)
            found = [
                _node_datum(row, size, lang)
                for row, size in zip(self._rows, sizes.round(1).tolist(), strict=True)
            ]
            with self._lock:
                self._data[key] = found
        return found

    def _links_of(self, lang: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self._link_elements.get(lang)
        if found is None:
            relation_labels = {r.value: label(r, lang) for r in Relation}
            columns = ["source", "target", "relation", "confidence"]
            found = [
                _link_element(k.source, k.target, k.relation, k.confidence, relation_labels)
                for k in self.eco.links[columns].itertuples(index=False)
            ]
            with self._lock:
                self._link_elements[lang] = found
        return found

    def elements(
        self,
        view: NetworkView,
        *,
        layout: str = "board",
        metric: str = "degree",
        lang: str = DEFAULT_LANGUAGE,
        links: bool = True,
    ) -> list[dict[str, Any]]:
        """Return the Cytoscape elements of ``view`` (see :func:`network_elements`);
        without its links when ``links`` is false (see :func:`drawing_plan`)."""
        np = self._np
        kept = np.flatnonzero(view.keep)
        positions: dict[str, tuple[float, float]] = {}
        decor: list[dict[str, Any]] = []
        if layout in ("board", "concentric"):
            ordered = self._order[view.keep[self._order]]
            key = tuple(self._placement[i] for i in ordered)
            if layout == "board":
                board = _board_positions(key)
                positions = board.positions
                decor = _board_decorations(board, lang)
            else:
                positions = _concentric_positions(key)
        data = self._node_data(metric, lang)
        classes = self._classes
        ids = self.ids
        elements: list[dict[str, Any]] = []
        for i in kept:
            node: dict[str, Any] = {"data": data[i], "classes": classes[i]}
            xy = positions.get(ids[i])
            if xy is not None:
                node["position"] = {"x": xy[0], "y": xy[1]}
            elements.append(node)
        if links:
            drawn = self._links_of(lang)
            elements.extend(drawn[j] for j in np.flatnonzero(view.links))
        return elements + decor


_index_cache: weakref.WeakKeyDictionary[Ecosystem, NetworkIndex] = weakref.WeakKeyDictionary()


def network_index(eco: Ecosystem) -> NetworkIndex:
    """Return the :class:`NetworkIndex` of ``eco`` with its own metrics, built once."""
    with _metrics_lock:
        cached = _index_cache.get(eco)
    if cached is None:
        cached = NetworkIndex(eco)
        with _metrics_lock:
            _index_cache[eco] = cached
    return cached


def _selector_ids(ids: Iterable[str]) -> str:
    return ", ".join(f'node[id = "{sid}"]' for sid in ids)


def network_stylesheet(
    selected: str | None = None, neighbors: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Return the Cytoscape stylesheet; with a selection, fade what is not linked to it.

    Parameters
    ----------
    selected
        Id of the selected structure (a slug, so safe inside a selector).
    neighbors
        Ids of the structures linked to it (their labels show, the rest fades).
    """
    font = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif'
    rules: list[dict[str, Any]] = [
        {
            "selector": "node.structure",
            "style": {
                "width": "data(size)",
                "height": "data(size)",
                "label": "data(label)",
                "font-family": font,
                "font-size": 11,
                "min-zoomed-font-size": 9,
                "color": "#1f2328",
                "text-valign": "bottom",
                "text-margin-y": 3,
                "text-wrap": "ellipsis",
                "text-max-width": "110px",
                "text-background-color": "#ffffff",
                "text-background-opacity": 0.75,
                "text-background-padding": "1px",
                "border-width": 1.5,
                "border-color": "#ffffff",
                "z-index": 10,
            },
        },
    ]
    for kind, color in KIND_COLORS.items():
        rules.append({"selector": f"node.kind-{kind.value}", "style": {"background-color": color}})
    for family, (shape, _) in SHAPE_FAMILIES.items():
        rules.append({"selector": f"node.shape-{family}", "style": {"shape": shape}})
    for kind, color in KIND_COLORS.items():
        rules.append(
            {
                "selector": f"node.status-expected.kind-{kind.value}",
                "style": {"border-color": color},
            }
        )
    rules += [
        {
            "selector": "node.status-expected",
            "style": {
                "background-opacity": 0.18,
                "border-style": "dashed",
                "border-width": 2.5,
            },
        },
        {
            "selector": "node.status-defunct",
            "style": {
                "background-color": DEFUNCT_COLOR,
                "border-color": "#6e6e6e",
                "color": "#6e6e6e",
                "opacity": 0.75,
            },
        },
        {
            "selector": "edge.link",
            "style": {
                "width": 1.2,
                "curve-style": "bezier",
                "opacity": 0.4,
                "target-arrow-shape": "triangle",
                "arrow-scale": 0.8,
                "z-index": 1,
            },
        },
    ]
    for relation, color in RELATION_COLORS.items():
        style: dict[str, Any] = {"line-color": color, "target-arrow-color": color}
        if relation in SYMMETRIC_RELATIONS:
            style["target-arrow-shape"] = "none"
        rules.append({"selector": f"edge.rel-{relation.value}", "style": style})
    rules += [
        {
            "selector": "node.board",
            "style": {
                "events": "no",
                "shape": "rectangle",
                "width": "data(w)",
                "height": "data(h)",
                "background-color": "#ffffff",
                "background-opacity": 0,
                "border-width": 0,
                "label": "data(label)",
                "font-family": font,
                "color": "#57606a",
                "z-index": 0,
                "z-compound-depth": "bottom",
            },
        },
        {
            "selector": "node.board-lane",
            "style": {
                "background-color": "#eef1f4",
                "background-opacity": 1,
                "text-valign": "center",
                "text-halign": "left",
                "text-margin-x": -12,
                "text-wrap": "wrap",
                "text-max-width": "260px",
                "font-size": 40,
                "font-weight": "bold",
                "text-justification": "right",
            },
        },
        {"selector": "node.board-lane-alt", "style": {"background-color": "#f8f9fa"}},
        {
            "selector": "node.board-header",
            "style": {
                "height": 60,
                "text-valign": "center",
                "text-halign": "center",
                "text-wrap": "wrap",
                "text-max-width": "data(w)",
                "font-size": 40,
                "font-weight": "bold",
                "color": "#1f2328",
            },
        },
        {
            "selector": "node.board-rule",
            "style": {"background-color": "#d0d7de", "background-opacity": 1},
        },
    ]
    if selected:
        neighbors = [n for n in neighbors if n != selected]
        rules += [
            {"selector": "node.structure", "style": {"opacity": 0.22}},
            {"selector": "edge.link", "style": {"opacity": 0.08}},
            {
                "selector": f'edge[source = "{selected}"], edge[target = "{selected}"]',
                "style": {"opacity": 0.9, "width": 2.4, "z-index": 5},
            },
        ]
        if neighbors:
            rules.append(
                {
                    "selector": _selector_ids(neighbors),
                    "style": {"opacity": 1, "min-zoomed-font-size": 0},
                }
            )
        rules.append(
            {
                "selector": _selector_ids([selected]),
                "style": {
                    "opacity": 1,
                    "border-width": 5,
                    "border-color": "#1f2328",
                    "border-style": "solid",
                    "font-size": 22,
                    "text-background-opacity": 0.9,
                    "font-weight": "bold",
                    "min-zoomed-font-size": 0,
                    "text-max-width": "420px",
                    "z-index": 20,
                },
            }
        )
    return rules


# --------------------------------------------------------------------------------------
# Legend, options, detail
# --------------------------------------------------------------------------------------


def legend(lang: str = DEFAULT_LANGUAGE, metric: str = "degree") -> dict[str, Any]:
    """Return what the legend shows: kinds (colours), shape families, statuses,
    relations (colours, arrows) and what the size means.

    Examples
    --------
    >>> entries = legend("en")
    >>> entries["kinds"][0]
    {'value': 'support_structure', 'label': 'Support organisation', 'color': '#0072B2'}
    >>> entries["shapes"][0]["shape"], entries["size"][:6]
    ('round-rectangle', 'Size: ')
    """
    return {
        "kinds": [
            {"value": kind.value, "label": label(kind, lang), "color": color}
            for kind, color in KIND_COLORS.items()
        ],
        "shapes": [
            {
                "family": family,
                "shape": shape,
                "label": t(f"network.family.{family}", lang),
                "members": [label(member, lang) for member in members],
            }
            for family, (shape, members) in SHAPE_FAMILIES.items()
        ],
        "statuses": [
            {
                "value": status.value,
                "label": label(status, lang),
                "note": t(f"network.legend.status.{status.value}", lang),
            }
            for status in Status
        ],
        "relations": [
            {
                "value": relation.value,
                "label": label(relation, lang),
                "color": color,
                "arrow": relation not in SYMMETRIC_RELATIONS,
            }
            for relation, color in RELATION_COLORS.items()
        ],
        "size": t(f"network.legend.size.{metric}", lang),
    }


def search_options(eco: Ecosystem) -> list[dict[str, str]]:
    """Return ``[{"label": name, "value": id}]`` for the search box, by name.

    Labels are plain text: the app renders them as text, never as HTML.
    """
    names = eco.structures["name"]
    order = sorted(names.index, key=lambda sid: (normalize_key(names[sid]), sid))
    return [{"label": names[sid], "value": sid} for sid in order]


def territory_options(
    territories: Territories,
    level: Level | str,
    lang: str = DEFAULT_LANGUAGE,
    within: tuple[str, str] | None = None,
) -> list[dict[str, str]]:
    """Return the régions or départements to filter by, as dropdown options.

    Régions are sorted by name, départements by code (``29 – Finistère``).

    Examples
    --------
    >>> from fresque.geo.territories import default_territories
    >>> territories = default_territories()
    >>> [o["label"] for o in territory_options(territories, "departement",
    ...                                        within=("region", "53"))]
    ["22 – Côtes-d'Armor", '29 – Finistère', '35 – Ille-et-Vilaine', '56 – Morbihan']
    >>> territory_options(territories, "region")[0]
    {'label': 'Auvergne-Rhône-Alpes', 'value': '84'}
    """
    level = Level(level)
    found = territories.children(within or "FR", level)
    if level is Level.REGION:
        found = sorted(found, key=lambda t: normalize_key(t.name))
        return [{"label": t.name, "value": t.code} for t in found]
    return [{"label": f"{t.code} – {t.name}", "value": t.code} for t in found]


def _format_date(value: date | None, lang: str) -> str | None:
    return None if value is None else format_date(value, lang)


def _territory_names(eco: Ecosystem, level: str, codes: Sequence[str], lang: str) -> list[str]:
    if level == Level.COUNTRY.value:
        return [t("detail.national", lang)]
    names = []
    for code in codes:
        try:
            names.append(f"{eco.territories[(level, code)].name} ({code})")
        except KeyError:
            names.append(code)
    return names


def structure_detail(
    eco: Ecosystem, sid: str, lang: str = DEFAULT_LANGUAGE, as_of: date | None = None
) -> dict[str, Any]:
    """Return everything the detail panel shows about structure ``sid``, labelled.

    Values are plain text (never HTML) and URLs (validated ``http(s)`` addresses). Facts
    verified more than :data:`fresque.model.DEFAULT_STALE_YEARS` years before ``as_of``
    (today by default), or never, are « à vérifier » (``stale``, and said beside the date).

    Returns
    -------
    dict
        ``id``, ``name``, ``kind``, ``status`` (value), ``status_label``, ``fields`` (a list
        of ``(label, text)`` pairs for the plain fields), ``website``, ``sources`` (URLs),
        ``carrier`` (``{"id", "name"}`` or None), ``description``, ``territory``
        (``{"level", "places"}``), ``links`` (groups ``{"heading", "relation",
        "direction", "items": [{"id", "name", "status"}]}``).

    Raises
    ------
    KeyError
        When no structure has that id.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> detail = structure_detail(load_ecosystem(), "tag29")
    >>> detail["name"], detail["territory"]["places"]
    ('TAg29', ['Finistère (29)'])
    >>> structure_detail(load_ecosystem(), "tag29", as_of=date(2031, 1, 1))["stale"]
    True
    """
    record = eco.get(sid)
    stale = is_stale(record.last_verified, as_of or date.today())
    verified = _format_date(record.last_verified, lang) or t("detail.none", lang)
    if stale:
        verified += f" ({t('carte.detail.stale', lang)})"
    names = eco.structures["name"]
    statuses = eco.structures["status"]
    groups: dict[tuple[str, str], set[str]] = {}
    for _, target, relation in eco.graph.out_edges(sid, keys=True):
        groups.setdefault((relation, "out"), set()).add(target)
    for source, _, relation in eco.graph.in_edges(sid, keys=True):
        direction = "out" if relation in SYMMETRIC_RELATIONS else "in"
        groups.setdefault((relation, direction), set()).add(source)
    links = []
    for relation in Relation:
        for direction in ("out", "in"):
            members = groups.get((relation.value, direction))
            if not members:
                continue
            heading = (
                label(relation, lang)
                if direction == "out"
                else t(f"relation.in.{relation.value}", lang)
            )
            items = [
                {"id": other, "name": names[other], "status": statuses[other]}
                for other in sorted(members, key=lambda o: (normalize_key(names[o]), o))
            ]
            links.append(
                {
                    "heading": heading,
                    "relation": relation.value,
                    "direction": direction,
                    "items": items,
                }
            )
    commune = None
    if record.commune_code:
        try:
            commune = f"{eco.territories[('commune', record.commune_code)].name} "
            commune += f"({record.commune_code})"
        except KeyError:
            commune = record.commune_code
    carrier = None
    if record.carrier_id:
        carrier = {
            "id": record.carrier_id,
            "name": names.get(record.carrier_id, record.carrier_id),
        }
    joined = {
        "dispositifs": ", ".join(label(d, lang, Dispositif) for d in record.dispositifs),
        "themes": ", ".join(label(x, lang, Theme) for x in record.themes),
    }
    fields = [
        (t("detail.kind", lang), label(record.kind, lang, Kind)),
        (t("detail.status", lang), label(record.status, lang, Status)),
        (t("detail.dispositifs", lang), joined["dispositifs"] or t("detail.none", lang)),
        (
            t("detail.stages", lang),
            stage_span([s.value for s in record.stages], lang) or t("detail.none", lang),
        ),
        (t("detail.themes", lang), joined["themes"] or t("detail.none", lang)),
        (t("detail.commune", lang), commune or t("detail.none", lang)),
        (t("detail.confidence", lang), label(record.confidence, lang, Confidence)),
        (t("detail.last_verified", lang), verified),
        (t("detail.id", lang), record.id),
    ]
    return {
        "id": record.id,
        "name": record.name,
        "stale": stale,
        "kind": record.kind.value,
        "status": record.status.value,
        "status_label": label(record.status, lang, Status),
        "fields": fields,
        "website": record.website,
        "sources": list(record.source_urls),
        "carrier": carrier,
        "description": record.description,
        "territory": {
            "level": label(record.territory_level, lang, Level),
            "places": _territory_names(
                eco, record.territory_level.value, record.territory_codes, lang
            ),
        },
        "links": links,
    }
