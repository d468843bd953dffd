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


def _shipped_patterns() -> dict[str, list[str]]:
    """Package-data globs of pyproject.toml, as paths relative to the repository."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    return {package.replace(".", "/"): globs for package, globs in package_data.items()}


def _glob_matches(path: str, glob: str) -> bool:
    """Setuptools' globs: ``*`` stays within one folder (``assets/*.js`` does not ship
    ``assets/vendor/x.js``); ``**`` spans folders."""
    from fnmatch import fnmatchcase

    if "**" in glob:
        return fnmatchcase(path, glob.replace("**/", "*").replace("**", "*"))
    parts, globs = path.split("/"), glob.split("/")
    return len(parts) == len(globs) and all(map(fnmatchcase, parts, globs))


def test_glob_matches_like_setuptools():
    assert _glob_matches("assets/fresque.js", "assets/*.js")
    assert not _glob_matches("assets/vendor/plotly.js", "assets/*.js")
    assert _glob_matches("assets/vendor/plotly.js", "assets/**/*.js")
    assert not _glob_matches("migrations/env.py.mako", "migrations/script.py.mako")


def test_every_data_file_of_the_package_is_shipped():
    """A file under fresque/ that is not Python (asset, template, Alembic's script template)
    must match a package-data glob, or an installed (non-editable) Fresque lacks it."""
    patterns = _shipped_patterns()
    tracked = subprocess.run(
        ["git", "ls-files", "fresque"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data_files = [path for path in tracked if not path.endswith(".py")]
    assert "fresque/store/migrations/script.py.mako" in data_files
    unshipped = []
    for path in data_files:
        owners = [p for p in patterns if path.startswith(p + "/")]
        shipped = any(
            _glob_matches(path[len(owner) + 1 :], glob)
            for owner in owners
            for glob in patterns[owner]
        )
        if not shipped:
            unshipped.append(path)
    # READMEs beside vendored files document them; they need not be installed.
    unshipped = [path for path in unshipped if not path.endswith("README.md")]
    assert not unshipped, f"not in [tool.setuptools.package-data]: {unshipped}"
