"""French and English labels, kept in one place.

French is the default language. Every enum value of :mod:`fresque.model` and every string
the interface shows has a label here.

Examples
--------
>>> from fresque.i18n import t
>>> t("app.title")
'Fresque de l’accompagnement de l’ESS'
>>> t("app.title", "en")
'ESS support ecosystem map'

A label that holds a count has two forms, ``key.one`` and ``key.other``, with the count
in ``{n}``; :func:`t_count` picks the form (French: 0 and 1 are singular; English: 1 is):

>>> t_count("count.structures", 1), t_count("count.structures", 0, "en")
('1 structure', '0 structures')
"""

from __future__ import annotations

import difflib
import functools
import os
import unicodedata
import zoneinfo
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from fresque.model import (
    REFERENCE_DISPOSITIFS,
    REFERENCE_LEVELS,
    Confidence,
    CoverageStatus,
    Dispositif,
    Kind,
    Level,
    Relation,
    Stage,
    Status,
    Theme,
)

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

#: Interface strings: key -> {language: text}.
UI_STRINGS: dict[str, dict[str, str]] = {
    "app.title": {
        "fr": "Fresque de l’accompagnement de l’ESS",
        "en": "ESS support ecosystem map",
    },
    "app.subtitle": {
        "fr": "Qui accompagne les projets de l’économie sociale et solidaire, et où ?",
        "en": "Who supports social and solidarity economy projects, and where?",
    },
    "map.heading": {
        "fr": "La France des territoires",
        "en": "France by territory",
    },
    "map.level.label": {
        "fr": "Découpage",
        "en": "Divided into",
    },
    "map.level.regions": {
        "fr": "Régions",
        "en": "Regions",
    },
    "map.level.departements": {
        "fr": "Départements",
        "en": "Départements",
    },
    "map.title.regions": {
        "fr": "Population par région",
        "en": "Population by region",
    },
    "map.title.departements": {
        "fr": "Population par département",
        "en": "Population by département",
    },
    "map.population": {
        "fr": "Population",
        "en": "Population",
    },
    "map.colorbar.population": {
        "fr": "Habitants",
        "en": "Inhabitants",
    },
    "map.missing": {
        "fr": "Donnée manquante",
        "en": "No data",
    },
    "map.insets_note": {
        "fr": "Outre-mer en encarts, à des échelles différentes : Guadeloupe, Martinique, "
        "Guyane, La Réunion, Mayotte.",
        "en": "Overseas départements in insets, at different scales: Guadeloupe, Martinique, "
        "French Guiana, La Réunion, Mayotte.",
    },
    "map.geo_missing": {
        "fr": "La géographie de référence est absente : lancez « fresque geo build ».",
        "en": "The reference geography is missing: run “fresque geo build”.",
    },
    # --- Carte: coverage map ------------------------------------------------------------
    "map.level.epci": {"fr": "EPCI", "en": "EPCI"},
    "carte.heading": {"fr": "Couverture des territoires", "en": "Coverage of territories"},
    "carte.key.label": {"fr": "Dispositif ou étape", "en": "Programme or stage"},
    "carte.key.dispositif": {"fr": "Dispositif", "en": "Programme"},
    "carte.key.stage": {"fr": "Étape", "en": "Stage"},
    "carte.indicator.label": {"fr": "Indicateur", "en": "Indicator"},
    "carte.indicator.status": {"fr": "Statut de couverture", "en": "Coverage status"},
    "carte.indicator.per100k": {
        "fr": "Offres pour 100\u00a0000 habitants",
        "en": "Offers per 100,000 inhabitants",
    },
    "carte.indicator.beyond30": {
        "fr": "Population à coup sûr à plus de 30 km d’une offre",
        "en": "Population surely beyond 30 km of an offer",
    },
    "carte.hover.beyond30_unknown": {
        "fr": "Distance inconnue (offres sans lieu connu)",
        "en": "Unknown distance (offers without a known place)",
    },
    "carte.colorbar.per100k": {
        "fr": "Offres pour<br>100\u00a0000 hab.",
        "en": "Offers per<br>100,000",
    },
    "carte.colorbar.beyond30": {
        "fr": "Part à coup sûr<br>à plus de 30 km",
        "en": "Share surely<br>beyond 30 km",
    },
    # The data-quality indicator: its name, colour bar, legend note and parts in words.
    "carte.indicator.quality": {"fr": "Fiabilité des données", "en": "Data quality"},
    "carte.colorbar.quality": {"fr": "Fiabilité<br>des données", "en": "Data<br>quality"},
    "carte.heading.quality": {
        "fr": "Fiabilité des données par territoire",
        "en": "Data quality by territory",
    },
    "carte.legend.scale.quality": {
        "fr": "Couleur : score de fiabilité, de 0 à 100 % (plus foncé = données plus sûres)",
        "en": "Colour: quality score, from 0 to 100% (darker = surer data)",
    },
    "carte.legend.note.quality": {
        "fr": "Ce n’est pas la couverture : ce score dit à quel point les données d’un "
        "territoire sont sûres, sur toutes ses offres locales (quel que soit le dispositif "
        "ou l’étape choisi). C’est la moyenne de ces parts, quand elles s’appliquent : DLA "
        "et CRESS dont l’opérateur est connu, offres sourcées, offres de confiance élevée, "
        "offres vérifiées il y a moins de {years}, habitants couverts par un "
        "recensement valide. Survolez ou choisissez un territoire pour voir chaque part.",
        "en": "This is not coverage: the score says how far a territory’s data can be "
        "trusted, over all its local offers (whatever the programme or stage chosen). It is "
        "the mean of these shares, where they apply: DLA and CRESS whose operator is known, "
        "offers with a source, offers of high confidence, offers checked less than {years} "
        "ago, inhabitants covered by a valid survey. Hover over or choose a territory "
        "to see each share.",
    },
    "carte.quality.score": {"fr": "Score de fiabilité", "en": "Quality score"},
    "carte.quality.unique_known": {
        "fr": "Opérateurs connus (DLA, CRESS)",
        "en": "Known operators (DLA, CRESS)",
    },
    "carte.quality.unique_none": {"fr": "aucune offre de ce type", "en": "no such offer"},
    "carte.quality.out_of": {"fr": "{part} sur {total}", "en": "{part} of {total}"},
    "carte.quality.sourced": {"fr": "Offres sourcées", "en": "Offers with a source"},
    "carte.quality.high": {"fr": "Confiance élevée", "en": "High confidence"},
    "carte.quality.stale": {
        "fr": "À vérifier (vérifiées il y a plus de {years}, ou jamais)",
        "en": "To check again (checked over {years} ago, or never)",
    },
    "carte.quality.newest": {"fr": "Vérification la plus récente", "en": "Most recent check"},
    "carte.quality.never": {"fr": "aucune", "en": "none"},
    "carte.quality.age.under_one": {"fr": "il y a moins d’un an", "en": "less than a year ago"},
    "carte.quality.no_offer": {
        "fr": "Aucune offre locale recensée : seul le recensement compte.",
        "en": "No local offer recorded: only the survey counts.",
    },
    "carte.quality.survey": {"fr": "Recensement valide", "en": "Valid survey"},
    "carte.quality.yes": {"fr": "oui", "en": "yes"},
    "carte.quality.no": {"fr": "non", "en": "no"},
    "carte.quality.yes_share": {
        "fr": "oui ({share} des habitants)",
        "en": "yes ({share} of inhabitants)",
    },
    "carte.partial": {"fr": "partiel", "en": "partial"},
    "carte.legend.heading": {"fr": "Légende", "en": "Legend"},
    "carte.legend.full": {"fr": "tout le territoire", "en": "whole territory"},
    "carte.legend.partial": {
        "fr": "partiel : une partie des communes sans offre connue",
        "en": "partial: some communes have no known offer",
    },
    "carte.legend.points": {
        "fr": "Structure qui propose ce choix, à sa commune",
        "en": "Structure offering this choice, at its commune",
    },
    "carte.legend.selected": {"fr": "Territoire choisi", "en": "Chosen territory"},
    "carte.legend.served": {
        "fr": "Territoire servi par la structure choisie",
        "en": "Territory served by the chosen structure",
    },
    "carte.legend.scale": {
        "fr": "Couleur : {indicator} (plus foncé = plus élevé)",
        "en": "Colour: {indicator} (darker = higher)",
    },
    "carte.legend.no_value": {
        "fr": "Sans valeur (pas d’habitants)",
        "en": "No value (no inhabitants)",
    },
    "carte.hover.offers": {"fr": "Offres locales", "en": "Local offers"},
    "carte.hover.population_gap": {
        "fr": "Habitants sans offre connue",
        "en": "Inhabitants without a known offer",
    },
    "carte.hover.national": {"fr": "Acteurs nationaux", "en": "National actors"},
    "carte.dock.heading": {"fr": "Acteurs nationaux", "en": "National actors"},
    "carte.dock.note": {
        "fr": "Ils servent toute la France : ils ne sont pas placés sur la carte et ne "
        "comblent aucun manque local.",
        "en": "They serve all of France: they are not placed on the map and fill no local gap.",
    },
    "carte.dock.none": {
        "fr": "Aucun acteur national pour ce choix.",
        "en": "No national actor for this choice.",
    },
    "carte.detail.heading": {"fr": "Territoire", "en": "Territory"},
    "carte.detail.empty": {
        "fr": "Cliquez sur un territoire pour voir qui le sert, étape par étape, et ce qui n’y "
        "est pas recensé.",
        "en": "Click a territory to see who serves it, stage by stage, and what is not recorded.",
    },
    "carte.detail.key": {"fr": "Pour le choix de la carte", "en": "For the map’s choice"},
    "carte.detail.stages": {"fr": "Offres par étape", "en": "Offers by stage"},
    "carte.detail.missing": {"fr": "Manque confirmé", "en": "Confirmed gap"},
    "carte.survey.valid": {
        "fr": "Recensé par {who} le {date} ({scope}), valable jusqu’au {until}. Source : {source}",
        "en": "Surveyed by {who} on {date} ({scope}), valid until {until}. Source: {source}",
    },
    "carte.survey.expired": {
        "fr": "Recensé par {who} le {date} ({scope}), expiré le {until} : à refaire. "
        "Source : {source}",
        "en": "Surveyed by {who} on {date} ({scope}), expired on {until}: to check again. "
        "Source: {source}",
    },
    "carte.survey.all": {"fr": "toute l’offre", "en": "the whole offer"},
    "carte.survey.heading": {"fr": "Recensements", "en": "Surveys"},
    "carte.survey.none": {
        "fr": "Aucun recensement valide ne couvre ce territoire : une absence d’offre y "
        "signifie « aucune offre recensée », pas un manque.",
        "en": "No valid survey covers this territory: no offer there means “no offer "
        "recorded”, not a gap.",
    },
    "carte.detail.stale": {"fr": "à vérifier", "en": "to check"},
    "carte.detail.stale_title": {
        "fr": "Informations vérifiées il y a plus de {years}, ou jamais",
        "en": "Facts verified more than {years} ago, or never",
    },
    "carte.detail.not_recorded": {
        "fr": "« Aucune offre recensée » n’est pas un manque : personne n’a encore recensé "
        "l’offre de ce territoire pour ces étapes. Si vous la connaissez, ajoutez-la ou "
        "faites un recensement.",
        "en": "“No offer recorded” is not a gap: nobody has surveyed this territory’s offer "
        "for these stages yet. If you know it, add it or record a survey.",
    },
    "carte.detail.nothing_missing": {
        "fr": "Chaque étape a au moins une offre locale recensée.",
        "en": "Every stage has at least one recorded local offer.",
    },
    "carte.detail.no_offer": {
        "fr": "Aucune offre locale recensée.",
        "en": "No local offer recorded.",
    },
    "carte.detail.population_gap": {
        "fr": "{share} des habitants sans offre connue",
        "en": "{share} of inhabitants without a known offer",
    },
    "carte.detail.network": {
        "fr": "Voir le réseau de ce territoire",
        "en": "See this territory’s network",
    },
    "carte.detail.clear": {"fr": "Effacer la sélection", "en": "Clear the selection"},
    "carte.structure.heading": {"fr": "Structure choisie", "en": "Chosen structure"},
    "carte.structure.served": {
        "fr": "Son territoire est entouré en pointillés sur la carte.",
        "en": "Its territory is outlined with dashes on the map.",
    },
    "carte.structure.national": {
        "fr": "Elle sert toute la France : aucun territoire à entourer.",
        "en": "It serves all of France: no territory to outline.",
    },
    "carte.structure.network": {"fr": "La voir dans le réseau", "en": "See it in the network"},
    "carte.map.label": {
        "fr": "Carte de la couverture. Au clavier, choisissez un territoire dans la liste.",
        "en": "Coverage map. With a keyboard, pick a territory from the list.",
    },
    "carte.territory.label": {"fr": "Territoire choisi", "en": "Chosen territory"},
    "carte.filters.note": {
        "fr": "La carte ne compte que les structures qui passent ces filtres du Réseau\u00a0:",
        "en": "The map counts only the structures that pass these Network filters:",
    },
    "carte.filters.remove": {"fr": "Retirer ce filtre", "en": "Remove this filter"},
    "carte.share_covered": {
        "fr": "{share} des habitants couverts",
        "en": "{share} of inhabitants covered",
    },
    "carte.legend.bands": {"fr": "Teintes", "en": "Shades"},
    "carte.legend.band.full": {"fr": "tout le territoire", "en": "whole territory"},
    "carte.legend.band.most": {
        "fr": "partiel (des communes sans offre connue), au moins la moitié des habitants couverts",
        "en": "partial (some communes without a known offer), at least half of the inhabitants "
        "covered",
    },
    "carte.legend.band.few": {
        "fr": "moins de la moitié des habitants couverts",
        "en": "less than half of the inhabitants covered",
    },
    "carte.legend.no_offer": {
        "fr": "Gris : aucune offre locale recensée.",
        "en": "Grey: no local offer recorded.",
    },
    "carte.legend.saturated": {
        "fr": "L’échelle s’arrête à {top} : au-delà, la couleur la plus foncée.",
        "en": "The scale stops at {top}: above, the darkest colour.",
    },
    "carte.export.heading": {"fr": "Exporter", "en": "Export"},
    "carte.export.label": {
        "fr": "Exporter les territoires affichés",
        "en": "Export the territories shown",
    },
    "carte.export.csv": {"fr": "CSV", "en": "CSV"},
    "carte.export.xlsx": {"fr": "Excel", "en": "Excel"},
    "carte.export.file": {"fr": "fresque-couverture", "en": "fresque-coverage"},
    # --- the readable coverage sheet (Carte export, fresque coverage) -------------------
    "coverage_sheet.title": {"fr": "couverture", "en": "coverage"},
    "coverage_sheet.yes": {"fr": "oui", "en": "yes"},
    "coverage_sheet.no": {"fr": "non", "en": "no"},
    "coverage_sheet.column.region": {"fr": "Région", "en": "Region"},
    "coverage_sheet.column.departement": {"fr": "Département", "en": "Département"},
    "coverage_sheet.column.territory": {"fr": "Territoire", "en": "Territory"},
    "coverage_sheet.column.level": {"fr": "Échelon", "en": "Level"},
    "coverage_sheet.column.key": {"fr": "Dispositif ou étape", "en": "Programme or stage"},
    "coverage_sheet.column.rank": {
        "fr": "Priorité (1 = à regarder d’abord)",
        "en": "Priority (1 = look first)",
    },
    "coverage_sheet.column.status": {"fr": "Statut", "en": "Status"},
    "coverage_sheet.column.partial": {
        "fr": "Partiel (des communes sans offre connue)",
        "en": "Partial (some communes without a known offer)",
    },
    "coverage_sheet.column.share_covered": {
        "fr": "Habitants couverts (%)",
        "en": "Inhabitants covered (%)",
    },
    "coverage_sheet.column.population": {"fr": "Habitants", "en": "Inhabitants"},
    "coverage_sheet.column.population_gap": {
        "fr": "Habitants sans offre (manque confirmé)",
        "en": "Inhabitants without an offer (confirmed gap)",
    },
    "coverage_sheet.column.population_none_known": {
        "fr": "Habitants sans offre recensée",
        "en": "Inhabitants without a recorded offer",
    },
    "coverage_sheet.column.n_organisations": {
        "fr": "Organisations distinctes",
        "en": "Distinct organisations",
    },
    "coverage_sheet.column.n_offers": {"fr": "Offres locales", "en": "Local offers"},
    "coverage_sheet.column.offers": {
        "fr": "Offres locales (noms)",
        "en": "Local offers (names)",
    },
    "coverage_sheet.column.offers_per_100k": {
        "fr": "Offres pour 100\u00a0000 habitants",
        "en": "Offers per 100,000 inhabitants",
    },
    "coverage_sheet.column.beyond30": {
        "fr": "Habitants à plus de 30 km d’une offre (%)",
        "en": "Inhabitants beyond 30 km of an offer (%)",
    },
    "coverage_sheet.column.national": {
        "fr": "Acteurs nationaux (noms)",
        "en": "National actors (names)",
    },
    "coverage_sheet.column.region_code": {"fr": "Code région", "en": "Region code"},
    "coverage_sheet.column.departement_code": {
        "fr": "Code département",
        "en": "Département code",
    },
    "coverage_sheet.column.code": {"fr": "Code territoire", "en": "Territory code"},
    "coverage_sheet.column.level_code": {"fr": "Code échelon", "en": "Level code"},
    "coverage_sheet.column.key_type_code": {
        "fr": "Code type (dispositif ou étape)",
        "en": "Type code (programme or stage)",
    },
    "coverage_sheet.column.key_code": {
        "fr": "Code dispositif ou étape",
        "en": "Programme or stage code",
    },
    "coverage_sheet.column.status_code": {"fr": "Code statut", "en": "Status code"},
    "coverage_sheet.column.offer_ids": {
        "fr": "Identifiants des offres",
        "en": "Offer ids",
    },
    "coverage_sheet.column.national_ids": {
        "fr": "Identifiants des acteurs nationaux",
        "en": "National actor ids",
    },
    # --- app shell (header, navigation, language) ---------------------------------------
    "app.skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "nav.label": {"fr": "Pages", "en": "Pages"},
    "nav.reseau": {"fr": "Réseau", "en": "Network"},
    "nav.carte": {"fr": "Carte", "en": "Map"},
    "nav.orientation": {"fr": "Qui peut m’accompagner\u00a0?", "en": "Who can support me?"},
    "nav.atelier": {"fr": "Atelier", "en": "Workshop"},
    "lang.other": {"fr": "English", "en": "Français"},
    "lang.other.hint": {"fr": "Read this page in English", "en": "Lire cette page en français"},
    # --- Réseau page ----------------------------------------------------------------------
    "network.heading": {"fr": "Le réseau des acteurs", "en": "The network of actors"},
    "network.count": {"fr": "{structures} · {links}", "en": "{structures} · {links}"},
    "network.graph.label": {
        "fr": "Graphe du réseau. Au clavier, choisissez une structure avec la recherche.",
        "en": "Network graph. With a keyboard, pick a structure with the search box.",
    },
    "network.search.label": {"fr": "Rechercher une structure", "en": "Find a structure"},
    "network.search.placeholder": {"fr": "Nom d’une structure…", "en": "Name of a structure…"},
    "network.view.heading": {"fr": "Affichage", "en": "Display"},
    "network.layout.label": {"fr": "Disposition", "en": "Layout"},
    "network.layout.board": {"fr": "Fresque (étapes × types)", "en": "Fresque (stages × kinds)"},
    "network.layout.force": {"fr": "Forces", "en": "Force-directed"},
    "network.layout.concentric": {"fr": "Cercles par type", "en": "Rings by kind"},
    "network.metric.label": {"fr": "Taille des nœuds", "en": "Node size"},
    "network.metric.degree": {"fr": "Nombre de liens", "en": "Number of links"},
    "network.metric.betweenness": {"fr": "Intermédiarité", "en": "Betweenness"},
    "network.focus.label": {"fr": "Voisinage de la sélection", "en": "Around the selection"},
    "network.focus.0": {"fr": "Tout", "en": "All"},
    "network.focus.1": {"fr": "1 lien", "en": "1 step"},
    "network.focus.2": {"fr": "2 liens", "en": "2 steps"},
    "network.focus.3": {"fr": "3 liens", "en": "3 steps"},
    "network.focus.hidden": {
        "fr": "La structure choisie est masquée par les filtres : le voisinage ne s’applique pas.",
        "en": "The chosen structure is hidden by the filters: the neighbourhood does not apply.",
    },
    "network.limit.links": {
        "fr": "Plus de {limit} : ils ne sont pas dessinés (le dessin prendrait de longues"
        " secondes). Filtrez par territoire ou par type pour les voir ; le panneau de détail"
        " liste toujours les liens de la structure choisie.",
        "en": "More than {limit}: they are not drawn (drawing them would take long"
        " seconds). Filter by territory or kind to see them; the detail panel still lists"
        " the chosen structure's links.",
    },
    "network.limit.force": {
        "fr": "Plus de {limit} : la disposition « Forces » serait trop lente à"
        " calculer, elles sont disposées en cercles par type. Filtrez pour la retrouver.",
        "en": "More than {limit}: the force layout would take too long to compute,"
        " they are laid out in rings by kind. Filter to get the force layout back.",
    },
    "network.board.no_stage": {"fr": "Sans étape (transversal)", "en": "No stage (cross-cutting)"},
    "network.tip.stages": {"fr": "Étapes", "en": "Stages"},
    "network.family.dla": {"fr": "DLA et centres de ressources", "en": "DLA and resource centres"},
    "network.family.emergence": {
        "fr": "Émergence territoriale (Fabriques, pôles ESS, PTCE)",
        "en": "Local emergence (initiative factories, SSE hubs, PTCE)",
    },
    "network.family.creation": {"fr": "Incubation et création", "en": "Incubation and start-up"},
    "network.family.scaling": {"fr": "Accélération", "en": "Acceleration"},
    "network.family.finance": {"fr": "Financement et mentorat", "en": "Funding and mentoring"},
    "network.family.impact": {"fr": "Évaluation d’impact", "en": "Impact assessment"},
    "network.family.chamber": {"fr": "Chambres de l’ESS", "en": "SSE chambers"},
    "network.family.other": {"fr": "Sans dispositif", "en": "No programme"},
    "network.legend.heading": {"fr": "Légende", "en": "Legend"},
    "network.legend.kinds": {"fr": "Couleur : type d’acteur", "en": "Colour: kind of actor"},
    "network.legend.shapes": {
        "fr": "Forme : dispositif (le premier cité)",
        "en": "Shape: support programme (the first listed)",
    },
    "network.legend.statuses": {"fr": "Contour : statut", "en": "Outline: status"},
    "network.legend.relations": {
        "fr": "Liens (flèche vers la cible)",
        "en": "Links (arrow to target)",
    },
    "network.legend.status.active": {"fr": "plein", "en": "filled"},
    "network.legend.status.expected": {
        "fr": "contour pointillé : opérateur à identifier",
        "en": "dashed outline: operator to be identified",
    },
    "network.legend.status.defunct": {"fr": "grisée", "en": "greyed out"},
    "network.legend.size.degree": {
        "fr": "Taille : nombre de structures liées (sur tout le jeu de données)",
        "en": "Size: number of linked structures (over the whole dataset)",
    },
    "network.legend.size.betweenness": {
        "fr": "Taille : intermédiarité, rôle de passerelle (sur tout le jeu de données)",
        "en": "Size: betweenness, the bridging role (over the whole dataset)",
    },
    # --- filters --------------------------------------------------------------------------
    "filters.heading": {"fr": "Filtres", "en": "Filters"},
    "filters.region": {"fr": "Région", "en": "Region"},
    "filters.departement": {"fr": "Département", "en": "Département"},
    "filters.epci": {"fr": "Intercommunalité (EPCI)", "en": "Inter-municipality (EPCI)"},
    "filters.epci.clear": {
        "fr": "Retirer le filtre d’intercommunalité",
        "en": "Remove the inter-municipality filter",
    },
    "filters.kind": {"fr": "Type d’acteur", "en": "Kind of actor"},
    "filters.dispositif": {"fr": "Dispositif", "en": "Support programme"},
    "filters.stage": {"fr": "Étape", "en": "Stage"},
    "filters.theme": {"fr": "Thème", "en": "Theme"},
    "filters.status": {"fr": "Statut", "en": "Status"},
    "filters.relation": {"fr": "Type de lien", "en": "Kind of link"},
    "filters.confidence": {"fr": "Confiance minimale", "en": "Minimum confidence"},
    "filters.confidence.any": {"fr": "Toutes", "en": "Any"},
    "filters.confidence.medium": {"fr": "Moyenne ou élevée", "en": "Medium or high"},
    "filters.confidence.high": {"fr": "Élevée", "en": "High"},
    "filters.any": {"fr": "Tous", "en": "All"},
    "filters.reset": {"fr": "Effacer les filtres", "en": "Clear filters"},
    # --- detail panel ---------------------------------------------------------------------
    "detail.heading": {"fr": "Fiche", "en": "Details"},
    "detail.empty": {
        "fr": "Cliquez sur une structure, ou cherchez-la, pour voir sa fiche.",
        "en": "Click a structure, or search for it, to see its details.",
    },
    "detail.unknown": {"fr": "Aucune structure « {id} ».", "en": "No structure “{id}”."},
    "detail.hidden": {
        "fr": "Masquée par les filtres actuels.",
        "en": "Hidden by the current filters.",
    },
    "detail.close": {"fr": "Fermer la fiche", "en": "Close the details"},
    "detail.id": {"fr": "Identifiant", "en": "Identifier"},
    "detail.kind": {"fr": "Type d’acteur", "en": "Kind of actor"},
    "detail.status": {"fr": "Statut", "en": "Status"},
    "detail.dispositifs": {"fr": "Dispositifs", "en": "Support programmes"},
    "detail.stages": {"fr": "Étapes", "en": "Stages"},
    "detail.themes": {"fr": "Thèmes", "en": "Themes"},
    "detail.territory": {"fr": "Territoire servi", "en": "Territory served"},
    "detail.commune": {"fr": "Implantation", "en": "Located in"},
    "detail.website": {"fr": "Site web", "en": "Website"},
    "detail.carrier": {"fr": "Portée par", "en": "Operated by"},
    "detail.description": {"fr": "Description", "en": "Description"},
    "detail.sources": {"fr": "Sources", "en": "Sources"},
    "detail.confidence": {"fr": "Confiance", "en": "Confidence"},
    "detail.last_verified": {"fr": "Vérifiée le", "en": "Last verified"},
    "detail.links": {"fr": "Liens", "en": "Links"},
    "detail.no_links": {"fr": "Aucun lien connu.", "en": "No known link."},
    "detail.none": {"fr": "—", "en": "—"},
    "detail.national": {"fr": "France entière", "en": "All of France"},
    "relation.in.funds": {"fr": "financée par", "en": "funded by"},
    "relation.in.animates": {"fr": "animée par", "en": "coordinated by"},
    "relation.in.carries": {"fr": "portée par", "en": "operated by"},
    "relation.in.member_of": {"fr": "a pour membres", "en": "has as members"},
    "relation.in.partners_with": {"fr": "partenaire de", "en": "partners with"},
    "relation.in.refers_to": {"fr": "reçoit les orientations de", "en": "gets referrals from"},
    # --- dropdowns (Dash's own labels) ------------------------------------------------
    "dropdown.select_all": {"fr": "Tout sélectionner", "en": "Select all"},
    "dropdown.deselect_all": {"fr": "Tout désélectionner", "en": "Deselect all"},
    # Dash fills in the count in the browser, with one form: worded without agreement.
    "dropdown.selected_count": {
        "fr": "Sélection : {num_selected}",
        "en": "Selected: {num_selected}",
    },
    "dropdown.search": {"fr": "Rechercher", "en": "Search"},
    "dropdown.clear_search": {"fr": "Effacer la recherche", "en": "Clear search"},
    "dropdown.clear_selection": {"fr": "Effacer le choix", "en": "Clear selection"},
    "dropdown.no_options_found": {"fr": "Aucun résultat", "en": "No match"},
    # --- Atelier (live workshop) ------------------------------------------------------------
    "atelier.join.heading": {"fr": "Rejoindre un atelier", "en": "Join a workshop"},
    "atelier.version.no_token": {
        "fr": "Aucun atelier ouvert sur cet appareil : rejoignez-en un avec son code.",
        "en": "No workshop open on this device: join one with its code.",
    },
    "atelier.join.intro": {
        "fr": "Tapez le code affiché à l’écran et choisissez un pseudo.",
        "en": "Type the code shown on the screen and pick a nickname.",
    },
    "atelier.join.code": {"fr": "Code de l’atelier", "en": "Workshop code"},
    "atelier.join.nickname": {"fr": "Votre pseudo", "en": "Your nickname"},
    "atelier.join.go": {"fr": "Rejoindre", "en": "Join"},
    "atelier.create.heading": {
        "fr": "Animer : créer un atelier",
        "en": "Facilitate: create a workshop",
    },
    "atelier.create.intro": {
        "fr": "Vous recevrez un lien secret d’animation : gardez-le pour vous.",
        "en": "You will get a secret facilitator link: keep it to yourself.",
    },
    "atelier.create.name": {"fr": "Nom de l’atelier", "en": "Workshop name"},
    "atelier.create.base": {"fr": "Point de départ", "en": "Starting point"},
    "atelier.create.base.national": {
        "fr": "Le jeu de données national",
        "en": "The national dataset",
    },
    "atelier.create.base.empty": {"fr": "Un tableau vide", "en": "An empty board"},
    "atelier.create.region": {"fr": "Région", "en": "Region"},
    "atelier.create.region.any": {"fr": "Toute la France", "en": "All of France"},
    "atelier.create.moderation": {"fr": "Modération", "en": "Moderation"},
    "atelier.create.moderation.post": {
        "fr": "Les cartes s’affichent tout de suite (modération après)",
        "en": "Cards show at once (moderated afterwards)",
    },
    "atelier.create.moderation.pre": {
        "fr": "Les cartes s’affichent une fois acceptées",
        "en": "Cards show once accepted",
    },
    "atelier.create.key": {
        "fr": "Clé d’animation (hors de ce poste)",
        "en": "Facilitator key (from another machine)",
    },
    "atelier.create.go": {"fr": "Créer l’atelier", "en": "Create the workshop"},
    "atelier.create.refused": {
        "fr": "Refusé : un atelier se crée depuis le poste qui sert l’application, "
        "ou avec la clé d’animation (FRESQUE_FACILITATOR_KEY).",
        "en": "Refused: a workshop is created from the machine serving the app, "
        "or with the facilitator key (FRESQUE_FACILITATOR_KEY).",
    },
    "atelier.head.code": {"fr": "Code", "en": "Code"},
    "atelier.head.you": {"fr": "Vous", "en": "You"},
    "atelier.head.phase": {"fr": "Phase", "en": "Phase"},
    "atelier.head.closed": {
        "fr": "L’atelier est clos : il n’accepte plus de modifications.",
        "en": "The workshop is closed: it accepts no more changes.",
    },
    "atelier.phase.all_kinds": {"fr": "tous les types d’acteurs", "en": "every kind of actor"},
    "atelier.phase.none": {"fr": "aucun type d’acteur", "en": "no kind of actor"},
    "atelier.phase.links_closed": {"fr": "liens fermés", "en": "links closed"},
    "atelier.form.add": {"fr": "Ajouter une structure", "en": "Add a structure"},
    "atelier.form.edit": {"fr": "Modifier « {name} »", "en": "Edit “{name}”"},
    "atelier.form.name": {"fr": "Nom", "en": "Name"},
    "atelier.form.kind": {"fr": "Type d’acteur", "en": "Kind of actor"},
    "atelier.form.dispositifs": {"fr": "Dispositifs", "en": "Support programmes"},
    "atelier.form.stages": {"fr": "Étapes accompagnées", "en": "Stages supported"},
    "atelier.form.themes": {"fr": "Thèmes", "en": "Themes"},
    "atelier.form.level": {"fr": "Échelon servi", "en": "Level served"},
    "atelier.form.territories": {"fr": "Territoires servis", "en": "Territories served"},
    "atelier.form.territories.placeholder": {
        "fr": "Nom, code ou code postal…",
        "en": "Name, code or postal code…",
    },
    "atelier.form.website": {"fr": "Site web", "en": "Website"},
    "atelier.form.description": {"fr": "Description", "en": "Description"},
    "atelier.form.save": {"fr": "Enregistrer", "en": "Save"},
    "atelier.form.cancel": {"fr": "Fermer sans enregistrer", "en": "Close without saving"},
    "atelier.form.added": {"fr": "« {name} » est ajoutée.", "en": "“{name}” was added."},
    "atelier.form.saved": {"fr": "« {name} » est enregistrée.", "en": "“{name}” was saved."},
    "atelier.form.fix": {
        "fr": "Corrigez les champs signalés.",
        "en": "Fix the fields marked.",
    },
    "atelier.cards.heading": {"fr": "Les cartes de l’atelier", "en": "The workshop’s cards"},
    "atelier.cards.empty": {
        "fr": "Aucune carte ajoutée pour l’instant.",
        "en": "No card added yet.",
    },
    "atelier.cards.edit": {"fr": "Modifier", "en": "Edit"},
    "atelier.cards.mine": {"fr": "Mes dernières modifications", "en": "My latest changes"},
    "atelier.link.heading": {"fr": "Relier deux structures", "en": "Link two structures"},
    "atelier.link.source": {"fr": "Structure", "en": "Structure"},
    "atelier.link.relation": {"fr": "Relation", "en": "Relation"},
    "atelier.link.target": {"fr": "Avec", "en": "With"},
    "atelier.link.save": {"fr": "Ajouter le lien", "en": "Add the link"},
    "atelier.link.added": {"fr": "Le lien est ajouté.", "en": "The link was added."},
    "atelier.link.saved": {"fr": "Le lien est enregistré.", "en": "The link was saved."},
    "atelier.link.edit": {"fr": "Modifier ce lien", "en": "Edit this link"},
    "atelier.link.update": {"fr": "Enregistrer le lien", "en": "Save the link"},
    "atelier.link.cancel": {"fr": "Fermer sans enregistrer", "en": "Close without saving"},
    "atelier.link.mine": {"fr": "Mes liens", "en": "My links"},
    "atelier.link.mine.none": {
        "fr": "Vous n’avez pas encore ajouté de lien.",
        "en": "You have not added a link yet.",
    },
    "atelier.link.removed": {"fr": "Le lien est retiré.", "en": "The link was removed."},
    "atelier.remove": {"fr": "Retirer", "en": "Remove"},
    "atelier.remove.card.ask": {
        "fr": "Retirer « {name} » de l’atelier ? Ses liens partent avec elle.",
        "en": "Remove “{name}” from the workshop? Its links go with it.",
    },
    "atelier.remove.link.ask": {
        "fr": "Retirer le lien {name} ?",
        "en": "Remove the link {name}?",
    },
    "atelier.remove.yes": {"fr": "Oui, retirer", "en": "Yes, remove"},
    "atelier.remove.no": {"fr": "Non, garder", "en": "No, keep it"},
    "atelier.remove.card.done": {
        "fr": "« {name} » est retirée de l’atelier.",
        "en": "“{name}” was removed from the workshop.",
    },
    "atelier.remove.current": {"fr": "Sa valeur actuelle", "en": "Its current value"},
    "atelier.remove.again": {
        "fr": "Retirer quand même cette version ?",
        "en": "Remove this version anyway?",
    },
    "atelier.field.name": {"fr": "Nom", "en": "Name"},
    "atelier.field.kind": {"fr": "Type d’acteur", "en": "Kind of actor"},
    "atelier.field.dispositifs": {"fr": "Dispositifs", "en": "Support programmes"},
    "atelier.field.stages": {"fr": "Étapes", "en": "Stages"},
    "atelier.field.themes": {"fr": "Thèmes", "en": "Themes"},
    "atelier.field.territory_level": {"fr": "Échelon servi", "en": "Level served"},
    "atelier.field.territory_codes": {"fr": "Territoires servis", "en": "Territories served"},
    "atelier.field.commune_code": {"fr": "Implantation", "en": "Located in"},
    "atelier.field.website": {"fr": "Site web", "en": "Website"},
    "atelier.field.carrier_id": {"fr": "Portée par", "en": "Operated by"},
    "atelier.field.status": {"fr": "Statut", "en": "Status"},
    "atelier.field.source_urls": {"fr": "Sources", "en": "Sources"},
    "atelier.field.confidence": {"fr": "Confiance", "en": "Confidence"},
    "atelier.field.last_verified": {"fr": "Vérifiée le", "en": "Last verified"},
    "atelier.field.description": {"fr": "Description", "en": "Description"},
    "atelier.field.source": {"fr": "Depuis", "en": "From"},
    "atelier.field.target": {"fr": "Vers", "en": "To"},
    "atelier.field.relation": {"fr": "Relation", "en": "Relation"},
    "atelier.field.since": {"fr": "Depuis le", "en": "Since"},
    "atelier.field.until": {"fr": "Jusqu’au", "en": "Until"},
    "atelier.field.empty": {"fr": "(vide)", "en": "(empty)"},
    "atelier.board.join": {"fr": "Rejoignez l’atelier", "en": "Join the workshop"},
    "atelier.board.qr_alt": {
        "fr": "QR code pour rejoindre l’atelier :",
        "en": "QR code to join the workshop:",
    },
    "atelier.board.recent": {"fr": "Vient d’arriver", "en": "Just in"},
    "atelier.board.map": {
        "fr": "Offre recensée par département",
        "en": "Recorded offer by département",
    },
    "atelier.board.map.colorbar": {"fr": "Étapes avec offre", "en": "Stages with an offer"},
    "atelier.board.map.value": {
        "fr": "Étapes avec une offre recensée (sur 6)",
        "en": "Stages with a recorded offer (out of 6)",
    },
    "atelier.panel.links": {"fr": "Liens", "en": "Links"},
    "atelier.panel.board": {
        "fr": "Ouvrir le tableau (vidéoprojecteur)",
        "en": "Open the board (projector)",
    },
    "atelier.panel.join_url": {"fr": "Adresse pour rejoindre", "en": "Address to join"},
    "atelier.panel.phase": {"fr": "Phase", "en": "Phase"},
    "atelier.panel.phase.name": {"fr": "Nom de la phase", "en": "Phase name"},
    "atelier.panel.phase.kinds": {
        "fr": "Types d’acteurs ouverts et révélés",
        "en": "Kinds of actors open and revealed",
    },
    "atelier.panel.phase.links": {"fr": "Liens ouverts", "en": "Links open"},
    "atelier.panel.phase.save": {"fr": "Ouvrir cette phase", "en": "Open this phase"},
    "atelier.panel.pending": {"fr": "À modérer", "en": "To moderate"},
    "atelier.panel.pending.none": {"fr": "Rien en attente.", "en": "Nothing pending."},
    "atelier.panel.accept": {"fr": "Accepter", "en": "Accept"},
    "atelier.panel.reject": {"fr": "Rejeter", "en": "Reject"},
    "atelier.panel.duplicates": {"fr": "Doublons possibles", "en": "Possible duplicates"},
    "atelier.panel.duplicates.none": {
        "fr": "Aucun doublon repéré.",
        "en": "No duplicate found.",
    },
    "atelier.panel.merge": {
        "fr": "Fusionner « {merged} » dans « {kept} »",
        "en": "Merge “{merged}” into “{kept}”",
    },
    "atelier.panel.end": {"fr": "Clôture et export", "en": "Closing and export"},
    "atelier.panel.close": {"fr": "Clore l’atelier", "en": "Close the workshop"},
    "atelier.panel.reopen": {"fr": "Rouvrir l’atelier", "en": "Reopen the workshop"},
    "atelier.panel.export_xlsx": {"fr": "Exporter (XLSX)", "en": "Export (XLSX)"},
    "atelier.panel.export_json": {"fr": "Exporter (JSON)", "en": "Export (JSON)"},
    "atelier.panel.viewer": {
        "fr": "Créer un lien pour un autre écran",
        "en": "Create a link for another screen",
    },
    "atelier.panel.viewer.link": {"fr": "Lien d’écran partagé", "en": "Shared screen link"},
    "atelier.panel.viewer.hint": {
        "fr": "Ouvert sur un autre écran (vidéoprojecteur, écran de salle), il montre le "
        "tableau et le code pour rejoindre, et ne permet rien d’autre.",
        "en": "Opened on another screen (projector, room display), it shows the board and "
        "the code to join, and allows nothing else.",
    },
    "atelier.panel.log": {"fr": "Journal", "en": "Audit log"},
    "atelier.panel.undo": {"fr": "Annuler", "en": "Undo"},
    "atelier.panel.done.moderate": {"fr": "Modération enregistrée.", "en": "Moderation saved."},
    "atelier.panel.done.merge": {"fr": "Doublons fusionnés.", "en": "Duplicates merged."},
    "atelier.panel.done.undo": {"fr": "Modification annulée.", "en": "Change undone."},
    "atelier.panel.done.phase": {"fr": "Phase ouverte.", "en": "Phase opened."},
    "atelier.panel.done.status": {"fr": "C’est fait.", "en": "Done."},
    "atelier.merge.heading": {
        "fr": "Verser dans le jeu de données",
        "en": "Merge into the dataset",
    },
    "atelier.merge.intro": {
        "fr": "Une fois l’atelier clos, voyez ce que ses modifications acceptées changeraient "
        "dans le jeu de données, puis confirmez pour l’écrire.",
        "en": "Once the workshop is closed, see what its accepted changes would change in the "
        "dataset, then confirm to write it.",
    },
    "atelier.merge.preview": {
        "fr": "Voir ce que le versement changerait",
        "en": "See what the merge would change",
    },
    "atelier.merge.confirm": {
        "fr": "Confirmer et écrire dans le jeu de données",
        "en": "Confirm and write into the dataset",
    },
    "atelier.merge.nothing": {
        "fr": "Le versement ne changerait rien au jeu de données.",
        "en": "The merge would change nothing in the dataset.",
    },
    "atelier.merge.summary": {
        "fr": "{added}, {changed}, {removed}.",
        "en": "{added}, {changed}, {removed}.",
    },
    "atelier.merge.target": {
        "fr": "Jeu de données visé : {folder}",
        "en": "Target dataset: {folder}",
    },
    "atelier.merge.changed_since": {
        "fr": "Le versement a changé depuis votre aperçu (atelier ou jeu de données modifié) : "
        "relisez le nouvel aperçu ci-dessous, puis confirmez.",
        "en": "The merge changed since your preview (workshop or dataset edited): read the new "
        "preview below, then confirm.",
    },
    "atelier.merge.done": {
        "fr": "Versé dans le jeu de données : {summary} Fichiers écrits dans {folder} "
        "(structures.csv, links.csv). L’atelier ne change plus.",
        "en": "Merged into the dataset: {summary} Files written in {folder} "
        "(structures.csv, links.csv). The workshop no longer changes.",
    },
    "atelier.merge.added_structures": {"fr": "Structures ajoutées", "en": "Structures added"},
    "atelier.merge.changed_structures": {
        "fr": "Structures modifiées",
        "en": "Structures changed",
    },
    "atelier.merge.removed_structures": {"fr": "Structures retirées", "en": "Structures removed"},
    "atelier.merge.added_links": {"fr": "Liens ajoutés", "en": "Links added"},
    "atelier.merge.changed_links": {"fr": "Liens modifiés", "en": "Links changed"},
    "atelier.merge.removed_links": {"fr": "Liens retirés", "en": "Links removed"},
    "atelier.status.pending": {"fr": "en attente", "en": "pending"},
    "atelier.status.accepted": {"fr": "acceptée", "en": "accepted"},
    "atelier.status.rejected": {"fr": "rejetée", "en": "rejected"},
    "atelier.resume": {
        "fr": "Cet appareil a ouvert l’atelier « {name} » ({who}).",
        "en": "This device opened the workshop “{name}” ({who}).",
    },
    "atelier.resume.go": {"fr": "Y retourner", "en": "Go back to it"},
    "atelier.panel.accept_all": {"fr": "Tout accepter", "en": "Accept all"},
    "atelier.panel.members": {"fr": "Participants", "en": "Participants"},
    "atelier.panel.members.blocked": {"fr": "suspendu", "en": "suspended"},
    "atelier.form.similar": {
        "fr": "Existe peut-être déjà (modifiez-la plutôt que d’en ajouter une autre) :",
        "en": "May already be there (edit it rather than adding another):",
    },
    "atelier.form.required": {
        "fr": "Valeur obligatoire : choisissez-en une.",
        "en": "Required: pick a value.",
    },
    "atelier.role.facilitator": {"fr": "animation", "en": "facilitator"},
    "atelier.role.participant": {"fr": "participant", "en": "participant"},
    "atelier.role.viewer": {"fr": "lecture seule", "en": "read only"},
    # --- Atelier: tokens off the address bar (issue 13, screen tokens) ---------------------
    "atelier.role.screen": {"fr": "écran partagé", "en": "shared screen"},
    "atelier.entry.title": {"fr": "Ouverture de l’atelier", "en": "Opening the workshop"},
    "atelier.entry.opening": {"fr": "Ouverture de l’atelier…", "en": "Opening the workshop…"},
    "atelier.entry.noscript": {
        "fr": "Cette page a besoin de JavaScript pour ouvrir l’atelier.",
        "en": "This page needs JavaScript to open the workshop.",
    },
    "atelier.entry.no_token": {
        "fr": "Ce lien d’atelier est incomplet : la partie après « #t= » manque. "
        "Recopiez le lien en entier, ou rejoignez l’atelier avec son code.",
        "en": "This workshop link is incomplete: the part after “#t=” is missing. "
        "Copy the whole link, or join the workshop with its code.",
    },
    "atelier.entry.failed": {
        "fr": "Le serveur de l’atelier ne répond pas. Vérifiez la connexion et rechargez la page.",
        "en": "The workshop server does not answer. Check the connection and reload the page.",
    },
    "atelier.entry.home": {"fr": "Aller à l’accueil de l’atelier", "en": "Go to the workshop home"},
    "atelier.resume.screen": {
        "fr": "Cet appareil affiche le tableau de l’atelier « {name} ».",
        "en": "This device shows the board of the workshop “{name}”.",
    },
    "atelier.resume.board": {"fr": "Revenir au tableau", "en": "Back to the board"},
    "atelier.device.heading": {"fr": "Cet appareil", "en": "This device"},
    "atelier.device.leave": {
        "fr": "Quitter cet atelier sur cet appareil",
        "en": "Leave this workshop on this device",
    },
    "atelier.device.other.intro": {
        "fr": "Pour animer depuis un autre appareil (tablette, second ordinateur), ouvrez-y "
        "votre lien d’animation.",
        "en": "To facilitate from another device (tablet, second computer), open your "
        "facilitator link there.",
    },
    "atelier.device.other": {
        "fr": "Afficher mon lien d’animation",
        "en": "Show my facilitator link",
    },
    "atelier.device.other.hint": {
        "fr": "Ce lien donne tous les droits d’animation : ne le projetez pas et ne le "
        "donnez à personne. Pour le vidéoprojecteur, utilisez « Ouvrir le tableau "
        "(vidéoprojecteur) ».",
        "en": "This link gives every facilitator right: do not project it nor give it to "
        "anyone. For the projector, use “Open the board (projector)”.",
    },
    # --- Qui peut m'accompagner ? (orientation) ----------------------------------------
    "orientation.heading": {"fr": "Qui peut m’accompagner\u00a0?", "en": "Who can support me?"},
    "orientation.intro": {
        "fr": "Indiquez votre commune ou votre code postal, l’étape de votre projet et, si "
        "vous le souhaitez, un thème : voici les structures qui servent votre commune, les "
        "plus adaptées d’abord. Les offres nationales viennent après.",
        "en": "Give your commune or postal code, the stage of your project and, if you wish, "
        "a theme: here are the structures serving your commune, best fit first. National "
        "offers come after.",
    },
    "orientation.query.label": {"fr": "Commune ou code postal", "en": "Commune or postal code"},
    "orientation.query.placeholder": {
        "fr": "ex. Morlaix, 29600 ou 29151",
        "en": "e.g. Morlaix, 29600 or 29151",
    },
    "orientation.go": {"fr": "Chercher", "en": "Search"},
    "orientation.stage.label": {"fr": "Étape du projet", "en": "Stage of the project"},
    "orientation.stage.any": {"fr": "Toutes les étapes", "en": "Any stage"},
    "orientation.theme.label": {"fr": "Thème (facultatif)", "en": "Theme (optional)"},
    "orientation.hint": {
        "fr": "Saisissez une commune ou un code postal pour voir qui peut vous accompagner.",
        "en": "Type a commune or a postal code to see who can support you.",
    },
    "orientation.suggest": {"fr": "Vouliez-vous dire\u00a0:", "en": "Did you mean:"},
    "orientation.for": {"fr": "Pour {commune}", "en": "For {commune}"},
    "orientation.local": {
        "fr": "Offres qui servent votre commune",
        "en": "Offers serving your commune",
    },
    "orientation.none_local": {
        "fr": "Aucune offre locale référencée pour cette étape : voyez les offres nationales.",
        "en": "No local offer listed for this stage: see the national offers.",
    },
    "orientation.national": {"fr": "Offres nationales", "en": "National offers"},
    "orientation.others": {
        "fr": "Autres structures qui servent votre commune (autres étapes)",
        "en": "Other structures serving your commune (other stages)",
    },
    "orientation.results": {"fr": "Résultats", "en": "Results"},
    "orientation.status.expected": {"fr": "opérateur non référencé", "en": "operator not listed"},
    "orientation.website": {"fr": "Site web", "en": "Website"},
    "orientation.sources": {"fr": "Sources", "en": "Sources"},
    "orientation.expected.source": {
        "fr": "Source (existe par construction)",
        "en": "Source (exists by design)",
    },
    "orientation.carrier": {"fr": "Portée par", "en": "Operated by"},
    "orientation.networks": {"fr": "Réseaux", "en": "Networks"},
    "orientation.funders": {"fr": "Financée par", "en": "Funded by"},
    "orientation.see_network": {"fr": "Voir dans le réseau", "en": "See in the network"},
    # --- exports of the current selection ----------------------------------------------
    "export.heading": {"fr": "Exporter la sélection", "en": "Export the selection"},
    "export.csv": {"fr": "CSV", "en": "CSV"},
    "export.xlsx": {"fr": "Excel", "en": "Excel"},
    "export.html": {"fr": "Réseau HTML (hors ligne)", "en": "Network HTML (offline)"},
    "export.png": {"fr": "Image PNG", "en": "PNG image"},
    # --- HTML report of a région (fresque.report) --------------------------------------
    "report.figure.beyond": {
        "fr": "Population à plus de {km}\u00a0km de toute offre, à coup sûr",
        "en": "Population surely beyond {km}\u00a0km of any offer",
    },
    "report.figure.unknown": {
        "fr": "Population peut-être à plus de {km}\u00a0km : la distance dépend d’offres "
        "dont la commune n’est pas connue",
        "en": "Population maybe beyond {km}\u00a0km: the distance depends on offers whose "
        "commune is not known",
    },
    "report.figure.network_shown": {
        "fr": "Page Réseau de l’application filtrée sur {region} : {local} et tous les "
        "acteurs nationaux ({national})",
        "en": "The app’s Network page filtered on {region}: {local} and every national "
        "actor ({national})",
    },
    "report.figure.network_analysed": {
        "fr": "Réseau analysé dans ce rapport : {local} et {linked}",
        "en": "Network analysed in this report: {local} and {linked}",
    },
    "report.network.value": {"fr": "{structures} · {links}", "en": "{structures} · {links}"},
    "report.access.beyond": {"fr": "à plus de {km}\u00a0km", "en": "beyond {km}\u00a0km"},
    "report.access.unknown": {
        "fr": "peut-être à plus de {km}\u00a0km",
        "en": "maybe beyond {km}\u00a0km",
    },
    "report.access.population_unknown": {
        "fr": "Habitants à distance inconnue",
        "en": "Inhabitants at an unknown distance",
    },
    "report.access.both": {
        "fr": "plus de {km}\u00a0km : sûr / peut-être",
        "en": "beyond {km}\u00a0km: sure / maybe",
    },
    "report.access.map_beyond": {
        "fr": "À plus de {km}\u00a0km de toute offre, à coup sûr",
        "en": "Surely beyond {km}\u00a0km of any offer",
    },
    "report.access.map_unknown": {
        "fr": "Peut-être à plus de {km}\u00a0km (offres sans commune connue)",
        "en": "Maybe beyond {km}\u00a0km (offers without a known commune)",
    },
    "report.compare.no_offer": {
        "fr": "Départements × étapes sans offre locale",
        "en": "Départements × stages without a local offer",
    },
    "report.offers.heading": {"fr": "Offres", "en": "Offers"},
    # --- typography ---------------------------------------------------------------------
    "punct.colon": {"fr": "\u00a0: ", "en": ": "},
    # Reasons the orientation finder gives for each offer (fresque.orientation).
    "orientation.reason.serves.departement": {
        "fr": "sert votre commune (département {code})",
        "en": "serves your commune (département {code})",
    },
    "orientation.reason.serves.region": {
        "fr": "sert votre commune (région {name})",
        "en": "serves your commune (region {name})",
    },
    "orientation.reason.serves.epci": {
        "fr": "sert votre commune ({name})",
        "en": "serves your commune ({name})",
    },
    "orientation.reason.serves.commune": {"fr": "sert votre commune", "en": "serves your commune"},
    "orientation.reason.national": {
        "fr": "offre nationale : sert toute la France",
        "en": "national: serves all France",
    },
    "orientation.reason.stage.default": {
        "fr": "{phrase} (étape habituelle : {dispositif})",
        "en": "{phrase} (usual stage of: {dispositif})",
    },
    "orientation.reason.stage.none": {
        "fr": "n’accompagne pas cette étape",
        "en": "does not support this stage",
    },
    "orientation.reason.stage.none.some": {
        "fr": "n’accompagne pas cette étape (étapes : {stages})",
        "en": "does not support this stage (stages: {stages})",
    },
    "orientation.reason.theme": {"fr": "thème\xa0: {theme}", "en": "theme: {theme}"},
    "orientation.reason.theme.no": {
        "fr": "thème {theme} non mentionné",
        "en": "theme {theme} not mentioned",
    },
    "orientation.reason.distance.here": {"fr": "dans votre commune", "en": "in your commune"},
    "orientation.reason.distance.near": {"fr": "à moins de 1 km", "en": "less than 1 km away"},
    "orientation.reason.distance.km": {"fr": "à {km} km", "en": "{km} km away"},
    "orientation.reason.distance.unknown": {
        "fr": "lieu d’accueil non référencé",
        "en": "location not listed",
    },
    "orientation.reason.expected": {
        "fr": "{what} existe sur votre {level} mais son opérateur n’est pas encore référencé",
        "en": "{what} exists for your {level} but its operator is not listed yet",
    },
    "orientation.reason.confidence.low": {
        "fr": "information peu sûre (confiance faible)",
        "en": "uncertain information (low confidence)",
    },
    "orientation.reason.level.departement": {"fr": "département", "en": "département"},
    "orientation.reason.level.region": {"fr": "région", "en": "region"},
    "orientation.reason.level.epci": {"fr": "intercommunalité", "en": "intercommunality"},
    "orientation.reason.level.commune": {"fr": "commune", "en": "commune"},
    "orientation.reason.level.country": {"fr": "pays", "en": "country"},
    "orientation.reason.lookup.empty": {
        "fr": "Saisissez une commune ou un code postal.",
        "en": "Type a commune or a postal code.",
    },
    "orientation.reason.lookup.unknown": {
        "fr": "Aucune commune ne correspond à « {text} ».",
        "en": "No commune matches “{text}”.",
    },
    "orientation.reason.lookup.suggest": {"fr": "Vouliez-vous dire\xa0:", "en": "Did you mean:"},
    "orientation.reason.stage.ideation": {"fr": "accompagne l’idéation", "en": "supports ideation"},
    "orientation.reason.stage.emergence": {
        "fr": "accompagne l’émergence",
        "en": "supports emergence",
    },
    "orientation.reason.stage.creation": {"fr": "accompagne la création", "en": "supports launch"},
    "orientation.reason.stage.consolidation": {
        "fr": "accompagne la consolidation",
        "en": "supports consolidation",
    },
    "orientation.reason.stage.scaling": {
        "fr": "accompagne le changement d’échelle",
        "en": "supports scaling",
    },
    "orientation.reason.stage.impact_evaluation": {
        "fr": "accompagne l’évaluation d’impact",
        "en": "supports impact evaluation",
    },
    "orientation.reason.expected.dla_departemental": {"fr": "un DLA", "en": "a DLA"},
    "orientation.reason.expected.dla_regional": {"fr": "un DLA régional", "en": "a regional DLA"},
    "orientation.reason.expected.cress": {"fr": "une CRESS", "en": "a CRESS"},
    # --- issue 13, screens: labels that hold a count (t_count: .one / .other) ----------
    "count.structures.one": {"fr": "{n} structure", "en": "{n} structure"},
    "count.structures.other": {"fr": "{n} structures", "en": "{n} structures"},
    "count.participants.one": {"fr": "{n} participant", "en": "{n} participant"},
    "count.participants.other": {"fr": "{n} participants", "en": "{n} participants"},
    "count.links.one": {"fr": "{n} lien", "en": "{n} link"},
    "count.links.other": {"fr": "{n} liens", "en": "{n} links"},
    "count.years.one": {"fr": "{n} an", "en": "{n} year"},
    "count.years.other": {"fr": "{n} ans", "en": "{n} years"},
    "count.problems.one": {"fr": "{n} problème", "en": "{n} problem"},
    "count.problems.other": {"fr": "{n} problèmes", "en": "{n} problems"},
    "count.warnings.one": {"fr": "{n} avertissement", "en": "{n} warning"},
    "count.warnings.other": {"fr": "{n} avertissements", "en": "{n} warnings"},
    "count.local_structures.one": {"fr": "{n} structure locale", "en": "{n} local structure"},
    "count.local_structures.other": {
        "fr": "{n} structures locales",
        "en": "{n} local structures",
    },
    "count.linked_national.one": {
        "fr": "{n} acteur national lié au réseau local",
        "en": "{n} national actor linked to the local network",
    },
    "count.linked_national.other": {
        "fr": "{n} acteurs nationaux liés au réseau local",
        "en": "{n} national actors linked to the local network",
    },
    "count.additions.one": {"fr": "{n} ajout", "en": "{n} addition"},
    "count.additions.other": {"fr": "{n} ajouts", "en": "{n} additions"},
    "count.changes.one": {"fr": "{n} modification", "en": "{n} change"},
    "count.changes.other": {"fr": "{n} modifications", "en": "{n} changes"},
    "count.removals.one": {"fr": "{n} retrait", "en": "{n} removal"},
    "count.removals.other": {"fr": "{n} retraits", "en": "{n} removals"},
    # what an import adds and changes: « structure » is feminine, « lien » masculine
    "count.added_f.one": {"fr": "{n} ajoutée", "en": "{n} added"},
    "count.added_f.other": {"fr": "{n} ajoutées", "en": "{n} added"},
    "count.changed_f.one": {"fr": "{n} modifiée", "en": "{n} changed"},
    "count.changed_f.other": {"fr": "{n} modifiées", "en": "{n} changed"},
    "count.unchanged_f.one": {"fr": "{n} inchangée", "en": "{n} unchanged"},
    "count.unchanged_f.other": {"fr": "{n} inchangées", "en": "{n} unchanged"},
    "count.added_m.one": {"fr": "{n} ajouté", "en": "{n} added"},
    "count.added_m.other": {"fr": "{n} ajoutés", "en": "{n} added"},
    "count.changed_m.one": {"fr": "{n} modifié", "en": "{n} changed"},
    "count.changed_m.other": {"fr": "{n} modifiés", "en": "{n} changed"},
    "count.unchanged_m.one": {"fr": "{n} inchangé", "en": "{n} unchanged"},
    "count.unchanged_m.other": {"fr": "{n} inchangés", "en": "{n} unchanged"},
    "carte.quality.age.one": {"fr": "il y a {n} an", "en": "{n} year ago"},
    "carte.quality.age.other": {"fr": "il y a {n} ans", "en": "{n} years ago"},
    "orientation.reason.lookup.choose.one": {
        "fr": "« {text} » correspond à {n} commune : laquelle ?",
        "en": "“{text}” matches {n} commune: which one?",
    },
    "orientation.reason.lookup.choose.other": {
        "fr": "« {text} » correspond à {n} communes : laquelle ?",
        "en": "“{text}” matches {n} communes: which one?",
    },
    "atelier.panel.unaccepted.none": {
        "fr": "Toutes les modifications des participants sont acceptées.",
        "en": "Every participant edit is accepted.",
    },
    "atelier.panel.unaccepted.one": {
        "fr": "{n} modification de participant pas encore acceptée : seules les "
        "modifications acceptées sont versées dans le jeu de données.",
        "en": "{n} participant edit not accepted yet: only accepted edits go into the dataset.",
    },
    "atelier.panel.unaccepted.other": {
        "fr": "{n} modifications de participants pas encore acceptées : seules les "
        "modifications acceptées sont versées dans le jeu de données.",
        "en": "{n} participant edits not accepted yet: only accepted edits go into the dataset.",
    },
    "cli.validate.ok": {
        "fr": "Aucun problème : {structures} et {links} valides.",
        "en": "No problems: {structures} and {links}, all valid.",
    },
    "cli.validate.ok_warnings": {
        "fr": "Aucune erreur : {structures} et {links} valides.",
        "en": "No errors: {structures} and {links}, all valid.",
    },
    "cli.import.structures": {
        "fr": "Structures : {added}, {changed}, {unchanged}.",
        "en": "Structures: {added}, {changed}, {unchanged}.",
    },
    "cli.import.links": {
        "fr": "Liens : {added}, {changed}, {unchanged}.",
        "en": "Links: {added}, {changed}, {unchanged}.",
    },
    # --- issue 13, screens: the phone's two different actions --------------------------
    "atelier.mine.undo": {"fr": "Défaire", "en": "Undo"},
    # --- issue 13, the join door: the panel's members (fresque/app/pages/atelier/members.py)
    "atelier.members.counts": {
        "fr": "Actifs : {active} · suspendus : {suspended} · retirés : {removed} · "
        "places : {seats}",
        "en": "Active: {active} · suspended: {suspended} · removed: {removed} · seats: {seats}",
    },
    "atelier.members.after": {
        "fr": "Cocher ceux arrivés depuis…",
        "en": "Tick those who joined since…",
    },
    "atelier.members.after.option.one": {
        "fr": "{time} ({name} puis {n} autre)",
        "en": "{time} ({name} then {n} other)",
    },
    "atelier.members.after.option.other": {
        "fr": "{time} ({name} puis {n} autres)",
        "en": "{time} ({name} then {n} others)",
    },
    "atelier.members.after.option.last": {
        "fr": "{time} ({name} seulement)",
        "en": "{time} ({name} only)",
    },
    "atelier.members.all": {"fr": "Tout cocher", "en": "Tick all"},
    "atelier.members.none": {"fr": "Tout décocher", "en": "Untick all"},
    "atelier.members.row": {"fr": "{name} · arrivée {time}", "en": "{name} · joined {time}"},
    "atelier.members.remove": {"fr": "Retirer les cochés", "en": "Remove the ticked"},
    "atelier.members.suspend": {"fr": "Suspendre les cochés", "en": "Suspend the ticked"},
    "atelier.members.restore": {"fr": "Rétablir les cochés", "en": "Restore the ticked"},
    "atelier.members.pick_first": {
        "fr": "Cochez d’abord les participants concernés.",
        "en": "Tick the participants first.",
    },
    "atelier.members.confirm.remove.single": {
        "fr": "Retirer {names} ? Son lien ne fonctionnera plus ; ses contributions restent "
        "dans l’atelier et le journal, et sa place est libérée.",
        "en": "Remove {names}? Their link will stop working; their contributions stay in "
        "the workshop and the log, and their seat is freed.",
    },
    "atelier.members.confirm.remove.many": {
        "fr": "Retirer ces participants ({count} en tout : {names}) ? "
        "Leurs liens ne fonctionneront plus ; leurs contributions restent dans l’atelier "
        "et le journal, et leurs places sont libérées.",
        "en": "Remove these participants ({count} in all: {names})? Their links will stop working; "
        "their contributions stay in the workshop and the log, and their seats are freed.",
    },
    "atelier.members.confirm.suspend.single": {
        "fr": "Suspendre {names} ? Cette personne pourra encore lire, plus écrire ; sa place "
        "est libérée.",
        "en": "Suspend {names}? They can still read, no longer write; their seat is freed.",
    },
    "atelier.members.confirm.suspend.many": {
        "fr": "Suspendre ces participants ({count} en tout : {names}) ? "
        "Ils pourront encore lire, plus écrire ; leurs places sont libérées.",
        "en": "Suspend these participants ({count} in all: {names})? "
        "They can still read, no longer write; their seats are freed.",
    },
    "atelier.members.confirm.restore.single": {
        "fr": "Rétablir {names} ? Cette personne pourra de nouveau écrire (il faut une place "
        "libre).",
        "en": "Restore {names}? They will be able to write again (a free seat is needed).",
    },
    "atelier.members.confirm.restore.many": {
        "fr": "Rétablir ces participants ({count} en tout : {names}) ? "
        "Ils pourront de nouveau écrire (il faut autant de places libres).",
        "en": "Restore these participants ({count} in all: {names})? They will be able to write "
        "again (as many free seats are needed).",
    },
    "atelier.members.yes.remove": {"fr": "Oui, retirer", "en": "Yes, remove"},
    "atelier.members.yes.suspend": {"fr": "Oui, suspendre", "en": "Yes, suspend"},
    "atelier.members.yes.restore": {"fr": "Oui, rétablir", "en": "Yes, restore"},
    "atelier.members.no": {"fr": "Ne rien changer", "en": "Change nothing"},
    "atelier.members.done.remove": {
        "fr": "Retirés : {count}.",
        "en": "Removed: {count}.",
    },
    "atelier.members.done.suspend": {
        "fr": "Suspendus : {count}.",
        "en": "Suspended: {count}.",
    },
    "atelier.members.done.restore": {
        "fr": "Rétablis : {count}.",
        "en": "Restored: {count}.",
    },
    "atelier.members.done.nothing": {
        "fr": "Rien à changer : ils l’étaient déjà.",
        "en": "Nothing to change: they already were.",
    },
    # --- issue 13 (h-phone): the phone's save says what happened ------------------------
    "atelier.unsaved": {"fr": "Non enregistré.", "en": "Not saved."},
    "atelier.unsaved.why": {
        "fr": "Le serveur n’a pas répondu. Votre fiche est restée dans le formulaire.",
        "en": "The server did not answer. Your card is still in the form.",
    },
    "atelier.unsaved.retry": {"fr": "Réessayer", "en": "Try again"},
    "atelier.conflict.edited": {
        "fr": "{who} a modifié cette fiche pendant que vous l’écriviez. Voici sa version ; "
        "la vôtre est restée dans le formulaire.",
        "en": "{who} changed this card while you were writing. Here is their version; "
        "yours is still in the form.",
    },
    "atelier.conflict.someone": {"fr": "quelqu’un", "en": "someone"},
    "atelier.conflict.theirs": {"fr": "Ce qui a changé", "en": "What they changed"},
    "atelier.conflict.keep_mine": {"fr": "Enregistrer ma version", "en": "Save my version"},
    "atelier.conflict.removed": {
        "fr": "Votre texte est resté dans le formulaire : « Enregistrer » l’ajoute comme "
        "nouvelle structure.",
        "en": "Your text is still in the form: “Save” adds it as a new structure.",
    },
    "atelier.offline": {
        "fr": "Connexion perdue, nouvel essai…",
        "en": "Connection lost, trying again…",
    },
    # --- imports: how serious a problem of a file is ----------------------------------
    "problem.severity.error": {"fr": "erreur", "en": "error"},
    "problem.severity.warning": {"fr": "avertissement", "en": "warning"},
    # --- issue 13, workshop export hygiene: an export that failed, on the panel -------
    "atelier.export.failed": {
        "fr": "L’export n’a pas pu être fait : rien n’a été téléchargé. Réessayez ; si "
        "cela se reproduit, la cause est notée dans le journal du serveur.",
        "en": "The export could not be made: nothing was downloaded. Try again; if it "
        "happens again, the cause is written in the server’s log.",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return the interface string ``key`` in ``lang`` (French when the language is unknown).

    Raises
    ------
    KeyError
        When ``key`` has no label: every string the interface shows must be listed here.
    """
    labels = UI_STRINGS[key]
    return labels.get(lang) or labels[DEFAULT_LANGUAGE]


#: The form of a count, by language: French makes 0 and 1 singular, English 1 only.
PLURAL_RULES = {
    "fr": lambda n: "one" if abs(n) < 2 else "other",
    "en": lambda n: "one" if n == 1 else "other",
}


def t_count(
    key: str, n: float, lang: str = DEFAULT_LANGUAGE, *, shown: str | None = None, **values: Any
) -> str:
    """The label ``key`` for a count of ``n``: ``key.one`` or ``key.other`` as ``lang``
    agrees it, with ``{n}`` filled with ``shown`` (the number as written, e.g.
    ``"2 500"``; default: ``n``) and the other placeholders with ``values``.

    Examples
    --------
    >>> t_count("count.links", 0), t_count("count.links", 2)
    ('0 lien', '2 liens')
    >>> t_count("count.links", 1, "en"), t_count("count.links", 0, "en")
    ('1 link', '0 links')
    >>> t_count("count.structures", 2500, shown="2\u202f500")
    '2\u202f500 structures'
    """
    rule = PLURAL_RULES.get(lang, PLURAL_RULES[DEFAULT_LANGUAGE])
    text = t(f"{key}.{rule(n)}", lang)
    return text.format(n=shown if shown is not None else n, **values)


# --------------------------------------------------------------------------------------
# Enum labels, parsing labels back into members
# --------------------------------------------------------------------------------------

_EnumT = TypeVar("_EnumT", bound=StrEnum)


def format_date(value: date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date as a reader of ``lang`` writes it: ``01/03/2026`` in French, ISO in English.

    Examples
    --------
    >>> format_date(date(2026, 3, 1)), format_date(date(2026, 3, 1), "en")
    ('01/03/2026', '2026-03-01')
    """
    return value.strftime("%d/%m/%Y") if lang == "fr" else value.isoformat()


#: The time zone times are shown in (``FRESQUE_TIMEZONE``, an IANA name): the store keeps
#: naive UTC, a room in Brest reads its own clock.
DEFAULT_TIMEZONE = "Europe/Paris"


@functools.cache
def _timezone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = (
            f"FRESQUE_TIMEZONE : fuseau horaire inconnu « {name} » (un nom comme "
            "« Europe/Paris », « America/Cayenne » ou « Indian/Reunion »)"
        )
        raise ValueError(msg) from None


def local_time(value: datetime, timezone: str | None = None) -> datetime:
    """``value`` (naive UTC, as stored) on the clock of ``timezone`` (by default
    ``FRESQUE_TIMEZONE``, else Europe/Paris).

    Examples
    --------
    >>> local_time(datetime(2026, 1, 15, 9, 30), "Europe/Paris").strftime("%H:%M")
    '10:30'
    >>> local_time(datetime(2026, 7, 15, 9, 30), "Europe/Paris").strftime("%H:%M")
    '11:30'
    >>> local_time(datetime(2026, 7, 15, 9, 30), "Indian/Reunion").strftime("%H:%M")
    '13:30'
    """
    name = timezone or os.environ.get("FRESQUE_TIMEZONE") or DEFAULT_TIMEZONE
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(_timezone(name))


def format_time(value: datetime, timezone: str | None = None) -> str:
    """A stored time (naive UTC) as the room's clock shows it, ``HH:MM:SS``.

    Examples
    --------
    >>> format_time(datetime(2026, 12, 7, 23, 15, 27), "Europe/Paris")
    '00:15:27'
    """
    return local_time(value, timezone).strftime("%H:%M:%S")


def _fr_en(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


#: Names of the enums themselves, for messages and column headers.
ENUM_TITLES: dict[type[StrEnum], dict[str, str]] = {
    Kind: _fr_en("type d’acteur", "kind of actor"),
    Dispositif: _fr_en("dispositif", "support programme"),
    Relation: _fr_en("relation", "relation"),
    Stage: _fr_en("étape", "stage"),
    Theme: _fr_en("thème", "theme"),
    Status: _fr_en("statut", "status"),
    Confidence: _fr_en("confiance", "confidence"),
    Level: _fr_en("échelon territorial", "territorial level"),
    CoverageStatus: _fr_en("couverture", "coverage"),
}

#: French and English label of every enum value: enum class -> member -> {language: label}.
#: Keyed by enum class first because values repeat across enums (``evaluation_impact`` is
#: both a :class:`~fresque.model.Dispositif` and a :class:`~fresque.model.Theme`).
ENUM_LABELS: dict[type[StrEnum], dict[Any, dict[str, str]]] = {
    Level: {
        Level.COUNTRY: _fr_en("National", "National"),
        Level.REGION: _fr_en("Région", "Region"),
        Level.DEPARTEMENT: _fr_en("Département", "Département"),
        Level.EPCI: _fr_en("Intercommunalité (EPCI)", "Inter-municipality (EPCI)"),
        Level.COMMUNE: _fr_en("Commune", "Municipality"),
    },
    Kind: {
        Kind.SUPPORT_STRUCTURE: _fr_en("Structure d’accompagnement", "Support organisation"),
        Kind.NETWORK: _fr_en("Réseau", "Network"),
        Kind.CHAMBER: _fr_en("Chambre de l’ESS", "SSE chamber"),
        Kind.FUNDER: _fr_en("Financeur", "Funder"),
        Kind.PUBLIC_BODY: _fr_en("Acteur public", "Public body"),
    },
    Dispositif: {
        Dispositif.DLA_DEPARTEMENTAL: _fr_en("DLA départemental", "Departmental DLA"),
        Dispositif.DLA_REGIONAL: _fr_en("DLA régional", "Regional DLA"),
        Dispositif.DLA_NATIONAL: _fr_en("DLA national", "National DLA"),
        Dispositif.DLA_PORTEUR: _fr_en("Structure porteuse de DLA", "DLA operator"),
        Dispositif.DLA_PILOTAGE: _fr_en("Pilotage du DLA", "DLA steering"),
        Dispositif.CRDLA: _fr_en("Centre de ressources DLA (CRDLA)", "DLA resource centre (CRDLA)"),
        Dispositif.FABRIQUE_A_INITIATIVES: _fr_en("Fabrique à initiatives", "Initiative factory"),
        Dispositif.INCUBATEUR: _fr_en("Incubateur", "Incubator"),
        Dispositif.ACCELERATEUR: _fr_en("Accélérateur", "Accelerator"),
        Dispositif.PEPINIERE: _fr_en("Pépinière d’entreprises", "Business nursery"),
        Dispositif.RESEAU_INCUBATEURS_ESS: _fr_en(
            "Réseau national des incubateurs de l’ESS", "National network of SSE incubators"
        ),
        Dispositif.CAE: _fr_en(
            "Coopérative d’activité et d’emploi (CAE)", "Business and employment cooperative (CAE)"
        ),
        Dispositif.SCOP_SCIC: _fr_en(
            "Accompagnement des Scop et Scic", "Support to cooperatives (Scop, Scic)"
        ),
        Dispositif.PTCE: _fr_en(
            "Pôle territorial de coopération économique (PTCE)",
            "Territorial economic cooperation cluster (PTCE)",
        ),
        Dispositif.POLE_ESS: _fr_en("Pôle ESS territorial", "Local SSE hub"),
        Dispositif.FINANCE_SOLIDAIRE: _fr_en("Finance solidaire", "Solidarity finance"),
        Dispositif.PRET_D_HONNEUR: _fr_en("Prêt d’honneur", "Honour loan"),
        Dispositif.MENTORAT: _fr_en("Mentorat", "Mentoring"),
        Dispositif.CREATION_ENTREPRISE: _fr_en(
            "Aide à la création d’entreprise", "Business start-up support"
        ),
        Dispositif.EVALUATION_IMPACT: _fr_en(
            "Évaluation d’impact social", "Social impact assessment"
        ),
        Dispositif.CRESS: _fr_en(
            "CRESS (chambre régionale de l’ESS)", "CRESS (regional SSE chamber)"
        ),
        Dispositif.CRESS_NATIONAL: _fr_en(
            "ESS France (tête de réseau des CRESS)", "ESS France (national body of the CRESS)"
        ),
        Dispositif.FRENCH_IMPACT: _fr_en("French Impact", "French Impact"),
        Dispositif.ESS_RURALITES: _fr_en("ESS et ruralités", "SSE in rural areas"),
    },
    Relation: {
        Relation.FUNDS: _fr_en("finance", "funds"),
        Relation.ANIMATES: _fr_en("anime", "coordinates"),
        Relation.CARRIES: _fr_en("porte", "operates"),
        Relation.MEMBER_OF: _fr_en("adhère à", "member of"),
        Relation.PARTNERS_WITH: _fr_en("partenaire de", "partners with"),
        Relation.REFERS_TO: _fr_en("oriente vers", "refers to"),
    },
    Stage: {
        Stage.IDEATION: _fr_en("Idéation", "Ideation"),
        Stage.EMERGENCE: _fr_en("Émergence", "Emergence"),
        Stage.CREATION: _fr_en("Création", "Launch"),
        Stage.CONSOLIDATION: _fr_en("Consolidation", "Consolidation"),
        Stage.SCALING: _fr_en("Changement d’échelle", "Scaling"),
        Stage.IMPACT_EVALUATION: _fr_en("Évaluation d’impact", "Impact evaluation"),
    },
    Theme: {
        Theme.TRANSITION_ECOLOGIQUE: _fr_en("Transition écologique", "Ecological transition"),
        Theme.COOPERATION_TERRITORIALE: _fr_en(
            "Coopération territoriale", "Territorial cooperation"
        ),
        Theme.EVALUATION_IMPACT: _fr_en("Évaluation d’impact", "Impact assessment"),
        Theme.GOUVERNANCE: _fr_en("Gouvernance participative", "Participative governance"),
        Theme.MODELE_ECONOMIQUE: _fr_en("Modèle économique", "Business model"),
        Theme.FINANCEMENT: _fr_en("Financement", "Funding"),
        Theme.EMPLOI: _fr_en("Emploi", "Employment"),
        Theme.RESSOURCES_HUMAINES: _fr_en("Ressources humaines", "Human resources"),
        Theme.INSERTION: _fr_en("Insertion par l’activité économique", "Work integration (IAE)"),
        Theme.NUMERIQUE: _fr_en("Numérique", "Digital"),
        Theme.INNOVATION_SOCIALE: _fr_en("Innovation sociale", "Social innovation"),
        Theme.ENTREPRENEURIAT_COOPERATIF: _fr_en(
            "Entrepreneuriat coopératif", "Cooperative entrepreneurship"
        ),
        Theme.RURALITE: _fr_en("Ruralités", "Rural areas"),
    },
    Status: {
        Status.ACTIVE: _fr_en("En activité", "Active"),
        Status.DEFUNCT: _fr_en("Disparue", "Defunct"),
        Status.EXPECTED: _fr_en("À identifier", "To be identified"),
    },
    Confidence: {
        Confidence.HIGH: _fr_en("Élevée", "High"),
        Confidence.MEDIUM: _fr_en("Moyenne", "Medium"),
        Confidence.LOW: _fr_en("Faible", "Low"),
    },
    CoverageStatus: {
        CoverageStatus.GAP: _fr_en("Manque confirmé", "Confirmed gap"),
        CoverageStatus.NONE_KNOWN: _fr_en("Aucune offre recensée", "No offer recorded"),
        CoverageStatus.UNKNOWN: _fr_en("Opérateur inconnu", "Unknown operator"),
        CoverageStatus.SINGLE: _fr_en("Un seul acteur", "Single provider"),
        CoverageStatus.COVERED: _fr_en("Couvert", "Covered"),
        CoverageStatus.OVERLAP: _fr_en("Chevauchement", "Overlap"),
    },
}

#: Levels as common nouns inside a sentence (« aucun département ne… »).
LEVEL_NOUNS: dict[Level, dict[str, str]] = {
    Level.COUNTRY: _fr_en("pays", "country"),
    Level.REGION: _fr_en("région", "region"),
    Level.DEPARTEMENT: _fr_en("département", "département"),
    Level.EPCI: _fr_en("EPCI", "EPCI"),
    Level.COMMUNE: _fr_en("commune", "municipality"),
}

#: Other words :func:`parse_enum` accepts besides values and labels (either language).
#: The reference spellings of :data:`fresque.model.REFERENCE_DISPOSITIFS` and
#: :data:`fresque.model.REFERENCE_LEVELS` are accepted too, except the bare ``DLA``,
#: which in a workshop rather means a local DLA than the national programme.
SYNONYMS: dict[type[StrEnum], dict[str, Any]] = {
    Level: {
        "pays": Level.COUNTRY,
        "nation": Level.COUNTRY,
        "reg": Level.REGION,
        "dep": Level.DEPARTEMENT,
        "dept": Level.DEPARTEMENT,
        "com": Level.COMMUNE,
        "France": Level.COUNTRY,
        "nationale": Level.COUNTRY,
        "France entière": Level.COUNTRY,
        "régional": Level.REGION,
        "régionale": Level.REGION,
        "départemental": Level.DEPARTEMENT,
        "départementale": Level.DEPARTEMENT,
        "intercommunalité": Level.EPCI,
        "intercommunal": Level.EPCI,
        "interco": Level.EPCI,
        "communauté de communes": Level.EPCI,
        "communauté d’agglomération": Level.EPCI,
        "agglomération": Level.EPCI,
        "métropole": Level.EPCI,
        "communal": Level.COMMUNE,
        "communale": Level.COMMUNE,
        "ville": Level.COMMUNE,
    },
    Kind: {
        "accompagnement": Kind.SUPPORT_STRUCTURE,
        "accompagnateur": Kind.SUPPORT_STRUCTURE,
        "structure": Kind.SUPPORT_STRUCTURE,
        "tête de réseau": Kind.NETWORK,
        "communauté": Kind.NETWORK,
        "fédération": Kind.NETWORK,
        "chambre": Kind.CHAMBER,
        "CRESS": Kind.CHAMBER,
        "financeur public": Kind.FUNDER,
        "fondation": Kind.FUNDER,
        "bailleur": Kind.FUNDER,
        "public": Kind.PUBLIC_BODY,
        "collectivité": Kind.PUBLIC_BODY,
        "collectivité territoriale": Kind.PUBLIC_BODY,
        "État": Kind.PUBLIC_BODY,
        "organisme public": Kind.PUBLIC_BODY,
        # spellings of coordinators' spreadsheets (imports)
        "incubateur": Kind.SUPPORT_STRUCTURE,
        "pépinière": Kind.SUPPORT_STRUCTURE,
        "structure accompagnatrice": Kind.SUPPORT_STRUCTURE,
        "réseau d’accompagnement": Kind.NETWORK,
        "financeur privé": Kind.FUNDER,
        "banque": Kind.FUNDER,
        "chambre régionale": Kind.CHAMBER,
        "collectivité locale": Kind.PUBLIC_BODY,
        "intercommunalité": Kind.PUBLIC_BODY,
        "EPCI": Kind.PUBLIC_BODY,
    },
    Dispositif: {
        "Dispositif local d’accompagnement": Dispositif.DLA_DEPARTEMENTAL,
        "DLA local": Dispositif.DLA_DEPARTEMENTAL,
        "DLA départementaux": Dispositif.DLA_DEPARTEMENTAL,
        "C2RA": Dispositif.DLA_REGIONAL,
        "porteur DLA": Dispositif.DLA_PORTEUR,
        "opérateur DLA": Dispositif.DLA_PORTEUR,
        "pilote DLA": Dispositif.DLA_PILOTAGE,
        "centre de ressources DLA": Dispositif.CRDLA,
        "FAI": Dispositif.FABRIQUE_A_INITIATIVES,
        "Fabrique": Dispositif.FABRIQUE_A_INITIATIVES,
        "Fabriques à initiatives": Dispositif.FABRIQUE_A_INITIATIVES,
        "incubation": Dispositif.INCUBATEUR,
        "incubateur ESS": Dispositif.INCUBATEUR,
        "accélération": Dispositif.ACCELERATEUR,
        "pépinière": Dispositif.PEPINIERE,
        "Émergence & Accélération": Dispositif.RESEAU_INCUBATEURS_ESS,
        "réseau des incubateurs": Dispositif.RESEAU_INCUBATEURS_ESS,
        "coopérative d’activité et d’emploi": Dispositif.CAE,
        "Scop": Dispositif.SCOP_SCIC,
        "Scic": Dispositif.SCOP_SCIC,
        "URSCOP": Dispositif.SCOP_SCIC,
        "pôle territorial de coopération économique": Dispositif.PTCE,
        "pôle ESS": Dispositif.POLE_ESS,
        "pôle de développement de l’ESS": Dispositif.POLE_ESS,
        "finance": Dispositif.FINANCE_SOLIDAIRE,
        "financement solidaire": Dispositif.FINANCE_SOLIDAIRE,
        "prêts d’honneur": Dispositif.PRET_D_HONNEUR,
        "mentor": Dispositif.MENTORAT,
        "parrainage": Dispositif.MENTORAT,
        "création d’entreprise": Dispositif.CREATION_ENTREPRISE,
        "évaluation d’impact": Dispositif.EVALUATION_IMPACT,
        "mesure d’impact": Dispositif.EVALUATION_IMPACT,
        "Social Value France": Dispositif.EVALUATION_IMPACT,
        "chambre régionale de l’ESS": Dispositif.CRESS,
        "chambre régionale de l’économie sociale et solidaire": Dispositif.CRESS,
        "ESS France": Dispositif.CRESS_NATIONAL,
        "CNCRESS": Dispositif.CRESS_NATIONAL,
        "Créa-rural": Dispositif.ESS_RURALITES,
        "ruralités": Dispositif.ESS_RURALITES,
    },
    Relation: {
        "cofinance": Relation.FUNDS,
        "subventionne": Relation.FUNDS,
        "financement": Relation.FUNDS,
        "coordonne": Relation.ANIMATES,
        "anime et coordonne": Relation.ANIMATES,
        "animation": Relation.ANIMATES,
        "porteur de": Relation.CARRIES,
        "opère": Relation.CARRIES,
        "portage": Relation.CARRIES,
        "adhérent de": Relation.MEMBER_OF,
        "adhère": Relation.MEMBER_OF,
        "membre de": Relation.MEMBER_OF,
        "membre": Relation.MEMBER_OF,
        "partenaire": Relation.PARTNERS_WITH,
        "partenariat": Relation.PARTNERS_WITH,
        "partners": Relation.PARTNERS_WITH,
        "oriente": Relation.REFERS_TO,
        "orientation": Relation.REFERS_TO,
        "prescrit": Relation.REFERS_TO,
    },
    Stage: {
        "idée": Stage.IDEATION,
        "amorçage": Stage.IDEATION,
        "lancement": Stage.CREATION,
        "démarrage": Stage.CREATION,
        "start-up": Stage.CREATION,
        "développement": Stage.CONSOLIDATION,
        "structuration": Stage.CONSOLIDATION,
        "accélération": Stage.SCALING,
        "essaimage": Stage.SCALING,
        "croissance": Stage.SCALING,
        "changement d’échelle": Stage.SCALING,
        "évaluation": Stage.IMPACT_EVALUATION,
        "mesure d’impact": Stage.IMPACT_EVALUATION,
        "impact": Stage.IMPACT_EVALUATION,
        # spellings of coordinators' spreadsheets (imports)
        "ante-création": Stage.EMERGENCE,
        "anté-création": Stage.EMERGENCE,
        "pré-création": Stage.EMERGENCE,
        "post-création": Stage.CONSOLIDATION,
        "création d’activité": Stage.CREATION,
    },
    Theme: {
        "transformation écologique": Theme.TRANSITION_ECOLOGIQUE,
        "écologie": Theme.TRANSITION_ECOLOGIQUE,
        "environnement": Theme.TRANSITION_ECOLOGIQUE,
        "coopération": Theme.COOPERATION_TERRITORIALE,
        "mutualisation": Theme.COOPERATION_TERRITORIALE,
        "mesure d’impact": Theme.EVALUATION_IMPACT,
        "impact social": Theme.EVALUATION_IMPACT,
        "gouvernance": Theme.GOUVERNANCE,
        "stratégie": Theme.MODELE_ECONOMIQUE,
        "finance": Theme.FINANCEMENT,
        "création d’emplois": Theme.EMPLOI,
        "RH": Theme.RESSOURCES_HUMAINES,
        "IAE": Theme.INSERTION,
        "digital": Theme.NUMERIQUE,
        "transition numérique": Theme.NUMERIQUE,
        "coopérative": Theme.ENTREPRENEURIAT_COOPERATIF,
        "ruralité": Theme.RURALITE,
        "rural": Theme.RURALITE,
    },
    Status: {
        "actif": Status.ACTIVE,
        "active": Status.ACTIVE,
        "ouvert": Status.ACTIVE,
        "ouverte": Status.ACTIVE,
        "fermé": Status.DEFUNCT,
        "fermée": Status.DEFUNCT,
        "disparu": Status.DEFUNCT,
        "dissous": Status.DEFUNCT,
        "dissoute": Status.DEFUNCT,
        "inactif": Status.DEFUNCT,
        "historique": Status.DEFUNCT,
        "attendu": Status.EXPECTED,
        "attendue": Status.EXPECTED,
        "opérateur inconnu": Status.EXPECTED,
        "inconnu": Status.EXPECTED,
    },
    Confidence: {
        "haute": Confidence.HIGH,
        "forte": Confidence.HIGH,
        "élevé": Confidence.HIGH,
        "moyen": Confidence.MEDIUM,
        "basse": Confidence.LOW,
    },
}

#: Words that only hint at a member: an import reads them so, and says so in a warning
#: (an association may be a support organisation, but also a network or a funder).
GUESSED_SYNONYMS: dict[type[StrEnum], dict[str, Any]] = {
    Kind: {
        "asso": Kind.SUPPORT_STRUCTURE,
        "assos": Kind.SUPPORT_STRUCTURE,
        "association": Kind.SUPPORT_STRUCTURE,
        "associatif": Kind.SUPPORT_STRUCTURE,
        "associative": Kind.SUPPORT_STRUCTURE,
        "association loi 1901": Kind.SUPPORT_STRUCTURE,
    },
}

_NOT_SYNONYMS = frozenset({"DLA"})  # reference spellings too ambiguous to accept as input
_EXTRA_SPELLINGS: dict[type[StrEnum], dict[str, Any]] = {
    Dispositif: {k: v for k, v in REFERENCE_DISPOSITIFS.items() if k not in _NOT_SYNONYMS},
    Level: dict(REFERENCE_LEVELS),
}


class UnknownValueError(ValueError):
    """A text that names no member of an enum; the message is French and lists the choices.

    Attributes
    ----------
    enum_cls : type[StrEnum]
        The enum that was searched.
    value : str
        The text as given.
    allowed : tuple[str, ...]
        French labels of every member, in enum order.
    suggestion : StrEnum or None
        The member closest to ``value``, if any is close enough.
    """

    def __init__(self, enum_cls: type[StrEnum], value: str, suggestion: StrEnum | None) -> None:
        self.enum_cls = enum_cls
        self.value = value
        self.allowed = tuple(label(member) for member in enum_cls)
        self.suggestion = suggestion
        title = ENUM_TITLES.get(enum_cls, {}).get(DEFAULT_LANGUAGE, enum_cls.__name__)
        if value.strip():
            message = f"Valeur inconnue pour « {title} » : « {value.strip()} »."
        else:
            message = f"Valeur vide pour « {title} »."
        message += " Valeurs possibles : " + ", ".join(self.allowed) + "."
        if suggestion is not None:
            message += f" Vouliez-vous dire « {label(suggestion)} » ?"
        super().__init__(message)


def normalize_key(text: str) -> str:
    """Fold ``text`` for lookups: no case, no accents, letters and digits only.

    Examples
    --------
    >>> normalize_key("Fabrique à initiatives")
    'fabriqueainitiatives'
    >>> normalize_key("DLA-départemental") == normalize_key("dla_departemental")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


@functools.cache
def _spellings(enum_cls: type[StrEnum]) -> dict[str, StrEnum]:
    """Every accepted spelling of every member of ``enum_cls``, folded by normalize_key.

    Cached: call ``_spellings.cache_clear()`` after changing ENUM_LABELS or SYNONYMS.

    Raises
    ------
    ValueError
        When one spelling would name two members.
    """
    table: dict[str, StrEnum] = {}

    def add(text: str, member: StrEnum) -> None:
        key = normalize_key(text)
        if table.setdefault(key, member) is not member:
            raise ValueError(
                f"{enum_cls.__name__}: {text!r} would name both {table[key]!r} and {member!r}"
            )

    for member in enum_cls:
        add(member.value, member)
        add(member.name, member)
        for text in ENUM_LABELS[enum_cls][member].values():
            add(text, member)
    for spellings in (_EXTRA_SPELLINGS.get(enum_cls, {}), SYNONYMS.get(enum_cls, {})):
        for text, member in spellings.items():
            add(text, member)
    return table


def _closest(enum_cls: type[StrEnum], key: str) -> StrEnum | None:
    table = _spellings(enum_cls)
    if not key:
        return None
    close = difflib.get_close_matches(key, list(table), n=1, cutoff=0.6)
    if close:
        return table[close[0]]
    if len(key) >= 3:
        starting = sorted((k for k in table if k.startswith(key)), key=len)
        if starting:
            return table[starting[0]]
    return None


def parse_enum(enum_cls: type[_EnumT], text: str) -> _EnumT:
    """Return the member of ``enum_cls`` that ``text`` names.

    ``text`` may be the value, the French or English label, or a known synonym
    (:data:`SYNONYMS`); case, accents, spaces, hyphens and apostrophes do not matter.

    Raises
    ------
    UnknownValueError
        When ``text`` names no member: its French message lists the allowed values and
        suggests the closest one.
    TypeError
        When ``text`` is not a string.

    Examples
    --------
    >>> parse_enum(Dispositif, "DLA départemental")
    <Dispositif.DLA_DEPARTEMENTAL: 'dla_departemental'>
    >>> parse_enum(Stage, "émergence"), parse_enum(Stage, "changement d'échelle")
    (<Stage.EMERGENCE: 'emergence'>, <Stage.SCALING: 'scaling'>)
    >>> parse_enum(Relation, "Adhère à")
    <Relation.MEMBER_OF: 'member_of'>
    >>> parse_enum(Dispositif, "incubatuer")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fresque.i18n.UnknownValueError: Valeur inconnue pour « dispositif » : « incubatuer ». \
Valeurs possibles : DLA départemental, ..., ESS et ruralités. Vouliez-vous dire « Incubateur » ?
    """
    if isinstance(text, enum_cls):
        return text
    if not isinstance(text, str):
        raise TypeError(f"expected a string, got {type(text).__name__}")
    key = normalize_key(text)
    member = _spellings(enum_cls).get(key)
    if member is None:
        raise UnknownValueError(enum_cls, text, _closest(enum_cls, key))
    return member  # type: ignore[return-value]


def _enum_member(value: StrEnum | str, enum_cls: type[StrEnum] | None) -> StrEnum:
    if enum_cls is not None:
        return value if isinstance(value, enum_cls) else enum_cls(value)
    if isinstance(value, StrEnum) and type(value) in ENUM_LABELS:
        return value
    owners = [cls for cls in ENUM_LABELS if value in cls._value2member_map_]
    if len(owners) != 1:
        where = "several enums" if owners else "no enum"
        raise ValueError(f"{value!r} is a value of {where}: pass enum_cls")
    return owners[0](value)


def label(
    value: StrEnum | str,
    lang: str = DEFAULT_LANGUAGE,
    enum_cls: type[StrEnum] | None = None,
) -> str:
    """Return the label of an enum member in ``lang`` (French when the language is unknown).

    ``value`` is a member, or a plain value together with ``enum_cls`` (a plain value that
    belongs to a single enum works without it).

    Raises
    ------
    ValueError
        When a plain value names no member, or members of several enums.

    Examples
    --------
    >>> label(Dispositif.INCUBATEUR), label(Dispositif.INCUBATEUR, "en")
    ('Incubateur', 'Incubator')
    >>> label("emergence", enum_cls=Stage)
    'Émergence'
    >>> label(Relation.FUNDS, "en")
    'funds'
    """
    labels = ENUM_LABELS[type(member := _enum_member(value, enum_cls))][member]
    return labels.get(lang) or labels[DEFAULT_LANGUAGE]


def enum_choices(enum_cls: type[StrEnum], lang: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """Return ``[{"label": …, "value": …}, …]`` for a dropdown, in enum order.

    Examples
    --------
    >>> enum_choices(Confidence)[0]
    {'label': 'Faible', 'value': 'low'}
    """
    return [{"label": label(member, lang), "value": member.value} for member in enum_cls]
