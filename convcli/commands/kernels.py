"""``convcli kernels``: placeholder while the command is being built."""

from __future__ import annotations

from convcli.errors import ConvcliError

HELP = "Not built yet."
EXAMPLES = ""


def kernels() -> None:
    """Placeholder."""
    raise ConvcliError("convcli kernels is not built yet")
