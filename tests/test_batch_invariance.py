"""Batch invariance of the two-temperature solve (issue 12 acceptance): the same points solved
alone, in two different vmap batches and through the grid engine's lane queue give the same
status and Omega h^2 within 10 x the solver rtol.

The points are the stiff block that used to stall in one batch and converge alone (alpha_D
1e-4 .. 5e-4 at epsilon 2.4e-7 .. 1e-6, m_chi = 10 GeV, m_ZD = 1 GeV) and the stiffest point of
the benchmark grid (alpha_D = 1e-2, epsilon = 2.68e-6, Gamma_hs/H ~ 1e12). A lane's arithmetic
does not depend on its batchmates: batches of 13 and 16 points with different batchmates agree
bitwise. What remains is the rounding of differently compiled code, which the step controller
turns into different step sequences. Measured with the default integrator since 2026-12-08
(``esdirk.Kvaerno5Chord``, fixed work per step, no data-dependent loop): alone vs batch 5.5e-4,
lane queue (4 lanes) vs alone 7.2e-4, queue vs batch 3.8e-4; with Kvaerno5 + exact-Jacobian
Newton (2026-12-07): 9.0e-4, 5.9e-4 (queue vs batch), 2 or 4 copies vs 13 points 7.2e-4. Fixed
work alone does not make the batches agree: the spread is the global error (below).
Tightening the tolerance on ln(T_hs/T), to which Omega is ~x_h ~ 20 times more sensitive than
to ln Y, reduced the spread non-monotonically (Kvaerno5: atol_r = 3e-7: 5e-5 at 2x the steps;
1e-7: 1.4e-4).

Why the spread is the solver's accuracy, not rounding: at Gamma/H ~ 1e12 the right-hand side
carries ~1e-3 of rounding noise (the rate times the rounding of ln Y, ``qedm_jax.boltzmann``);
the embedded error estimate is a sum of stage derivatives, so differently compiled code gets
different step sequences, and two step sequences differ by the global error. Variants of the
error control (``benchmarks/bench_error_control.py``, measured 2026-12-07 with Kvaerno5 + Newton on
these 13 points and a 6 x 6 grid against rtol 1e-9): the default spreads 9.0e-4 (alone) / 5.9e-4 (queue) with errors
6.3e-4; a tolerance absolute on the logs (1e-5 relative in Y and T_hs/T) with ln(T_hs/T)
weighted by 20 in the norm: 9.9e-5 / 8.8e-5, errors 1.1e-4 (stiff) and 2.1e-4 (grid), +26% steps
on the grid and +78% on the stiff block; step sizes on a ladder of 8 per octave: 3.3e-4 / 1.9e-4
alone, 7.7e-5 / 3.6e-5 with the weighted norm. None meets 1e-4 with margin: the spread follows
the global error (~10 x the local tolerance), so 10 x rtol needs either engines that round
identically or a global error well below 10 x rtol.
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
@pytest.mark.xfail(strict=True, reason="issue 12 open: batch A vs alone differs by up to 5.5e-4 (2026-12-08, chord "
                   "integrator; 9e-4 with Kvaerno5 + Newton), the accuracy level of rtol 1e-5 (against rtol "
                   "1e-9: up to 5.8e-4 at 10 GeV): differently compiled "
                   "code rounds differently and the step controller amplifies it into other step sequences")
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
