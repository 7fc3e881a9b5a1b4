"""The ``qedm`` command line: ``python -m qedm_jax`` in a subprocess (target, plot bc2, evolve),
and ``cli.main([...])`` in-process for the two-temperature commands (their compilations are shared).

* Bad input exits non-zero with one line ``qedm: error: ...`` naming the parameter and its
  allowed range, and no traceback (nothing is computed).
* ``qedm target`` writes the documented columns, one row per mass in input order, and
  reaches the Omega h^2 target.
* ``qedm plot bc2`` writes a PNG and a PDF (also with ``--freeze-in``/``--floor`` lines).
* ``qedm contour`` / ``floor`` / ``freeze-in`` (secluded Dirac DM, seed 003) write the documented
  columns and headers, regimes from ``contour.REGIMES``, epsilon_min < epsilon_TF and
  epsilon_FI ~ sqrt(Omega target); ``qedm plot contour`` / ``floor`` write their figures; the same
  for the BC2 family (floor and freeze-in at 0.1 GeV).
* ``qedm scan`` writes a ``load_scan``-readable grid whose points equal single ``solve`` calls,
  resumes from its chunk files, reports failed points with exit status 0, and rejects bad
  input (exit 2, the option named); ``qedm_jax.scan`` is ``qedm_jax.grids.scan``.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import subprocess
import sys
from io import StringIO

import numpy as np
import pytest

import qedm_jax
from qedm_jax import cli, io
from qedm_jax.relic import floor as floor_mod

from .tolerances import VMAP_LOOP_RTOL

PACKAGE_ROOT = pathlib.Path(qedm_jax.__file__).resolve().parent.parent
OMEGA_ATOL = 1e-3  # issue: the CLI target reaches Omega h^2 = 0.12 within 1e-3
TARGET_MASSES = (0.01, 0.1)  # [GeV]


def _env() -> dict[str, str]:
    """The test environment with the package under test first on the path (and CPU)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["MPLBACKEND"] = "Agg"
    return env


def run_qedm(*args: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
    """``python -m qedm_jax ARGS``."""
    return subprocess.run([sys.executable, "-m", "qedm_jax", *args], capture_output=True, text=True,
                          timeout=timeout, env=_env())


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qedm: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


TARGET = ("target", "--model", "bc2", "--species", "scalar")

BAD_INPUT = {
    "zero mass": (TARGET + ("--m-chi", "0,0.1"), ("--m-chi", "> 0")),
    "negative mass": (TARGET + ("--m-chi=-0.01,0.1",), ("--m-chi", "> 0")),
    "mass not a number": (TARGET + ("--m-chi", "0.1,abc"), ("--m-chi",)),
    "negative m-min": (TARGET + ("--m-min=-1", "--m-max", "1", "--n", "3"), ("--m-min", "> 0")),
    "m-min above m-max": (TARGET + ("--m-min", "2", "--m-max", "1"), ("--m-max", "m_min")),
    "n zero": (TARGET + ("--n", "0"), ("--n", ">= 1")),
    "alpha_D zero": (TARGET + ("--m-chi", "0.1", "--alpha-d", "0"), ("alpha_D", "> 0")),
    "alpha_D negative": (TARGET + ("--m-chi", "0.1", "--alpha-d=-0.1"), ("alpha_D", "> 0")),
    "ratio below 1": (TARGET + ("--m-chi", "0.1", "--ratio", "0.5"), ("ratio", "> 2")),
    "ratio below 2": (TARGET + ("--m-chi", "0.1", "--ratio", "1.9"), ("ratio", "> 2")),
    "ratio below 2 + delta": (("target", "--model", "bc2", "--species", "pseudo-dirac", "--m-chi", "0.1", "--ratio", "2.05",
                               "--delta", "0.1"), ("ratio", "> 2.1")),
    "delta negative": (("target", "--model", "bc2", "--species", "pseudo-dirac", "--m-chi", "0.1", "--delta=-0.1"),
                       ("delta", ">= 0")),
    "omega_h2 zero": (TARGET + ("--m-chi", "0.1", "--omega-h2", "0"), ("--omega-h2", "> 0")),
    "unknown model": (("target", "--model", "vector", "--m-chi", "0.1"), ("--model", "bc2", "secluded")),
}


@pytest.fixture(scope="module")
def bad_input_results(tmp_path_factory):
    """All ``BAD_INPUT`` commands, started at once (each is mostly interpreter start-up):
    case -> (CompletedProcess, output path)."""
    folder = tmp_path_factory.mktemp("bad_input")
    env = _env()
    started = {}
    for i, (case, (args, _)) in enumerate(sorted(BAD_INPUT.items())):
        out = folder / f"target_{i}.csv"
        command = [sys.executable, "-m", "qedm_jax", *args, "--out", str(out)]
        started[case] = (command, out, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                        text=True, env=env))
    results = {}
    for case, (command, out, process) in started.items():
        stdout, stderr = process.communicate(timeout=120)
        results[case] = (subprocess.CompletedProcess(command, process.returncode, stdout, stderr), out)
    return results


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_one_line_error(case, bad_input_results):
    result, out = bad_input_results[case]
    assert_one_line_error(result, *BAD_INPUT[case][1])
    assert not out.exists()


def test_unreadable_csv(tmp_path):
    missing = tmp_path / "missing.csv"
    result = run_qedm("plot", "bc2", "--kind", "elastic", "--targets", str(missing), "--out", str(tmp_path / "f.png"))
    assert_one_line_error(result, "missing.csv")
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("this is not,a target\n1,2,x\n")
    result = run_qedm("plot", "bc2", "--kind", "elastic", "--targets", str(garbage), "--out", str(tmp_path / "f.png"))
    assert_one_line_error(result, "garbage.csv")
    assert not (tmp_path / "f.png").exists()


@pytest.fixture(scope="module")
def dirac_target(tmp_path_factory):
    """``qedm target --model dirac --masses 0.01,0.1``: (result, csv path)."""
    out = tmp_path_factory.mktemp("cli") / "dirac.csv"
    result = run_qedm("target", "--model", "bc2", "--species", "dirac", "--m-chi", ",".join(map(str, TARGET_MASSES)), "--out", str(out))
    return result, out


def test_target_csv(dirac_target):
    result, out = dirac_target
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "2/2 masses converged" in result.stdout

    text = out.read_text()
    data_lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert data_lines[0].replace(" ", "") == "m_chi,Y_BC2,epsilon,alpha_D,m_A,omega_h2,status"
    assert len(data_lines) == 1 + len(TARGET_MASSES)
    assert "# epsilon_convention: photon-like kinetic mixing" in text
    assert qedm_jax.__version__ in text

    columns, header = io.read_target_csv(out)
    assert header["species"] == "dirac"
    assert float(header["alpha_D"]) == 0.1 and float(header["m_A_over_m_chi"]) == 3.0
    np.testing.assert_allclose(columns["m_chi"], TARGET_MASSES, rtol=1e-12)  # input order
    np.testing.assert_array_equal(columns["status"], 0)
    np.testing.assert_allclose(columns["omega_h2"], 0.12, rtol=0.0, atol=OMEGA_ATOL)
    np.testing.assert_allclose(columns["m_A"], 3.0 * columns["m_chi"], rtol=1e-12)
    np.testing.assert_allclose(columns["alpha_D"], 0.1, rtol=1e-12)
    assert np.all((columns["epsilon"] > 0.0) & (columns["epsilon"] < 1.0))
    y_expected = columns["epsilon"] ** 2 * 0.1 * (1.0 / 3.0) ** 4  # Y_BC2 = eps^2 alpha_D (m_chi/m_A)^4
    np.testing.assert_allclose(columns["Y_BC2"], y_expected, rtol=1e-10)


def test_plot_bc2_writes_png_and_pdf(dirac_target, tmp_path):
    result, csv = dirac_target
    assert result.returncode == 0, result.stderr
    out = tmp_path / "figures" / "bc2.png"
    plot = run_qedm("plot", "bc2", "--kind", "elastic", "--targets", str(csv), "--out", str(out))
    assert plot.returncode == 0, plot.stderr
    png, pdf = out, out.with_suffix(".pdf")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_version():
    result = run_qedm("--version")
    assert result.returncode == 0
    assert qedm_jax.__version__ in result.stdout


def test_evolve_writes_trajectory_and_figure(tmp_path):
    """`qedm evolve` (thermalized Dirac point): the yield starts at Y_eq(x0) and freezes out,
    T_hs/T = 1 throughout, and the last Y reproduces the printed Omega h^2."""
    out = tmp_path / "traj.csv"
    result = run_qedm("evolve", "--model", "bc2", "--species", "dirac", "--m-chi", "0.1", "--ratio", "3", "--alpha-d", "0.1",
                      "--epsilon", "1e-4", "--thermalized", "--n-save", "50", "--out", str(out))
    assert result.returncode == 0, result.stderr
    columns, header = qedm_jax.io.read_target_csv(out)
    assert list(columns) == ["x", "T", "T_hs_over_T", "Y"]
    assert columns["x"].size == 50
    np.testing.assert_allclose(columns["T_hs_over_T"], 1.0)
    assert np.all(np.diff(columns["Y"]) <= 1e-12 * columns["Y"][:-1])  # freeze-out: Y only falls
    omega = qedm_jax.constants.OMEGA_H2_PER_GEV_Y * 0.1 * columns["Y"][-1]
    np.testing.assert_allclose(omega, float(header["omega_h2"]), rtol=1e-5)
    assert (tmp_path / "traj.png").stat().st_size > 0 and (tmp_path / "traj.pdf").stat().st_size > 0


def test_evolve_bad_input_is_one_line_error(tmp_path):
    result = run_qedm("evolve", "--model", "secluded", "--m-chi", "10", "--alpha-d", "1e-6",
                      "--epsilon", "2", "--out", str(tmp_path / "x.csv"))
    assert_one_line_error(result, "epsilon")


# --- two-temperature commands (secluded Dirac DM, seed 003; BC2 hidden sector), in-process -----------
# One tiny grid: m_chi = 10 GeV, m_ZD = 1 GeV, 6 x 6 log-spaced (alpha_D, epsilon) spanning freeze-in to
# the plateau (the ranges of tests/test_contour.py, which has a contour there). contour and floor share one
# compiled solve (same mass, config and chunk); ~40-80 s compile + ~10 s per grid on 2 CPU cores.

SECLUDED_GRID = ("--m-chi", "10", "--alpha-d-range", "1e-7", "4.2e-4", "--n-alpha", "6",
                 "--epsilon-range", "1e-10", "1e-5", "--n-epsilon", "6", "--chunk", "36")
FREEZE_IN_OMEGAS = (0.12, 0.03)
#: epsilon_FI ratio for two Omega h^2 targets: each point reaches its target within 1e-3 in ln Omega
#: (lines.freeze_in_epsilon_unchecked), so sqrt(Omega ratio) holds to ~1e-3 in epsilon
FREEZE_IN_SCALING_RTOL = 2e-3


def _main_error(capsys, argv) -> str:
    """Run ``cli.main(argv)`` in-process; assert exit status 2 and one ``qedm: error:`` line; return it."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:  # argparse
        code = exit_.code
    captured = capsys.readouterr()
    assert code == 2, (code, captured.out, captured.err)
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qedm: error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


@pytest.fixture(scope="module")
def secluded_results(tmp_path_factory):
    """``qedm contour`` and ``qedm floor`` on the tiny grid, then both plots: folder with the outputs."""
    folder = tmp_path_factory.mktemp("secluded")
    assert cli.main(["contour", *SECLUDED_GRID, "--out", str(folder / "contour.csv")]) == 0
    assert cli.main(["floor", *SECLUDED_GRID, "--ratio", "10", "--n-refine", "4",
                     "--out", str(folder / "floor.csv")]) == 0
    return folder


def test_contour_csv_columns_header_and_regimes(secluded_results):
    from qedm_jax.relic import contour

    columns, header = io.read_target_csv(secluded_results / "contour.csv")
    assert tuple(columns) == qedm_jax.api.CONTOUR_COLUMNS
    # header: the epsilon convention, start x, tolerances, target, version
    assert "photon-like" in header["epsilon_convention"] and "cos(theta_W)" in header["epsilon_convention"]
    assert "x0 = 0.001" in header["solver"]
    assert "rtol" in header["solver"] and "atol" in header["solver"]
    assert float(header["omega_h2_target"].split()[0]) == 0.12
    assert qedm_jax.__version__ in header["qedm_jax_version"]
    for i, name in enumerate(contour.REGIMES):
        assert f"{i} = {name}" in header["regime"]
    np.testing.assert_array_equal(columns["m_chi"], 10.0)
    np.testing.assert_allclose(columns["m_ZD"], 1.0)
    np.testing.assert_array_equal(columns["ratio"], 10.0)
    regimes = columns["regime"]
    assert np.all((regimes >= 0) & (regimes < len(contour.REGIMES)))  # a contour exists: no -1 row
    names = {contour.REGIMES[k] for k in regimes}
    assert {"freeze-in", "secluded freeze-out"} <= names
    inside = 1.0 + 1e-9  # grid nodes up to rounding
    assert np.all((columns["alpha_D"] * inside >= 1e-7) & (columns["alpha_D"] <= 4.2e-4 * inside))
    assert np.all((columns["epsilon"] * inside >= 1e-10) & (columns["epsilon"] <= 1e-5 * inside))
    # T_hs/T at decoupling: cold on the freeze-in branch, order one on secluded freeze-out (seed 003 Sec. 2.3)
    ratio = columns["T_hs_over_T_dec"]
    assert np.all((ratio > 0.0) & (ratio < 1.2))
    fi = regimes == contour.REGIMES.index("freeze-in")
    fo = regimes == contour.REGIMES.index("secluded freeze-out")
    assert ratio[fi].max() < ratio[fo].min()
    # read back as RelicContour: the same points
    ((m, r, relic, n_failed),) = qedm_jax.load_contours(secluded_results / "contour.csv")
    assert (m, r, n_failed) == (10.0, 10.0, 0) and len(relic) == regimes.size


def test_floor_csv_is_physical(secluded_results):
    columns, header = io.read_target_csv(secluded_results / "floor.csv")
    assert tuple(columns) == qedm_jax.api.PLATEAU_FLOOR_COLUMNS
    assert "cos(theta_W)" in header["epsilon_convention"] and "status" in header
    assert columns["m_chi"].tolist() == [10.0] and columns["ratio"].tolist() == [10.0]
    assert columns["status"].tolist() == [floor_mod.FLOOR_OK] and columns["refined"].tolist() == [1]
    eps_min, eps_tf = columns["epsilon_min"][0], columns["epsilon_TF"][0]
    # tests/test_contour.py: epsilon_min ~ 3e-10; the plateau alpha_D^TF = 3.57-3.59e-4 (epsilon 1e-4 .. 1e-2,
    # which only the refinement grid reaches), entered at epsilon_TF ~ 5e-5
    assert 1e-10 < eps_min < 1e-9 < 1e-5 < eps_tf < 2e-4
    assert columns["alpha_D_at_epsilon_min"][0] < columns["alpha_D_TF"][0]
    assert 3.45e-4 < columns["alpha_D_TF"][0] < 3.7e-4
    assert columns["method"][0] == floor_mod.PLATEAU_METHODS.index("plateau") and columns["spread"][0] < 0.01
    assert 0.3 < columns["T_hs_over_T_TF"][0] < 1.0


def test_plot_contour_and_floor_write_figures(secluded_results, tmp_path):
    out = tmp_path / "fig" / "contours.png"
    assert cli.main(["plot", "contour", "--contours", str(secluded_results / "contour.csv"), "--out", str(out)]) == 0
    for path in (out, out.with_suffix(".pdf"), tmp_path / "fig" / "contours_plateau.png",
                 tmp_path / "fig" / "contours_plateau.pdf"):
        assert path.stat().st_size > 5_000, path
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "floor.png"
    assert cli.main(["plot", "floor", "--floors", str(secluded_results / "floor.csv"), "--hypercharge",
                     "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5_000


def test_freeze_in_secluded_scales_as_sqrt_omega(tmp_path):
    """epsilon_FI at two Omega h^2 targets: Omega ~ epsilon^2 on the freeze-in branch, so
    epsilon_FI ~ sqrt(Omega target); both reach their targets (one compilation, Omega traced)."""
    eps = []
    for omega in FREEZE_IN_OMEGAS:
        out = tmp_path / f"fi_{omega:g}.csv"
        assert cli.main(["freeze-in", "--m-chi", "10", "--omega-h2", str(omega), "--out", str(out)]) == 0
        columns, header = io.read_target_csv(out)
        assert tuple(columns) == ("m_chi", "m_ZD", "epsilon", "alpha_D", "omega_h2", "dln_omega_dln_eps", "n_solves", "status")
        assert columns["status"].tolist() == [0]
        np.testing.assert_allclose(columns["omega_h2"], omega, rtol=2e-3)
        assert float(header["alpha_D"]) == qedm_jax.SecludedFamily.alpha_D_freeze_in
        eps.append(columns["epsilon"][0])
    np.testing.assert_allclose(eps[0] / eps[1], np.sqrt(FREEZE_IN_OMEGAS[0] / FREEZE_IN_OMEGAS[1]),
                               rtol=FREEZE_IN_SCALING_RTOL)
    # freeze-in: epsilon^2 alpha_D ~ 1e-24 at 10 GeV (tests/test_contour.py), far below epsilon_min ~ 3e-10
    assert 1e-25 < eps[0] ** 2 * qedm_jax.SecludedFamily.alpha_D_freeze_in < 1e-23


TWO_T_BAD_INPUT = {
    "contour mass": (("contour", "--m-chi", "-1"), ("--m-chi", "> 0")),
    "contour ratio": (("contour", "--m-chi", "10", "--ratio", "0.5"), ("--ratio", "> 1")),
    "contour alpha range": (("contour", "--m-chi", "10", "--alpha-d-range", "1e-3", "1e-5"), ("--alpha-d-range",)),
    "contour epsilon range": (("contour", "--m-chi", "10", "--epsilon-range", "1e-10", "0.9"), ("--epsilon-range",)),
    "contour n-alpha": (("contour", "--m-chi", "10", "--n-alpha", "1"), ("--n-alpha", ">= 2")),
    "contour x0": (("contour", "--m-chi", "10", "--x0", "2"), ("--x0",)),
    "contour chunk": (("contour", "--m-chi", "10", "--chunk", "0"), ("--chunk",)),
    "contour max-steps": (("contour", "--m-chi", "10", "--max-steps", "0"), ("--max-steps", ">= 16")),
    "floor tolerance": (("floor", "--m-chi", "10", "--tolerance", "2"), ("--tolerance",)),
    "floor n-refine": (("floor", "--m-chi", "10", "--n-refine", "1"), ("--n-refine",)),
    "floor alpha-d secluded": (("floor", "--alpha-d", "0.1"), ("--alpha-d", "bc2")),
    "floor bc2 ratio": (("floor", "--model", "bc2", "--species", "dirac", "--ratio", "1.5"), ("ratio", "> 2")),
    "freeze-in alpha": (("freeze-in", "--m-chi", "10", "--alpha-d", "0"), ("--alpha-d", "> 0")),
    "freeze-in omega": (("freeze-in", "--omega-h2", "-1"), ("--omega-h2", "> 0")),
    "freeze-in bc2 mass": (("freeze-in", "--model", "bc2", "--species", "scalar", "--m-chi", "0"), ("--m-chi",)),
    "freeze-in bad model": (("freeze-in", "--model", "vector"), ("--model",)),
}


@pytest.mark.parametrize("case", sorted(TWO_T_BAD_INPUT))
def test_two_temperature_bad_input_exits_2(case, capsys, tmp_path):
    argv, fragments = TWO_T_BAD_INPUT[case]
    out = tmp_path / "out.csv"
    line = _main_error(capsys, [*argv, "--out", str(out)])
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert not out.exists()


def test_plots_of_unreadable_csvs_exit_2(capsys, tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("a,b\n1,2\n")
    for argv in (("plot", "contour", "--contours", str(tmp_path / "missing.csv")),
                 ("plot", "contour", "--contours", str(garbage)),
                 ("plot", "floor", "--floors", str(garbage)),
                 ("plot", "bc2", "--kind", "elastic", "--freeze-in", str(garbage)),
                 ("plot", "bc2", "--kind", "elastic")):
        line = _main_error(capsys, [*argv, "--out", str(tmp_path / "f.png")])
        assert "csv" in line or "--targets" in line, line
    assert not (tmp_path / "f.png").exists()


def _assert_warned(capsys, text: str) -> None:
    """The CLI turned a warning into one stderr line ``qedm: warning: ... <text> ...``."""
    err = capsys.readouterr().err
    assert any(line.startswith("qedm: warning:") and text in line for line in err.splitlines()), err


def _synthetic_bc2_csv(path, y_column: str, label: str) -> None:
    m_chi = np.geomspace(1e-3, 1.0, 8)
    columns = {"m_chi": m_chi, "epsilon": 1e-9 * np.ones(8), y_column: 1e-16 * (m_chi / 1e-3) ** 0.5,
               "omega_h2": np.full(8, 0.12), "status": np.zeros(8, dtype=np.int64)}
    if y_column == "Y_TF":
        columns["epsilon_TF"] = columns.pop("epsilon")
    io.write_target_csv(path, columns, {"alpha_D": "0.5", "m_A_over_m_chi": "3.0", "label": label})


def test_plot_bc2_with_freeze_in_and_floor_lines(tmp_path, dirac_target, capsys):
    """``plot bc2 --freeze-in/--floor`` draws BC2 lines (synthetic CSVs in the bc2 format) with and
    without targets; the existing --targets usage is unchanged."""
    freeze_in, floor = tmp_path / "fi.csv", tmp_path / "tf.csv"
    _synthetic_bc2_csv(freeze_in, "Y_BC2", "freeze-in, Dirac")
    _synthetic_bc2_csv(floor, "Y_TF", "floor, Dirac")
    out = tmp_path / "bc2_lines.png"
    assert cli.main(["plot", "bc2", "--kind", "elastic", "--freeze-in", str(freeze_in), "--floor", str(floor),
                     "--out", str(out)]) == 0
    _assert_warned(capsys, "drawn unchanged")  # alpha_D = 0.5 is not the ESPP benchmark
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.with_suffix(".pdf").stat().st_size > 5_000
    result, csv = dirac_target
    assert result.returncode == 0, result.stderr
    out = tmp_path / "bc2_both.png"
    assert cli.main(["plot", "bc2", "--kind", "elastic", "--targets", str(csv), "--freeze-in", str(freeze_in),
                     "--out", str(out)]) == 0
    assert out.stat().st_size > 5_000


def test_contour_csv_round_trip_with_an_empty_grid(tmp_path):
    """A (ratio, m_chi) without a contour is one NaN row with regime -1; ``load_contours`` gives an
    empty RelicContour for it and ``plot contour`` still draws the others (no solves)."""
    from qedm_jax.relic import contour

    relic = contour.RelicContour(
        alpha_D=np.array([1e-6, 2e-5, 3e-4]), epsilon=np.array([1e-9, 3e-10, 1e-6]),
        direction=np.array(["epsilon", "epsilon", "alpha_D"]), dln_omega_dln_eps=np.array([2.0, 1.8, 0.3]),
        dln_omega_dln_alpha=np.array([1.0, 0.2, -1.7]), slope=np.array([-2.0, -9.0, 0.18]),
        t_hs_over_t_dec=np.array([7e-3, 8e-3, 0.6]), regime=np.array(["freeze-in", "freeze-in", "leak-in"]),
        omega_h2=0.12, m_chi=10.0)
    empty = relic.select(np.zeros(3, dtype=bool))
    columns = qedm_jax.api._concat([qedm_jax.api._contour_rows(relic, 10.0, 10.0, 0), qedm_jax.api._contour_rows(empty, 1.0, 10.0, 2)])
    path = tmp_path / "contour.csv"
    io.write_target_csv(path, columns, {"omega_h2_target": "0.12"})
    (m1, r1, back, n1), (m2, r2, none, n2) = qedm_jax.load_contours(path)
    assert (m1, r1, n1, m2, r2, n2) == (10.0, 10.0, 0, 1.0, 10.0, 2) and len(none) == 0
    for name in ("alpha_D", "epsilon", "slope", "t_hs_over_t_dec", "dln_omega_dln_alpha"):
        np.testing.assert_array_equal(getattr(back, name), getattr(relic, name))
    np.testing.assert_array_equal(back.regime, relic.regime)
    np.testing.assert_array_equal(back.direction, relic.direction)
    out = tmp_path / "c.png"
    assert cli.main(["plot", "contour", "--contours", str(path), "--out", str(out)]) == 0
    assert out.stat().st_size > 5_000 and (tmp_path / "c_plateau.png").stat().st_size > 5_000


def _plateau_contour(m_chi: float):
    """A RelicContour with a freeze-out branch: leak-in, an overshoot, a plateau at 1e-4 .. 1e-2 and the
    fall above (the shape of results/seed003, alpha_D scaled with m_chi); no solves."""
    from qedm_jax.relic import contour

    eps = np.array([3e-10, 1e-9, 1e-8, 1e-7, 1e-6, 3e-6, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
    alpha = np.array([1e-5, 8e-5, 1.4e-4, 1.9e-4, 3.6e-4, 3.85e-4, 3.7e-4, 3.58e-4, 3.58e-4, 3.58e-4, 3.57e-4,
                      3.55e-4, 3.2e-4, 2.4e-4]) * m_chi / 10.0
    s_alpha = np.array([0.8] + [-1.8] * 13)
    regime = np.array(["freeze-in", "reannihilation"] + ["leak-in"] * 3 + ["secluded freeze-out"] * 9)
    return contour.RelicContour(
        alpha_D=alpha, epsilon=eps, direction=np.array(["alpha_D"] * eps.size), dln_omega_dln_eps=np.zeros(eps.size),
        dln_omega_dln_alpha=s_alpha, slope=np.gradient(np.log(alpha), np.log(eps)),
        t_hs_over_t_dec=np.geomspace(7e-3, 0.7, eps.size), regime=regime, omega_h2=0.12, m_chi=m_chi)


def test_plot_contour_floors_normalise_the_plateau_view(tmp_path, monkeypatch):
    """``plot contour --floors``: where a floor row matches (m_chi, ratio) its alpha_D^TF and epsilon_TF
    replace the contour's own; other masses keep ``contour.thermalization_floor``; the plateau view says
    which (no solves: synthetic CSVs)."""
    from qedm_jax import plotting
    from qedm_jax.relic import contour, floor as floor_mod2

    contours = {1.0: _plateau_contour(1.0), 10.0: _plateau_contour(10.0)}
    columns = qedm_jax.api._concat([qedm_jax.api._contour_rows(c, m, 10.0, 0) for m, c in contours.items()])
    contour_csv = tmp_path / "contour.csv"
    io.write_target_csv(contour_csv, columns, {"omega_h2_target": "0.12"})
    # a floor CSV for 10 GeV only (plus a ratio-100 row that must not match), alpha_D^TF 2% above the grid's
    floor_columns = {name: np.array([v10, v100]) for name, v10, v100 in (
        ("ratio", 10.0, 100.0), ("m_chi", 10.0, 10.0), ("m_ZD", 1.0, 0.1), ("epsilon_min", 2.5e-10, 2.5e-10),
        ("alpha_D_at_epsilon_min", 2.6e-5, 2.6e-5), ("epsilon_TF", 5.5e-5, 6e-5), ("alpha_D_TF", 3.65e-4, 9e-4),
        ("status", 0, 0), ("T_hs_over_T_TF", 0.61, 0.6), ("spread", 0.002, 0.002), ("method", 0, 0),
        ("refined", 1, 1), ("n_failed", 0, 0))}
    floor_csv = tmp_path / "floor.csv"
    io.write_target_csv(floor_csv, floor_columns, {"omega_h2_target": "0.12"})
    loaded = qedm_jax.load_floors(floor_csv)
    assert set(loaded) == {(10.0, 10.0), (100.0, 10.0)}
    assert loaded[(10.0, 10.0)].alpha_D_TF == 3.65e-4 and loaded[(10.0, 10.0)].method == "plateau"
    drawn = []
    original = plotting.plot_plateaus

    def spy(contours_, floors, labels, **kwargs):
        drawn.append((floors, labels, kwargs["note"]))
        return original(contours_, floors, labels, **kwargs)

    monkeypatch.setattr(plotting, "plot_plateaus", spy)
    out = tmp_path / "fig" / "c.png"
    assert cli.main(["plot", "contour", "--contours", str(contour_csv), "--floors", str(floor_csv),
                     "--out", str(out)]) == 0
    assert (tmp_path / "fig" / "c_plateau.png").stat().st_size > 10_000
    (floors, labels, note), = drawn
    assert floors[1] == loaded[(10.0, 10.0)]  # 10 GeV: from the floor CSV
    own = floor_mod2.thermalization_floor(contours[1.0])  # 1 GeV: no row, the contour's own floor
    assert floors[0].alpha_D_TF == own.alpha_D_TF and floors[0].method == "plateau"
    assert "floor.csv" in note and "1 GeV" in note
    # without --floors: the contour's own floors, said so
    drawn.clear()
    assert cli.main(["plot", "contour", "--contours", str(contour_csv), "--out", str(out)]) == 0
    (floors, _, note), = drawn
    assert floors[1].alpha_D_TF == floor_mod2.thermalization_floor(contours[10.0]).alpha_D_TF
    assert "contour grid" in note and "floor.csv" not in note


def test_plot_contour_floors_rejects_a_bc2_floor_csv(capsys, tmp_path):
    contour_csv = tmp_path / "contour.csv"
    io.write_target_csv(contour_csv, qedm_jax.api._contour_rows(_plateau_contour(10.0), 10.0, 10.0, 0),
                        {"omega_h2_target": "0.12"})
    bc2_floor = tmp_path / "tf_bc2.csv"
    _synthetic_bc2_csv(bc2_floor, "Y_TF", "floor")
    line = _main_error(capsys, ["plot", "contour", "--contours", str(contour_csv), "--floors", str(bc2_floor),
                                "--out", str(tmp_path / "f.png")])
    assert "tf_bc2.csv" in line and "alpha_D_TF" in line
    assert not (tmp_path / "f.png").exists()


# --- BC2 hidden sector: floor and freeze-in ---------------------------------------------------------

BC2_ARGS = ("--model", "bc2", "--species", "dirac", "--m-chi", "0.1")


@pytest.fixture(scope="module")
def bc2_results(tmp_path_factory):
    """``qedm floor`` and ``qedm freeze-in`` (two Omega h^2 targets) for BC2 Dirac DM at 0.1 GeV."""
    folder = tmp_path_factory.mktemp("bc2")
    assert cli.main(["floor", *BC2_ARGS, "--out", str(folder / "floor.csv")]) == 0
    for omega in FREEZE_IN_OMEGAS:
        assert cli.main(["freeze-in", *BC2_ARGS, "--omega-h2", str(omega), "--out",
                         str(folder / f"freeze_in_{omega:g}.csv")]) == 0
    return folder


def test_bc2_floor_and_freeze_in_csvs(bc2_results):
    floor, floor_header = io.read_target_csv(bc2_results / "floor.csv")
    assert tuple(floor) == ("m_chi", "m_A", "alpha_D", "epsilon_TF", "Y_TF", "omega_h2", "status")
    assert floor_header["species"] == "dirac" and float(floor_header["alpha_D"]) == qedm_jax.BC2Family.alpha_D_freeze_in
    assert float(floor_header["m_A_over_m_chi"]) == 3.0 and "photon-like" in floor_header["epsilon_convention"]
    y_factor = qedm_jax.BC2Family.alpha_D_freeze_in / 3.0**4  # Y_BC2 = epsilon^2 alpha_D (m_chi / m_A)^4
    ok = floor["status"] == 0
    np.testing.assert_allclose(floor["Y_TF"][ok], floor["epsilon_TF"][ok] ** 2 * y_factor, rtol=1e-10)
    eps = []
    for omega in FREEZE_IN_OMEGAS:
        columns, header = io.read_target_csv(bc2_results / f"freeze_in_{omega:g}.csv")
        assert tuple(columns) == ("m_chi", "m_A", "Y_BC2", "epsilon", "alpha_D", "omega_h2", "dln_omega_dln_eps", "n_solves", "status")
        assert columns["status"].tolist() == [0]
        np.testing.assert_allclose(columns["omega_h2"], omega, rtol=2e-3)
        np.testing.assert_allclose(columns["Y_BC2"], columns["epsilon"] ** 2 * y_factor, rtol=1e-10)
        eps.append(columns["epsilon"][0])
    # freeze-in: Omega ~ epsilon^2, and the freeze-in coupling lies below the thermalization floor
    np.testing.assert_allclose(eps[0] / eps[1], np.sqrt(FREEZE_IN_OMEGAS[0] / FREEZE_IN_OMEGAS[1]),
                               rtol=FREEZE_IN_SCALING_RTOL)
    if np.all(ok):
        assert eps[0] < floor["epsilon_TF"][0]


def test_plot_bc2_with_computed_bc2_lines(bc2_results, tmp_path, capsys):
    out = tmp_path / "bc2.png"
    assert cli.main(["plot", "bc2", "--kind", "elastic", "--freeze-in", str(bc2_results / "freeze_in_0.12.csv"),
                     "--floor", str(bc2_results / "floor.csv"), "--out", str(out)]) == 0
    _assert_warned(capsys, "drawn unchanged")  # alpha_D = 0.5 is not the ESPP benchmark
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5_000


# --- qedm scan (issue 4) ---------------------------------------------------------------------------

#: a thermalized BC2 Dirac grid near the relic (Omega h^2 ~ 0.005-35): axes (epsilon, alpha_D, m_chi)
SCAN_EPSILON = (1e-5, 3e-5, 1e-4)
SCAN_ALPHA_D = 0.1
SCAN_M_CHI = (0.01, 0.1)  # GeV
SCAN_ARGS = ("scan", "--epsilon", *map(str, SCAN_EPSILON), "--alpha-d", str(SCAN_ALPHA_D),
             "--m-chi", *map(str, SCAN_M_CHI))
#: freeze-out: Omega ~ x_f / <sigma v> ~ x_f / epsilon^2, and x_f ~ ln(epsilon^2 ...) gives a slope
#: -2 + 2 / x_f ~ -1.85 (x_f ~ 15): the issue's band around -2
SCAN_SLOPE_BAND = (-2.3, -1.7)


def _main_output(argv) -> tuple[int, str, str]:
    """``cli.main(argv)`` in-process (also from module fixtures): (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def bc2_scan(tmp_path_factory):
    """``qedm scan`` of the 3 x 1 x 2 grid: (path, stdout)."""
    path = tmp_path_factory.mktemp("scan") / "grid.npz"
    code, stdout, stderr = _main_output([*SCAN_ARGS, "--quiet", "--out", str(path)])
    assert code == 0, stderr
    assert stderr == ""  # --quiet
    return path, stdout


def test_scan_writes_grid_that_load_scan_reads(bc2_scan):
    path, stdout = bc2_scan
    result = qedm_jax.load_scan(path)
    assert result.shape == (3, 1, 2) and result.mode == "grid" and result.model_name == "bc2-dirac"
    assert list(result.axes) == ["epsilon", "alpha_D", "m_chi"]
    np.testing.assert_array_equal(result.axes["epsilon"], SCAN_EPSILON)
    np.testing.assert_array_equal(result.axes["alpha_D"], [SCAN_ALPHA_D])
    np.testing.assert_array_equal(result.axes["m_chi"], SCAN_M_CHI)
    assert result.config == qedm_jax.SolverConfig()  # thermalized default
    np.testing.assert_array_equal(result.status, 0)
    np.testing.assert_array_equal(result.t_hs_over_t_end, 1.0)
    # freeze-out branch: Omega h^2 falls with epsilon as ~ epsilon^-2
    omega = result.omega_h2[:, 0, :]
    assert np.all(np.diff(omega, axis=0) < 0)
    slopes = np.diff(np.log(omega), axis=0) / np.diff(np.log(SCAN_EPSILON))[:, None]
    assert np.all((slopes > SCAN_SLOPE_BAND[0]) & (slopes < SCAN_SLOPE_BAND[1])), slopes
    # one line of summary: points, converged, per-status counts, wall time
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    summary = lines[0]
    for fragment in ("bc2-dirac", "6 points", "6 converged", "0 failed", "0 (converged): 6", "wall", str(path)):
        assert fragment in summary, (fragment, summary)


def test_scan_point_equals_single_solve(bc2_scan):
    """The grid point (epsilon 3e-5, alpha_D 0.1, m_chi 0.1) through qedm_jax.solve.solve."""
    result = qedm_jax.load_scan(bc2_scan[0])
    model = qedm_jax.make_bc2("dirac", m_chi=SCAN_M_CHI[1], alpha_D=SCAN_ALPHA_D, ratio=3.0,
                              epsilon=SCAN_EPSILON[1])
    one = qedm_jax.solve.solve(model)
    assert int(one.status) == 0
    np.testing.assert_allclose(result.omega_h2[1, 0, 1], float(one.omega_h2), rtol=VMAP_LOOP_RTOL)


def test_scan_resume_loads_finished_chunks(bc2_scan, tmp_path):
    path = tmp_path / "grid.npz"
    shutil.copy(bc2_scan[0], path)
    shutil.copytree(str(bc2_scan[0]) + ".chunks", str(path) + ".chunks")
    code, stdout, stderr = _main_output([*SCAN_ARGS, "--resume", "--out", str(path)])
    assert code == 0, stderr
    assert "loaded" in stderr and "6 converged" in stdout
    resumed, first = qedm_jax.load_scan(path), qedm_jax.load_scan(bc2_scan[0])
    for name in ("omega_h2", "status", "num_steps"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(first, name))


def test_scan_failed_points_are_reported_with_exit_status_0(tmp_path):
    """--max-steps 16 is too few for any thermalized solve: every point fails, the run does not."""
    path = tmp_path / "failed.npz"
    code, stdout, stderr = _main_output(["scan", "--epsilon", "1e-5", "--m-chi", "0.1", "--max-steps", "16",
                                         "--no-progress", "--out", str(path)])
    assert code == 0, stderr
    result = qedm_jax.load_scan(path)
    assert result.shape == (1, 1, 1) and result.config.max_steps == 16
    np.testing.assert_array_equal(result.status, qedm_jax.solve.STATUS_MAX_STEPS)
    assert np.all(np.isnan(result.omega_h2))
    code_text = f"{qedm_jax.solve.STATUS_MAX_STEPS} ({qedm_jax.solve.STATUS_MESSAGES[qedm_jax.solve.STATUS_MAX_STEPS]}): 1"
    assert "0 converged, 1 failed" in stdout and code_text in stdout, stdout


SCAN_BAD_INPUT = {
    "mass zero": (("scan", "--epsilon", "1e-5", "--m-chi", "0"), ("--m-chi", "> 0")),
    "mass range n zero": (("scan", "--epsilon", "1e-5", "--m-chi-range", "0.01", "1", "0"), ("--m-chi-range", ">= 1")),
    "mass range n fraction": (("scan", "--epsilon", "1e-5", "--m-chi-range", "0.01", "1", "2.5"),
                              ("--m-chi-range", "integer")),
    "mass range reversed": (("scan", "--epsilon", "1e-5", "--m-chi-range", "1", "0.01", "3"), ("--m-chi-range", "LO")),
    "mass missing": (("scan", "--epsilon", "1e-5"), ("--m-chi",)),
    "epsilon one": (("scan", "--epsilon", "1", "--m-chi", "0.1"), ("--epsilon", "(0, 1)")),
    "epsilon range zero": (("scan", "--epsilon-range", "0", "1e-4", "3", "--m-chi", "0.1"), ("--epsilon-range", "LO")),
    "epsilon both": (("scan", "--epsilon", "1e-5", "--epsilon-range", "1e-6", "1e-4", "3", "--m-chi", "0.1"),
                     ("--epsilon", "--epsilon-range", "not both")),
    "alpha zero": (("scan", "--epsilon", "1e-5", "--m-chi", "0.1", "--alpha-d", "0"), ("--alpha-d", "> 0")),
    "bc2 ratio": (("scan", "--epsilon", "1e-5", "--m-chi", "0.1", "--ratio", "1.9"), ("--ratio", "> 2")),
    "pseudo-dirac ratio": (("scan", "--species", "pseudo-dirac", "--epsilon", "1e-5", "--m-chi", "0.1", "--ratio",
                            "2.05"), ("--ratio", "> 2.1")),
    "delta negative": (("scan", "--species", "pseudo-dirac", "--epsilon", "1e-5", "--m-chi", "0.1", "--delta=-0.1"),
                       ("--delta", ">= 0")),
    "secluded ratio": (("scan", "--model", "secluded", "--epsilon", "1e-5", "--alpha-d", "1e-3", "--m-chi", "10",
                        "--ratio", "0.5"), ("--ratio", "> 1")),
    "secluded alpha missing": (("scan", "--model", "secluded", "--epsilon", "1e-5", "--m-chi", "10"), ("--alpha-d",)),
    "secluded species": (("scan", "--model", "secluded", "--species", "dirac", "--epsilon", "1e-5", "--alpha-d",
                          "1e-3", "--m-chi", "10"), ("--species",)),
    "secluded Z gap": (("scan", "--model", "secluded", "--epsilon", "0.5", "--alpha-d", "1e-3", "--m-chi", "500",
                        "--ratio", "5"), ("--m-chi", "epsilon", "gap")),
    "chunk zero": (("scan", "--epsilon", "1e-5", "--m-chi", "0.1", "--chunk", "0"), ("--chunk", ">= 1")),
    "max-steps": (("scan", "--epsilon", "1e-5", "--m-chi", "0.1", "--max-steps", "8"), ("--max-steps", ">= 16")),
    "unknown model": (("scan", "--model", "vector", "--epsilon", "1e-5", "--m-chi", "0.1"), ("--model",)),
}


@pytest.mark.parametrize("case", sorted(SCAN_BAD_INPUT))
def test_scan_bad_input_exits_2(case, capsys, tmp_path):
    argv, fragments = SCAN_BAD_INPUT[case]
    out = tmp_path / "scan.npz"
    line = _main_error(capsys, [*argv, "--out", str(out)])
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert not out.exists() and not pathlib.Path(str(out) + ".chunks").exists()


def test_scan_is_exported_at_package_level():
    from qedm_jax import grids

    assert qedm_jax.scan is qedm_jax.api.scan and callable(grids.scan)  # the family API; grids.scan is the engine
    assert qedm_jax.ScanResult is grids.ScanResult
    assert qedm_jax.save_scan is grids.save_scan and qedm_jax.load_scan is grids.load_scan
    assert {"scan", "ScanResult", "save_scan", "load_scan"} <= set(qedm_jax.__all__)


def test_floor_refinement_starts_below_the_band_on_the_rising_side():
    """The refinement grid of ``qedm floor`` starts at the last coarse freeze-out point below the
    band on the leak-in side; the chi chibar -> f fbar fall at large epsilon (which also drops
    below the band) must not move it up (it did once the coarse grid reached epsilon = 0.1, and
    every refinement then started above epsilon_TF)."""
    from qedm_jax.relic import contour

    from .test_contour import _floor_grid, _overshoot_plateau_fall

    epsilon = np.geomspace(1e-8, 1e-1, 36)
    relic = contour.relic_contour(_floor_grid(_overshoot_plateau_fall, epsilon))
    out = relic.freeze_out & np.isfinite(relic.alpha_D)
    alpha_max = float(np.max(relic.alpha_D[out]))
    assert np.any(out & (relic.epsilon > 3e-2) & (relic.alpha_D < 0.75 * alpha_max))  # the fall is there
    eps_lo, eps_hi = floor_mod.refine_epsilon_range(relic, alpha_max, 1e-9, (1e-8, 1e-1))
    assert eps_hi == 0.1
    # leak-in: alpha_D = a_p (eps / 1e-7)^0.5 < 0.75 x 1.08 a_p below eps ~ 6.6e-8
    assert 3e-8 < eps_lo < 6.6e-8
