"""The project's promises: two commands, CI calling the test command, conda mirror."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import fresque
from fresque.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        _name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]
    }
    conda = (ROOT / "environment.yml").read_text().lower().split("dependencies:", 1)[1]
    listed = set(re.findall(r"^\s*-\s+([a-z0-9][a-z0-9_.-]*)", conda, flags=re.M))
    missing = {name for name in declared if name not in listed}
    assert not missing, f"environment.yml lacks {sorted(missing)}"
    extra = listed - declared - {"python", "pip", "e"}
    assert not extra, f"environment.yml has {sorted(extra)}, which pyproject.toml lacks"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "make test" in ci


def test_version_command(capsys):
    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert capsys.readouterr().out.strip() == f"fresque {fresque.__version__}"


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "fresque"
    result = subprocess.run([script, "geo", "info"], capture_output=True, text=True, check=True)
    assert "34 875" in result.stdout  # communes
    assert "départements" in result.stdout and "101" in result.stdout


def test_geo_info_on_an_empty_folder(tmp_path, capsys):
    assert main(["geo", "info", "--dir", str(tmp_path)]) == 0
    assert "fresque geo build" in capsys.readouterr().out
