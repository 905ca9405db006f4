"""``convcli explain``: placeholder while the command is being built."""

from __future__ import annotations

from convcli.errors import ConvcliError

HELP = "Not built yet."
EXAMPLES = ""


def explain() -> None:
    """Placeholder."""
    raise ConvcliError("convcli explain is not built yet")
