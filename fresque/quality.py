"""How much the data knows about each territory: the « Fiabilité des données » indicator.

Coverage says what is offered; this module says how far that can be trusted, territory by
territory, from the facts behind the offers and the surveys:

``n_offers``
    local offers serving at least one commune of the territory (structures neither
    national nor defunct that carry a dispositif or a stage);
``n_unique``, ``n_unique_known``, ``unique_known``
    the offers of a dispositif unique by design (DLA départemental, DLA régional, CRESS:
    :data:`fresque.model.UNIQUE_BY_DESIGN`), those whose operator is known (``active``,
    not ``expected``), and their share (NaN where there is none);
``n_sourced``, ``share_sourced``
    offers with at least one source URL, and their share;
``share_high``
    share of offers with a ``high`` confidence;
``newest_verified``, ``age_years``
    the newest ``last_verified`` date of its offers, and its age on ``as_of`` in years;
``n_stale``, ``share_fresh``
    offers to check again (verified more than ``stale_years`` ago, or never:
    :func:`fresque.model.is_stale`), and the share of the others;
``surveyed``
    share of the population living where a valid survey (any scope) covers the commune;
    ``has_survey`` is ``surveyed > 0``;
``score``
    the mean of the shares that are defined (``unique_known``, ``share_sourced``,
    ``share_high``, ``share_fresh``, ``surveyed``): what colours the map, from 0 (nothing
    known) to 1. The hover and the panel show the parts, never the score alone.

Examples
--------
>>> from datetime import date
>>> from fresque.coverage import compute_coverage
>>> from fresque.ecosystem import load_ecosystem
>>> eco = load_ecosystem()
>>> table = data_quality(eco, compute_coverage(eco, as_of=date(2026, 12, 7)),
...                      "region", as_of=date(2026, 12, 7)).set_index("code")
>>> bool(table.loc["28", "has_survey"]), bool(table.loc["53", "has_survey"])
(True, False)
>>> bool(table["score"].between(0, 1).all())
True
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fresque.model import (
    DEFAULT_STALE_YEARS,
    UNIQUE_BY_DESIGN,
    Confidence,
    Level,
    Status,
    add_months,
)

if TYPE_CHECKING:
    from fresque.coverage import Coverage
    from fresque.ecosystem import Ecosystem

__all__ = ["QUALITY_COLUMNS", "SCORE_PARTS", "data_quality", "stale_offers"]

#: The shares the score averages.
SCORE_PARTS: tuple[str, ...] = (
    "unique_known",
    "share_sourced",
    "share_high",
    "share_fresh",
    "surveyed",
)

#: Columns of :func:`data_quality`, in order.
QUALITY_COLUMNS: tuple[str, ...] = (
    "level",
    "code",
    "name",
    "region",
    "population",
    "n_offers",
    "n_unique",
    "n_unique_known",
    "unique_known",
    "n_sourced",
    "share_sourced",
    "share_high",
    "newest_verified",
    "age_years",
    "n_stale",
    "share_fresh",
    "surveyed",
    "has_survey",
    "score",
)


def stale_offers(
    eco: Ecosystem, as_of: date | None = None, years: int = DEFAULT_STALE_YEARS
) -> pd.Series:
    """Whether each structure's facts should be checked again (« à vérifier »).

    A structure is stale when its ``last_verified`` date is older than ``years`` on
    ``as_of`` (today by default), or missing.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> stale = stale_offers(load_ecosystem(), as_of=date(2026, 12, 7))
    >>> stale.dtype, bool(stale["avise"])
    (dtype('bool'), False)
    """
    as_of = as_of if as_of is not None else date.today()
    limit = add_months(as_of, -12 * years)
    verified = eco.structures["last_verified"]
    stale = [not isinstance(v, date) or v < limit for v in verified.tolist()]
    return pd.Series(stale, index=eco.structures.index, name="stale", dtype=bool)


def data_quality(
    eco: Ecosystem,
    coverage: Coverage,
    level: Level | str = Level.DEPARTEMENT,
    region: str | int | None = None,
    *,
    as_of: date | None = None,
    stale_years: int = DEFAULT_STALE_YEARS,
) -> pd.DataFrame:
    """Return the data-quality table: one row per territory of ``level``.

    Parameters
    ----------
    eco
        The ecosystem ``coverage`` was computed from.
    coverage
        From :func:`fresque.coverage.compute_coverage` (its surveys are the valid ones).
    level
        ``commune``, ``epci``, ``departement``, ``region`` or ``country``.
    region
        Keep the territories of this région (its code).
    as_of
        The day ages are counted on (default: the coverage's ``as_of``, else today).
    stale_years
        Facts older than this are to check again.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`QUALITY_COLUMNS` (see the module docstring), in the order of
        :meth:`fresque.coverage.Coverage.table`.
    """
    as_of = as_of or coverage.as_of or date.today()
    chosen = coverage.selection(level, region)
    incidence = coverage.incidence(chosen)  # structures × territories
    table = eco.structures.reindex(coverage.ids)
    offering = np.asarray(coverage.offer_keys.any(axis=1))

    unique_columns = [
        i
        for i, (kind, value) in enumerate(coverage.keys)
        if kind == "dispositif" and value in {d.value for d in UNIQUE_BY_DESIGN}
    ]
    unique = np.asarray(coverage.offer_keys[:, unique_columns].any(axis=1))
    unique_active = unique & np.asarray(coverage.active_keys[:, unique_columns].any(axis=1))
    sourced = np.array([bool(urls) for urls in table["source_urls"].tolist()])
    high = table["confidence"].to_numpy(dtype=object) == Confidence.HIGH.value
    stale = stale_offers(eco, as_of, stale_years).reindex(coverage.ids).to_numpy(dtype=bool)
    active = table["status"].to_numpy(dtype=object) != Status.DEFUNCT.value

    def count(mask: np.ndarray) -> np.ndarray:
        return np.asarray(incidence.T @ (mask & offering & active).astype(np.int64))

    n_offers = count(np.ones(len(coverage.ids), dtype=bool))
    n_unique, n_unique_known = count(unique), count(unique_active)
    n_sourced, n_high, n_stale = count(sourced), count(high), count(stale)

    ordinal = np.array(
        [v.toordinal() if isinstance(v, date) else -1 for v in table["last_verified"].tolist()]
    )
    ordinal = np.where(offering & active, ordinal, -1)
    newest = np.full(len(chosen.codes), -1, dtype=np.int64)
    csc = incidence.tocsc()
    for j in range(len(chosen.codes)):
        members = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        if len(members):
            newest[j] = ordinal[members].max()

    population = np.bincount(
        chosen.territory_of,
        weights=coverage.population[chosen.communes],
        minlength=len(chosen.codes),
    )
    any_survey = coverage.surveyed.any(axis=1)[chosen.communes]
    surveyed_population = np.bincount(
        chosen.territory_of,
        weights=np.where(any_survey, coverage.population[chosen.communes], 0),
        minlength=len(chosen.codes),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = {
            "unique_known": np.where(n_unique > 0, n_unique_known / n_unique, np.nan),
            "share_sourced": np.where(n_offers > 0, n_sourced / n_offers, np.nan),
            "share_high": np.where(n_offers > 0, n_high / n_offers, np.nan),
            "share_fresh": np.where(n_offers > 0, 1 - n_stale / n_offers, np.nan),
            "surveyed": np.where(population > 0, surveyed_population / population, 0.0),
        }
    parts = np.vstack([shares[name] for name in SCORE_PARTS])
    defined = ~np.isnan(parts)
    score = np.where(defined.any(axis=0), np.nansum(parts, axis=0) / defined.sum(axis=0), 0.0)
    newest_dates = [date.fromordinal(int(v)) if v > 0 else None for v in newest]
    age = [(as_of - d).days / 365.25 if d is not None else np.nan for d in newest_dates]
    frame = pd.DataFrame(
        {
            "level": chosen.level.value,
            "code": chosen.codes,
            "name": chosen.names,
            "region": chosen.regions,
            "population": population.astype(np.int64),
            "n_offers": n_offers.astype(np.int64),
            "n_unique": n_unique.astype(np.int64),
            "n_unique_known": n_unique_known.astype(np.int64),
            "unique_known": shares["unique_known"],
            "n_sourced": n_sourced.astype(np.int64),
            "share_sourced": shares["share_sourced"],
            "share_high": shares["share_high"],
            "newest_verified": newest_dates,
            "age_years": age,
            "n_stale": n_stale.astype(np.int64),
            "share_fresh": shares["share_fresh"],
            "surveyed": shares["surveyed"],
            "has_survey": surveyed_population > 0,
            "score": score,
        },
        columns=list(QUALITY_COLUMNS),
    )
    return frame
