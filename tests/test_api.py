"""The public API (``qedm_jax.api``) and the command line that calls it.

* Each command writes exactly what the corresponding public function returns (same columns, same
  numbers: the CSV stores floats with 17 digits, so the round trip is exact).
* Every relic line is root-found to convergence: the freeze-in line of the secluded model at the
  command's default masses (0.1 .. 100 GeV; 0.1 GeV stopped at Omega h^2 = 0.11957 with the old
  fixed three-solve iteration) reaches the target within 1e-3 in ln Omega, on the rising branch.
* Old spellings of options still work, with a deprecation warning, and give the same numbers.
* Inputs outside a family's validity are flagged, one line per parameter.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from io import StringIO

import numpy as np
import pytest

import qedm_jax
from qedm_jax import cli, io
from qedm_jax.models.family import BC2Family, SecludedFamily, make_family
from qedm_jax.relic.freeze_in import FREEZE_IN_RTOL


def _run(argv) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _assert_same_table(path, table) -> None:
    columns, header = io.read_target_csv(path)
    assert tuple(columns) == tuple(table.columns)
    for name, values in table.columns.items():
        np.testing.assert_array_equal(columns[name], np.asarray(values), err_msg=name)
    for key in ("model", "omega_h2_target", "units"):
        if key in table.header:
            assert header[key] == table.header[key]


def test_target_command_equals_api_and_old_spelling_warns(tmp_path):
    path = tmp_path / "t.csv"
    code, _, err = _run(["target", "--model", "bc2", "--species", "dirac", "--m-chi", "0.01", "0.1", "--quiet",
                         "--no-cache", "--out", str(path)])
    assert code == 0, err
    table = qedm_jax.target([0.01, 0.1], model="bc2", species="dirac")
    _assert_same_table(path, table)
    assert np.all(table["status"] == 0)
    np.testing.assert_allclose(table["omega_h2"], 0.12, rtol=1e-3)
    old = tmp_path / "old.csv"
    code, _, err = _run(["target", "--model", "dirac", "--masses", "0.01,0.1", "--quiet", "--no-cache",
                         "--out", str(old)])
    assert code == 0
    assert "qedm: warning: --model dirac is deprecated" in err and "--masses is deprecated" in err
    _assert_same_table(old, table)


def test_freeze_in_converges_at_the_default_masses_and_command_equals_api(tmp_path):
    family = SecludedFamily()
    table = qedm_jax.freeze_in()  # the defaults of `qedm freeze-in`
    np.testing.assert_array_equal(table["m_chi"], family.default_masses)
    assert table["status"].tolist() == [0] * len(family.default_masses), table.columns
    assert np.all(np.abs(np.log(table["omega_h2"] / 0.12)) < FREEZE_IN_RTOL)
    # on the freeze-in branch Omega ~ epsilon^2 (2.04 at 0.1 GeV, where the Z_D bath is filled too)
    np.testing.assert_allclose(table["dln_omega_dln_eps"], 2.0, atol=0.1)
    # pure freeze-in: alpha_D epsilon^2 ~ 1e-24 (tests/test_contour.py)
    assert np.all((table["epsilon"] ** 2 * 1e-8 > 1e-25) & (table["epsilon"] ** 2 * 1e-8 < 1e-23))
    path = tmp_path / "fi.csv"
    code, _, err = _run(["freeze-in", "--m-chi", "0.1,10", "--quiet", "--no-cache", "--out", str(path)])
    assert code == 0, err
    _assert_same_table(path, qedm_jax.freeze_in([0.1, 10.0]))


def test_scan_command_equals_api(tmp_path):
    path = tmp_path / "s.npz"
    argv = ["scan", "--species", "scalar", "--epsilon", "1e-5,1e-4", "--m-chi", "0.05", "--quiet", "--no-cache"]
    code, _, err = _run(argv + ["--out", str(path)])
    assert code == 0, err
    loaded = qedm_jax.load_scan(path)
    direct = qedm_jax.scan(epsilon=[1e-5, 1e-4], m_chi=0.05, species="scalar")
    np.testing.assert_array_equal(loaded.omega_h2, direct.omega_h2)
    np.testing.assert_array_equal(loaded.status, direct.status)


def test_families_build_check_and_flag_validity():
    bc2 = make_family("bc2", species="pseudo-dirac", ratio=3.0, delta=0.2)
    model = bc2.point(0.1, 0.1, 1e-4)
    assert float(model.m_A) == pytest.approx(0.3) and float(model.delta) == pytest.approx(0.2)
    assert make_family("bc2", species="dirac").delta == 0.0  # delta only for pseudo-Dirac
    with pytest.raises(ValueError, match="ratio"):
        make_family("bc2", species="pseudo-dirac", ratio=2.1, delta=0.2)
    with pytest.raises(ValueError, match="species"):
        make_family("secluded", species="dirac")
    with pytest.raises(ValueError, match="model"):
        make_family("vector")
    secluded = make_family("secluded", ratio=10.0)
    assert float(secluded.point(10.0, 1e-3, 1e-6).m_ZD) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="epsilon"):
        secluded.check(10.0, epsilon=0.9)  # |epsilon| < cos(theta_W)
    # validity: one line per parameter outside the range
    lines = BC2Family(species="dirac").validity_warnings([1e-5, 50.0], alpha_D=10.0)
    assert len(lines) == 3
    assert lines[0].startswith("m_chi") and lines[1].startswith("m_A") and lines[2].startswith("alpha_D")
    assert BC2Family(species="dirac").validity_warnings([0.01, 1.0], alpha_D=0.1) == []
    assert SecludedFamily(ratio=100.0).validity_warnings([0.05])[0].startswith("m_ZD")
    # equal families key the same compilation; the grid builder ignores the (traced) ratio
    assert hash(make_family("bc2", species="dirac")) == hash(BC2Family(species="dirac", ratio=3.0))
    assert SecludedFamily(ratio=10.0).static_key() == SecludedFamily(ratio=100.0).static_key()


def test_inputs_are_checked_before_tracing_and_warnings_raised():
    with pytest.raises(ValueError, match="m_chi"):
        qedm_jax.target([0.0, 0.1])
    with pytest.raises(ValueError, match="no epsilon thermal target"):
        qedm_jax.target([1.0], model="secluded")
    with pytest.raises(ValueError, match="m_max"):
        qedm_jax.mass_list(m_min=1.0, m_max=0.5, n=3)
    with pytest.raises(ValueError, match="tolerance"):
        qedm_jax.floor([10.0], tolerance=1.5)
    with pytest.raises(ValueError, match="alpha_D range"):
        qedm_jax.contour([0.1], model="bc2")  # no default alpha_D range for BC2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):  # the warning comes first, then the range error of omega_h2
            qedm_jax.freeze_in([10.0], alpha_D=5.0, omega_h2=-1.0)
    assert not caught or all(issubclass(w.category, qedm_jax.ValidityWarning) for w in caught)
    np.testing.assert_allclose(qedm_jax.mass_list(m_min=1e-3, m_max=2.0, n=60)[[0, -1]], [1e-3, 2.0])
    assert math.isclose(qedm_jax.mass_list()[0], 1e-3)
