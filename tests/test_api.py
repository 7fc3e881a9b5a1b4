"""The public API (``qedm_jax.api``) and the command line that calls it.

* Each command writes exactly what the corresponding public function returns (same columns, same
  numbers: the CSV stores floats with 17 digits, so the round trip is exact).
* Every relic line is root-found to convergence: the freeze-in line of the secluded model at the
  command's default masses (0.1 .. 100 GeV; 0.1 GeV stopped at Omega h^2 = 0.11957 with the old
  fixed three-solve iteration) reaches the target within 1e-3 in ln Omega, on the rising branch.
* Every command's default mass list has a solution at every mass in its cheapest setting: BC2
  target (60 masses), freeze-in and floor (12); secluded contour and floor (7 masses, coarse
  grids, ratio 10; marked slow).
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


def _rows(table_columns, m_chi: float) -> dict[str, np.ndarray]:
    rows = np.asarray(table_columns["m_chi"]) == m_chi
    return {name: np.asarray(values)[rows] for name, values in table_columns.items()}


def test_bc2_lines_converge_at_the_default_masses_and_floor_command_equals_api(tmp_path):
    """`qedm target`, `freeze-in` and `floor` of the BC2 family at their default masses: every
    mass has a solution (status 0, Omega h^2 on target), the freeze-in coupling lies below the
    thermalization floor at the same alpha_D, and Y_BC2 grows with the mass on the target line."""
    target = qedm_jax.target()
    assert target["status"].tolist() == [0] * 60, target.columns
    np.testing.assert_allclose(target["omega_h2"], 0.12, rtol=0.0, atol=1e-3)
    assert np.all(np.diff(target["Y_BC2"][target["m_chi"] < 0.1]) > 0)  # Y_BC2 ~ m_chi^2 below the muon threshold
    family = BC2Family(species="dirac")
    freeze_in = qedm_jax.freeze_in(model="bc2", species="dirac")
    np.testing.assert_array_equal(freeze_in["m_chi"], family.default_masses)
    assert freeze_in["status"].tolist() == [0] * len(family.default_masses), freeze_in.columns
    assert np.all(np.abs(np.log(freeze_in["omega_h2"] / 0.12)) < FREEZE_IN_RTOL)
    np.testing.assert_allclose(freeze_in["dln_omega_dln_eps"], 2.0, atol=0.2)  # Omega ~ epsilon^2
    floor = qedm_jax.floor(model="bc2", species="dirac")
    assert floor["status"].tolist() == [0] * len(family.default_masses), floor.columns
    assert np.all(freeze_in["epsilon"] < floor["epsilon_TF"])  # both at alpha_D = family.alpha_D_freeze_in
    assert np.all(floor["omega_h2"] > 0.12)  # the maximum of Omega(epsilon) lies above the relic target
    path = tmp_path / "tf.csv"
    masses = family.default_masses[:2]
    code, _, err = _run(["floor", "--model", "bc2", "--m-chi", ",".join(map(repr, masses)), "--quiet", "--out",
                         str(path)])
    assert code == 0, err
    _assert_same_table(path, qedm_jax.floor(list(masses), model="bc2"))


#: the cheapest relic grids that still resolve every default mass's contour and floor
COARSE_CONTOUR = {"ratio": 10.0, "n_alpha": 6, "n_epsilon": 13}
COARSE_FLOOR = {"ratio": 10.0, "n_alpha": 8, "n_epsilon": 16, "n_refine": 0}


def _options(settings: dict) -> list[str]:
    return [token for key, value in settings.items() for token in (f"--{key.replace('_', '-').lower()}", str(value))]


@pytest.mark.slow
def test_secluded_contour_and_floor_at_the_default_masses_and_commands_equal_api(tmp_path):
    """`qedm contour` and `qedm floor` at the secluded family's default masses on coarse grids:
    every mass has a relic contour running from freeze-in (regime 0) to freeze-out (regime 3),
    every floor has status 0 with epsilon_min < epsilon_TF and a thermalized hidden sector at
    the floor; one mass recomputed through the API gives the same rows."""
    masses = SecludedFamily.default_masses
    contour_csv, floor_csv = tmp_path / "contour.csv", tmp_path / "floor.csv"
    code, _, err = _run(["contour", *_options(COARSE_CONTOUR), "--quiet", "--out", str(contour_csv)])
    assert code == 0, err
    contour, _ = io.read_target_csv(contour_csv)
    for m in masses:
        rows = _rows(contour, m)
        assert rows["regime"][0] == 0 and rows["regime"][-1] == 3, (m, rows["regime"])
        assert rows["n_failed"][0] == 0
    single = qedm_jax.contour([10.0], **COARSE_CONTOUR)
    for name, values in _rows(contour, 10.0).items():
        np.testing.assert_array_equal(values, np.asarray(single[name]), err_msg=name)

    code, _, err = _run(["floor", *_options(COARSE_FLOOR), "--quiet", "--out", str(floor_csv)])
    assert code == 0, err
    floor, _ = io.read_target_csv(floor_csv)
    np.testing.assert_array_equal(floor["m_chi"], masses)
    assert floor["status"].tolist() == [0] * len(masses), floor
    assert np.all(floor["epsilon_min"] < floor["epsilon_TF"])
    assert np.all(np.diff(floor["alpha_D_TF"]) > 0)  # the floor's alpha_D grows with the mass (seed 003 Fig. 3)
    assert np.all(floor["T_hs_over_T_TF"] > 0.5)
    single = qedm_jax.floor([10.0], **COARSE_FLOOR)
    for name, values in _rows(floor, 10.0).items():
        np.testing.assert_array_equal(values, np.asarray(single[name]), err_msg=name)


def test_evolve_command_equals_api(tmp_path):
    path = tmp_path / "ev.csv"
    point = {"m_chi": 1.0, "alpha_D": 1e-3, "epsilon": 1e-7}
    code, _, err = _run(["evolve", *_options(point), "--n-save", "16", "--quiet", "--out", str(path)])
    assert code == 0, err
    table = qedm_jax.evolve(**point, n_save=16)
    _assert_same_table(path, table)
    columns, header = io.read_target_csv(path)
    assert header["omega_h2"] == table.header["omega_h2"] and header["status"].startswith("0")
    assert np.all(np.diff(columns["x"]) > 0) and columns["Y"][-1] > 0
