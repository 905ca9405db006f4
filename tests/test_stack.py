"""Keras layer stacks: shapes, paddings and parameter counts as Keras 3 reports them.

The stacks in ``fixtures/keras_shapes.json`` were built by Keras 3.15.1 itself
(``fixtures/make_keras_shapes.py``); the hand-computed cases below use Keras'
documented formulas, so the tests do not rest on the fixture alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcli.errors import ConvcliError, GeometryError, ParameterError
from convcli.layer import apply_filters
from convcli.layerspec import ALIASES, SIGNATURES, parse_layer
from convcli.shapes import conv_geometry
from convcli.stack import LAYER_NAMES, LayerShape, StackShape, stack_shapes

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "keras_shapes.json").read_text(encoding="utf-8")
)


def _shape(values: list[int | None]) -> tuple[int | None, ...]:
    return tuple(values)


# --- (1) every stack Keras built, and every stack it refused ----------------------------


def test_fixture_comes_from_keras_3() -> None:
    assert FIXTURE["keras_version"] == "3.15.1"
    assert len(FIXTURE["stacks"]) > 850
    assert len(FIXTURE["refused"]) > 100


def test_every_stack_equals_keras() -> None:
    # One test for ~860 stacks keeps the file fast; a failure lists every mismatch.
    mismatches = []
    for record in FIXTURE["stacks"]:
        result = stack_shapes(record["input_shape"], record["layers"])
        shapes = [list(layer.output_shape) for layer in result.layers]
        params = [layer.params for layer in result.layers]
        if shapes != record["shapes"] or params != record["params"]:
            mismatches.append((record, shapes, params))
        assert result.total_params == sum(params)
        assert result.output_shape == tuple(shapes[-1])
        assert result.input_shape == tuple(record["input_shape"])
    assert mismatches == []


@pytest.mark.parametrize(
    "record", FIXTURE["refused"], ids=[f"refused{i:02d}" for i in range(len(FIXTURE["refused"]))]
)
def test_keras_refusals_are_refused(record: dict[str, Any]) -> None:
    with pytest.raises(ConvcliError) as info:
        stack_shapes(record["input_shape"], record["layers"])
    # The message names the layer Keras failed on, by position and text.
    position = record["layer"]
    text = record["layers"][position - 1]
    assert str(info.value).startswith(f"layer {position} {text}: ")
    assert info.value.exit_code == 2


# --- (2) hand-computed from Keras' documented formulas --------------------------------

CONTRACT_STACK = [
    "Conv2D(32, 3, activation='relu')",
    "MaxPooling2D(2)",
    "Conv2D(64, (3,3), strides=2, padding='same')",
    "Flatten()",
    "Dense(10)",
]


def test_contract_example_stack() -> None:
    result = stack_shapes((28, 28, 1), CONTRACT_STACK)
    rows = [(r.name, r.output_shape, r.padding, r.params) for r in result.layers]
    assert rows == [
        ("Conv2D", (26, 26, 32), ((0, 0), (0, 0)), 3 * 3 * 1 * 32 + 32),
        ("MaxPooling2D", (13, 13, 32), ((0, 0), (0, 0)), 0),
        # ceil(13/2) = 7; pad max((7-1)*2 + 3 - 13, 0) = 2, split 1 and 1.
        ("Conv2D", (7, 7, 64), ((1, 1), (1, 1)), 3 * 3 * 32 * 64 + 64),
        ("Flatten", (7 * 7 * 64,), (), 0),
        ("Dense", (10,), (), 3136 * 10 + 10),
    ]
    assert result.total_params == 320 + 18496 + 31370
    assert result.input_shape == (28, 28, 1)
    assert result.output_shape == (10,)
    assert [r.position for r in result.layers] == [1, 2, 3, 4, 5]
    assert result.layers[0].text == "Conv2D(32, 3, activation='relu')"


def test_seed_examples() -> None:
    # machinelearningmastery: Conv1D(1, 3, input_shape=(8, 1)) and Conv2D(1, (3,3)).
    conv1d = stack_shapes((8, 1), ["Conv1D(1, 3, input_shape=(8, 1))"])
    assert conv1d.layers[0] == LayerShape(
        1, "Conv1D(1, 3, input_shape=(8, 1))", "Conv1D", (6, 1), ((0, 0),), 4, ()
    )
    conv2d = stack_shapes((8, 8, 1), ["Conv2D(1, (3,3), input_shape=(8, 8, 1))"])
    assert (conv2d.output_shape, conv2d.total_params) == ((6, 6, 1), 10)
    # Stack Overflow: "Conv1D outputs (batch, steps, filters)".
    steps = stack_shapes((8, 1), ["Conv1D(filters=10, kernel_size=3)"])
    assert (steps.output_shape, steps.total_params) == ((6, 10), 3 * 1 * 10 + 10)


@pytest.mark.parametrize(
    ("input_shape", "layer", "output", "padding", "params"),
    [
        # The contract's worked 1-D examples as Keras layers: 'same', even kernel.
        ((6, 1), "Conv1D(1, 4, padding='same')", (6, 1), ((1, 2),), 5),
        ((6, 1), "Conv1D(1, 3, strides=2, padding='same')", (3, 1), ((0, 1),), 4),
        ((7, 1), "Conv1D(1, 3, strides=2, padding='same')", (4, 1), ((1, 1),), 4),
        ((6, 1), "Conv1D(1, 3, padding='causal')", (6, 1), ((2, 0),), 4),
        ((6, 1), "Conv1D(1, 3, padding='causal', dilation_rate=2)", (6, 1), ((4, 0),), 4),
        ((6, 1), "Conv1D(1, 3, dilation_rate=2)", (2, 1), ((0, 0),), 4),
        # Conv1D refuses strides with dilation, DepthwiseConv1D does not: pads 1, 2.
        ((6, 1), "DepthwiseConv1D(3, 2, 'same', dilation_rate=2)", (3, 1), ((1, 2),), 4),
        # valid: floor((n - (k-1)*d - 1)/s) + 1.
        ((9, 8, 3), "Conv2D(4, 3, strides=2)", (4, 3, 4), ((0, 0), (0, 0)), 27 * 4 + 4),
        (
            (10, 10, 10, 2),
            "Conv3D(5, (3, 1, 2), dilation_rate=(1, 1, 3))",
            (8, 10, 7, 5),
            ((0, 0), (0, 0), (0, 0)),
            3 * 1 * 2 * 2 * 5 + 5,
        ),
        # groups: kernel k*k*(C/groups)*filters.
        ((6, 6, 4), "Conv2D(8, 3, groups=2)", (4, 4, 8), ((0, 0), (0, 0)), 9 * 2 * 8 + 8),
        ((6, 6, 4), "Conv2D(8, 3, groups=2, use_bias=False)", (4, 4, 8), ((0, 0), (0, 0)), 144),
        # LoRA adds a (k*k*C) x r and an r x filters matrix.
        (
            (8, 8, 3),
            "Conv2D(4, 3, lora_rank=2)",
            (6, 6, 4),
            ((0, 0), (0, 0)),
            27 * 4 + 4 + 27 * 2 + 2 * 4,
        ),
        # Depthwise: k*k*C*m + C*m; separable adds the pointwise C*m*filters.
        (
            (10, 10, 3),
            "DepthwiseConv2D(3, depth_multiplier=2)",
            (8, 8, 6),
            ((0, 0), (0, 0)),
            9 * 6 + 6,
        ),
        (
            (32, 32, 32),
            "SeparableConv2D(64, 3)",
            (30, 30, 64),
            ((0, 0), (0, 0)),
            9 * 32 + 32 * 64 + 64,
        ),
        (
            (16, 8),
            "SeparableConv1D(4, 5, depth_multiplier=3, padding='same')",
            (16, 4),
            ((2, 2),),
            5 * 24 + 24 * 4 + 4,
        ),
        # Transposed: (n-1)*s + max(K, s) valid, n*s same, (n-1)*s + K + p with p.
        ((5, 2), "Conv1DTranspose(4, 3, strides=2)", (11, 4), ((2, 2),), 3 * 2 * 4 + 4),
        ((5, 2), "Conv1DTranspose(4, 3, strides=2, output_padding=1)", (12, 4), ((2, 3),), 28),
        ((5, 2), "Conv1DTranspose(4, 2, strides=3)", (15, 4), ((1, 2),), 2 * 2 * 4 + 4),
        (
            (7, 7, 8),
            "Conv2DTranspose(16, 3, strides=2, padding='same')",
            (14, 14, 16),
            ((2, 1), (2, 1)),
            9 * 8 * 16 + 16,
        ),
        (
            (4, 1),
            "Conv1DTranspose(1, 4, strides=2, padding='same', output_padding=1)",
            (7, 1),
            ((2, 1),),
            5,
        ),
        # Pooling: strides default to pool_size; 'same' is ceil(n/s).
        ((9, 8, 3), "MaxPooling2D()", (4, 4, 3), ((0, 0), (0, 0)), 0),
        ((9, 8, 3), "MaxPooling2D(3, strides=2, padding='same')", (5, 4, 3), ((1, 1), (0, 1)), 0),
        ((5, 2), "AveragePooling1D(2, strides=1)", (4, 2), ((0, 0),), 0),
        (
            (9, 8, 7, 1),
            "AvgPool3D((2, 3, 1), None, 'same')",
            (5, 3, 7, 1),
            ((0, 1), (0, 1), (0, 0)),
            0,
        ),
        ((9, 8, 3), "GlobalAveragePooling2D()", (3,), (), 0),
        ((9, 8, 3), "GlobalMaxPooling2D(keepdims=True)", (1, 1, 3), (), 0),
        ((5, 4, 3, 2), "GlobalMaxPool3D(keepdims=True)", (1, 1, 1, 2), (), 0),
        # Zero padding and cropping forms.
        ((5, 2), "ZeroPadding1D()", (7, 2), ((1, 1),), 0),
        ((5, 6, 2), "ZeroPadding2D((1, 2))", (7, 10, 2), ((1, 1), (2, 2)), 0),
        ((5, 6, 2), "ZeroPadding2D(((0, 1), (2, 3)))", (6, 11, 2), ((0, 1), (2, 3)), 0),
        ((5, 6, 7, 2), "ZeroPadding3D()", (7, 8, 9, 2), ((1, 1),) * 3, 0),
        ((9, 2), "Cropping1D()", (7, 2), (), 0),
        ((9, 8, 2), "Cropping2D()", (9, 8, 2), (), 0),
        ((9, 8, 2), "Cropping2D(((0, 1), (2, 3)))", (8, 3, 2), (), 0),
        ((5, 6, 7, 2), "Cropping3D()", (3, 4, 5, 2), (), 0),
        # Flatten and Dense (on the last axis, any rank).
        ((2, 3, 4, 5), "Flatten()", (120,), (), 0),
        ((5, 6, 7), "Dense(4)", (5, 6, 4), (), 7 * 4 + 4),
        ((8,), "Dense(16, lora_rank=4)", (16,), (), 8 * 16 + 16 + 8 * 4 + 4 * 16),
        ((8,), "Dense(3, use_bias=False)", (3,), (), 24),
        # Shape-keeping layers; BatchNormalization counts gamma, beta, mean, variance.
        ((9, 8, 3), "Dropout(0.5)", (9, 8, 3), (), 0),
        ((9, 8, 3), "SpatialDropout2D(0.2)", (9, 8, 3), (), 0),
        ((9, 3), "Activation('relu')", (9, 3), (), 0),
        ((9, 3), "LeakyReLU(0.1)", (9, 3), (), 0),
        ((9, 8, 16), "BatchNormalization()", (9, 8, 16), (), 4 * 16),
        ((9, 8, 16), "BatchNormalization(center=False)", (9, 8, 16), (), 3 * 16),
        ((9, 8, 16), "BatchNormalization(center=False, scale=False)", (9, 8, 16), (), 2 * 16),
        ((9, 8, 16), "LayerNormalization()", (9, 8, 16), (), 2 * 16),
        ((9, 8, 16), "LayerNormalization(axis=(1, 2, 3))", (9, 8, 16), (), 2 * 9 * 8 * 16),
        # Reshape (one -1 takes the rest), Permute (1-based), RepeatVector, UpSampling.
        ((9, 8, 3), "Reshape((-1, 3))", (72, 3), (), 0),
        ((12,), "Reshape((2, 3, 2))", (2, 3, 2), (), 0),
        ((9, 8, 3), "Permute((3, 1, 2))", (3, 9, 8), (), 0),
        ((7,), "RepeatVector(4)", (4, 7), (), 0),
        ((9, 3), "UpSampling1D(3)", (27, 3), (), 0),
        ((9, 8, 3), "UpSampling2D((2, 3), interpolation='bilinear')", (18, 24, 3), (), 0),
        ((5, 4, 6, 2), "UpSampling3D()", (10, 8, 12, 2), (), 0),
    ],
)
def test_hand_computed(
    input_shape: tuple[int, ...],
    layer: str,
    output: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    params: int,
) -> None:
    result = stack_shapes(input_shape, [layer]).layers[0]
    assert (result.output_shape, result.padding, result.params) == (output, padding, params)


def test_unknown_lengths_stay_unknown() -> None:
    result = stack_shapes(
        (None, 2),  # type: ignore[arg-type]  # Python callers may give None (unknown)
        ["Conv1D(4, 3)", "Conv1D(4, 3, padding='same')", "GlobalMaxPooling1D()", "Dense(3)"],
    )
    assert [r.output_shape for r in result.layers] == [(None, 4), (None, 4), (4,), (3,)]
    assert [r.padding for r in result.layers] == [((0, 0),), ((1, 1),), (), ()]
    assert result.total_params == (3 * 2 * 4 + 4) + (3 * 4 * 4 + 4) + (4 * 3 + 3)


def test_aliases_and_prefixes_give_canonical_names() -> None:
    texts = ["keras.layers.Conv2D(4, 3)", "layers.MaxPool2D()", "tf.keras.layers.AvgPool2D(1)"]
    names = [r.name for r in stack_shapes((28, 28, 1), texts).layers]
    assert names == ["Conv2D", "MaxPooling2D", "AveragePooling2D"]
    assert set(ALIASES.values()) <= set(LAYER_NAMES)
    assert all(
        parse_layer(f"{alias}(1, 1)", 1).name == canonical
        for alias, canonical in ALIASES.items()
        if SIGNATURES[canonical].required == 2
    )


def test_layer_names() -> None:
    expected = {
        *(f"Conv{r}D" for r in (1, 2, 3)),
        *(f"Conv{r}DTranspose" for r in (1, 2, 3)),
        "DepthwiseConv1D",
        "DepthwiseConv2D",
        "SeparableConv1D",
        "SeparableConv2D",
        *(f"{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)),
        *(f"Global{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)),
        *(f"ZeroPadding{r}D" for r in (1, 2, 3)),
        *(f"Cropping{r}D" for r in (1, 2, 3)),
        "Flatten",
        "Dense",
        "Dropout",
        *(f"SpatialDropout{r}D" for r in (1, 2, 3)),
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "Softmax",
        "BatchNormalization",
        "LayerNormalization",
        "Reshape",
        "Permute",
        "RepeatVector",
        *(f"UpSampling{r}D" for r in (1, 2, 3)),
    }
    assert set(LAYER_NAMES) == expected
    assert len(LAYER_NAMES) == len(expected)


def test_positional_arguments_follow_keras_signatures() -> None:
    # Conv3DTranspose has data_format before output_padding; Conv2DTranspose after.
    three = stack_shapes(
        (3, 4, 5, 1), ["Conv3DTranspose(1, (3, 1, 2), (2, 1, 3), 'same', None, (1, 0, 2))"]
    )
    assert three.output_shape == (2 * 2 + 1 + 1, 3 + 1 + 0, 4 * 3 + 0 + 2, 1)
    two = stack_shapes((4, 5, 1), ["Conv2DTranspose(2, 3, 2, 'valid', 1)"])
    assert two.output_shape == (3 * 2 + 3 + 1, 4 * 2 + 3 + 1, 2)
    # Pooling layers take name as their fifth positional argument.
    assert stack_shapes((8, 1), ["MaxPooling1D(2, None, 'valid', None, 'pool')"]).output_shape == (
        4,
        1,
    )


def test_empty_stack_is_the_input() -> None:
    assert stack_shapes((28, 28, 1), []) == StackShape((28, 28, 1), (), (28, 28, 1), 0)


def test_transposed_padding_reproduces_keras_outputs() -> None:
    # Spread the input by the stride, pad it as reported, correlate with the flipped,
    # dilated kernel at stride 1: that must be exactly what Keras computed.
    cases = FIXTURE["transposed"]
    assert len(cases) > 300
    for case in cases:
        x, kernel = case["x"], case["kernel"]
        if not case["y"]:
            # Keras returns a 0-length axis here; convcli refuses it (tested above).
            with pytest.raises(GeometryError, match="output size would be 0"):
                stack_shapes((len(x), 1), [case["layer"]])
            continue
        layer = stack_shapes((len(x), 1), [case["layer"]]).layers[0]
        call = parse_layer(case["layer"], 1)
        stride, dilation = int(call.args["strides"]), int(call.args["dilation_rate"])  # type: ignore[call-overload]
        ((before, after),) = layer.padding
        spread = np.zeros((len(x) - 1) * stride + 1)
        spread[::stride] = x
        padded = np.concatenate([np.zeros(before), spread, np.zeros(after)])
        taps = np.zeros((len(kernel) - 1) * dilation + 1)
        taps[::dilation] = kernel[::-1]
        out = np.correlate(padded, taps, mode="valid")
        assert layer.output_shape == (len(case["y"]), 1), case
        assert out.tolist() == case["y"], case


# --- (3) padding per side is the engine's ---------------------------------------------


def test_conv_padding_is_conv_geometry() -> None:
    checked = 0
    for record in FIXTURE["stacks"]:
        shape = tuple(record["input_shape"])
        for layer in stack_shapes(shape, record["layers"]).layers:
            call = parse_layer(layer.text, layer.position)
            if call.signature.kind in ("conv", "depthwise", "separable") and None not in shape:
                rank = call.signature.rank
                kernel = _per_axis(call.args["kernel_size"], rank)
                stride = _per_axis(call.args.get("strides", 1), rank)
                dilation = _per_axis(call.args.get("dilation_rate", 1), rank)
                mode = str(call.args.get("padding", "valid")).lower()
                pads, outs = conv_geometry(
                    shape[:-1], kernel, stride=stride, dilation=dilation, padding=mode
                )
                assert layer.padding == pads, layer
                assert layer.output_shape[:-1] == outs, layer
                checked += 1
            shape = layer.output_shape
    assert checked > 300


def _per_axis(value: Any, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,) * rank


# --- (4) every error text -------------------------------------------------------------

ERRORS = [
    # Output size 0 or less: the axis, the formula with numbers, what came in.
    (
        (2, 2, 32),
        ["Conv2D(64, 3, strides=2)"],
        GeometryError,
        "layer 1 Conv2D(64, 3, strides=2): axis 1 output size would be 0: valid: "
        "floor((2 - (3-1)*1 - 1)/2) + 1 = 0; the input is (2, 2, 32) there; "
        "padding='same' would give 1",
    ),
    (
        (8, 8, 3),
        ["Conv2D(4, 3)", "Conv2D(4, 3)", "Conv2D(4, 3)", "Conv2D(4, 3)"],
        GeometryError,
        "layer 4 Conv2D(4, 3): axis 1 output size would be 0: valid: "
        "floor((2 - (3-1)*1 - 1)/1) + 1 = 0; the input is (2, 2, 4) there; "
        "padding='same' would give 2",
    ),
    (
        (4, 4, 4, 1),
        ["Conv3D(2, (1, 1, 5))"],
        GeometryError,
        "layer 1 Conv3D(2, (1, 1, 5)): axis 3 output size would be 0: valid: "
        "floor((4 - (5-1)*1 - 1)/1) + 1 = 0; the input is (4, 4, 4, 1) there; "
        "padding='same' would give 4",
    ),
    (
        (7, 1),
        ["MaxPooling1D(8)"],
        GeometryError,
        "layer 1 MaxPooling1D(8): axis 1 output size would be 0: valid: floor((7 - 8)/8) + 1 "
        "= 0; the input is (7, 1) there; padding='same' would give 1",
    ),
    (
        (9, 2),
        ["Cropping1D(5)"],
        GeometryError,
        "layer 1 Cropping1D(5): axis 1 output size would be -1: 9 - 5 - 5 = -1; the input is "
        "(9, 2) there; crop fewer than 9 cells in all",
    ),
    (
        (1, 1),  # Keras 3 gives a 0-length axis here; convcli refuses it.
        ["Conv1DTranspose(1, 2, padding='same', output_padding=0)"],
        GeometryError,
        "layer 1 Conv1DTranspose(1, 2, padding='same', output_padding=0): axis 1 output size "
        "would be 0: same with output_padding: (1-1)*1 + 2%2 + 0 = 0; the input is (1, 1) "
        "there; leave output_padding out (the output is then n*strides)",
    ),
    # Causal outside Conv1D.
    (
        (8, 8, 1),
        ["Conv2D(8, 3, padding='causal')"],
        ParameterError,
        "layer 1 Conv2D(8, 3, padding='causal'): padding 'causal' is for Conv1D only (one "
        "time axis); Conv2D takes 'valid' or 'same'",
    ),
    # Zero or negative strides, dilations, sizes.
    (
        (8, 8, 1),
        ["Conv2D(8, 3, strides=0)"],
        ParameterError,
        "layer 1 Conv2D(8, 3, strides=0): strides must be 1 or more on every axis; got 0",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, dilation_rate=(1, -2))"],
        ParameterError,
        "layer 1 Conv2D(8, 3, dilation_rate=(1, -2)): dilation_rate must be 1 or more on "
        "every axis; got (1, -2)",
    ),
    (
        (8, 8, 1),
        ["MaxPooling2D(pool_size=0)"],
        ParameterError,
        "layer 1 MaxPooling2D(pool_size=0): pool_size must be 1 or more on every axis; got 0",
    ),
    (
        (8, 8, 1),
        ["MaxPooling2D(2, strides=0)"],
        ParameterError,
        "layer 1 MaxPooling2D(2, strides=0): strides must be 1 or more on every axis; got 0",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 0)"],
        ParameterError,
        "layer 1 Conv2D(8, 0): kernel_size must be 1 or more on every axis; got 0",
    ),
    (
        (8, 8, 1),
        ["Conv2D(0, 3)"],
        ParameterError,
        "layer 1 Conv2D(0, 3): filters must be 1 or more; got 0",
    ),
    (
        (8,),
        ["Dense(0)"],
        ParameterError,
        "layer 1 Dense(0): units must be 1 or more; got 0",
    ),
    # Strides with dilation, where Keras refuses them.
    (
        (16, 16, 1),
        ["Conv2D(2, 3, strides=(2, 1), dilation_rate=(1, 2))"],
        ParameterError,
        "layer 1 Conv2D(2, 3, strides=(2, 1), dilation_rate=(1, 2)): Conv2D refuses strides > "
        "1 together with dilation_rate > 1, as Keras does; got strides=(2, 1), "
        "dilation_rate=(1, 2): use one of them",
    ),
    (
        (8, 1),
        ["Conv1DTranspose(2, 3, strides=2, dilation_rate=2)"],
        ParameterError,
        "layer 1 Conv1DTranspose(2, 3, strides=2, dilation_rate=2): Conv1DTranspose refuses "
        "strides > 1 together with dilation_rate > 1, as Keras does; got strides=2, "
        "dilation_rate=2: use one of them",
    ),
    # Groups.
    (
        (8, 8, 4),
        ["Conv2D(6, 3, groups=4)"],
        GeometryError,
        "layer 1 Conv2D(6, 3, groups=4): filters 6 must be divisible by groups 4 (each group "
        "makes filters/groups maps); use filters that 4 divides",
    ),
    (
        (8, 8, 4),
        ["Conv2D(6, 3, groups=3)"],
        GeometryError,
        "layer 1 Conv2D(6, 3, groups=3): the input's 4 channels must be divisible by groups 3 "
        "(each group reads channels/groups of them); the input is (8, 8, 4) there",
    ),
    # output_padding.
    (
        (8, 8, 1),
        ["Conv2DTranspose(8, 3, strides=2, output_padding=2)"],
        ParameterError,
        "layer 1 Conv2DTranspose(8, 3, strides=2, output_padding=2): output_padding must be "
        "smaller than strides on every axis; got output_padding=2, strides=2",
    ),
    # Wrong input rank.
    (
        (10, 3),
        ["Conv2D(8, 3)"],
        GeometryError,
        "layer 1 Conv2D(8, 3): Conv2D needs an input of 3 axes (2 sliding + channels, batch "
        "left out); got 2 axes (10, 3); use Conv1D for (steps, channels) or give the input a "
        "channels axis: (10, 3, 1)",
    ),
    (
        (8, 8, 3),
        ["Flatten()", "Conv1D(2, 3)"],
        GeometryError,
        "layer 2 Conv1D(2, 3): Conv1D needs an input of 2 axes (1 sliding + channels, batch "
        "left out); got 1 axis (192,); give the input a channels axis: (192, 1)",
    ),
    (
        (4, 4, 4, 4, 1),
        ["Conv3D(2, 3)"],
        GeometryError,
        "layer 1 Conv3D(2, 3): Conv3D needs an input of 4 axes (3 sliding + channels, batch "
        "left out); got 5 axes (4, 4, 4, 4, 1)",
    ),
    (
        (8, 8, 3),
        ["GlobalMaxPooling1D()"],
        GeometryError,
        "layer 1 GlobalMaxPooling1D(): GlobalMaxPooling1D needs an input of 2 axes (1 sliding "
        "+ channels, batch left out); got 3 axes (8, 8, 3); use GlobalMaxPooling2D for "
        "(height, width, channels)",
    ),
    # Unknown layer, argument, values.
    (
        (8, 8, 1),
        ["Conv2d(8, 3)"],
        ParameterError,
        "layer 1 Conv2d(8, 3): unknown layer 'Conv2d'; closest: Conv2D",
    ),
    (
        (8, 8, 1),
        ["MaxPool2d()"],
        ParameterError,
        "layer 1 MaxPool2d(): unknown layer 'MaxPool2d'; closest: MaxPool2D",
    ),
    (
        (8, 8, 1),
        ["LSTM(4)"],
        ParameterError,
        "layer 1 LSTM(4): unknown layer 'LSTM'; supported: Conv1D/2D/3D, "
        "Conv1D/2D/3DTranspose, MaxPooling1D/2D/3D, AveragePooling1D/2D/3D, "
        "GlobalAveragePooling1D/2D/3D, GlobalMaxPooling1D/2D/3D, ZeroPadding1D/2D/3D, "
        "Cropping1D/2D/3D, DepthwiseConv1D/2D, SeparableConv1D/2D, Flatten, Dense, Dropout, "
        "AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D/2D/3D, Activation, "
        "ReLU, LeakyReLU, Softmax, BatchNormalization, LayerNormalization, Reshape, Permute, "
        "RepeatVector, UpSampling1D/2D/3D",
    ),
    # Layers that keep or rearrange the shape.
    (
        (8, 8, 3),
        ["Reshape((5, 5))"],
        GeometryError,
        "layer 1 Reshape((5, 5)): cannot reshape (8, 8, 3) (192 values) to (5, 5) (25 values); "
        "the sizes must hold the same number of values, or put -1 on one axis",
    ),
    (
        (8, 8, 3),
        ["Reshape((-1, 5))"],
        GeometryError,
        "layer 1 Reshape((-1, 5)): cannot reshape (8, 8, 3) (192 values) to (-1, 5): -1 would "
        "be 192/5, not a whole number; use sizes whose product divides 192",
    ),
    (
        (8, 8, 3),
        ["Reshape((-1, -1, 3))"],
        ParameterError,
        "layer 1 Reshape((-1, -1, 3)): target_shape must be a tuple of positive whole numbers, "
        "one of which may be -1 (batch left out); got (-1, -1, 3)",
    ),
    (
        (8, 8, 3),
        ["BatchNormalization(axis=1)"],
        ParameterError,
        "layer 1 BatchNormalization(axis=1): BatchNormalization normalizes the channels axis "
        "only (the last, axis=-1): convcli works channels last; got axis=1; drop axis",
    ),
    (
        (8, 1),
        ["BatchNormalization(axis=3)"],
        GeometryError,
        "layer 1 BatchNormalization(axis=3): axis 3 is not a feature axis of the input (8, 1) "
        "(batch left out): use 1 to 2 or -1 to -2",
    ),
    (
        (8, 3),
        ["RepeatVector(3)"],
        GeometryError,
        "layer 1 RepeatVector(3): RepeatVector needs a 2-D input (batch, features), i.e. "
        "(features,) here; got 2 axes (8, 3); put Flatten() before it ((8, 3) -> (24,))",
    ),
    (
        (8, 8, 3),
        ["Permute((1, 2))"],
        GeometryError,
        "layer 1 Permute((1, 2)): dims (1, 2) orders 2 axes but the input (8, 8, 3) has 3 "
        "(batch left out); give each of 1 to 3 once",
    ),
    (
        (8, 8, 3),
        ["Permute((0, 1, 2))"],
        ParameterError,
        "layer 1 Permute((0, 1, 2)): dims must order the axes 1 to N, each once (1-based: "
        "batch is axis 0 and stays first), e.g. (2, 1); got (0, 1, 2)",
    ),
    (
        (8, 1),
        ["Dropout(1.5)"],
        ParameterError,
        "layer 1 Dropout(1.5): rate must be a number from 0 to 1, as Keras requires; got 1.5",
    ),
    (
        (8, 1),
        ["Dropout()"],
        ParameterError,
        "layer 1 Dropout(): Dropout needs rate, e.g. Dropout(0.5)",
    ),
    (
        (8, 1),
        ["ReLU(-1.0)"],
        ParameterError,
        "layer 1 ReLU(-1.0): max_value must be a number of 0 or more (or None), as Keras "
        "requires; got -1.0",
    ),
    (
        (8, 8, 1),
        ["UpSampling2D(interpolation='linear')"],
        ParameterError,
        "layer 1 UpSampling2D(interpolation='linear'): interpolation must be one of "
        "'bicubic', 'bilinear', 'lanczos3', 'lanczos5', 'nearest'; got 'linear'",
    ),
    (
        (8, 1),
        ["BatchNormalization(center='no')"],
        ParameterError,
        "layer 1 BatchNormalization(center='no'): center must be True or False; got 'no'",
    ),
    (
        (8, 8, 1),
        ["Input(shape=(8, 8, 1))"],
        ParameterError,
        "layer 1 Input(shape=(8, 8, 1)): the input is not a layer here; give its shape as the "
        "input (e.g. 28,28,1) and list only the layers after it",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, stride=2)"],
        ParameterError,
        "layer 1 Conv2D(8, 3, stride=2): Conv2D has no argument 'stride'; did you mean strides?",
    ),
    (
        (8, 1),
        ["Cropping1D(1, data_format='channels_last')"],
        ParameterError,
        "layer 1 Cropping1D(1, data_format='channels_last'): Cropping1D has no argument "
        "'data_format'; it takes cropping (and name, dtype, trainable)",
    ),
    (
        (8, 8, 1),
        ["Conv2DTranspose(8, 3, groups=2)"],
        ParameterError,
        "layer 1 Conv2DTranspose(8, 3, groups=2): Conv2DTranspose has no argument 'groups'; "
        "it takes filters, kernel_size, strides, padding, output_padding, data_format, "
        "dilation_rate, activation, use_bias (and initializers, regularizers, constraints, "
        "name, dtype, trainable)",
    ),
    # Wrong number of positional arguments.
    (
        (8, 8, 1),
        ["Conv2D(8)"],
        ParameterError,
        "layer 1 Conv2D(8): Conv2D needs kernel_size, e.g. Conv2D(32, 3)",
    ),
    (
        (8,),
        ["Dense()"],
        ParameterError,
        "layer 1 Dense(): Dense needs units, e.g. Dense(10)",
    ),
    (
        (8, 8, 1),
        ["Flatten('channels_last', 1)"],
        ParameterError,
        "layer 1 Flatten('channels_last', 1): Flatten takes at most 1 positional argument "
        "(data_format); got 2: pass the others by name, e.g. name='x'",
    ),
    (
        (8, 8, 1),
        ["MaxPooling2D(2, 2, 'valid', None, 'p', 1)"],
        ParameterError,
        "layer 1 MaxPooling2D(2, 2, 'valid', None, 'p', 1): MaxPooling2D takes at most 5 "
        "positional arguments (pool_size, strides, padding, ..., name); got 6: pass the "
        "others by name, e.g. name='x'",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, filters=4)"],
        ParameterError,
        "layer 1 Conv2D(8, 3, filters=4): filters is given twice, by position and by name; "
        "keep one",
    ),
    # Bad values.
    (
        (8, 8, 1),
        ["Conv2D(8, 3, padding='sme')"],
        ParameterError,
        "layer 1 Conv2D(8, 3, padding='sme'): padding must be 'valid' or 'same'; got 'sme'; "
        "closest: 'same'",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, padding=[[1, 1], [1, 1]])"],
        ParameterError,
        "layer 1 Conv2D(8, 3, padding=[[1, 1], [1, 1]]): padding must be 'valid' or 'same'; "
        "got [[1, 1], [1, 1]]; for explicit padding put ZeroPadding2D(...) before it",
    ),
    (
        (8, 8, 1),
        ["MaxPooling2D(2, padding='SAME')"],
        ParameterError,
        "layer 1 MaxPooling2D(2, padding='SAME'): padding must be 'valid' or 'same' in lower "
        "case (Keras' pooling layers do not fold case); got 'SAME'",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8.0, 3)"],
        ParameterError,
        "layer 1 Conv2D(8.0, 3): filters must be a whole number; got 8.0",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, (3, 3, 3))"],
        ParameterError,
        "layer 1 Conv2D(8, (3, 3, 3)): kernel_size must be an int or a tuple of 2 ints, one "
        "per sliding axis; got (3, 3, 3)",
    ),
    (
        (8, 1),
        ["Conv1D(8, (3, 3))"],
        ParameterError,
        "layer 1 Conv1D(8, (3, 3)): kernel_size must be an int (or a 1-tuple), one per "
        "sliding axis; got (3, 3)",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, use_bias='no')"],
        ParameterError,
        "layer 1 Conv2D(8, 3, use_bias='no'): use_bias must be True or False; got 'no'",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, data_format='channels_first')"],
        ParameterError,
        "layer 1 Conv2D(8, 3, data_format='channels_first'): data_format='channels_first' is "
        "not supported: convcli works channels last (Keras' default), e.g. 28,28,1; drop "
        "data_format and give the input channels last",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, activation='rleu')"],
        ParameterError,
        "layer 1 Conv2D(8, 3, activation='rleu'): activation must name a Keras activation; "
        "got 'rleu'; closest: relu, relu6",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3, kernel_initializer=3)"],
        ParameterError,
        "layer 1 Conv2D(8, 3, kernel_initializer=3): kernel_initializer must name a Keras "
        "initializer; got 3; e.g. 'he_normal', or None",
    ),
    (
        (8, 8, 1),
        ["ZeroPadding2D((1, 2, 3))"],
        ParameterError,
        "layer 1 ZeroPadding2D((1, 2, 3)): padding must be an int, 2 ints, or 2 (before, "
        "after) pairs; got (1, 2, 3)",
    ),
    (
        (8, 8, 1),
        ["ZeroPadding2D(((1, 1), (2, -1)))"],
        ParameterError,
        "layer 1 ZeroPadding2D(((1, 1), (2, -1))): padding must not be negative; got "
        "((1, 1), (2, -1))",
    ),
    (
        (8,),
        ["Dense(4, quantization_config='int8')"],
        ParameterError,
        "layer 1 Dense(4, quantization_config='int8'): quantization_config changes how weights "
        "are stored; convcli counts float weights only, so leave it out; got 'int8'",
    ),
    # Unknown dimensions where weights need them.
    (
        (None, 3),
        ["Flatten()", "Dense(4)"],
        GeometryError,
        "layer 2 Dense(4): Dense needs a known last axis to size its weights (inputs x units); "
        "got None in (None,): pool first (e.g. GlobalAveragePooling1D()) or give the length",
    ),
    (
        (5, None),
        ["Conv1D(4, 3)"],
        GeometryError,
        "layer 1 Conv1D(4, 3): Conv1D needs a known channels axis (the last) to size its "
        "weights; got None in (5, None)",
    ),
    # Empty and malformed texts.
    (
        (8, 8, 1),
        [""],
        ParameterError,
        "layer 1 is empty; write a Keras layer such as Conv2D(32, 3)",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3)", "   "],
        ParameterError,
        "layer 2 is empty; write a Keras layer such as Conv2D(32, 3)",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3"],
        ParameterError,
        "layer 1 Conv2D(8, 3: not a Keras layer call ('(' was never closed at column 7); write "
        "it as Python, e.g. Conv2D(32, (3, 3), padding='same')",
    ),
    (
        (8, 8, 1),
        ["Flatten"],
        ParameterError,
        "layer 1 Flatten: a layer is a call with parentheses; write Flatten()",
    ),
    (
        (8, 8, 1),
        ["Conv2D(8, 3)(x)"],
        ParameterError,
        "layer 1 Conv2D(8, 3)(x): write the layer alone, not called on an input: Conv2D(8, 3)",
    ),
    (
        (8, 8, 1),
        ["[Conv2D(8, 3)]"],
        ParameterError,
        "layer 1 [Conv2D(8, 3)]: not a layer call; write one Keras layer with its arguments, "
        "e.g. Conv2D(32, 3)",
    ),
    # The input shape itself.
    (
        (0, 3),
        ["Conv1D(4, 3)"],
        ParameterError,
        "the input shape must be one or more sizes, each a positive whole number or None "
        "(unknown), without the batch axis; got (0, 3)",
    ),
]


@pytest.mark.parametrize(
    ("input_shape", "layers", "error", "message"),
    ERRORS,
    ids=[f"error{i:02d}" for i in range(len(ERRORS))],
)
def test_error_messages(
    input_shape: tuple[int, ...], layers: list[str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        stack_shapes(input_shape, layers)


def test_long_layer_texts_are_shortened_in_messages() -> None:
    text = "Conv2D(8, 3, name='" + "x" * 100 + "', padding='sme')"
    with pytest.raises(ParameterError, match=r"^layer 1 Conv2D\(8, 3, name='x{58}\.\.\.: padding"):
        stack_shapes((8, 8, 1), [text])


# --- notes: "same" explained honestly, and other surprises -----------------------------


@pytest.mark.parametrize(
    ("input_shape", "layer", "notes"),
    [
        ((6, 1), "Conv1D(1, 3, padding='same')", ()),
        (
            (6, 1),
            "Conv1D(1, 4, padding='same')",
            (
                "'same' pads axis 1 by 1 before, 2 after: the extra pad goes after, as "
                "TensorFlow/Keras do",
            ),
        ),
        (
            (9, 8, 3),
            "Conv2D(4, 3, strides=2, padding='same')",
            (
                "'same' pads axis 2 by 0 before, 1 after: the extra pad goes after, as "
                "TensorFlow/Keras do",
                "'same' keeps the size only with strides 1: axis 1 9 -> ceil(9/2) = 5, "
                "axis 2 8 -> ceil(8/2) = 4",
            ),
        ),
        (
            (8, 8, 3),
            "Conv2D(4, 2, padding='same')",
            (
                "'same' pads axes 1 and 2 by 0 before, 1 after: the extra pad goes after, as "
                "TensorFlow/Keras do",
            ),
        ),
        (
            (7, 7, 3),
            "MaxPooling2D()",
            (
                "axis 1: the last 1 of 7 cells is never read (strides 2)",
                "axis 2: the last 1 of 7 cells is never read (strides 2)",
            ),
        ),
        (
            (13, 13, 32),
            "Conv2D(64, 3, strides=2, padding='same')",
            (
                "'same' keeps the size only with strides 1: axis 1 13 -> ceil(13/2) = 7, "
                "axis 2 13 -> ceil(13/2) = 7",
            ),
        ),
        (
            (8, 1),
            "Conv1D(1, 1, strides=3)",
            ("axis 1: the last 1 of 8 cells is never read (strides 3)",),
        ),
        (
            (7, 7, 2),
            "Conv2DTranspose(4, 3, strides=(2, 1))",
            (
                "transposed: the padding is on the input spread out by strides (2, 1) (zeros "
                "between cells)",
            ),
        ),
        (
            (4, 1),
            "Dense(3)",
            (
                "Dense works on the last axis only, as Keras does: (4, 1) -> (4, 3); put Flatten() "
                "first for one vector",
            ),
        ),
        ((8, 1), "Conv1D(1, 3, input_shape=(8, 1))", ()),
        (
            (6, 1),
            "Conv1D(1, 3, input_shape=(8, 1))",
            ("input_shape=(8, 1) is ignored: the input here is (6, 1)",),
        ),
        (
            (None, 2),
            "Conv1D(4, 3, strides=2, padding='same')",
            ("axis 1 of unknown length: 'same' padding is set at run time (shown as 0, 0)",),
        ),
        ((None, 2), "Flatten()", ("the flattened length is unknown: (None, 2) has None",)),
    ],
)
def test_notes(input_shape: tuple[int, ...], layer: str, notes: tuple[str, ...]) -> None:
    assert stack_shapes(input_shape, [layer]).layers[0].notes == notes


# --- (5) engine(x).shape == the stack's shape ----------------------------------------


@dataclass(frozen=True)
class ConvCase:
    """A Keras Conv/DepthwiseConv layer and the apply_filters call that matches it."""

    input_shape: tuple[int, ...]
    text: str
    kernel: tuple[int, ...]
    filters: int
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: str
    channels: str  # "sum" is Keras' Conv, "each" its DepthwiseConv


@st.composite
def conv_cases(draw: st.DrawFn) -> ConvCase:
    rank = draw(st.integers(1, 3))
    depthwise = draw(st.booleans()) and rank <= 2

    def per_axis(low: int, high: int) -> tuple[int, ...]:
        return tuple(draw(st.lists(st.integers(low, high), min_size=rank, max_size=rank)))

    sizes, kernel = per_axis(1, 9 - 2 * rank), per_axis(1, 4)
    stride, dilation = per_axis(1, 3), per_axis(1, 3)
    channels = draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", *(["causal"] if rank == 1 else [])]))
    filters = draw(st.integers(1, 3))
    common = f"strides={stride}, dilation_rate={dilation}, padding='{padding}'"
    if depthwise:
        text = f"DepthwiseConv{rank}D({kernel}, {common}, depth_multiplier={filters})"
    else:
        text = f"Conv{rank}D({filters}, {kernel}, {common})"
    rule = "each" if depthwise else "sum"
    return ConvCase((*sizes, channels), text, kernel, filters, stride, dilation, padding, rule)


@settings(max_examples=150, deadline=None)
@given(conv_cases(), st.integers(0, 2**32 - 1))
def test_engine_output_shape_equals_stack_shape(case: ConvCase, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=case.input_shape)
    kernels = [rng.normal(size=case.kernel) for _ in range(case.filters)]

    def engine() -> tuple[int, ...]:
        maps = apply_filters(
            x,
            kernels,
            channels=case.channels,
            stride=case.stride,
            padding=case.padding,
            dilation=case.dilation,
        )
        return tuple(maps.data.shape)

    # Keras' Conv refuses strides and dilations above 1 together, and causal depthwise.
    keras_refuses = case.text.startswith("Conv") and max(case.stride) > 1 and max(case.dilation) > 1
    keras_refuses |= case.text.startswith("Depthwise") and case.padding == "causal"
    message = _message_of(stack_shapes, case.input_shape, [case.text])
    if keras_refuses:
        assert message is not None
        assert " refuses strides > 1 " in message or "'causal' is for Conv1D only" in message
        return
    if message is not None:
        # Only an empty 'valid' output is left, and the engine refuses that as well.
        assert "output size would be" in message
        with pytest.raises(GeometryError, match="output would be empty"):
            engine()
        return
    stack = stack_shapes(case.input_shape, [case.text])
    assert engine() == stack.output_shape
    # The padding the stack reports is the padding the engine applies.
    pads, _ = conv_geometry(
        case.input_shape[:-1],
        case.kernel,
        stride=case.stride,
        dilation=case.dilation,
        padding=case.padding,
    )
    assert stack.layers[0].padding == pads


# --- (6) the parser never evaluates anything -----------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "__import__('pathlib').Path({path!r}).touch()",
        "Conv2D(__import__('pathlib').Path({path!r}).touch(), 3)",
        "Conv2D(8, 3, name=__import__('pathlib').Path({path!r}).touch())",
        "Conv2D(8, 3, activation=lambda x: __import__('pathlib').Path({path!r}).touch())",
        "Conv2D(8, 3, name=f'{{__import__(\"pathlib\").Path({path!r}).touch()}}')",
        "Conv2D(**{{'filters': __import__('pathlib').Path({path!r}).touch()}})",
        "Conv2D(*[__import__('pathlib').Path({path!r}).touch()])",
        "(lambda: __import__('pathlib').Path({path!r}).touch())()",
        "keras.layers.Conv2D(8, [__import__('pathlib').Path({path!r}).touch()])",
        "getattr(__import__('pathlib'), 'Path')({path!r}).touch()",
        "Conv2D(8, 3); __import__('pathlib').Path({path!r}).touch()",
        "Conv2D(8, 3)(__import__('pathlib').Path({path!r}).touch())",
        "[Conv2D(8, 3) for _ in [__import__('pathlib').Path({path!r}).touch()]]",
        "Conv2D(8, 3, name=(p := __import__('pathlib').Path({path!r})).touch())",
    ],
)
def test_parser_never_evaluates(template: str, tmp_path: Path) -> None:
    marker = tmp_path / "evaluated"
    text = template.format(path=str(marker))
    with pytest.raises(ParameterError, match=r"^layer 1 "):
        stack_shapes((8, 8, 1), [text])
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "__import__('os').system('x')",
            "layer 1 __import__('os').system('x'): '__import__('os').system' is not a Keras "
            "layer name; write the layer's name, alone or after keras.layers. (e.g. "
            "keras.layers.Conv2D(32, 3))",
        ),
        (
            "os.system('x')",
            "layer 1 os.system('x'): 'os.system' is not a Keras layer name; write the layer's "
            "name, alone or after keras.layers. (e.g. keras.layers.Conv2D(32, 3))",
        ),
        (
            "Conv2D(8, 3, activation=tf.nn.relu)",
            "layer 1 Conv2D(8, 3, activation=tf.nn.relu): activation must be a literal (a "
            "number, string, tuple, list, True/False or None); got tf.nn.relu: convcli reads "
            "arguments, it never runs them",
        ),
        (
            "Conv2D(8, 3, activation=lambda x: x)",
            "layer 1 Conv2D(8, 3, activation=lambda x: x): activation must be a literal (a "
            "number, string, tuple, list, True/False or None); got lambda x: x: convcli reads "
            "arguments, it never runs them",
        ),
        (
            "Conv2D(8, 3, name=f'conv{1}')",
            "layer 1 Conv2D(8, 3, name=f'conv{1}'): name must be a literal (a number, string, "
            "tuple, list, True/False or None); got f'conv{1}': convcli reads arguments, it "
            "never runs them",
        ),
        (
            "Conv2D(**{'filters': 8, 'kernel_size': 3})",
            "layer 1 Conv2D(**{'filters': 8, 'kernel_size': 3}): **kwargs is not supported; "
            "write each argument as name=value",
        ),
        (
            "Conv2D(*[8, 3])",
            "layer 1 Conv2D(*[8, 3]): *args is not supported; write each argument out",
        ),
        (
            "keras.Conv2D(8, 3)",
            "layer 1 keras.Conv2D(8, 3): 'keras.Conv2D' is not a Keras layer name; write the "
            "layer's name, alone or after keras.layers. (e.g. keras.layers.Conv2D(32, 3))",
        ),
        (
            "Conv2D(8, 3)\x00",
            "layer 1 Conv2D(8, 3)\\x00: not a Keras layer call (source code string cannot contain "
            "null bytes); write it as Python, e.g. Conv2D(32, (3, 3), padding='same')",
        ),
        (
            "Conv2D(8, 1" + "0" * 5000 + ")",
            "layer 1 Conv2D(8, 1" + "0" * 66 + "...: not a Keras layer call (Exceeds the limit "
            "(4300 digits) for integer string conversion: value has 5001 digits); write it as "
            "Python, e.g. Conv2D(32, (3, 3), padding='same')",
        ),
    ],
)
def test_parser_refusals(text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
        stack_shapes((8, 8, 1), [text])


def test_deeply_nested_text_is_refused() -> None:
    text = "Conv2D(8, " + "(" * 300 + ")" * 300 + ")"
    with pytest.raises(ParameterError, match=r"^layer 1 .*: not a Keras layer call \("):
        stack_shapes((8, 8, 1), [text])


def test_modules_never_evaluate_or_import() -> None:
    # No eval/exec/compile/__import__/importlib anywhere in the parsing and arithmetic.
    import ast

    for module in ("layerspec", "stack"):
        tree = ast.parse((Path(__file__).parents[1] / "convcli" / f"{module}.py").read_text())
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not names & {"eval", "exec", "compile", "__import__", "importlib"}, module


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_any_text_gives_a_result_or_a_convcli_error(text: str) -> None:
    message = _message_of(stack_shapes, (8, 8, 3), [text])
    if message is not None:
        assert message.startswith("layer 1 ")
        assert "\n" not in message


@given(
    st.sampled_from(
        [
            "Conv2D",
            "MaxPooling2D",
            "Dense",
            "ZeroPadding2D",
            "Cropping2D",
            "BatchNormalization",
            "LayerNormalization",
            "Reshape",
            "Permute",
            "UpSampling2D",
            "Dropout",
            "ReLU",
        ]
    ),
    st.lists(
        st.one_of(
            st.integers(-3, 5),
            st.none(),
            st.booleans(),
            st.text(max_size=5),
            st.tuples(st.integers(-1, 4), st.integers(-1, 4)),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        max_size=4,
    ),
)
@settings(max_examples=200, deadline=None)
def test_any_literal_arguments_give_a_result_or_a_convcli_error(
    name: str, args: list[object]
) -> None:
    text = f"{name}({', '.join(repr(a) for a in args)})"
    message = _message_of(stack_shapes, (9, 8, 3), [text])
    if message is None:
        result = stack_shapes((9, 8, 3), [text])
        assert all(n is None or n >= 1 for n in result.output_shape)
        assert result.total_params >= 0
    else:
        assert message.startswith("layer 1 ")


def _message_of(function: Callable[..., object], *args: object) -> str | None:
    """The ConvcliError message ``function(*args)`` raises, or None when it succeeds."""
    try:
        function(*args)
    except ConvcliError as exc:
        return str(exc)
    return None


# --- start-up: pure Python --------------------------------------------------------------


def test_importing_stack_does_not_import_numpy() -> None:
    code = (
        "import sys, convcli.stack\n"
        "convcli.stack.stack_shapes((28, 28, 1), ['Conv2D(32, 3)', 'Flatten()', 'Dense(10)'])\n"
        "print('numpy' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
