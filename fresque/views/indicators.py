"""What colours the coverage map: the registry of its indicators, their style and legend.

Every indicator the Carte page offers is one :class:`Indicator` of :data:`REGISTRY`. An
entry declares:

* its ``name`` (the URL's ``show=`` value) and so its i18n keys: ``carte.indicator.<name>``
  (its label), ``carte.colorbar.<name>`` (the colour bar's title, continuous only) and,
  when it says so, ``carte.heading.<name>`` (the map's title, when it is not coverage),
  ``carte.legend.scale.<name>`` (what its colour says) and ``carte.legend.note.<name>``
  (a sentence under the legend);
* its ``kind``: ``discrete`` (categories, the coverage statuses) or ``continuous``;
* its colour ``scale``, its number format (``percent``, ``decimals``), where the scale
  stops (``top``: fixed, or fitted to the data by :func:`scale_top`) and the colour of a
  territory without any offer (``zero_color``);
* what it ``needs`` from the core (:data:`NEEDS`) and whether it changes with the map's
  dispositif or stage (``per_key``);
* ``readings``: from those inputs (:class:`MapInputs`), each territory's value and the
  lines of its hover.

:func:`indicator_style` and :func:`legend_entries` read the registry, and so do the app's
state (the allowed ``show=`` values) and the Carte page (its indicator choice, what it
computes, the legend): adding an indicator is one entry here plus its i18n keys.

The indicators:

``status``
    the coverage status of the dispositif or stage, partial territories lighter
    (:func:`fresque.views.coverage_map.status_category`);
``per100k``
    its local offers per 100,000 inhabitants;
``beyond30``
    the share of the population beyond 30 km of its nearest offer
    (:func:`fresque.access.population_beyond`);
``quality``
    « Fiabilité des données »: the data-quality score of :func:`fresque.quality.data_quality`
    over all the local offers, shown with each of its parts in words
    (:func:`quality_lines`), never alone.

Examples
--------
>>> list(REGISTRY)
['status', 'per100k', 'beyond30', 'quality']
>>> REGISTRY["quality"].needs, REGISTRY["quality"].per_key, REGISTRY["quality"].top
(frozenset({'quality'}), False, 1.0)
>>> REGISTRY["beyond30"].number(0.25, "fr"), REGISTRY["per100k"].number(2.25, "en")
('25\\xa0%', '2.2')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
from plotly.colors import get_colorscale

from fresque.coverage import STATUS_ORDER
from fresque.i18n import DEFAULT_LANGUAGE, format_date, label, t, t_count
from fresque.model import DEFAULT_STALE_YEARS, CoverageStatus
from fresque.views.coverage_map import (
    BANDS,
    CATEGORIES,
    NO_OFFER_COLOR,
    POINT_COLOR,
    SELECTED_COLOR,
    SERVED_COLOR,
    STATUS_COLORS,
    _discrete_scale,
    _escape,
    _number,
    _share_covered,
    category_color,
    key_label,
    offers_nothing,
    share_text,
    status_category,
    status_label,
)
from fresque.views.maps import NBSP

__all__ = [
    "INDICATORS",
    "NEEDS",
    "REGISTRY",
    "Indicator",
    "MapInputs",
    "indicator_style",
    "legend_entries",
    "quality_lines",
    "scale_top",
]

#: What an indicator can need from the core: ``table``, the coverage rows of the level
#: for the map's key (:meth:`fresque.coverage.Coverage.table`); ``beyond``, the share of
#: the population beyond 30 km of the key's nearest offer, by code
#: (:func:`fresque.access.population_beyond`); ``quality``, the data-quality rows of the
#: level (:func:`fresque.quality.data_quality`).
NEEDS: tuple[str, ...] = ("table", "beyond", "quality")

#: A territory's value (``None``: no value, not coloured) and its hover lines (HTML).
Reading = tuple[float | None, list[str]]

#: The share of a continuous scale kept for the ``zero_color`` of an indicator.
ZERO_STEP = 1e-4


@dataclass(frozen=True)
class MapInputs:
    """What the core gives the indicators for one level (and key): see :data:`NEEDS`.

    Attributes
    ----------
    table
        Coverage rows of the level for the key, one per territory.
    beyond
        Share of the population surely beyond 30 km, by territory code; or the frame of
        :func:`fresque.access.population_beyond` (``share_beyond_30km`` and
        ``share_unknown_30km``), whose unknown share the hover says.
    quality
        :func:`fresque.quality.data_quality` rows of the level.
    stale_years
        Age after which a fact is to check again (the quality hover says it).
    """

    table: pd.DataFrame | None = None
    beyond: pd.Series | pd.DataFrame | None = None
    quality: pd.DataFrame | None = None
    stale_years: int = DEFAULT_STALE_YEARS


@dataclass(frozen=True)
class Indicator:
    """One thing that can colour the map (see the module docstring).

    Attributes
    ----------
    name
        Its value in the URL (``show=``) and in its i18n keys.
    kind
        ``"discrete"`` (categories painted with ``scale``, ``z`` their position) or
        ``"continuous"``.
    readings
        ``readings(indicator, inputs, codes, key, lang)``: one :data:`Reading` per code
        (``indicator`` is the entry itself).
    needs
        What ``readings`` uses of :class:`MapInputs` (:data:`NEEDS`).
    per_key
        Whether its values change with the map's dispositif or stage.
    scale
        A plotly colour scale's name (continuous), or a function returning the scale.
    zrange
        ``(zmin, zmax)`` of a discrete indicator.
    percent
        Values are shares, written as percentages (the scale never passes 100 %).
    decimals
        Decimals of a value in the hover (not a percentage).
    top
        Where the colour scale stops, whatever the data; ``None`` fits it to the data
        (:func:`scale_top`).
    zero_color
        Fill of a territory whose value is 0 (no offer at all), apart from the scale.
    note
        Whether the legend says a sentence more (``carte.legend.note.<name>``, with
        ``{years}`` the age of facts to check again).
    heading
        Whether the map has its own title (``carte.heading.<name>``) rather than the
        coverage's.
    scale_words
        Whether the legend says what its colour means in its own words
        (``carte.legend.scale.<name>``) rather than the general ones.
    """

    name: str
    kind: Literal["discrete", "continuous"]
    readings: Callable[[Indicator, MapInputs, Sequence[str], str, str], list[Reading]]
    needs: frozenset[str] = frozenset({"table"})
    per_key: bool = True
    scale: str | Callable[[], list[list[Any]]] = "Viridis_r"
    zrange: tuple[float, float] | None = None
    percent: bool = False
    decimals: int = 1
    top: float | None = None
    zero_color: str | None = None
    note: bool = False
    heading: bool = False
    scale_words: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            raise ValueError(f"indicator {self.name!r} needs {sorted(unknown)}; known: {NEEDS}")

    @property
    def label_key(self) -> str:
        """i18n key of its name (the choice, the legend's title)."""
        return f"carte.indicator.{self.name}"

    @property
    def colorbar_key(self) -> str:
        """i18n key of the colour bar's title."""
        return f"carte.colorbar.{self.name}"

    @property
    def note_key(self) -> str:
        """i18n key of the legend's note."""
        return f"carte.legend.note.{self.name}"

    @property
    def heading_key(self) -> str:
        """i18n key of the map's title when it shows this indicator."""
        return f"carte.heading.{self.name}" if self.heading else "carte.heading"

    @property
    def scale_key(self) -> str:
        """i18n key of what the colour says, in the legend (continuous only)."""
        return f"carte.legend.scale.{self.name}" if self.scale_words else "carte.legend.scale"

    def number(self, value: float, lang: str = DEFAULT_LANGUAGE) -> str:
        """A value as the hover writes it."""
        if self.percent:
            return share_text(value, lang)
        return _number(value, self.decimals, lang)

    def tick_texts(self, ticks: Sequence[float], decimals: int, lang: str) -> list[str]:
        """The colour bar's tick labels (``decimals``: those the ticks need)."""
        if self.percent:
            percent = NBSP + "%" if lang == "fr" else "%"
            return [_number(100 * v, max(0, decimals - 2), lang) + percent for v in ticks]
        return [_number(v, decimals, lang) for v in ticks]


# ------------------------------------------------------------------ the coverage ones


def _rows_by_code(table: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    rows = table.set_index(table["code"].astype(str))
    return rows[~rows.index.duplicated()].reindex(list(codes))


def _coverage_readings(
    measure: Callable[[str, pd.Series, MapInputs], float | None],
    extra: Callable[[str, MapInputs, str], list[str]] | None = None,
) -> Callable[[Indicator, MapInputs, Sequence[str], str, str], list[Reading]]:
    """Readings of an indicator of the map's key: the key, its status (and share covered
    when partial), its local offers and national actors in the hover; ``measure(code,
    row, inputs)`` is the value (``None``: none), said on the line after the key unless
    the indicator is the status itself; ``extra(code, inputs, lang)`` adds lines after
    it."""

    def readings(
        entry: Indicator, inputs: MapInputs, codes: Sequence[str], key: str, lang: str
    ) -> list[Reading]:
        rows = _rows_by_code(inputs.table, codes)
        colon = t("punct.colon", lang)
        what = _escape(key_label(key, lang))
        found: list[Reading] = []
        for code in codes:
            row = rows.loc[code]
            if pd.isna(row["status"]):
                found.append((None, [what, t("map.missing", lang)]))
                continue
            partial = bool(row["partial"])
            status_text = _escape(status_label(str(row["status"]), partial, lang))
            if partial:  # as prominent as the status: on its line, in bold
                share = share_text(_share_covered(row), lang)
                words = t("carte.share_covered", lang).format(share=share)
                status_text += f" — <b>{_escape(words)}</b>"
            lines = [what, status_text]
            n_offers = int(row["n_offers"])
            lines.append(t("carte.hover.offers", lang) + colon + _number(n_offers, 0, lang))
            value = measure(code, row, inputs)
            if value is not None and entry.kind == "continuous":
                lines.insert(
                    1, _escape(t(entry.label_key, lang)) + colon + entry.number(value, lang)
                )
            if extra is not None:
                lines[2:2] = extra(code, inputs, lang)
            n_national = int(row["n_national"])
            if n_national:
                lines.append(t("carte.hover.national", lang) + colon + _number(n_national, 0, lang))
            found.append((value, lines))
        return found

    return readings


def _status(code: str, row: pd.Series, inputs: MapInputs) -> float:
    return float(status_category(str(row["status"]), bool(row["partial"]), _share_covered(row)))


def _per100k(code: str, row: pd.Series, inputs: MapInputs) -> float | None:
    value = row["offers_per_100k"]
    return None if pd.isna(value) else float(value)


def _beyond_share(inputs: MapInputs, column: str) -> pd.Series | None:
    """A column of ``inputs.beyond``: a frame of :func:`fresque.access.population_beyond`
    columns, or the surely-beyond shares alone (a series)."""
    beyond = inputs.beyond
    if beyond is None:
        return None
    if isinstance(beyond, pd.DataFrame):
        return beyond[column] if column in beyond.columns else None
    return beyond if column == "share_beyond_30km" else None


def _beyond30(code: str, row: pd.Series, inputs: MapInputs) -> float | None:
    shares = _beyond_share(inputs, "share_beyond_30km")
    value = None if shares is None else shares.get(code)
    return None if value is None or pd.isna(value) else float(value)


def _beyond30_unknown(code: str, inputs: MapInputs, lang: str) -> list[str]:
    """How much of the population has an unknown distance (offers without a known
    place): the true share beyond 30 km lies between the value and the value plus it."""
    shares = _beyond_share(inputs, "share_unknown_30km")
    value = None if shares is None else shares.get(code)
    if value is None or pd.isna(value) or value <= 0:
        return []
    text = t("carte.hover.beyond30_unknown", lang) + t("punct.colon", lang)
    return [_escape(text) + share_text(float(value), lang)]


# ------------------------------------------------------------------------ the quality


def _age_text(years: float, lang: str) -> str:
    whole = math.floor(years)
    if whole < 1:
        return t("carte.quality.age.under_one", lang)
    return t_count("carte.quality.age", whole, lang)


def quality_lines(
    row: Mapping[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    stale_years: int = DEFAULT_STALE_YEARS,
) -> list[str]:
    """The data quality of one territory in words: its score, then each of its parts
    (plain text: escape it for HTML).

    Parameters
    ----------
    row
        One row of :func:`fresque.quality.data_quality`.
    lang
        Language of the words.
    stale_years
        Age after which an offer is to check again (the one ``row`` was computed with).

    Returns
    -------
    list of str
        The score, the known operators of the offers unique by design, the offers with a
        source, those with a high confidence, those to check again, the most recent check
        and whether a valid survey covers the territory; without any local offer, the
        score and the survey only.

    Examples
    --------
    >>> row = {"score": 0.6, "n_offers": 3, "n_unique": 3, "n_unique_known": 1,
    ...        "n_sourced": 2, "share_high": 0.75, "n_stale": 1,
    ...        "newest_verified": date(2026, 11, 26), "age_years": 0.03,
    ...        "surveyed": 0.0}
    >>> for line in quality_lines(row, "fr"):
    ...     print(line.replace("\\xa0", " "))
    Score de fiabilité : 60 %
    Opérateurs connus (DLA, CRESS) : 1 sur 3
    Offres sourcées : 2 sur 3
    Confiance élevée : 75 %
    À vérifier (vérifiées il y a plus de 3 ans, ou jamais) : 1 sur 3
    Vérification la plus récente : 26/11/2026 (il y a moins d’un an)
    Recensement valide : non
    >>> quality_lines({**row, "n_offers": 0, "surveyed": 0.25}, "en")[1:]
    ['No local offer recorded: only the survey counts.', 'Valid survey: yes (25% of inhabitants)']
    """
    colon = t("punct.colon", lang)

    def line(key: str, value: str) -> str:
        return t(f"carte.quality.{key}", lang) + colon + value

    def out_of(part: Any, total: Any) -> str:
        return t("carte.quality.out_of", lang).format(
            part=_number(int(part), 0, lang), total=_number(int(total), 0, lang)
        )

    lines = [line("score", share_text(float(row["score"]), lang))]
    n_offers = int(row["n_offers"])
    if n_offers:
        n_unique = int(row["n_unique"])
        lines += [
            line(
                "unique_known",
                out_of(row["n_unique_known"], n_unique)
                if n_unique
                else t("carte.quality.unique_none", lang),
            ),
            line("sourced", out_of(row["n_sourced"], n_offers)),
            line("high", share_text(float(row["share_high"]), lang)),
            t("carte.quality.stale", lang).format(years=t_count("count.years", stale_years, lang))
            + colon
            + out_of(row["n_stale"], n_offers),
        ]
        newest = row["newest_verified"]
        if isinstance(newest, date):
            when = f"{format_date(newest, lang)} ({_age_text(float(row['age_years']), lang)})"
        else:
            when = t("carte.quality.never", lang)
        lines.append(line("newest", when))
    else:
        lines.append(t("carte.quality.no_offer", lang))
    surveyed = float(row["surveyed"])
    if surveyed <= 0:
        survey = t("carte.quality.no", lang)
    elif surveyed >= 1:
        survey = t("carte.quality.yes", lang)
    else:
        survey = t("carte.quality.yes_share", lang).format(share=share_text(surveyed, lang))
    lines.append(line("survey", survey))
    return lines


def _quality_readings(
    entry: Indicator, inputs: MapInputs, codes: Sequence[str], key: str, lang: str
) -> list[Reading]:
    rows = _rows_by_code(inputs.quality, codes)
    found: list[Reading] = []
    for code in codes:
        row = rows.loc[code]
        if pd.isna(row["score"]):
            found.append((None, [t("map.missing", lang)]))
            continue
        lines = [_escape(text) for text in quality_lines(row, lang, inputs.stale_years)]
        found.append((float(row["score"]), lines))
    return found


# ------------------------------------------------------------------------ registry

#: What can colour the map, by name, in the order the page offers them.
REGISTRY: dict[str, Indicator] = {
    entry.name: entry
    for entry in (
        Indicator(
            "status",
            "discrete",
            _coverage_readings(_status),
            scale=_discrete_scale,
            zrange=(-0.5, len(CATEGORIES) - 0.5),
        ),
        Indicator(
            "per100k",
            "continuous",
            _coverage_readings(_per100k),
            scale="Viridis_r",
            zero_color=NO_OFFER_COLOR,
        ),
        Indicator(
            "beyond30",
            "continuous",
            _coverage_readings(_beyond30, _beyond30_unknown),
            needs=frozenset({"table", "beyond"}),
            scale="Cividis_r",
            percent=True,
        ),
        Indicator(
            "quality",
            "continuous",
            _quality_readings,
            needs=frozenset({"quality"}),
            per_key=False,
            scale="Blues",
            percent=True,
            top=1.0,
            note=True,
            heading=True,
            scale_words=True,
        ),
    )
}

#: The names of :data:`REGISTRY`.
INDICATORS: tuple[str, ...] = tuple(REGISTRY)


def _entry(indicator: str) -> Indicator:
    try:
        return REGISTRY[indicator]
    except KeyError:
        raise ValueError(f"unknown indicator {indicator!r}; expected one of {INDICATORS}") from None


# ------------------------------------------------------------------------- style


def indicator_style(
    codes: Sequence[str],
    names: Mapping[str, str],
    table: pd.DataFrame | None,
    indicator: str,
    key: str,
    lang: str = DEFAULT_LANGUAGE,
    beyond: pd.Series | pd.DataFrame | None = None,
    quality: pd.DataFrame | None = None,
    *,
    stale_years: int = DEFAULT_STALE_YEARS,
) -> dict[str, Any]:
    """Properties of the territories trace for one indicator and key.

    Parameters
    ----------
    codes
        The codes of the trace's locations, in order.
    names
        Code -> name for the hover.
    table
        :meth:`fresque.coverage.Coverage.table` rows of this level for ``key`` (one per
        territory), for the indicators that need it (:attr:`Indicator.needs`).
    indicator
        A name of :data:`REGISTRY`.
    key
        The dispositif or stage value.
    lang
        Language of the hover.
    beyond
        For ``"beyond30"``: share of the population surely beyond 30 km, by code, or the
        frame of :func:`fresque.access.population_beyond` with its unknown share too.
    quality
        For ``"quality"``: :func:`fresque.quality.data_quality` rows of this level.
    stale_years
        The age ``quality`` counted offers to check again with.

    Returns
    -------
    dict
        ``z``, ``zmin``, ``zmax``, ``colorscale``, ``showscale``, ``colorbar``,
        ``customdata`` and ``hovertemplate``: set them on the trace (``Patch``).

    Examples
    --------
    >>> table = pd.DataFrame({"code": ["29"], "status": ["single"], "partial": [False],
    ...     "population": [100], "population_covered": [100], "n_offers": [1],
    ...     "offers_per_100k": [1000.0], "n_national": [0]})
    >>> style = indicator_style(["29"], {"29": "Finistère"}, table, "per100k", "creation", "en")
    >>> style["z"], style["zmax"], style["colorbar"]["ticktext"][-1]
    ([1000.0], 1000.0, '1,000')
    >>> name, hover = style["customdata"][0]
    >>> print(name, *hover.split("<br>"), sep="\\n")
    Finistère
    Stage: Launch
    Offers per 100,000 inhabitants: 1,000.0
    Single provider
    Local offers: 1
    """
    entry = _entry(indicator)
    inputs = MapInputs(table=table, beyond=beyond, quality=quality, stale_years=stale_years)
    missing = [need for need in sorted(entry.needs) if getattr(inputs, need) is None]
    if missing:
        raise ValueError(f"indicator {indicator!r} needs {missing}")
    readings = entry.readings(entry, inputs, codes, key, lang)
    z = [value for value, _ in readings]
    customdata = [
        [_escape(names.get(code) or code), "<br>".join(lines)]
        for code, (_, lines) in zip(codes, readings, strict=True)
    ]
    style: dict[str, Any] = {
        "z": z,
        "customdata": customdata,
        "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
    }
    if entry.kind == "discrete":
        zmin, zmax = entry.zrange or (min(v for v in z if v is not None), max(z))
        style.update(
            zmin=zmin,
            zmax=zmax,
            colorscale=entry.scale() if callable(entry.scale) else entry.scale,
            showscale=False,
            colorbar={},
        )
        return style
    top, saturated = scale_top([v for v in z if v is not None], indicator)
    ticks, decimals = _ticks(top)
    text = entry.tick_texts(ticks, decimals, lang)
    if saturated:
        text[-1] = "≥" + NBSP + text[-1]
    # Named scales with "_r" are plotly.py's: plotly.js needs the colours.
    colorscale = entry.scale() if callable(entry.scale) else get_colorscale(entry.scale)
    if entry.zero_color:  # no offer at all: its own colour, not the scale's
        colorscale = [[0.0, entry.zero_color], [ZERO_STEP, entry.zero_color]] + [
            [ZERO_STEP + (1 - ZERO_STEP) * float(stop), color] for stop, color in colorscale
        ]
    style.update(
        zmin=0.0,
        zmax=top,
        colorscale=colorscale,
        showscale=True,
        colorbar={
            "title": {
                "text": t(entry.colorbar_key, lang),
                "side": "top",
                "font": {"size": 13, "color": "#1f2328"},
            },
            "tickvals": ticks,
            "ticktext": text,
            "tickfont": {"size": 12, "color": "#1f2328"},
            "thickness": 14,
            "len": 0.55,
            "x": 0.995,
            "xanchor": "right",
            "y": 0.5,
            "xpad": 8,
            "ypad": 8,
            "bgcolor": "rgba(255,255,255,0.88)",
            "outlinewidth": 0,
        },
    )
    return style


def scale_top(values: Sequence[float], indicator: str) -> tuple[float, bool]:
    """Top of a continuous indicator's colour scale, and whether values lie above it.

    An indicator with a fixed ``top`` (the quality score: 100 %) stops there. Otherwise
    the scale fits the data: it ends at a round number just above the 95th percentile
    of the positive values, their maximum when there are fewer than 20 (a few small
    territories with one offer would otherwise stretch it to 100 and leave 0.2 offers
    per 100,000 looking like none); the values above it take its darkest colour. A
    share never goes above 100 %.

    Examples
    --------
    >>> scale_top([0.0, 0.2, 0.4, 1.1, 2.3], "per100k")  # the régions
    (2.5, False)
    >>> scale_top([0.2] * 95 + [100.0] * 5, "per100k")
    (0.2, True)
    >>> scale_top([0.02, 0.13, 0.9], "beyond30"), scale_top([], "per100k")
    ((1.0, False), (1.0, False))
    >>> scale_top([0.6, 0.7], "quality")
    (1.0, False)
    """
    entry = _entry(indicator)
    positive = np.array([v for v in values if v > 0], dtype=float)
    high = float(positive.max()) if len(positive) else 0.0
    if entry.top is not None:
        return entry.top, high > entry.top + 1e-12
    if not len(positive):
        return 1.0, False
    # Fewer than 20 values (the régions): no outlier to leave out.
    typical = np.quantile(positive, 0.95, method="lower") if len(positive) >= 20 else high
    top = _round_up(float(typical))
    if entry.percent:
        top = min(top, 1.0)
    return top, high > top + 1e-12


def _ticks(top: float) -> tuple[list[float], int]:
    """Round ticks from 0 to ``top`` (1, 2, 2.5 or 5 × 10^k), and the decimals they need.

    Examples
    --------
    >>> _ticks(50.0)
    ([0.0, 10.0, 20.0, 30.0, 40.0, 50.0], 0)
    >>> _ticks(2.0)
    ([0.0, 0.5, 1.0, 1.5, 2.0], 1)
    """
    mantissa = top / 10.0 ** math.floor(math.log10(top))
    parts = 4 if round(mantissa, 6) == 2 else 5
    step = top / parts
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return [round(step * i, 10) for i in range(parts + 1)], decimals


def _round_up(value: float) -> float:
    """The next of 1, 2, 2.5, 5 × 10^k at or above ``value``."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 2, 2.5, 5, 10):
        top = mantissa * 10.0**exponent
        if top >= value * (1 - 1e-9):
            return float(f"{top:.6g}")
    return float(f"{10.0 ** (exponent + 1):.6g}")


# ------------------------------------------------------------------------- legend


def legend_entries(
    indicator: str,
    lang: str = DEFAULT_LANGUAGE,
    scale: tuple[float, bool] | None = None,
    stale_years: int = DEFAULT_STALE_YEARS,
) -> dict[str, Any]:
    """The legend in words: status rows (one colour per band) or the scale's name, and
    the overlays.

    Parameters
    ----------
    indicator
        A name of :data:`REGISTRY`.
    lang
        Language of the words.
    scale
        For a continuous indicator, :func:`scale_top` of the values shown: the legend
        says where the scale stops.
    stale_years
        The age after which facts are to check again (said by the quality's note).

    Returns
    -------
    dict
        ``indicator``, ``title``; ``statuses`` (discrete) with ``bands_title`` and
        ``bands``; ``scale`` (continuous: what the colour says), ``stop`` (where a
        saturated scale stops), ``no_offer`` (the colour of no offer at all), ``note``
        (a sentence more, or ``None``); ``overlays``.

    Examples
    --------
    >>> entries = legend_entries("status", "en")
    >>> [row["label"] for row in entries["statuses"]][:3]
    ['Confirmed gap', 'No offer recorded', 'Unknown operator']
    >>> [band["band"] for band in entries["bands"]]
    ['full', 'most', 'few']
    >>> entries["statuses"][0]["colors"]["few"] is None  # a gap is never partial
    True
    >>> legend_entries("beyond30", "en")["scale"]
    'Colour: population surely beyond 30 km of an offer (darker = higher)'
    >>> legend_entries("quality", "en")["scale"]
    'Colour: quality score, from 0 to 100% (darker = surer data)'
    """
    entry = _entry(indicator)
    discrete = entry.kind == "discrete"
    statuses = []
    for status in STATUS_ORDER:
        value = status.value
        statuses.append(
            {
                "value": value,
                "label": label(status, lang),
                "color": STATUS_COLORS[value],
                "colors": {
                    band: None
                    if band != "full" and offers_nothing(status)
                    else category_color(value, band)
                    for band in BANDS
                },
            }
        )
    top, saturated = scale if scale is not None else (None, False)
    stop = None
    if saturated and top is not None:
        shown = share_text(top, lang) if entry.percent else _number(top, 2, lang)
        if not entry.percent:
            shown = shown.rstrip("0").rstrip(",.")
        stop = t("carte.legend.saturated", lang).format(top=shown)
    title = t(entry.label_key, lang)
    return {
        "indicator": indicator,
        "title": title,
        "statuses": statuses if discrete else [],
        "bands_title": t("carte.legend.bands", lang),
        "bands": [
            {
                "band": band,
                "label": t(f"carte.legend.band.{band}", lang),
                "color": category_color(CoverageStatus.COVERED.value, band),
            }
            for band in BANDS
        ],
        "scale": None
        if discrete
        else t(entry.scale_key, lang).format(indicator=title[:1].lower() + title[1:]),
        "no_offer": {"color": entry.zero_color, "label": t("carte.legend.no_offer", lang)}
        if entry.zero_color
        else None,
        "stop": stop,
        "note": t(entry.note_key, lang).format(years=t_count("count.years", stale_years, lang))
        if entry.note
        else None,
        "overlays": [
            {"kind": "points", "color": POINT_COLOR, "label": t("carte.legend.points", lang)},
            {
                "kind": "selected",
                "color": SELECTED_COLOR,
                "label": t("carte.legend.selected", lang),
            },
            {"kind": "served", "color": SERVED_COLOR, "label": t("carte.legend.served", lang)},
        ],
    }
