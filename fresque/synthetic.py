"""Seeded synthetic ecosystems, larger than the national dataset, for benchmarks.

:func:`generate_ecosystem` builds an :class:`~fresque.ecosystem.Ecosystem` of any size
that looks like the curated national dataset (``data/ecosystem``), so that a benchmark on
it measures what real use would cost:

* **The dispositifs unique by design** are laid out as the dataset lays them out: one DLA
  départemental per département, one DLA régional and one CRESS per région (as in
  :data:`fresque.model.UNIQUE_BY_DESIGN`), known in the same proportions (23 of 101 DLA
  départementaux, 6 of 18 DLA régionaux, most CRESS; the others ``expected``, a few CRESS
  ``defunct``), each known DLA with its carrier (``dla_porteur``, linked by ``carries``),
  every DLA a member of the national DLA network and funded by the State, each DLA
  régional animating the DLA départementaux of its région.
* **The other structures** are drawn from :data:`PROFILES`: kind, dispositifs and
  territorial level together, weighted as counted on the national dataset
  (November 2026), so that, beside the DLA and CRESS layer (fixed by the geography),
  levels and dispositifs mix as they do there. Stages and themes
  follow :data:`~fresque.model.DEFAULT_STAGES` and :data:`~fresque.model.DEFAULT_THEMES`.
  Territories are drawn uniformly among régions and départements, by population among
  EPCI and communes (support concentrates in towns); one structure in twenty serves two
  or three neighbouring territories.
* **Links**: about two per structure, like the dataset (funding, membership, animation,
  partnership, referral), mostly inside a région.

The same ``seed`` always gives the same ecosystem. Ids start with ``syn``; every structure
cites a ``https://example.org/fresque-synthetique/…`` page, so synthetic data never passes
for real data.

Examples
--------
>>> from fresque.geo.territories import Territories
>>> eco = generate_ecosystem(60, seed=1, territories=Territories.load("tests/data/geo_mini"))
>>> len(eco), eco.structures.index[0]
(60, 'syn00000_dla_departemental_22')
>>> generate_ecosystem(60, seed=1, territories=eco.territories).records == eco.records
True
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np

from fresque.ecosystem import Ecosystem
from fresque.geo.territories import Territories, default_territories
from fresque.i18n import label
from fresque.io.validate import Records
from fresque.model import (
    DEFAULT_STAGES,
    DEFAULT_THEMES,
    Confidence,
    Dispositif,
    Kind,
    Level,
    Link,
    Relation,
    Status,
    Structure,
    Theme,
)

__all__ = ["PROFILES", "Profile", "generate_ecosystem", "generate_records"]

_D = Dispositif


@dataclass(frozen=True)
class Profile:
    """A kind of structure of the national dataset: what it is, does and serves."""

    weight: int
    """How many structures of the national dataset have this profile."""
    kind: Kind
    dispositifs: tuple[Dispositif, ...]
    level: Level


def _p(weight: int, kind: str, dispositifs: tuple[Dispositif, ...], level: str) -> Profile:
    return Profile(weight, Kind(kind), dispositifs, Level(level))


#: Profiles of the structures other than the DLA instances, their carriers and the CRESS,
#: weighted by their count in ``data/ecosystem/structures.csv`` (November 2026).
PROFILES: tuple[Profile, ...] = (
    _p(13, "support_structure", (_D.FABRIQUE_A_INITIATIVES,), "departement"),
    _p(5, "support_structure", (_D.FABRIQUE_A_INITIATIVES,), "region"),
    _p(4, "support_structure", (_D.FABRIQUE_A_INITIATIVES,), "epci"),
    _p(1, "support_structure", (_D.FABRIQUE_A_INITIATIVES,), "country"),
    _p(11, "support_structure", (_D.INCUBATEUR,), "region"),
    _p(6, "support_structure", (_D.INCUBATEUR,), "departement"),
    _p(4, "support_structure", (_D.INCUBATEUR,), "epci"),
    _p(2, "support_structure", (_D.INCUBATEUR,), "country"),
    _p(1, "support_structure", (_D.INCUBATEUR, _D.FABRIQUE_A_INITIATIVES), "region"),
    _p(2, "support_structure", (_D.ACCELERATEUR,), "region"),
    _p(1, "support_structure", (_D.ACCELERATEUR,), "country"),
    _p(1, "support_structure", (_D.PEPINIERE,), "region"),
    _p(1, "support_structure", (_D.POLE_ESS,), "epci"),
    _p(9, "support_structure", (_D.CRDLA,), "country"),
    _p(2, "support_structure", (), "commune"),
    _p(9, "network", (_D.PRET_D_HONNEUR, _D.MENTORAT), "departement"),
    _p(2, "network", (_D.PRET_D_HONNEUR, _D.MENTORAT), "region"),
    _p(1, "network", (_D.PRET_D_HONNEUR, _D.MENTORAT), "country"),
    _p(1, "network", (_D.PRET_D_HONNEUR,), "country"),
    _p(3, "network", (_D.SCOP_SCIC,), "region"),
    _p(1, "network", (_D.SCOP_SCIC,), "country"),
    _p(3, "network", (_D.CRDLA,), "country"),
    _p(2, "network", (_D.PTCE,), "country"),
    _p(1, "network", (_D.EVALUATION_IMPACT,), "country"),
    _p(1, "network", (_D.ESS_RURALITES,), "country"),
    _p(1, "network", (_D.RESEAU_INCUBATEURS_ESS,), "country"),
    _p(1, "network", (), "country"),
    _p(3, "funder", (_D.FINANCE_SOLIDAIRE, _D.FABRIQUE_A_INITIATIVES), "region"),
    _p(1, "funder", (_D.FINANCE_SOLIDAIRE,), "region"),
    _p(1, "funder", (_D.FINANCE_SOLIDAIRE,), "departement"),
    _p(1, "funder", (_D.PRET_D_HONNEUR,), "country"),
    _p(1, "funder", (), "region"),
    _p(1, "funder", (), "departement"),
    _p(1, "support_structure", (_D.PTCE, _D.FABRIQUE_A_INITIATIVES), "region"),
    _p(8, "public_body", (), "region"),
    _p(6, "public_body", (), "epci"),
    _p(5, "public_body", (), "departement"),
    _p(1, "public_body", (_D.PTCE,), "country"),
    _p(1, "public_body", (_D.FRENCH_IMPACT,), "country"),
)

#: Share of known operators in the national dataset (the others are ``expected``).
KNOWN_DLA_DEPARTEMENTAL = 23 / 101
KNOWN_DLA_REGIONAL = 6 / 18
KNOWN_CRESS = 16 / 18
DEFUNCT_CRESS = 1 / 18
#: Links per structure in the national dataset (627 for 297).
LINKS_PER_STRUCTURE = 2.1
_MULTI_TERRITORY = 0.05
_LOCATED = 0.6
_DEFUNCT = 0.02
_VERIFIED = date(2026, 11, 26)
_CONFIDENCE = (Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW)
_CONFIDENCE_WEIGHTS = (0.6, 0.3, 0.1)
_HUBS = {
    "dla_national": ("network", (_D.DLA_NATIONAL,), "Réseau national du DLA (synthétique)"),
    "ess_france": ("chamber", (_D.CRESS_NATIONAL,), "ESS France (synthétique)"),
    "etat": ("public_body", (_D.DLA_PILOTAGE,), "État (synthétique)"),
    "banque": ("funder", (_D.DLA_PILOTAGE,), "Banque des Territoires (synthétique)"),
}
#: Random links: relation, weight (the dataset's mix once the DLA links are set apart).
_RANDOM_RELATIONS = (
    (Relation.FUNDS, 0.40),
    (Relation.MEMBER_OF, 0.30),
    (Relation.PARTNERS_WITH, 0.15),
    (Relation.REFERS_TO, 0.10),
    (Relation.ANIMATES, 0.05),
)


class _Builder:
    """Accumulates structures and links with sequential ids."""

    def __init__(self, territories: Territories, rng: np.random.Generator) -> None:
        self.territories = territories
        self.rng = rng
        self.structures: list[Structure] = []
        self.region: list[str | None] = []
        self.links: dict[tuple[str, str, Relation], Link] = {}
        communes = territories.communes
        self.commune_codes = communes["code"].to_numpy(dtype=object)
        self.commune_population = communes["population"].to_numpy(dtype=float, na_value=0.0)
        table = territories.table
        self.codes: dict[Level, np.ndarray] = {}
        self.weights: dict[Level, np.ndarray] = {}
        self.region_of: dict[tuple[Level, str], str] = {}
        self.parent_of: dict[tuple[Level, str], str] = {}
        for level in (Level.REGION, Level.DEPARTEMENT, Level.EPCI):
            rows = table[table["level"] == level.value]
            codes = rows["code"].to_numpy(dtype=object)
            population = rows["population"].to_numpy(dtype=float, na_value=0.0)
            self.codes[level] = codes
            uniform = level is not Level.EPCI
            self.weights[level] = _normalised(np.ones(len(codes)) if uniform else population)
            for code, region, parent in zip(codes, rows["region"], rows["parent"], strict=True):
                self.region_of[(level, code)] = region
                self.parent_of[(level, code)] = parent
        self.codes[Level.COMMUNE] = self.commune_codes
        self.weights[Level.COMMUNE] = _normalised(self.commune_population)
        for code, region, epci, dep in zip(
            communes["code"],
            communes["region"],
            communes["epci"],
            communes["departement"],
            strict=True,
        ):
            self.region_of[(Level.COMMUNE, code)] = region
            self.parent_of[(Level.COMMUNE, code)] = epci or dep

    # --- structures ---------------------------------------------------------------------

    def add(
        self,
        suffix: str,
        name: str,
        kind: Kind | str,
        dispositifs: tuple[Dispositif, ...],
        level: Level,
        codes: list[str],
        status: Status = Status.ACTIVE,
        located: bool = True,
    ) -> str:
        sid = f"syn{len(self.structures):05d}_{suffix}".lower()
        stages = list(dict.fromkeys(s for d in dispositifs for s in DEFAULT_STAGES[d]))
        themes = list(dict.fromkeys(t for d in dispositifs for t in DEFAULT_THEMES[d]))
        if not themes and Kind(kind) is Kind.FUNDER:
            themes = [Theme.FINANCEMENT]
        commune = None
        if located and status is not Status.EXPECTED and self.rng.random() < _LOCATED:
            commune = self._commune_in(level, codes[0])
        self.structures.append(
            Structure(
                id=sid,
                name=name,
                kind=kind,
                dispositifs=list(dispositifs),
                stages=stages,
                themes=themes,
                territory_level=level,
                territory_codes=codes,
                commune_code=commune,
                status=status,
                source_urls=[f"https://example.org/fresque-synthetique/{sid}"],
                confidence=Confidence.HIGH
                if status is Status.EXPECTED
                else self.rng.choice(np.array(_CONFIDENCE, dtype=object), p=_CONFIDENCE_WEIGHTS),
                last_verified=_VERIFIED,
                description="Structure synthétique (fresque.synthetic), pas une donnée réelle.",
            )
        )
        self.region.append(
            None if level is Level.COUNTRY else self.region_of.get((level, codes[0]))
        )
        return sid

    def _commune_in(self, level: Level, code: str) -> str:
        positions = self.territories.commune_positions((level, code))
        weights = self.commune_population[positions]
        if weights.sum() <= 0:
            weights = np.ones(len(positions))
        return str(self.commune_codes[self.rng.choice(positions, p=_normalised(weights))])

    def draw_codes(self, level: Level) -> list[str]:
        if level is Level.COUNTRY:
            return ["FR"]
        first = str(self.rng.choice(self.codes[level], p=self.weights[level]))
        if self.rng.random() >= _MULTI_TERRITORY or level is Level.REGION:
            return [first]
        parent = self.parent_of[(level, first)]
        siblings = [
            c for c in self.codes[level] if self.parent_of[(level, c)] == parent and c != first
        ]
        extra = int(self.rng.integers(1, 3))
        if not siblings:
            return [first]
        chosen = self.rng.choice(siblings, size=min(extra, len(siblings)), replace=False)
        return [first, *sorted(str(c) for c in chosen)]

    # --- links --------------------------------------------------------------------------

    def link(self, source: str, target: str, relation: Relation) -> None:
        if source == target or (source, target, relation) in self.links:
            return
        self.links[(source, target, relation)] = Link(
            source=source,
            target=target,
            relation=relation,
            source_urls=[f"https://example.org/fresque-synthetique/{source}"],
            confidence=Confidence.MEDIUM,
        )


def _normalised(weights: np.ndarray) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    return weights / total if total > 0 else np.full(len(weights), 1 / max(len(weights), 1))


def _territory_name(territories: Territories, level: Level, code: str) -> str:
    return "France" if level is Level.COUNTRY else territories[(level, code)].name


def minimum_size(territories: Territories | None = None) -> int:
    """Return the fewest structures an ecosystem can have on ``territories``.

    The national hubs, one DLA départemental per département, one DLA régional and one
    CRESS per région, and the carriers of the known DLA (at most, one per DLA).

    Examples
    --------
    >>> from fresque.geo.territories import Territories
    >>> minimum_size(Territories.load("tests/data/geo_mini"))
    16
    """
    territories = territories if territories is not None else default_territories()
    levels = territories.table["level"].value_counts()
    n_departements = int(levels.get("departement", 0))
    n_regions = int(levels.get("region", 0))
    return len(_HUBS) + 2 * n_departements + 3 * n_regions


def generate_records(
    n_structures: int = 5000, seed: int = 0, territories: Territories | None = None
) -> Records:
    """Return the structures and links of a synthetic ecosystem (see the module docstring).

    Parameters
    ----------
    n_structures
        How many structures, at least :func:`minimum_size` (260 on the French
        geography).
    seed
        The seed: the same seed gives the same records.
    territories
        The geography (default: :func:`~fresque.geo.territories.default_territories`).

    Raises
    ------
    ValueError
        When ``n_structures`` is below :func:`minimum_size`.
    """
    territories = territories if territories is not None else default_territories()
    smallest = minimum_size(territories)
    if n_structures < smallest:
        raise ValueError(
            f"n_structures doit valoir au moins {smallest} sur cette géographie "
            "(un DLA par département, un DLA régional et une CRESS par région, leurs "
            f"porteurs et les têtes de réseau) : {n_structures}"
        )
    rng = np.random.default_rng(seed)
    build = _Builder(territories, rng)
    # Unique by design, laid out as the national dataset lays them out.
    dla_departemental: dict[str, str] = {}
    dla_regional: dict[str, str] = {}
    cress: list[str] = []
    carriers: list[tuple[str, str, Level, str]] = []
    for code in build.codes[Level.DEPARTEMENT]:
        known = rng.random() < KNOWN_DLA_DEPARTEMENTAL
        name = _territory_name(territories, Level.DEPARTEMENT, code)
        sid = build.add(
            f"dla_departemental_{code}",
            f"DLA {name}" if known else f"DLA {name} (opérateur à identifier)",
            Kind.SUPPORT_STRUCTURE,
            (_D.DLA_DEPARTEMENTAL,),
            Level.DEPARTEMENT,
            [code],
            Status.ACTIVE if known else Status.EXPECTED,
        )
        dla_departemental[code] = sid
        if known:
            carriers.append((sid, name, Level.DEPARTEMENT, code))
    for code in build.codes[Level.REGION]:
        name = _territory_name(territories, Level.REGION, code)
        known = rng.random() < KNOWN_DLA_REGIONAL
        sid = build.add(
            f"dla_regional_{code}",
            f"DLA régional {name}" if known else f"DLA régional {name} (opérateur à identifier)",
            Kind.SUPPORT_STRUCTURE,
            (_D.DLA_REGIONAL,),
            Level.REGION,
            [code],
            Status.ACTIVE if known else Status.EXPECTED,
        )
        dla_regional[code] = sid
        if known:
            carriers.append((sid, name, Level.REGION, code))
        draw = rng.random()
        status = (
            Status.ACTIVE
            if draw < KNOWN_CRESS
            else Status.DEFUNCT
            if draw < KNOWN_CRESS + DEFUNCT_CRESS
            else Status.EXPECTED
        )
        cress.append(
            build.add(
                f"cress_{code}",
                f"CRESS {name}",
                Kind.CHAMBER,
                (_D.CRESS,),
                Level.REGION,
                [code],
                status,
            )
        )
    hubs = {
        key: build.add(key, name, kind, dispositifs, Level.COUNTRY, ["FR"], located=False)
        for key, (kind, dispositifs, name) in _HUBS.items()
    }
    for dla, name, level, code in carriers:
        carrier = build.add(
            "porteur",
            f"Porteur du DLA {name}",
            Kind.SUPPORT_STRUCTURE,
            (_D.DLA_PORTEUR,),
            level,
            [code],
        )
        build.link(carrier, dla, Relation.CARRIES)
    for code, dla in dla_departemental.items():
        build.link(dla, hubs["dla_national"], Relation.MEMBER_OF)
        build.link(hubs["etat"], dla, Relation.FUNDS)
        build.link(hubs["banque"], dla, Relation.FUNDS)
        region = build.region_of[(Level.DEPARTEMENT, code)]
        if region in dla_regional:
            build.link(dla_regional[region], dla, Relation.ANIMATES)
    for dla in dla_regional.values():
        build.link(dla, hubs["dla_national"], Relation.MEMBER_OF)
        build.link(hubs["etat"], dla, Relation.FUNDS)
    for chamber in cress:
        build.link(chamber, hubs["ess_france"], Relation.MEMBER_OF)

    # Everything else, drawn from the profiles of the national dataset.
    weights = _normalised(np.array([p.weight for p in PROFILES], dtype=float))
    remaining = n_structures - len(build.structures)
    for index in rng.choice(len(PROFILES), size=remaining, p=weights):
        profile = PROFILES[int(index)]
        codes = build.draw_codes(profile.level)
        what = profile.dispositifs[0].value if profile.dispositifs else profile.kind.value
        shown = label(profile.dispositifs[0]) if profile.dispositifs else label(profile.kind)
        where = _territory_name(territories, profile.level, codes[0])
        build.add(
            what,
            f"{shown} {where} {len(build.structures)}",
            profile.kind,
            profile.dispositifs,
            profile.level,
            codes,
            Status.DEFUNCT if rng.random() < _DEFUNCT else Status.ACTIVE,
        )

    _random_links(build, round(LINKS_PER_STRUCTURE * n_structures) - len(build.links))
    return Records(build.structures, list(build.links.values()))


def _random_links(build: _Builder, wanted: int) -> None:
    """Add about ``wanted`` links, mostly between structures of the same région."""
    rng = build.rng
    ids = np.array([s.id for s in build.structures], dtype=object)
    kinds = np.array([s.kind.value for s in build.structures], dtype=object)
    by_region: dict[str | None, list[int]] = defaultdict(list)
    for i, region in enumerate(build.region):
        by_region[region].append(i)
    pools = {region: np.array(members) for region, members in by_region.items()}
    everyone = np.arange(len(ids))
    sources = {
        Relation.FUNDS: np.flatnonzero(np.isin(kinds, ["funder", "public_body"])),
        Relation.MEMBER_OF: everyone,
        Relation.PARTNERS_WITH: everyone,
        Relation.REFERS_TO: np.flatnonzero(kinds == "support_structure"),
        Relation.ANIMATES: np.flatnonzero(np.isin(kinds, ["network", "chamber"])),
    }
    networks = np.flatnonzero(np.isin(kinds, ["network", "chamber"]))
    relations = [r for r, _ in _RANDOM_RELATIONS]
    probabilities = _normalised(np.array([w for _, w in _RANDOM_RELATIONS]))
    target_count = len(build.links) + max(wanted, 0)
    for _ in range(4):  # a few rounds make up for the repeated draws
        missing = target_count - len(build.links)
        if missing <= 0:
            break
        draws = rng.choice(len(relations), size=missing, p=probabilities)
        picks = rng.random((missing, 3))
        for drawn, (pick_source, pick_wide, pick_target) in zip(draws, picks, strict=True):
            relation = relations[int(drawn)]
            pool = sources[relation]
            if not len(pool):
                continue
            source = int(pool[int(pick_source * len(pool))])
            region = build.region[source]
            if relation is Relation.MEMBER_OF and len(networks):
                candidates = networks
            elif region is None or pick_wide < 0.1:
                candidates = everyone
            else:
                candidates = pools[region]
            target = int(candidates[int(pick_target * len(candidates))])
            build.link(str(ids[source]), str(ids[target]), relation)


def generate_ecosystem(
    n_structures: int = 5000, seed: int = 0, territories: Territories | None = None
) -> Ecosystem:
    """Return a seeded synthetic :class:`~fresque.ecosystem.Ecosystem` (module docstring).

    Parameters
    ----------
    n_structures
        How many structures (at least :func:`minimum_size`; 5,000 is about 17 times the
        national dataset).
    seed
        The seed: the same seed gives the same ecosystem.
    territories
        The geography (default: :func:`~fresque.geo.territories.default_territories`).

    Examples
    --------
    >>> eco = generate_ecosystem(500, seed=0)
    >>> len(eco), 800 < len(eco.links) < 1200
    (500, True)
    >>> int((eco.structures["territory_level"] == "departement").sum()) > 101
    True
    """
    territories = territories if territories is not None else default_territories()
    records = generate_records(n_structures, seed, territories)
    return Ecosystem(records.structures, records.links, territories=territories)
