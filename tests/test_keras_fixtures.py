"""convcli against Keras itself: outputs Keras 3 computed, stored in fixtures/keras_conv.npz.

Conv1D/2D/3D (``--channels sum``, per-channel kernels, two filters, bias) and
DepthwiseConv2D (``--channels each``) over kernel sizes 2 and 3, strides 1 and 2,
dilations 1 and 2, and 'valid', 'same' and 'causal' padding. Regenerate the file with
``tests/fixtures/make_keras_fixtures.py`` (which needs Keras).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convcli import apply_filters

FIXTURES = np.load(Path(__file__).with_name("fixtures") / "keras_conv.npz")
CASES = sorted({name.split("_")[0] for name in FIXTURES.files if name.startswith("case")})


def test_the_fixture_covers_every_rank_and_padding() -> None:
    settings = [tuple(FIXTURES[f"{case}_settings"]) for case in CASES]
    assert len(CASES) == 54
    assert {s[1] for s in settings} == {"valid", "same", "causal"}
    assert {FIXTURES[f"{case}_x"].ndim for case in CASES} == {2, 3, 4}  # 1-D..3-D + channels


@pytest.mark.parametrize("case", CASES)
def test_convcli_equals_keras(case: str) -> None:
    channels, padding, stride, dilation = (str(v) for v in FIXTURES[f"{case}_settings"])
    kernel = FIXTURES[f"{case}_kernel"]
    filters = [kernel[..., f] for f in range(kernel.shape[-1])]
    maps = apply_filters(
        FIXTURES[f"{case}_x"],
        filters,
        channels=channels,
        padding=padding,
        stride=int(stride),
        dilation=int(dilation),
        bias=[float(b) for b in FIXTURES[f"{case}_bias"]],
    )
    expected = FIXTURES[f"{case}_out"]
    assert maps.data.shape == expected.shape
    np.testing.assert_allclose(maps.data, expected, rtol=1e-5, atol=1e-5)
