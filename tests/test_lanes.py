"""lanes.solve_queue: the lane-refill engine of the grids equals the plain diffrax solve.

The engine steps diffrax's own Kvaerno5 step and PID controller in diffeqsolve's order, so a
point gets the diffeqsolve result up to rounding (batched vs scalar arithmetic, amplified by
the adaptive controller to the solver tolerance: ``VMAP_LOOP_RTOL``), whatever the number of
lanes, and a point's failure stays its own.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax  # noqa: F401
from qedm_jax import lanes
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2
from qedm_jax.models.secluded import SecludedDirac

from .tolerances import VMAP_LOOP_RTOL

M_CHI = np.array([0.003, 0.03, 0.3, 1.5, 0.01])  # GeV
EPSILON = np.array([1e-6, 3e-5, 1e-4, 3e-6, 1e-3])


def make_dirac(m_chi, epsilon):
    return BC2(m_chi=m_chi, m_A=3.0 * m_chi, alpha_D=0.1, epsilon=epsilon, species="dirac")


def queue(make_model, columns, config, n_lanes, n_valid=None):
    return jax.jit(lambda cols, n: lanes.solve_queue(make_model, cols, config, n_lanes, n))(
        {k: jnp.asarray(v) for k, v in columns.items()}, n_valid)


@pytest.mark.parametrize("n_lanes", [1, 2, 5])
def test_thermalized_queue_equals_diffeqsolve(n_lanes):
    """Five BC2 points on 1, 2 and 5 lanes (1 and 2: every lane is refilled) vs solve()."""
    config = solve_mod.SolverConfig()
    out = queue(make_dirac, {"m_chi": M_CHI, "epsilon": EPSILON}, config, n_lanes)
    for i, (m, e) in enumerate(zip(M_CHI, EPSILON)):
        one = solve_mod.solve(make_dirac(m, e), config)
        assert int(out["status"][i]) == solve_mod.STATUS_OK
        np.testing.assert_allclose(float(out["omega_h2"][i]), float(one.omega_h2), rtol=VMAP_LOOP_RTOL)
        assert abs(int(out["num_steps"][i]) - int(one.num_steps)) <= 0.2 * int(one.num_steps)  # same integrator


def test_two_temperature_queue_and_trajectory():
    """Secluded points (freeze-in, floor, freeze-out) on 2 lanes: Omega h^2, T_hs/T and the
    saved trajectory (dense interpolation at SaveAt ts) agree with diffeqsolve."""
    from qedm_jax.relic.contour import contour_config

    config = contour_config(n_save=8)

    def make(alpha_D, epsilon):
        return SecludedDirac(m_chi=10.0, m_ZD=1.0, alpha_D=alpha_D, epsilon=epsilon)

    alpha = np.array([1e-7, 3.5e-4, 3.5e-4])
    eps = np.array([1e-11, 3e-6, 1e-3])
    out = queue(make, {"alpha_D": alpha, "epsilon": eps}, config, 2)
    for i in range(3):
        one = solve_mod.solve(make(alpha[i], eps[i]), config)
        assert int(out["status"][i]) == solve_mod.STATUS_OK == int(one.status)
        np.testing.assert_allclose(float(out["omega_h2"][i]), float(one.omega_h2), rtol=3e-3)
        # T_hs/T of the freeze-in point (2e-4) is controlled to ~2% at rtol 1e-6: against an
        # rtol-1e-9 solve, lanes are 2.2% and diffeqsolve 0.5% off (measured), Omega to 2e-4
        np.testing.assert_allclose(float(out["t_hs_over_t_end"][i]), float(one.t_hs_over_t_end), rtol=3e-2)
        np.testing.assert_allclose(np.asarray(out["x"][i]), np.asarray(one.x), rtol=1e-12)
        np.testing.assert_allclose(np.asarray(out["y"][i]), np.asarray(one.y), rtol=2e-2)


def test_failed_point_and_padding_stay_their_own():
    """max_steps = 75: the points needing more fail with STATUS_MAX_STEPS after 75 steps, the
    others converge to the same values as with a large limit; points beyond n_valid are not
    solved (no steps, NaN, not OK)."""
    tight = solve_mod.SolverConfig(max_steps=75)
    out = queue(make_dirac, {"m_chi": M_CHI, "epsilon": EPSILON}, tight, 2, n_valid=4)
    full = queue(make_dirac, {"m_chi": M_CHI, "epsilon": EPSILON}, solve_mod.SolverConfig(), 2)
    status, steps = np.asarray(out["status"]), np.asarray(out["num_steps"])
    need = np.asarray(full["num_steps"])[:4]
    assert np.any(need > 75) and np.any(need <= 75)
    np.testing.assert_array_equal(status[:4] == solve_mod.STATUS_MAX_STEPS, need > 75)
    assert np.all(steps[:4][need > 75] == 75)
    ok = status[:4] == solve_mod.STATUS_OK
    np.testing.assert_allclose(np.asarray(out["omega_h2"])[:4][ok], np.asarray(full["omega_h2"])[:4][ok],
                               rtol=VMAP_LOOP_RTOL)
    assert np.all(np.isnan(np.asarray(out["omega_h2"])[:4][~ok]))
    assert status[4] != solve_mod.STATUS_OK and steps[4] == 0 and np.isnan(float(out["omega_h2"][4]))
