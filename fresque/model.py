"""The vocabulary of Fresque: enums and records shared by every module.

French and English labels for these values live in :mod:`fresque.i18n`, which also parses
labels and common synonyms back into members (:func:`fresque.i18n.parse_enum`).

Enum members are spelled in upper case (``Dispositif.INCUBATEUR``); their values are the
lower-case strings stored in files (``"incubateur"``). Every enum is a :class:`StrEnum`, so
a member equals its value: ``Dispositif.INCUBATEUR == "incubateur"``.

The records :class:`Structure` and :class:`Link` validate one row each. Their field names
are stable: the io layer maps validation errors to French messages by field name and by
error type. Besides pydantic's own types (``missing``, ``string_too_short``,
``string_too_long``, ``date_from_datetime_parsing``…), the validators raise these custom
types, whose messages are already French and whose ``ctx`` holds the offending ``value``:

``slug``
    an identifier is not a slug (``ctx["suggestion"]``: a slug made from the value);
``url``
    a URL is not an ``http://`` or ``https://`` address;
``territory_code``
    a territory code does not fit the territory level (``ctx["level"]``);
``unknown_value``
    an enum value is unknown (``ctx["allowed"]``: the French labels,
    ``ctx["suggestion"]``: the closest French label or ``""``);
``inconsistent``
    two fields contradict each other (a link from a structure to itself, ``until``
    before ``since``, a structure carried by itself).

Examples
--------
>>> Stage.SCALING.order > Stage.CREATION.order
True
>>> Confidence.HIGH > Confidence.LOW
True
>>> REFERENCE_DISPOSITIFS["DLA-porteur"]
<Dispositif.DLA_PORTEUR: 'dla_porteur'>
>>> s = Structure(id="tag29", name=" TAg29 ", kind="support_structure",
...               dispositifs=["Incubateur"], territory_level="departement",
...               territory_codes=["29"])
>>> s.name, s.dispositifs, s.stages
('TAg29', [<Dispositif.INCUBATEUR: 'incubateur'>], [])
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError


class Level(StrEnum):
    """Administrative level of a territory, from the whole country down to the commune."""

    COUNTRY = "country"
    REGION = "region"
    DEPARTEMENT = "departement"
    EPCI = "epci"
    COMMUNE = "commune"


class Kind(StrEnum):
    """What an actor is (docs/architecture.md, « Domain model »)."""

    SUPPORT_STRUCTURE = "support_structure"
    """Structure d'accompagnement: delivers support to projects."""
    NETWORK = "network"
    """Réseau, tête de réseau, communauté."""
    CHAMBER = "chamber"
    """Chambre de l'ESS: a CRESS, or ESS France nationally."""
    FUNDER = "funder"
    """Financeur: Banque des Territoires, FSE, fondations, finance solidaire…"""
    PUBLIC_BODY = "public_body"
    """État, Région, Département, EPCI (often funders as well)."""


class Dispositif(StrEnum):
    """A support programme an actor delivers, carries or steers.

    The list is extendable: add a member here, its labels in
    :data:`fresque.i18n.ENUM_LABELS` and its rule in :data:`DEFAULT_STAGES` and
    :data:`DEFAULT_THEMES` (the tests check that all three are complete).
    """

    DLA_DEPARTEMENTAL = "dla_departemental"
    """Dispositif local d'accompagnement, one per département by design."""
    DLA_REGIONAL = "dla_regional"
    """Regional level of the DLA (formerly C2RA), one per région by design."""
    DLA_NATIONAL = "dla_national"
    """The DLA as a national programme, and its national animation (Avise)."""
    DLA_PORTEUR = "dla_porteur"
    """An organisation that carries (operates) a DLA instance; the instance is a separate
    structure linked by ``carries``, so the carrier never counts as a second DLA."""
    DLA_PILOTAGE = "dla_pilotage"
    """Sits on the DLA steering bodies and co-funds it (État, Banque des Territoires…)."""
    CRDLA = "crdla"
    """Centre de ressources DLA: sector or thematic resource centre backing the DLA."""
    FABRIQUE_A_INITIATIVES = "fabrique_a_initiatives"
    """Fabrique à initiatives: turns territorial needs into new ESS activities."""
    INCUBATEUR = "incubateur"
    """Incubator of social enterprises."""
    ACCELERATEUR = "accelerateur"
    """Accelerator: helps existing social enterprises grow or scale."""
    PEPINIERE = "pepiniere"
    """Pépinière: hosts and follows young ESS enterprises."""
    RESEAU_INCUBATEURS_ESS = "reseau_incubateurs_ess"
    """The national network of ESS incubators (formerly Émergence & Accélération)."""
    CAE = "cae"
    """Coopérative d'activité et d'emploi."""
    SCOP_SCIC = "scop_scic"
    """Support to cooperatives (Scop, Scic): creation, transmission, follow-up."""
    PTCE = "ptce"
    """Pôle territorial de coopération économique."""
    POLE_ESS = "pole_ess"
    """Local ESS development hub (pôle ESS de pays or of an intercommunality)."""
    FINANCE_SOLIDAIRE = "finance_solidaire"
    """Solidarity finance: guarantees, loans, equity (France Active…)."""
    PRET_D_HONNEUR = "pret_d_honneur"
    """Interest-free personal loan to a founder (Initiative France, Réseau Entreprendre…)."""
    MENTORAT = "mentorat"
    """Mentoring of founders by experienced business leaders."""
    CREATION_ENTREPRISE = "creation_entreprise"
    """General business start-up support (BGE…)."""
    EVALUATION_IMPACT = "evaluation_impact"
    """Social impact assessment (Social Value France…)."""
    CRESS = "cress"
    """Chambre régionale de l'ESS, one per région by design."""
    CRESS_NATIONAL = "cress_national"
    """The national body of the CRESS (ESS France, formerly CNCRESS)."""
    FRENCH_IMPACT = "french_impact"
    """French Impact: national programme accelerating social innovation."""
    ESS_RURALITES = "ess_ruralites"
    """ESS in rural areas (the Créa-rural network animated by Avise)."""


class Relation(StrEnum):
    """A directed link from ``source`` to ``target`` (docs/architecture.md, « Domain model »)."""

    FUNDS = "funds"
    """Source finances target."""
    ANIMATES = "animates"
    """Source animates or coordinates target (a network, a programme, lower levels)."""
    CARRIES = "carries"
    """Source carries target: carrier → programme instance (see ``Structure.carrier_id``)."""
    MEMBER_OF = "member_of"
    """Source is a member of target."""
    PARTNERS_WITH = "partners_with"
    """Source and target are partners (symmetric)."""
    REFERS_TO = "refers_to"
    """Source refers (orients) projects to target."""


#: Relations that read the same both ways.
SYMMETRIC_RELATIONS: frozenset[Relation] = frozenset({Relation.PARTNERS_WITH})


class Stage(StrEnum):
    """A stage of a project's value chain, in order (from the ESS support vocabulary).

    Examples
    --------
    >>> [s.order for s in Stage]
    [0, 1, 2, 3, 4, 5]
    >>> sorted([Stage.SCALING, Stage.IDEATION], key=lambda s: s.order)
    [<Stage.IDEATION: 'ideation'>, <Stage.SCALING: 'scaling'>]
    """

    IDEATION = "ideation"
    """Idéation: an idea or a territorial need, no project yet."""
    EMERGENCE = "emergence"
    """Émergence: the project takes shape, feasibility is studied."""
    CREATION = "creation"
    """Création / lancement: the structure is created and starts its activity."""
    CONSOLIDATION = "consolidation"
    """Consolidation / développement: an existing structure strengthens its model and jobs."""
    SCALING = "scaling"
    """Changement d'échelle / accélération: growth, replication, spreading."""
    IMPACT_EVALUATION = "impact_evaluation"
    """Évaluation d'impact: measuring and showing the social value created."""

    @property
    def order(self) -> int:
        """Position in the value chain, from 0 (ideation) to 5 (impact evaluation)."""
        return STAGE_ORDER.index(self)


#: The stages in value-chain order.
STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class Theme(StrEnum):
    """A need named by the ESS support field (extendable, labelled in :mod:`fresque.i18n`)."""

    TRANSITION_ECOLOGIQUE = "transition_ecologique"
    COOPERATION_TERRITORIALE = "cooperation_territoriale"
    EVALUATION_IMPACT = "evaluation_impact"
    GOUVERNANCE = "gouvernance"
    MODELE_ECONOMIQUE = "modele_economique"
    FINANCEMENT = "financement"
    EMPLOI = "emploi"
    RESSOURCES_HUMAINES = "ressources_humaines"
    INSERTION = "insertion"
    NUMERIQUE = "numerique"
    INNOVATION_SOCIALE = "innovation_sociale"
    ENTREPRENEURIAT_COOPERATIF = "entrepreneuriat_cooperatif"
    RURALITE = "ruralite"


class Status(StrEnum):
    """Whether a structure exists."""

    ACTIVE = "active"
    """Known and running."""
    DEFUNCT = "defunct"
    """Closed, dissolved or replaced; kept for history, never counted as an offer."""
    EXPECTED = "expected"
    """Exists by design (e.g. the DLA of a département) but its operator is not known yet:
    a *data gap*, not a *coverage gap*."""


class CoverageStatus(StrEnum):
    """Status of a territory for one dispositif or stage (see :mod:`fresque.coverage`).

    No offer known is two different facts: ``gap`` where a valid :class:`Survey` says the
    territory's offer was checked (a *confirmed* gap), ``none_known`` where nobody has
    surveyed it (no offer *recorded*, which may only mean nobody listed one yet).
    """

    GAP = "gap"
    """No offer, and a valid survey of the territory says so: a confirmed gap."""
    NONE_KNOWN = "none_known"
    """No offer recorded, and no valid survey: what exists there is not known."""
    UNKNOWN = "unknown"
    """Only ``expected`` offers: the offer exists, its operator is not known."""
    SINGLE = "single"
    """Exactly one known offer: fragile."""
    COVERED = "covered"
    """Two offers or more."""
    OVERLAP = "overlap"
    """Two or more of a dispositif unique by design, or more than the threshold."""


class Confidence(StrEnum):
    """How well a fact is sourced; ordered: ``HIGH > MEDIUM > LOW``.

    ``high``: read explicitly in a recent source; ``medium``: read in an older source or
    inferred from a source; ``low``: only a very old source, or an unsourced claim.
    Comparisons use this order, not the alphabet, and accept the plain values.

    Examples
    --------
    >>> Confidence.HIGH > Confidence.MEDIUM > Confidence.LOW
    True
    >>> max([Confidence.LOW, Confidence.HIGH, Confidence.MEDIUM])
    <Confidence.HIGH: 'high'>
    >>> Confidence.MEDIUM >= "low"
    True
    """

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for low, 1 for medium, 2 for high."""
        return _CONFIDENCE_RANK[self.value]

    def _other_rank(self, other: object) -> int:
        if isinstance(other, Confidence):
            return other.rank
        if isinstance(other, str) and other in _CONFIDENCE_RANK:
            return _CONFIDENCE_RANK[other]
        raise TypeError(f"cannot compare Confidence with {other!r}")

    def __lt__(self, other: object) -> bool:
        return self.rank < self._other_rank(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= self._other_rank(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > self._other_rank(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= self._other_rank(other)


_CONFIDENCE_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}

# --------------------------------------------------------------------------------------
# Rules on dispositifs
# --------------------------------------------------------------------------------------

#: Dispositifs of which there is exactly one per territory of a level, by design. Where the
#: operator is unknown, the dataset holds an ``expected`` structure; two active ones in the
#: same territory are an ``overlap``.
UNIQUE_BY_DESIGN: dict[Dispositif, Level] = {
    Dispositif.DLA_DEPARTEMENTAL: Level.DEPARTEMENT,
    Dispositif.DLA_REGIONAL: Level.REGION,
    Dispositif.CRESS: Level.REGION,
}

#: Dispositifs whose instance (``dla_29``) is a structure of its own, operated by one or
#: more carriers (``dla_porteur``) linked to it by ``carries``. An instance the sources
#: attest with no such link is an existing offer whose carrier is unknown: it stays
#: ``active``, and reports count it apart.
CARRIED_BY_DESIGN: frozenset[Dispositif] = frozenset(
    {Dispositif.DLA_DEPARTEMENTAL, Dispositif.DLA_REGIONAL}
)

_S = Stage
#: The stages a dispositif serves when a row names none (documented rule, one line of why).
#: An empty tuple means the dispositif supports no project stage directly.
DEFAULT_STAGES: dict[Dispositif, tuple[Stage, ...]] = {
    # The DLA supports existing employer ESS structures to consolidate their model and jobs.
    Dispositif.DLA_DEPARTEMENTAL: (_S.CONSOLIDATION,),
    # Same programme, for structures of regional scope and the regional networks.
    Dispositif.DLA_REGIONAL: (_S.CONSOLIDATION,),
    # Same programme seen nationally (national animation, national-scope structures).
    Dispositif.DLA_NATIONAL: (_S.CONSOLIDATION,),
    # A DLA carrier delivers the DLA's consolidation support through its instance.
    Dispositif.DLA_PORTEUR: (_S.CONSOLIDATION,),
    # Steering and co-funding the DLA is not support delivered to a project.
    Dispositif.DLA_PILOTAGE: (),
    # Resource centres equip DLA consultants for consolidation missions in their sector.
    Dispositif.CRDLA: (_S.CONSOLIDATION,),
    # A Fabrique à initiatives starts from a territorial need, before any carrier exists.
    Dispositif.FABRIQUE_A_INITIATIVES: (_S.IDEATION, _S.EMERGENCE),
    # Incubators take a project from feasibility to launch.
    Dispositif.INCUBATEUR: (_S.EMERGENCE, _S.CREATION),
    # Accelerators work with running enterprises that want to grow or spread.
    Dispositif.ACCELERATEUR: (_S.SCALING,),
    # Pépinières host young enterprises in their first years after creation.
    Dispositif.PEPINIERE: (_S.CREATION, _S.CONSOLIDATION),
    # The incubator network spans its members' programmes, from emergence to acceleration.
    Dispositif.RESEAU_INCUBATEURS_ESS: (_S.EMERGENCE, _S.CREATION, _S.SCALING),
    # A CAE lets a founder test then launch an activity inside a cooperative.
    Dispositif.CAE: (_S.EMERGENCE, _S.CREATION),
    # Scop/Scic unions support creation, transmission and follow-up of cooperatives.
    Dispositif.SCOP_SCIC: (_S.CREATION, _S.CONSOLIDATION),
    # A PTCE makes new activities emerge and strengthens its members by cooperation.
    Dispositif.PTCE: (_S.EMERGENCE, _S.CONSOLIDATION),
    # A local ESS hub raises awareness, welcomes and orients people with an idea.
    Dispositif.POLE_ESS: (_S.IDEATION, _S.EMERGENCE),
    # Solidarity finance backs launch and development (guarantees, loans, equity).
    Dispositif.FINANCE_SOLIDAIRE: (_S.CREATION, _S.CONSOLIDATION),
    # Honour loans lever bank loans at creation or takeover and in the first years.
    Dispositif.PRET_D_HONNEUR: (_S.CREATION, _S.CONSOLIDATION),
    # Mentoring follows founders through launch and their first years as leaders.
    Dispositif.MENTORAT: (_S.CREATION, _S.CONSOLIDATION),
    # Start-up support goes from testing the idea to registering the business.
    Dispositif.CREATION_ENTREPRISE: (_S.EMERGENCE, _S.CREATION),
    # Impact assessment is the last link of the chain by definition.
    Dispositif.EVALUATION_IMPACT: (_S.IMPACT_EVALUATION,),
    # A CRESS represents, observes and promotes the ESS; it orients rather than supports.
    Dispositif.CRESS: (),
    # Same, nationally.
    Dispositif.CRESS_NATIONAL: (),
    # French Impact is a national programme to accelerate social innovation.
    Dispositif.FRENCH_IMPACT: (_S.SCALING,),
    # ESS-and-rurality programmes make new activities emerge in rural territories.
    Dispositif.ESS_RURALITES: (_S.IDEATION, _S.EMERGENCE),
}


def stages_served(stages: Iterable[str], dispositifs: Iterable[str]) -> list[str]:
    """Return the stages a structure serves: its own, else its dispositifs' defaults.

    The one rule that coverage and accessibility share: a structure that names no stage
    serves the stages :data:`DEFAULT_STAGES` gives its dispositifs. Values in, values out,
    in value-chain order.

    Examples
    --------
    >>> stages_served([], ["incubateur"])
    ['emergence', 'creation']
    >>> stages_served(["scaling"], ["incubateur"])
    ['scaling']
    """
    own = {str(stage) for stage in stages}
    wanted = own or {s.value for d in dispositifs for s in DEFAULT_STAGES[Dispositif(d)]}
    return [stage.value for stage in Stage if stage.value in wanted]


_T = Theme
#: The themes a dispositif addresses when a row names none (documented rule).
DEFAULT_THEMES: dict[Dispositif, tuple[Theme, ...]] = {
    # The DLA's diagnosis covers the economic model, jobs and governance of the structure.
    Dispositif.DLA_DEPARTEMENTAL: (_T.MODELE_ECONOMIQUE, _T.EMPLOI, _T.GOUVERNANCE),
    Dispositif.DLA_REGIONAL: (_T.MODELE_ECONOMIQUE, _T.EMPLOI, _T.GOUVERNANCE),
    Dispositif.DLA_NATIONAL: (_T.MODELE_ECONOMIQUE, _T.EMPLOI, _T.GOUVERNANCE),
    Dispositif.DLA_PORTEUR: (_T.MODELE_ECONOMIQUE, _T.EMPLOI, _T.GOUVERNANCE),
    # Steering the DLA means funding it.
    Dispositif.DLA_PILOTAGE: (_T.FINANCEMENT,),
    # Each CRDLA is sectoral; its shared subject is the economic model of its sector.
    Dispositif.CRDLA: (_T.MODELE_ECONOMIQUE,),
    # A Fabrique builds a local answer to a need with the territory's actors.
    Dispositif.FABRIQUE_A_INITIATIVES: (_T.COOPERATION_TERRITORIALE, _T.INNOVATION_SOCIALE),
    # Incubators turn a socially innovative idea into a viable economic model.
    Dispositif.INCUBATEUR: (_T.INNOVATION_SOCIALE, _T.MODELE_ECONOMIQUE),
    # Scaling needs a model that grows and the money to grow.
    Dispositif.ACCELERATEUR: (_T.MODELE_ECONOMIQUE, _T.FINANCEMENT),
    # A pépinière helps a young enterprise make its model work.
    Dispositif.PEPINIERE: (_T.MODELE_ECONOMIQUE,),
    # The incubator network exists to spread social innovation.
    Dispositif.RESEAU_INCUBATEURS_ESS: (_T.INNOVATION_SOCIALE,),
    # A CAE gives founders a salaried job inside a cooperative.
    Dispositif.CAE: (_T.EMPLOI, _T.ENTREPRENEURIAT_COOPERATIF),
    # Cooperatives are defined by their shared ownership and governance.
    Dispositif.SCOP_SCIC: (_T.ENTREPRENEURIAT_COOPERATIF, _T.GOUVERNANCE),
    # A PTCE is territorial cooperation by definition.
    Dispositif.PTCE: (_T.COOPERATION_TERRITORIALE,),
    # A local ESS hub federates the actors of its territory.
    Dispositif.POLE_ESS: (_T.COOPERATION_TERRITORIALE,),
    # Solidarity finance is funding.
    Dispositif.FINANCE_SOLIDAIRE: (_T.FINANCEMENT,),
    # An honour loan is funding.
    Dispositif.PRET_D_HONNEUR: (_T.FINANCEMENT,),
    # Mentors work on the founder's strategy and economic model.
    Dispositif.MENTORAT: (_T.MODELE_ECONOMIQUE,),
    # Start-up support centres on the business plan and its funding.
    Dispositif.CREATION_ENTREPRISE: (_T.MODELE_ECONOMIQUE, _T.FINANCEMENT),
    # Impact assessment is its own theme.
    Dispositif.EVALUATION_IMPACT: (_T.EVALUATION_IMPACT,),
    # A CRESS gathers the ESS actors of its région.
    Dispositif.CRESS: (_T.COOPERATION_TERRITORIALE,),
    # The national chamber speaks for the ESS and gathers the CRESS.
    Dispositif.CRESS_NATIONAL: (_T.COOPERATION_TERRITORIALE,),
    # French Impact funds and spreads social innovation.
    Dispositif.FRENCH_IMPACT: (_T.INNOVATION_SOCIALE, _T.FINANCEMENT),
    # Rural ESS programmes rely on cooperation between rural actors.
    Dispositif.ESS_RURALITES: (_T.RURALITE, _T.COOPERATION_TERRITORIALE),
}

_D = Dispositif
#: How each value of the reference ``dispositif`` column (``data/reference``,
#: ``|``-separated) maps onto a member. An empty cell means no dispositif. The DLA roles
#: (``DLA-porteur``, ``-pilote``, ``-partenaire``…) map onto role members, never onto
#: ``dla_departemental``/``dla_regional``: the DLA instance is its own structure, linked to
#: its carrier by ``carries``, and counting the carrier too would fake an overlap.
REFERENCE_DISPOSITIFS: dict[str, Dispositif] = {
    "DLA-departemental": _D.DLA_DEPARTEMENTAL,
    "DLA-regional": _D.DLA_REGIONAL,
    # The programme as a whole (the dla_national node; FSE, which funds it).
    "DLA": _D.DLA_NATIONAL,
    # Avise animates and operates the national DLA.
    "DLA-animation-nationale": _D.DLA_NATIONAL,
    # Operators of a departmental or regional DLA instance.
    "DLA-porteur": _D.DLA_PORTEUR,
    # Lorraine LMA, associated with CRESS Grand Est to carry the regional DLA.
    "DLA-partenaire": _D.DLA_PORTEUR,
    # L'Atelier, former operator of the Île-de-France regional DLA (closed).
    "DLA-regional-historique": _D.DLA_PORTEUR,
    # État, Banque des Territoires, Mouvement associatif, Régions de France.
    "DLA-pilote": _D.DLA_PILOTAGE,
    "CRDLA": _D.CRDLA,
    # Thematic CRDLAs: the theme is kept in REFERENCE_DISPOSITIF_THEMES.
    "CRDLA-Financement": _D.CRDLA,
    "CRDLA-IAE": _D.CRDLA,
    "CRDLA-Numerique": _D.CRDLA,
    "Fabrique-a-initiatives": _D.FABRIQUE_A_INITIATIVES,
    "Incubateur": _D.INCUBATEUR,
    "Accelerateur": _D.ACCELERATEUR,
    "Pepiniere": _D.PEPINIERE,
    # Former name of the national incubator network (and Avise, which animates it).
    "Emergence-Acceleration": _D.RESEAU_INCUBATEURS_ESS,
    "Scop-Scic": _D.SCOP_SCIC,
    "PTCE": _D.PTCE,
    "Pole-ESS": _D.POLE_ESS,
    "finance-solidaire": _D.FINANCE_SOLIDAIRE,
    "pret-d-honneur": _D.PRET_D_HONNEUR,
    "mentorat": _D.MENTORAT,
    "creation-entreprise": _D.CREATION_ENTREPRISE,
    "Evaluation-impact-social": _D.EVALUATION_IMPACT,
    # Social Value France, the network of impact-assessment experts (and Avise).
    "Social-Value-France": _D.EVALUATION_IMPACT,
    "CRESS": _D.CRESS,
    # ESS France and the former CNCRESS.
    "CRESS-tete-de-reseau": _D.CRESS_NATIONAL,
    "French-Impact": _D.FRENCH_IMPACT,
    # The Créa-rural network (ESS and rurality), and Avise which animates it.
    "ESS-ruralites": _D.ESS_RURALITES,
    "Crea-rural": _D.ESS_RURALITES,
}

#: Themes carried by a reference ``dispositif`` value beyond :data:`DEFAULT_THEMES`
#: (the thematic CRDLAs), to add when building the dataset.
REFERENCE_DISPOSITIF_THEMES: dict[str, tuple[Theme, ...]] = {
    "CRDLA-Financement": (_T.FINANCEMENT,),
    "CRDLA-IAE": (_T.INSERTION,),
    "CRDLA-Numerique": (_T.NUMERIQUE,),
}

#: The reference files spell ``Level.COUNTRY`` as ``national``; other levels match.
REFERENCE_LEVELS: dict[str, Level] = {
    "national": Level.COUNTRY,
    "region": Level.REGION,
    "departement": Level.DEPARTEMENT,
    "epci": Level.EPCI,
    "commune": Level.COMMUNE,
}

# --------------------------------------------------------------------------------------
# Identifiers, URLs, territory codes
# --------------------------------------------------------------------------------------

SLUG_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
URL_MAX_LENGTH = 2000

_SLUG_RE = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")
_CODE_RE: dict[Level, re.Pattern[str]] = {
    Level.COUNTRY: re.compile(r"FR"),
    Level.REGION: re.compile(r"\d{2}"),
    Level.DEPARTEMENT: re.compile(r"\d{2}|2[AB]|97\d"),
    Level.EPCI: re.compile(r"\d{9}"),
    Level.COMMUNE: re.compile(r"\d{5}|2[AB]\d{3}"),
}
_CODE_HINT: dict[Level, str] = {
    Level.COUNTRY: "« FR »",
    Level.REGION: "2 chiffres, par ex. « 53 »",
    Level.DEPARTEMENT: "2 caractères ou 3 chiffres, par ex. « 29 », « 2A », « 974 »",
    Level.EPCI: "numéro SIREN à 9 chiffres, par ex. « 242900314 »",
    Level.COMMUNE: "code INSEE à 5 caractères, par ex. « 29019 », « 2A004 »",
}


#: Bidirectional embedding, override and isolate controls: they make stored text display
#: in another order than it reads (« U+202E » reverses a name on screen).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\v": "\n", "\f": "\n", "\x85": "\n"}


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def clean_text(text: str, *, multiline: bool = False) -> str:
    """The one text hygiene every stored text field goes through.

    Unicode NFC; line breaks of every kind (``\\r\\n``, ``\\r``, vertical tab, form
    feed, NEL) become ``\\n`` in a multi-line field and a space elsewhere; a tab is kept
    in a multi-line field and becomes a space elsewhere; every other C0 or C1 control
    character (NUL…) is removed.

    Raises
    ------
    ValueError
        When the text holds a bidirectional override or isolate control (U+202A–U+202E,
        U+2066–U+2069), with a French message: such a text displays in another order
        than it reads.

    Examples
    --------
    >>> clean_text("Incubateur\\x0bBrest\\x00"), clean_text("a\\x0bb\\r\\nc", multiline=True)
    ('Incubateur Brest', 'a\\nb\\nc')
    >>> clean_text("Cafe\\u0301")  # NFC: one character for « é »
    'Café'
    >>> clean_text("abc\\u202edef")
    Traceback (most recent call last):
    ...
    ValueError: le texte contient un caractère de contrôle de sens d’écriture (U+202E), qui \
l’afficherait dans un autre ordre : retirez-le
    """
    text = unicodedata.normalize("NFC", text)
    for char in text:
        if char in BIDI_CONTROLS:
            raise ValueError(
                "le texte contient un caractère de contrôle de sens d’écriture "
                f"(U+{ord(char):04X}), qui l’afficherait dans un autre ordre : retirez-le"
            )
    for old, new in _LINE_BREAKS.items():
        text = text.replace(old, new if multiline else " ")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    keep = "\n\t" if multiline else ""
    return "".join(c for c in text if c in keep or not _is_control(c))


def export_text(text: str) -> str:
    """Stored text made safe for any file format: what :func:`clean_text` would keep of a
    multi-line field, bidirectional controls removed instead of refused (text stored
    before the hygiene existed must still export).

    Examples
    --------
    >>> export_text("a\\x00b\\u202ec\\x1fd\\n")
    'abcd\\n'
    """
    text = "".join(c for c in unicodedata.normalize("NFC", text) if c not in BIDI_CONTROLS)
    return clean_text(text, multiline=True)


def has_letter_or_digit(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit of any script.

    Examples
    --------
    >>> [has_letter_or_digit(t) for t in ("حاضنة مشاريع بريست", "東京", "— !")]
    [True, True, False]
    """
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def _check_name(value: str) -> str:
    cleaned = _checked_text(value, multiline=False)
    if not cleaned:  # only control characters: as empty as an empty cell
        raise PydanticCustomError(
            "string_too_short", "String should have at least 1 character", {"min_length": 1}
        )
    return cleaned


def _check_description(value: str) -> str:
    return _checked_text(value, multiline=True)


def _checked_text(value: str, *, multiline: bool) -> str:
    try:
        return clean_text(value, multiline=multiline).strip()
    except ValueError as error:
        raise PydanticCustomError("text", str(error), {"value": value}) from None


# Cyrillic and Greek letters spelled in Latin, after accents are taken off (й is и then,
# ї is і): a simple, stable reading (Greek after ELOT 743), not a standard's
_TRANSLITERATION = str.maketrans(
    {
        **dict(zip("абвгдезиклмнопрстуфыэіґ", "abvgdeziklmnoprstufyeig", strict=True)),
        **{"ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": ""},
        **{"ь": "", "ю": "yu", "я": "ya", "є": "ye"},
        **dict(zip("αβγδεζηικλμνξοπρσςτυφω", "avgdeziiklmnxoprsstyfo", strict=True)),
        **{"θ": "th", "χ": "ch", "ψ": "ps"},
    }
)


def slugify(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """Return a slug made from ``text``: lower case, no accents, words joined by ``_``.

    Latin letters lose their accents; Cyrillic and Greek letters are spelled in Latin;
    letters of a script that has no simple Latin spelling (Arabic, CJK…) give a stable
    slug made from a hash of the text (``s_`` and 10 hex digits), so that a name in any
    script gets an identifier.

    Raises
    ------
    ValueError
        When ``text`` holds no letter or digit (of any script).

    Examples
    --------
    >>> slugify("France Active Provence-Alpes-Côte d’Azur")
    'france_active_provence_alpes_cote_d_azur'
    >>> slugify("  DLA 29 – Finistère ")
    'dla_29_finistere'
    >>> slugify("Cœur d'Hérault")
    'coeur_d_herault'
    >>> slugify("Инкубатор Брест"), slugify("Ελληνική Κοινωνική Οικονομία")
    ('inkubator_brest', 'elliniki_koinoniki_oikonomia')
    >>> slugify("حاضنة مشاريع بريست"), slugify("حاضنة مشاريع بريست 29")
    ('s_6791ca330f', '29_s_6791ca330f')
    """
    lowered = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    lowered = unicodedata.normalize("NFC", lowered)
    lowered = "".join(
        c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c)
    ).translate(_TRANSLITERATION)
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c)
    )
    slug = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    other = "".join(
        c for c in unicodedata.normalize("NFC", lowered) if c.isalnum() and not c.isascii()
    )
    other = "".join(c for c in other if not ("a" <= _fold(c) <= "z"))
    if other:  # letters no ASCII form spells: a stable hash of them says them apart
        digest = hashlib.blake2b(other.encode("utf-8"), digest_size=5).hexdigest()
        slug = f"{slug}_s_{digest}" if slug else f"s_{digest}"
    slug = slug[:max_length].rstrip("_")
    if not slug:
        raise ValueError(f"no letter or digit to make an identifier from {text!r}")
    return slug


def _fold(char: str) -> str:
    """A character without its accents, lower case (``"É"`` → ``"e"``)."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", char.lower()) if not unicodedata.combining(c)
    )[:1]


def is_slug(text: str) -> bool:
    """Tell whether ``text`` is a valid identifier (slug).

    Examples
    --------
    >>> is_slug("dla_25_90"), is_slug("DLA 29"), is_slug("tag-29")
    (True, False, True)
    """
    return len(text) <= SLUG_MAX_LENGTH and _SLUG_RE.fullmatch(text) is not None


def _check_slug(value: str) -> str:
    if not is_slug(value):
        try:
            suggestion = slugify(value)
        except ValueError:
            suggestion = ""
        hint = f" (par ex. « {suggestion} »)" if suggestion else ""
        raise PydanticCustomError(
            "slug",
            "« {value} » n’est pas un identifiant valide : il faut des lettres minuscules "
            "sans accent, des chiffres et « _ » ou « - » entre les mots, "
            f"{SLUG_MAX_LENGTH} caractères au plus{hint}",
            {"value": value, "suggestion": suggestion},
        )
    return value


def is_http_url(text: str) -> bool:
    """Tell whether ``text`` is an ``http://`` or ``https://`` address with a host.

    Examples
    --------
    >>> is_http_url("https://www.avise.org/"), is_http_url("www.avise.org")
    (True, False)
    """
    if len(text) > URL_MAX_LENGTH or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_url(value: str) -> str:
    if not is_http_url(value):
        raise PydanticCustomError(
            "url",
            "« {value} » n’est pas une adresse web valide : elle doit commencer par "
            "http:// ou https://, sans espace",
            {"value": value},
        )
    return value


def _enum_parser(enum_cls: type[StrEnum]) -> BeforeValidator:
    """Accept a member, its value, or a French/English label or synonym of it."""

    def parse(value: Any) -> Any:
        if not isinstance(value, str) or isinstance(value, enum_cls):
            return value
        from fresque.i18n import UnknownValueError, label, parse_enum

        try:
            return parse_enum(enum_cls, value)
        except UnknownValueError as error:
            raise PydanticCustomError(
                "unknown_value",
                str(error),
                {
                    "value": value,
                    "allowed": ", ".join(label(m) for m in enum_cls),
                    "suggestion": label(error.suggestion) if error.suggestion else "",
                },
            ) from None

    return BeforeValidator(parse)


def _unique(values: list[Any]) -> list[Any]:
    """Drop repeated values, keeping the first occurrence."""
    return list(dict.fromkeys(values))


def _by_stage_order(stages: list[Stage]) -> list[Stage]:
    return sorted(set(stages), key=lambda s: s.order)


Slug = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_slug)]
HttpUrlStr = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_url)]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH),
    AfterValidator(_check_name),
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=DESCRIPTION_MAX_LENGTH),
    AfterValidator(_check_description),
]
KindField = Annotated[Kind, _enum_parser(Kind)]
LevelField = Annotated[Level, _enum_parser(Level)]
StatusField = Annotated[Status, _enum_parser(Status)]
ConfidenceField = Annotated[Confidence, _enum_parser(Confidence)]
RelationField = Annotated[Relation, _enum_parser(Relation)]
DispositifList = Annotated[
    list[Annotated[Dispositif, _enum_parser(Dispositif)]], AfterValidator(_unique)
]
StageList = Annotated[list[Annotated[Stage, _enum_parser(Stage)]], AfterValidator(_by_stage_order)]
ThemeList = Annotated[list[Annotated[Theme, _enum_parser(Theme)]], AfterValidator(_unique)]
UrlList = Annotated[list[HttpUrlStr], AfterValidator(_unique)]


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
    )


class Structure(_Record):
    """An actor of the ecosystem: a node of the network (docs/architecture.md, « Domain model »).

    Enum fields accept members, values, and the French or English labels and synonyms
    known to :func:`fresque.i18n.parse_enum`. Lists drop repeated values; ``stages`` come
    back in value-chain order. Territory codes are upper-cased and checked against
    ``territory_level`` (normalising ``1`` into ``01`` is the io layer's job); a
    country-level structure with no code serves ``FR``.

    Examples
    --------
    >>> s = Structure(id="cress_bre", name="CRESS Bretagne", kind="chambre",
    ...               dispositifs=["CRESS"], territory_level="Région",
    ...               territory_codes=["53"], stages=["lancement", "idéation"])
    >>> s.kind, s.territory_level
    (<Kind.CHAMBER: 'chamber'>, <Level.REGION: 'region'>)
    >>> [str(stage) for stage in s.stages]
    ['ideation', 'creation']
    >>> Structure(id="avise", name="Avise", kind="support_structure",
    ...           territory_level="national").territory_codes
    ['FR']
    """

    id: Slug
    """Stable identifier (slug): lower case letters, digits, ``_`` or ``-``."""
    name: Name
    """Display name, non-empty."""
    kind: KindField
    """What the actor is."""
    dispositifs: DispositifList = Field(default_factory=list)
    """Support programmes it delivers, carries or steers."""
    stages: StageList = Field(default_factory=list)
    """Project stages it serves (in value-chain order)."""
    themes: ThemeList = Field(default_factory=list)
    """Needs it addresses."""
    territory_level: LevelField
    """Level of the territories it serves."""
    territory_codes: list[str] = Field(default_factory=list, validate_default=True)
    """INSEE codes of the territories it serves, all of ``territory_level``."""
    commune_code: str | None = None
    """INSEE code of the commune where it sits (optional for national actors)."""
    website: HttpUrlStr | None = None
    """Its website."""
    carrier_id: Slug | None = None
    """For an instance of a programme: the structure that carries it."""
    status: StatusField = Status.ACTIVE
    """Active, defunct, or expected (exists by design, operator unknown)."""
    source_urls: UrlList = Field(default_factory=list)
    """Public pages the facts come from."""
    confidence: ConfidenceField = Confidence.LOW
    """How well it is sourced (an unsourced entry is ``low``)."""
    last_verified: date | None = None
    """When the facts were last checked."""
    description: Description = ""
    """Free text."""

    @field_validator("territory_codes")
    @classmethod
    def _check_territory_codes(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        level = info.data.get("territory_level")
        codes = _unique([code.strip().upper() for code in codes])
        if level is None:  # the level itself is invalid and already reported
            return codes
        if not codes and level is Level.COUNTRY:
            return ["FR"]
        if not codes:
            raise PydanticCustomError(
                "territory_code",
                f"aucun territoire servi : indiquez au moins un code ({_CODE_HINT[level]})",
                {"value": "", "level": level.value},
            )
        for code in codes:
            if not _CODE_RE[level].fullmatch(code):
                raise PydanticCustomError(
                    "territory_code",
                    "« {value} » n’est pas un code de territoire valide pour l’échelon "
                    f"« {level.value} » ({_CODE_HINT[level]})",
                    {"value": code, "level": level.value},
                )
        return codes

    @field_validator("commune_code")
    @classmethod
    def _check_commune_code(cls, code: str | None) -> str | None:
        if code is None:
            return None
        code = code.strip().upper()
        if not code:
            return None
        if not _CODE_RE[Level.COMMUNE].fullmatch(code):
            raise PydanticCustomError(
                "territory_code",
                f"« {{value}} » n’est pas un code de commune valide ({_CODE_HINT[Level.COMMUNE]})",
                {"value": code, "level": Level.COMMUNE.value},
            )
        return code

    @field_validator("carrier_id")
    @classmethod
    def _check_carrier(cls, carrier_id: str | None, info: ValidationInfo) -> str | None:
        if carrier_id is not None and carrier_id == info.data.get("id"):
            raise PydanticCustomError(
                "inconsistent",
                "une structure ne peut pas se porter elle-même (« {value} »)",
                {"value": carrier_id},
            )
        return carrier_id


class Link(_Record):
    """A directed relation between two structures: an edge of the network (see
    docs/architecture.md, « Domain model »).

    Examples
    --------
    >>> Link(source="aglca", target="dla_01", relation="porte").relation
    <Relation.CARRIES: 'carries'>
    >>> Link(source="aglca", target="dla_01", relation="carries").key
    ('aglca', 'dla_01', <Relation.CARRIES: 'carries'>)
    """

    source: Slug
    """Identifier of the structure the link starts from."""
    target: Slug
    """Identifier of the structure the link points to."""
    relation: RelationField
    """What the source does to the target."""
    description: Description = ""
    """Free text."""
    source_urls: UrlList = Field(default_factory=list)
    """Public pages the fact comes from."""
    confidence: ConfidenceField = Confidence.LOW
    """How well it is sourced (an unsourced entry is ``low``)."""
    since: date | None = None
    """When the relation started, if known."""
    until: date | None = None
    """When it ended, if it did."""

    @field_validator("target")
    @classmethod
    def _check_target(cls, target: str, info: ValidationInfo) -> str:
        if target == info.data.get("source"):
            raise PydanticCustomError(
                "inconsistent",
                "un lien ne peut pas relier la structure « {value} » à elle-même",
                {"value": target},
            )
        return target

    @field_validator("until")
    @classmethod
    def _check_until(cls, until: date | None, info: ValidationInfo) -> date | None:
        since = info.data.get("since")
        if until is not None and since is not None and until < since:
            raise PydanticCustomError(
                "inconsistent",
                "la date de fin ({value}) précède la date de début ({since})",
                {"value": until.isoformat(), "since": since.isoformat()},
            )
        return until

    @property
    def key(self) -> tuple[str, str, Relation]:
        """``(source, target, relation)``: what identifies a link in a dataset."""
        return (self.source, self.target, self.relation)


# --------------------------------------------------------------------------------------
# Surveys: the fact that a territory's offer was checked
# --------------------------------------------------------------------------------------

#: How long a survey counts, in months, unless it says otherwise (``valid_months``).
DEFAULT_SURVEY_MONTHS = 24

#: The scope of a survey that covers every dispositif and every stage.
SCOPE_ALL = "all"

#: Levels a survey may attest: a whole région, département or EPCI.
SURVEY_LEVELS: tuple[Level, ...] = (Level.REGION, Level.DEPARTEMENT, Level.EPCI)

_SCOPE_ALL_WORDS = frozenset({"all", "tout", "tous", "toutes", "*", "ensemble", "everything"})
_SCOPE_PREFIXES = {
    "dispositif": "dispositif",
    "stage": "stage",
    "etape": "stage",
    "étape": "stage",
}


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months`` calendar months (clamped to the month's end).

    Examples
    --------
    >>> add_months(date(2024, 1, 31), 1), add_months(date(2023, 3, 15), 24)
    (datetime.date(2024, 2, 29), datetime.date(2025, 3, 15))
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def parse_scope(value: str) -> str:
    """Return the canonical scope of a survey: ``all``, ``dispositif:<value>`` or
    ``stage:<value>``.

    Accepts ``all`` (or ``tout``, ``toutes``…), a prefixed key (``étape:Création``,
    ``dispositif:incubateur``) or a bare value or French/English label, read as a
    dispositif first, then as a stage.

    Raises
    ------
    ValueError
        When the text names no dispositif nor stage (a French message).

    Examples
    --------
    >>> parse_scope("Tout"), parse_scope("étape : Création"), parse_scope("Incubateur")
    ('all', 'stage:creation', 'dispositif:incubateur')
    >>> parse_scope("émergence")
    'stage:emergence'
    """
    from fresque.i18n import UnknownValueError, normalize_key, parse_enum

    text = str(value).strip()
    if not text or normalize_key(text).replace(" ", "") in _SCOPE_ALL_WORDS:
        return SCOPE_ALL
    prefix, sep, rest = text.partition(":")
    kind = _SCOPE_PREFIXES.get(normalize_key(prefix).replace(" ", "")) if sep else None
    if kind is not None:
        enum_cls: type[StrEnum] = Dispositif if kind == "dispositif" else Stage
        try:
            return f"{kind}:{parse_enum(enum_cls, rest.strip()).value}"
        except UnknownValueError as error:
            raise ValueError(str(error)) from None
    for kind, enum_cls in (("dispositif", Dispositif), ("stage", Stage)):
        try:
            return f"{kind}:{parse_enum(enum_cls, text).value}"
        except UnknownValueError:
            continue
    raise ValueError(
        f"« {text} » ne nomme ni un dispositif ni une étape : écrivez « tout », un "
        "dispositif (par ex. « Incubateur ») ou une étape (par ex. « étape:Création »)"
    )


def _check_scope(value: str) -> str:
    try:
        return parse_scope(value)
    except ValueError as error:
        raise PydanticCustomError("unknown_value", str(error), {"value": value}) from None


ScopeField = Annotated[str, AfterValidator(_check_scope)]


class Survey(_Record):
    """A survey (« recensement »): someone attests that a territory's offer was checked.

    Where a valid survey covers a territory and a key (a dispositif or a stage) and no
    offer is known there, the territory is a *confirmed* gap (``gap``); without one it
    is only ``none_known``. A survey counts for ``valid_months`` (default
    :data:`DEFAULT_SURVEY_MONTHS`) from its ``date``; after that the territory is "to
    recheck", not surveyed.

    Examples
    --------
    >>> s = Survey(id="rec_29_2026", territory_level="Département", territory_code="29",
    ...            scope="étape:Création", attested_by="CRESS Bretagne",
    ...            date="2026-03-01", source="https://www.ess-bretagne.org/")
    >>> s.scope, s.key, s.expires
    ('stage:creation', ('stage', 'creation'), datetime.date(2028, 3, 1))
    >>> s.is_valid(date(2027, 1, 1)), s.is_valid(date(2028, 3, 1))
    (True, False)
    >>> s.covers(("stage", "creation")), s.covers(("stage", "emergence"))
    (True, False)
    """

    id: Slug
    """Stable identifier (slug)."""
    territory_level: LevelField
    """Level of the territory surveyed: ``region``, ``departement`` or ``epci``."""
    territory_code: str
    """INSEE code (SIREN for an EPCI) of the territory surveyed."""
    scope: ScopeField = SCOPE_ALL
    """What was checked: ``all``, ``dispositif:<value>`` or ``stage:<value>``."""
    attested_by: Name
    """Who attests the survey (a person, a CRESS, a DLA régional…)."""
    date: date
    """When the survey was made."""
    source: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=URL_MAX_LENGTH)
    ]
    """Where it can be checked: a URL or the name of a document."""
    note: Description = ""
    """Free text: how it was done, what it left out."""
    valid_months: int | None = Field(default=None, ge=1, le=240)
    """How long it counts (months); :data:`DEFAULT_SURVEY_MONTHS` when empty."""

    @field_validator("territory_level")
    @classmethod
    def _check_level(cls, level: Level) -> Level:
        if level not in SURVEY_LEVELS:
            raise PydanticCustomError(
                "territory_code",
                "un recensement porte sur une région, un département ou un EPCI, "
                "pas sur l’échelon « {value} »",
                {"value": level.value, "level": level.value},
            )
        return level

    @field_validator("territory_code")
    @classmethod
    def _check_code(cls, code: str, info: ValidationInfo) -> str:
        level = info.data.get("territory_level")
        code = code.strip().upper()
        if level is not None and not _CODE_RE[level].fullmatch(code):
            raise PydanticCustomError(
                "territory_code",
                "« {value} » n’est pas un code de territoire valide pour l’échelon "
                f"« {level.value} » ({_CODE_HINT[level]})",
                {"value": code, "level": level.value},
            )
        return code

    @property
    def key(self) -> tuple[str, str] | None:
        """``(key_type, value)`` of the key surveyed, ``None`` for ``all``."""
        if self.scope == SCOPE_ALL:
            return None
        kind, _, value = self.scope.partition(":")
        return (kind, value)

    @property
    def months(self) -> int:
        """How many months the survey counts."""
        return self.valid_months or DEFAULT_SURVEY_MONTHS

    @property
    def expires(self) -> date:
        """The first day it no longer counts."""
        return add_months(self.date, self.months)

    def is_valid(self, as_of: date, months: int | None = None) -> bool:
        """Whether the survey counts on ``as_of``: made on or before it, not expired.

        ``months`` replaces the default validity for a survey that names none.
        """
        span = self.valid_months or months or DEFAULT_SURVEY_MONTHS
        return self.date <= as_of < add_months(self.date, span)

    def covers(self, key: tuple[str, str]) -> bool:
        """Whether the survey covers ``key`` (``all`` covers every key)."""
        return self.scope == SCOPE_ALL or self.key == tuple(key)


#: Offers whose newest verification is older than this many years are "to check".
DEFAULT_STALE_YEARS = 3


def is_stale(last_verified: date | None, as_of: date, years: int = DEFAULT_STALE_YEARS) -> bool:
    """Whether a fact verified on ``last_verified`` should be checked again on ``as_of``.

    A fact never verified is stale.

    Examples
    --------
    >>> is_stale(date(2022, 1, 1), date(2026, 12, 7)), is_stale(date(2025, 6, 1), date(2026, 12, 7))
    (True, False)
    >>> is_stale(None, date(2026, 12, 7))
    True
    """
    if last_verified is None:
        return True
    return last_verified < add_months(as_of, -12 * years)
