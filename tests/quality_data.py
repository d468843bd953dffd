"""A small ecosystem over the made-up geography whose data quality is worked out by hand.

``tests/data/geo_coverage``: région 99 = départements 91 (13 000 inhabitants), 92
(5 500), 93 (4 500); région 98 = département 94 (4 000). Shared by the tests of
:mod:`fresque.quality` and of the map's quality indicator.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fresque.ecosystem import Ecosystem
from fresque.geo.territories import Territories
from fresque.model import Structure, Survey

GEO = Path(__file__).parent / "data" / "geo_coverage"


def structure(sid: str, dispositif: str, code: str, **fields) -> Structure:
    return Structure(
        id=sid,
        name=sid,
        kind="support_structure",
        dispositifs=[dispositif],
        territory_level="departement",
        territory_codes=[code],
        **fields,
    )


def made_up_ecosystem() -> Ecosystem:
    """The small ecosystem the data-quality tests work out by hand."""
    structures = [
        # 91: a known DLA, sourced, high, fresh; an incubator never verified, unsourced.
        structure(
            "dla_91",
            "dla_departemental",
            "91",
            source_urls=["https://example.org/dla"],
            confidence="high",
            last_verified=date(2026, 1, 1),
        ),
        structure("incub_91", "incubateur", "91", confidence="low"),
        # 92: the DLA's operator is unknown; verified long ago.
        structure(
            "dla_92",
            "dla_departemental",
            "92",
            status="expected",
            source_urls=["https://example.org/92"],
            confidence="medium",
            last_verified=date(2020, 5, 1),
        ),
        # A defunct structure counts for nothing.
        structure("old_93", "incubateur", "93", status="defunct", confidence="high"),
    ]
    survey = Survey(
        id="rec_92",
        territory_level="departement",
        territory_code="92",
        scope="incubateur",
        attested_by="Test",
        date=date(2026, 6, 1),
        source="test",
    )
    return Ecosystem(structures, territories=Territories.load(GEO), surveys=[survey])
