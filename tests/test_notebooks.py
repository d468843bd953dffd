"""The notebooks: committed without outputs, and each runs from a fresh copy in under 60 s
with sensible results (read back from its last cell, « Vérification »)."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = (
    "01_decouvrir_l_ecosysteme",
    "02_couverture_territoriale",
    "03_analyse_du_reseau",
    "04_importer_vos_donnees",
)
#: Each notebook must run in less than this (seconds, kernel start included).
BUDGET = 60


def test_every_notebook_is_listed():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: une cellule garde ses sorties"
            assert cell.execution_count is None, f"{name}: un numéro d’exécution est resté"
        assert "attachments" not in cell or not cell.attachments
    assert notebook.cells[0].source.startswith(f"# {int(name[:2])}. ")  # numbered, French title


def test_the_kernel_is_this_interpreter():
    """nbclient starts the ``python3`` kernel with the interpreter running the tests."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    manager = KernelManager(kernel_name="python3")
    command = manager.format_kernel_cmd()
    assert spec.argv[0] in {"python", "python3", sys.executable}
    assert command[0] == sys.executable


def _run(name: str, folder: Path) -> tuple[nbformat.NotebookNode, float]:
    """Execute a copy of the notebook with ``folder`` as working directory.

    A failing cell does not raise here: its error stays in the outputs, where
    :func:`_errors` finds it, so that the other notebooks still run and report.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = folder / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    with contextlib.suppress(CellExecutionError):
        NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=BUDGET,
            resources={"metadata": {"path": str(folder)}},
        ).execute()
    return notebook, time.perf_counter() - start


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, tuple[nbformat.NotebookNode, float]]:
    """Run the four notebooks, two at a time, each in a fresh copy of ``notebooks/``."""
    runs = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {}
        for name in NAMES:
            folder = tmp_path_factory.mktemp(name)
            shutil.copytree(NOTEBOOKS, folder, dirs_exist_ok=True)
            futures[name] = pool.submit(_run, name, folder)
        for name, future in futures.items():
            runs[name] = future.result()
    return runs


def _check(notebook: nbformat.NotebookNode) -> dict:
    """The JSON the last cell prints."""
    last = notebook.cells[-1]
    assert "verification" in last.source
    text = "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def _errors(notebook: nbformat.NotebookNode) -> list[str]:
    """``ename: evalue`` of every error output."""
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type == "error"
    ]


@pytest.mark.parametrize("name", NAMES)
def test_runs_in_time_without_error(executed, name):
    notebook, seconds = executed[name]
    assert _errors(notebook) == []
    print(f"{name}: {seconds:.1f} s")
    assert seconds < BUDGET


def test_01_discovers_the_ecosystem(executed):
    notebook, _ = executed["01_decouvrir_l_ecosysteme"]
    check = _check(notebook)
    assert check["structures"] == 331 and check["liens"] == 625
    # The second pass of the reference added actors linked only among themselves or not
    # at all (Pulse and Groupe SOS, La Ruche, SenseCube, Inizià…): 22 components.
    assert check["composantes"] == 22
    assert check["plus_central"] == "dla_national"
    assert check["page_sans_cdn"] is True
    assert check["departements_avec_structures"] > 15
    # The network is shown inline (an iframe) and the map as a picture.
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any(h.startswith("<iframe srcdoc=") for h in html)
    assert any("image/png" in o.get("data", {}) for o in outputs)


def test_02_covers_one_region(executed):
    check = _check(executed["02_couverture_territoriale"][0])
    assert check["region"] == "Bretagne"
    assert check["epci"] > 50
    # No local structure supports scaling anywhere in Bretagne: every EPCI is a gap.
    assert check["epci_sans_offre_scaling"] == check["epci"]
    assert check["premier_manque"] in {"scaling", "impact_evaluation"}
    # Unknown operators: the DLA départemental of Côtes-d'Armor and Morbihan (Finistère
    # and Ille-et-Vilaine are sourced), and the DLA régional in the four départements.
    assert check["inconnus"] == 2 + 4
    # Issue #12 §5: regional offers without a known commune (TAg BZH, France Active…) may
    # be anywhere in Bretagne: nobody is surely beyond 30 km, most are maybe beyond.
    assert check["part_au_dela_30km"] == 0
    assert 0.5 < check["part_inconnue_30km"] < 1
    assert {"tag56", "dla_56_expected", "fai_bretagne"} <= set(check["offres_sans_commune"])
    assert "tag29" not in check["offres_sans_commune"]  # located in Morlaix


def test_03_analyses_the_network(executed):
    check = _check(executed["03_analyse_du_reseau"][0])
    assert check["structures_region"] > 15
    assert check["premier_passeur_national"] == "dla_national"
    assert check["communautes"] >= 2 and 0 < check["modularite"] < 1
    assert "fai_bretagne" in check["articulations"]
    assert check["nouveaux_manques_tag29"] == ["incubateur"]
    assert check["coupees_sans_acteur"]  # the TAg of three départements hang on it


def test_04_imports_a_spreadsheet(executed):
    check = _check(executed["04_importer_vos_donnees"][0])
    assert check["problemes_avant"] == 5
    assert check["structures_ajoutees"] == 5 and check["liens_ajoutes"] == 5
    assert check["noeuds_gexf"] == 331 + 5
    assert check["feuilles_kumu"] == ["Connections", "Elements"]
    assert check["scaling_35_apres"] == "single"  # the accelerator fills the gap
