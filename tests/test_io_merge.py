"""Merging an import into a dataset by identifier, with a field-level report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fresque.io import DatasetValidationError, Records, merge_records, read_records
from fresque.model import Link, Structure


def base() -> Records:
    return Records(
        [
            Structure(
                id="tag29",
                name="TAg29",
                kind="support_structure",
                territory_level="departement",
                territory_codes=["29"],
                description="Incubateur du Finistère",
                website="https://tag29.org",
            ),
            Structure(id="avise", name="Avise", kind="network", territory_level="national"),
        ],
        [Link(source="avise", target="tag29", relation="animates")],
    )


def test_new_ids_are_added_and_existing_ones_changed_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "atelier.csv"
    path.write_text(
        "identifiant;nom;type;département;site web\n"
        "tag29;TAg29;Réseau;29;\n"  # kind changes; empty website keeps the dataset's
        "dla29;DLA 29;Structure d’accompagnement;Finistère;\n",
        encoding="utf-8",
    )
    incoming = read_records(path)
    merged, report = merge_records(base(), incoming)
    assert report.added_structures == ("dla29",)
    [change] = report.changed_structures
    assert change.key == "tag29"
    assert [(c.field, c.old.value, c.new.value) for c in change.changes] == [
        ("kind", "support_structure", "network")
    ]
    assert report.unchanged_structures == 0
    tag = next(s for s in merged.structures if s.id == "tag29")
    assert tag.website == "https://tag29.org"  # not in the file's cells: kept
    assert tag.description == "Incubateur du Finistère"  # no such column: kept
    assert [s.id for s in merged.structures] == ["avise", "dla29", "tag29"]
    text = report.format()
    assert "1 ajoutée, 1 modifiée" in text
    assert "kind : « support_structure » → « network »" in text


def test_links_merge_on_source_target_relation() -> None:
    incoming = Records(
        [],
        [
            Link(source="avise", target="tag29", relation="animates", since=date(2015, 1, 1)),
            Link(source="avise", target="tag29", relation="funds"),
        ],
    )
    merged, report = merge_records(base(), incoming)
    assert report.added_links == ("avise → tag29 (funds)",)
    [change] = report.changed_links
    assert [c.field for c in change.changes] == ["since"]
    assert len(merged.links) == 2


def test_importing_the_same_data_changes_nothing() -> None:
    merged, report = merge_records(base(), base())
    assert not report.changed_anything
    assert report.unchanged_structures == 2 and report.unchanged_links == 1
    assert merged == base().sorted()


def test_an_update_that_would_be_inconsistent_is_refused() -> None:
    dataset = Records(
        [],
        [Link(source="a", target="b", relation="funds", since=date(2020, 1, 1))],
    )
    incoming = Records([], [Link(source="a", target="b", relation="funds", until=date(2019, 1, 1))])
    with pytest.raises(DatasetValidationError, match="précède"):
        merge_records(dataset, incoming)


def test_merge_does_not_touch_its_inputs() -> None:
    dataset = base()
    before = dataset.structures[0].model_copy()
    merge_records(
        dataset,
        Records([Structure(id="tag29", name="X", kind="network", territory_level="national")]),
    )
    assert dataset.structures[0] == before


def test_a_level_travels_with_its_codes() -> None:
    national = Structure(
        id="tag29", name="TAg29", kind="support_structure", territory_level="national"
    )
    merged, report = merge_records(base(), Records([national]))
    tag = next(s for s in merged.structures if s.id == "tag29")
    assert (tag.territory_level.value, tag.territory_codes) == ("country", ["FR"])
    assert [c.field for c in report.changed_structures[0].changes] == [
        "territory_level",
        "territory_codes",
    ]
