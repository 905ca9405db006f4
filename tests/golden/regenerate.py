"""Rewrite the golden renderings in tests/golden/ from tests/golden/cases.txt.

Usage (from anywhere)::

    python tests/golden/regenerate.py            # every case
    python tests/golden/regenerate.py a.txt b.txt  # only these

Review ``git diff tests/golden`` before committing: a golden file is a promise about
what users see.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parent.parent


@dataclass(frozen=True)
class Case:
    """One rendering: the golden file's name, extra environment, the CLI arguments."""

    name: str
    env: dict[str, str]
    args: list[str]


def read_cases(path: Path = GOLDEN / "cases.txt") -> list[Case]:
    """Parse ``FILE: [VAR=value ...] convcli ARGS...`` lines; ``#`` starts a comment."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        words = shlex.split(command)
        env = {}
        while words and "=" in words[0] and not words[0].startswith("-"):
            key, _, value = words.pop(0).partition("=")
            env[key] = value
        if not words or words[0] != "convcli":
            raise SystemExit(f"{path.name} line {number}: expected 'FILE: convcli ...': {line}")
        cases.append(Case(name.strip(), env, words[1:]))
    return cases


def render(case: Case) -> tuple[int, str, str]:
    """Run the case in-process from the repository root: (exit code, stdout, stderr)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from clirun import run_cli

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = run_cli(*case.args, env=case.env)
    finally:
        os.chdir(cwd)
    return result.code, result.text, result.err


def main(names: list[str]) -> None:
    cases = read_cases()
    unknown = set(names) - {case.name for case in cases}
    if unknown:
        raise SystemExit(f"no such case: {', '.join(sorted(unknown))}")
    for case in cases:
        if names and case.name not in names:
            continue
        code, out, err = render(case)
        if code != 0:
            raise SystemExit(f"{case.name}: exit {code}: {err}")
        (GOLDEN / case.name).write_text(out, encoding="utf-8")
        print(f"wrote tests/golden/{case.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
