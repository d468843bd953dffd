"""Write the corpus of bad files in ``tests/data/bad/`` (run it after changing a case).

Each file holds one mistake that people make in spreadsheets; ``tests/test_io_bad.py``
names, for each file, the exact place (file, sheet, row, column) its problem must be
reported at and a key word of the reason. The files are committed; this script is how
they were made, so they can be rebuilt and reviewed::

    .venv/bin/python tests/data/make_bad.py
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from openpyxl import Workbook

BAD = Path(__file__).resolve().parent / "bad"

HEAD = ["id", "name", "kind", "dispositifs", "territory_level", "territory_codes", "website"]
TAG29 = ["tag29", "TAg29", "support_structure", "incubateur", "departement", "29", ""]
CRESS = ["cress_bre", "CRESS Bretagne", "chamber", "cress", "region", "53", ""]
AVISE = ["avise", "Avise", "support_structure", "dla_national", "national", "FR", ""]
LINK_HEAD = ["source", "target", "relation"]

FR_HEAD = ["identifiant", "nom", "type", "dispositifs", "étapes", "thèmes", "département"]
FR_TAG29 = ["tag29", "TAg29", "Structure d’accompagnement", "Incubateur", "", "", "Finistère"]


def csv_file(
    name: str, rows: list[list[str]], *, sep: str = ",", encoding: str = "utf-8", bom: bool = False
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n" if sep == ";" else "\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    (BAD / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def xlsx_file(name: str, sheets: dict[str, list[list[object]]]) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(row)
    workbook.save(BAD / name)


def json_file(name: str, document: object) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    (BAD / name).write_text(text, encoding="utf-8")


def build() -> None:
    BAD.mkdir(exist_ok=True)
    for old in BAD.iterdir():
        old.unlink()

    # --- enum values -------------------------------------------------------------------
    csv_file("unknown_kind.csv", [HEAD, TAG29, ["x", "X", "assoc", "", "departement", "29", ""]])
    csv_file(
        "unknown_dispositif_cp1252.csv",
        [
            FR_HEAD,
            FR_TAG29,
            ["dla29", "DLA 29", "Structure d’accompagnement", "incubatuer", "", "", "29"],
        ],
        sep=";",
        encoding="cp1252",
    )
    csv_file(
        "unknown_stage.csv", [FR_HEAD, FR_TAG29, ["y", "Y", "réseau", "", "naissance", "", "56"]]
    )
    csv_file(
        "unknown_theme.csv", [FR_HEAD, ["y", "Y", "réseau", "", "", "cuisine", "56"], FR_TAG29]
    )
    csv_file("unknown_status.csv", [[*HEAD, "statut"], [*TAG29, "en pause"]])
    csv_file("unknown_confidence.csv", [[*HEAD, "confiance"], [*TAG29, "sûre"], [*CRESS, "haute"]])
    csv_file(
        "unknown_level.csv", [HEAD, TAG29, CRESS, ["c", "C", "network", "", "canton", "29", ""]]
    )
    csv_file(
        "unknown_relation.csv",
        [
            ["source", "cible", "relation"],
            ["avise", "tag29", "finance"],
            ["avise", "tag29", "aime"],
        ],
    )

    # --- territories -------------------------------------------------------------------
    csv_file(
        "unknown_departement_code.csv",
        [FR_HEAD, FR_TAG29, ["z", "Z", "financeur", "", "", "", "99"]],
    )
    xlsx_file(
        "unknown_departement_name.xlsx",
        {
            "structures": [FR_HEAD, FR_TAG29, ["z", "Z", "financeur", "", "", "", "Finistre"]],
        },
    )
    csv_file("corsica_20.csv", [FR_HEAD, ["corse", "Inizià", "réseau", "", "", "", "20"]])
    csv_file("unknown_region.csv", [HEAD, TAG29, ["r", "R", "network", "", "region", "99", ""]])
    csv_file(
        "epci_siret.csv",
        [HEAD, ["m", "Morlaix Co", "public_body", "", "epci", "24290083500012", ""]],
    )
    csv_file(
        "commune_level_short_code.csv",
        [HEAD, TAG29, AVISE, ["p", "P", "network", "", "commune", "29", ""]],
    )
    csv_file(
        "ambiguous_commune.csv", [[*HEAD, "commune"], [*TAG29, "Brest"], [*CRESS, "Saint-Denis"]]
    )
    csv_file("unknown_commune_code.csv", [[*HEAD, "commune_code"], [*TAG29, "99999"]])
    csv_file(
        "missing_level.csv",
        [
            ["id", "nom", "type", "territoires"],
            ["a", "A", "réseau", "FR"],
            ["b", "B", "réseau", "53"],
        ],
    )

    # --- identifiers and references ----------------------------------------------------
    csv_file(
        "duplicate_id.csv",
        [HEAD, TAG29, CRESS, ["tag29", "TAg 29 bis", "network", "", "departement", "29", ""]],
    )
    xlsx_file(
        "duplicate_id_by_name.xlsx",
        {
            "structures": [
                ["nom", "type", "département"],
                ["TAg29", "réseau", "29"],
                ["Avise", "réseau", "75"],
                [None, None, None],
                ["Tag29", "réseau", 29],
            ],
        },
    )
    csv_file(
        "bad_slug_id.csv",
        [
            HEAD,
            [
                "DLA 29",
                "DLA du Finistère",
                "support_structure",
                "dla_departemental",
                "departement",
                "29",
                "",
            ],
        ],
    )
    xlsx_file(
        "link_unknown_target.xlsx",
        {
            "structures": [HEAD, TAG29, CRESS, AVISE],
            "links": [LINK_HEAD, ["avise", "tag29", "animates"], ["avise", "cress_bret", "funds"]],
        },
    )
    json_file(
        "link_unknown_source.json",
        {
            "structures": [
                dict(zip(HEAD, TAG29, strict=True)),
                dict(zip(HEAD, AVISE, strict=True)),
            ],
            "links": [
                {"source": "avise", "target": "tag29", "relation": "funds"},
                {"source": "avis", "target": "tag29", "relation": "animates"},
            ],
        },
    )
    xlsx_file(
        "duplicate_link.xlsx",
        {
            "structures": [HEAD, TAG29, CRESS, AVISE],
            "links": [
                LINK_HEAD,
                ["avise", "tag29", "funds"],
                ["cress_bre", "tag29", "funds"],
                ["avise", "tag29", "finance"],
            ],
        },
    )
    xlsx_file(
        "self_link.xlsx",
        {
            "structures": [HEAD, TAG29, CRESS],
            "links": [
                LINK_HEAD,
                ["cress_bre", "tag29", "partners_with"],
                ["tag29", "tag29", "partners_with"],
            ],
        },
    )
    csv_file("unknown_carrier.csv", [[*HEAD, "porteur"], [*TAG29, ""], [*CRESS, "tag_29_asso"]])
    csv_file("self_carrier.csv", [[*HEAD, "carrier_id"], [*TAG29, "tag29"]])

    # --- values ------------------------------------------------------------------------
    csv_file(
        "bad_website.csv",
        [
            HEAD,
            TAG29,
            [
                "cress_bre",
                "CRESS Bretagne",
                "chamber",
                "cress",
                "region",
                "53",
                "www.ess-bretagne.org",
            ],
        ],
    )
    csv_file(
        "bad_source_url.csv",
        [[*HEAD, "sources"], [*TAG29, "https://tag29.org | ftp://tag29.org/doc.pdf"]],
    )
    csv_file(
        "missing_name.csv",
        [HEAD, TAG29, CRESS, ["dla29", "", "support_structure", "", "departement", "29", ""]],
    )
    csv_file(
        "missing_kind.csv", [HEAD, TAG29, ["dla29", "DLA 29", "", "", "departement", "29", ""]]
    )
    csv_file("name_too_long.csv", [HEAD, ["long", "N" * 250, "network", "", "national", "", ""]])
    csv_file(
        "bad_date.csv", [[*HEAD, "vérifié le"], [*TAG29, "2024-03-01"], [*CRESS, "31/02/2024"]]
    )
    csv_file(
        "until_before_since.csv",
        [
            ["source", "target", "relation", "début", "fin"],
            ["avise", "tag29", "funds", "2021-01-01", "2020-06-30"],
        ],
    )

    # --- columns -----------------------------------------------------------------------
    csv_file(
        "missing_kind_column.csv",
        [
            ["id", "name", "territory_level", "territory_codes"],
            ["tag29", "TAg29", "departement", "29"],
        ],
    )
    csv_file(
        "column_typo.csv",
        [
            ["id", "name", "kind", "dispositfs", "territory_level", "territory_codes"],
            ["tag29", "TAg29", "network", "incubateur", "departement", "29"],
        ],
    )
    csv_file(
        "duplicate_column.csv",
        [
            ["id", "nom", "name", "kind", "territory_level", "territory_codes"],
            ["tag29", "TAg29", "TAg 29", "network", "national", "FR"],
        ],
    )

    # --- Excel-style CSV: ';', cp1252, French headers; 1, 29.0 and 2a are fine, 2c is not.
    csv_file(
        "excel_style.csv",
        [
            ["Identifiant", "Nom", "Type", "Département", "Thèmes", "Vérifié le"],
            ["dla01", "DLA de l’Ain", "Structure d’accompagnement", "1", "Emploi", "01/03/2024"],
            [
                "dla29",
                "DLA du Finistère",
                "Structure d’accompagnement",
                "29.0",
                "Emploi, Gouvernance participative",
                "2024-03-01",
            ],
            ["dla2a", "DLA de Corse-du-Sud", "Structure d’accompagnement", "2a", "", ""],
            ["dla2b", "DLA de Haute-Corse", "Structure d’accompagnement", " 2c ", "", ""],
        ],
        sep=";",
        encoding="cp1252",
    )
    csv_file(
        "excel_style_bom.csv",
        [
            ["Identifiant", "Nom", "Type", "Région", "Échelon"],
            ["cress_bre", "CRESS Bretagne", "Chambre de l’ESS", "53", "région"],
            ["cress_xx", "CRESS ??", "Chambre de l’ESS", "Bretagnee", "région"],
        ],
        sep=";",
        bom=True,
    )

    # --- Kumu and PRSM conventions -------------------------------------------------------
    xlsx_file(
        "kumu_bad.xlsx",
        {
            "Elements": [
                ["Label", "Type", "Échelon", "Territoires"],
                ["TAg29", "Structure d’accompagnement", "Département", "29"],
                ["Avise", "Structure d’accompagnement", "National", ""],
            ],
            "Connections": [
                ["From", "To", "Type"],
                ["Avise", "TAg29", "anime"],
                ["Avise", "TAg29|France Active", "finance"],
            ],
        },
    )
    xlsx_file(
        "prsm_bad.xlsx",
        {
            "Factors": [
                ["Label", "Style", "Type", "Département"],
                ["TAg29", 1, "réseau", "29"],
                ["Avise", 2, "réseau", "75"],
                [None, 1, "réseau", "56"],
            ],
            "Links": [["From", "To", "Style", "Label"], ["Avise", "TAg29", 1, "anime"]],
        },
    )

    # --- files that cannot be read -------------------------------------------------------
    (BAD / "not_a_workbook.xlsx").write_bytes(b"this is not a zip archive\n")
    (BAD / "broken.json").write_text('{"structures": [{"id": "a",}]}\n', encoding="utf-8")
    xlsx_file("no_known_sheet.xlsx", {"Feuil1": [["a"]], "Feuil2": [["b"]]})
    json_file(
        "json_not_an_object.json",
        {
            "structures": [dict(zip(HEAD, TAG29, strict=True)), "cress_bre"],
        },
    )


if __name__ == "__main__":
    build()
    print(f"{len(list(BAD.iterdir()))} fichiers écrits dans {BAD}", file=sys.stderr)
