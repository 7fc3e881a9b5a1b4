"""Gradients of Omega h^2 and of the thermal target against finite differences.

Omega h^2 (``solve.solve_unchecked``): ``jax.jacfwd`` needs the ODE solve's
``adjoint="forward"`` (or "direct"); ``jax.grad`` needs ``"recursive"`` (or "direct").
The thermal target (``relic.target.thermal_target_unchecked``): ``jax.jacfwd`` through the Newton
root find uses the implicit function theorem (``optimistix.ImplicitAdjoint``); the solves
inside are forward-mode (``relic.target.target_config``).

Parameters theta = (m_chi [GeV], alpha_D, ratio = m_A / m_chi, delta, epsilon); delta only
enters the pseudo-Dirac model (its derivative is exactly zero otherwise).

Finite differences and their noise. The ODE tolerance is tightened to rtol 1e-8 (on
ln Y, so ~2e-7 relative in Y per step); tighter settings (1e-9, 1e-10) make some points
stall at max_steps, because the Newton tolerance of the implicit stages falls below the
round-off of the stiff right-hand side near equilibrium. At rtol 1e-8 Omega h^2 carries
~5e-6 relative noise as a function of the parameters (accept/reject decisions of the step
controller; measured as the rms residual of a degree-6 fit over +-5%), so a central
difference with step h has an error ~5e-6 / h in d ln Omega / d ln theta. The reference
derivative is therefore the slope at the centre of a least-squares quartic through
``N_FIT`` values over +-``FIT_SPAN`` (relative), which averages the noise down; the
points are light (m_chi <= 20 MeV), where the rates involve only leptons far from the muon
threshold -- the measured R ratio is piecewise linear and its kinks add quadrature noise
of ~1e-6 to the thermal averages at heavier masses.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax  # noqa: F401
from qedm_jax.relic import target as target_mod
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2

#: jacfwd vs grad of the same discrete solve: the same arithmetic in another order
GRAD_MODES_RTOL = 1e-4
#: AD vs the fitted FD slope, relative to the size of the gradient (max norm over the five
#: d ln Omega / d ln theta_k at a point): measured <= 5.3e-5 for all three species
GRAD_OMEGA_FD_NORM_RTOL = 1e-4
#: ... and per component: the noise floor of Omega h^2 at rtol 1e-8 (5e-6 relative) limits a
#: fitted slope to ~1e-4 absolute, so a small component (d ln Omega / d ln alpha_D = -0.26 for
#: the scalar at m_chi = 10 MeV) agrees to 4e-4 relative; all others to <= 5.3e-5
GRAD_OMEGA_FD_RTOL = 1e-3
#: ... and an absolute floor on d ln Omega / d ln theta for weakly dependent parameters
GRAD_OMEGA_FD_ATOL_LOG = 2e-4
#: thermal target: central differences (step TARGET_FD_STEP) of roots converged to ~1e-6
GRAD_TARGET_FD_RTOL = 1e-3

NAMES = ("m_chi", "alpha_D", "ratio", "delta", "epsilon")
POINTS = np.array([  # m_chi [GeV], alpha_D, m_A / m_chi, delta, epsilon
    [0.005, 0.1, 3.0, 0.1, 1e-5],
    [0.01, 0.5, 2.5, 0.05, 3e-6],
    [0.02, 0.2, 4.0, 0.2, 1e-5],
])
TIGHT = dict(rtol=1e-8, atol=1e-10, max_steps=20000)
N_FIT, FIT_SPAN, FIT_DEGREE = 13, 0.04, 4
TARGET_FD_STEP = 5e-3  # truncation error O(h^2) was 1.6e-3 at 1e-2 (scalar, d ln eps / d ln ratio)
TARGET_ROOT_RTOL = 1e-6  # Newton on ln epsilon; below the Omega noise it would not terminate


def model_at(theta, species):
    m_chi, alpha_d, ratio, delta, epsilon = theta
    return BC2(m_chi=m_chi, m_A=ratio * m_chi, alpha_D=alpha_d, epsilon=epsilon, delta=delta, species=species)


def omega_fn(species, adjoint):
    config = solve_mod.SolverConfig(adjoint=adjoint, **TIGHT)
    return lambda theta: solve_mod.solve_unchecked(model_at(theta, species), config).omega_h2


def target_fn(species):
    config = solve_mod.SolverConfig(**TIGHT)  # target_mod.target_config makes it forward-mode

    def epsilon(theta):
        point = model_at(theta, species)
        return target_mod.thermal_target_unchecked(point, 0.12, config, rtol=TARGET_ROOT_RTOL)[0]

    return epsilon


def fitted_log_slopes(species):
    """Omega h^2 at POINTS, shape (3,), and d ln Omega / d ln theta_k there from a
    least-squares quartic in the relative step over +-FIT_SPAN (N_FIT solves per parameter),
    shape (3, 5). One compiled batch."""
    u = np.linspace(-FIT_SPAN, FIT_SPAN, N_FIT)
    batch = POINTS[:, None, None, :] * (1.0 + u[None, None, :, None] * np.eye(5)[None, :, None, :])
    batch = np.concatenate([POINTS, batch.reshape(-1, 5)])
    values = np.asarray(jax.jit(jax.vmap(omega_fn(species, "recursive")))(jnp.asarray(batch)))
    omega, log_omega = values[:3], np.log(values[3:]).reshape(3, 5, N_FIT)
    assert np.all(np.isfinite(log_omega)), "a finite-difference solve failed"
    slopes = np.empty((3, 5))
    for i in range(3):
        for k in range(5):
            slopes[i, k] = np.polyfit(u, log_omega[i, k], FIT_DEGREE)[-2]  # d/du at u = 0
    return omega, slopes


def check_against_fit(jacobian, species):
    """Compare AD d Omega / d theta with the fitted slopes in log form."""
    omega, fd_log = fitted_log_slopes(species)
    assert np.all(np.isfinite(omega))
    ad_log = np.asarray(jacobian) * POINTS / omega[:, None]
    if species != "pseudo-dirac":
        np.testing.assert_array_equal(np.asarray(jacobian)[:, 3], 0.0)  # delta is unused
        ad_log, fd_log = np.delete(ad_log, 3, axis=1), np.delete(fd_log, 3, axis=1)
    np.testing.assert_allclose(ad_log, fd_log, rtol=GRAD_OMEGA_FD_RTOL, atol=GRAD_OMEGA_FD_ATOL_LOG)
    error = np.max(np.abs(ad_log - fd_log), axis=1) / np.max(np.abs(fd_log), axis=1)  # per point
    assert np.all(error < GRAD_OMEGA_FD_NORM_RTOL), error


def omega_jacfwd(species):
    """d Omega / d theta at POINTS by forward mode, shape (3, 5)."""
    return jax.jit(jax.vmap(jax.jacfwd(omega_fn(species, "forward"))))(jnp.asarray(POINTS))


@pytest.mark.parametrize("species", ["dirac", pytest.param("scalar", marks=pytest.mark.slow),
                                     pytest.param("pseudo-dirac", marks=pytest.mark.slow)])
def test_omega_jacfwd_matches_finite_differences(species):
    check_against_fit(omega_jacfwd(species), species)


@pytest.mark.slow
@pytest.mark.parametrize("species", ["dirac", "scalar", "pseudo-dirac"])
def test_omega_grad_matches_jacfwd_and_finite_differences(species):
    """Reverse mode (adjoint="recursive") equals forward mode on the same discrete solve."""
    forward = np.asarray(omega_jacfwd(species))
    reverse = np.asarray(jax.jit(jax.vmap(jax.grad(omega_fn(species, "recursive"))))(jnp.asarray(POINTS)))
    scale = np.abs(forward).max(axis=0)  # per-parameter scale: small entries compare in absolute terms
    np.testing.assert_allclose(reverse / scale, forward / scale, rtol=GRAD_MODES_RTOL, atol=GRAD_MODES_RTOL)
    check_against_fit(reverse, species)


def target_central_differences(species, columns):
    """epsilon_target at POINTS, shape (3,), and central differences of ln epsilon_target in
    ln theta_k, shape (3, len(columns)). One compiled batch."""
    h = TARGET_FD_STEP
    batch = np.concatenate([POINTS] + [POINTS * (1.0 + s * h * np.eye(5)[k]) for k in columns for s in (1.0, -1.0)])
    eps = np.asarray(jax.jit(jax.vmap(target_fn(species)))(jnp.asarray(batch)))
    assert np.all(np.isfinite(eps)), "a root find failed"
    ln_eps = np.log(eps[3:]).reshape(len(columns), 2, 3)
    return eps[:3], ((ln_eps[:, 0] - ln_eps[:, 1]) / (2.0 * h)).T


@pytest.mark.slow
@pytest.mark.parametrize("species", ["dirac", "scalar", "pseudo-dirac"])
def test_thermal_target_jacfwd_matches_finite_differences(species):
    """Implicit differentiation through the root find: d epsilon_target / d (m_chi, alpha_D,
    ratio, delta)."""
    jacobian = np.asarray(jax.jit(jax.vmap(jax.jacfwd(target_fn(species))))(jnp.asarray(POINTS)))
    assert np.all(np.isfinite(jacobian))
    np.testing.assert_allclose(jacobian[:, 4], 0.0, atol=1e-12)  # the input epsilon is ignored
    columns = [0, 1, 2, 3] if species == "pseudo-dirac" else [0, 1, 2]
    eps, fd_log = target_central_differences(species, columns)
    ad_log = jacobian[:, columns] * POINTS[:, columns] / eps[:, None]
    np.testing.assert_allclose(ad_log, fd_log, rtol=GRAD_TARGET_FD_RTOL, atol=GRAD_TARGET_FD_RTOL * 0.1)
    if species != "pseudo-dirac":
        np.testing.assert_array_equal(jacobian[:, 3], 0.0)
