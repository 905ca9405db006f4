"""What a new user installs and runs: dependencies, entry points, version, help."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from importlib.metadata import entry_points
from pathlib import Path

from clirun import run_cli, run_process

import convcli

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def names(requirements: list[str]) -> set[str]:
    return {r.split(">")[0].split("=")[0].split("<")[0].strip().lower() for r in requirements}


def test_runtime_dependencies_are_exactly_the_four() -> None:
    assert names(PROJECT["dependencies"]) == {"numpy", "typer", "pillow", "rich"}


def test_test_and_dev_extras() -> None:
    extras = PROJECT["optional-dependencies"]
    assert {"pytest", "hypothesis"} <= names(extras["test"])
    assert {"pytest", "hypothesis", "ruff", "mypy"} <= names(extras["dev"])


def test_every_subpackage_goes_into_the_wheel() -> None:
    # A plain `pip install .` ships only what this lists; editable installs hide a miss.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    include = config["packages"]["find"]["include"]
    packages = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "convcli").rglob("__init__.py")
    }
    assert {"convcli", "convcli.commands", "convcli.strategies"} <= packages
    assert all(any(fnmatch(p, pattern) for pattern in include) for p in packages)


def test_console_script_points_at_main() -> None:
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["convcli"] == "convcli.cli:main"


def test_version_from_the_command_and_python_dash_m() -> None:
    assert run_cli("--version").text == f"convcli {convcli.__version__}\n"
    assert run_cli("-V").text == f"convcli {convcli.__version__}\n"
    process = run_process("--version")
    assert process.returncode == 0
    assert process.stdout.decode() == f"convcli {convcli.__version__}\n"
    assert PROJECT["version"] == convcli.__version__


def test_every_command_has_help_with_examples() -> None:
    from convcli.cli import COMMANDS

    root = run_cli("-h", env={"COLUMNS": "120"})
    assert root.code == 0
    assert "Examples" in root.text
    for command in COMMANDS:
        assert "Examples" in run_cli(command, "-h", env={"COLUMNS": "120"}).text
        assert run_cli(command, "--help").code == 0


def test_help_does_not_import_numpy() -> None:
    # Start-up: the CLI module imports NumPy, Pillow and rich's heavy parts only when a
    # command runs, so `convcli --help` stays quick.
    probe = "import sys, convcli.cli; print(sorted({'numpy', 'PIL'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True)
    assert done.stdout.decode().strip() == "[]"
