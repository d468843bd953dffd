"""Text hygiene (issue #13): any script is a name, no control character is stored, and no
stored text can break an export.

* At the door: every text field goes through :func:`fresque.model.clean_text` (NFC,
  line breaks and tabs, C0/C1 controls removed, bidirectional controls refused), names
  of any script are names and get an identifier.
* At the exit: records that hold every one of the 65 C0/C1 characters, U+202E, emoji,
  Arabic, CJK and a 10,000-character description (text stored before the hygiene existed,
  built here without validation) are written in every format, and every file that can be
  read is read back.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from fresque.cli import main
from fresque.io import DatasetValidationError, read_records
from fresque.io.tables import FORMATS, write_records
from fresque.io.validate import Records
from fresque.model import (
    BIDI_CONTROLS,
    Link,
    Structure,
    clean_text,
    export_text,
    has_letter_or_digit,
    slugify,
)

#: The 65 C0 and C1 control characters.
CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
ARABIC = "حاضنة مشاريع بريست"
CJK = "東京の社会的企業インキュベーター"
EMOJI = "🌱 Incubateur 🤝"


def test_there_are_65_controls_and_each_is_a_control() -> None:
    assert len(CONTROLS) == 65
    assert {unicodedata.category(c) for c in CONTROLS} == {"Cc"}


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_no_control_character_is_stored(char: str) -> None:
    record = Structure(
        id="s",
        name=f"Incubateur{char}Brest",
        kind="support_structure",
        territory_level="country",
        description=f"ligne 1{char}ligne 2",
    )
    assert not any(unicodedata.category(c) == "Cc" for c in record.name)
    assert record.name in ("IncubateurBrest", "Incubateur Brest")
    kept = [c for c in record.description if unicodedata.category(c) == "Cc"]
    assert set(kept) <= {"\n", "\t"}  # a multi-line field keeps its line breaks and tabs
    if char in "\n\r\x0b\x0c\x85":
        assert record.description == "ligne 1\nligne 2"


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS))
def test_a_bidi_control_is_refused_with_a_reason(char: str) -> None:
    with pytest.raises(ValueError, match="sens d’écriture"):
        Structure(id="s", name=f"abc{char}def", kind="network", territory_level="country")


def test_any_script_is_a_name_with_an_identifier() -> None:
    for name in (ARABIC, CJK, EMOJI, "Ελληνικά", "Кооператив"):
        assert has_letter_or_digit(name)
        record = Structure(
            id=slugify(name), name=name, kind="support_structure", territory_level="country"
        )
        assert record.name == unicodedata.normalize("NFC", name)
    # Distinct names get distinct identifiers, and the same name the same one.
    assert slugify(ARABIC) == slugify(ARABIC) != slugify(CJK)
    assert slugify("Кооператив") != slugify("Ελληνικά")
    with pytest.raises(ValueError):
        slugify("— ! …")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Кооператив «Брест»", "kooperativ_brest"),
        ("Соціальне підприємство", "sotsialne_pidpriyemstvo"),
        ("Ελληνική Κοινωνική Οικονομία", "elliniki_koinoniki_oikonomia"),
        ("Ψυχή θάλασσα", "psychi_thalassa"),
    ],
)
def test_cyrillic_and_greek_names_are_spelled_in_latin(name: str, expected: str) -> None:
    """Where a script has a simple Latin spelling the identifier reads; else a hash."""
    assert slugify(name) == expected


def test_a_csv_row_named_in_arabic_is_valid(tmp_path: Path, capsys) -> None:
    """The finding: `fresque validate` said « la colonne « id » doit être remplie »."""
    path = tmp_path / "structures.csv"
    path.write_text(
        "name;kind;territory_level;territory_codes\n"
        f"{ARABIC};support_structure;departement;29\n"
        "abc\u202edef;support_structure;departement;29\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (3, "name")
    assert "sens d’écriture" in problem.message and "U+202E" in problem.message
    path.write_text(
        f"name;kind;territory_level;territory_codes\n{ARABIC};support_structure;departement;29\n",
        encoding="utf-8",
    )
    (record,) = read_records(path).structures
    assert record.name == ARABIC and record.id == slugify(ARABIC)
    assert main(["validate", str(path)]) == 0
    assert "id" not in capsys.readouterr().err


# --- exports ---------------------------------------------------------------------------


def hostile_records() -> Records:
    """Records holding every hostile text, built without validation (stored before)."""
    controls = "".join(CONTROLS)
    long_text = ("Accompagnement « ESS » ; " * 420)[:9_999] + "."
    texts = [
        f"Incubateur {controls} fin",
        f"Nom inversé \u202e{ARABIC}",
        f"{EMOJI} {CJK}",
        ARABIC,
    ]
    structures = [
        Structure.model_construct(
            **{
                **Structure(
                    id=f"s{i}", name="x", kind="support_structure", territory_level="country"
                ).model_dump(),
                "name": text,
                "description": (long_text if i == 0 else text + "\n" + controls),
            }
        )
        for i, text in enumerate(texts)
    ]
    links = [
        Link.model_construct(
            **{
                **Link(source="s0", target="s1", relation="partners_with").model_dump(),
                "description": controls + "\u202e" + CJK,
            }
        )
    ]
    return Records(structures, links)


SUFFIXES = {
    "csv": "out",
    "xlsx": "out.xlsx",
    "json": "out.json",
    "kumu": "kumu.xlsx",
    "graphml": "out.graphml",
    "gexf": "out.gexf",
    "geojson": "out.geojson",
}


def expected_name(text: str) -> str:
    """What a stored name reads back as: exported safely, then cleaned at the door."""
    return clean_text(export_text(text)).strip()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_writes_hostile_text_and_reads_it_back(fmt: str, tmp_path: Path) -> None:
    assert set(SUFFIXES) == set(FORMATS)
    records = hostile_records()
    path = write_records(records, tmp_path / SUFFIXES[fmt], fmt)
    if fmt == "geojson":  # points of located structures: none here, still a valid file
        assert json.loads(path.read_text("utf-8"))["type"] == "FeatureCollection"
        return
    back = read_records(path)
    names = {s.id: s.name for s in back.structures}
    assert names == {s.id: expected_name(s.name) for s in records.structures}
    assert "\u202e" not in "".join(names.values())
    long = next(s for s in back.structures if s.id == "s0").description
    assert len(long) == 10_000
    for record in back.structures:
        assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in record.name)
        assert ARABIC in names["s3"] and CJK in names["s2"] and "🌱" in names["s2"]


def test_the_network_page_holds_hostile_text(tmp_path: Path) -> None:
    from fresque.ecosystem import Ecosystem
    from fresque.geo.territories import Territories
    from fresque.views.pyvis_export import write_network_html

    records = hostile_records()
    cleaned = [
        s.model_copy(
            update={"name": expected_name(s.name), "description": export_text(s.description)}
        )
        for s in records.structures
    ]
    eco = Ecosystem(cleaned, territories=Territories.load("tests/data/geo_mini"))
    page = write_network_html(eco, tmp_path / "reseau.html").read_text("utf-8")
    assert "\x00" not in page and "\u202e" not in page
    assert ARABIC in page or json.dumps(ARABIC)[1:-1] in page
