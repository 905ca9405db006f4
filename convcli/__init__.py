"""convcli: Keras-exact convolutions from the command line, on a NumPy engine.

``import convcli`` gives the engine without the CLI:

>>> import convcli
>>> convcli.correlate([0, 0, 0, 1, 1, 0, 0, 0], [0, 1, 0]).tolist()
[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
"""

from convcli.engine import correlate
from convcli.errors import ConvcliError
from convcli.featuremaps import FeatureMaps
from convcli.layer import apply_filters

__version__ = "0.1.0"

__all__ = ["ConvcliError", "FeatureMaps", "__version__", "apply_filters", "correlate"]
