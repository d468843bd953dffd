"""Workshop (Atelier) view builders: card lists, "just added" markers, the join QR code.

Pure: they take what :class:`~fresque.store.WorkshopService` returns (cards, events) and
return plain lists, dicts and strings, tested without Dash or a browser. Names typed by
participants stay data: nothing here builds HTML from them (the QR code encodes a URL the
app builds, never a participant's text).

Examples
--------
>>> join_url("https://fresque.example.org/", "ABC234")
'https://fresque.example.org/atelier?code=ABC234'
>>> qr_svg_data_uri("https://fresque.example.org/atelier?code=ABC234").startswith(
...     "data:image/svg+xml")
True
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from fresque.i18n import DEFAULT_LANGUAGE, format_time, label, normalize_key, t
from fresque.model import Confidence, Dispositif, Kind, Level, Relation, Stage, Status, Theme

__all__ = [
    "JUST_ADDED_CLASS",
    "JUST_ADDED_SECONDS",
    "arrived",
    "board_map_figure",
    "card_choices",
    "card_options",
    "card_rows",
    "dataset_diff",
    "entry_url",
    "event_rows",
    "field_change_words",
    "format_code",
    "join_url",
    "just_added",
    "just_added_style",
    "link_rows",
    "link_words",
    "list_candidates",
    "list_edits",
    "mark_just_added",
    "qr_svg_data_uri",
    "shown_status",
    "structure_words",
    "value_words",
]

#: How long a card stays marked as "just added" on the board.
JUST_ADDED_SECONDS = 30
#: Class the board's nodes get while just added.
JUST_ADDED_CLASS = "just-added"
#: Events that put a card on the board or change it.
_CARD_EVENTS = frozenset({"add_structure", "edit_structure", "merge"})


def join_url(base_url: str, code: str) -> str:
    """The address participants open to join (what the QR code holds).

    Examples
    --------
    >>> join_url("http://127.0.0.1:8050", "ABC234")
    'http://127.0.0.1:8050/atelier?code=ABC234'
    """
    return base_url.rstrip("/") + "/atelier?" + urlencode({"code": code})


#: The page a link with a workshop token in its fragment opens (``#t=TOKEN``).
ENTRY_PATH = "/atelier/entrer"


def entry_url(
    base_url: str, token: str, vue: str | None = None, lang: str = DEFAULT_LANGUAGE
) -> str:
    """A link that opens the Atelier with ``token`` (the facilitator's panel on another
    device, the projector's board with ``vue="tableau"``): the token sits in the
    fragment, which browsers never send to the server, so that it is never written in
    an access log or a ``Referer``.

    Examples
    --------
    >>> entry_url("http://127.0.0.1:8050/", "abc")
    'http://127.0.0.1:8050/atelier/entrer#t=abc'
    >>> entry_url("", "abc", vue="tableau", lang="en")
    '/atelier/entrer?vue=tableau&lang=en#t=abc'
    """
    query = {"vue": vue} if vue else {}
    if lang != DEFAULT_LANGUAGE:
        query["lang"] = lang
    path = ENTRY_PATH + ("?" + urlencode(query) if query else "")
    return base_url.rstrip("/") + path + "#" + urlencode({"t": token})


def format_code(code: str) -> str:
    """The join code as the projector shows it: two groups of three.

    Examples
    --------
    >>> format_code("ABC234")
    'ABC 234'
    """
    return f"{code[:3]} {code[3:]}" if len(code) == 6 else code


def qr_svg_data_uri(text: str, *, scale: int = 8, dark: str = "#1f2328") -> str:
    """A QR code of ``text`` as an SVG ``data:`` URI (for an ``<img>``; offline, no HTML
    injected in the page). Error correction M, quiet zone of 4 modules.

    Examples
    --------
    >>> uri = qr_svg_data_uri("http://127.0.0.1/atelier?code=ABC234", scale=2)
    >>> uri.startswith("data:image/svg+xml") and "svg" in uri
    True
    """
    import segno

    qr = segno.make(text, error="m", micro=False)
    return qr.svg_data_uri(scale=scale, dark=dark, light="#ffffff", border=4)


def just_added(
    events: Iterable[Any], now: datetime, seconds: float = JUST_ADDED_SECONDS
) -> dict[str, int]:
    """Cards added or changed in the last ``seconds``: ``{card id: event number}``.

    ``events`` are :class:`~fresque.store.Event` (or anything with ``kind``, ``target``,
    ``created_at``, ``seq`` and ``active``); undone and rejected edits do not count.

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> now = datetime(2026, 1, 1, 12, 0, 0)
    >>> events = [E(kind="add_structure", target="a", seq=3, active=True,
    ...             created_at=now - timedelta(seconds=5)),
    ...           E(kind="add_structure", target="b", seq=2, active=True,
    ...             created_at=now - timedelta(minutes=5)),
    ...           E(kind="join", target=None, seq=4, active=True, created_at=now)]
    >>> just_added(events, now)
    {'a': 3}
    """
    since = now - timedelta(seconds=seconds)
    out: dict[str, int] = {}
    for event in events:
        if event.kind not in _CARD_EVENTS or not event.target or not event.active:
            continue
        if event.created_at >= since:
            out[event.target] = max(out.get(event.target, 0), event.seq)
    return out


def arrived(events: Iterable[Any], moderation: str) -> list[Any]:
    """The events a board shows as arrived: edits that count (neither undone nor
    rejected) and, under pre-moderation (``moderation == "pre"``), accepted ones only
    (others' pending edits are not on the board yet).

    ``events`` are :class:`~fresque.store.Event` or
    :class:`~fresque.store.results.RecentEvent` (anything with ``status`` and
    ``active``); events that are not moderated (``status`` ``None``) always count.

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> events = [E(seq=1, status="accepted", active=True),
    ...           E(seq=2, status="pending", active=True),
    ...           E(seq=3, status="pending", active=False),
    ...           E(seq=4, status=None, active=True)]
    >>> [e.seq for e in arrived(events, "post")]
    [1, 2, 4]
    >>> [e.seq for e in arrived(events, "pre")]
    [1, 4]
    """
    pre = str(moderation) == "pre"
    return [e for e in events if e.active and not (pre and e.status not in (None, "accepted"))]


def shown_status(status: str | None, undone: bool, moderation: str) -> str | None:
    """The moderation status a log line shows, when it tells something: ``"rejected"``,
    or ``"pending"`` for an edit that still waits under pre-moderation; ``None`` else
    (an unreviewed edit is already on the board without pre-moderation, an undone one
    waits for nothing, an accepted one is the rule).

    Examples
    --------
    >>> shown_status("pending", False, "pre"), shown_status("pending", False, "post")
    ('pending', None)
    >>> shown_status("rejected", False, "post"), shown_status("pending", True, "pre")
    ('rejected', None)
    """
    if status == "rejected":
        return status
    if status == "pending" and not undone and str(moderation) == "pre":
        return status
    return None


def board_map_figure(
    offered: Mapping[str, int], region: str | None = None, lang: str = DEFAULT_LANGUAGE
) -> dict[str, Any]:
    """The board's coverage map: départements coloured by the number of stages of a
    project's life offered locally (``offered``, from
    :meth:`fresque.coverage.Coverage.stages_offered`), on a 0 to 6 scale; only the
    région's départements when ``region`` is given. A plain dict, ready to send.

    The geometry is drawn once per set of départements, région and language; new
    values only change the first trace's ``z`` and ``customdata`` (what
    :func:`board_map_values` gives, and the board sends as a patch).

    Examples
    --------
    >>> figure = board_map_figure({"22": 6, "29": 3, "35": 0, "56": 1}, region="53")
    >>> sorted(figure["data"][0]["locations"]), figure["data"][0]["zmax"]
    (['22', '29', '35', '56'], 6)
    >>> dict(zip(figure["data"][0]["locations"], figure["data"][0]["z"]))["29"]
    3.0
    """
    frame = _board_map_frame(tuple(sorted(str(code) for code in offered)), region, lang)
    trace = {**frame["data"][0], **board_map_values(frame, offered)}
    return {**frame, "data": [trace, *frame["data"][1:]]}


def board_map_values(figure: Mapping[str, Any], offered: Mapping[str, int]) -> dict[str, list]:
    """What values change in :func:`board_map_figure`'s ``figure``: its first trace's
    ``z`` and ``customdata`` (name, value in words) for ``offered``, in the order of its
    ``locations``."""
    from fresque.views.maps import format_number_fr

    trace = figure["data"][0]
    values = {str(code): float(n) for code, n in offered.items()}
    z = [values[code] for code in trace["locations"]]
    names = [row[0] for row in trace["customdata"]]
    return {
        "z": z,
        "customdata": [[name, format_number_fr(v, 0)] for name, v in zip(names, z, strict=True)],
    }


@functools.lru_cache(maxsize=16)
def _board_map_frame(codes: tuple[str, ...], region: str | None, lang: str) -> dict[str, Any]:
    """The board's map of ``codes``, every value 0 (its geometry, colour bar, layout)."""
    return _board_map_drawn(dict.fromkeys(codes, 0), region, lang)


def _board_map_drawn(offered: Mapping[str, int], region: str | None, lang: str) -> dict[str, Any]:
    """The board's map drawn in full by :func:`~fresque.views.maps.choropleth_figure`."""
    import pandas as pd

    from fresque.views.maps import choropleth_figure, map_geojson

    geojson = map_geojson("departements")
    if region:
        keep = {str(code) for code in offered}
        geojson = {
            **geojson,
            "features": [f for f in geojson["features"] if str(f["id"]) in keep],
            "insets": [],
        }
    figure = choropleth_figure(
        geojson,
        pd.Series(dict(offered), dtype=float),
        colorbar_title=t("atelier.board.map.colorbar", lang),
        value_label=t("atelier.board.map.value", lang),
        lang=lang,
    )
    figure.update_traces(colorbar={"dtick": 1}, zmin=0, zmax=len(Stage), selector=0)
    return figure.to_plotly_json()


def mark_just_added(
    elements: Sequence[Mapping[str, Any]], sids: Iterable[str]
) -> list[dict[str, Any]]:
    """A copy of Cytoscape ``elements`` whose nodes in ``sids`` carry the
    :data:`JUST_ADDED_CLASS` class (the others are returned unchanged, not copied).

    Examples
    --------
    >>> out = mark_just_added([{"data": {"id": "a"}, "classes": "structure"},
    ...                        {"data": {"id": "b"}, "classes": "structure"}], {"a"})
    >>> [e["classes"] for e in out]
    ['structure just-added', 'structure']
    """
    wanted = set(sids)
    out: list[dict[str, Any]] = []
    for element in elements:
        sid = element.get("data", {}).get("id")
        if sid in wanted and "source" not in element.get("data", {}):
            element = {**element, "classes": f"{element.get('classes', '')} {JUST_ADDED_CLASS}"}
        out.append(element)
    return out


def just_added_style() -> list[dict[str, Any]]:
    """Stylesheet rules of the board's "just added" marker: a thick orange ring and a
    bold label (added after :func:`fresque.views.network.network_stylesheet`)."""
    return [
        {
            "selector": f"node.{JUST_ADDED_CLASS}",
            "style": {
                "width": 30,
                "height": 30,
                "border-width": 6,
                "border-color": "#D55E00",
                "border-style": "solid",
                "font-weight": "bold",
                "font-size": 16,
                "min-zoomed-font-size": 0,
                "text-background-opacity": 0.95,
                "z-index": 30,
            },
        }
    ]


def card_rows(
    cards: Iterable[Any],
    *,
    lang: str = DEFAULT_LANGUAGE,
    mine: Iterable[str] = (),
    recent: Mapping[str, int] | None = None,
    limit: int | None = None,
    owner: int | None = None,
) -> list[dict[str, Any]]:
    """What a list of cards shows, one dict per card, newest edits first.

    ``cards`` are :class:`~fresque.store.Card`; ``mine`` the ids the reader added or
    changed (shown first); ``recent`` the :func:`just_added` map; ``owner`` the reader's
    member id. Each row: ``id``, ``name``, ``kind`` (label), ``details`` (dispositifs and
    stages in words), ``version``, ``mine``, ``recent``, ``removable`` (the reader added
    the card, so may remove it).

    Examples
    --------
    >>> from types import SimpleNamespace as C
    >>> from fresque.model import Structure
    >>> s = Structure(id="tag29", name="TAg29", kind="support_structure",
    ...               dispositifs=["incubateur"], territory_level="departement",
    ...               territory_codes=["29"])
    >>> card_rows([C(structure=s, version=2, seq=7)])[0]["details"]
    'Incubateur'
    """
    mine = set(mine)
    recent = dict(recent or {})
    rows = []
    for card in cards:
        s = card.structure
        kind, details = _card_words(lang, s.kind, tuple(s.dispositifs), tuple(s.stages))
        rows.append(
            {
                "id": s.id,
                "name": s.name,
                "kind": kind,
                "kind_value": s.kind.value,
                "details": details,
                "version": card.version,
                "seq": card.seq or 0,
                "mine": s.id in mine,
                "recent": s.id in recent,
                "removable": owner is not None and getattr(card, "created_by", None) == owner,
            }
        )
    rows.sort(key=lambda r: (not r["mine"], not r["recent"], -r["seq"], r["name"].casefold()))
    return rows[:limit] if limit is not None else rows


@functools.lru_cache(maxsize=4096)
def _card_words(
    lang: str, kind: Kind, dispositifs: tuple[Dispositif, ...], stages: tuple[Stage, ...]
) -> tuple[str, str]:
    """A card's kind, and its dispositifs and stages, in words (a phone's list shows
    forty at each redraw: the same few combinations, worded once)."""
    parts = [label(d, lang, Dispositif) for d in dispositifs]
    parts += [label(st, lang, Stage) for st in stages]
    return label(kind, lang, Kind), ", ".join(parts)


def list_candidates(
    latest: Sequence[Any],
    by_id: Mapping[str, Any],
    *,
    mine: Iterable[str] = (),
    recent: Iterable[str] = (),
    shown: Callable[[str], bool] | None = None,
    limit: int = 40,
) -> list[Any]:
    """The cards of a reader's list, in :func:`card_rows`' order (the reader's first,
    then the just added, then by latest change and name), at most ``limit``, found
    without sorting every card: ``latest`` is every card already sorted by latest change
    then name (once per workshop version), ``by_id`` the cards by id; ``shown`` (when
    given) keeps others' cards the reader may see (the reader's always show).

    Examples
    --------
    >>> from types import SimpleNamespace as C
    >>> cards = [C(structure=C(id=i, name=i), seq=10 - n) for n, i in enumerate("abcdef")]
    >>> by_id = {c.structure.id: c for c in cards}
    >>> [c.structure.id for c in list_candidates(cards, by_id, mine=["f"], limit=3)]
    ['f', 'a', 'b']
    >>> [c.structure.id for c in list_candidates(cards, by_id, recent=["e", "d"], limit=3)]
    ['d', 'e', 'a']
    """

    def order(card: Any) -> tuple[int, str]:
        return (-(card.seq or 0), card.structure.name.casefold())

    def live(sids: Iterable[str]) -> list[Any]:
        found = (by_id.get(sid) for sid in dict.fromkeys(sids))
        return sorted((c for c in found if c is not None and (c.seq or 0) > 0), key=order)

    picked: dict[str, Any] = {c.structure.id: c for c in live(mine)[:limit]}
    for group in (live(recent), latest):
        for card in group:
            if len(picked) >= limit:
                return list(picked.values())
            sid = card.structure.id
            if sid not in picked and (shown is None or shown(sid)):
                picked[sid] = card
    return list(picked.values())


def list_edits(before: Sequence[Any], after: Sequence[Any]) -> list[tuple[str, int, int, int, int]]:
    """The edits that turn list ``before`` into ``after``, as :mod:`difflib` opcodes
    without the ``equal`` ones: ``(op, i1, i2, j1, j2)`` replaces ``before[i1:i2]`` by
    ``after[j1:j2]``. Applied from the last to the first, each leaves the earlier
    positions where they were (how a phone's list is patched).

    Examples
    --------
    >>> list_edits(["b", "c", "d"], ["a", "b", "c"])
    [('insert', 0, 0, 0, 1), ('delete', 2, 3, 3, 3)]
    """
    matcher = difflib.SequenceMatcher(None, list(before), list(after), autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]


#: Options a card pick list sends at most (the reader types to find the others).
CARD_OPTIONS_LIMIT = 50


def card_choices(names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(folded name, name, id)`` for every card, sorted by name: what
    :func:`card_options` searches (build it once per workshop version).

    Examples
    --------
    >>> card_choices({"b": "Étoile", "a": "avise"})
    [('avise', 'avise', 'a'), ('etoile', 'Étoile', 'b')]
    """
    return sorted(
        ((normalize_key(name), name, sid) for sid, name in names.items()),
        key=lambda c: (c[1].casefold(), c[2]),
    )


def card_options(
    choices: Sequence[tuple[str, str, str]],
    text: str | None,
    chosen: Iterable[str | None] = (),
    *,
    names: Mapping[str, str] | None = None,
    limit: int = CARD_OPTIONS_LIMIT,
) -> list[dict[str, str]]:
    """A card pick list's options as one types: the chosen cards first (so the list
    shows their names), then up to ``limit`` cards whose name holds every word of
    ``text`` (case and accents ignored), those starting with it first; without text,
    the first ``limit`` by name.

    Examples
    --------
    >>> choices = card_choices({"a": "Avise", "b": "Réseau Breton", "c": "Bretagne Active"})
    >>> [o["value"] for o in card_options(choices, "bret")]
    ['c', 'b']
    >>> [o["value"] for o in card_options(choices, "", ["b"], names={"b": "Réseau Breton"})]
    ['b', 'a', 'c']
    """
    out = [
        {"label": (names or {}).get(sid, sid), "value": sid} for sid in dict.fromkeys(chosen) if sid
    ]
    seen = {o["value"] for o in out}
    words = [normalize_key(w) for w in (text or "").split()]
    words = [w for w in words if w]
    first = words[0] if words else ""
    starting, inside = [], []
    for key, name, sid in choices:
        if sid in seen or not all(w in key for w in words):
            continue
        (starting if key.startswith(first) else inside).append({"label": name, "value": sid})
        if len(starting) >= limit:
            break
    return out + (starting + inside)[:limit]


def event_rows(events: Iterable[Any], *, limit: int = 50) -> list[dict[str, Any]]:
    """The audit log as the facilitator's panel lists it, newest first: ``seq``,
    ``time`` (HH:MM:SS on the room's clock, :func:`~fresque.i18n.format_time`),
    ``author``, ``summary``, ``status``, ``undoable`` (an active edit or undo),
    ``undone``.

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> e = E(seq=4, kind="add_structure", author="Alice", summary="ajoute « X »",
    ...       status="pending", undone_by=None, active=True,
    ...       created_at=datetime(2026, 1, 1, 12, 3, 4))
    >>> event_rows([e])[0]["time"], event_rows([e])[0]["undoable"]  # 12:03 UTC in Paris
    ('13:03:04', True)
    """
    undoable_kinds = _CARD_EVENTS | {
        "remove_structure",
        "add_link",
        "edit_link",
        "remove_link",
        "undo",
    }
    rows = []
    for event in sorted(events, key=lambda e: -e.seq)[:limit]:
        rows.append(
            {
                "seq": event.seq,
                "time": format_time(event.created_at),
                "author": event.author,
                "summary": event.summary,
                "status": event.status,
                "undoable": event.kind in undoable_kinds and event.active,
                "undone": event.undone_by is not None,
            }
        )
    return rows


# --------------------------------------------------------------------------------------
# Values, cards, links and the dataset diff in words
# --------------------------------------------------------------------------------------

#: The enum each field's values belong to (their labels are the words shown).
_FIELD_ENUMS: dict[str, type[StrEnum]] = {
    "kind": Kind,
    "dispositifs": Dispositif,
    "stages": Stage,
    "themes": Theme,
    "territory_level": Level,
    "status": Status,
    "confidence": Confidence,
    "relation": Relation,
}
#: Fields of a card shown in words, in this order (empty ones are left out).
_CARD_FIELDS = (
    "name",
    "kind",
    "dispositifs",
    "stages",
    "themes",
    "territory_level",
    "territory_codes",
    "website",
    "description",
)
_LINK_KEY = re.compile(r"^(\S+) → (\S+) \((\w+)\)$")


def value_words(field: str, value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A field's value in words: enum values by their label, lists joined with commas,
    dates in ISO form, nothing as "(vide)".

    Examples
    --------
    >>> value_words("dispositifs", ["incubateur", "cae"])
    'Incubateur, Coopérative d’activité et d’emploi (CAE)'
    >>> value_words("website", None)
    '(vide)'
    """
    if isinstance(value, (list, tuple)):
        words = [value_words(field, item, lang) for item in value]
        return ", ".join(words) if words else t("atelier.field.empty", lang)
    if value is None or value == "":
        return t("atelier.field.empty", lang)
    enum_cls = _FIELD_ENUMS.get(field)
    if enum_cls is not None:
        try:
            return label(value, lang, enum_cls)
        except ValueError:
            return str(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _quoted(text: str, lang: str) -> str:
    """``text`` between the language's quotation marks."""
    return f"“{text}”" if lang == "en" else f"« {text} »"


def _field(field: str, lang: str) -> str:
    try:
        return t(f"atelier.field.{field}", lang)
    except KeyError:
        return field


def field_change_words(field: str, old: Any, new: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """One changed field in words.

    Examples
    --------
    >>> field_change_words("kind", "network", "chamber").replace("\\xa0", " ")
    'Type d’acteur : « Réseau » → « Chambre de l’ESS »'
    """
    old_words = _quoted(value_words(field, old, lang), lang)
    new_words = _quoted(value_words(field, new, lang), lang)
    return f"{_field(field, lang)}{t('punct.colon', lang)}{old_words} → {new_words}"


def structure_words(structure: Any, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """A card's filled fields in words, one line each ("Nom : …").

    Examples
    --------
    >>> from fresque.model import Structure
    >>> s = Structure(id="a", name="A", kind="network", territory_level="national")
    >>> [line.replace("\\xa0", " ") for line in structure_words(s)[:2]]
    ['Nom : A', 'Type d’acteur : Réseau']
    """
    data = structure.model_dump()
    lines = []
    for field in _CARD_FIELDS:
        value = data.get(field)
        if value in (None, "", []):
            continue
        lines.append(
            f"{_field(field, lang)}{t('punct.colon', lang)}{value_words(field, value, lang)}"
        )
    return lines


def link_words(
    source: str, target: str, relation: Any, names: Mapping[str, str], lang: str = DEFAULT_LANGUAGE
) -> str:
    """A link in words, its ends by name.

    Examples
    --------
    >>> link_words("a", "b", "funds", {"a": "Région", "b": "TAg29"})
    '« Région » → « TAg29 » (finance)'
    """
    relation_words = value_words("relation", relation, lang)
    relation_words = relation_words[:1].lower() + relation_words[1:]
    ends = _quoted(names.get(source, source), lang), _quoted(names.get(target, target), lang)
    return f"{ends[0]} → {ends[1]} ({relation_words})"


def link_rows(
    link_cards: Iterable[Any],
    names: Mapping[str, str],
    *,
    owner: int | None,
    lang: str = DEFAULT_LANGUAGE,
) -> list[dict[str, Any]]:
    """The links ``owner`` added (:class:`~fresque.store.LinkCard`), newest first: ``id``,
    ``version``, ``text`` (in words), ``source``, ``target``, ``relation``.

    Examples
    --------
    >>> from types import SimpleNamespace as L
    >>> from fresque.model import Link
    >>> link = Link(source="a", target="b", relation="animates")
    >>> rows = link_rows([L(id=4, link=link, version=2, seq=9, created_by=7),
    ...                   L(id=5, link=link, version=1, seq=3, created_by=8)], {}, owner=7)
    >>> [(r["id"], r["version"], r["text"]) for r in rows]
    [(4, 2, '« a » → « b » (anime)')]
    """
    rows = []
    for card in link_cards:
        if owner is None or getattr(card, "created_by", None) != owner:
            continue
        link = card.link
        rows.append(
            {
                "id": card.id,
                "version": card.version,
                "seq": card.seq or 0,
                "text": link_words(link.source, link.target, link.relation, names, lang),
                "source": link.source,
                "target": link.target,
                "relation": link.relation.value,
            }
        )
    rows.sort(key=lambda r: -r["seq"])
    return rows


def _link_key_words(key: str, names: Mapping[str, str], lang: str) -> str:
    """``source → target (relation)`` as :mod:`fresque.io.validate` writes link keys, in
    words (kept as it is when it does not read that way)."""
    found = _LINK_KEY.match(key)
    if found is None:
        return key
    return link_words(*found.groups(), names, lang)


def dataset_diff(merge: Any, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What merging a workshop into the dataset does (a
    :class:`~fresque.store.DatasetMerge`), in words for the facilitator.

    Returns ``{"added": n, "changed": n, "removed": n, "sections": [...]}``; each
    section (only the non-empty ones, structures first): ``key`` (e.g.
    ``"changed_structures"``), ``title``, ``items``, each item ``{"text": …,
    "changes": [field changes in words]}``.
    """
    report = merge.report
    names = dict(getattr(merge, "names", {}) or {})

    def named(sid: str) -> str:
        name = names.get(sid)
        return f"{_quoted(name, lang)} ({sid})" if name and name != sid else _quoted(sid, lang)

    def changed(items, words) -> list[dict[str, Any]]:
        return [
            {
                "text": words(change.key),
                "changes": [
                    field_change_words(c.field, c.old, c.new, lang) for c in change.changes
                ],
            }
            for change in items
        ]

    link = lambda key: _link_key_words(key, names, lang)  # noqa: E731
    sections = [
        ("added_structures", [{"text": named(s), "changes": []} for s in report.added_structures]),
        ("changed_structures", changed(report.changed_structures, named)),
        (
            "removed_structures",
            [{"text": named(s), "changes": []} for s in merge.removed_structures],
        ),
        ("added_links", [{"text": link(k), "changes": []} for k in report.added_links]),
        ("changed_links", changed(report.changed_links, link)),
        ("removed_links", [{"text": link(k), "changes": []} for k in merge.removed_links]),
    ]
    return {
        "added": len(report.added_structures) + len(report.added_links),
        "changed": len(report.changed_structures) + len(report.changed_links),
        "removed": len(merge.removed_structures) + len(merge.removed_links),
        "sections": [
            {"key": key, "title": t(f"atelier.merge.{key}", lang), "items": items}
            for key, items in sections
            if items
        ],
    }
