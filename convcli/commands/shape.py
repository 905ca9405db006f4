"""``convcli shape``: placeholder while the command is being built."""

from __future__ import annotations

from convcli.errors import ConvcliError

HELP = "Not built yet."
EXAMPLES = ""


def shape() -> None:
    """Placeholder."""
    raise ConvcliError("convcli shape is not built yet")
