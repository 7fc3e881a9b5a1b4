"""Batch invariance of the two-temperature solve (issue 12 acceptance): the same points solved
alone, in two different vmap batches and through the grid engine's lane queue give the same
status and Omega h^2 within 10 x the solver rtol.

The points are the stiff block that used to stall in one batch and converge alone (alpha_D
1e-4 .. 5e-4 at epsilon 2.4e-7 .. 1e-6, m_chi = 10 GeV, m_ZD = 1 GeV) and the stiffest point of
the benchmark grid (alpha_D = 1e-2, epsilon = 2.68e-6, Gamma_hs/H ~ 1e12). A lane's arithmetic
does not depend on its batchmates: batches of 13 and 16 points with different batchmates agree
bitwise. Alone, in a vmap batch and in the lane queue the code is compiled differently and rounds
differently (a composed right-hand side differs in the last bits even where each of its parts
agrees bitwise, 2026-12-08), and the step controller turns that into different step sequences:
two solves then differ by about their global error. The test therefore holds because the
global error is ~rtol, not because the engines round alike. Measured
(``benchmarks/bench_error_control.py``, ``bench_error_control_cpu_2026-12-08.json``, chord
integrator, these 13 points and a 6 x 6 grid against rtol 1e-9):

* step control before 2026-12-08 (rtol |y| + atol on (ln(T_hs/T), ln Y)), g_star interpolated
  through the table rows: alone vs batch 5.5e-4, queue vs batch 3.8e-4, errors 4.8e-4 / 4.1e-4;
* the same with the smooth g_star fit (``sm._gstar_fit``; the rough d ln g_star_s / d ln T of
  the interpolant had been forcing ~2-3x more steps): 1.4e-4, 1.9e-4, errors 1.9e-4 / 2.8e-4;
* with the two-temperature step control of ``solve.ode_solver`` (absolute on the logs,
  ln(T_hs/T) weighted by 20): 2.4e-5, 2.2e-5, errors 2.3e-5 / 1.3e-5; at rtol 3e-6: 1.1e-5.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax
from qedm_jax import lanes
from qedm_jax import solve as solve_mod

FAMILY = qedm_jax.make_family("secluded", ratio=10.0)
M_CHI = 10.0  # GeV
STIFF = list(itertools.product((1e-4, 2e-4, 3.5e-4, 5e-4), (2.4e-7, 5e-7, 1e-6))) + [(1e-2, 2.68e-6)]
#: other batchmates of batch B (freeze-in, floor, secluded freeze-out)
OTHERS = [(1e-7, 1e-11), (3.5e-4, 3e-6), (1e-3, 1e-3)]
CONFIG = solve_mod.two_temperature_config()
#: the acceptance bound: 10 x the solver rtol
INVARIANCE_RTOL = 10.0 * CONFIG.rtol


def make(alpha_D, epsilon):
    return FAMILY.point(M_CHI, alpha_D, epsilon)


def _batch(points):
    a, e = (jnp.asarray(column) for column in zip(*points))
    out = jax.jit(jax.vmap(lambda a, e: solve_mod.solve_unchecked(make(a, e), CONFIG)))(a, e)
    return np.asarray(out.omega_h2), np.asarray(out.status)


@pytest.mark.slow
def test_alone_two_batches_and_lane_queue_agree():
    """Status identical (all converged) and Omega h^2 within 10 x rtol in all four ways."""
    alone = [solve_mod.solve(make(a, e), CONFIG) for a, e in STIFF]
    omega_alone = np.array([float(s.omega_h2) for s in alone])
    status_alone = np.array([int(s.status) for s in alone])
    omega_a, status_a = _batch(STIFF)
    omega_b, status_b = _batch(OTHERS + STIFF[::-1])
    omega_b, status_b = omega_b[len(OTHERS):][::-1], status_b[len(OTHERS):][::-1]
    columns = {name: jnp.asarray(column) for name, column in zip(("alpha_D", "epsilon"), zip(*STIFF))}
    queue = jax.jit(lambda cols: lanes.solve_queue(make, cols, CONFIG, 4))(columns)
    omega_q, status_q = np.asarray(queue["omega_h2"]), np.asarray(queue["status"])

    np.testing.assert_array_equal(status_alone, solve_mod.STATUS_OK)
    for name, status in (("batch A", status_a), ("batch B", status_b), ("lane queue", status_q)):
        np.testing.assert_array_equal(status, status_alone, err_msg=name)
    changes = {name: float(np.max(np.abs(omega / omega_alone - 1.0)))
               for name, omega in (("batch A", omega_a), ("batch B", omega_b), ("lane queue", omega_q))}
    print("max |dOmega/Omega| vs alone:", {k: f"{v:.2e}" for k, v in changes.items()})
    print("batch B vs A: %.2e, queue vs A: %.2e, steps" % (np.max(np.abs(omega_b / omega_a - 1)), np.max(np.abs(omega_q / omega_a - 1))))
    assert max(changes.values()) <= INVARIANCE_RTOL, changes
