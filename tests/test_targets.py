"""BC2 thermal targets: species ordering, pseudo-Dirac limits, mass scaling, vmap vs loop."""

import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax
from qedm_jax.relic import target as target_mod
from qedm_jax.models import BC2, y_bc2

from .tolerances import PSEUDO_DIRAC_LIMIT_RTOL, TARGET_OMEGA_RTOL

MASSES = jnp.array([0.003, 0.03, 0.3])  # GeV: leptonic, below and above the 2 pi threshold


def _line(species, delta=0.0, masses=MASSES):
    make = lambda m: BC2(m_chi=m, m_A=3.0 * m, alpha_D=0.1, epsilon=1e-3, delta=delta, species=species)
    line = qedm_jax.thermal_target(make, masses)
    assert np.all(np.asarray(line.status) == 0), line.status
    np.testing.assert_allclose(np.asarray(line.omega_h2), 0.12, rtol=TARGET_OMEGA_RTOL)
    return np.asarray(y_bc2(line.epsilon, 0.1, masses, 3.0 * masses))


@pytest.fixture(scope="module")
def targets():
    return {species: _line(species) for species in ("scalar", "majorana", "dirac")}


def test_p_wave_species_need_larger_coupling_than_s_wave(targets):
    """Scalar and Majorana annihilate in the p-wave: larger Y_BC2 than Dirac at every mass."""
    assert np.all(targets["scalar"] > 3.0 * targets["dirac"])
    assert np.all(targets["majorana"] > 3.0 * targets["dirac"])
    # Majorana (identical particles, same |M|^2 as the scalar) needs half the scalar's rate
    assert np.all(targets["majorana"] < targets["scalar"])


def test_pseudo_dirac_limits_and_monotone_in_delta(targets):
    """delta -> 0 reproduces Dirac; a larger splitting suppresses chi1 chi2 co-annihilation
    (Boltzmann factor of chi2), so the target Y_BC2 grows with delta."""
    np.testing.assert_allclose(_line("pseudo-dirac", delta=1e-6), targets["dirac"], rtol=PSEUDO_DIRAC_LIMIT_RTOL)
    lines_by_delta = [_line("pseudo-dirac", delta=d) for d in (0.05, 0.1, 0.2)]
    assert np.all(lines_by_delta[0] > targets["dirac"])
    assert np.all(np.diff(np.stack(lines_by_delta), axis=0) > 0.0)


def test_leptonic_region_scales_as_mass_squared():
    """Below the muon threshold sigma v ~ eps^2 alpha_D m^2 / m_A^4 ~ Y_BC2 / m^2 and
    Omega ~ 1/<sigma v>, so Y_BC2 ~ m^2 up to the slow x_f and g_star dependence."""
    masses = jnp.array([1e-3, 4e-3, 1.6e-2])
    y = _line("dirac", masses=masses)
    slopes = np.diff(np.log(y)) / np.diff(np.log(np.asarray(masses)))
    assert np.all((slopes > 1.6) & (slopes < 2.2)), slopes


def test_vmap_over_masses_equals_loop(targets):
    looped = np.concatenate([_line("dirac", masses=MASSES[i : i + 1]) for i in range(3)])
    np.testing.assert_allclose(targets["dirac"], looped, rtol=1e-3)


def test_bad_mass_raises_before_tracing():
    with pytest.raises(ValueError, match="m_chi"):
        qedm_jax.thermal_target(lambda m: BC2(m_chi=m, m_A=3 * m, alpha_D=0.1, epsilon=1e-3), jnp.array([0.1, -1.0]))
    with pytest.raises(ValueError, match="omega_h2"):
        target_mod.thermal_target(lambda m: BC2(m_chi=m, m_A=3 * m, alpha_D=0.1, epsilon=1e-3), MASSES, omega_h2=0.0)
