"""Relic lines: the coupling that gives the observed Omega h^2.

``thermal_target`` root-finds, for every mass of an array, ln(epsilon) with
ln(Omega h^2 / target) = 0 on the freeze-out branch (thermalized hidden sector), using
``optimistix.Newton`` in log space, vmapped over masses (DESIGN.md "Derived curves"; STYLE.md
Lines). Omega h^2 ~ 1/<sigma v> ~ epsilon^-2 there, so the residual is close to linear in
ln(epsilon) and Newton converges in a few iterations from the analytic first guess. The
root's derivatives with respect to the model parameters come from the implicit function
theorem (``optimistix.ImplicitAdjoint``), not from unrolled iterations.
"""

from __future__ import annotations

import dataclasses
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx
from jaxtyping import Array, ArrayLike, Float, Int

from . import constants as c
from . import solve as solve_mod
from . import thermal
from .models.base import AbstractModel

__all__ = [
    "TargetLine",
    "thermal_target",
    "thermal_target_unchecked",
    "target_config",
    "two_temperature_config",
    "freeze_in_epsilon_unchecked",
]

_SIGMA_V_GUESS_CM3_S = 2.2e-26  # self-conjugate s-wave value for Omega h^2 = 0.12 (Steigman et al. 2012)
_X_FREEZE_GUESS = 20.0  # typical x at freeze-out, for the first guess only
_OMEGA_RTOL = 1e-3  # a root counts as converged when |ln(Omega h^2 / target)| is below this
#: freeze-in line: solves per mass and the accepted |ln(Omega h^2 / target)| of the last one
FREEZE_IN_SOLVES = 3
FREEZE_IN_RTOL = 3e-3


class TargetLine(eqx.Module):
    """A thermal-target line.

    Attributes:
        m_chi: masses [GeV], shape (n,).
        epsilon: photon-like kinetic mixing on the line, shape (n,) (NaN where status != 0).
        omega_h2: Omega h^2 at the root (the check of convergence), shape (n,).
        status: int32 status per mass (0 = converged; ``solve.STATUS_*``), shape (n,).
    """

    m_chi: Float[Array, " n"]
    epsilon: Float[Array, " n"]
    omega_h2: Float[Array, " n"]
    status: Int[Array, " n"]


def target_config(config: solve_mod.SolverConfig | None = None) -> solve_mod.SolverConfig:
    """The solver settings used inside the root find: thermalized, forward-mode adjoint
    (Newton needs d Omega / d ln epsilon), everything else from ``config``.

    ``adjoint="direct"`` is kept (forward and reverse mode): use it for ``jax.grad`` of a
    target; "forward" is cheaper and serves ``jax.jacfwd``.
    """
    config = solve_mod.SolverConfig() if config is None else config
    adjoint = "direct" if config.adjoint == "direct" else "forward"
    return dataclasses.replace(config, thermalized=True, adjoint=adjoint)


def _first_guess(model: AbstractModel) -> Float[Array, ""]:
    """ln epsilon from <sigma v>(x = 20) at epsilon = 1 and sigma v ~ epsilon^2 (a guess only)."""
    unit = eqx.tree_at(lambda m: m.epsilon, model, jnp.ones_like(model.epsilon))
    sv_unit = thermal.sigma_v_eff(unit, model.m_chi / _X_FREEZE_GUESS)
    a, b = model.pair
    needed = c.sigma_v_cm3_s_to_gev2(_SIGMA_V_GUESS_CM3_S) * (1.0 if a == b else 0.5)
    return 0.5 * (jnp.log(needed) - jnp.log(sv_unit))


def _residual(ln_epsilon, args):
    model, omega_target, config = args
    point = eqx.tree_at(lambda m: m.epsilon, model, jnp.exp(ln_epsilon))
    solution = solve_mod.solve_unchecked(point, config)
    return jnp.log(solution.omega_h2 / omega_target)


def thermal_target_unchecked(
    model: AbstractModel,
    omega_h2: float | Float[Array, ""] = c.OMEGA_H2_PLANCK,
    config: solve_mod.SolverConfig | None = None,
    rtol: float = 1e-4,
    max_steps: int = 16,
) -> tuple[Float[Array, ""], Float[Array, ""], Int[Array, ""]]:
    """One-mass thermal target without input checks or jit (for jit/vmap/grad by callers).

    Args:
        model: parameter point; its ``epsilon`` is ignored (replaced by the root).
        omega_h2: target Omega h^2, scalar.
        config: solver settings (see ``target_config``).
        rtol: relative tolerance of the Newton iteration on ln epsilon.
        max_steps: Newton iteration limit.

    Returns:
        ``(epsilon, omega_h2_at_root, status)``, scalars.
    """
    config = target_config(config)
    solver = optx.Newton(rtol=rtol, atol=rtol)  # Cauchy termination: |residual| < rtol
    ln_eps0 = _first_guess(model)
    result = optx.root_find(
        _residual,
        solver,
        ln_eps0,
        args=(model, omega_h2, config),
        max_steps=max_steps,
        throw=False,
        adjoint=optx.ImplicitAdjoint(),
    )
    epsilon = jnp.exp(result.value)
    point = eqx.tree_at(lambda m: m.epsilon, model, epsilon)
    check = solve_mod.solve_unchecked(point, config)
    converged = (result.result == optx.RESULTS.successful) & (jnp.abs(jnp.log(check.omega_h2 / omega_h2)) < _OMEGA_RTOL)
    status = jnp.where(check.status != solve_mod.STATUS_OK, check.status,
                       jnp.where(converged & (epsilon < 1.0), solve_mod.STATUS_OK, solve_mod.STATUS_ROOT_FAILED))
    epsilon = jnp.where(status == solve_mod.STATUS_OK, epsilon, jnp.nan)
    return epsilon, check.omega_h2, status.astype(jnp.int32)


@eqx.filter_jit
def _target_vmapped(models, omega_h2, config):
    return jax.vmap(lambda m: thermal_target_unchecked(m, omega_h2, config))(models)


def thermal_target(
    make_model,
    m_chi: ArrayLike,
    omega_h2: float = c.OMEGA_H2_PLANCK,
    config: solve_mod.SolverConfig | None = None,
) -> TargetLine:
    """Thermal target epsilon(m_chi): Omega h^2 = ``omega_h2`` on the freeze-out branch.

    Args:
        make_model: callable ``m_chi -> AbstractModel`` (jnp scalar in, model out) giving
            the parameter point at each mass, e.g. ``lambda m: BC2(m_chi=m, m_A=3 * m,
            alpha_D=0.1, epsilon=1e-3, species="scalar")`` (keywords: the field order
            follows the base class); its epsilon is ignored.
        m_chi: masses [GeV], shape (n,), > 0.
        omega_h2: target Omega h^2 (Planck 2018: 0.120).
        config: solver settings; forced thermalized, forward-mode (see ``target_config``).

    Returns:
        ``TargetLine`` in input order; one status per mass, never an exception for a mass
        that fails.

    Raises:
        ValueError: non-positive or non-finite masses, omega_h2 <= 0, or a model that fails
            ``solve.check_model`` at any mass (checked before tracing).
    """
    masses = jnp.atleast_1d(jnp.asarray(m_chi, dtype=float))
    if masses.ndim != 1 or not bool(jnp.all(jnp.isfinite(masses) & (masses > 0.0))):
        raise ValueError(f"m_chi must be a 1-d array of finite masses > 0 GeV, got {m_chi}")
    if not (math.isfinite(omega_h2) and omega_h2 > 0.0):
        raise ValueError(f"omega_h2 must be > 0, got {omega_h2}")
    for m in (masses[0], masses[-1]):
        solve_mod.check_model(make_model(m))
    models = jax.vmap(make_model)(masses)
    epsilon, omega, status = _target_vmapped(models, jnp.asarray(omega_h2), target_config(config))
    return TargetLine(m_chi=masses, epsilon=epsilon, omega_h2=omega, status=status)


def two_temperature_config(x0: float = 1.0e-3, **kwargs) -> solve_mod.SolverConfig:
    """Default settings of the two-temperature (freeze-in capable) solve.

    Args:
        x0: start x = m_chi / T0. The start temperature is physical here (seed 003 Sec. 2.3):
            the default T0 = 1000 m_chi lies above m_Z for every m_chi >= 0.1 GeV, so that
            Z -> chi chibar decays, which dominate freeze-in above a few GeV, are included.
        **kwargs: other ``SolverConfig`` fields.

    Returns:
        ``SolverConfig(thermalized=False, x0=x0, ...)``.
    """
    kwargs.setdefault("max_steps", 8192)
    kwargs.setdefault("rtol", 1.0e-5)  # at 1e-6 stiff thermalized points (eps ~ 3e-6) hit 40,000 steps
    kwargs.setdefault("atol", 1.0e-7)
    return solve_mod.SolverConfig(thermalized=False, x0=x0, **kwargs)


def freeze_in_epsilon_unchecked(
    model: AbstractModel,
    omega_h2: float | Float[Array, ""] = c.OMEGA_H2_PLANCK,
    config: solve_mod.SolverConfig | None = None,
    n_solves: int = FREEZE_IN_SOLVES,
) -> tuple[Float[Array, ""], Float[Array, ""], Int[Array, ""]]:
    """Freeze-in solution epsilon_FI of Omega h^2 = ``omega_h2`` (small-coupling branch).

    On the freeze-in branch Omega h^2 is exactly proportional to epsilon^2 (production
    ~ epsilon^2, no back-reaction; DESIGN.md "Derived curves"), so from the model's epsilon
    (which must lie on the branch) the update epsilon <- epsilon sqrt(omega_h2 / Omega(epsilon))
    converges in one step up to the solver noise; it is applied ``n_solves - 1`` times (one
    traced solve in a ``lax.fori_loop``) and the last solve is the check: status
    ``STATUS_ROOT_FAILED`` if |ln(Omega / omega_h2)| > ``FREEZE_IN_RTOL`` there (not on the
    freeze-in branch). One step alone missed a 1e-3 check at random: at rtol = 1e-5, Omega /
    epsilon^2 scatters by ~1e-3 between nearby epsilon (tests/test_two_temperature_checks.py).

    Args:
        model: parameter point with a small reference ``epsilon``.
        omega_h2: target Omega h^2, scalar.
        config: two-temperature settings (default ``two_temperature_config()``).
        n_solves: solves per call, >= 2 (static).

    Returns:
        ``(epsilon_FI, omega_h2_at_epsilon_FI, status)``, scalars; epsilon_FI is NaN where
        status != 0.
    """
    config = two_temperature_config() if config is None else config

    def step(_, carry):
        epsilon = carry[0]
        solution = solve_mod.solve_unchecked(eqx.tree_at(lambda m: m.epsilon, model, epsilon), config)
        return epsilon * jnp.sqrt(omega_h2 / solution.omega_h2), epsilon, solution.omega_h2, solution.status

    start = jnp.asarray(model.epsilon, dtype=float)
    init = (start, start, jnp.asarray(jnp.nan), jnp.asarray(solve_mod.STATUS_OK, dtype=jnp.int32))
    _, epsilon, omega, status = jax.lax.fori_loop(0, n_solves, step, init)
    on_branch = jnp.abs(jnp.log(omega / omega_h2)) < FREEZE_IN_RTOL
    status = jnp.where(status != solve_mod.STATUS_OK, status,
                       jnp.where(on_branch & (epsilon < 1.0), solve_mod.STATUS_OK, solve_mod.STATUS_ROOT_FAILED))
    return jnp.where(status == solve_mod.STATUS_OK, epsilon, jnp.nan), omega, status.astype(jnp.int32)
