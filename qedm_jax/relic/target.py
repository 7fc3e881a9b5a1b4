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
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

from .. import constants as c
from .. import solve as solve_mod
from .. import thermal
from ..models.base import AbstractModel

__all__ = [
    "TargetLine",
    "thermal_target",
    "thermal_target_unchecked",
    "target_config",
    "freeze_out_root",
    "KINETIC_RELAXATION",
]

_SIGMA_V_GUESS_CM3_S = 2.2e-26  # self-conjugate s-wave value for Omega h^2 = 0.12 (Steigman et al. 2012)
_X_FREEZE_GUESS = 20.0  # typical x at freeze-out, for the first guess only
_OMEGA_RTOL = 1e-3  # a root counts as converged when |ln(Omega h^2 / target)| is below this


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

    Args:
        config: ``SolverConfig`` to start from (None: ``SolverConfig()``).

    Returns:
        A new ``SolverConfig`` equal to ``config`` except ``thermalized=True`` and ``adjoint``
        "direct" (if ``config`` had it) or "forward" (otherwise).

    Raises:
        Nothing for a ``SolverConfig``: it already passed its checks, and the two replaced
        fields are valid values.
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
        ``(epsilon, omega_h2_at_root, status)``, scalars: epsilon (photon-like kinetic mixing;
        NaN where status != 0), Omega h^2 of a check solve at that epsilon, and the int32
        ``solve.STATUS_*`` code: the check solve's where it failed, else ``STATUS_ROOT_FAILED``
        when Newton did not converge, the check is off by 1e-3 or more in ln Omega h^2, or the
        root has epsilon >= 1.

    Raises:
        ValueError: at trace time only, from ``solve.solve_unchecked`` (an unknown g_star or
            R-ratio table name). The inputs are not checked (``thermal_target`` does that); a
            root that fails is a status code, never an exception.
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
        config: solver settings; forced thermalized, with the forward-mode adjoint unless it asks
            for "direct" (see ``target_config``).

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
    for m in masses:  # every mass: a model's validity need not be monotonic in m_chi
        solve_mod.check_model(make_model(m))
    models = jax.vmap(make_model)(masses)
    epsilon, omega, status = _target_vmapped(models, jnp.asarray(omega_h2), target_config(config))
    return TargetLine(m_chi=masses, epsilon=epsilon, omega_h2=omega, status=status)


#: relaxation rate of T_hs towards T per e-fold of x when kinetic equilibrium is imposed
KINETIC_RELAXATION = 1.0e4
_SLOPE_PROBE = math.log(1.1)  # ln epsilon step of the branch-slope probe of freeze_out_root
_ROOT_ITER = 8  # secant iterations of ``freeze_out_root``
_ROOT_TOL = 1e-4  # |ln(Omega / target)| at which the secant stops


def freeze_out_root(family, m_chi, alpha_D: float, omega_h2: float = c.OMEGA_H2_PLANCK,
                    config: solve_mod.SolverConfig | None = None, kinetic_equilibrium: bool = False):
    """Freeze-out-branch root of the two-temperature Omega h^2(epsilon) = ``omega_h2``.

    Starts from the thermal target of ``thermal_target`` (thermalized, T_hs = T, same model) and
    runs a secant iteration in ln epsilon on ln(Omega / omega_h2) (first step with the
    freeze-out slope d ln Omega / d ln epsilon = -2), at most 8 solves per mass, until
    |ln(Omega / omega_h2)| < 1e-4; a root within 1e-3 is accepted after the last solve. The
    local slope at the root is the last secant's, or, where the first solve already met the
    tolerance, from one probe solve at 1.1 epsilon. Status 4 if not converged or if that
    slope is not < -1 (not the freeze-out branch).

    Physics note: the two-temperature system (seed 003 Eqs. 2.14-2.16) exchanges energy
    between chi and the SM only through annihilation and production; elastic scattering
    chi f -> chi f (t-channel A') is not in it. Chi then decouples kinetically at chemical
    freeze-out and T_hs falls below T, which lowers <sigma v>(T_hs) after freeze-out: for BC2
    the root lies ABOVE the thermal target, by 1-2% in epsilon for the (s-wave) Dirac species
    and ~50% for the p-wave scalar (sigma v ~ T_hs); measured at alpha_D = 0.5, ratio 3,
    m_chi = 0.01-1 GeV. In BC2 elastic scattering on the relativistic e+- bath keeps chi in
    kinetic equilibrium through freeze-out, so the thermal target is the physical answer on
    this branch and the gap measures the missing process. ``kinetic_equilibrium=True``
    imposes it (the limit of fast elastic scattering, valid on this branch only): a
    relaxation -K ln(T_hs/T) with K = ``KINETIC_RELAXATION`` per e-fold of x is added to
    the temperature equation; the root then equals the thermal target to ~0.2% in epsilon.

    Args:
        family: ``ModelFamily`` with an epsilon thermal target (``has_epsilon_target``).
        m_chi: DM masses [GeV], shape (n,) (checked by the caller).
        alpha_D: dark coupling.
        omega_h2: target Omega h^2, > 0.
        config: two-temperature ``SolverConfig`` (default ``solve.two_temperature_config`` at
            the family's x0).
        kinetic_equilibrium: impose T_hs = T (see above; its own compile).

    Returns:
        ``(epsilon, omega_h2_at_root, status)``, numpy arrays of shape (n,) (the thermal
        target's status where it failed; epsilon NaN where status != 0).

    Raises:
        ValueError: from ``thermal_target`` (masses not a 1-d array of finite values > 0 GeV,
            ``omega_h2`` not finite and > 0, or a model that fails ``solve.check_model`` at any
            mass), or from ``solve_points`` (``grids.scan``: a point whose model
            fails ``solve.check_model``). A mass whose root fails is a status code, never an
            exception. A family without an epsilon thermal target (``has_epsilon_target``).
    """
    from .floor import solve_points

    if not family.has_epsilon_target:
        raise ValueError(f"the {family.name} family has no epsilon thermal target (its relic surface is a contour "
                         "in (alpha_D, epsilon): use relic.contour)")

    masses = np.atleast_1d(np.asarray(m_chi, dtype=np.float64))
    config = solve_mod.two_temperature_config(x0=family.x0_two_temperature) if config is None else config
    if kinetic_equilibrium:
        config = dataclasses.replace(config, kinetic_relaxation=KINETIC_RELAXATION)
    n = masses.size
    start = thermal_target(lambda m: family.point(m, alpha_D, 1e-3), jnp.asarray(masses), omega_h2=omega_h2)
    status = np.asarray(start.status, dtype=np.int32)
    usable = status == solve_mod.STATUS_OK
    ln_e1 = np.where(usable, np.log(np.asarray(start.epsilon)), math.log(1e-4))

    def evaluate(ln_eps):
        sol = solve_points(family, config, masses, alpha_D, np.exp(ln_eps))
        with np.errstate(invalid="ignore", divide="ignore"):
            return sol, np.log(sol.omega_h2 / omega_h2)

    first, f1 = evaluate(ln_e1)
    status = np.where(usable, first.status, status).astype(np.int32)
    omega, slope, measured = first.omega_h2, np.full(n, -2.0), np.zeros(n, dtype=bool)
    for _ in range(_ROOT_ITER):
        if np.all((np.abs(f1) < _ROOT_TOL) | (status != solve_mod.STATUS_OK)):
            break
        safe_slope = np.where(np.isfinite(slope) & (slope < -0.5), slope, -2.0)  # first: Omega ~ eps^-2
        ln_next = np.where(np.isfinite(f1), ln_e1 - f1 / safe_slope, ln_e1)
        ln_e0, f0, ln_e1 = ln_e1, f1, np.minimum(ln_next, math.log(0.5))
        sol, f1 = evaluate(ln_e1)
        status = np.where(status == solve_mod.STATUS_OK, sol.status, status).astype(np.int32)
        omega = sol.omega_h2
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.abs(ln_e1 - ln_e0) > 1e-12
            slope = np.where(step, (f1 - f0) / (ln_e1 - ln_e0), slope)
        measured |= step
    probe = (status == solve_mod.STATUS_OK) & ~measured
    if np.any(probe):  # the start met the tolerance: measure the branch slope once
        ln_probe = ln_e1 + _SLOPE_PROBE
        _, f_probe = evaluate(ln_probe)
        with np.errstate(invalid="ignore"):
            slope = np.where(probe, (f_probe - f1) / _SLOPE_PROBE, slope)
    failed = (status == solve_mod.STATUS_OK) & ~((np.abs(f1) < 10 * _ROOT_TOL) & (slope < -1.0))
    status = np.where(failed, solve_mod.STATUS_ROOT_FAILED, status).astype(np.int32)
    return np.where(status == solve_mod.STATUS_OK, np.exp(ln_e1), np.nan), omega, status
