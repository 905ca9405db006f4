"""Run the real ``convcli`` entry point in-process or as a process, capturing bytes.

In-process runs (:func:`run_cli`) are fast and exercise ``main()`` exactly as the
console script does, error handling included; :func:`run_process` is for what only a
real process shows (pipes closed by the reader, no traceback on stderr, exit codes).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from convcli.cli import main


@dataclass
class Result:
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8")


def run_cli(*args: str, stdin: bytes = b"", env: Mapping[str, str] | None = None) -> Result:
    """Call ``convcli.cli.main(args)`` with captured standard streams."""
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    saved_env = dict(os.environ)
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    os.environ.pop("NO_COLOR", None)
    os.environ["COLUMNS"] = "100"
    os.environ.update(env or {})
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # Read before the wrappers are dropped: closing them closes the buffers.
        captured = out.getvalue(), err.getvalue().decode("utf-8")
        sys.stdin, sys.stdout, sys.stderr = saved
        os.environ.clear()
        os.environ.update(saved_env)
    return Result(code, *captured)


def run_process(
    *args: str, stdin: bytes = b"", cwd: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m convcli ARGS`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "convcli", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )
