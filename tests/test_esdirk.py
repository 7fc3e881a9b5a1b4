"""Kvaerno5Chord (``qedm_jax.esdirk``): tableau, order, stiff problems against independent paths,
fixed work (no data-dependent loop), and the relic problem in the departure coordinates."""

from __future__ import annotations

import math

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import qedm_jax
from qedm_jax import solve as solve_mod
from qedm_jax import thermal
from qedm_jax.boltzmann import DepartureCoordinates
from qedm_jax.newton import kvaerno5
from qedm_jax.esdirk import KVAERNO5_A, KVAERNO5_B_HAT, KVAERNO5_C, KVAERNO5_GAMMA, Kvaerno5Chord

from .test_rosenbrock import _density, _exact, assert_order_conditions, _manufactured, _robertson, _trees, ROBERTSON_K, ROBERTSON_TS

#: observed order from errors at h = 2/16 .. 2/128 (5 in exact arithmetic)
OBSERVED_ORDER_ATOL = 0.3
#: Robertson at rtol 1e-8 vs Radau at rtol 1e-11 (global error ~ a few x rtol)
STIFF_RTOL, STIFF_ATOL = 1e-6, 1e-12
#: relic: Omega h^2 of the chord integrator vs the default at rtol 1e-9 (bench_esdirk: max 7e-4 on 76
#: points at the production rtol 1e-5, where the default itself is off by up to 1.3e-3)
RELIC_OMEGA_RTOL = 2e-3


def test_tableau_is_diffrax_kvaerno5():
    """The coefficients are those of diffrax's Kvaerno5 (an independent transcription of Kvaernø 2004)."""
    tableau = diffrax.Kvaerno5.tableau
    for i, row in enumerate(tableau.a_lower):
        np.testing.assert_array_equal(KVAERNO5_A[i + 1, :i + 1], row)
    np.testing.assert_array_equal(np.diag(KVAERNO5_A)[1:], tableau.a_diagonal[1:])
    np.testing.assert_array_equal(KVAERNO5_A[-1], tableau.b_sol)
    np.testing.assert_allclose(KVAERNO5_A[-1] - KVAERNO5_B_HAT, tableau.b_error, rtol=0, atol=1e-16)
    np.testing.assert_allclose(KVAERNO5_C[1:], tableau.c, rtol=0, atol=1e-14)
    assert np.all(np.diag(KVAERNO5_A)[1:] == KVAERNO5_GAMMA)


def _stage_weights(tree):
    """B-series coefficients of the stage values of a Runge-Kutta method on tree t, shape (s,)."""
    weights = np.ones(KVAERNO5_A.shape[0])
    for child in tree:
        weights = weights * (KVAERNO5_A @ _stage_weights(child))
    return weights


def test_order_conditions():
    """b: order 5 (17 trees); the embedded b_hat: order 4 and not 5; stiffly accurate (b = last row)."""
    assert_order_conditions(KVAERNO5_A[-1], KVAERNO5_B_HAT, _stage_weights)
    assert max(abs(KVAERNO5_B_HAT @ _stage_weights(t) - 1.0 / _density(t)) for t in _trees(5)) > 1e-4


def _fixed(solver, dt):
    return diffrax.diffeqsolve(diffrax.ODETerm(_manufactured), solver, 0.0, 2.0, dt, _exact(jnp.asarray(0.0)),
                               stepsize_controller=diffrax.ConstantStepSize(), max_steps=256).ys[-1]


def test_convergence_order_and_equal_to_diffrax_kvaerno5():
    """Fixed steps on a nonlinear non-autonomous problem with a known solution: order 5, and with
    enough chord iterations the same numbers as diffrax's Kvaerno5 with an exact-Jacobian Newton
    (``newton.kvaerno5``: diffrax's stage machinery, the same stage equations)."""
    steps = np.array([16, 32, 64, 128])
    chord = Kvaerno5Chord(rtol=1e-10, atol=1e-12, num_iterations=30)
    errors = []
    for n in steps:
        y_chord = np.asarray(jax.jit(_fixed, static_argnums=0)(chord, 2.0 / n))
        errors.append(np.abs(y_chord - np.asarray(_exact(jnp.asarray(2.0)))).max())
        exact_newton = kvaerno5(1e-10, 1e-12, num_iterations=30, kappa=0.05, early_exit=True)
        y_diffrax = np.asarray(_fixed(exact_newton, 2.0 / n))
        np.testing.assert_allclose(y_chord, y_diffrax, rtol=0, atol=1e-9)  # errors are 1e-6..1e-10
    slope = np.polyfit(np.log(2.0 / steps), np.log(errors), 1)[0]
    assert abs(slope - 5.0) < OBSERVED_ORDER_ATOL, errors


def test_robertson_matches_radau():
    """Robertson (stiffness ~1e4..1e8) at rtol 1e-8 against scipy Radau at rtol 1e-11."""
    solver = Kvaerno5Chord(rtol=1e-8, atol=1e-14)
    solution = jax.jit(lambda: diffrax.diffeqsolve(
        diffrax.ODETerm(_robertson), solver, 0.0, 1e5, 1e-6, jnp.array([1.0, 0.0, 0.0]), args=ROBERTSON_K,
        stepsize_controller=diffrax.PIDController(rtol=1e-8, atol=1e-14),
        saveat=diffrax.SaveAt(ts=jnp.asarray(ROBERTSON_TS)), max_steps=8192))()
    k1, k2, k3 = ROBERTSON_K
    reference = solve_ivp(
        lambda t, y: [-k1 * y[0] + k3 * y[1] * y[2], k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2], k2 * y[1] ** 2],
        (0.0, 1e5), [1.0, 0.0, 0.0], method="Radau", rtol=1e-11, atol=1e-16, t_eval=ROBERTSON_TS)
    assert solution.result == diffrax.RESULTS.successful
    np.testing.assert_allclose(np.asarray(solution.ys), reference.y.T, rtol=STIFF_RTOL, atol=STIFF_ATOL)


def test_step_has_no_data_dependent_loop():
    """Fixed work: a step's jaxpr holds no while loop (stages: scan; chord iterations: fixed-length
    loop), so vmapped lanes run in lockstep."""
    def step_jaxpr(solver):
        term = diffrax.ODETerm(_robertson)
        y0 = jnp.array([1.0, 0.0, 0.0])
        state = solver.init(term, 0.0, 1e-3, y0, ROBERTSON_K)
        return str(jax.make_jaxpr(lambda y: solver.step(term, 0.0, 1e-3, y, ROBERTSON_K, state, False)[0])(y0))

    jaxpr = step_jaxpr(Kvaerno5Chord(rtol=1e-6, atol=1e-9))
    assert "while" not in jaxpr and "scan" in jaxpr


def test_failed_stage_rejects_the_step():
    """A stage whose chord iteration has not converged gives an infinite error estimate and a
    nonlinear-divergence result (the controller rejects the step), never a silent number, and
    returns y1 = y0 (an infinite y1 made the PID controller's next step size NaN)."""
    solver = Kvaerno5Chord(rtol=1e-12, atol=1e-14, num_iterations=1)
    term = diffrax.ODETerm(_robertson)
    y1, y_error, _, _, result = solver.step(term, 0.0, 10.0, jnp.array([1.0, 0.0, 0.0]), ROBERTSON_K, None, False)
    assert result == diffrax.RESULTS.nonlinear_divergence
    assert np.all(np.isinf(np.asarray(y_error)))
    np.testing.assert_array_equal(np.asarray(y1), [1.0, 0.0, 0.0])  # y0: a finite scale for the controller


@pytest.mark.parametrize("kwargs", [dict(num_iterations=0), dict(kappa=0.0)])
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError):
        Kvaerno5Chord(rtol=1e-6, atol=1e-9, **kwargs)


def test_integrator_setting_is_checked():
    with pytest.raises(ValueError, match="integrator"):
        solve_mod.two_temperature_config(integrator="rk4")
    with pytest.raises(ValueError, match="two-temperature"):
        solve_mod.SolverConfig(integrator="kvaerno5_chord")


SECLUDED = qedm_jax.make_family("secluded", ratio=10.0)
#: (alpha_D, epsilon) at m_chi = 10 GeV: freeze-in, the stiff block (chi tightly coupled to the
#: hidden sector, where the chord needs the departure coordinates), hidden-sector freeze-out
RELIC_POINTS = [(1e-5, 1e-9), (2e-4, 5e-7), (1e-2, 1e-4)]


def test_departure_coordinates_round_trip():
    model = SECLUDED.point(10.0, 2e-4, 5e-7)
    config = solve_mod.two_temperature_config()
    args = (model, thermal.rate_table(model, config.table_ln_x(), with_hs=True), solve_mod.system_options(config))
    coords = DepartureCoordinates()
    y = jnp.array([-0.4, -8.3])
    for p in (0.0, 1.0):
        u = coords.to_newton(1.2, y, args, p)
        np.testing.assert_allclose(np.asarray(coords.from_newton(1.2, u, args, p)), np.asarray(y), rtol=1e-14)
    assert float(coords.parameter(1.2, y, args)) in (0.0, 1.0)


def test_relic_matches_tight_reference():
    """Omega h^2 of three secluded points (every regime) with the chord integrator at production
    tolerances against the default integrator at rtol 1e-9; all converge."""
    config = solve_mod.two_temperature_config(integrator="kvaerno5_chord")
    reference = solve_mod.two_temperature_config(rtol=1e-9, atol=1e-11, max_steps=200_000)
    alpha, eps = (jnp.asarray(v) for v in zip(*RELIC_POINTS))

    def run(cfg):
        solve = jax.vmap(lambda a, e: solve_mod.solve_unchecked(SECLUDED.point(10.0, a, e), cfg))
        solution = jax.jit(solve)(alpha, eps)
        return np.asarray(solution.omega_h2), np.asarray(solution.status)

    omega, status = run(config)
    omega_ref, status_ref = run(reference)
    assert np.all(status == 0) and np.all(status_ref == 0)
    np.testing.assert_allclose(omega, omega_ref, rtol=RELIC_OMEGA_RTOL)
    assert math.isfinite(float(omega.sum()))
