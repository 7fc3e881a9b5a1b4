"""The ``qedm`` command line, run as ``python -m qedm_jax`` in a subprocess.

* Bad input exits non-zero with one line ``qedm: error: ...`` naming the parameter and its
  allowed range, and no traceback (nothing is computed).
* ``qedm target`` writes the documented columns, one row per mass in input order, and
  reaches the Omega h^2 target.
* ``qedm plot bc2`` writes a PNG and a PDF.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import qedm_jax
from qedm_jax import cli, io

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


TARGET = ("target", "--model", "scalar")

BAD_INPUT = {
    "zero mass": (TARGET + ("--masses", "0,0.1"), ("--masses", "m_chi", "> 0")),
    "negative mass": (TARGET + ("--masses=-0.01,0.1",), ("--masses", "m_chi", "> 0")),
    "mass not a number": (TARGET + ("--masses", "0.1,abc"), ("--masses",)),
    "negative m-min": (TARGET + ("--m-min=-1", "--m-max", "1", "--n", "3"), ("--m-min", "> 0")),
    "m-min above m-max": (TARGET + ("--m-min", "2", "--m-max", "1"), ("--m-max", "--m-min")),
    "n zero": (TARGET + ("--n", "0"), ("--n", ">= 1")),
    "alpha_D zero": (TARGET + ("--masses", "0.1", "--alpha-d", "0"), ("alpha_D", "> 0")),
    "alpha_D negative": (TARGET + ("--masses", "0.1", "--alpha-d=-0.1"), ("alpha_D", "> 0")),
    "ratio below 1": (TARGET + ("--masses", "0.1", "--ratio", "0.5"), ("ratio", "> 2")),
    "ratio below 2": (TARGET + ("--masses", "0.1", "--ratio", "1.9"), ("ratio", "> 2")),
    "ratio below 2 + delta": (("target", "--model", "pseudo-dirac", "--masses", "0.1", "--ratio", "2.05",
                               "--delta", "0.1"), ("ratio", "> 2.1")),
    "delta negative": (("target", "--model", "pseudo-dirac", "--masses", "0.1", "--delta=-0.1"),
                       ("delta", ">= 0")),
    "omega_h2 zero": (TARGET + ("--masses", "0.1", "--omega-h2", "0"), ("--omega-h2", "> 0")),
    "unknown model": (("target", "--model", "vector", "--masses", "0.1"), ("--model", "scalar", "pseudo-dirac")),
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
    result = run_qedm("target", "--model", "dirac", "--masses", ",".join(map(str, TARGET_MASSES)), "--out", str(out))
    return result, out


def test_target_csv(dirac_target):
    result, out = dirac_target
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "2/2 masses converged" in result.stdout

    text = out.read_text()
    data_lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert data_lines[0].replace(" ", "") == ",".join(cli.CSV_COLUMNS)
    assert len(data_lines) == 1 + len(TARGET_MASSES)
    assert "epsilon: photon-like kinetic mixing (A' couples as epsilon e Q_f)" in text
    assert qedm_jax.__version__ in text

    columns, header = io.read_target_csv(out)
    assert header["model"] == "dirac"
    assert float(header["alpha_D"]) == 0.1 and float(header["m_A_over_m_chi"]) == 3.0
    np.testing.assert_allclose(columns["m_chi_GeV"], TARGET_MASSES, rtol=1e-12)  # input order
    np.testing.assert_array_equal(columns["status"], 0)
    np.testing.assert_allclose(columns["omega_h2"], 0.12, rtol=0.0, atol=OMEGA_ATOL)
    np.testing.assert_allclose(columns["m_A_GeV"], 3.0 * columns["m_chi_GeV"], rtol=1e-12)
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
    result = run_qedm("evolve", "--model", "dirac", "--m-chi", "0.1", "--ratio", "3", "--alpha-d", "0.1",
                      "--epsilon", "1e-4", "--thermalized", "--n-save", "50", "--out", str(out))
    assert result.returncode == 0, result.stderr
    columns, header = qedm_jax.io.read_target_csv(out)
    assert list(columns) == ["x", "T_GeV", "T_hs_over_T", "Y"]
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
