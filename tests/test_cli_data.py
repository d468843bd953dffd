"""`fresque data build` never silently drops what was imported into the dataset."""

from __future__ import annotations

import shutil

from fresque.cli import main
from fresque.io import read_records
from fresque.paths import data_dir


def test_rebuild_refuses_to_drop_imported_records(tmp_path, capsys):
    folder = tmp_path / "ecosystem"
    shutil.copytree(data_dir() / "ecosystem", folder)
    extra = tmp_path / "nouvelle.csv"
    extra.write_text(
        "id;nom;type;échelon;territoires;sources;confiance\n"
        "tiers_lieu_morlaix;Tiers-lieu de Morlaix;support_structure;commune;29151;"
        "https://example.org/tiers-lieu;medium\n",
        encoding="cp1252",
    )
    assert main(["import", str(extra), "--into", str(folder)]) == 0
    capsys.readouterr()

    assert main(["data", "build", "--out", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "tiers_lieu_morlaix" in err and "--force" in err
    ids = {s.id for s in read_records(folder).structures}
    assert "tiers_lieu_morlaix" in ids  # nothing was written

    assert main(["data", "build", "--out", str(folder), "--force"]) == 0
    ids = {s.id for s in read_records(folder).structures}
    assert "tiers_lieu_morlaix" not in ids
