"""Regenerate the pictures the README shows, with convcli itself (deterministic).

* ``montage.png``: the quick start's montage (four feature maps of the sample
  photo, one scale for all four tiles, in the magma colour map).
* ``report.png``: a ``--report`` sheet (the vertical line with a line detector, a Sobel
  edge detector and a blur: input, kernels and feature maps side by side).

Usage (from anywhere)::

    python sample_images/rendered/make_rendered.py           # writes next to this script
    python sample_images/rendered/make_rendered.py OUT_DIR   # writes into an existing folder

``tests/test_cli_pictures.py`` regenerates both into a temporary folder and checks that
the pixels are the ones committed here.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

RENDERINGS: dict[str, list[str]] = {
    "montage.png": [
        "apply", "sample_images/photo-grey.png", "-k", "sobel-x", "-k", "sobel-y",
        "-k", "laplacian", "-k", "sharpen", "-p", "same", "--normalize", "abs",
        "--cmap", "magma", "-q", "-o", "{out}",
    ],
    "report.png": [
        "apply", "sample_images/vertical-line.png", "-k", "vertical-line", "-k", "sobel-x",
        "-k", "gaussian:size=3", "-q", "--report", "{out}",
    ],
}  # fmt: skip
"""Each picture's ``convcli`` arguments, run from the repository root."""


def render(name: str, folder: Path) -> Path:
    """Run the command of ``name`` with its output in ``folder``; return the file.

    The PNG is then saved again at zlib's best compression (the same pixels, for a
    smaller repository); what the command prints is dropped.
    """
    sys.path.insert(0, str(ROOT))
    from PIL import Image

    from convcli.cli import main

    out = folder.resolve() / name
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            main([arg.format(out=out) for arg in RENDERINGS[name]])
    except SystemExit as done:
        if done.code not in (0, None):
            raise SystemExit(f"{name}: convcli exited with {done.code}") from None
    finally:
        os.chdir(cwd)
    with Image.open(out) as image:
        image.load()
        image.save(out, "PNG", optimize=True)
    return out


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else HERE
    for name in RENDERINGS:
        print(f"wrote {render(name, folder)}")


if __name__ == "__main__":
    main(sys.argv[1:])
