"""The Boltzmann right-hand side (``qedm_jax.boltzmann.vector_field``): its expm1 form against the
collision terms of seed 003 Eqs. 2.14-2.16 written out directly, and tight-tolerance solves where the
hidden sector is tightly coupled (issue 12, "a formulation without catastrophic cancellation")."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax
from qedm_jax import boltzmann, sm, thermal
from qedm_jax import solve as solve_mod

SECLUDED = qedm_jax.make_family("secluded", ratio=10.0)
BC2 = qedm_jax.make_family("bc2", species="dirac", ratio=3.0)
#: agreement of the expm1 form with the direct form where nothing cancels (rounding of ~30-sized logs)
DIRECT_RTOL = 1e-9
#: the stiffest points of the two-temperature benchmark set (m_chi = 10 GeV, Gamma_hs/H up to ~1e12):
#: at rtol 1e-8 the difference form of the right-hand side hit 100,000 steps at both
TIGHT_POINTS = ((1.0e-2, 1.0e-4), (1.0e-2, 1.0e-3))
TIGHT_RTOL, TIGHT_ATOL, TIGHT_MAX_STEPS = 1.0e-8, 1.0e-10, 20000
#: the default-tolerance solve (rtol 1e-5) against the tight one
DEFAULT_VS_TIGHT_RTOL = 1.0e-3


def _direct(model, table, options, tau, y):
    """d(r, w)/dtau from seed 003 Eqs. 2.14-2.16 as printed in the module docstring of
    ``qedm_jax.boltzmann`` (production minus depletion, in rates, no expm1): the reference path."""
    r, w = float(y[0]), float(y[1])
    temperature = model.m_chi * math.exp(-tau)
    t_hs = temperature * math.exp(r)
    hubble, s, dln_gs = (float(v) for v in sm.background(temperature, options.gstar))
    dtau_factor = (1.0 + dln_gs / 3.0) / hubble
    n = math.exp(w) * s
    n_eq_t = math.exp(float(thermal.ln_n_eq(model, temperature)))
    n_eq_h = math.exp(float(thermal.ln_n_eq(model, t_hs)))
    sv_t, sve_t, _ = (float(v) for v in boltzmann.rates_at(model, table, tau))
    sv_h, sve_h, svhs_h = (float(v) for v in boltzmann.rates_at(model, table, tau - r))
    ratio2 = (n / n_eq_h) ** 2
    c_n = sv_t * n_eq_t**2 - ratio2 * sv_h * n_eq_h**2 + svhs_h * n_eq_h**2 * (1.0 - ratio2)  # Eq. 2.15
    c_rho = sve_t * n_eq_t**2 - ratio2 * sve_h * n_eq_h**2  # Eq. 2.14
    dw = dtau_factor * c_n / n
    if options.thermalized:
        return np.array([0.0, dw])
    mean_e, dmean_e = (float(v) for v in thermal.mean_energy_and_slope(model, t_hs))
    rho_bath = model.g_hs_bath * math.pi**2 / 30.0 * t_hs**4
    dln_t_hs_dt = ((c_rho - mean_e * c_n - 4.0 * hubble * rho_bath - 3.0 * hubble * n * t_hs)
                   / (4.0 * rho_bath + n * t_hs * dmean_e))
    return np.array([dtau_factor * dln_t_hs_dt + 1.0, dw])


@pytest.mark.parametrize("family, point, thermalized", [
    (SECLUDED, (10.0, 1e-4, 1e-6), False),
    (SECLUDED, (1.0, 1e-5, 1e-9), False),
    (SECLUDED, (10.0, 1e-2, 1e-4), True),
    (BC2, (0.1, 0.5, 1e-4), True),
])
def test_expm1_form_equals_direct_collision_terms(family, point, thermalized):
    """Where production and depletion differ by O(1) (states off equilibrium by 0.05-3 in ln Y and
    ln(T_hs/T) from -2 to 0, x from e^-4 to e^2), the expm1 form equals Eqs. 2.14-2.16 written as differences."""
    model = family.point(*point)
    config = solve_mod.SolverConfig() if thermalized else solve_mod.two_temperature_config()
    table = thermal.rate_table(model, config.table_ln_x(), with_hs=True)
    options = solve_mod.system_options(config)
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(12):
        tau = rng.uniform(-4.0, 2.0)
        r = 0.0 if thermalized else rng.uniform(-2.0, 0.0)
        temperature = model.m_chi * math.exp(-tau)
        ln_y_eq_hs = float(thermal.ln_n_eq(model, temperature * math.exp(r)) - jnp.log(sm.entropy_density(temperature)))
        w = ln_y_eq_hs + rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 3.0)
        y = jnp.array([r, w])
        expected = _direct(model, table, options, tau, y)
        got = np.asarray(boltzmann.vector_field(tau, y, (model, table, options)))
        scale = np.maximum(np.abs(expected), 1e-300)
        assert np.all(np.abs(got - expected) <= DIRECT_RTOL * scale + 1e-12), (tau, r, w, got, expected)
        checked += 1
    assert checked == 12


def test_tight_tolerance_converges_where_the_hidden_sector_is_tightly_coupled():
    """At Gamma_hs/H ~ 1e12 the solve at rtol 1e-8 converges (the difference form of the
    right-hand side, production minus depletion, did not: 100,000 steps) and the default solve
    agrees with it to ``DEFAULT_VS_TIGHT_RTOL``."""
    alpha_d, epsilon = (jnp.asarray(column) for column in zip(*TIGHT_POINTS))
    results = {}
    for name, config in (("default", solve_mod.two_temperature_config()),
                         ("tight", solve_mod.two_temperature_config(rtol=TIGHT_RTOL, atol=TIGHT_ATOL,
                                                                    max_steps=TIGHT_MAX_STEPS))):
        solve = jax.jit(jax.vmap(lambda a, e, config=config: solve_mod.solve_unchecked(SECLUDED.point(10.0, a, e), config)))
        results[name] = solve(alpha_d, epsilon)
    np.testing.assert_array_equal(np.asarray(results["tight"].status), 0)
    np.testing.assert_array_equal(np.asarray(results["default"].status), 0)
    np.testing.assert_allclose(np.asarray(results["default"].omega_h2), np.asarray(results["tight"].omega_h2),
                               rtol=DEFAULT_VS_TIGHT_RTOL)
