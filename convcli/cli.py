"""The ``convcli`` command: thin Typer commands over the library.

Each command parses its options, calls the core, and hands the result to a writer or
the renderer. Domain errors (:class:`~convcli.errors.ConvcliError`) and usage errors
become one ``Error: ...`` line on standard error and exit status 2 (bad usage or
input) or 1 (anything else), never a traceback. Heavy modules (NumPy, Pillow, rich)
are imported inside the commands so that ``--help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import typer

from convcli import __version__
from convcli.commands import apply, explain, kernels, shape
from convcli.errors import ConvcliError


def _pass_text_options_through() -> None:
    """Let text and flag options reach the commands as given, without pydantic.

    Typer 0.29 coerces every option through a pydantic ``TypeAdapter``; importing
    pydantic and building the adapters is most of a small command's start-up (about
    150 ms of ``convcli shape``'s 290). convcli's options are all text, lists of text
    or flags that the commands parse themselves, so for those the coercion is an
    identity. Anything else, or a Typer whose internals differ, keeps Typer's own path.
    """
    try:
        import typer.core
        from typer._coercion import RuntimeParam
    except ImportError:  # pragma: no cover - another Typer: keep its behaviour
        return
    build = getattr(typer.core, "build_runtime_param", None)
    if build is None or not hasattr(RuntimeParam, "_coerce_value"):  # pragma: no cover
        return
    as_given = (str, str | None, list[str], list[str] | None, bool)

    @dataclass(frozen=True)
    class AsGiven(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            return list(value) if isinstance(value, tuple) else value

    def runtime_param(descriptor: Any) -> Any:
        if descriptor.file_annotation is None and descriptor.annotation in as_given:
            return AsGiven(
                annotation=descriptor.annotation, parameter_info=descriptor.parameter_info
            )
        return build(descriptor)

    setattr(typer.core, "build_runtime_param", runtime_param)  # noqa: B010 - not re-exported


_pass_text_options_through()

# Each command module holds HELP, EXAMPLES and a function of the command's name.
_COMMAND_MODULES = {"apply": apply, "shape": shape, "explain": explain, "kernels": kernels}
COMMANDS = tuple(_COMMAND_MODULES)

ROOT_EXAMPLES = """\
Examples:

  convcli apply sample_images/seed-line-8x8.csv -k vertical-line

  convcli apply sample_images/photo.png -k sobel-x -k sobel-y -p same -o edges.png

  convcli explain sample_images/seed-bump.csv -k bump

  convcli shape 28,28,1 -k 3 --filters 32

  convcli kernels

  convcli apply -h
"""

app = typer.Typer(
    name="convcli",
    epilog=ROOT_EXAMPLES,
    help="Convolutions from the command line, exactly as Keras computes them "
    "(cross-correlation, channels last).",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        print(f"convcli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Print the version and exit.", is_eager=True, callback=_version
        ),
    ] = False,
) -> None:
    """Convolutions from the command line, exactly as Keras computes them."""


for _name, _module in _COMMAND_MODULES.items():
    app.command(_name, help=_module.HELP, epilog=_module.EXAMPLES)(getattr(_module, _name))


def _fail(message: str, code: int, hint: str | None = None) -> NoReturn:
    print(f"Error: {message}", file=sys.stderr)
    if hint:
        print(hint, file=sys.stderr)
    raise SystemExit(code)


def _quiet_broken_pipe() -> NoReturn:
    # The reader went away (`| head`): stop writing, say nothing, exit successfully.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``convcli`` command and ``python -m convcli``."""
    args = list(sys.argv[1:] if argv is None else argv)
    # The engine splits work over two Python threads itself; OpenBLAS' own threads would
    # compete with them and spin after each call (see convcli/strategies). It must be set
    # before NumPy loads, so only the command line sets it; a user's setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        code = app(args=args, prog_name="convcli", standalone_mode=False)
    except ConvcliError as exc:
        _fail(str(exc), exc.exit_code)
    except typer.TyperException as exc:
        if not exc.format_message():  # `convcli` alone: the help was printed, nothing failed
            raise SystemExit(0) from None
        command = next((a for a in args if not a.startswith("-")), "")
        if command not in COMMANDS:
            command = ""
        hint = f"Try 'convcli {command} -h' for help.".replace("  ", " ")
        # Typer's Literal coercion words choices as "Value error, 'x' is not one of ...".
        message = exc.format_message().replace("Value error, ", "")
        _fail(message, exc.exit_code, hint if exc.exit_code == 2 else None)
    except typer.Abort:
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except MemoryError:
        _fail("out of memory; try a smaller input, float32, or a stride", 1)
    except Exception as exc:  # a bug: still no traceback for users unless asked for
        if os.environ.get("CONVCLI_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set CONVCLI_DEBUG=1 for details)", 1)
    try:
        if sys.stdout is not None:
            from convcli.stdio import stdout_guard

            with stdout_guard():  # data still buffered may fail to reach a full disk
                pass
    except BrokenPipeError:
        _quiet_broken_pipe()
    except ConvcliError as exc:
        _fail(str(exc), exc.exit_code)
    raise SystemExit(code if isinstance(code, int) else 0)
