"""One-temperature freeze-out: published anchors, numerics, and the solver contract."""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax  # noqa: F401
from qedm_jax import constants as c
from qedm_jax import solve as solve_mod
from qedm_jax.models import make_bc2
from qedm_jax.models.reference import ConstantSigmaV

from .tolerances import (
    DIRAC_TWICE_RTOL,
    FAST_VS_REFERENCE_RTOL,
    INSENSITIVITY_RTOL,
    MAX_STEPS_ONE_SOLVE,
    STEIGMAN_OMEGA_RTOL,
    VMAP_LOOP_RTOL,
)

SIGMA_V_STEIGMAN = c.sigma_v_cm3_s_to_gev2(2.2e-26)  # Steigman, Dasgupta & Beacom 2012, m ~ 100 GeV


def test_constant_swave_gives_planck_abundance():
    """2.2e-26 cm^3/s (self-conjugate, m_chi = 100 GeV) gives Omega h^2 = 0.12 within 10%."""
    solution = solve_mod.solve(ConstantSigmaV(m_chi=100.0, sigma_v=SIGMA_V_STEIGMAN))
    assert int(solution.status) == 0
    np.testing.assert_allclose(float(solution.omega_h2), 0.12, rtol=STEIGMAN_OMEGA_RTOL)
    assert int(solution.num_steps) < MAX_STEPS_ONE_SOLVE  # regression: VeryChord bug


def test_dirac_needs_twice_the_cross_section():
    majorana = solve_mod.solve(ConstantSigmaV(m_chi=100.0, sigma_v=SIGMA_V_STEIGMAN))
    dirac_same = solve_mod.solve(ConstantSigmaV(m_chi=100.0, sigma_v=SIGMA_V_STEIGMAN, self_conjugate=False))
    dirac_twice = solve_mod.solve(ConstantSigmaV(m_chi=100.0, sigma_v=2 * SIGMA_V_STEIGMAN, self_conjugate=False))
    np.testing.assert_allclose(float(dirac_twice.omega_h2), float(majorana.omega_h2), rtol=DIRAC_TWICE_RTOL)
    assert float(dirac_same.omega_h2) > 1.8 * float(majorana.omega_h2)


def test_omega_scales_inversely_with_sigma_v():
    """Omega h^2 ~ 1/<sigma v> up to the logarithmic shift of x_f (Kolb & Turner Eq. 5.45)."""
    omegas = [float(solve_mod.solve(ConstantSigmaV(m_chi=10.0, sigma_v=f * SIGMA_V_STEIGMAN)).omega_h2)
              for f in (1.0, 10.0)]
    ratio = omegas[0] / omegas[1]
    assert 8.0 < ratio < 10.0  # x_f grows by ~ln 10 / x_f ~ 10%


@pytest.fixture(scope="module")
def scalar_point():
    return make_bc2("scalar", m_chi=0.05, epsilon=3e-4)


def test_insensitive_to_start_point_and_tolerances(scalar_point):
    reference = float(solve_mod.solve(scalar_point).omega_h2)
    for config in (solve_mod.SolverConfig(x0=0.5), solve_mod.SolverConfig(x0=2.0),
                   solve_mod.SolverConfig(rtol=5e-7, atol=5e-9)):
        value = float(solve_mod.solve(scalar_point, config).omega_h2)
        np.testing.assert_allclose(value, reference, rtol=INSENSITIVITY_RTOL)


@pytest.mark.parametrize("species", ["scalar", "pseudo-dirac"])
def test_fast_path_agrees_with_reference_path(species):
    model = make_bc2(species, m_chi=0.3, epsilon=1e-4, delta=0.1)
    fast = solve_mod.solve(model)
    exact = solve_mod.solve(model, solve_mod.SolverConfig(fast=False))
    np.testing.assert_allclose(float(fast.omega_h2), float(exact.omega_h2), rtol=FAST_VS_REFERENCE_RTOL)


def test_jit_equals_eager_and_vmap_equals_loop():
    masses = jnp.array([0.01, 0.1, 0.5])
    build = lambda m: qedm_jax.BC2(m_chi=m, m_A=3.0 * m, alpha_D=0.1, epsilon=1e-4, species="dirac")
    config = solve_mod.SolverConfig()
    batched = jax.jit(jax.vmap(lambda m: solve_mod.solve_unchecked(build(m), config).omega_h2))(masses)
    looped = [float(solve_mod.solve(build(m), config).omega_h2) for m in masses]
    np.testing.assert_allclose(np.asarray(batched), looped, rtol=VMAP_LOOP_RTOL)
    with jax.disable_jit():
        eager = float(solve_mod.solve_unchecked(build(masses[1]), dataclasses.replace(config, n_table=16)).omega_h2)
    jitted = float(solve_mod.solve(build(masses[1]), dataclasses.replace(config, n_table=16)).omega_h2)
    np.testing.assert_allclose(eager, jitted, rtol=VMAP_LOOP_RTOL)


def test_single_compilation_across_parameter_values():
    solve_mod._solve_jit._cached.clear_cache() if hasattr(solve_mod._solve_jit, "_cached") else None
    config = solve_mod.SolverConfig(x_end=2000.0)
    first = make_bc2("dirac", m_chi=0.02, epsilon=1e-4)
    before = solve_mod._solve_jit._cached._cache_size()
    solve_mod.solve(first, config)
    for m_chi, eps in [(0.2, 3e-5), (1.3, 2e-4)]:
        solve_mod.solve(make_bc2("dirac", m_chi=m_chi, epsilon=eps, alpha_D=0.3), config)
    assert solve_mod._solve_jit._cached._cache_size() == before + 1


def test_failed_solve_is_reported_not_raised():
    """A step limit far too small gives status STATUS_MAX_STEPS and NaN, never a wrong number."""
    solution = solve_mod.solve(make_bc2("dirac", m_chi=0.1, epsilon=1e-4), solve_mod.SolverConfig(max_steps=5))
    assert int(solution.status) == solve_mod.STATUS_MAX_STEPS
    assert np.isnan(float(solution.omega_h2))


@pytest.mark.parametrize("kwargs, name", [
    (dict(m_chi=-1.0), "m_chi"), (dict(m_chi=0.1, alpha_D=0.0), "alpha_D"),
    (dict(m_chi=0.1, epsilon=1.5), "epsilon"), (dict(m_chi=0.1, ratio=1.5), "ratio"),
    (dict(m_chi=0.1, delta=-0.1), "delta"),
])
def test_bad_input_raises_value_error_naming_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_bc2("pseudo-dirac", **kwargs)


def test_check_model_rejects_traced_free_bad_values():
    bad = eqx.tree_at(lambda m: m.epsilon, make_bc2("dirac", m_chi=0.1), jnp.asarray(2.0))
    with pytest.raises(ValueError, match="epsilon"):
        solve_mod.solve(bad)
