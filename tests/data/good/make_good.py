"""Write the small good files of ``tests/data/good/`` (committed; rebuild with this script).

Each file is the same little ecosystem, written the way a tool or a person would:
an Excel-style CSV (``;``, cp1252, French headers, ``1`` for the Ain, ``29.0``, ``2a``),
the same with a UTF-8 BOM, a Kumu workbook, a PRSM workbook, a Kumu JSON blueprint.
``tests/test_io_read.py`` checks that they all read to the expected records.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import Workbook

GOOD = Path(__file__).resolve().parent

EXCEL_ROWS = [
    [
        "Identifiant",
        "Nom",
        "Type",
        "Dispositifs",
        "Département",
        "Thèmes",
        "Commune",
        "Site web",
        "Vérifié le",
        "Description",
    ],
    [
        "dla01",
        "DLA de l’Ain",
        "Structure d’accompagnement",
        "DLA départemental",
        "1",
        "Emploi, Gouvernance participative",
        "Bourg-en-Bresse",
        "https://dla01.fr",
        "01/03/2024",
        "=somme(A1:A2) n’est pas une formule ici",
    ],
    [
        "dla29",
        "DLA du Finistère",
        "Structure d’accompagnement",
        "DLA départemental",
        "29.0",
        "",
        "29019",
        "",
        "2024-03-01",
        "",
    ],
    [
        "dla2a",
        "DLA de Corse-du-Sud",
        "Structure d’accompagnement",
        "DLA départemental",
        " 2a ",
        "",
        "",
        "",
        "",
        "Ajaccio ; Porto-Vecchio",
    ],
    [
        "tag29",
        "TAg29",
        "Réseau",
        "Incubateur|Fabrique à initiatives",
        "Finistère",
        "",
        "",
        "",
        "",
        "",
    ],
]


def excel_csv(name: str, *, encoding: str, bom: bool) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(EXCEL_ROWS)
    data = buffer.getvalue().encode(encoding)
    (GOOD / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def workbook(name: str, sheets: dict[str, list[list[object]]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(GOOD / name)


def build() -> None:
    excel_csv("excel_cp1252.csv", encoding="cp1252", bom=False)
    excel_csv("excel_utf8_bom.csv", encoding="utf-8", bom=True)
    workbook(
        "kumu.xlsx",
        {
            "Elements": [
                ["Label", "Type", "Description", "Tags", "Échelon", "Territoires", "Image"],
                [
                    "Avise",
                    "Structure d’accompagnement",
                    "Agence nationale",
                    "DLA|ESS",
                    "National",
                    "",
                    "https://example.org/logo.png",
                ],
                ["TAg29", "Réseau", "", "incubateur", "Département", 29, None],
                ["CRESS Bretagne", "Chambre de l’ESS", "", "", "Région", "Bretagne", None],
            ],
            "Connections": [
                ["From", "To", "Type", "Direction", "Strength"],
                ["Avise", "TAg29|CRESS Bretagne", "anime", "directed", 3],
                ["CRESS Bretagne", "TAg29", "partenaire de", "mutual", None],
            ],
            "Notes (ignore)": [["anything", "goes"]],
        },
    )
    workbook(
        "prsm.xlsx",
        {
            "Factors": [
                ["Label", "Style", "Type", "Échelon", "Région", "Département", "Note", "x", "y"],
                ["Avise", 1, "support_structure", "national", None, None, "Agence", 10, 20],
                ["TAg29", 2, "network", None, None, 29, None, 30, 40],
                ["CRESS Bretagne", 3, "chamber", None, 53, None, None, None, None],
            ],
            "Links": [
                ["From", "To", "Style", "Label"],
                ["Avise", "TAg29", 1, "anime"],
                ["CRESS Bretagne", "TAg29", 2, "partenaire de"],
            ],
        },
    )
    blueprint = {
        "elements": [
            {
                "label": "Avise",
                "type": "Structure d’accompagnement",
                "attributes": {"échelon": "national", "description": "Agence nationale"},
            },
            {
                "id": "tag29",
                "label": "TAg29",
                "type": "Réseau",
                "attributes": {"département": "29", "tags": ["incubateur"]},
            },
        ],
        "connections": [{"from": "Avise", "to": "tag29", "type": "anime", "direction": "directed"}],
    }
    text = json.dumps(blueprint, ensure_ascii=False, indent=2) + "\n"
    (GOOD / "kumu_blueprint.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    build()
