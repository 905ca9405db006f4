"""Engine strategies: interchangeable ways to compute one correlation.

Every strategy module ``convcli.strategies.<name>`` has a function ``correlate_<name>``
with one signature::

    correlate_<name>(padded, weights, *, stride, dilation, out) -> None

``padded`` is the input already padded (C-contiguous, float32 or float64), ``weights``
the kernel (same ndim and dtype, already flipped for a true convolution), ``stride`` and
``dilation`` one int per axis, and ``out`` a preallocated array of the output shape that
the strategy overwrites entirely::

    out[i] = sum over taps t of weights[t] * padded[i * stride + t * dilation]

* ``shift_add`` -- tiled flat shift-and-add (any kernel; exact NaN/inf propagation
  without zero skipping).
* ``separable`` -- one 1-D pass per axis for rank-1 kernels.
* ``toeplitz`` -- banded-Toeplitz GEMMs (BLAS).
* ``fft`` -- overlap-save FFT on tiles.

``im2col.correlate_bank`` is the odd one out: a whole filter bank over channels in one
GEMM, which :mod:`convcli.layer` calls for Keras ``Conv`` layers with several filters.

:mod:`convcli.engine` picks one (``choose_strategy``), pads the input band by band and
calls it; ``threads`` holds the two-thread band runner.
"""
