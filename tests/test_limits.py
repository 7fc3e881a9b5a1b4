"""ESPP curves (qedm_jax.limits) and the CSV readers/writers behind them (qedm_jax.io)."""

from __future__ import annotations

import numpy as np
import pytest

import qedm_jax  # noqa: F401  (float64)
from qedm_jax import io, limits

DIRECT_DETECTION = {"oscura", "darksphere", "supercdms-snolab", "darkside-20k-electron", "darkside-20k-migdal"}


@pytest.fixture(scope="module")
def curves():
    return limits.load_all()


def test_registry_covers_every_espp_file():
    folder = io.data_path("espp/constraints/Constraints_BC2-elastic_Merged.csv").parent.parent
    on_disk = {str(p.relative_to(folder.parent)) for p in folder.rglob("*.csv")}
    registered = {entry.path for entry in limits.REGISTRY.values()}
    assert on_disk == registered
    assert len(registered) == len(limits.REGISTRY)  # one name per file


@pytest.mark.parametrize("name", list(limits.REGISTRY))
def test_every_curve_is_positive_finite_and_in_window(curves, name):
    curve = curves[name]
    assert curve.name == name and curve.kind in ("constraint", "sensitivity")
    assert curve.m_chi.shape == curve.Y_BC2.shape and curve.m_chi.size >= 10
    assert curve.m_chi.dtype == np.float64 and curve.Y_BC2.dtype == np.float64
    assert np.all(np.isfinite(curve.m_chi)) and np.all(np.isfinite(curve.Y_BC2))
    assert np.all(curve.m_chi > 0.0) and np.all(curve.Y_BC2 > 0.0)
    assert np.all((curve.m_chi >= 1e-4) & (curve.m_chi <= 10.0))
    assert np.all(curve.Y_BC2 <= 1.0)
    assert curve.label and curve.source.startswith("ESPP2026-PPG/Quasi-elastic-DM")
    with pytest.raises(ValueError):
        curve.m_chi[0] = 1.0  # read-only


def test_filter_is_general_and_drops_spurious_rows(curves):
    raw = io.read_espp_csv(io.data_path(limits.REGISTRY["damic-m-2025"].path))
    assert raw[0, 0] == pytest.approx(1e-4) and raw[0, 1] > 1e19  # the reader keeps it
    kept = curves["damic-m-2025"]
    expected = (raw[:, 1] > 0) & (raw[:, 1] <= limits.Y_BC2_MAX) & (raw[:, 0] >= limits.M_CHI_MIN_GEV) & (
        raw[:, 0] <= limits.M_CHI_MAX_GEV)
    np.testing.assert_array_equal(kept.m_chi, raw[expected, 0])  # same rule, file order kept
    assert kept.Y_BC2.max() < 1.0


def test_merged_constraints_are_closed_outlines(curves):
    for name in ("elastic-merged", "quasi-elastic-merged"):
        assert curves[name].is_closed and curves[name].kind == "constraint"
    assert not curves["ship"].is_closed


def test_odd_header_file_is_in_gev(curves):
    """'\"mass\"/1000' header: the numbers are already GeV (DarkSide-50 NR limit, 1.2-10 GeV)."""
    nucleon = curves["darkside-50-nucleon"]
    assert 1.0 < nucleon.m_chi.min() < 1.2 and nucleon.m_chi.max() <= 10.0
    # the same points appear on the merged elastic outline, which is drawn in GeV
    merged = {tuple(p) for p in np.column_stack([curves["elastic-merged"].m_chi, curves["elastic-merged"].Y_BC2])}
    shared = sum(tuple(p) in merged for p in np.column_stack([nucleon.m_chi, nucleon.Y_BC2]))
    assert shared >= 10


def test_bc2_figure_curves():
    elastic = [c.name for c in limits.bc2_figure_curves("elastic")]
    quasi = [c.name for c in limits.bc2_figure_curves("quasi-elastic")]
    assert elastic[0] == "elastic-merged" and quasi[0] == "quasi-elastic-merged"
    assert DIRECT_DETECTION <= set(elastic)
    assert not DIRECT_DETECTION & set(quasi)
    accelerator = {"faser-nu2", "flare", "ship", "na64e-1e13", "na64mu-3e11", "na64mu-2e13", "na64mu-1e14",
                   "belle-ii", "lohengrin"}
    assert set(quasi[1:]) == accelerator and accelerator <= set(elastic)
    with pytest.raises(ValueError, match="kind"):
        limits.bc2_figure_curves("inelastic")
    with pytest.raises(KeyError, match="unknown ESPP curve"):
        limits.load_curve("nonexistent")


# --- read_espp_csv -------------------------------------------------------------------


@pytest.mark.parametrize("header", ["mass,coupling", '"mass","coupling"', '"""mass""/1000","coupling"', None])
def test_read_espp_csv_variants(tmp_path, header):
    body = ['0.5, 2e-10 ', '"0.01","3e-12"', "", "0.1 ,1e-11"]  # unsorted, quoted, spaces, blank line
    path = tmp_path / "curve.csv"
    path.write_text("\n".join(([header] if header else []) + body) + "\n")
    table = io.read_espp_csv(path)
    np.testing.assert_array_equal(table, [[0.5, 2e-10], [0.01, 3e-12], [0.1, 1e-11]])  # file order


@pytest.mark.parametrize(
    "bad_line, message",
    [("0.01,abc", "not a number"), ("0.01,1e-12,7", "expected 2"), ("0.01", "expected 2")],
)
def test_read_espp_csv_malformed(tmp_path, bad_line, message):
    path = tmp_path / "broken_curve.csv"
    path.write_text(f'"mass","coupling"\n0.001,1e-12\n{bad_line}\n0.1,1e-10\n')
    with pytest.raises(io.DataFileError, match=message) as info:
        io.read_espp_csv(path)
    assert "broken_curve.csv" in str(info.value) and "line 3" in str(info.value)


def test_read_espp_csv_unknown_header_and_empty(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("energy,rate\n1,2\n")
    with pytest.raises(io.DataFileError, match="line 1"):
        io.read_espp_csv(path)
    path.write_text("mass,coupling\n")
    with pytest.raises(io.DataFileError, match="no data rows"):
        io.read_espp_csv(path)


# --- thermal-target CSV ----------------------------------------------------------------


def _target_columns():
    m = np.geomspace(1e-3, 2.0, 7)
    return {
        "m_chi_GeV": m,
        "Y_BC2": 1e-12 * (m / 1e-3) ** 1.3,
        "epsilon": np.full(7, 1.0 / 3.0),
        "omega_h2": np.array([0.12, 0.12000000000000001, np.nan, 0.12, 0.1, 1e-300, 0.12]),
        "status": np.array([0, 0, 3, 0, 0, 0, 1], dtype=np.int64),
    }


def test_target_csv_round_trip(tmp_path):
    columns = _target_columns()
    header = {"model": "scalar", "alpha_D": "0.1", "omega_h2_target": "0.12 (Planck 2018: 0.12, arXiv:1807.06209)",
              "Y_BC2": "epsilon^2 alpha_D (m_chi / m_A)^4"}
    path = tmp_path / "target.csv"
    io.write_target_csv(path, columns, header)
    lines = path.read_text().splitlines()
    assert lines[0] == "# model: scalar"
    assert lines[len(header)] == "m_chi_GeV,Y_BC2,epsilon,omega_h2,status"
    read_columns, read_header = io.read_target_csv(path)
    assert read_header == header
    assert list(read_columns) == list(columns)
    for name, values in columns.items():
        np.testing.assert_array_equal(read_columns[name], values)  # exact, NaN included
    assert read_columns["status"].dtype == np.int64 and read_columns["m_chi_GeV"].dtype == np.float64


@pytest.mark.parametrize("bad_row, message", [("0.1,2e-12,0.3,0.12", "expected 5 columns"),
                                              ("0.1,2e-12,0.3,zero,0", "not a number")])
def test_read_target_csv_malformed(tmp_path, bad_row, message):
    path = tmp_path / "bad_target.csv"
    path.write_text(f"m_chi_GeV,Y_BC2,epsilon,omega_h2,status\n0.01,1e-12,0.3,0.12,0\n{bad_row}\n")
    with pytest.raises(io.DataFileError, match=message) as info:
        io.read_target_csv(path)
    assert "bad_target.csv" in str(info.value) and "line 3" in str(info.value)


def test_write_target_csv_rejects_bad_input(tmp_path):
    path = tmp_path / "t.csv"
    with pytest.raises(ValueError, match="different lengths"):
        io.write_target_csv(path, {"a": np.zeros(2), "b": np.zeros(3)}, {})
    with pytest.raises(ValueError, match="several lines"):
        io.write_target_csv(path, {"a": np.zeros(2)}, {"note": "one\ntwo"})
    with pytest.raises(ValueError, match="column name"):
        io.write_target_csv(path, {"a,b": np.zeros(2)}, {})
