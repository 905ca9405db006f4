"""Where each input's result goes: check output options once, then name each target.

Pure path logic, no I/O beyond ``os.path`` checks, so the CLI can refuse a bad
combination of ``-o``, ``--output-dir`` and ``--format`` before it computes anything.

Examples
--------
>>> plan = OutputPlan.build(["a.png", "b.csv"], output=None, output_dir=".", fmt=None)
>>> plan.destination_for("a.png", stem="a", suffix=".png", kind="image")
'./a.png'
>>> plan.destination_for("b.csv", stem="b", suffix=".csv", kind="text")
'./b.npy'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from convcli.errors import OutputError, ParameterError
from convcli.writers import DATA_FORMATS, FORMAT_ALIASES, IMAGE_FORMATS

FORMATS = ("table", *DATA_FORMATS, *IMAGE_FORMATS)
# Formats that must not be written raw to a terminal.
BINARY_FORMATS = ("npy", *IMAGE_FORMATS)


def normalize_format(fmt: str | None) -> str | None:
    """Check ``--format`` and fold aliases (jpeg -> jpg, tiff -> tif).

    Examples
    --------
    >>> normalize_format("JPEG")
    'jpg'
    """
    if fmt is None:
        return None
    name = FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
    if name not in FORMATS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}; got '{fmt}'")
    return name


@dataclass(frozen=True)
class OutputPlan:
    """The validated output options of one ``apply`` call."""

    output: str | None
    output_dir: str | None
    fmt: str | None
    # Targets already handed out in this run, so two inputs never write one file.
    claimed: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls,
        inputs: list[str],
        *,
        output: str | None,
        output_dir: str | None,
        fmt: str | None,
        split: bool = False,
        cmap: str | None = None,
    ) -> OutputPlan:
        """Validate the combination of output options for these inputs."""
        name = normalize_format(fmt)
        to_terminal = output_dir is None and output in (None, "-") and name in (None, "table")
        if to_terminal and (split or cmap is not None):
            option = "--split" if split else "--cmap"
            raise ParameterError(
                f"{option} is for image files; the maps are printed as a table here: "
                "add -o FILE.png or --output-dir DIR"
            )
        if name == "table" and output not in (None, "-"):
            raise ParameterError(
                f"--format table prints to the terminal; it cannot be written to '{output}': "
                "drop --format or choose csv, tsv, txt, json, npy or an image format"
            )
        if output is not None and output_dir is not None:
            raise ParameterError("give -o/--output or --output-dir, not both")
        if inputs.count("-") > 1:
            raise ParameterError("standard input ('-') can be read only once")
        if output is not None and len(inputs) > 1:
            raise ParameterError(
                f"-o names one file but {len(inputs)} inputs were given; "
                "use --output-dir DIR to write one file per input"
            )
        if output_dir is not None:
            if not os.path.isdir(output_dir):
                what = "is not a folder" if os.path.exists(output_dir) else "does not exist"
                raise OutputError(
                    f"output folder '{output_dir}' {what} (convcli creates no folders)"
                )
            if name == "table":
                raise ParameterError(
                    "--format table prints to the terminal; it cannot be written with --output-dir"
                )
        elif output is None and len(inputs) > 1 and name not in (None, "table"):
            raise ParameterError(
                f"{len(inputs)} inputs with --format {name} would mix on standard output; "
                "use --output-dir DIR"
            )
        return cls(output=output, output_dir=output_dir, fmt=name)

    def check_targets(self, inputs: list[tuple[str, str, str, str | None]]) -> None:
        """Refuse, before any work, inputs that would write one file (``--output-dir``).

        ``inputs`` holds ``(source, stem, suffix, kind)`` as far as known before reading.
        """
        if self.output_dir is None:
            return
        seen: dict[str, str] = {}
        for source, stem, suffix, kind in inputs:
            target = self._target(stem, suffix, kind)
            if target in seen:
                raise _clash(seen[target], source, target)
            seen[target] = source

    def _target(self, stem: str, suffix: str, kind: str | None) -> str:
        assert self.output_dir is not None
        if self.fmt is not None:
            ext = "." + self.fmt
        elif kind == "image":
            ext = suffix.lower() or ".png"
        else:
            ext = ".npy"
        return os.path.join(self.output_dir, stem + ext)

    def destination_for(self, source: str, *, stem: str, suffix: str, kind: str) -> str | None:
        """The path (or ``-``) for one input's result; None means print to the terminal."""
        if self.output is not None:
            return self.output
        if self.output_dir is None:
            return None
        target = self._target(stem, suffix, kind)
        if source != "-" and os.path.exists(target) and os.path.samefile(source, target):
            raise OutputError(
                f"--output-dir would overwrite the input '{source}'; choose another folder"
            )
        if target in self.claimed:
            raise _clash(self.claimed[target], source, target)
        self.claimed[target] = source
        return target


def _clash(first: str, second: str, target: str) -> OutputError:
    return OutputError(
        f"inputs '{first}' and '{second}' would both be written to '{target}'; "
        "give inputs different names or run them separately"
    )
