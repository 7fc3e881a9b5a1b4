"""Rodas5P (``qedm_jax.rosenbrock``): order conditions of the coefficients, observed convergence
order, stiff problems against scipy Radau, dense output, lockstep vmap, and the relic problem
against the current solver (Kvaerno5)."""

import math

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import qedm_jax
from qedm_jax import solve as solve_mod
from qedm_jax import thermal
from qedm_jax.rosenbrock import RODAS5P_ALPHA, RODAS5P_BETA, RODAS5P_DENSE, Rodas5P, lu_factor, lu_solve

# Named tolerances (a budget is a contract, not a prediction).
#: B-series weights vs 1/gamma(t): the coefficients are given to 16 digits, sums of ~10 terms of size <= 15
ORDER_CONDITION_ATOL = 1e-13
#: observed order of the global error at t = 2 with fixed steps h = 2/16 .. 2/128 (least squares in log h)
OBSERVED_ORDER_ATOL = 0.3
#: small dense LU vs numpy.linalg.solve: condition numbers <~ 1e3, rounding only
LU_RTOL = 1e-12
#: PID at rtol 1e-8 vs Radau at rtol 1e-11: a global error of 10-100 local tolerances
#: (Robertson measured <= 2e-8 in y1, y2 and <= 7e-7 in y3 where y3 < 1e-7, t = 1e-4)
STIFF_RTOL, STIFF_ATOL = 1e-6, 1e-12
#: Van der Pol mu = 1e3, t <= 1000 (slow branch and the first jump): absolute, |y1| <= 2 (measured 3e-9)
VDP_ATOL = 1e-7
#: vmap lane vs the same problem alone: the same arithmetic, compiled batched or not
VMAP_RTOL = 1e-12
#: scan over stages vs unrolled stages: the same arithmetic in another order
SCAN_RTOL = 1e-12
#: thermalized Omega h^2, Rodas5P vs Kvaerno5 at the production PID (rtol 1e-6 on ln Y ~ -20: the
#: controller allows ~2e-5 per step in ln Y); measured 5e-7 .. 5e-5 on six BC2 points
THERMALIZED_OMEGA_RTOL = 1e-4
#: two-temperature Omega h^2, Rodas5P vs Kvaerno5 at the production PID (rtol 1e-5 on ln Y ~ -30..-40:
#: up to ~4e-4 per step in ln Y). At this point Rodas5P is -1.1e-3 and Kvaerno5 +1.4e-4 from scipy
#: Radau at rtol 1e-10 (Omega = 0.976739): Rodas5P loses order where the stiff rate changes by
#: ~e^(-x h) within a step (``qedm_jax.rosenbrock`` module docstring)
TWO_TEMPERATURE_OMEGA_RTOL = 3e-3


# --- the coefficients ---------------------------------------------------------------------------


def _trees(order):
    """Rooted trees with ``order`` nodes, each a sorted tuple of child trees (() is a leaf)."""
    if order == 1:
        return [()]
    out = set()

    def forests(nodes, largest):  # multisets of trees with ``nodes`` nodes, ordered to avoid repeats
        if nodes == 0:
            yield ()
            return
        for k in range(1, nodes + 1):
            for tree in _trees(k):
                if (k, tree) <= largest:
                    for rest in forests(nodes - k, (k, tree)):
                        yield ((k, tree),) + rest

    for forest in forests(order - 1, (order, (math.inf,))):
        out.add(tuple(sorted(tree for _, tree in forest)))
    return sorted(out)


def _density(tree):
    """gamma(t) = |t| prod gamma(children): the exact weight of a tree is 1 / gamma(t)."""
    size = lambda t: 1 + sum(size(c) for c in t)  # noqa: E731
    return size(tree) * math.prod(_density(c) for c in tree)


def assert_order_conditions(b, b_hat, stage_weights):
    """The weights b satisfy the order conditions of order 5 (all 17 trees), the embedded b_hat
    those of order 4, each to ORDER_CONDITION_ATOL; ``stage_weights(tree)`` is the method's
    elementary-weight vector (shared by the Rodas5P and Kvaerno5 tests)."""
    for order in range(1, 6):
        for tree in _trees(order):
            exact = 1.0 / _density(tree)
            assert abs(b @ stage_weights(tree) - exact) < ORDER_CONDITION_ATOL, (order, tree)
            if order <= 4:
                assert abs(b_hat @ stage_weights(tree) - exact) < ORDER_CONDITION_ATOL, (order, tree)


def _stage_weights(tree):
    """B-series coefficients of the stage increments k_i of a Rosenbrock method on tree t, shape (s,).

    k_i = h f(y0 + sum_j alpha_ij k_j) + h J sum_{j<=i} gamma_ij k_j (gamma_ii = gamma): the
    f-term gives prod over the children of (alpha kappa(child)); the J-term adds
    (Gamma kappa(child)) for trees with one child (Hairer & Wanner II, Sec. IV.7).
    """
    gamma_full = RODAS5P_BETA - RODAS5P_ALPHA
    weights = np.ones(RODAS5P_ALPHA.shape[0])
    for child in tree:
        weights = weights * (RODAS5P_ALPHA @ _stage_weights(child))
    if len(tree) == 1:
        weights = weights + gamma_full @ _stage_weights(tree[0])
    return weights


def test_rodas5p_order_conditions():
    """b: order 5 (17 trees); embedded b-hat: order 4 and not 5; dense output: order 4 at any theta."""
    b = RODAS5P_BETA[-1]
    b_hat = np.append(RODAS5P_BETA[-2, :-1], 0.0)
    counts = [len(_trees(order)) for order in range(1, 6)]
    assert counts == [1, 1, 2, 4, 9]
    assert_order_conditions(b, b_hat, _stage_weights)
    for order in range(1, 6):
        for tree in _trees(order):
            exact = 1.0 / _density(tree)
            for theta in (0.25, 0.5, 0.8):
                c, d, e = RODAS5P_DENSE
                b_theta = theta * (b + (theta - 1.0) * (c + theta * (d + theta * e)))
                if order <= 4:
                    assert abs(b_theta @ _stage_weights(tree) - theta**order * exact) < ORDER_CONDITION_ATOL
    residual_5 = max(abs(b_hat @ _stage_weights(t) - 1.0 / _density(t)) for t in _trees(5))
    assert residual_5 > 1e-3  # a genuine order-4 estimate


def test_rodas5p_stability():
    """L-stable: R(z) = 1 + z b^T (I - z B)^-1 1 has |R(iy)| <= 1 and R(-inf) = 0 (also the embedded
    method); both are stiffly accurate (b = last row of B)."""
    s = RODAS5P_BETA.shape[0]
    b = RODAS5P_BETA[-1]
    b_hat = np.append(RODAS5P_BETA[-2, :-1], 0.0)
    for weights in (b, b_hat):
        def stability(z, weights=weights):
            return 1.0 + z * weights @ np.linalg.solve(np.eye(s) - z * RODAS5P_BETA, np.ones(s))

        assert all(abs(stability(1j * y)) <= 1.0 + 1e-14 for y in np.geomspace(1e-3, 1e6, 200))
        assert abs(stability(-1e14)) < 1e-12
    np.testing.assert_allclose(RODAS5P_ALPHA[-1] + (RODAS5P_BETA - RODAS5P_ALPHA)[-1], b)  # stiffly accurate


@pytest.mark.parametrize("n", [1, 2, 5])
def test_lu_matches_numpy(n):
    """Partial pivoting (a zero leading entry), under vmap too; a singular matrix gives non-finite x."""
    rng = np.random.default_rng(n)
    matrices = rng.normal(size=(4, n, n)) + 3.0 * np.eye(n)
    if n > 1:
        matrices[:, 0, 0] = 0.0
    rhs = rng.normal(size=(4, n))
    solved = jax.vmap(lambda a, b: lu_solve(lu_factor(a), b))(jnp.asarray(matrices), jnp.asarray(rhs))
    np.testing.assert_allclose(np.asarray(solved), np.linalg.solve(matrices, rhs[..., None])[..., 0], rtol=LU_RTOL,
                               atol=LU_RTOL)
    if n > 1:
        singular = np.ones((n, n))
        solve = jax.jit(lambda a, b: lu_solve(lu_factor(a), b))
        assert not np.all(np.isfinite(np.asarray(solve(jnp.asarray(singular), jnp.ones(n)))))
    with pytest.raises(ValueError, match="square"):
        lu_factor(jnp.ones((n, n + 1)))


# --- convergence order and dense output (smooth, non-autonomous, nonlinear, known solution) -----


def _exact(t):
    return jnp.stack([2.0 + jnp.sin(t), jnp.cos(t) * jnp.exp(-0.5 * t)])


def _nonlinear(y):
    return jnp.stack([-y[0] ** 2 + y[1], -y[0] * y[1] - y[1] ** 3])


def _manufactured(t, y, args):
    """y' = N(y) - N(u(t)) + u'(t): exact solution u(t) = _exact(t), depends on t explicitly."""
    del args
    u, du = jax.jvp(_exact, (t,), (jnp.ones_like(t),))
    return _nonlinear(y) - _nonlinear(u) + du


#: saved times: every 0.05 (inside the steps of h = 2/16 .. 2/128 at many positions theta); t = 1 and
#: t = 2 are step ends for every h
SAVE_TS = jnp.linspace(0.05, 2.0, 40)
GRID_INDEX = np.array([19, 39])  # t = 1, 2


@jax.jit
def _fixed_steps(dt):
    solution = diffrax.diffeqsolve(diffrax.ODETerm(_manufactured), Rodas5P(), 0.0, 2.0, dt, _exact(jnp.asarray(0.0)),
                                   stepsize_controller=diffrax.ConstantStepSize(), max_steps=256,
                                   saveat=diffrax.SaveAt(ts=SAVE_TS))
    return solution.ys


def test_convergence_order_fixed_steps():
    """Order 5 at the step ends t = 1, 2; the dense output (order 4, local error O(h^5)) at 40 times
    every 0.05 converges with order >= 4."""
    steps = np.array([16, 32, 64, 128])
    errors_grid, errors_dense = [], []
    exact = np.asarray(jax.vmap(_exact)(SAVE_TS))
    for n in steps:
        error = np.abs(np.asarray(_fixed_steps(jnp.asarray(2.0 / n))) - exact)
        errors_grid.append(error[GRID_INDEX].max())
        errors_dense.append(error.max())
    slope = lambda e: np.polyfit(np.log(2.0 / steps), np.log(e), 1)[0]  # noqa: E731  (error ~ h^slope)
    assert abs(slope(np.array(errors_grid)) - 5.0) < OBSERVED_ORDER_ATOL, errors_grid
    assert slope(np.array(errors_dense)) > 4.0, errors_dense
    assert errors_dense[-1] < 1e-9


# --- stiff problems vs scipy Radau ---------------------------------------------------------------

ROBERTSON_K = (0.04, 3.0e7, 1.0e4)
ROBERTSON_TS = np.geomspace(1e-4, 1e5, 10)


def _robertson(t, y, k):
    k1, k2, k3 = k
    return jnp.stack([-k1 * y[0] + k3 * y[1] * y[2], k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2], k2 * y[1] ** 2])


def test_robertson_matches_radau():
    """Robertson (3 states, stiffness ~1e4..1e8) at rtol 1e-8 vs Radau at rtol 1e-11; SaveAt(ts) at
    ten log-spaced interior times is the dense output."""
    solution = jax.jit(lambda: diffrax.diffeqsolve(
        diffrax.ODETerm(_robertson), Rodas5P(), 0.0, 1e5, 1e-6, jnp.array([1.0, 0.0, 0.0]), args=ROBERTSON_K,
        stepsize_controller=diffrax.PIDController(rtol=1e-8, atol=1e-14),
        saveat=diffrax.SaveAt(ts=jnp.asarray(ROBERTSON_TS)), max_steps=4096))()
    k1, k2, k3 = ROBERTSON_K
    reference = solve_ivp(
        lambda t, y: [-k1 * y[0] + k3 * y[1] * y[2], k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2], k2 * y[1] ** 2],
        (0.0, 1e5), [1.0, 0.0, 0.0], method="Radau", rtol=1e-11, atol=1e-16, t_eval=ROBERTSON_TS,
        jac=lambda t, y: [[-k1, k3 * y[2], k3 * y[1]], [k1, -2 * k2 * y[1] - k3 * y[2], -k3 * y[1]],
                          [0.0, 2 * k2 * y[1], 0.0]])
    assert solution.result == diffrax.RESULTS.successful
    np.testing.assert_allclose(np.asarray(solution.ys), reference.y.T, rtol=STIFF_RTOL, atol=STIFF_ATOL)
    assert int(solution.stats["num_steps"]) < 1000


def _van_der_pol(t, y, mu):
    return jnp.stack([y[1], mu * (1.0 - y[0] ** 2) * y[1] - y[0]])


def _solve_vdp(mu, t1=1000.0, scan_stages=False):
    return diffrax.diffeqsolve(
        diffrax.ODETerm(_van_der_pol), Rodas5P(scan_stages=scan_stages), 0.0, t1, 1e-6, jnp.array([2.0, 0.0]),
        args=mu, stepsize_controller=diffrax.PIDController(rtol=1e-8, atol=1e-10),
        saveat=diffrax.SaveAt(ts=jnp.linspace(t1 / 8, t1, 8)), max_steps=8192)


def test_van_der_pol_matches_radau():
    """Van der Pol, mu = 1e3 (a stiff slow branch, then the first jump; ~900 steps) at rtol 1e-8 vs
    Radau at rtol 1e-11, at 8 times."""
    solution = jax.jit(_solve_vdp)(1e3)
    ts = np.linspace(1000.0 / 8, 1000.0, 8)
    reference = solve_ivp(lambda t, y: [y[1], 1e3 * (1 - y[0] ** 2) * y[1] - y[0]], (0.0, 1000.0), [2.0, 0.0],
                          method="Radau", rtol=1e-11, atol=1e-13, t_eval=ts,
                          jac=lambda t, y: [[0.0, 1.0], [-2e3 * y[0] * y[1] - 1.0, 1e3 * (1 - y[0] ** 2)]])
    assert solution.result == diffrax.RESULTS.successful
    np.testing.assert_allclose(np.asarray(solution.ys)[:, 0], reference.y[0], atol=VDP_ATOL)


# --- vmap: lanes in lockstep ---------------------------------------------------------------------

VDP_MU = jnp.array([1.0, 30.0, 1e3])


def _vdp_summary(mu):
    solution = _solve_vdp(mu, t1=30.0)
    return solution.ys, solution.stats["num_steps"], solution.stats["num_accepted_steps"]


def test_vmap_lane_equals_alone():
    """A batch of Van der Pol problems (mu = 1, 30, 1e3: non-stiff to stiff, ~1200, 650 and 30 steps):
    every lane gives the result and the step counts of the same problem solved alone."""
    ys, steps, accepted = jax.jit(jax.vmap(_vdp_summary))(VDP_MU)
    alone = jax.jit(_vdp_summary)
    for i, mu in enumerate(VDP_MU):
        ys_i, steps_i, accepted_i = alone(mu)
        assert int(steps[i]) == int(steps_i) and int(accepted[i]) == int(accepted_i)
        np.testing.assert_allclose(np.asarray(ys[i]), np.asarray(ys_i), rtol=VMAP_RTOL, atol=VMAP_RTOL)
    assert len(set(np.asarray(steps).tolist())) == 3  # the lanes did different amounts of work


def test_scan_stages_equals_unrolled():
    """``Rodas5P(scan_stages=True)`` (stages 2..8 as a lax.scan) computes the unrolled step."""
    unrolled = jax.jit(lambda mu: _solve_vdp(mu, t1=300.0).ys)(1e3)
    scanned = jax.jit(lambda mu: _solve_vdp(mu, t1=300.0, scan_stages=True).ys)(1e3)
    np.testing.assert_allclose(np.asarray(scanned), np.asarray(unrolled), rtol=SCAN_RTOL, atol=SCAN_RTOL)


def test_state_must_be_a_vector():
    with pytest.raises(ValueError, match="1-d float array"):
        diffrax.diffeqsolve(diffrax.ODETerm(lambda t, y, a: -y), Rodas5P(), 0.0, 1.0, 0.1, jnp.ones((2, 2)))


# --- the relic problem: Rodas5P vs the current solver (Kvaerno5) ----------------------------------


def _omega_rodas(model, config, scan_stages=False):
    """``solve.solve_unchecked`` with Rodas5P in place of Kvaerno5: same vector field, initial
    state, rate table, PID controller, dt0 and max_steps."""
    table = thermal.rate_table(model, config.table_ln_x(), with_hs=True)
    _, controller = solve_mod.ode_solver(config)
    solution = diffrax.diffeqsolve(
        diffrax.ODETerm(solve_mod.vector_field), Rodas5P(scan_stages=scan_stages), t0=math.log(config.x0),
        t1=math.log(config.x_end), dt0=solve_mod.DT0, y0=solve_mod.initial_state(model, config),
        args=(model, table, solve_mod.system_options(config)), saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=controller, max_steps=config.max_steps, throw=False)
    return solve_mod.omega_h2_of(model.m_chi, jnp.exp(solution.ys[-1, 1])), solution.result


@eqx.filter_jit
def _both_solvers(model, config, scan_stages):
    """(Omega h^2, status) of Kvaerno5 (``solve.solve_unchecked``) and (Omega h^2, result) of Rodas5P,
    in one compilation (the rate table and the initial state are shared)."""
    kvaerno = solve_mod.solve_unchecked(model, config)
    return (kvaerno.omega_h2, kvaerno.status), _omega_rodas(model, config, scan_stages)


def test_thermalized_bc2_omega_matches_kvaerno():
    """BC2 Dirac (m_A = 3 m_chi), m_chi = 0.1 GeV, alpha_D = 0.5, epsilon = 1e-4, default config.
    Rodas5P with ``scan_stages=True`` in both relic tests: the same arithmetic as the unrolled
    stages (``test_scan_stages_equals_unrolled``) at about half the compile time."""
    model = qedm_jax.make_family("bc2", species="dirac").point(0.1, 0.5, 1e-4)
    (omega_kvaerno, status), (omega, result) = _both_solvers(model, solve_mod.SolverConfig(), True)
    assert int(status) == 0 and result == diffrax.RESULTS.successful
    np.testing.assert_allclose(float(omega), float(omega_kvaerno), rtol=THERMALIZED_OMEGA_RTOL)


@pytest.mark.slow
def test_two_temperature_secluded_omega_matches_kvaerno():
    """Secluded Dirac, m_chi = 10 GeV, m_ZD = 1 GeV, alpha_D = 1e-4, epsilon = 1e-6 (a stiff
    leak-in point), ``solve.two_temperature_config()``."""
    model = qedm_jax.make_family("secluded").point(10.0, 1e-4, 1e-6)
    (omega_kvaerno, status), (omega, result) = _both_solvers(model, solve_mod.two_temperature_config(), True)
    assert int(status) == 0 and result == diffrax.RESULTS.successful
    np.testing.assert_allclose(float(omega), float(omega_kvaerno), rtol=TWO_TEMPERATURE_OMEGA_RTOL)
