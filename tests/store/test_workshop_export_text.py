"""A workshop's export never breaks on its text, on SQLite and on PostgreSQL (issue #13,
finding 1, workshop side).

The workshop holds cards whose name and description carry each of the 65 C0/C1 control
characters (typed in the forms: the text hygiene removes them, or makes a line break or
a tab of them where the field is multi-line), Arabic, CJK and emoji names, a
10,000-character description (from the dataset the workshop starts from: the forms stop
at 1,000) and a link whose description holds every control. ``fresque workshop export``
writes every format it offers and the panel's export builds its XLSX and JSON downloads;
each file reads back with the text the workshop shows. A failing export tells the panel
so in words, instead of an HTTP 500.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select, update
from test_text_hygiene import ARABIC, CJK, CONTROLS, EMOJI

from fresque.app.pages.atelier.export import export_download
from fresque.cli import main
from fresque.io import Records, read_records, write_csv_dir
from fresque.io.tables import FORMATS
from fresque.model import Structure
from fresque.store.errors import InvalidInput
from fresque.store.schema import structures
from store.store_helpers import GEO_MINI

CARD = {
    "kind": "Structure d'accompagnement",
    "dispositifs": ["Incubateur"],
    "territory_level": "département",
    "territory_codes": ["Côtes-d'Armor"],
    "commune_code": "Saint-Servais (22)",
}
LONG = ("Accompagnement « ESS » en Bretagne ; " * 300)[:9_999] + "."
#: What each format is written to (a folder for csv).
OUTPUTS = {
    "csv": "atelier",
    "xlsx": "atelier.xlsx",
    "json": "atelier.json",
    "kumu": "kumu.xlsx",
    "graphml": "atelier.graphml",
    "gexf": "atelier.gexf",
    "geojson": "atelier.geojson",
}


@pytest.fixture
def hostile(service, tmp_path: Path):
    """A workshop on a base holding the long description, with a card per control
    character, cards in other scripts and a link holding every control; returns the
    facilitator's token and the records the workshop shows."""
    base = tmp_path / "base"
    write_csv_dir(
        Records(
            [
                Structure(
                    id="longue",
                    name="Réseau à la longue description",
                    kind="network",
                    territory_level="departement",
                    territory_codes=["22"],
                    description=LONG,
                )
            ]
        ),
        base,
    )
    _workshop, token = service.create_workshop("Écritures", base=str(base))
    for number, char in enumerate(CONTROLS):
        service.add_structure(
            token,
            {
                **CARD,
                "name": f"Carte {number:02d} {char}fin",
                "description": f"avant{char}après\tcolonne\nligne",
            },
        )
    ids = [
        service.add_structure(token, {**CARD, "name": name}).structure.id
        for name in (ARABIC, CJK, EMOJI)
    ]
    with pytest.raises(InvalidInput, match="sens d’écriture"):
        service.add_structure(token, {**CARD, "name": "abc\u202edef"})
    service.add_link(
        token,
        {
            "source": ids[0],
            "target": "longue",
            "relation": "member_of",
            "description": "début" + "".join(CONTROLS) + CJK,
        },
    )
    return token, service.records(token)


def texts(records) -> dict[str, tuple[str, str]]:
    """Name and description of every structure and link, by identifier."""
    found = {s.id: (s.name, s.description) for s in records.structures}
    for k in records.links:
        found[f"{k.source}→{k.target}"] = ("", k.description)
    return found


def test_the_forms_store_what_the_text_hygiene_keeps(hostile) -> None:
    _token, shown = hostile
    names = {s.name for s in shown.structures}
    assert {ARABIC, CJK, EMOJI, "Réseau à la longue description"} <= names
    for number, char in enumerate(CONTROLS):
        card = next(s for s in shown.structures if s.name.startswith(f"Carte {number:02d} "))
        assert card.name in (f"Carte {number:02d} fin", f"Carte {number:02d}  fin")
        breaks = char in "\n\r\x0b\x0c\x85"
        kept = "\n" if breaks else "\t" if char == "\t" else ""
        assert card.description == f"avant{kept}après\tcolonne\nligne"
    long = next(s for s in shown.structures if s.id == "longue")
    assert long.description == LONG and len(LONG) == 10_000
    (link,) = shown.links
    # tab, line feed, vertical tab, form feed, carriage return and NEL: a tab, 5 breaks
    assert link.description == "début\t\n\n\n\n\n" + CJK
    for text in [s.name for s in shown.structures]:
        assert not any(unicodedata.category(c) == "Cc" for c in text)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_cli_exports_every_format_and_each_reads_back(
    hostile, db_url: str, fmt: str, tmp_path: Path, capsys
) -> None:
    token, shown = hostile
    out = tmp_path / OUTPUTS[fmt]
    # --token=…: a token may start with « - », which argparse would take for an option
    args = ["workshop", "export", f"--token={token}", "--out", str(out), "--format", fmt]
    assert main([*args, "--url", db_url]) == 0, capsys.readouterr().err
    assert "écrit" in capsys.readouterr().out
    if fmt == "geojson":  # points of the located cards, with their names
        document = json.loads(out.read_text("utf-8"))
        named = {f["properties"]["id"]: f["properties"]["name"] for f in document["features"]}
        assert named and all(named[i] == texts(shown)[i][0] for i in named)
        assert ARABIC in named.values() and EMOJI in named.values()
        return
    assert texts(read_records(out, territories=_territories())) == texts(shown)


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_the_panel_export_downloads_a_file_that_reads_back(
    hostile, service, fmt: str, tmp_path: Path
) -> None:
    token, shown = hostile
    download, message = export_download(service, token, fmt, "fr")
    assert message == ""
    assert download["filename"].endswith(f".{fmt}")
    path = tmp_path / download["filename"]
    path.write_bytes(_bytes_of(download))
    assert texts(read_records(path, territories=_territories())) == texts(shown)


def test_text_stored_before_the_hygiene_still_exports(hostile, service, engine, tmp_path) -> None:
    """A card stored before the text hygiene existed may hold a NUL, a vertical tab or a
    right-to-left override: the export writes it without them."""
    token, _shown = hostile
    workshop = service.workshop(token)
    with engine.begin() as conn:
        sid, data = conn.execute(
            select(structures.c.sid, structures.c.data).where(
                structures.c.workshop_id == workshop.id, structures.c.sid == "longue"
            )
        ).one()
        data = {**data, "name": "Ancien\x00 nom \u202einversé", "description": "a\x0bb\x00c"}
        conn.execute(
            update(structures)
            .where(structures.c.workshop_id == workshop.id, structures.c.sid == sid)
            .values(data=data)
        )
    download, message = export_download(service, token, "xlsx", "fr")
    assert message == ""
    path = tmp_path / "ancien.xlsx"
    path.write_bytes(_bytes_of(download))
    old = next(s for s in read_records(path, territories=_territories()).structures if s.id == sid)
    assert (old.name, old.description) == ("Ancien nom inversé", "a\nbc")


def test_a_failing_export_tells_the_panel_in_words(hostile, service, monkeypatch) -> None:
    token, _shown = hostile

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "export", broken)
    download, message = export_download(service, token, "xlsx", "fr")
    assert download is None
    assert message.startswith("L’export n’a pas pu être fait")
    assert "Errno" not in message and "Traceback" not in message
    download, message = export_download(service, "pas-un-jeton", "xlsx", "fr")
    assert download is None and "lien" in message.lower()
    english = export_download(service, token, "json", "en")[1]
    assert english.startswith("The export could not be made")


def test_a_failing_cli_export_says_where_it_could_not_write(
    hostile, db_url: str, tmp_path: Path, capsys
) -> None:
    token, _shown = hostile
    (tmp_path / "rapport.txt").write_text("un fichier, pas un dossier")
    out = tmp_path / "rapport.txt" / "atelier.xlsx"
    assert main(["workshop", "export", f"--token={token}", "--out", str(out), "--url", db_url]) == 1
    err = capsys.readouterr().err
    assert f"L’export n’a pas pu être écrit dans {out} : un fichier porte le nom" in err
    assert "Traceback" not in err


def _bytes_of(download: dict) -> bytes:
    import base64

    assert download["base64"] is True
    return base64.b64decode(download["content"])


def _territories():
    from fresque.geo.territories import Territories

    return Territories.load(GEO_MINI)
