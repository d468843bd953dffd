"""Turn the sourced reference facts (``data/reference``) into the curated dataset.

The reference folder holds facts, not a dataset: ``structures.csv`` (the actors),
``relations.csv`` (their links) and ``facts.md`` (national figures). :func:`build_reference`
maps every row onto :class:`~fresque.model.Structure` and :class:`~fresque.model.Link`,
keeping its source URLs and confidence, and adds an ``expected`` structure wherever a
dispositif unique by design has no sourced operator. ``fresque data build`` writes the result
to ``data/ecosystem/``.

Rules, in the order they apply to a reference row
-------------------------------------------------

1. **Dispositifs**: each ``|``-separated value maps through
   :data:`fresque.model.REFERENCE_DISPOSITIFS`.
2. **Stages and themes**: the union of :data:`~fresque.model.DEFAULT_STAGES` and
   :data:`~fresque.model.DEFAULT_THEMES` over the row's dispositifs, plus the themes a
   reference value carries itself (:data:`~fresque.model.REFERENCE_DISPOSITIF_THEMES`,
   e.g. ``CRDLA-Numerique``). A ``funder`` whose dispositifs name no theme gets
   ``financement`` (funding is what a funder brings). A row of :data:`OVERRIDES` may
   replace the stages or themes, or add themes.
3. **Territory**: ``national`` is the country level; codes are normalised
   (:func:`fresque.geo.codes.normalize_code`). A row whose level needs codes and has none
   takes them from what the row does say: a ``commune`` its ``city``; an ``epci`` the EPCI
   of its ``city``; a ``region`` its ``region_code``. Each such repair is recorded in
   :attr:`ReferenceBuild.repairs` and listed by ``fresque data build``.
4. **Location**: ``commune_code`` is the ``city`` resolved among the communes (within the
   row's ``region_code`` when there is one). No city, no location: national actors and the
   CRESS (no head office was sourced) stay unlocated, and are counted.
5. **Status**: ``active``, unless :data:`OVERRIDES` says ``defunct`` with its source (see
   *Sourced DLA whose carrier is unknown* for why a sourced DLA without a carrier is
   ``active``).
6. **Sources**: ``source_url`` is split on `` ; ``; confidence is kept as given.
7. **last_verified**: :data:`REFERENCE_GATHERED` for every row (see there why).

:data:`OVERRIDES` fixes, row by row and with its reason, what the rules above cannot: a
territory the reference got wrong or left out, a closed structure, a thematic resource
centre, the stages a row's description reads in its source (« Étapes couvertes : … »)
where they differ from its dispositifs' defaults.

Errors
------

The reference grows by hand, so a row may carry a value the rules do not know yet (a new
``dispositif`` spelling, a ``kind`` mistyped, a level, a territory code, an id a link
points to). :func:`build_reference` checks every row before returning anything and raises
one :class:`ReferenceBuildError` listing every problem as the importer does
(:class:`fresque.io.Problem`: file, row as a spreadsheet numbers it, column, value, plain
French reason and the closest known value when there is one). ``fresque data build``
prints them and writes nothing. A new value that has a sensible meaning is mapped in
:data:`fresque.model.REFERENCE_DISPOSITIFS` or :data:`fresque.model.REFERENCE_LEVELS`, a
row that needs a reasoned fix gets an :data:`OVERRIDES` entry; only a truly unknown value
stays an error.

Sourced DLA whose carrier is unknown
------------------------------------

A DLA instance (``dla_29``, ``dla_r_27``) is a structure of its own; its carriers are
other structures linked to it by ``carries`` (:data:`fresque.model.CARRIED_BY_DESIGN`).
Some rows attest an instance without naming its carrier: the DLA régional of
Bourgogne-Franche-Comté (a chargée de mission of the regional DLA speaks on the Avise site
in 2021), of Corse (the State's call for projects for 2020-2022) and of Normandie. Such a
row is built as what the sources say: an ``active`` DLA régional, with its own sources and
confidence, and no ``carries`` link. It is not made ``expected``: that status means "exists
by design, no source names it", so the coverage map and the report would count the région
among the by-design placeholders ("opérateur inconnu", "à identifier") and hide that a
source attests this DLA régional. What is unknown is the carrier, and that is said where
it is true: by the absence of a ``carries`` link, in the row's description, and in
:meth:`fresque.ecosystem.Ecosystem.report` ("dont porteur inconnu", with the régions
named). Since the région is covered, no ``expected`` DLA régional is added there either.

Expected structures
-------------------

For each dispositif of :data:`fresque.model.UNIQUE_BY_DESIGN` (one DLA départemental per
département, one DLA régional and one CRESS per région), every territory that no structure
of that dispositif covers gets one ``expected`` structure (:func:`expected_records`). A
*defunct* structure counts as covering: when the sources say a territory lost its CRESS
(Normandie, July 2025), the hole is a real one, not a gap in our knowledge, and no
``expected`` CRESS is made up for it.

Examples
--------
>>> OVERRIDES["cress_nor"].status
<Status.DEFUNCT: 'defunct'>
>>> expected_id(Dispositif.DLA_DEPARTEMENTAL, "29")
'dla_29_expected'
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import pandas as pd
from pydantic import ValidationError

from fresque.geo.codes import InvalidCodeError, level_label, normalize_code
from fresque.geo.territories import Territories, TerritoryError, default_territories
from fresque.i18n import UnknownValueError, normalize_key, parse_enum
from fresque.io.validate import DatasetValidationError, Problem, Records, format_problems
from fresque.model import (
    DEFAULT_STAGES,
    DEFAULT_THEMES,
    REFERENCE_DISPOSITIF_THEMES,
    REFERENCE_DISPOSITIFS,
    REFERENCE_LEVELS,
    UNIQUE_BY_DESIGN,
    Confidence,
    Dispositif,
    Kind,
    Level,
    Link,
    Relation,
    Stage,
    Status,
    Structure,
    Survey,
    Theme,
)
from fresque.paths import data_dir

__all__ = [
    "EXPECTED_RULES",
    "OVERRIDES",
    "REFERENCE_COLUMNS",
    "REFERENCE_GATHERED",
    "ExpectedRule",
    "Override",
    "ReferenceBuild",
    "ReferenceBuildError",
    "Repair",
    "build_reference",
    "closest_value",
    "expected_id",
    "expected_records",
    "read_reference",
    "reference_dir",
    "without_superseded_expected",
]

#: Date given to ``last_verified`` of every record built from the reference: the day the
#: reference folder was closed. ``facts.md`` says every source was read ("access") in
#: November 2026 and the four files are dated 26 November 2026; no row carries its own
#: date, so the latest date at which all facts were checked is the one we can vouch for.
#: The second pass (250 actors, 310 links) came with ``facts.md`` unchanged and no date of
#: its own, so the date stays. A fixed constant rather than the files' modification time,
#: which a checkout changes.
REFERENCE_GATHERED = date(2026, 11, 26)

STRUCTURE_FILE = "structures.csv"
RELATION_FILE = "relations.csv"
SOURCE_SEPARATOR = " ; "
VALUE_SEPARATOR = "|"
_DISPOSITIF_TABLE = "REFERENCE_DISPOSITIFS"
_LEVEL_TABLE = "REFERENCE_LEVELS"
_E = TypeVar("_E", bound=StrEnum)


def reference_dir() -> Path:
    """Return the reference folder: ``FRESQUE_REFERENCE_DIR``, else ``data/reference``.

    ``data/reference`` is a copy of the team's sourced facts, kept in the repository so a
    fresh clone can rebuild the dataset.

    Examples
    --------
    >>> reference_dir().name
    'reference'
    """
    default = data_dir() / "reference"
    return Path(os.environ.get("FRESQUE_REFERENCE_DIR", default))


# --------------------------------------------------------------------------------------
# Per-row overrides
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A documented correction of one reference row; ``None`` keeps the rule's value.

    Attributes
    ----------
    reason
        Why the row is corrected, and from which source (shown in ``data/ecosystem``'s
        README).
    territory_level, territory_codes
        Replace the territory the row serves.
    city
        Replace the commune where the structure sits (a name resolved like ``city``).
    status
        Replace the status (``defunct`` for a closed structure).
    confidence
        Replace the confidence: a fact supplied by an override is never ``high``.
    stages, themes
        Replace the stages or themes the rules give.
    extra_themes
        Themes added to those the rules give.
    extra_source_urls
        Sources the correction rests on, added to the row's own.
    """

    reason: str
    territory_level: Level | None = None
    territory_codes: tuple[str, ...] | None = None
    city: str | None = None
    status: Status | None = None
    confidence: Confidence | None = None
    stages: tuple[Stage, ...] | None = None
    themes: tuple[Theme, ...] | None = None
    extra_themes: tuple[Theme, ...] = ()
    extra_source_urls: tuple[str, ...] = ()


_ADEFPAT_SOURCE = (
    "https://www.pays-gevaudan-lozere.fr/2025/07/"
    "saint-alban-sur-limagnole-a-lhonneur-de-lassemblee-generale-de-ladefpat"
)
_ADEFPAT_TERRITORY = ("12", "46", "48", "81", "82")

#: Corrections of reference rows, by structure id, each with its reason.
OVERRIDES: dict[str, Override] = {
    # --- territories the reference got wrong or left out -------------------------------
    "crp_consulting": Override(
        reason=(
            "Niveau « epci » avec le code « 31 », qui est celui d'un département. La "
            "description et la relation vers dla_31 disent « pour le Grand Toulouse » "
            "(territoire CAGT, la communauté d'agglomération du Grand Toulouse), devenue "
            "Toulouse Métropole (SIREN 243100518), qui est aussi l'EPCI de Balma, son siège."
        ),
        territory_level=Level.EPCI,
        territory_codes=("243100518",),
    ),
    "adefpat": Override(
        reason=(
            "Aucun territoire dans la référence. Une source de 2025 donne son périmètre : "
            "les départements ruraux d'Occitanie, Aveyron, Tarn, Tarn-et-Garonne, Lot, "
            "Lozère et le nord de l'Hérault. Le nord de l'Hérault n'est pas retenu : seule "
            "une partie du département est servie. Confiance moyenne (source ajoutée)."
        ),
        territory_level=Level.DEPARTEMENT,
        territory_codes=_ADEFPAT_TERRITORY,
        confidence=Confidence.MEDIUM,
        extra_source_urls=(_ADEFPAT_SOURCE,),
    ),
    "fai_adefpat": Override(
        reason=(
            "Aucun territoire dans la référence (« territoire non indiqué »). La Fabrique "
            "est portée par l'Adefpat : on lui donne le territoire de son porteur (voir "
            "adefpat), par déduction, d'où une confiance moyenne."
        ),
        territory_level=Level.DEPARTEMENT,
        territory_codes=_ADEFPAT_TERRITORY,
        confidence=Confidence.MEDIUM,
        extra_source_urls=(_ADEFPAT_SOURCE,),
    ),
    "la_ruche": Override(
        reason=(
            "Aucun territoire ni lieu dans la référence (« localisation non relevée »). "
            "Une source la décrit comme un réseau d'une dizaine d'espaces sur le territoire "
            "national, né à Paris (Marseille, Bordeaux, Montpellier ensuite) : niveau "
            "national, siège à Paris. Confiance moyenne (source ajoutée)."
        ),
        territory_level=Level.COUNTRY,
        territory_codes=("FR",),
        city="Paris",
        confidence=Confidence.MEDIUM,
        extra_source_urls=(
            "https://objectifmetropolesdefrance.fr/la-ruche-incubateur-deconomie-sociale-et-solidaire/",
        ),
    ),
    # --- closed structures ---------------------------------------------------------------
    "cress_nor": Override(
        reason=(
            "Liquidation judiciaire prononcée le 11 juillet 2025 par le tribunal de "
            "commerce de Caen (source de la ligne) : la Normandie n'a plus de CRESS en "
            "activité. Aucune CRESS « attendue » n'est ajoutée : le manque est réel."
        ),
        status=Status.DEFUNCT,
    ),
    "cncress": Override(
        reason=(
            "Absorbé par ESS France en 2020 (« structure historique », d'après sa ligne) : "
            "gardé pour l'histoire, jamais compté comme une offre."
        ),
        status=Status.DEFUNCT,
    ),
    "atelier_idf": Override(
        reason=(
            "« Statut : fermée » d'après sa ligne : l'association a cessé son activité "
            "vers 2016, le binôme CRESS IDF / Île-de-France Active a repris le DLA régional."
        ),
        status=Status.DEFUNCT,
    ),
    # --- thematic resource centres -------------------------------------------------------
    "crdla_financement": Override(
        reason="CRDLA thématique : son thème est son nom (financement).",
        extra_themes=(Theme.FINANCEMENT,),
    ),
    "crdla_iae": Override(
        reason="CRDLA de l'insertion par l'activité économique : thème insertion.",
        extra_themes=(Theme.INSERTION,),
    ),
    "crdla_num": Override(
        reason="CRDLA thématique : son thème est son nom (numérique).",
        extra_themes=(Theme.NUMERIQUE,),
    ),
    "crdla_eco": Override(
        reason="CRDLA thématique : son thème est son nom (transition écologique).",
        extra_themes=(Theme.TRANSITION_ECOLOGIQUE,),
    ),
    # --- stages read in the row itself ----------------------------------------------------
    # The second pass of the reference gives, in the description, the stages its source
    # names (« Étapes couvertes : … »). Where they differ from the dispositif's defaults
    # (rule 2), the row's own sourced stages win; same source, same confidence.
    **{
        sid: Override(
            reason=f"Étapes lues dans la description de la ligne (« Étapes couvertes : {read} »), "
            "plus précises que celles du dispositif par défaut.",
            stages=stages,
        )
        for sid, read, stages in (
            (
                "accelerateur_social_var",
                "émergence, création, consolidation",
                (Stage.EMERGENCE, Stage.CREATION, Stage.CONSOLIDATION),
            ),
            (
                "alter_venture",
                "consolidation/accélération, changement d'échelle",
                (Stage.CONSOLIDATION, Stage.SCALING),
            ),
            ("bond_innov", "création (incubation)", (Stage.CREATION,)),
            (
                "chartreuse_neuville_incub",
                "idéation, émergence, création, changement d'échelle (essaimage)",
                (Stage.IDEATION, Stage.EMERGENCE, Stage.CREATION, Stage.SCALING),
            ),
            (
                "cucm_preincubation",
                "idéation, émergence (amorçage et maturation de l'idée)",
                (Stage.IDEATION, Stage.EMERGENCE),
            ),
            (
                "ierd_reunion",
                "création, consolidation",
                (Stage.CREATION, Stage.CONSOLIDATION),
            ),
            (
                "kaleidoscope_mtq",
                "émergence, création, consolidation (associations existantes), plus "
                "l'idéation de sa Fabrique à initiatives",
                (Stage.IDEATION, Stage.EMERGENCE, Stage.CREATION, Stage.CONSOLIDATION),
            ),
            (
                "labo_partenariats",
                "idéation, émergence, création, appui à l'implantation (changement d'échelle)",
                (Stage.IDEATION, Stage.EMERGENCE, Stage.CREATION, Stage.SCALING),
            ),
            ("lenvolee_saint_denis", "création (incubation)", (Stage.CREATION,)),
            (
                "makesense_incubateur",
                "idéation, émergence, création, accélération, changement d'échelle",
                (Stage.IDEATION, Stage.EMERGENCE, Stage.CREATION, Stage.SCALING),
            ),
            (
                "pulse_marseille",
                "idéation, émergence, création",
                (Stage.IDEATION, Stage.EMERGENCE, Stage.CREATION),
            ),
            (
                "pulse_montreuil",
                "idéation, émergence, création",
                (Stage.IDEATION, Stage.EMERGENCE, Stage.CREATION),
            ),
        )
    },
}


# --------------------------------------------------------------------------------------
# Expected structures
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedRule:
    """How to make the ``expected`` structure of a dispositif unique by design.

    Attributes
    ----------
    dispositif
        The dispositif, a key of :data:`fresque.model.UNIQUE_BY_DESIGN`.
    id_prefix
        Identifiers are ``{id_prefix}_{code}_expected`` (code in lower case).
    name
        Display name, formatted with ``code`` and ``name`` (the territory's).
    kind
        The kind of the structure.
    description
        Free text, formatted like ``name``.
    source_urls
        The sources that make its existence certain by design.
    member_of
        The national body it belongs to (a ``member_of`` link, confidence ``high``).
    funders
        Structures that fund every instance by design (``funds`` links, ``medium``:
        read at national level, not for this territory).
    funders_source_urls
        The sources of those ``funds`` links.
    """

    dispositif: Dispositif
    id_prefix: str
    name: str
    kind: Kind
    description: str
    source_urls: tuple[str, ...]
    member_of: str
    member_source_urls: tuple[str, ...]
    funders: tuple[str, ...] = ()
    funders_source_urls: tuple[str, ...] = ()


_DLA_SIZE = (
    "https://fraap.org/article1112.html",
    "https://via28-asso.fr/le-dispositif-local-daccompagnement/",
)
_DLA_FUNDING = (
    "https://www.info-dla.fr/presentation/pilotage-et-partenaires-du-dla/",
    "https://www.avise.org/annuaire-des-acteurs/dispositif-local-daccompagnement-dla",
)
#: Generic role of the regional DLA towards the departmental ones (national source).
_DLA_REGIONAL_ROLE = (
    "https://www.weka.fr/action-sociale/dossier-pratique/"
    "insertion-et-lutte-contre-les-exclusions-dt17/le-dispositif-local-d-accompagnement-dla-0611/",
)
_CRESS_DESIGN = (
    "https://expertise.gedes35.fr/2024/01/30/pour-une-economie-sociale-et-solidaire/",
    "https://www.lagazettedescommunes.com/850129/les-cress-en-quete-dune-plus-grande-reconnaissance/",
)

#: One rule per dispositif unique by design (the tests check all are covered).
EXPECTED_RULES: dict[Dispositif, ExpectedRule] = {
    Dispositif.DLA_DEPARTEMENTAL: ExpectedRule(
        dispositif=Dispositif.DLA_DEPARTEMENTAL,
        id_prefix="dla",
        name="DLA {code} – {name} (opérateur non sourcé)",
        kind=Kind.SUPPORT_STRUCTURE,
        description=(
            "DLA départemental attendu : chaque département a un DLA par construction du "
            "dispositif (103 opérateurs départementaux renouvelés pour 2020-2022), mais "
            "aucune source consultée ne nomme son opérateur ({name}). Manque de données, "
            "pas manque de couverture."
        ),
        source_urls=_DLA_SIZE,
        member_of="dla_national",
        member_source_urls=_DLA_SIZE,
        funders=("etat_ess", "banque_territoires"),
        funders_source_urls=_DLA_FUNDING,
    ),
    Dispositif.DLA_REGIONAL: ExpectedRule(
        dispositif=Dispositif.DLA_REGIONAL,
        id_prefix="dla_r",
        name="DLA régional {name} (porteur non sourcé)",
        kind=Kind.SUPPORT_STRUCTURE,
        description=(
            "DLA régional attendu : le dispositif compte un échelon régional par région "
            "(17 DLA régionaux après la fusion des régions), mais aucune source consultée ne "
            "nomme son porteur en {name}. Manque de données, pas manque de couverture."
        ),
        source_urls=_DLA_SIZE,
        member_of="dla_national",
        member_source_urls=_DLA_SIZE,
        funders=("etat_ess", "banque_territoires"),
        funders_source_urls=_DLA_FUNDING,
    ),
    Dispositif.CRESS: ExpectedRule(
        dispositif=Dispositif.CRESS,
        id_prefix="cress",
        name="CRESS {name} (non sourcée)",
        kind=Kind.CHAMBER,
        description=(
            "CRESS attendue : il y a autant de CRESS que de régions administratives (loi "
            "ESS de 2014), mais aucune source consultée ne la nomme en {name}."
        ),
        source_urls=_CRESS_DESIGN,
        member_of="ess_france",
        member_source_urls=_CRESS_DESIGN,
    ),
}


def expected_id(dispositif: Dispositif, code: str) -> str:
    """Return the stable identifier of the expected structure of ``dispositif`` in ``code``.

    Examples
    --------
    >>> expected_id(Dispositif.DLA_DEPARTEMENTAL, "2A")
    'dla_2a_expected'
    >>> expected_id(Dispositif.DLA_REGIONAL, "53"), expected_id(Dispositif.CRESS, "53")
    ('dla_r_53_expected', 'cress_53_expected')
    """
    return f"{EXPECTED_RULES[dispositif].id_prefix}_{code.lower()}_expected"


def expected_records(
    structures: Iterable[Structure],
    territories: Territories | None = None,
    last_verified: date | None = None,
) -> Records:
    """Return the ``expected`` structures and their links missing from ``structures``.

    For each dispositif of :data:`fresque.model.UNIQUE_BY_DESIGN`, every territory of its
    level that no structure of that dispositif covers (whatever its status: a defunct one
    is a sourced fact about that territory) gets one structure, with the links its
    :class:`ExpectedRule` names, when their other end is among ``structures``. Each expected
    DLA départemental is also animated by the DLA régional of its région (known or
    expected), the generic role the national sources give the regional level.

    Parameters
    ----------
    structures
        The known structures.
    territories
        The reference geography (default: :func:`default_territories`).
    last_verified
        Date given to the expected structures.

    Returns
    -------
    Records
        The new structures and links only.

    Examples
    --------
    >>> from fresque.geo.territories import Territories
    >>> mini = Territories.load("tests/data/geo_mini")
    >>> known = [Structure(id="cress_bre", name="CRESS Bretagne", kind="chamber",
    ...                    dispositifs=["cress"], territory_level="region",
    ...                    territory_codes=["53"])]
    >>> sorted(s.id for s in expected_records(known, mini).structures)
    ['cress_52_expected', 'dla_22_expected', 'dla_29_expected', 'dla_53_expected', \
'dla_r_52_expected', 'dla_r_53_expected']
    """
    territories = territories or default_territories()
    structures = list(structures)
    present = {s.id for s in structures}
    new_structures: list[Structure] = []
    new_links: list[Link] = []
    regional: dict[str, str] = {}  # région code -> id of its DLA régional (known or expected)
    for s in structures:
        if Dispositif.DLA_REGIONAL in s.dispositifs and s.territory_level is Level.REGION:
            for code in s.territory_codes:
                regional.setdefault(code, s.id)

    for dispositif, level in UNIQUE_BY_DESIGN.items():
        rule = EXPECTED_RULES[dispositif]
        covered = {
            code
            for s in structures
            if dispositif in s.dispositifs and s.territory_level is level
            for code in s.territory_codes
        }
        for territory in territories.children("FR", level):
            if territory.code in covered:
                continue
            structure = Structure(
                id=expected_id(dispositif, territory.code),
                name=rule.name.format(code=territory.code, name=territory.name),
                kind=rule.kind,
                dispositifs=[dispositif],
                stages=list(DEFAULT_STAGES[dispositif]),
                themes=list(DEFAULT_THEMES[dispositif]),
                territory_level=level,
                territory_codes=[territory.code],
                status=Status.EXPECTED,
                source_urls=list(rule.source_urls),
                confidence=Confidence.HIGH,
                last_verified=last_verified,
                description=rule.description.format(code=territory.code, name=territory.name),
            )
            new_structures.append(structure)
            if dispositif is Dispositif.DLA_REGIONAL:
                regional.setdefault(territory.code, structure.id)
            if rule.member_of in present:
                new_links.append(
                    Link(
                        source=structure.id,
                        target=rule.member_of,
                        relation=Relation.MEMBER_OF,
                        description="Maillon attendu du réseau national, par construction.",
                        source_urls=list(rule.member_source_urls),
                        confidence=Confidence.HIGH,
                    )
                )
            for funder in rule.funders:
                if funder in present:
                    new_links.append(
                        Link(
                            source=funder,
                            target=structure.id,
                            relation=Relation.FUNDS,
                            description=(
                                "Financeur de chaque DLA d'après les sources nationales "
                                "(pilotage et cofinancement du dispositif) ; non vérifié "
                                "pour ce territoire."
                            ),
                            source_urls=list(rule.funders_source_urls),
                            confidence=Confidence.MEDIUM,
                        )
                    )
    # The regional level animates the departmental DLAs (generic role, national source).
    for structure in new_structures:
        if structure.dispositifs != [Dispositif.DLA_DEPARTEMENTAL]:
            continue
        region = territories[(Level.DEPARTEMENT, structure.territory_codes[0])].parent
        animator = regional.get(region or "")
        if animator is not None:
            new_links.append(
                Link(
                    source=animator,
                    target=structure.id,
                    relation=Relation.ANIMATES,
                    description=(
                        "Rôle générique d'animation et d'appui aux DLA départementaux par "
                        "l'échelon régional (source nationale)."
                    ),
                    source_urls=list(_DLA_REGIONAL_ROLE),
                    confidence=Confidence.MEDIUM,
                )
            )
    return Records(new_structures, new_links)


# --------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repair:
    """A value the rules derived because the reference row lacked it.

    Attributes
    ----------
    id
        The structure.
    field
        The field derived (``territory_codes``).
    value
        The value given.
    rule
        Which rule, in words.
    """

    id: str
    field: str
    value: str
    rule: str


@dataclass
class ReferenceBuild:
    """What :func:`build_reference` produces.

    Attributes
    ----------
    records
        Structures and links, sourced and expected.
    repairs
        Values derived by the rules where a row lacked them.
    overrides
        Ids of the rows :data:`OVERRIDES` corrected.
    unlocated
        Ids of the sourced structures with no commune (no ``city`` in the sources), and
        the reason when a city could not be resolved.
    reference_counts
        Rows read: ``{"structures": …, "links": …}``.
    """

    records: Records
    repairs: list[Repair] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    unlocated: dict[str, str] = field(default_factory=dict)
    reference_counts: dict[str, int] = field(default_factory=dict)


#: The columns each reference file must have.
REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    STRUCTURE_FILE: (
        "id",
        "name",
        "kind",
        "dispositif",
        "territory_level",
        "territory_codes",
        "city",
        "region_code",
        "description",
        "source_url",
        "confidence",
    ),
    RELATION_FILE: (
        "source_id",
        "target_id",
        "relation",
        "description",
        "source_url",
        "confidence",
    ),
}

_CSV_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class ReferenceBuildError(DatasetValidationError):
    """The reference cannot be built into a dataset; nothing was written.

    Every :class:`~fresque.io.Problem` names the reference file, the row as a spreadsheet
    numbers it (the header is row 1), the column, the value and the reason in plain
    French, with the closest known value when there is one: the importer's format.

    Attributes
    ----------
    problems : list of Problem
        Every problem found: files, then ``structures.csv`` rows, then ``relations.csv``.

    Examples
    --------
    >>> error = ReferenceBuildError([Problem("structures.csv", "", 4, "kind", "x", "inconnu")])
    >>> print(str(error).splitlines()[0])
    1 problème dans la référence, rien n’a été écrit :
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        count = len(self.problems)
        noun = "problème" if count == 1 else "problèmes"
        self.args = (
            f"{count} {noun} dans la référence, rien n’a été écrit :\n"
            + format_problems(self.problems),
        )


def _read_table(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """One reference CSV as text cells, or ``None`` with its problems added."""
    name = file.name
    try:
        table = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(
            Problem(
                name,
                "",
                None,
                "",
                "",
                "le fichier n’est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 »",
            )
        )
        return None
    except pd.errors.EmptyDataError:
        problems.append(Problem(name, "", None, "", "", "le fichier est vide (pas même d’en-tête)"))
        return None
    except pd.errors.ParserError as error:
        found = _CSV_FIELDS.search(str(error))
        if found is None:
            problems.append(Problem(name, "", None, "", "", f"CSV illisible : {error}"))
        else:
            wanted, line, saw = found.groups()
            problems.append(
                Problem(
                    name,
                    "",
                    int(line),
                    "",
                    "",
                    f"{saw} cellules au lieu de {wanted} : une virgule de trop, ou un texte "
                    "qui contient une virgule sans être entre guillemets",
                )
            )
        return None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in REFERENCE_COLUMNS[name] if c not in table.columns]
    for column in missing:
        problems.append(Problem(name, "", 1, column, "", "colonne obligatoire absente"))
    return None if missing else table


def read_reference(path: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the reference ``structures.csv`` and ``relations.csv`` as text tables.

    Returns
    -------
    tuple of pandas.DataFrame
        ``structures.csv`` and ``relations.csv``, every cell as text (empty, never NaN).

    Raises
    ------
    FileNotFoundError
        When the folder or a file is missing (set ``FRESQUE_REFERENCE_DIR``).
    ReferenceBuildError
        When a file is not UTF-8, is not a readable CSV or lacks a column of
        :data:`REFERENCE_COLUMNS`.

    Examples
    --------
    >>> structures, relations = read_reference()
    >>> len(structures), structures.loc[0, "id"], list(relations.columns[:3])
    (250, 'avise', ['source_id', 'target_id', 'relation'])
    """
    folder = Path(path) if path is not None else reference_dir()
    problems: list[Problem] = []
    tables = []
    for name in (STRUCTURE_FILE, RELATION_FILE):
        file = folder / name
        if not file.exists():
            raise FileNotFoundError(
                f"Référence introuvable : {file} n’existe pas "
                "(indiquez le dossier avec FRESQUE_REFERENCE_DIR ou --reference)."
            )
        tables.append(_read_table(file, problems))
    if problems:
        raise ReferenceBuildError(problems)
    return tables[0], tables[1]


def _split(cell: str, separator: str) -> list[str]:
    return [part.strip() for part in cell.split(separator) if part.strip()]


def closest_value(value: str, known: Iterable[str]) -> str | None:
    """Return the known value closest to ``value`` (case and accents aside), if any is close.

    Examples
    --------
    >>> closest_value("Incubateur-ESS", REFERENCE_DISPOSITIFS)
    'Incubateur'
    >>> closest_value("dla_departemental", REFERENCE_DISPOSITIFS)
    'DLA-departemental'
    >>> closest_value("appui-vie-associative", REFERENCE_DISPOSITIFS) is None
    True
    """
    by_key = {normalize_key(k): k for k in known}
    key = normalize_key(value)
    if not key:
        return None
    close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.75)
    return by_key[close[0]] if close else None


def _unknown_value(column: str, value: str, known: Iterable[str], table: str) -> str:
    """French message for a value of the reference vocabulary that maps to nothing."""
    known = list(known)
    message = f"Valeur inconnue pour « {column} » : « {value} »."
    suggestion = closest_value(value, known)
    if suggestion is not None:
        message += f" Vouliez-vous dire « {suggestion} »\u00a0?"
    else:
        message += f" Valeurs connues : {', '.join(known)}."
    return message + f" Une nouvelle valeur se déclare dans {table} (fresque/model.py)."


#: The reference column each field of :class:`~fresque.model.Structure` comes from.
_STRUCTURE_COLUMNS = {
    "id": "id",
    "name": "name",
    "kind": "kind",
    "dispositifs": "dispositif",
    "stages": "dispositif",
    "themes": "dispositif",
    "territory_level": "territory_level",
    "territory_codes": "territory_codes",
    "commune_code": "city",
    "source_urls": "source_url",
    "confidence": "confidence",
    "description": "description",
}
#: The reference column each field of :class:`~fresque.model.Link` comes from.
_LINK_COLUMNS = {
    "source": "source_id",
    "target": "target_id",
    "relation": "relation",
    "description": "description",
    "source_urls": "source_url",
    "confidence": "confidence",
}
_FRENCH_ERRORS = frozenset({"slug", "url", "territory_code", "unknown_value", "inconsistent"})


class _FileProblems:
    """Problems of one reference file, placed as a spreadsheet shows them."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self._cells: set[tuple[int | None, str]] = set()

    def add(self, index: int | None, column: str, value: str, message: str) -> None:
        """Add a problem; ``index`` is the table's row index (the header is row 1).

        A cell already reported is not reported again (an unknown id that is also not a
        slug says the first, most useful, reason once).
        """
        row = None if index is None else index + 2
        if column and (row, column) in self._cells:
            return
        self._cells.add((row, column))
        self.problems.append(Problem(self.file, "", row, column, value, message))

    def validation(
        self, index: int, error: ValidationError, columns: dict[str, str], row: dict[str, str]
    ) -> None:
        """Add the problems of a record the model refused, each at its reference column."""
        for detail in error.errors():
            field_name = str(detail["loc"][0]) if detail["loc"] else ""
            column = columns.get(field_name, "")
            given = detail.get("input")
            value = given if isinstance(given, str) else row.get(column, "")
            kind = detail["type"]
            if kind in _FRENCH_ERRORS:
                message = str(detail["msg"])
            elif kind in ("missing", "string_too_short"):
                message = "valeur obligatoire vide"
            elif kind == "string_too_long":
                limit = (detail.get("ctx") or {}).get("max_length")
                message = f"texte trop long : {limit} caractères au plus"
            else:
                message = f"valeur invalide ({detail['msg']})"
            self.add(index, column, value, message)


def _enum_cell(
    enum_cls: type[_E], row: dict[str, str], column: str, index: int, file: _FileProblems
) -> _E | None:
    """The member a cell names (value, label or synonym, as the importer reads them)."""
    value = row[column].strip()
    try:
        return parse_enum(enum_cls, value)
    except UnknownValueError as error:
        file.add(index, column, value, str(error))
        return None


def _stages_and_themes(
    values: list[str], dispositifs: list[Dispositif], kind: Kind
) -> tuple[list[Stage], list[Theme]]:
    stages = [s for d in dispositifs for s in DEFAULT_STAGES[d]]
    themes = [t for d in dispositifs for t in DEFAULT_THEMES[d]]
    themes += [t for v in values for t in REFERENCE_DISPOSITIF_THEMES.get(v, ())]
    if kind is Kind.FUNDER and not themes:
        themes.append(Theme.FINANCEMENT)
    return stages, list(dict.fromkeys(themes))


def _locate(city: str, region: str, territories: Territories) -> tuple[str | None, str]:
    """Commune code of ``city`` (within ``region`` when given), or ``None`` and why."""
    within = (Level.REGION, region) if region else None
    try:
        found = territories.resolve(city, level=Level.COMMUNE, within=within)
    except TerritoryError as error:
        return None, str(error)
    if len(found) != 1:
        return None, f"« {city} » désigne {len(found)} communes"
    return found[0].code, ""


def _structure(
    index: int,
    row: dict[str, str],
    territories: Territories,
    build: ReferenceBuild,
    gathered: date,
    file: _FileProblems,
) -> Structure | None:
    """The structure of one reference row, or ``None`` with its problems added to ``file``."""
    before = len(file.problems)
    sid = row["id"].strip()
    override = OVERRIDES.get(sid)
    values = _split(row["dispositif"], VALUE_SEPARATOR)
    for value in values:
        if value not in REFERENCE_DISPOSITIFS:
            message = _unknown_value("dispositif", value, REFERENCE_DISPOSITIFS, _DISPOSITIF_TABLE)
            file.add(index, "dispositif", value, message)
    dispositifs = list(
        dict.fromkeys(REFERENCE_DISPOSITIFS[v] for v in values if v in REFERENCE_DISPOSITIFS)
    )
    kind = _enum_cell(Kind, row, "kind", index, file)
    confidence = _enum_cell(Confidence, row, "confidence", index, file)

    raw_level = row["territory_level"].strip()
    level = REFERENCE_LEVELS.get(raw_level) if raw_level else None
    if raw_level and level is None:
        message = _unknown_value("territory_level", raw_level, REFERENCE_LEVELS, _LEVEL_TABLE)
        file.add(index, "territory_level", raw_level, message)
    codes = _split(row["territory_codes"], VALUE_SEPARATOR)
    city = row["city"].strip()
    region = row["region_code"].strip()
    if region:
        try:
            region = normalize_code(region, Level.REGION)
        except InvalidCodeError as error:
            file.add(index, "region_code", region, str(error))
            region = ""
    if override is not None:
        level = override.territory_level or level
        if override.territory_codes is not None:
            codes = list(override.territory_codes)
        city = override.city if override.city is not None else city
    if level is None and not raw_level:
        file.add(
            index,
            "territory_level",
            "",
            "échelon territorial manquant : indiquez national, region, departement, epci ou "
            "commune (ou une correction dans OVERRIDES, fresque/reference.py)",
        )
    if len(file.problems) > before or kind is None or confidence is None or level is None:
        return None

    stages, themes = _stages_and_themes(values, dispositifs, kind)
    if override is not None:
        build.overrides.append(sid)
        stages = list(override.stages) if override.stages is not None else stages
        themes = list(override.themes) if override.themes is not None else themes
        themes = list(dict.fromkeys([*themes, *override.extra_themes]))

    commune, why = (None, "aucune ville dans les sources")
    if city:
        commune, why = _locate(city, region, territories)
    if commune is None:
        build.unlocated[sid] = why

    normalized = []
    for code in codes:
        try:
            code = normalize_code(code, level)
        except InvalidCodeError as error:
            file.add(index, "territory_codes", code, str(error))
            continue
        if (level, code) not in territories:
            file.add(
                index,
                "territory_codes",
                code,
                f"aucun territoire de niveau « {level_label(level)} » n’a le code « {code} »",
            )
            continue
        normalized.append(code)
    if len(file.problems) > before:
        return None
    codes = normalized
    if not codes and level is Level.COMMUNE and commune:
        codes = [commune]
        build.repairs.append(Repair(sid, "territory_codes", commune, "commune de sa ville"))
    elif not codes and level is Level.EPCI and commune:
        epci = territories.communes.loc[territories.communes["code"] == commune, "epci"].iloc[0]
        if epci:
            codes = [epci]
            build.repairs.append(Repair(sid, "territory_codes", epci, f"EPCI de sa ville ({city})"))
    elif not codes and level is Level.REGION and region:
        codes = [region]
        build.repairs.append(Repair(sid, "territory_codes", region, "sa colonne region_code"))

    sources = _split(row["source_url"], SOURCE_SEPARATOR)
    if override is not None:
        sources += list(override.extra_source_urls)
        confidence = override.confidence or confidence
    try:
        return Structure(
            id=sid,
            name=row["name"],
            kind=kind,
            dispositifs=dispositifs,
            stages=stages,
            themes=themes,
            territory_level=level,
            territory_codes=codes,
            commune_code=commune,
            status=override.status if override and override.status else Status.ACTIVE,
            source_urls=sources,
            confidence=confidence,
            last_verified=gathered,
            description=row["description"],
        )
    except ValidationError as error:
        file.validation(index, error, _STRUCTURE_COLUMNS, row)
        return None


def _link(index: int, row: dict[str, str], file: _FileProblems) -> Link | None:
    """The link of one reference row, or ``None`` with its problems added to ``file``."""
    relation = _enum_cell(Relation, row, "relation", index, file)
    confidence = _enum_cell(Confidence, row, "confidence", index, file)
    if relation is None or confidence is None:
        return None
    try:
        return Link(
            source=row["source_id"].strip(),
            target=row["target_id"].strip(),
            relation=relation,
            description=row["description"],
            source_urls=_split(row["source_url"], SOURCE_SEPARATOR),
            confidence=confidence,
        )
    except ValidationError as error:
        file.validation(index, error, _LINK_COLUMNS, row)
        return None


def build_reference(
    path: str | Path | None = None,
    territories: Territories | None = None,
    gathered: date = REFERENCE_GATHERED,
) -> ReferenceBuild:
    """Build the curated dataset from the reference folder.

    Every row is checked before anything is returned: a value the rules cannot map (a
    dispositif missing from :data:`~fresque.model.REFERENCE_DISPOSITIFS`, an unknown kind,
    level or territory, a duplicated id, a link to an unknown structure…) becomes one
    :class:`~fresque.io.Problem`, and all of them are raised together.

    Parameters
    ----------
    path
        The reference folder (default: :func:`reference_dir`).
    territories
        The reference geography (default: :func:`default_territories`).
    gathered
        The ``last_verified`` date of every record.

    Returns
    -------
    ReferenceBuild
        The records (sourced, then expected), the repairs, overrides and unlocated rows.

    Raises
    ------
    FileNotFoundError
        When the folder or one of its files is missing.
    ReferenceBuildError
        When a row cannot be mapped: the reference changed and the rules or overrides must
        follow. Each problem gives the file, row, column and value.

    Examples
    --------
    >>> build = build_reference()
    >>> build.reference_counts
    {'structures': 250, 'links': 310}
    >>> build.records.structures[-1].id, build.records.structures[-1].status.value
    ('dla_r_93_expected', 'expected')

    A DLA régional the sources attest without naming its carrier stays ``active`` (see the
    module's notes), and no ``expected`` one is added in its région:

    >>> found = {s.id: s for s in build.records.structures}
    >>> found["dla_r_27"].status.value, "dla_r_27_expected" in found
    ('active', False)
    >>> carries = [k for k in build.records.links if k.relation is Relation.CARRIES]
    >>> [k.source for k in carries if k.target == "dla_r_27"]
    []
    """
    territories = territories or default_territories()
    structures_table, relations_table = read_reference(path)
    build = ReferenceBuild(Records())
    problems: list[Problem] = []

    structure_file = _FileProblems(STRUCTURE_FILE, problems)
    structures: list[Structure] = []
    first_row: dict[str, int] = {}
    for index, row in enumerate(structures_table.to_dict("records")):
        sid = row["id"].strip()
        if sid in first_row:
            structure_file.add(
                index, "id", sid, f"identifiant en double : déjà pris ligne {first_row[sid] + 2}"
            )
            continue
        first_row[sid] = index
        structure = _structure(index, row, territories, build, gathered, structure_file)
        if structure is not None:
            structures.append(structure)
    for sid in sorted(set(OVERRIDES) - set(first_row)):
        structure_file.add(
            None,
            "id",
            sid,
            "une correction de fresque/reference.py (OVERRIDES) vise cet identifiant, absent "
            "de la référence : corrigez-la ou retirez-la",
        )

    relation_file = _FileProblems(RELATION_FILE, problems)
    links: list[Link] = []
    first_link: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(relations_table.to_dict("records")):
        for column in ("source_id", "target_id"):
            end = row[column].strip()
            if end and end not in first_row:
                close = [end.lower()] if end.lower() in first_row else []
                close = close or difflib.get_close_matches(end, list(first_row), n=1, cutoff=0.8)
                hint = f" Vouliez-vous dire « {close[0]} »\u00a0?" if close else ""
                relation_file.add(
                    index, column, end, f"aucune structure « {end} » dans {STRUCTURE_FILE}.{hint}"
                )
        link = _link(index, row, relation_file)
        if link is None:
            continue
        key = (link.source, link.target, link.relation.value)
        if key in first_link:
            relation_file.add(
                index,
                "",
                f"{link.source} → {link.target} ({link.relation.value})",
                f"lien en double : déjà ligne {first_link[key] + 2}",
            )
            continue
        first_link[key] = index
        links.append(link)

    if problems:
        raise ReferenceBuildError(problems)
    expected = expected_records(structures, territories, last_verified=gathered)
    build.records = Records(structures + expected.structures, links + expected.links)
    build.reference_counts = {"structures": len(structures_table), "links": len(relations_table)}
    return build


def without_superseded_expected(existing: Records, rebuilt: Records) -> Records:
    """Return ``existing`` without the ``expected`` structures a sourced row now replaces.

    When the reference gains the operator of a territory (``dla_29``), its ``expected``
    placeholder (``dla_29_expected``) leaves the dataset with its generated links: a rebuild
    drops them by design, they are not edits it would lose. An ``expected`` structure is
    dropped only when ``rebuilt`` no longer has its id and holds a sourced structure of the
    same dispositif over the same territory.

    Parameters
    ----------
    existing
        The dataset as it is on disk.
    rebuilt
        What :func:`build_reference` produced.

    Returns
    -------
    Records
        ``existing`` minus the superseded placeholders and the links touching them.

    Examples
    --------
    >>> old = Structure(id="dla_29_expected", name="DLA 29 (opérateur non sourcé)",
    ...                 kind="support_structure", dispositifs=["dla_departemental"],
    ...                 territory_level="departement", territory_codes=["29"],
    ...                 status="expected")
    >>> new = Structure(id="dla_29", name="DLA 29", kind="support_structure",
    ...                 dispositifs=["dla_departemental"], territory_level="departement",
    ...                 territory_codes=["29"])
    >>> without_superseded_expected(Records([old]), Records([new])).structures
    []
    >>> len(without_superseded_expected(Records([old]), Records([])).structures)
    1
    """
    rebuilt_ids = rebuilt.structure_ids
    covered = {
        (dispositif, code)
        for s in rebuilt.structures
        if s.status is not Status.EXPECTED
        for dispositif in s.dispositifs
        if UNIQUE_BY_DESIGN.get(dispositif) is s.territory_level
        for code in s.territory_codes
    }
    gone = {
        s.id
        for s in existing.structures
        if s.status is Status.EXPECTED
        and s.id not in rebuilt_ids
        and len(s.dispositifs) == 1
        and len(s.territory_codes) == 1
        and (s.dispositifs[0], s.territory_codes[0]) in covered
        and s.id == expected_id(s.dispositifs[0], s.territory_codes[0])
    }
    return Records(
        [s for s in existing.structures if s.id not in gone],
        [k for k in existing.links if k.source not in gone and k.target not in gone],
    )


# --------------------------------------------------------------------------------------
# Writing data/ecosystem
# --------------------------------------------------------------------------------------

#: Markers of the generated sections of ``data/ecosystem/README.md``.
README_SECTIONS = ("report", "fixes")


def _marker(section: str, end: bool = False) -> str:
    return f"<!-- {'END' if end else 'BEGIN'} GENERATED {section.upper()} (fresque data build) -->"


def format_fixes(build: ReferenceBuild) -> str:
    """Return the overrides and repairs of a build as Markdown, for the README.

    Examples
    --------
    >>> build = ReferenceBuild(Records(), overrides=["cress_nor"])
    >>> print(format_fixes(build).splitlines()[4][:40])
    | `cress_nor` | statut defunct | Liquida
    """
    lines = ["#### Corrections ligne par ligne (`fresque.reference.OVERRIDES`)", ""]
    lines += ["| id | correction | raison |", "|---|---|---|"]
    for sid in sorted(build.overrides):
        o = OVERRIDES[sid]
        changes = []
        if o.territory_level is not None or o.territory_codes is not None:
            level = o.territory_level.value if o.territory_level else "?"
            changes.append(f"territoire {level} {', '.join(o.territory_codes or ())}")
        if o.city:
            changes.append(f"commune {o.city}")
        if o.status:
            changes.append(f"statut {o.status.value}")
        if o.confidence:
            changes.append(f"confiance {o.confidence.value}")
        if o.stages is not None:
            changes.append("étapes " + ", ".join(s.value for s in o.stages))
        if o.themes is not None:
            changes.append("thèmes " + ", ".join(t.value for t in o.themes))
        if o.extra_themes:
            changes.append("+ thèmes " + ", ".join(t.value for t in o.extra_themes))
        if o.extra_source_urls:
            changes.append("+ " + " ; ".join(o.extra_source_urls))
        lines.append(f"| `{sid}` | {' ; '.join(changes)} | {o.reason} |")
    lines += ["", "#### Codes de territoire déduits (règle 3)", ""]
    lines += ["| id | territory_codes | d’après |", "|---|---|---|"]
    for r in sorted(build.repairs, key=lambda r: r.id):
        lines.append(f"| `{r.id}` | {r.value} | {r.rule} |")
    return "\n".join(lines) + "\n"


def _replace_section(text: str, section: str, content: str) -> str:
    begin, end = _marker(section), _marker(section, end=True)
    block = f"{begin}\n{content.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        return head + block + tail
    return text.rstrip() + "\n\n" + block + "\n"


def _folder_surveys(folder: Path, territories: Territories | None) -> list[Survey]:
    """The surveys of a dataset folder's ``surveys.csv`` (none when it has no such file)."""
    from fresque.io.tables import read_records

    path = folder / "surveys.csv"
    return read_records(path, territories=territories).surveys if path.exists() else []


def write_dataset(
    build: ReferenceBuild,
    folder: str | Path | None = None,
    territories: Territories | None = None,
) -> list[Path]:
    """Write a build to ``folder`` (default: ``data/ecosystem``): CSV files and README.

    ``structures.csv`` and ``links.csv`` are written by :func:`fresque.io.write_csv_dir`
    (deterministic). In ``README.md`` only the generated sections (between their
    ``BEGIN``/``END GENERATED`` markers) are rewritten: the counts of
    :meth:`fresque.ecosystem.Ecosystem.report` (with the folder's own ``surveys.csv``,
    written by hand and left as it is), the overrides and the repairs; the rest of the
    file is left as written by hand. A missing README gets the sections alone.

    Returns
    -------
    list of Path
        The files written.
    """
    from fresque.ecosystem import Ecosystem, ecosystem_dir
    from fresque.io.tables import atomic_write, write_csv_dir

    folder = Path(folder) if folder is not None else ecosystem_dir()
    # Everything is computed before the first file is written: a failure leaves the folder
    # as it was.
    eco = Ecosystem(
        build.records.structures,
        build.records.links,
        territories=territories,
        surveys=_folder_surveys(folder, territories),
    )
    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    text = _replace_section(text, "report", eco.report())
    text = _replace_section(text, "fixes", format_fixes(build))
    written = list(write_csv_dir(build.records, folder))
    with atomic_write(readme) as handle:
        handle.write(text)
    written.append(readme)
    return written
