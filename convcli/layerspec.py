"""Keras layer calls as text -> a checked :class:`LayerCall`, parsed as literals only.

``convcli shape --layer "Conv2D(32, (3, 3), padding='same')"`` takes layers in Keras'
own words. The text is parsed with :func:`ast.parse` (eval mode) into one call of a
layer name; every argument must be a Python literal and is read with
:func:`ast.literal_eval` on its own node. Nothing is ever evaluated or imported, so
``__import__('os').system('x')``, attribute calls, lambdas, f-strings and ``**kwargs``
are refused before anything runs.

Arguments bind to the layer's Keras 3 signature (positional order, keyword names,
required arguments) as Python would bind them. Arguments that do not change shapes or
parameter counts (``activation``, initializers, ``name``, ...) are checked as Keras
checks them and then ignored; :mod:`convcli.stack` reads the rest.

Examples
--------
>>> call = parse_layer("Conv2D(32, (3, 3), padding='same', activation='relu')", 1)
>>> call.name, call.args["kernel_size"], call.args["padding"]
('Conv2D', (3, 3), 'same')
>>> parse_layer("keras.layers.MaxPool2D()", 2).name
'MaxPooling2D'
>>> parse_layer("Conv2D(8, 3, stride=2)", 3)
Traceback (most recent call last):
...
convcli.errors.ParameterError: layer 3 Conv2D(8, 3, stride=2): Conv2D has no argument 'stride'; ...
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import NamedTuple, NoReturn

from convcli.errors import ConvcliError, ParameterError

_CONV_TAIL = (
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
)
_DEPTHWISE_TAIL = (
    "activation",
    "use_bias",
    "depthwise_initializer",
    "bias_initializer",
    "depthwise_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "depthwise_constraint",
    "bias_constraint",
)
_SEPARABLE_TAIL = (
    "activation",
    "use_bias",
    "depthwise_initializer",
    "pointwise_initializer",
    "bias_initializer",
    "depthwise_regularizer",
    "pointwise_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "depthwise_constraint",
    "pointwise_constraint",
    "bias_constraint",
)
# Every Keras layer takes these by keyword (keras.layers.Layer.__init__).
BASE_KEYWORDS = (
    "name",
    "dtype",
    "trainable",
    "autocast",
    "activity_regularizer",
    "input_shape",
    "input_dim",
)
_LORA = ("lora_rank", "lora_alpha")
# Suffixes of the weight settings every trainable layer takes (listed as one group).
_SETTINGS = ("_initializer", "_regularizer", "_constraint")


class Signature(NamedTuple):
    """A layer's ``__init__`` as Keras 3 declares it.

    ``params`` are in positional order, the first ``required`` without a default;
    ``keywords`` are the further names it accepts by keyword only.
    """

    kind: str
    rank: int
    params: tuple[str, ...]
    required: int = 0
    keywords: tuple[str, ...] = ()


def _signatures() -> dict[str, Signature]:
    table: dict[str, Signature] = {}
    for r in (1, 2, 3):
        conv = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
        table[f"Conv{r}D"] = Signature("conv", r, (*conv, "groups", *_CONV_TAIL), 2, _LORA)
        middle = ("output_padding", "data_format") if r < 3 else ("data_format", "output_padding")
        table[f"Conv{r}DTranspose"] = Signature(
            "transpose",
            r,
            ("filters", "kernel_size", "strides", "padding", *middle, "dilation_rate", *_CONV_TAIL),
            2,
        )
        pooling = ("pool_size", "strides", "padding", "data_format", "name")
        table[f"MaxPooling{r}D"] = Signature("max_pooling", r, pooling)
        table[f"AveragePooling{r}D"] = Signature("average_pooling", r, pooling, 1)
        for kind in ("Average", "Max"):
            table[f"Global{kind}Pooling{r}D"] = Signature(
                "global_pooling", r, ("data_format", "keepdims")
            )
        table[f"ZeroPadding{r}D"] = Signature("zero_padding", r, ("padding", "data_format"))
        crop = ("cropping",) if r == 1 else ("cropping", "data_format")
        table[f"Cropping{r}D"] = Signature("cropping", r, crop)
    for r in (1, 2):
        table[f"DepthwiseConv{r}D"] = Signature(
            "depthwise",
            r,
            (
                "kernel_size",
                "strides",
                "padding",
                "depth_multiplier",
                "data_format",
                "dilation_rate",
                *_DEPTHWISE_TAIL,
            ),
            1,
        )
        table[f"SeparableConv{r}D"] = Signature(
            "separable",
            r,
            (
                "filters",
                "kernel_size",
                "strides",
                "padding",
                "data_format",
                "dilation_rate",
                "depth_multiplier",
                *_SEPARABLE_TAIL,
            ),
            2,
        )
    table["Flatten"] = Signature("flatten", 0, ("data_format",))
    table["Dense"] = Signature(
        "dense",
        0,
        ("units", *_CONV_TAIL, *_LORA, "quantization_config"),
        1,
    )
    # Layers that keep the shape (or change it simply) and own no weights but
    # BatchNormalization's and LayerNormalization's.
    table["Dropout"] = Signature("same", 0, ("rate", "noise_shape", "seed"), 1)
    table["AlphaDropout"] = Signature("same", 0, ("rate", "noise_shape", "seed"), 1)
    table["GaussianDropout"] = Signature("same", 0, ("rate", "seed"), 1)
    table["GaussianNoise"] = Signature("same", 0, ("stddev", "seed"), 1)
    for r in (1, 2, 3):
        layout: tuple[str, ...] = ("data_format",) if r > 1 else ()
        table[f"SpatialDropout{r}D"] = Signature(
            "spatial_dropout", r, ("rate", *layout, "seed", "name", "dtype"), 1
        )
    table["Activation"] = Signature("same", 0, ("activation",), 1)
    table["ReLU"] = Signature("same", 0, ("max_value", "negative_slope", "threshold"))
    # alpha: Keras 3 still takes Keras 2's name for negative_slope (with a warning).
    table["LeakyReLU"] = Signature("same", 0, ("negative_slope",), 0, ("alpha",))
    table["Softmax"] = Signature("same", 0, ("axis",))
    norm_tail = (
        "beta_initializer",
        "gamma_initializer",
    )
    table["BatchNormalization"] = Signature(
        "batch_norm",
        0,
        (
            "axis",
            "momentum",
            "epsilon",
            "center",
            "scale",
            *norm_tail,
            "moving_mean_initializer",
            "moving_variance_initializer",
            "beta_regularizer",
            "gamma_regularizer",
            "beta_constraint",
            "gamma_constraint",
            "renorm",
            "renorm_clipping",
            "renorm_momentum",
            "synchronized",
        ),
    )
    table["LayerNormalization"] = Signature(
        "layer_norm",
        0,
        (
            "axis",
            "epsilon",
            "center",
            "scale",
            *norm_tail,
            "beta_regularizer",
            "gamma_regularizer",
            "beta_constraint",
            "gamma_constraint",
        ),
    )
    table["Reshape"] = Signature("reshape", 0, ("target_shape",), 1)
    table["Permute"] = Signature("permute", 0, ("dims",), 1)
    table["RepeatVector"] = Signature("repeat_vector", 0, ("n",), 1)
    table["UpSampling1D"] = Signature("up_sampling", 1, ("size",))
    table["UpSampling2D"] = Signature("up_sampling", 2, ("size", "data_format", "interpolation"))
    table["UpSampling3D"] = Signature("up_sampling", 3, ("size", "data_format"))
    return table


SIGNATURES: Mapping[str, Signature] = _signatures()

# Keras 3's other exported names for the same classes.
ALIASES: Mapping[str, str] = {
    **{f"Convolution{r}D": f"Conv{r}D" for r in (1, 2, 3)},
    **{f"Convolution{r}DTranspose": f"Conv{r}DTranspose" for r in (1, 2, 3)},
    **{f"SeparableConvolution{r}D": f"SeparableConv{r}D" for r in (1, 2)},
    **{f"MaxPool{r}D": f"MaxPooling{r}D" for r in (1, 2, 3)},
    **{f"AvgPool{r}D": f"AveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalAvgPool{r}D": f"GlobalAveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalMaxPool{r}D": f"GlobalMaxPooling{r}D" for r in (1, 2, 3)},
}

LAYER_NAMES: tuple[str, ...] = tuple(SIGNATURES)

# What a layer name may be written after (keras.layers.Conv2D, layers.Conv2D, ...).
_PREFIXES = ((), ("layers",), ("keras", "layers"), ("tf", "keras", "layers"))

# The shortest working call of each required argument, for hints.
_EXAMPLE_VALUES = {
    "filters": "32",
    "kernel_size": "3",
    "pool_size": "2",
    "units": "10",
    "rate": "0.5",
    "stddev": "0.1",
    "activation": "'relu'",
    "target_shape": "(-1,)",
    "dims": "(2, 1)",
    "n": "3",
}

# String identifiers Keras 3.15 resolves (keras.activations.get, initializers.get, ...).
ACTIVATION_NAMES: tuple[str, ...] = (
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
)
INITIALIZER_NAMES: tuple[str, ...] = (
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "STFT",
    "STFTInitializer",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "constant",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "one",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "stft",
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "zero",
    "zeros",
)
REGULARIZER_NAMES: tuple[str, ...] = (
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "l1",
    "l1l2",
    "l2",
    "orthogonal_regularizer",
)
CONSTRAINT_NAMES: tuple[str, ...] = (
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "unit_norm",
)
DTYPE_NAMES: tuple[str, ...] = (
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "mixed_float16",
    "mixed_bfloat16",
)


class LayerCall(NamedTuple):
    """One parsed layer: canonical class name, its signature and the arguments given.

    ``args`` holds only the arguments the text gives, by parameter name, as Python
    values (tuples and lists as written).
    """

    position: int
    text: str
    name: str
    signature: Signature
    args: Mapping[str, object]

    def fail(self, message: str, error: type[ConvcliError] = ParameterError) -> NoReturn:
        """Raise ``error`` with the message prefixed by this layer's position and text."""
        raise error(f"{layer_label(self.position, self.text)}: {message}")


def layer_label(position: int, text: str) -> str:
    """``layer 3 Conv2D(64, 3)``: how messages name a layer (long texts are shortened).

    Examples
    --------
    >>> layer_label(2, "  MaxPooling2D(2) ")
    'layer 2 MaxPooling2D(2)'
    """
    text = " ".join(text.split())
    # Control characters would garble the terminal: show them escaped.
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"layer {position} {text}"


def closest(word: str, choices: Sequence[str], n: int = 3) -> list[str]:
    """Up to ``n`` choices close to ``word``; an exact case-insensitive match comes first.

    Examples
    --------
    >>> closest("conv2d", ["Conv1D", "Conv2D", "Conv3D"])
    ['Conv2D']
    >>> closest("stride", ["strides", "padding"])
    ['strides']
    """
    import difflib  # only error messages need it

    folded = [c for c in choices if c.lower() == word.lower()]
    if folded:
        return folded[:1]
    by_lower = {c.lower(): c for c in choices}
    return [by_lower[m] for m in difflib.get_close_matches(word.lower(), list(by_lower), n=n)]


def _families() -> str:
    """The supported layers, grouped: ``Conv1D/2D/3D, ..., Flatten, Dense``."""
    groups: dict[str, list[str]] = {}
    for name in LAYER_NAMES:
        for r in ("1D", "2D", "3D"):
            if r in name:
                stem = name.replace(r, "{}", 1)
                groups.setdefault(stem, []).append(r)
                break
        else:
            groups.setdefault(name, [])
    parts = []
    for stem, ranks in groups.items():
        if not ranks:
            parts.append(stem)
        else:
            parts.append(stem.format("/".join(ranks)))
    return ", ".join(parts)


def example_call(name: str) -> str:
    """The shortest call of a layer, e.g. ``Conv2D(32, 3)``.

    Examples
    --------
    >>> example_call("Conv2D"), example_call("Flatten")
    ('Conv2D(32, 3)', 'Flatten()')
    """
    signature = SIGNATURES[name]
    values = [_EXAMPLE_VALUES[p] for p in signature.params[: signature.required]]
    return f"{name}({', '.join(values)})"


def _dotted(node: ast.expr) -> list[str] | None:
    """``keras.layers.Conv2D`` as its parts, or None when it is not a plain dotted name."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else [*head, node.attr]
    return None


def _source(text: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(text, node)
    return segment if segment is not None else ast.unparse(node)


def parse_layer(text: str, position: int) -> LayerCall:
    """Parse one layer text into a :class:`LayerCall`, or raise a ParameterError.

    Parameters
    ----------
    text : str
        A Keras layer call such as ``"Conv2D(32, 3, activation='relu')"``, optionally
        written ``keras.layers.Conv2D(...)`` or ``layers.Conv2D(...)``.
    position : int
        The layer's 1-based place in the stack, for messages.

    Raises
    ------
    ParameterError
        For an empty text, anything but one call of a known layer, a non-literal
        argument, an unknown or repeated argument, too many or too few positional
        arguments, or a value Keras refuses for an argument that does not change shapes.

    Examples
    --------
    >>> parse_layer("Dense(units=10)", 5).args
    {'units': 10}
    >>> parse_layer("Conv2D(8, 3, activation=tf.nn.relu)", 1)
    Traceback (most recent call last):
    ...
    convcli.errors.ParameterError: layer 1 Conv2D(8, 3, activation=tf.nn.relu): activation ...
    """
    source = text.strip()
    if not source:
        raise ParameterError(
            f"layer {position} is empty; write a Keras layer such as Conv2D(32, 3)"
        )
    label = layer_label(position, source)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ParameterError(
            f"{label}: not a Keras layer call ({exc.msg.split(';')[0]}{where}); write it as "
            "Python, "
            "e.g. Conv2D(32, (3, 3), padding='same')"
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = str(exc).split(";")[0] or type(exc).__name__
        raise ParameterError(
            f"{label}: not a Keras layer call ({reason}); write it as Python, "
            "e.g. Conv2D(32, (3, 3), padding='same')"
        ) from None

    body = tree.body
    parts = _dotted(body)
    if parts is not None:
        name = ALIASES.get(parts[-1], parts[-1])
        hint = f"{parts[-1]}()" if name in SIGNATURES else "a call such as Conv2D(32, 3)"
        raise ParameterError(f"{label}: a layer is a call with parentheses; write {hint}")
    if not isinstance(body, ast.Call):
        raise ParameterError(
            f"{label}: not a layer call; write one Keras layer with its arguments, "
            "e.g. Conv2D(32, 3)"
        )
    if isinstance(body.func, ast.Call) and _dotted(body.func.func) is not None:
        raise ParameterError(
            f"{label}: write the layer alone, not called on an input: {_source(source, body.func)}"
        )
    parts = _dotted(body.func)
    if parts is None or tuple(parts[:-1]) not in _PREFIXES:
        raise ParameterError(
            f"{label}: '{_source(source, body.func)}' is not a Keras layer name; write the "
            "layer's name, alone or after keras.layers. (e.g. keras.layers.Conv2D(32, 3))"
        )
    written = parts[-1]
    name = ALIASES.get(written, written)
    signature = SIGNATURES.get(name)
    if signature is None:
        _unknown_layer(label, written)
    call = LayerCall(position, source, name, signature, {})
    args = _bind(call, source, body)
    call = LayerCall(position, source, name, signature, args)
    _check_ignored(call)
    return call


def _unknown_layer(label: str, written: str) -> NoReturn:
    if written in ("Input", "InputLayer"):
        raise ParameterError(
            f"{label}: the input is not a layer here; give its shape as the input "
            "(e.g. 28,28,1) and list only the layers after it"
        )
    near = closest(written, [*LAYER_NAMES, *ALIASES])
    suggestion = f"closest: {', '.join(near)}" if near else f"supported: {_families()}"
    raise ParameterError(f"{label}: unknown layer '{written}'; {suggestion}")


def _bind(call: LayerCall, source: str, node: ast.Call) -> dict[str, object]:
    """Bind the call's literal arguments to the signature, as Python would."""
    signature = call.signature
    args: dict[str, object] = {}
    for index, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred):
            call.fail("*args is not supported; write each argument out")
        if index >= len(signature.params):
            count = len(signature.params)
            shown = signature.params
            names = ", ".join(shown if count <= 4 else (*shown[:3], "...", shown[-1]))
            noun = "argument" if count == 1 else "arguments"
            call.fail(
                f"{call.name} takes at most {count} positional {noun} ({names}); "
                f"got {len(node.args)}: pass the others by name, e.g. name='x'"
            )
        param = signature.params[index]
        args[param] = _literal(call, source, arg, param)
    accepted = [*signature.params, *signature.keywords, *BASE_KEYWORDS]
    for keyword in node.keywords:
        if keyword.arg is None:
            call.fail("**kwargs is not supported; write each argument as name=value")
        if keyword.arg not in accepted:
            near = closest(keyword.arg, list(dict.fromkeys(accepted)), n=2)
            own = [p for p in signature.params if not p.endswith(_SETTINGS)]
            hint = (
                f"did you mean {' or '.join(near)}?"
                if near
                else f"it takes {', '.join(own) or 'no arguments of its own'} (and "
                + (
                    "initializers, regularizers, constraints, "
                    if len(own) < len(signature.params)
                    else ""
                )
                + "name, dtype, trainable)"
            )
            call.fail(f"{call.name} has no argument '{keyword.arg}'; {hint}")
        if keyword.arg in args:
            call.fail(f"{keyword.arg} is given twice, by position and by name; keep one")
        args[keyword.arg] = _literal(call, source, keyword.value, keyword.arg)
    missing = [p for p in signature.params[: signature.required] if p not in args]
    if missing:
        call.fail(f"{call.name} needs {' and '.join(missing)}, e.g. {example_call(call.name)}")
    return args


def _literal(call: LayerCall, source: str, node: ast.expr, param: str) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        call.fail(
            f"{param} must be a literal (a number, string, tuple, list, True/False or None); "
            f"got {_source(source, node)}: convcli reads arguments, it never runs them"
        )


def _named(call: LayerCall, param: str, value: object, names: Sequence[str], what: str) -> None:
    """None, a dict (a serialized Keras object) or one of ``names``; else an error."""
    if value is None or isinstance(value, dict):
        return
    if isinstance(value, str) and value in names:
        return
    near = closest(value, names) if isinstance(value, str) else []
    hint = f"closest: {', '.join(near)}" if near else f"e.g. '{names[0]}', or None"
    call.fail(f"{param} must name a Keras {what}; got {value!r}; {hint}")


def _check_ignored(call: LayerCall) -> None:
    """Check, as Keras does, the arguments that do not change shapes or parameter counts."""
    for param, value in call.args.items():
        if param == "activation":
            _named(call, param, value, ("relu", *ACTIVATION_NAMES), "activation")
        elif param.endswith("_initializer"):
            _named(call, param, value, ("he_normal", *INITIALIZER_NAMES), "initializer")
        elif param.endswith("_regularizer"):
            _named(call, param, value, ("l2", *REGULARIZER_NAMES), "regularizer")
        elif param.endswith("_constraint"):
            _named(call, param, value, ("max_norm", *CONSTRAINT_NAMES), "constraint")
        elif param == "name" and value is not None:
            if not isinstance(value, str) or "/" in value:
                call.fail(f"name must be a string without '/'; got {value!r}")
        elif param in (
            "trainable",
            "autocast",
            "use_bias",
            "keepdims",
            "center",
            "scale",
            "renorm",
            "synchronized",
        ):
            if not isinstance(value, bool):
                call.fail(f"{param} must be True or False; got {value!r}")
        elif param == "dtype" and value is not None:
            if not isinstance(value, str) or value not in DTYPE_NAMES:
                near = closest(value, DTYPE_NAMES) if isinstance(value, str) else []
                hint = f"; closest: {', '.join(near)}" if near else ""
                call.fail(f"dtype must be a float type such as 'float32'; got {value!r}{hint}")
        elif param == "lora_alpha" and value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                call.fail(f"lora_alpha must be a number; got {value!r}")
        elif param == "quantization_config" and value is not None:
            call.fail(
                f"quantization_config changes how weights are stored; convcli counts float "
                f"weights only, so leave it out; got {value!r}"
            )
        elif param in ("rate", "stddev"):
            _fraction(call, param, value)
        elif param in ("momentum", "epsilon", "renorm_momentum"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                call.fail(f"{param} must be a number; got {value!r}")
        elif param == "seed" and value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                call.fail(f"seed must be a whole number (or None); got {value!r}")
        elif param in ("max_value", "negative_slope", "threshold", "alpha"):
            _non_negative(call, param, value)
        elif param == "data_format":
            _check_data_format(call, value)


def _check_data_format(call: LayerCall, value: object) -> None:
    if value is None:
        return
    if isinstance(value, str) and value.lower() == "channels_last":
        return
    if isinstance(value, str) and value.lower() == "channels_first":
        call.fail(
            "data_format='channels_first' is not supported: convcli works channels last "
            "(Keras' default), e.g. 28,28,1; drop data_format and give the input channels last"
        )
    near = closest(value, ["channels_last", "channels_first"]) if isinstance(value, str) else []
    hint = f"; closest: {', '.join(near)}" if near else ""
    call.fail(f"data_format must be 'channels_last' (or None); got {value!r}{hint}")


def _fraction(call: LayerCall, param: str, value: object) -> None:
    """Dropout rates and GaussianNoise's stddev: Keras takes 0 to 1 only."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        call.fail(f"{param} must be a number from 0 to 1, as Keras requires; got {value!r}")


def _non_negative(call: LayerCall, param: str, value: object) -> None:
    """ReLU's and LeakyReLU's settings: numbers of 0 or more (max_value may be None)."""
    if value is None and param == "max_value":
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        none = " (or None)" if param == "max_value" else ""
        call.fail(f"{param} must be a number of 0 or more{none}, as Keras requires; got {value!r}")
