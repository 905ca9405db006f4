"""The benchmark machinery on tiny sizes: references, checks, peers' layouts, the report.

No timing is asserted. Peers run when installed: scipy.ndimage and OpenCV (scipy.signal
and torch are left out here because importing them alone takes seconds; the benchmark
checks their outputs the same way on every run). A deliberately wrong peer and a raising
one show that a failed check is reported as FAIL/ERR and never timed.
"""

from __future__ import annotations

import doctest
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` (unlike `python -m pytest`) does not add it
    sys.path.insert(0, str(ROOT))

from benchmarks import peak_memory, peers, process, report, run, startup, workloads  # noqa: E402
from benchmarks.measure import Row, Timing, measure  # noqa: E402
from benchmarks.peers import Entry, centred_view  # noqa: E402
from benchmarks.workloads import Workload, keras_pads, reference_block, verify  # noqa: E402


def passed(timing: Timing) -> bool:
    return timing.check is not None and timing.check.ok


# Installed peers that import quickly.
FAST_PEERS = tuple(c for c in ("scipy.ndimage", "cv2") if peers.available(c))


@pytest.mark.parametrize(
    "module",
    [workloads, peers, process, report, peak_memory, startup, run],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0


# -- the float64 reference -----------------------------------------------------------

SIGNAL = np.array([1, 2, 3, 4, 5, 6], dtype=np.float32)
DIGITS = np.array([1, 10, 100], dtype=np.float32)


@pytest.mark.parametrize(
    ("n", "stride", "padding", "expected"),
    [
        (6, 1, "valid", [321, 432, 543, 654]),
        (6, 2, "same", [321, 543, 65]),  # pads 0, 1
        (7, 2, "same", [210, 432, 654, 76]),  # pads 1, 1
        (6, 1, "same", [210, 321, 432, 543, 654, 65]),
    ],
)
def test_reference_gives_the_contract_worked_examples(
    n: int, stride: int, padding: str, expected: list[int]
) -> None:
    x = np.arange(1, n + 1, dtype=np.float32)
    pads = keras_pads((n,), (3,), (stride,), padding)
    out = reference_block(x, DIGITS, (stride,), pads, (slice(0, pads[0][2]),))
    assert out.tolist() == expected


def test_reference_block_on_a_region_reads_padding_as_zeros() -> None:
    x = np.arange(1.0, 17.0).reshape(4, 4)
    w = np.ones((3, 3))
    pads = keras_pads((4, 4), (3, 3), (1, 1), "same")
    assert pads == ((1, 1, 4), (1, 1, 4))
    corner = reference_block(x, w, (1, 1), pads, (slice(0, 2), slice(0, 2)))
    # 1+2+5+6 at the corner; 1+2+3+5+6+7 beside it; 1+2+5+6+9+10 below it; 54 inside.
    assert corner.tolist() == [[14.0, 24.0], [33.0, 54.0]]
    whole = reference_block(x, w, (1, 1), pads, (slice(0, 4), slice(0, 4)))
    assert whole[:2, :2].tolist() == corner.tolist()


def test_keras_same_split_puts_the_larger_half_after() -> None:
    assert keras_pads((4096,), (3,), (2,), "same") == ((0, 1, 2048),)
    assert keras_pads((6,), (4,), (1,), "same") == ((1, 2, 6),)
    with pytest.raises(ValueError, match="padding must be 'same' or 'valid'; got 'full'"):
        keras_pads((6,), (3,), (1,), "full")


def test_centred_view_picks_keras_outputs_from_a_centred_result() -> None:
    # A centred 'same' result of [1..6] with 1,10,100 (ndimage/cv2 style) ...
    centred = np.array([210, 321, 432, 543, 654, 65])
    pads = keras_pads((6,), (3,), (2,), "same")
    # ... gives Keras' stride-2 'same' outputs 321 543 65 as a view.
    assert centred_view(centred, (3,), (2,), pads).tolist() == [321, 543, 65]
    pads = keras_pads((6,), (3,), (1,), "valid")
    assert centred_view(centred, (3,), (1,), pads).tolist() == [321, 432, 543, 654]


# -- the check -----------------------------------------------------------------------


def _small(padding: str = "same", stride: int = 1) -> Workload:
    return Workload(
        "t",
        "test",
        lambda: np.arange(1.0, 17.0).reshape(4, 4),
        [np.ones((3, 3), np.float32)],
        stride=stride,
        padding=padding,
    )


def test_verify_accepts_float32_rounding_and_rejects_a_wrong_value() -> None:
    wl = _small()
    good = reference_block(wl.x, wl.kernels[0], (1, 1), wl.pads, (slice(0, 4), slice(0, 4)))
    check = verify(wl, good.astype(np.float32))
    assert (check.ok, check.mode, check.max_error) == (True, "full", 0.0)
    bad = good.copy()
    bad[3, 3] += 1.0  # scale is sum|w| * max|x| = 9 * 16 = 144
    check = verify(wl, bad)
    assert not check.ok
    assert check.message == "max error 6.9e-03 of sum|w|*max|x| (tolerance 1e-05)"


def test_verify_rejects_a_wrong_shape_and_non_finite_values() -> None:
    wl = _small(stride=2)
    assert verify(wl, np.zeros((4, 4))).message == "shape (4, 4), expected (2, 2)"
    assert verify(wl, np.full((2, 2), np.nan)).message == "non-finite values"


def test_large_outputs_are_checked_on_corners_and_centre() -> None:
    wl = Workload("big", "big", lambda: np.zeros((1000, 1000)), [np.ones((31, 31), np.float32)])
    mode, regions = wl.check_regions()
    assert mode == "crops"  # 1e6 outputs x 961 taps is more than FULL_CHECK_WORK
    starts = sorted((r[0].start, r[1].start) for r in regions)
    assert starts == [(0, 0), (0, 936), (468, 468), (936, 0), (936, 936)]
    out = np.zeros((1000, 1000), np.float32)
    assert verify(wl, out).ok
    out[999, 0] = 1.0  # a corner is checked
    assert verify(wl, out).message.startswith("max error")


def test_layout_of_each_and_sum_matches_the_contract_example() -> None:
    # The contract: a 4x4 RGB array holding 1, 2, 3; kernels 1,1;1,1 and 2,2;2,2.
    rgb = np.ones((4, 4, 3), np.float32) * np.array([1, 2, 3], np.float32)
    kernels = [np.ones((2, 2), np.float32), np.full((2, 2), 2, np.float32)]
    each = Workload("e", "e", lambda: rgb, kernels, channels="each", padding="valid")
    assert each.out_shape == (3, 3, 6)
    region = (slice(0, 1), slice(0, 1))
    assert each.reference(region)[0, 0].tolist() == [4, 8, 8, 16, 12, 24]
    total = Workload("s", "s", lambda: rgb, kernels, channels="sum", padding="valid")
    assert total.out_shape == (3, 3, 2)
    assert total.reference(region)[0, 0].tolist() == [24, 48]
    per_channel = np.ones((2, 2, 3), np.float32) * np.array([1, 10, 100], np.float32)
    deep = Workload("d", "d", lambda: rgb, [per_channel], channels="sum", padding="valid")
    assert (deep.sliding_ndim, deep.out_shape) == (2, (3, 3, 1))
    assert deep.reference(region)[0, 0].tolist() == [1284]


# -- the whole machinery, tiny -------------------------------------------------------


def _wrong_peer(wl: Workload) -> list[Entry]:
    """A peer that is off by 1 everywhere, and one that raises."""

    def off_by_one() -> tuple[peers.Run, peers.Finish]:
        right, finish = peers.convcli_entry(wl).setup()
        return (lambda: np.asarray(right()) + 1.0), finish

    def raises() -> tuple[peers.Run, peers.Finish]:
        def call() -> np.ndarray:
            raise RuntimeError("this peer is broken")

        return call, np.asarray

    return [Entry("wrong", "", off_by_one), Entry("wrong", "raises", raises)]


@pytest.fixture(scope="module")
def tiny_rows() -> list[Row]:
    chosen = {"line3", "gauss15", "rgb5", "bank32", "sig101", "vol3", "stride2"}
    tiny = [wl for wl in workloads.build_workloads("tiny") if wl.name in chosen]
    return run.run_workloads(tiny, runs=1, budget=0.05, columns=FAST_PEERS, extra=_wrong_peer)


def test_every_output_is_checked_against_the_reference(tiny_rows: list[Row]) -> None:
    assert [r.name for r in tiny_rows] == [
        "line3",
        "gauss15",
        "rgb5",
        "bank32",
        "sig101",
        "vol3",
        "stride2",
    ]
    for row in tiny_rows:
        assert row.check_mode == "full"
        assert passed(row.convcli), row.name
        assert row.convcli.samples  # timed after the check
        for timing in row.peers:
            if timing.column == "wrong":
                continue
            # Every installed peer's layout and padding agree with the reference.
            assert passed(timing), (row.name, timing.label)


def test_a_wrong_peer_is_a_fail_and_a_raising_one_an_error(tiny_rows: list[Row]) -> None:
    for row in tiny_rows:
        wrong, raising = (t for t in row.peers if t.column == "wrong")
        assert wrong.check is not None
        assert wrong.check.message.startswith("max error")
        assert wrong.samples == []  # a wrong result's time never counts
        assert not wrong.ok
        assert raising.error == "RuntimeError: this peer is broken"
        best = row.best_peer
        assert best is None or best.column != "wrong"
        expected = row.convcli.median_ms / best.median_ms if best else math.nan
        assert row.ratio == pytest.approx(expected, nan_ok=True)


def test_the_table_prints_every_workload_with_failures_shown(tiny_rows: list[Row]) -> None:
    table = report.results_table(tiny_rows, 1)
    lines = table.splitlines()
    header = ["workload", "check", "convcli ms", *[f"{c} ms" for c in FAST_PEERS], "wrong ms"]
    assert lines[0] == "| " + " | ".join([*header, "best peer", "convcli / best"]) + " |"
    assert lines[2].startswith("| 48x48 3x3 line detector | FAIL: wrong | ")
    assert lines[2].split(" | ")[-3] == "FAIL"  # the wrong column: its best is the FAIL
    assert "- line3: wrong raises: error: RuntimeError: this peer is broken" in lines
    assert any(line.startswith("- line3: wrong: FAIL: max error") for line in lines)
    body = lines[2 : 2 + len(tiny_rows)]
    assert [line.split(" | ")[0] for line in body] == ["| " + r.title for r in tiny_rows]


def test_skipped_entries_are_not_run_and_say_why() -> None:
    timings = measure(
        [(Entry("slow", "", lambda: pytest.fail("set up")), lambda _out: pytest.fail("check"))],
        runs=3,
        budget=1.0,
        skip={"slow": "about 99 s per call"},
    )
    assert timings[0].skipped == "about 99 s per call"
    assert timings[0].samples == []
    row = Row("r", "r", timings[0], [])
    assert "- r: slow: skipped, about 99 s per call" in report.results_table([row], 3)


def test_the_command_prints_header_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    argv = ["--quick", "--only", "sig3", "--peers", "", "--runs", "1", "--json", str(out)]
    assert run.main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("convcli benchmark, quick run, ")
    for key in ("machine", "python", "numpy", "convcli", "peers"):
        assert f"\n- {key}: " in text
    assert "\n| 1M-sample signal, 3 taps | full | " in text
    data = json.loads(out.read_text())
    assert data["mode"] == "quick"
    assert data["rows"][0]["convcli"]["check"]["ok"] is True
    assert (data["memory"], data["startup"]) == ([], [])


def test_unknown_names_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run.main(["--only", "line3,nope"])
    assert exc.value.code == 2
    assert "unknown names: nope" in capsys.readouterr().err


# -- whole process, memory, start-up -------------------------------------------------


def test_whole_process_png_is_equivalent_to_the_exact_result() -> None:
    row = process.run_process_workload(48, runs=0)  # the checking round only
    assert passed(row.convcli), row.convcli.check
    assert row.convcli.check is not None
    assert row.convcli.check.max_error <= 0.5 / 255  # convcli rounds
    for timing in row.peers:  # ImageMagick, where installed, truncates: within 1 level
        assert passed(timing), timing.label


def test_photo_like_image_spans_black_to_white_so_minmax_is_division_by_3() -> None:
    img = process.photo_like(256)
    exact = process.exact_result(img)
    assert (exact.min(), exact.max()) == (0.0, 255.0)
    assert len(np.unique(img)) > 100  # a photo, not a flat picture


def test_peak_memory_child_measures_one_call() -> None:
    result = peak_memory.Memory(**peak_memory.child("3x3 stride 2", 256))
    assert (result.input_bytes, result.output_bytes) == (256 * 256 * 4, 128 * 128 * 4)
    assert result.peak_bytes >= result.baseline_bytes
    table = peak_memory.memory_table([result], 256)
    assert "| 3x3 stride 2 | 0.2 | 0.1 | " in table


def test_peak_memory_is_not_hidden_by_the_parents_peak() -> None:
    # Linux carries ru_maxrss over exec from the parent: a child started by a process
    # holding this much would see no growth at all if the peak were read from it.
    ballast = np.ones(40_000_000)  # 305 MiB resident here
    result = peak_memory.measure_kernel("3x3 stride 2", 1024)
    del ballast
    assert result.error is None
    assert (result.input_bytes, result.output_bytes) == (2**22, 2**20)
    assert result.baseline_bytes < 300 * 2**20
    assert result.extra_bytes >= result.output_bytes  # at least the output is resident


def test_startup_table_reports_failures() -> None:
    ok = startup.Startup("convcli --help", ["convcli"], samples=[0.3, 0.2, 0.25])
    bad = startup.Startup("convcli shape", ["convcli"], error="exit 2: Error: no such command")
    table = startup.startup_table([ok, bad], 3)
    assert "| `convcli --help` | 250 |" in table
    assert "| `convcli shape` | fails: exit 2: Error: no such command |" in table


def test_timing_median_and_label() -> None:
    timing = Timing("cv2", "sep", samples=[0.003, 0.001, 0.002])
    assert (timing.median_ms, timing.label) == (2.0, "cv2 sep")
