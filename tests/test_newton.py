"""FixedNewton (``qedm_jax.newton``): a fixed iteration count under vmap, lanes equal to the same
problem alone, failed stages rejected by the step controller, a stiff problem against scipy Radau,
and one relic point against the current solver (Kvaerno5 + optimistix.Newton)."""

import math

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import pytest
from scipy.integrate import solve_ivp

import qedm_jax
from qedm_jax import solve as solve_mod
from qedm_jax import thermal
from qedm_jax.newton import FixedNewton, kvaerno5_fixed_newton

# Named tolerances (a budget is a contract, not a prediction).
#: vmap lane vs the same problem alone: the same arithmetic, compiled batched or not
VMAP_RTOL = 1e-13
#: Van der Pol mu = 1e3, t <= 1000, PID rtol 1e-8 vs Radau rtol 1e-11: absolute, |y1| <= 2. Measured
#: 2.0e-6: Kvaerno5's global error over ~600 steps (Kvaerno5 + optimistix.Newton: 1.5e-6; k = 3 and 4
#: give identical ys, so the Newton iteration has converged; Rodas5P: 3e-9, tests/test_rosenbrock.py)
VDP_ATOL = 1e-5
#: thermalized Omega h^2 vs the current solver at the production PID (rtol 1e-6 on ln Y ~ -20:
#: ~2e-5 per step; benchmarks/bench_fixed_newton.py measured <= 3e-5 against rtol 1e-9)
THERMALIZED_OMEGA_RTOL = 1e-4


def _vdp(t, y, mu):
    return jnp.stack([y[1], mu * (1.0 - y[0] ** 2) * y[1] - y[0]])


def _solve_vdp(mu, k=3, t1=1000.0, rtol=1e-8, atol=1e-10, dt0=1e-6):
    solver = diffrax.Kvaerno5(root_finder=FixedNewton(rtol=rtol, atol=atol, num_iterations=k), root_find_max_steps=k)
    return diffrax.diffeqsolve(
        diffrax.ODETerm(_vdp), solver, 0.0, t1, dt0, jnp.array([2.0, 0.0]), args=mu,
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
        saveat=diffrax.SaveAt(ts=jnp.linspace(t1 / 8, t1, 8)), max_steps=8192, throw=False)


def test_fixed_iteration_count_under_vmap():
    """A plain root find, vmapped over lanes that converge after 1 (linear), 2 (triangular) and never (no root
    Newton iterations): every lane reports exactly k iterations (a data-dependent loop would stop
    the linear lane after 1-2 and run the failing lane to max_steps = 50)."""

    def fn(z, c):
        return jnp.stack([z[0] - c * z[1] ** 2 - 1.0, z[1] - 2.0 + c * 0.0]) + jnp.where(c > 5.0, z[0] ** 2 + 1.0, 0.0)

    for k in (2, 3, 4):
        solver = FixedNewton(rtol=1e-10, atol=1e-12, num_iterations=k, increment_space="root")

        def root(c, solver=solver):
            sol = optx.root_find(fn, solver, jnp.array([10.0, 10.0]), c, max_steps=50, throw=False)
            return sol.value, sol.stats["num_steps"], sol.result

        values, num_steps, results = jax.jit(jax.vmap(root))(jnp.array([0.0, 1.0, 10.0]))
        assert np.asarray(num_steps).tolist() == [k, k, k]
        ok = np.asarray(results == optx.RESULTS.successful)
        assert ok[0] and not ok[2]  # linear: the 2nd increment is zero; no root: fails after k iterations
        assert np.asarray(results == optx.RESULTS.nonlinear_divergence)[2]
        assert ok[1] == (k >= 3)  # triangular: iteration 1 solves z1, 2 solves z0, the 3rd increment is 0


def test_vmap_lane_equals_alone():
    """Van der Pol at mu = 1, 30, 1e3 in one batch: each lane's result, accepted and rejected
    steps equal those of the problem solved alone (to 1e-13)."""
    def summary(mu):
        sol = _solve_vdp(mu, t1=30.0)
        return sol.ys, sol.stats["num_accepted_steps"], sol.stats["num_rejected_steps"]

    mus = jnp.array([1.0, 30.0, 1e3])
    ys, accepted, rejected = jax.jit(jax.vmap(summary))(mus)
    alone = jax.jit(summary)
    for i, mu in enumerate(mus):
        ys_i, accepted_i, rejected_i = alone(mu)
        assert int(accepted[i]) == int(accepted_i) and int(rejected[i]) == int(rejected_i)
        np.testing.assert_allclose(np.asarray(ys[i]), np.asarray(ys_i), rtol=VMAP_RTOL, atol=VMAP_RTOL)
    assert len(set(np.asarray(accepted).tolist())) == 3  # the lanes did different amounts of work


def test_failed_stage_rejects_the_step():
    """k = 1 on Van der Pol mu = 1e3 from a large first step (dt0 = 10): a single Newton increment
    is never below kappa x scale on the nonlinear stiff stages, so those steps are rejected and
    shrunk, and the solve still succeeds with smaller steps; a linear problem converges in one
    iteration at any step (no rejection caused by the root finder)."""
    sol = _solve_vdp(1e3, k=1, t1=30.0, rtol=1e-6, atol=1e-8, dt0=10.0)
    assert sol.result == diffrax.RESULTS.successful
    assert int(sol.stats["num_rejected_steps"]) > 0
    reference = _solve_vdp(1e3, k=3, t1=30.0, rtol=1e-6, atol=1e-8, dt0=10.0)
    np.testing.assert_allclose(np.asarray(sol.ys), np.asarray(reference.ys), atol=1e-4)

    # the stage failure itself: at dt = 10 a 1-iteration stage on the nonlinear problem reports failure
    solver = diffrax.Kvaerno5(root_finder=FixedNewton(rtol=1e-6, atol=1e-8, num_iterations=1), root_find_max_steps=1)
    term = diffrax.ODETerm(_vdp)
    y0 = jnp.array([2.0, 0.0])
    t0, t1, mu = jnp.asarray(0.0), jnp.asarray(10.0), jnp.asarray(1e3)
    state = solver.init(term, t0, t1, y0, mu)
    _, y_error, _, _, result = solver.step(term, t0, t1, y0, mu, state, False)
    assert result != diffrax.RESULTS.successful and not np.all(np.isfinite(np.asarray(y_error)))


def test_van_der_pol_matches_radau():
    """Van der Pol, mu = 1e3 (stiff slow branch, then the first jump) at rtol 1e-8 with k = 3 vs
    scipy Radau at rtol 1e-11, at 8 times."""
    sol = jax.jit(_solve_vdp)(1e3)
    ts = np.linspace(1000.0 / 8, 1000.0, 8)
    reference = solve_ivp(lambda t, y: [y[1], 1e3 * (1 - y[0] ** 2) * y[1] - y[0]], (0.0, 1000.0), [2.0, 0.0],
                          method="Radau", rtol=1e-11, atol=1e-13, t_eval=ts,
                          jac=lambda t, y: [[0.0, 1.0], [-2e3 * y[0] * y[1] - 1.0, 1e3 * (1 - y[0] ** 2)]])
    assert sol.result == diffrax.RESULTS.successful
    np.testing.assert_allclose(np.asarray(sol.ys)[:, 0], reference.y[0], atol=VDP_ATOL)


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="num_iterations"):
        FixedNewton(rtol=1e-6, atol=1e-8, num_iterations=0)
    with pytest.raises(ValueError, match="increment_space"):
        FixedNewton(rtol=1e-6, atol=1e-8, increment_space="f")
    with pytest.raises(ValueError, match="diffrax's implicit-stage args"):
        optx.root_find(lambda z, a: z - 1.0, FixedNewton(rtol=1e-6, atol=1e-8), jnp.zeros(2), None, throw=False)


@eqx.filter_jit
def _both_solvers(model, config):
    """(Omega h^2, status) of the current solver and (Omega h^2, result) of Kvaerno5 + FixedNewton(k=3)."""
    current = solve_mod.solve_unchecked(model, config)
    table = thermal.rate_table(model, config.table_ln_x(), with_hs=True)
    solver, controller = kvaerno5_fixed_newton(config, 3)
    solution = diffrax.diffeqsolve(
        diffrax.ODETerm(solve_mod.vector_field), solver, t0=math.log(config.x0), t1=math.log(config.x_end),
        dt0=solve_mod.DT0, y0=solve_mod.initial_state(model, config),
        args=(model, table, solve_mod.system_options(config)), saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=controller, max_steps=config.max_steps, throw=False)
    omega = solve_mod.omega_h2_of(model.m_chi, jnp.exp(solution.ys[-1, 1]))
    return (current.omega_h2, current.status), (omega, solution.result)


def test_thermalized_bc2_omega_matches_current_solver():
    """BC2 Dirac (m_A = 3 m_chi), m_chi = 0.1 GeV, alpha_D = 0.5, epsilon = 1e-4, default config."""
    model = qedm_jax.make_family("bc2", species="dirac").point(0.1, 0.5, 1e-4)
    (omega_current, status), (omega, result) = _both_solvers(model, solve_mod.SolverConfig())
    assert int(status) == 0 and result == diffrax.RESULTS.successful
    np.testing.assert_allclose(float(omega), float(omega_current), rtol=THERMALIZED_OMEGA_RTOL)
