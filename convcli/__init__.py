"""convcli: Keras-exact convolutions from the command line, on a NumPy engine.

``import convcli`` gives the engine without the CLI:

>>> import convcli
>>> convcli.correlate([0, 0, 0, 1, 1, 0, 0, 0], [0, 1, 0]).tolist()
[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]

The names below are imported on first use, so ``convcli --help`` and
``convcli.__version__`` do not pay for NumPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["ConvcliError", "FeatureMaps", "__version__", "apply_filters", "correlate"]

_LAZY = {
    "correlate": "convcli.engine",
    "apply_filters": "convcli.layer",
    "FeatureMaps": "convcli.featuremaps",
    "ConvcliError": "convcli.errors",
}

if TYPE_CHECKING:
    from convcli.engine import correlate
    from convcli.errors import ConvcliError
    from convcli.featuremaps import FeatureMaps
    from convcli.layer import apply_filters


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'convcli' has no attribute {name!r}")
