"""The workshop's projector board, drawn from records and kept from one version to the next.

:func:`~fresque.views.network.network_elements` draws any ecosystem. The projector
redraws a workshop at every change, several times a second at a busy event, and for a
thousand cards building an :class:`~fresque.ecosystem.Ecosystem`, its index and its
elements takes a tenth of a second of a core each time. A :class:`BoardDrawing` keeps
what each structure's node is made of (label, tooltip, classes, place in its cell) and
each link's element as long as the record is the same object (the store's snapshots
hand the same objects from one version to the next), so a redraw costs what changed,
plus one pass over the nodes to size and place them.

The elements are those of ``network_elements(Ecosystem(structures, links),
layout="board")``: the tests compare them after every kind of change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, NamedTuple

import pandas as pd

from fresque.i18n import DEFAULT_LANGUAGE, label
from fresque.model import Link, Relation, Structure
from fresque.views.network import (
    _board_decorations,
    _board_positions,
    _link_element,
    _node_classes,
    _node_datum,
    _placement,
    _tooltip,
    node_sizes,
)

__all__ = ["BoardDrawing"]


class _Row(NamedTuple):
    """A structure's columns that its node reads, as the ecosystem's table holds them."""

    Index: str
    name: str
    kind: str
    dispositifs: list[str]
    stages: list[str]
    status: str


class _Node(NamedTuple):
    record: Structure
    row: _Row
    placement: tuple[str, str, int, tuple[Any, ...]]
    classes: str
    tip: str


def _row(structure: Structure) -> _Row:
    return _Row(
        structure.id,
        structure.name,
        structure.kind.value,
        [d.value for d in structure.dispositifs],
        [s.value for s in structure.stages],
        structure.status.value,
    )


class BoardDrawing:
    """The Cytoscape elements of a workshop's board, in one language, kept between calls.

    One drawing per workshop and language; :meth:`elements` may be called from several
    threads.

    Parameters
    ----------
    lang
        Language of the tooltips, relations and board labels.

    Examples
    --------
    >>> from fresque.ecosystem import Ecosystem, load_ecosystem
    >>> from fresque.views.network import network_elements
    >>> records = load_ecosystem().records
    >>> drawing = BoardDrawing()
    >>> elements = drawing.elements(records.structures, records.links)
    >>> eco = Ecosystem(records.structures, records.links)
    >>> elements == network_elements(eco, layout="board")
    True
    """

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang
        self._relation_labels = {r.value: label(r, lang) for r in Relation}
        self._nodes: dict[str, _Node] = {}
        self._links: dict[tuple[str, str, str], tuple[Link, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _node(self, structure: Structure) -> _Node:
        found = self._nodes.get(structure.id)
        if found is not None and (found.record is structure or found.record == structure):
            return found
        row = _row(structure)
        node = _Node(structure, row, _placement(row), _node_classes(row), _tooltip(row, self.lang))
        with self._lock:
            self._nodes[structure.id] = node
        return node

    def _link(self, link: Link) -> dict[str, Any]:
        key = (link.source, link.target, link.relation.value)
        found = self._links.get(key)
        if found is not None and (found[0] is link or found[0] == link):
            return found[1]
        element = _link_element(
            link.source,
            link.target,
            link.relation.value,
            link.confidence.value,
            self._relation_labels,
        )
        with self._lock:
            self._links[key] = (link, element)
        return element

    def _forget(self, ids: set[str], keys: set[tuple[str, str, str]]) -> None:
        """Drop the parts of structures and links that are gone (removed, merged)."""
        with self._lock:
            if len(self._nodes) > len(ids):
                self._nodes = {k: v for k, v in self._nodes.items() if k in ids}
            if len(self._links) > len(keys):
                self._links = {k: v for k, v in self._links.items() if k in keys}

    def elements(
        self, structures: Iterable[Structure], links: Iterable[Link] = ()
    ) -> list[dict[str, Any]]:
        """Return the board's elements: nodes by id, links by (source, target,
        relation), then the lanes and column headers.

        Parameters
        ----------
        structures
            The structures drawn (ids unique).
        links
            Their links; a link with an end not among ``structures`` is left out.
        """
        nodes = sorted((self._node(s) for s in structures), key=lambda n: n.row.Index)
        ids = {n.row.Index for n in nodes}
        kept = sorted(
            (k for k in links if k.source in ids and k.target in ids),
            key=lambda k: (k.source, k.target, k.relation.value),
        )
        neighbours: dict[str, set[str]] = {}
        for k in kept:
            neighbours.setdefault(k.source, set()).add(k.target)
            neighbours.setdefault(k.target, set()).add(k.source)
        degree = pd.Series([len(neighbours.get(n.row.Index, ())) for n in nodes], dtype="int64")
        top = float(degree.max()) if len(degree) else 0.0
        sizes = node_sizes(degree, top=top).round(1).tolist()

        board = _board_positions(tuple(sorted((n.placement for n in nodes), key=_order)))
        positions = board.positions
        elements: list[dict[str, Any]] = []
        for node, size in zip(nodes, sizes, strict=True):
            x, y = positions[node.row.Index]
            elements.append(
                {
                    "data": _node_datum(node.row, size, self.lang, node.tip),
                    "classes": node.classes,
                    "position": {"x": x, "y": y},
                }
            )
        elements.extend(self._link(k) for k in kept)
        self._forget(ids, {(k.source, k.target, k.relation.value) for k in kept})
        return elements + _board_decorations(board, self.lang)


def _order(placement: tuple[str, str, int, tuple[Any, ...]]) -> tuple[Any, ...]:
    return placement[3]
