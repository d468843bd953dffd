"""Write the CRESS spreadsheet of ``tests/data/cress/`` (committed; rebuild with this script).

Fifteen rows as a regional chamber's coordinator fills them in: French headers
(``Territoire d'intervention``, ``Étapes accompagnées``…), a ``Contact`` column Fresque
has no field for, ``Asso`` as a type, ``Idéation / Émergence`` as two stages, an EPCI
written short (``Guingamp-Paimpol Agglomération``), communes by name with homonyms
elsewhere (``Plouhinec``, ``Saint-Gilles``, ``Saint-Martin-des-Champs``), and two organisations the
national dataset already has under other ids (``France Active Bretagne`` is
``fa_bretagne``, ``TAG 29`` is ``tag29``; ``URSCOP Ouest`` makes the id of ``Les Scop
de l'Ouest``). Written twice: an XLSX workbook as Excel
saves it (postal codes as numbers, dates as date cells) and a ``;``-separated cp1252
CSV with CRLF line ends (Excel's « CSV (séparateur : point-virgule) »).
``tests/test_io_cress.py`` checks the outcome row by row.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent

HEADERS = [
    "Nom de la structure",
    "Type",
    "Dispositifs",
    "Étapes accompagnées",
    "Thématiques",
    "Territoire d'intervention",
    "Commune",
    "Code postal",
    "Site internet",
    "Contact",
    "Date de mise à jour",
    "Commentaire",
]

# fmt: off
ROWS = [
    # row 2: the national dataset has it as fa_bretagne
    ["France Active Bretagne", "Financeur", "Finance solidaire", "Création / Consolidation",
     "Financement", "Bretagne", "Rennes", 35000, "https://www.franceactive-bretagne.org",
     "contact@franceactive-bretagne.org", "2025-01-15", "Garanties et prêts solidaires"],
    # row 3: the national dataset has it as tag29 ("TAg29")
    ["TAG 29", "Asso", "Incubateur", "Idéation / Émergence", "Innovation sociale",
     "Finistère", "Morlaix", 29600, "https://www.tag29.bzh", "Chargée de mission : 02 98 00 00 00",
     "2025-02-03", ""],
    # row 4: EPCI written short
    ["Pôle ESS du Pays de Guingamp", "Réseau", "Pôle ESS", "Émergence",
     "Coopération", "Guingamp-Paimpol Agglomération", "Guingamp", 22200, "", "", "2025-01-20",
     ""],
    # row 5
    ["ADESS Cornouaille", "Asso", "Pôle ESS", "Émergence, Consolidation", "Coopération",
     "Quimper Bretagne Occidentale", "Quimper", 29000, "", "accueil@adess-cornouaille.bzh",
     "2024-11-28", ""],
    # row 6
    ["Rés'ESS Pays de Saint-Brieuc", "Association", "Pôle ESS", "Idéation - Émergence",
     "Coopération", "Saint-Brieuc Armor Agglomération", "Saint-Brieuc", 22000, "", "",
     "2024-12-02", ""],
    # row 7: Saint-Martin-des-Champs, five communes: the one in Morlaix Communauté
    ["Initiative Pays de Morlaix", "Financeur", "Prêts d'honneur", "Création", "Financement",
     "Morlaix Communauté", "Saint-Martin-des-Champs", "", "", "", "2025-01-07", ""],
    # row 8: Plouhinec, two communes in Bretagne, no postal code: still ambiguous
    ["Cap Sizun Entreprendre", "Structure d'accompagnement", "Création d'entreprise",
     "Émergence", "Ruralité", "Bretagne", "Plouhinec", "", "", "", "2025-03-01", ""],
    # row 9: Plouhinec, told apart by the département and the postal code
    ["Ria d'Étel Initiatives", "Structure d'accompagnement", "Création d'entreprise",
     "Émergence", "Ruralité", "Morbihan", "Plouhinec", 56680, "", "", "2025-03-01", ""],
    # row 10: Saint-Gilles, told apart by the département served
    ["Champs Communs", "Tête de réseau", "Fabrique à initiatives", "Idéation",
     "Innovation sociale", "Ille-et-Vilaine", "Saint-Gilles", "", "", "", "2025-02-11", ""],
    # row 11
    ["Lannion-Trégor Communauté", "Collectivité", "", "", "", "Lannion-Trégor Communauté",
     "Lannion", 22300, "https://www.lannion-tregor.com", "", "2025-01-30", ""],
    # row 12: a régional chamber given a département
    ["CRESS Bretagne – antenne Finistère", "Chambre", "CRESS", "", "Coopération", "Finistère",
     "Brest", 29200, "https://www.ess-bretagne.org", "", "2025-02-14", ""],
    # row 13
    ["Elan Créateur", "Structure d'accompagnement", "CAE", "Création + Consolidation", "Emploi",
     "Ille-et-Vilaine", "Rennes", 35000, "", "", "2025-01-09", ""],
    # row 14
    ["Pôle ESS du Pays de Vitré", "Asso", "Pôle ESS", "Émergence", "Coopération",
     "Vitré Communauté", "Vitré", 35500, "", "", "2024-10-17", ""],
    # row 15: no id, and its name makes the id of "Les Scop de l'Ouest": an update
    ["URSCOP Ouest", "Réseau", "Scop", "Création, Consolidation", "Entrepreneuriat coopératif",
     "Bretagne", "Rennes", 35000, "", "", "2025-02-21", ""],
    # row 16
    ["Pôle ESS Pays de Ploërmel", "Accompagnement", "Pôle ESS", "Idéation; Émergence",
     "Ruralité", "Ploërmel Communauté", "Ploërmel", 56800, "", "", "2025-01-13", ""],
]
# fmt: on

DATE = HEADERS.index("Date de mise à jour")


def write_xlsx(path: Path) -> None:
    """Postal codes as numbers and dates as date cells, as Excel types them."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Acteurs"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in ROWS:
        cells = list(row)
        cells[DATE] = datetime.fromisoformat(cells[DATE])
        sheet.append([None if c == "" else c for c in cells])
    for cell in sheet[chr(ord("A") + DATE)][1:]:
        cell.number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.properties.creator = "CRESS Bretagne"
    book.properties.created = book.properties.modified = datetime(2025, 3, 3)
    book.save(path)


def write_csv(path: Path) -> None:
    """``;``, cp1252, CRLF, dates day first: Excel's French CSV."""
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        for row in ROWS:
            cells = [str(c) for c in row]
            cells[DATE] = datetime.fromisoformat(row[DATE]).strftime("%d/%m/%Y")
            writer.writerow(cells)


if __name__ == "__main__":
    write_xlsx(HERE / "cress_bretagne.xlsx")
    write_csv(HERE / "cress_bretagne.csv")
