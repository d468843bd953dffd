"""The corpus of bad files: each problem is reported at the exact place a user looks.

``tests/data/make_bad.py`` wrote the files of ``tests/data/bad/``; each case below names
the file, the sheet (empty for CSV), the row as the spreadsheet numbers it (header = 1;
``None`` for the whole file), the column as the user wrote it, and a key word of the
French reason. Reading must raise :class:`DatasetValidationError` and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fresque.geo.territories import default_territories
from fresque.io import DatasetValidationError, read_records

BAD = Path(__file__).parent / "data" / "bad"

#: Structures that the links of a file may point to without defining them.
KNOWN_IDS = {"avise", "tag29", "cress_bre"}

# file, sheet, row, column, key word of the reason
CASES = [
    ("unknown_kind.csv", "", 3, "kind", "Valeurs possibles"),
    ("unknown_dispositif_cp1252.csv", "", 3, "dispositifs", "Vouliez-vous dire « Incubateur »"),
    ("unknown_stage.csv", "", 3, "étapes", "Valeur inconnue pour « étape »"),
    ("unknown_theme.csv", "", 2, "thèmes", "Valeur inconnue pour « thème »"),
    ("unknown_status.csv", "", 2, "statut", "En activité"),
    ("unknown_confidence.csv", "", 2, "confiance", "Élevée"),
    ("unknown_level.csv", "", 4, "territory_level", "échelon territorial"),
    ("unknown_relation.csv", "", 3, "relation", "adhère à"),
    ("unknown_departement_code.csv", "", 3, "département", "Aucun département"),
    ("unknown_departement_name.xlsx", "structures", 3, "département", "Finistère"),
    ("corsica_20.csv", "", 2, "département", "2A et 2B"),
    ("unknown_region.csv", "", 3, "territory_codes", "Aucune région"),
    ("epci_siret.csv", "", 2, "territory_codes", "SIRET"),
    ("commune_level_short_code.csv", "", 4, "territory_codes", "code de commune"),
    ("ambiguous_commune.csv", "", 3, "commune", "Saint-Denis (93)"),
    ("unknown_commune_code.csv", "", 2, "commune_code", "Aucune commune"),
    ("missing_level.csv", "", 3, "territoires", "échelon territorial manquant"),
    ("duplicate_id.csv", "", 4, "id", "identifiant en double"),
    ("duplicate_id_by_name.xlsx", "structures", 5, "nom", "déjà utilisé ligne 2"),
    ("bad_slug_id.csv", "", 2, "id", "« dla_29 »"),
    ("link_unknown_target.xlsx", "links", 3, "target", "« cress_bre »"),
    ("link_unknown_source.json", "links", 2, "source", "« avise »"),
    ("duplicate_link.xlsx", "links", 4, "target", "lien en double"),
    ("self_link.xlsx", "links", 3, "target", "elle-même"),
    ("unknown_carrier.csv", "", 3, "porteur", "structure porteuse"),
    ("self_carrier.csv", "", 2, "carrier_id", "se porter elle-même"),
    ("bad_website.csv", "", 3, "website", "adresse web"),
    ("bad_source_url.csv", "", 2, "sources", "ftp://"),
    ("missing_name.csv", "", 4, "name", "obligatoire"),
    ("missing_kind.csv", "", 3, "kind", "obligatoire"),
    ("name_too_long.csv", "", 2, "name", "trop long"),
    ("bad_date.csv", "", 3, "vérifié le", "date valide"),
    ("until_before_since.csv", "", 2, "fin", "précède"),
    ("missing_kind_column.csv", "", 1, "kind", "colonne obligatoire absente"),
    ("column_typo.csv", "", 1, "dispositfs", "vouliez-vous dire « dispositifs »"),
    ("duplicate_column.csv", "", 1, "name", "colonne en double"),
    ("excel_style.csv", "", 5, "Département", "Aucun département"),
    ("excel_style_bom.csv", "", 3, "Région", "Bretagne (région 53)"),
    ("kumu_bad.xlsx", "Connections", 3, "To", "France Active"),
    ("prsm_bad.xlsx", "Factors", 4, "Label", "obligatoire"),
    ("not_a_workbook.xlsx", "", None, "", "illisible"),
    ("broken.json", "", None, "", "JSON invalide"),
    ("no_known_sheet.xlsx", "", None, "", "Feuil1"),
    ("json_not_an_object.json", "structures", 2, "", "objet"),
]


def test_the_corpus_is_large_and_every_file_has_a_case() -> None:
    files = sorted(p.name for p in BAD.iterdir())
    assert len(files) >= 30
    assert files == sorted(case[0] for case in CASES)


@pytest.mark.parametrize(("name", "sheet", "row", "column", "reason"), CASES, ids=lambda v: v)
def test_bad_file_names_the_exact_place(
    name: str, sheet: str, row: int | None, column: str, reason: str
) -> None:
    with pytest.raises(DatasetValidationError) as caught:
        read_records(BAD / name, territories=default_territories(), known_ids=KNOWN_IDS)
    problems = caught.value.problems
    places = [(p.file, p.sheet, p.row, p.column) for p in problems]
    assert (name, sheet, row, column) in places, places
    messages = [
        p.message
        for p in problems
        if (p.file, p.sheet, p.row, p.column) == (name, sheet, row, column)
    ]
    assert any(reason in message for message in messages), messages
    # one mistake, one problem: no cascade of consequences
    assert len(problems) == 1, [str(p) for p in problems]
    assert str(caught.value).startswith("1 problème")


def test_the_excel_style_file_mends_codes_before_failing_on_the_bad_one() -> None:
    with pytest.raises(DatasetValidationError) as caught:
        read_records(BAD / "excel_style.csv")
    assert [p.value for p in caught.value.problems] == ["2c"]
