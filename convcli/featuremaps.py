"""The result of a run: feature maps plus what their last axis means.

:func:`convcli.layer.apply_filters` returns a :class:`FeatureMaps`; writers and
renderers read its layout to tell channels from filters (for image montages,
``--split`` and labels) without guessing from the array's shape.

Layout of ``data`` (the contract's "Output shape"):

* sliding axes first (``sliding_ndim`` of them);
* then, when ``has_last_axis``: ``channels * filters`` entries ordered channel-major
  (index ``c * filters + f``), where ``channels`` is 1 under ``--channels sum``.

Examples
--------
>>> import numpy as np
>>> maps = FeatureMaps(np.zeros((3, 3, 6)), sliding_ndim=2, channels=3, filters=2,
...                    labels=("a", "b"))
>>> maps.filter_map(1).shape
(3, 3, 3)
>>> maps.has_last_axis
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FeatureMaps:
    """Feature maps of one input.

    Parameters
    ----------
    data : numpy.ndarray
        The output array, shaped as the contract says.
    sliding_ndim : int
        Number of axes the kernels slid along (1, 2 or 3).
    channels : int
        Channels kept per filter: the input's channel count under ``--channels
        each``, 1 under ``--channels sum`` or for an input without channels.
    filters : int
        Number of filters (one per ``-k``).
    labels : tuple of str
        One label per filter, as the user named the kernel.
    """

    data: np.ndarray
    sliding_ndim: int
    channels: int
    filters: int
    labels: tuple[str, ...]

    @property
    def has_last_axis(self) -> bool:
        """Whether ``data`` has an axis after the sliding axes."""
        return self.data.ndim > self.sliding_ndim

    def filter_map(self, index: int) -> np.ndarray:
        """Filter ``index``'s maps: sliding axes, plus its channels when more than one.

        Examples
        --------
        >>> import numpy as np
        >>> data = np.arange(6.0).reshape(1, 6)   # channels 3 x filters 2
        >>> FeatureMaps(data, 1, 3, 2, ("a", "b")).filter_map(0).tolist()
        [[0.0, 2.0, 4.0]]
        """
        if not self.has_last_axis:
            return self.data
        picked = self.data[..., index :: self.filters]
        return picked[..., 0] if picked.shape[-1] == 1 else picked
