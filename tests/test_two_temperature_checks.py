"""Two-temperature solve of secluded Dirac DM (seed 003 Eqs. 2.14-2.17): what the result must
NOT depend on, and the hidden sector's energy and number bookkeeping (issue 3).

1. The initial hidden sector (``SolverConfig.init_scale``: the cold HS holds init_scale times
   one e-fold of SM injection at x0; seed 003 Sec. 2.3 starts from T' ~ 0, Y ~ 0) and the
   solver tolerances: Omega h^2 within 1% on the freeze-in branch, near epsilon_min and on the
   secluded-freeze-out plateau.
2. The start temperature T0 = m_chi / x0 (physical, seed 003 Sec. 2.3): the freeze-in line
   (``relic.freeze_in.freeze_in_line``) and epsilon_min (``relic.contour.relic_contour`` and
   ``relic.contour.epsilon_min`` on a 3 x 3 grid around it) move by < 1% from x0 = 1e-3 to 1e-4,
   at m_chi = 10 GeV (Z -> chi chibar matters) and 1 GeV (m_ZD = m_chi / 10).
3. With depletion off, the saved trajectory (x, Y, T'/T) must satisfy the energy equation
   d(a^3 rho_HS)/dt = a^3 (C_rho - 3 H P_HS) and the number equation with C = production only,
   integrated here independently with scipy (``_two_temperature_helpers``).

Cost (2 CPU cores): seven compilations of ~20 s. One ``jax.jit(jax.vmap(solve))`` per config for
the grids and contour points (~3 s per batch of 24); the init_scale variants run under an eager
``jax.vmap`` (``_two_temperature_helpers.solve_points``), where only ``diffeqsolve`` is compiled,
so that they share one compilation; the freeze-in line (``relic.freeze_in.freeze_in_line``, a
host-side secant through ``grids.scan``) compiles once per start x0.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax  # noqa: F401  (enables float64)
from qedm_jax import sm, thermal
from qedm_jax import solve as solve_mod
from qedm_jax.models.family import SecludedFamily
from qedm_jax.relic import contour as contour_mod
from qedm_jax.relic import freeze_in as freeze_in_mod
from qedm_jax.models.secluded import SecludedDirac

from . import _two_temperature_helpers as helpers

#: issue 3: Omega h^2 (and the lines) may move by at most 1% under the start conditions
#: and tolerances (tests/tolerances.py INSENSITIVITY_RTOL; repeated here, that file has
#: another owner)
INSENSITIVITY_RTOL = 0.01
#: energy and number bookkeeping: solver at rtol 1e-8 (on ln T', ln Y; ~1200 steps) vs an
#: independent DOP853 solve (rtol 1e-10) with exact-quadrature rates. Measured: <= 1e-4 at every
#: saved x. A dropped DM pressure n T' in P_HS would show as 5e-3 (10 GeV) to 1e-2 (1 GeV), a
#: dropped (1 + delta) as 3-4%. At the default rtol 1e-5 the mid-trajectory differences reach
#: 6e-3 (m_chi = 1 GeV, x ~ 0.008, while Y is still tiny); at rtol 1e-7 the two points solved
#: in one vmapped batch showed a 1.2e-3 transient at x = 0.063 (10 GeV; 1.3e-4 when solved
#: alone: the batch changes the Newton iterates), hence the tighter solve here.
BOOKKEEPING_RTOL = 1.0e-3

HEAVY = (10.0, 1.0)  # (m_chi, m_ZD) [GeV]; m_chi = 10 m_ZD (seed 003 Fig. 2)
LIGHT = (1.0, 0.1)
BATCH = 24  # grids around epsilon_min at both masses + the contour points, one jit call
BASE = contour_mod.contour_config()  # x0 = 1e-3 (T0 = 1000 m_chi), x_end = 1e4, rtol 1e-5, atol 1e-7
X0_LOW = 1.0e-4

# Points on the relic contour (Omega h^2 ~ 0.12; from 11 x 11 grids of this solver), per regime
CONTOUR_POINTS = {
    # label: (m_chi, m_ZD, alpha_D, epsilon)
    "10 GeV freeze-in": (*HEAVY, 1.0e-7, 3.375e-9),
    "10 GeV epsilon_min": (*HEAVY, 2.46e-5, 2.51e-10),
    "10 GeV plateau": (*HEAVY, 3.8e-4, 1.0e-5),
    "1 GeV freeze-in": (*LIGHT, 1.0e-9, 7.23e-8),
    "1 GeV epsilon_min": (*LIGHT, 2.06e-6, 1.61e-9),
    "1 GeV plateau": (*LIGHT, 4.2e-5, 1.0e-5),
}
# 3 x 3 grids around epsilon_min (alpha_D rows, epsilon columns), crossing in every row
MIN_GRIDS = {
    HEAVY: (np.array([1.4e-5, 2.5e-5, 4.4e-5]), np.array([2.2e-10, 2.8e-10, 3.6e-10])),
    LIGHT: (np.array([1.2e-6, 2.1e-6, 3.6e-6]), np.array([1.4e-9, 1.8e-9, 2.3e-9])),
}
# freeze-in line: reference points on the branch (alpha_D small enough that Omega ~ eps^2 alpha_D
# holds to 1e-3; the epsilon is the root found before, kept for the record), solved at rtol 1e-7
# (``relic.freeze_in.freeze_in_config``): the secant accepts a root only within
# |ln(Omega / 0.12)| < 1e-3, which is the solver noise at the default rtol 1e-5 (Omega / eps^2
# scatters by +-1e-3 under 1e-4 changes of eps).
FREEZE_IN_REFERENCE = [(*HEAVY, 1.0e-7, 3.376e-9), (*LIGHT, 1.0e-9, 7.23e-8)]
FREEZE_IN_FAMILY = SecludedFamily(ratio=10.0)  # m_ZD = m_chi / 10 at both masses
FREEZE_IN_CONFIG = freeze_in_mod.freeze_in_config(BASE.x0, x_end=1.0e3)  # rtol 1e-7, atol 1e-9
#: freeze-in branch: d ln Omega / d ln epsilon between epsilon_FI / 3 and epsilon_FI is 2 (Omega ~
#: eps^2 alpha_D, no back-reaction), to the freeze-in scaling budget (tests/tolerances.py, 1%)
FREEZE_IN_SLOPE_RTOL = 0.01


def _columns(points):
    return tuple(np.array(v) for v in zip(*points))


def _freeze_in(x0):
    """The freeze-in line at each reference point (one call per point: alpha_D differs), start x0:
    ``(epsilon_FI, Omega h^2 at it, status, d ln Omega / d ln epsilon)``, shape (2,) each."""
    config = dataclasses.replace(FREEZE_IN_CONFIG, x0=x0)
    found = [freeze_in_mod.freeze_in_line(FREEZE_IN_FAMILY, m_chi, alpha_d, config=config)
             for m_chi, _, alpha_d, _ in FREEZE_IN_REFERENCE]
    return tuple(np.concatenate([getattr(line, name) for line in found])
                 for name in ("epsilon", "omega_h2", "status", "slope"))


def _line_run(x0):
    """Grids around epsilon_min (both masses) + the contour points in one batch at BASE, and the
    freeze-in line at FREEZE_IN_CONFIG, both with start x0: ``(grids {masses: OmegaGrid},
    contour-point Solution, freeze-in (epsilon_FI, Omega, status, slope))``."""
    config = dataclasses.replace(BASE, x0=x0)
    columns = [helpers.grid_columns(*masses, *MIN_GRIDS[masses]) for masses in (HEAVY, LIGHT)]
    columns.append(_columns(CONTOUR_POINTS.values()))
    sizes = np.cumsum([0] + [c[0].size for c in columns])
    solution = helpers.solve_points(config, *(np.concatenate(parts) for parts in zip(*columns)), batch=BATCH)
    grids = {masses: helpers.omega_grid_from(helpers.take(solution, slice(sizes[i], sizes[i + 1])), config,
                                             masses[0], *MIN_GRIDS[masses])
             for i, masses in enumerate((HEAVY, LIGHT))}
    points = helpers.take(solution, slice(sizes[2], sizes[3]))
    return grids, points, _freeze_in(x0)


@pytest.fixture(scope="module")
def base_run():
    return _line_run(BASE.x0)


@pytest.fixture(scope="module")
def low_x0_run():
    return _line_run(X0_LOW)


@pytest.fixture(scope="module")
def init_scale_runs():
    """The contour points at init_scale = 1, 1e-2 and 10, one point per call (eager: one
    diffeqsolve compilation serves all three; batch 1: no batch-composition noise between them).

    One point at a time because SecludedDirac(10, 1, 3.8e-4, 1e-5) at init_scale = 1e-2 sits on a
    knife edge of the stiff solve: under jax.jit it converges in 462-491 steps (alone or in a
    batch of these six points), eagerly alone in 474, but in an eager vmapped batch of the six it
    hits max_steps = 8192 (commit c4ddf51; at 770e6af that batch converged in 484 steps). The
    rounding differences of an eager batch decide it; that is a solver robustness issue, not the
    physics tested here."""
    return {scale: helpers.solve_each(dataclasses.replace(BASE, init_scale=scale), *_columns(CONTOUR_POINTS.values()))
            for scale in (1.0, 1.0e-2, 10.0)}


# --- 1. the initial hidden sector and the tolerances ---------------------------------------------


def _relative(a, b):
    return np.asarray(a) / np.asarray(b) - 1.0


def test_contour_points_converge(base_run):
    _, points, _ = base_run
    assert np.all(points.status == solve_mod.STATUS_OK), dict(zip(CONTOUR_POINTS, points.status))
    # they lie on the relic contour (within the grid interpolation they were read from)
    np.testing.assert_allclose(points.omega_h2, 0.12, rtol=0.05)


@pytest.mark.parametrize("scale", [1.0e-2, 10.0])
def test_omega_insensitive_to_initial_hidden_sector(init_scale_runs, scale):
    """init_scale 1 -> 1e-2 (colder, emptier start; seed 003 Sec. 2.3: T'_0 ~ 0, Y_0 = 0) and
    1 -> 10: Omega h^2 within 1% in every regime at both masses (measured: ~0.2% for 1e-2 and
    ~0.6% for 10, both largest near epsilon_min at 10 GeV, where the HS energy at x0 heats the
    early hidden sector and chi chibar <-> Z_D Z_D keeps a little of it; the plateau moves by
    < 1e-4)."""
    points, other = init_scale_runs[1.0], init_scale_runs[scale]
    assert np.all(points.status == solve_mod.STATUS_OK) and np.all(other.status == solve_mod.STATUS_OK)
    change = dict(zip(CONTOUR_POINTS, _relative(other.omega_h2, points.omega_h2)))
    print(f"init_scale {scale:g} vs 1:", {k: f"{v:+.2e}" for k, v in change.items()})
    assert all(abs(v) < INSENSITIVITY_RTOL for v in change.values()), change


def test_omega_insensitive_to_solver_tolerances(base_run):
    """rtol, atol and the Newton convergence factor of the implicit stages halved: Omega h^2 within
    1% at the contour points (measured <= 1e-3, the level of the batch-composition noise)."""
    _, points, _ = base_run
    config = dataclasses.replace(BASE, rtol=BASE.rtol / 2.0, atol=BASE.atol / 2.0,
                                 newton_kappa=BASE.kappa / 2.0)
    finer = helpers.solve_points(config, *_columns(CONTOUR_POINTS.values()))
    assert np.all(finer.status == solve_mod.STATUS_OK)
    change = dict(zip(CONTOUR_POINTS, _relative(finer.omega_h2, points.omega_h2)))
    print("tolerances / 2:", {k: f"{v:+.2e}" for k, v in change.items()})
    assert all(abs(v) < INSENSITIVITY_RTOL for v in change.values()), change


# --- 2. the start temperature ------------------------------------------------------------------


def test_freeze_in_line_insensitive_to_start_temperature(base_run, low_x0_run):
    """epsilon_FI at x0 = 1e-4 (T0 = 1e4 m_chi) vs 1e-3: within 1% at 10 GeV and 1 GeV. The
    production is IR dominated (Gamma_n / (H s) ~ 1/T above the Z pole). On the line Omega h^2 is
    0.12 within 1e-3 and Omega ~ epsilon^2 alpha_D (slope 2)."""
    eps_base, omega_base, status_base, slope_base = base_run[2]
    eps_low, omega_low, status_low, slope_low = low_x0_run[2]
    assert np.all(status_base == solve_mod.STATUS_OK) and np.all(status_low == solve_mod.STATUS_OK)
    print("epsilon_FI x0=1e-3:", eps_base, "x0=1e-4:", eps_low, "change", _relative(eps_low, eps_base))
    print("d ln Omega / d ln epsilon x0=1e-3:", slope_base, "x0=1e-4:", slope_low)
    np.testing.assert_allclose(omega_base, 0.12, rtol=1e-3)
    np.testing.assert_allclose(omega_low, 0.12, rtol=1e-3)
    np.testing.assert_allclose(np.concatenate([slope_base, slope_low]), 2.0, rtol=FREEZE_IN_SLOPE_RTOL)
    np.testing.assert_allclose(eps_low, eps_base, rtol=INSENSITIVITY_RTOL)


def test_epsilon_min_insensitive_to_start_temperature(base_run, low_x0_run):
    """epsilon_min (relic_contour + epsilon_min on 3 x 3 grids around it) at x0 = 1e-4 vs 1e-3:
    within 1% at both masses. The grids are the same at both x0, so the interpolation error of
    the coarse grid cancels in the ratio."""
    for masses in (HEAVY, LIGHT):
        found = []
        for grids, _, _ in (base_run, low_x0_run):
            grid = grids[masses]
            assert np.all(grid.ok), (masses, grid.status)
            contour_ = contour_mod.relic_contour(grid)
            eps_min, alpha_min = contour_mod.epsilon_min(contour_)
            # a true minimum inside the grid: not on its edge rows
            assert grid.alpha_D[0] < alpha_min < grid.alpha_D[-1], (masses, alpha_min)
            found.append(eps_min)
            print(masses, "eps_min", eps_min, "alpha_D", alpha_min)
        np.testing.assert_allclose(found[1], found[0], rtol=INSENSITIVITY_RTOL, err_msg=str(masses))


#: loose bound on Omega h^2 at fixed contour points under x0 = 1e-3 -> 1e-4 (a report, not a
#: contract: the start temperature is physical, seed 003 Sec. 2.3; measured <= 0.1%)
CONTOUR_POINT_X0_RTOL = 0.05


def test_contour_points_under_start_temperature(base_run, low_x0_run):
    """Omega h^2 at the six contour points, x0 = 1e-4 vs 1e-3 (reported; loose bound)."""
    base, low = base_run[1], low_x0_run[1]
    assert np.all(low.status == solve_mod.STATUS_OK)
    change = dict(zip(CONTOUR_POINTS, _relative(low.omega_h2, base.omega_h2)))
    print("x0 1e-4 vs 1e-3:", {k: f"{v:+.2e}" for k, v in change.items()})
    assert all(abs(v) < CONTOUR_POINT_X0_RTOL for v in change.values()), change


# --- 3. energy and number bookkeeping with depletion off ---------------------------------------

BOOKKEEPING_CONFIG = solve_mod.two_temperature_config(depletion=False, x_end=1.0e3, n_save=61, rtol=1.0e-8,
                                                    atol=1.0e-10)
BOOKKEEPING_POINTS = [(*HEAVY, 1.0e-7, 1.0e-9), (*LIGHT, 1.0e-7, 1.0e-9)]


@pytest.fixture(scope="module")
def bookkeeping():
    """Saved trajectories with production only, and the independent scipy integration from the
    same initial state: per point (x, E_solver, E_ref, Y, Y_ref, Y_quad)."""
    solution = helpers.solve_points(BOOKKEEPING_CONFIG, *_columns(BOOKKEEPING_POINTS))
    assert np.all(solution.status == solve_mod.STATUS_OK)
    out = []
    for k, (m_chi, m_zd, alpha_d, epsilon) in enumerate(BOOKKEEPING_POINTS):
        model = SecludedDirac(m_chi=m_chi, m_ZD=m_zd, alpha_D=alpha_d, epsilon=epsilon)
        x, y, ratio = solution.x[k], solution.y[k], solution.t_hs_over_t[k]
        temperature = m_chi / x
        s = np.asarray(sm.entropy_density(jnp.asarray(temperature), BOOKKEEPING_CONFIG.gstar))
        t_hs = ratio * temperature
        mean_e = np.asarray(jax.vmap(lambda t: thermal.mean_energy(model, t))(jnp.asarray(t_hs)))
        # rho_HS = rho_bath(T') + n B(T'), n = Y s (seed 003 Sec. 2.2, Eq. 2.15), per entropy
        e_solver = (helpers.rho_bath(model.g_hs_bath, t_hs) + y * s * mean_e) / s
        e_ref, y_ref, _, y_quad = helpers.integrate_energy_and_number(model, x, e_solver[0], y[0],
                                                                      gstar=BOOKKEEPING_CONFIG.gstar)
        out.append((x, e_solver, e_ref, y, y_ref, y_quad))
    return out


def test_energy_bookkeeping_without_depletion(bookkeeping):
    """rho_HS / s from the saved (Y, T'/T) equals the integral of
    d(rho_HS/s)/d ln x = (1 + delta) (Gamma_E(T) - 3 H P_HS) / (H s)  (a^3 s = const), at every
    saved x from 1e-3 to 1e3, within 1e-3 (BOOKKEEPING_RTOL).

    The a^3 form with P_HS is the exact one. d(a^4 rho_HS)/dt = a^4 [C_rho + H (rho_HS - 3 P_HS)]
    = a^4 [C_rho + H n m K1/K2(m/T')] is driven by C_rho alone only while chi is relativistic
    in the hidden sector; the bath alone would obey d(a^4 rho_bath)/dt = a^4 C_bath, but C_rho
    is not split between bath and chi (they share T')."""
    for x, e_solver, e_ref, *_ in bookkeeping:
        print("energy: max rel. difference %.2e" % np.max(np.abs(e_solver / e_ref - 1.0)))
        assert np.max(e_solver) > 10.0 * e_solver[0]  # production really happened
        np.testing.assert_allclose(e_solver, e_ref, rtol=BOOKKEEPING_RTOL)


def test_number_bookkeeping_without_depletion(bookkeeping):
    """Y(x) = Y0 + Int (1 + dln g_s / 3 dln T) Gamma_n(T) / (H s) d ln x' (cumulative Simpson on
    6001 nodes, and the same integral inside the scipy ODE solve), within 1e-3."""
    for x, _, _, y, y_ref, y_quad in bookkeeping:
        print("number: max rel. difference %.2e (ODE ref vs quadrature %.2e)"
              % (np.max(np.abs(y / y_quad - 1.0)), np.max(np.abs(y_ref / y_quad - 1.0))))
        assert y[-1] > 100.0 * y[0]
        # the two references differ by ~2e-5 (the ODE integrates a cubic spline of ln S_n
        # through the 6001 nodes, Simpson's rule the node values themselves)
        np.testing.assert_allclose(y_ref, y_quad, rtol=1e-4)
        np.testing.assert_allclose(y, y_quad, rtol=BOOKKEEPING_RTOL)
