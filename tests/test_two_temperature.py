"""Two-temperature hidden sector (seed 003): freeze-in scaling, production integral,
thermalized limit, and the plateau of secluded freeze-out."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax  # noqa: F401
from qedm_jax import constants as c
from qedm_jax import sm, thermal
from qedm_jax import solve as solve_mod
from qedm_jax.models.reference import ConstantSigmaV
from qedm_jax.models.secluded import SecludedDirac

from .tolerances import (
    FREEZE_IN_SCALING_RTOL,
    PLATEAU_VS_ONE_TEMPERATURE_RTOL,
    PRODUCTION_INTEGRAL_RTOL,
    THERMALIZED_LIMIT_RTOL,
)

M_CHI = 10.0  # GeV; m_ZD = m_chi / 10 (seed 003 Fig. 2)
CONFIG = solve_mod.two_temperature_config(x_end=1.0e3)


def _point(alpha_d, epsilon):
    return SecludedDirac(m_chi=M_CHI, m_ZD=M_CHI / 10.0, alpha_D=alpha_d, epsilon=epsilon)


@pytest.fixture(scope="module")
def batch_solve():
    """One compiled, vmapped two-temperature solve over 4 (alpha_D, epsilon) points."""
    fn = jax.jit(jax.vmap(lambda a, e: solve_mod.solve_unchecked(_point(a, e), CONFIG)))
    return lambda a, e: fn(jnp.asarray(a, dtype=float), jnp.asarray(e, dtype=float))


@pytest.fixture(scope="module")
def freeze_in_points(batch_solve):
    alpha_d = [1e-8, 1e-8, 1e-6, 1e-6]
    epsilon = [1e-13, 1e-11, 1e-13, 1e-11]
    return alpha_d, epsilon, batch_solve(alpha_d, epsilon)


def test_freeze_in_scales_as_epsilon_squared_alpha_d(freeze_in_points):
    """Freeze-in branch: Omega h^2 / (eps^2 alpha_D) constant over four decades (seed 003 Sec. 2.3)."""
    alpha_d, epsilon, solution = freeze_in_points
    assert np.all(np.asarray(solution.status) == 0)
    normalised = np.asarray(solution.omega_h2) / (np.asarray(epsilon) ** 2 * np.asarray(alpha_d))
    np.testing.assert_allclose(normalised, normalised[0], rtol=FREEZE_IN_SCALING_RTOL)


def test_freeze_in_equals_direct_production_integral(freeze_in_points):
    """Y_inf = Int dln x (1 + delta) Gamma_n(T) / (H s): the production term alone."""
    alpha_d, epsilon, solution = freeze_in_points
    model = _point(alpha_d[0], epsilon[0])
    ln_x = np.linspace(math.log(CONFIG.x0), math.log(CONFIG.x_end), 1200)

    @jax.jit
    def integrand(lnx):
        t = M_CHI * jnp.exp(-lnx)
        rate = jnp.exp(jnp.log(thermal.sigma_v_eff(model, t)) + 2.0 * thermal.ln_n_eq(model, t))
        factor = (1.0 + sm.dln_g_star_s_dln_T(t) / 3.0) / (sm.hubble(t) * sm.entropy_density(t))
        return rate * factor

    values = np.asarray(jax.vmap(integrand)(jnp.asarray(ln_x)))
    y_direct = np.trapezoid(values, ln_x)
    omega_direct = c.OMEGA_H2_PER_GEV_Y * M_CHI * y_direct
    np.testing.assert_allclose(float(solution.omega_h2[0]), omega_direct, rtol=PRODUCTION_INTEGRAL_RTOL)


def _alpha_d_one_temperature():
    """alpha_D with Omega h^2 = 0.12 for sigma v = pi alpha_D^2 / m_chi^2 (Dirac, T_hs = T)."""
    config = solve_mod.SolverConfig()
    alpha_ref = 3e-4
    sv = math.pi * alpha_ref**2 / M_CHI**2
    omega = float(solve_mod.solve(ConstantSigmaV(m_chi=M_CHI, sigma_v=sv, self_conjugate=False,
                                                 into_hidden_sector=True), config).omega_h2)
    return alpha_ref, omega


def test_forced_thermalized_secluded_equals_standard_freeze_out():
    """With T_hs = T the system is the standard one-temperature freeze-out
    dY/dx = -(1 + delta) s <sigma v> (Y^2 - Y_eq^2) / (H x), here solved independently with
    scipy's Radau on the same <sigma v>(T) = sigma_v_hs_eff + sigma_v_eff (DESIGN.md)."""
    from scipy.integrate import solve_ivp

    alpha_ref = 3e-4
    model = _point(alpha_ref, 1e-9)
    config = solve_mod.SolverConfig(x0=1.0, x_end=1.0e3)
    ours = float(solve_mod.solve(model, config).omega_h2)

    @jax.jit
    def coefficients(x):
        t = M_CHI / x
        s = sm.entropy_density(t)
        sv = thermal.sigma_v_hs_eff(model, t) + thermal.sigma_v_eff(model, t)
        factor = (1.0 + sm.dln_g_star_s_dln_T(t) / 3.0) * s * sv / (sm.hubble(t) * x)
        return factor, jnp.exp(thermal.ln_n_eq(model, t)) / s

    def rhs(x, y):
        factor, y_eq = (float(v) for v in coefficients(x))
        return [-factor * (y[0] ** 2 - y_eq**2)]

    y0 = float(coefficients(1.0)[1])
    reference = solve_ivp(rhs, (1.0, 1.0e3), [y0], method="Radau", rtol=1e-8, atol=1e-20)
    omega_scipy = c.OMEGA_H2_PER_GEV_Y * M_CHI * reference.y[0, -1]
    np.testing.assert_allclose(ours, omega_scipy, rtol=THERMALIZED_LIMIT_RTOL)
    # and it is close to a constant sigma v = pi alpha_D^2 / m^2: the velocity dependence of
    # chi chibar -> Z_D Z_D lowers <sigma v> by ~2% at x = 20, so a few per cent apart
    alpha_1t, omega_1t = _alpha_d_one_temperature()
    np.testing.assert_allclose(ours, omega_1t, rtol=0.05)


def test_plateau_alpha_d_close_to_one_temperature_value(batch_solve):
    """Thermalized hidden sector (large epsilon): alpha_D^TF within 5% of the one-temperature
    value with <sigma v> = pi alpha_D^2 / m_chi^2 (issue 3). Omega ~ alpha_D^-2 there, so
    alpha_D^TF = alpha_D sqrt(Omega(alpha_D) / 0.12) from solves bracketing the root.

    The plateau spans epsilon ~ 1e-4 .. 1e-2 at 10 GeV (relic.floor.thermalization_floor docstring):
    below it the leak-in overshoot (+8% at epsilon = 3e-6), above it chi chibar -> f fbar. On it
    alpha_D lies ~3.3% BELOW the one-temperature value, as an independent calculation found
    (~3.5%): the hidden sector decouples from the SM before chi freezes out and, since Z_D
    exchanges no energy with the SM, does not share the SM's reheating as g_star_s falls (tau,
    charm and the QCD crossover below T ~ 2 GeV), so T_hs/T < 1 during the late annihilations."""
    alpha_ref, omega_1t = _alpha_d_one_temperature()
    alpha_1t = alpha_ref * math.sqrt(omega_1t / 0.12)
    alphas = alpha_1t * np.array([0.92, 0.96, 1.0, 0.96])
    epsilons = [1e-3, 1e-3, 1e-3, 1e-4]
    solution = batch_solve(alphas, epsilons)
    assert np.all(np.asarray(solution.status) == 0)
    ln_omega = np.log(np.asarray(solution.omega_h2)[:3])
    slope, intercept = np.polyfit(np.log(alphas[:3]), ln_omega, 1)
    alpha_tf = math.exp((math.log(0.12) - intercept) / slope)
    assert -2.3 < slope < -1.7  # secluded freeze-out: Omega ~ 1/<sigma v> ~ alpha_D^-2
    np.testing.assert_allclose(alpha_tf, alpha_1t, rtol=PLATEAU_VS_ONE_TEMPERATURE_RTOL)
    assert -0.05 < alpha_tf / alpha_1t - 1.0 < -0.01  # below, as the independent calculation found
    # the plateau is epsilon-independent: 1e-4 and 1e-3 agree to 1% in Omega h^2 (0.5% in alpha_D)
    np.testing.assert_allclose(float(solution.omega_h2[3]), float(solution.omega_h2[1]), rtol=0.01)
