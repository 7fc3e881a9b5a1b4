"""The g_star representation of ``qedm_jax.sm``: quintic B-spline least-squares fits of the
shipped tables (``sm._gstar_fit``), their derivative and their smoothness."""

import numpy as np
import pytest

import qedm_jax  # noqa: F401  (float64)
from qedm_jax import io, sm

#: Saikawa & Shirai's QCD and electroweak crossovers [GeV]: sharp structure and steps between
#: adjacent rows (seams of its tabulation, e.g. 2% between T = 0.11984 and 0.12046 GeV), which
#: the fit spreads over ~0.1 in ln T
SEAMS = ((0.1, 0.3), (100.0, 200.0))


@pytest.mark.parametrize("table", sorted(io.GSTAR_TABLES))
def test_fit_reproduces_the_table(table):
    """Relative residuals: Saikawa-Shirai <= 1e-2 in its crossovers (7.4e-3 measured at the
    0.12 GeV seam; 1.7e-3 elsewhere in 0.1-0.3 GeV, 1.1e-3 at 146 GeV), <= 5e-4 elsewhere,
    rms <= 5e-4 (2.7e-4); the coarser, smooth tables <= 1e-5 (4e-8)."""
    temperature, g_rho, g_s = io.load_gstar(table)
    keep = temperature <= 1.0e5
    temperature = temperature[keep]
    residual = np.stack([np.asarray(sm.g_star(temperature, table)) / g_rho[keep] - 1.0,
                         np.asarray(sm.g_star_s(temperature, table)) / g_s[keep] - 1.0])
    if table == "saikawa-shirai-2018":
        seam = np.zeros(temperature.shape, bool)
        for low, high in SEAMS:
            seam |= (temperature >= low) & (temperature <= high)
        assert np.max(np.abs(residual[:, seam])) <= 1e-2
        assert np.max(np.abs(residual[:, ~seam])) <= 5e-4
        assert np.sqrt(np.mean(residual**2)) <= 5e-4
    else:
        assert np.max(np.abs(residual)) <= 1e-5


def test_limits_and_derivative():
    """g_star_s -> 3.91 well below m_e and 106.75 above the electroweak scale (SM counting);
    d ln g_star_s / d ln T equals the centred difference of ln g_star_s (same fit) and
    vanishes outside the fitted range."""
    assert float(sm.g_star_s(1e-5)) == pytest.approx(3.91, rel=1e-2)
    assert float(sm.g_star_s(1e4)) == pytest.approx(106.75, rel=3e-2)  # 104.3: QCD corrections
    temperature = np.geomspace(1e-5, 1e4, 3000)
    step = 1e-5
    centred = (np.log(np.asarray(sm.g_star_s(temperature * np.exp(step))))
               - np.log(np.asarray(sm.g_star_s(temperature * np.exp(-step))))) / (2 * step)
    np.testing.assert_allclose(np.asarray(sm.dln_g_star_s_dln_T(temperature)), centred, atol=1e-7)
    assert float(sm.dln_g_star_s_dln_T(1e7)) == 0.0


def test_derivative_is_smooth():
    """The Boltzmann right-hand side contains d ln g_star_s / d ln T: from the quintic fit its
    derivatives are continuous up to the third, so on a grid 1e-3 apart in ln T its third
    differences are a small fraction of its second ones (0.067 measured); the cubic Hermite
    interpolant through the table rows used before 2026-12-08 had a kink in it at every row,
    where third and second differences are alike (ratio 1.06 measured)."""
    ln_t = np.arange(np.log(1e-4), np.log(1e3), 1e-3)
    d = np.asarray(sm.dln_g_star_s_dln_T(np.exp(ln_t)))
    second = np.diff(d, 2)
    third = np.diff(d, 3)
    assert np.max(np.abs(third)) <= 0.2 * np.max(np.abs(second))
