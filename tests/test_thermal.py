"""Thermal averages against closed forms (Gondolo & Gelmini 1991)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import kve

import qedm_jax  # noqa: F401  (enables float64)
from qedm_jax import solve, thermal
from qedm_jax.models.bc2 import BC2

from .tolerances import (
    NARROW_WIDTH_RTOL,
    SHARED_TABLE_CONVERGENCE_ATOL,
    SHARED_TABLE_VS_PER_T_ATOL,
    TABLE_NODE_RTOL,
    THERMAL_AVERAGE_RTOL,
)


def _dirac(m_chi=1.0):
    return BC2(m_chi=m_chi, m_A=3.0 * m_chi, alpha_D=0.1, epsilon=1e-3, species="majorana")


@pytest.mark.parametrize("x", [0.01, 0.3, 1.0, 3.0, 20.0, 100.0, 3000.0])
def test_constant_sigma_average_closed_form(x):
    """Constant sigma: <sigma v> = 4 sigma K3(2x) / (x K2(x)^2) (derived from GG Eq. 3.8)."""
    model = _dirac()
    temperature = 1.0 / x
    sigma = 1e-8
    j_n, _ = thermal._pair_integrals(model, temperature, lambda s: jnp.full_like(s, sigma))
    sv = thermal._c_pair(model) * thermal._normalisation(model, temperature) * j_n
    exact = 4.0 * sigma / x * kve(3, 2.0 * x) / kve(2, x) ** 2
    np.testing.assert_allclose(float(sv), exact, rtol=THERMAL_AVERAGE_RTOL)


def test_constant_sigma_energy_moment_nonrelativistic():
    """<sigma v E> / <sigma v> -> 2 m + 3T (+O(T^2/m)) for constant sigma v_rel at large x."""
    from qedm_jax.models.reference import ConstantSigmaV

    model = ConstantSigmaV(m_chi=1.0, sigma_v=1e-8)
    x = 1000.0
    ratio = float(thermal.sigma_v_E_eff(model, 1.0 / x) / thermal.sigma_v_eff(model, 1.0 / x))
    # one event removes 2 particles; Gamma_E / Gamma_n = <E_pair> / 2 = m + 3T/2
    np.testing.assert_allclose(ratio, 1.0 + 1.5 / x, rtol=2.0 / x**2)


@pytest.mark.parametrize("width_ratio", [1e-3, 1e-4])
def test_breit_wigner_narrow_width_limit(width_ratio):
    """sigma = C m Gamma / ((s - M^2)^2 + M^2 Gamma^2) -> C pi delta(s - M^2) as Gamma -> 0."""
    model = _dirac()
    m_res, t = 3.0, 0.4
    gamma = width_ratio * m_res
    c_norm = 1e-6

    class Narrow(BC2):
        def resonances(self):
            return jnp.array([m_res]), jnp.array([gamma])

    narrow = Narrow(m_chi=1.0, m_A=m_res, alpha_D=0.1, epsilon=1e-3, species="majorana")
    bw = lambda s: c_norm * m_res * gamma / ((s - m_res**2) ** 2 + m_res**2 * gamma**2)
    j_n, _ = thermal._pair_integrals(narrow, t, bw)
    sv = float(thermal._normalisation(narrow, t) * j_n)
    # n^2 <sigma v> = g^2 T / (32 pi^4) C pi lambda(M^2)/M K1(M/T); n = g m^2 T K2(m/T)/(2 pi^2)
    s0 = m_res**2
    lam = s0 * (s0 - 4.0)
    numerator = t / (32 * math.pi**4) * c_norm * math.pi * lam / m_res * kve(1, m_res / t) * math.exp(-m_res / t)
    n_eq = t * kve(2, 1.0 / t) * math.exp(-1.0 / t) / (2 * math.pi**2)
    np.testing.assert_allclose(sv, numerator / n_eq**2, rtol=NARROW_WIDTH_RTOL)
    del model


def test_equilibrium_density_and_mean_energy_limits():
    """n_eq -> g (m T / 2 pi)^{3/2} e^{-m/T} and B -> m + 3T/2 (non-relativistic);
    n_eq -> g T^3 / pi^2 and B -> 3 T (relativistic)."""
    model = _dirac(1.0)
    t = 1e-3
    nr = math.log(2.0 * (t / (2 * math.pi)) ** 1.5) - 1.0 / t + 15.0 / 8.0 * t  # K2 asymptotic series
    np.testing.assert_allclose(float(thermal.ln_n_eq(model, t)), nr, atol=1e-5)
    np.testing.assert_allclose(float(thermal.mean_energy(model, t)), 1.0 + 1.5 * t, rtol=1e-5)  # + O(T^2/m)
    t = 1e4
    np.testing.assert_allclose(float(thermal.ln_n_eq(model, t)), math.log(2.0 * t**3 / math.pi**2), rtol=1e-6)
    np.testing.assert_allclose(float(thermal.mean_energy(model, t)), 3.0 * t, rtol=1e-6)


def test_rate_table_matches_quadrature_and_compiles_once():
    """The tabulated ln rates interpolate the exact quadrature; one compile for two points."""
    ln_x = thermal.ln_x_grid(0.5, 2e4, 240)
    build = jax.jit(lambda m: thermal.rate_table(m, ln_x))
    model = BC2(m_chi=0.3, m_A=0.9, alpha_D=0.1, epsilon=1e-4, species="dirac")
    table = build(model)
    for x in [1.3, 7.7, 23.0, 210.0]:
        exact = thermal.sigma_v_eff(model, 0.3 / x)
        approx = jnp.exp(thermal.interp_rates(table, math.log(x))[0])
        np.testing.assert_allclose(float(approx), float(exact), rtol=2e-3)
    build(BC2(m_chi=0.5, m_A=1.5, alpha_D=0.2, epsilon=1e-5, species="dirac"))
    assert build._cache_size() == 1


TABLE_MODELS = [  # all four species; pseudo-Dirac (unequal masses); narrow and near-threshold peaks
    BC2(m_chi=0.01, m_A=0.03, alpha_D=0.1, epsilon=1e-4, species="dirac"),
    BC2(m_chi=0.385, m_A=1.155, alpha_D=0.1, epsilon=1e-4, species="dirac"),  # omega just above 2 m
    BC2(m_chi=0.3, m_A=0.606, alpha_D=0.1, epsilon=1e-3, species="scalar"),  # Gamma_A / m_A = 2.3e-5
    BC2(m_chi=1.5, m_A=3.075, alpha_D=1e-3, epsilon=1e-5, species="majorana"),  # Gamma_A / m_A = 1.8e-6
    BC2(m_chi=0.1, m_A=0.3, alpha_D=0.1, epsilon=1e-4, delta=0.1, species="pseudo-dirac"),
    BC2(m_chi=0.45, m_A=1.0, alpha_D=0.05, epsilon=1e-4, delta=0.2, species="pseudo-dirac"),
    # the muon pair threshold 2 m_mu = 0.211 GeV just above 2 m_chi: 1.4e-3 in ln <sigma v> at
    # x ~ 45 while the threshold sat inside a Gauss-Legendre panel (model.thresholds() fixed it)
    BC2(m_chi=0.10363, m_A=0.31089, alpha_D=0.1, epsilon=3.3e-7, species="dirac"),
]


def _table_logs(model, ln_x):
    return np.asarray(jax.jit(lambda m: thermal.rate_table(m, ln_x))(model).logs)[1:-1]


def _finite(logs):
    return logs > np.log(1e-250)  # the table clips at ln 1e-300 (pseudo-Dirac at large x underflows)


@pytest.mark.parametrize("model", TABLE_MODELS, ids=lambda m: f"{m.species}-{float(m.m_chi)}-{float(m.m_A)}")
def test_two_temperature_table_nodes_equal_exact_quadrature(model):
    """Two-temperature range (x_min = 1e-3 < 1/2): every node is the quadrature of
    ``sigma_v_eff`` / ``sigma_v_E_eff`` at the node temperature, to rounding."""
    ln_x = thermal.ln_x_grid(1e-3, 1.5e4, 96)
    nodes = np.array([0, 9, 30, 45, 60, 75, 95])
    temperatures = model.m_chi / jnp.exp(jnp.asarray(ln_x[nodes]))
    exact = jax.jit(jax.vmap(lambda t: jnp.stack([thermal.sigma_v_eff(model, t), thermal.sigma_v_E_eff(model, t)])))
    rates = np.asarray(exact(temperatures))
    finite = rates > 1e-300
    expected = np.log(np.where(finite, rates, 1.0))
    tabulated = _table_logs(model, ln_x)[nodes, :2]
    assert finite.sum() >= 10
    np.testing.assert_allclose(tabulated[finite], expected[finite], rtol=0.0, atol=TABLE_NODE_RTOL)


@pytest.mark.parametrize("model", TABLE_MODELS, ids=lambda m: f"{m.species}-{float(m.m_chi)}-{float(m.m_A)}")
def test_thermalized_table_converged_and_equal_per_temperature_rule(model):
    """Thermalized grid (2 x_min >= 1): the shared-node table (one rule in w for all
    temperatures) against (a) the same rule refined 4x in panels and to 16 Gauss nodes, at every
    node, and (b) the independent per-temperature rule of ``sigma_v_eff`` / ``sigma_v_E_eff`` at
    3 <= x <= 1000 (freeze-out), where that rule is converged too (at x ~ 1 its Breit-Wigner
    tails are not: up to 9e-3 at Gamma/m ~ 1e-6)."""
    ln_x = solve.SolverConfig().table_ln_x()
    table = _table_logs(model, ln_x)
    refined = np.asarray(
        jax.jit(lambda m: thermal._shared_node_logs(m, ln_x, True, panels_per_decade=12, n_gauss=16))(model)
    )
    finite = _finite(refined[:, :2])
    assert finite.sum() >= 100
    np.testing.assert_allclose(table[:, :2][finite], refined[:, :2][finite], rtol=0.0, atol=SHARED_TABLE_CONVERGENCE_ATOL)
    x = np.exp(ln_x)
    freeze_out = np.nonzero((x >= 3.0) & (x <= 1000.0))[0][::4]
    temperatures = model.m_chi / jnp.asarray(x[freeze_out])
    per_t = jax.jit(jax.vmap(lambda t: jnp.stack([thermal.sigma_v_eff(model, t), thermal.sigma_v_E_eff(model, t)])))
    rates = np.asarray(per_t(temperatures))
    finite = rates > 1e-250
    expected = np.log(np.where(finite, rates, 1.0))
    np.testing.assert_allclose(table[freeze_out, :2][finite], expected[finite], rtol=0.0, atol=SHARED_TABLE_VS_PER_T_ATOL)


def test_thermalized_table_constant_sigma_closed_form():
    """Constant sigma, one self-conjugate state: the shared-node table equals
    <sigma v> = 4 sigma K3(2x) / (x K2(x)^2) at every node (as test_constant_sigma_average_closed_form
    does for the per-temperature rule)."""
    sigma = 1e-8

    class Flat(BC2):
        def sigma_sm(self, s):
            return jnp.where(s > 4.0 * self.m_chi**2, sigma, 0.0)

    model = Flat(m_chi=1.0, m_A=3.0, alpha_D=0.1, epsilon=1e-3, species="majorana")
    ln_x = solve.SolverConfig().table_ln_x()
    x = np.exp(ln_x)
    exact = 4.0 * sigma / x * kve(3, 2.0 * x) / kve(2, x) ** 2
    np.testing.assert_allclose(np.exp(_table_logs(model, ln_x)[:, 0]), exact, rtol=1e-7)


def test_mean_energy_slope_closed_form_matches_autodiff_and_limits():
    """dB/dT in closed form (thermal.mean_energy_and_slope) equals the automatic derivative of
    mean_energy for one and two (pseudo-Dirac) mass states, and has the heat-capacity limits
    3/2 (T << m, Maxwell-Juttner series) and 3 (T >> m) per particle."""
    dirac = BC2(m_chi=1.0, epsilon=1e-4, alpha_D=0.5, m_A=3.0, delta=0.0, species="dirac")
    split = BC2(m_chi=1.0, epsilon=1e-4, alpha_D=0.5, m_A=3.0, delta=0.2, species="pseudo-dirac")
    temperatures = jnp.asarray(np.geomspace(1e-3, 1e3, 61))  # z = m/T from 1e-3 to 1e3
    for model in (dirac, split):
        mean, slope = jax.vmap(lambda t: thermal.mean_energy_and_slope(model, t))(temperatures)
        autodiff = jax.vmap(jax.grad(lambda t: thermal.mean_energy(model, t)))(temperatures)
        np.testing.assert_allclose(np.asarray(slope), np.asarray(autodiff), rtol=1e-8)
        np.testing.assert_allclose(np.asarray(mean), np.asarray(jax.vmap(lambda t: thermal.mean_energy(model, t))(temperatures)), rtol=1e-14)
    cold = float(thermal.mean_energy_and_slope(dirac, 1e-6)[1])  # z = 1e6: 3/2 + 15/(4z)
    hot = float(thermal.mean_energy_and_slope(dirac, 1e6)[1])
    np.testing.assert_allclose(cold, 1.5 + 3.75e-6 - 5.625e-12, rtol=1e-13)
    np.testing.assert_allclose(hot, 3.0, rtol=1e-9)
    # the population shift between split states adds heat capacity near T ~ Delta
    assert float(thermal.mean_energy_and_slope(split, 0.1)[1]) > float(thermal.mean_energy_and_slope(dirac, 0.1)[1])


def test_cramer2_solves_two_by_two_systems():
    """The closed-form 2 x 2 solver of the Newton stages agrees with numpy and flags a
    singular matrix instead of returning a silent NaN step."""
    import lineax as lx

    from qedm_jax.linsolve import Cramer2

    matrix = jnp.array([[1e8, -3.0], [2.0, 5e-4]])
    vector = jnp.array([1.0, -2.0])
    operator = lx.MatrixLinearOperator(matrix)
    solution = lx.linear_solve(operator, vector, Cramer2())
    np.testing.assert_allclose(np.asarray(solution.value), np.linalg.solve(np.asarray(matrix), np.asarray(vector)), rtol=1e-12)
    transposed = lx.linear_solve(operator.transpose(), vector, Cramer2())
    np.testing.assert_allclose(np.asarray(transposed.value), np.linalg.solve(np.asarray(matrix).T, np.asarray(vector)), rtol=1e-12)
    singular = lx.linear_solve(lx.MatrixLinearOperator(jnp.array([[1.0, 2.0], [2.0, 4.0]])), vector, Cramer2(), throw=False)
    assert singular.result == lx.RESULTS.singular
