"""`fresque data build` on a reference it cannot map: every problem placed, nothing written.

Each test copies the real reference (``data/reference``) and breaks it the way a hand-grown
reference breaks: a dispositif spelling the rules do not know (an earlier copy raised
``KeyError: 'appui-vie-associative'``), a mistyped kind, a link to a mistyped id…
"""

from __future__ import annotations

import csv
import filecmp
import shutil
from pathlib import Path

import pytest

from fresque.cli import main
from fresque.io import Problem, read_records
from fresque.paths import data_dir
from fresque.reference import (
    OVERRIDES,
    RELATION_FILE,
    STRUCTURE_FILE,
    Override,
    ReferenceBuildError,
    build_reference,
    reference_dir,
)

DATASET_FILES = ("structures.csv", "links.csv", "README.md")


def copy_reference(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(reference_dir(), folder)
    for file in folder.iterdir():
        file.chmod(0o644)
    return folder


def read_rows(file: Path) -> list[dict[str, str]]:
    with file.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(file: Path, rows: list[dict[str, str]]) -> None:
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def set_cell(file: Path, key: tuple[str, str], column: str, value: str) -> int:
    """Set one cell of the row whose ``key[0]`` column is ``key[1]``; return its row number
    as a spreadsheet shows it (header = row 1)."""
    rows = read_rows(file)
    index = next(i for i, row in enumerate(rows) if row[key[0]] == key[1])
    rows[index][column] = value
    write_rows(file, rows)
    return index + 2


def build_problems(folder: Path) -> list[Problem]:
    with pytest.raises(ReferenceBuildError) as caught:
        build_reference(folder)
    return caught.value.problems


def places(problems: list[Problem]) -> list[tuple[str, int | None, str, str]]:
    return [(p.file, p.row, p.column, p.value) for p in problems]


def test_unknown_dispositif_names_file_row_column_and_value(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    row = set_cell(ref / STRUCTURE_FILE, ("id", "tag29"), "dispositif", "appui-vie-associative")
    (problem,) = build_problems(ref)
    assert places([problem]) == [(STRUCTURE_FILE, row, "dispositif", "appui-vie-associative")]
    assert read_rows(ref / STRUCTURE_FILE)[row - 2]["id"] == "tag29"
    assert problem.message.startswith(
        "Valeur inconnue pour « dispositif » : « appui-vie-associative ». Valeurs connues : "
        "DLA-departemental, DLA-regional,"
    )
    assert "REFERENCE_DISPOSITIFS (fresque/model.py)" in problem.message
    assert "Vouliez-vous dire" not in problem.message  # nothing close: no guess


def test_data_build_prints_the_problem_and_writes_nothing(tmp_path: Path, capsys) -> None:
    ref = copy_reference(tmp_path)
    row = set_cell(ref / STRUCTURE_FILE, ("id", "tag29"), "dispositif", "appui-vie-associative")
    out = tmp_path / "ecosystem"
    shutil.copytree(data_dir() / "ecosystem", out)

    assert main(["data", "build", "--reference", str(ref), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    line = next(x for x in captured.out.splitlines() if x.startswith(STRUCTURE_FILE))
    assert line.split()[:4] == [STRUCTURE_FILE, str(row), "dispositif", "appui-vie-associative"]
    assert "1 problème dans la référence" in captured.err
    assert "rien n’a été écrit" in captured.err
    assert "Traceback" not in captured.out + captured.err
    for name in DATASET_FILES:  # the dataset is untouched
        assert filecmp.cmp(out / name, data_dir() / "ecosystem" / name, shallow=False), name

    fresh = tmp_path / "new"
    assert main(["data", "build", "--reference", str(ref), "--out", str(fresh)]) == 1
    assert not fresh.exists()


def test_close_values_are_suggested(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    structures = ref / STRUCTURE_FILE
    rows = {
        "dispositif": set_cell(structures, ("id", "tag29"), "dispositif", "Incubateur-ESS|PTCE"),
        "kind": set_cell(structures, ("id", "avise"), "kind", "networks"),
        "territory_level": set_cell(
            structures, ("id", "dla_r_27"), "territory_level", "départements"
        ),
    }
    problems = build_problems(ref)
    assert places(problems) == [
        (STRUCTURE_FILE, rows["kind"], "kind", "networks"),
        (STRUCTURE_FILE, rows["dispositif"], "dispositif", "Incubateur-ESS"),
        (STRUCTURE_FILE, rows["territory_level"], "territory_level", "départements"),
    ]
    kind, dispositif, level = (p.message for p in problems)
    assert "Vouliez-vous dire « Réseau »" in kind
    assert "Vouliez-vous dire « Incubateur »" in dispositif
    assert "Valeurs connues" not in dispositif  # the suggestion is enough
    assert "Vouliez-vous dire « departement »" in level
    assert "REFERENCE_LEVELS" in level


def test_every_problem_of_both_files_is_reported_at_once(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    structures, relations = ref / STRUCTURE_FILE, ref / RELATION_FILE
    kind_row = set_cell(structures, ("id", "tag29"), "kind", "boulangerie")
    code_row = set_cell(structures, ("id", "dla_30"), "territory_codes", "96")
    url_row = set_cell(structures, ("id", "acegaa"), "source_url", "www.info-dla.fr")
    rows = read_rows(relations)
    carries = next(i for i, r in enumerate(rows) if r["target_id"] == "dla_30")
    rows[carries]["target_id"] = "DLA_30"  # typed in capitals
    rows[carries + 1]["relation"] = "finances"
    rows.append(dict(rows[0]))  # the first link, twice
    write_rows(relations, rows)

    problems = build_problems(ref)
    assert places(problems) == [
        (STRUCTURE_FILE, kind_row, "kind", "boulangerie"),
        (STRUCTURE_FILE, code_row, "territory_codes", "96"),
        (STRUCTURE_FILE, url_row, "source_url", "www.info-dla.fr"),
        (RELATION_FILE, carries + 2, "target_id", "DLA_30"),
        (RELATION_FILE, carries + 3, "relation", "finances"),
        (
            RELATION_FILE,
            len(rows) + 1,
            "",
            f"{rows[0]['source_id']} → {rows[0]['target_id']} ({rows[0]['relation']})",
        ),
    ]
    messages = [p.message for p in problems]
    assert "Structure d’accompagnement" in messages[0]  # the allowed kinds, in French
    assert messages[1] == "aucun territoire de niveau « département » n’a le code « 96 »"
    assert "http://" in messages[2]
    assert (
        messages[3]
        == "aucune structure « DLA_30 » dans structures.csv. Vouliez-vous dire « dla_30 »\u00a0?"
    )
    assert "Vouliez-vous dire « finance »" in messages[4]
    assert messages[5] == "lien en double : déjà ligne 2"


def test_duplicated_id_and_override_of_a_missing_row(tmp_path: Path, monkeypatch) -> None:
    ref = copy_reference(tmp_path)
    rows = read_rows(ref / STRUCTURE_FILE)
    first = next(i for i, r in enumerate(rows) if r["id"] == "tag29")
    rows.append(dict(rows[first], name="TAg29 bis"))
    write_rows(ref / STRUCTURE_FILE, rows)
    monkeypatch.setitem(OVERRIDES, "fabrique_disparue", Override(reason="test"))

    problems = build_problems(ref)
    assert places(problems) == [
        (STRUCTURE_FILE, len(rows) + 1, "id", "tag29"),
        (STRUCTURE_FILE, None, "id", "fabrique_disparue"),
    ]
    assert problems[0].message == f"identifiant en double : déjà pris ligne {first + 2}"
    assert "OVERRIDES" in problems[1].message


def test_unreadable_files_are_placed(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    lines = (ref / RELATION_FILE).read_text("utf-8").splitlines(keepends=True)
    lines.insert(3, "avise,ess_france,member_of,texte, avec, virgules,https://avise.org,high\n")
    (ref / RELATION_FILE).write_text("".join(lines), "utf-8")
    text = (ref / STRUCTURE_FILE).read_text("utf-8")
    (ref / STRUCTURE_FILE).write_text(text.replace("confidence", "confiance", 1), "utf-8")

    problems = build_problems(ref)
    assert places(problems) == [
        (STRUCTURE_FILE, 1, "confidence", ""),
        (RELATION_FILE, 4, "", ""),
    ]
    assert problems[0].message == "colonne obligatoire absente"
    assert problems[1].message.startswith("8 cellules au lieu de 6")

    (ref / STRUCTURE_FILE).write_bytes(text.encode("cp1252", errors="replace"))
    (ref / RELATION_FILE).write_text("".join(lines[:3] + lines[4:]), "utf-8")
    (problem,) = build_problems(ref)
    assert places([problem]) == [(STRUCTURE_FILE, None, "", "")]
    assert "UTF-8" in problem.message


def test_data_build_without_a_reference_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ecosystem"
    missing = tmp_path / "nowhere"
    assert main(["data", "build", "--reference", str(missing), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"Référence introuvable : {missing / STRUCTURE_FILE} n’existe pas" in err
    assert "Rien n’a été écrit." in err
    assert not out.exists()


def test_data_build_over_an_unreadable_dataset(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ecosystem"
    shutil.copytree(data_dir() / "ecosystem", out)
    broken = (out / "structures.csv").read_text("utf-8").replace(",high,", ",très sûr,", 1)
    (out / "structures.csv").write_text(broken, "utf-8")

    assert main(["data", "build", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "très sûr" in captured.out  # the importer's table of problems
    assert f"Le jeu de données existant ({out}) est illisible" in captured.err
    assert (out / "structures.csv").read_text("utf-8") == broken

    assert main(["data", "build", "--out", str(out), "--force"]) == 0
    assert filecmp.cmp(out / "structures.csv", data_dir() / "ecosystem" / "structures.csv")


def test_a_newly_sourced_operator_replaces_its_placeholder_without_force(
    tmp_path: Path, capsys
) -> None:
    """The reference grows: dla_r_27 replaces dla_r_27_expected, which is no lost edit."""
    ref = copy_reference(tmp_path)
    rows = read_rows(ref / STRUCTURE_FILE)
    write_rows(ref / STRUCTURE_FILE, [r for r in rows if r["id"] != "dla_r_27"])
    out = tmp_path / "ecosystem"
    assert main(["data", "build", "--reference", str(ref), "--out", str(out)]) == 0
    assert "dla_r_27_expected" in {s.id for s in read_records(out).structures}

    write_rows(ref / STRUCTURE_FILE, rows)
    capsys.readouterr()
    assert main(["data", "build", "--reference", str(ref), "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    ids = {s.id for s in read_records(out).structures}
    assert "dla_r_27" in ids and "dla_r_27_expected" not in ids
    for name in ("structures.csv", "links.csv"):
        assert filecmp.cmp(out / name, data_dir() / "ecosystem" / name, shallow=False), name
