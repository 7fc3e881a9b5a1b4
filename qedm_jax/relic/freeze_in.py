"""Freeze-in line: the small-coupling root of Omega h^2(epsilon) = target at fixed (m_chi,
alpha_D), from the two-temperature solve (DESIGN.md "Derived curves"; seed 003 Sec. 2.3).

On the freeze-in branch chi never reaches equilibrium and Omega h^2 grows like epsilon^2
(production ~ epsilon^2 alpha_D, no back-reaction); it is exactly quadratic only where nothing
else depends on epsilon (measured, secluded, alpha_D = 1e-8: d ln Omega / d ln epsilon = 2.000 at
10 GeV, 2.04 at 0.1 GeV, where the Z_D bath itself is filled by the SM). So the root is found by
a secant iteration in ln epsilon on ln(Omega h^2 / target), first step with slope 2, until
|ln(Omega h^2 / target)| < ``FREEZE_IN_RTOL``, and then checked to lie on the rising (freeze-in)
side of the maximum of Omega(epsilon): d ln Omega / d ln epsilon > ``FREEZE_IN_MIN_SLOPE`` between
epsilon_FI / 3 and epsilon_FI. The solves use a tighter tolerance than the grids
(``freeze_in_config``): at rtol = 1e-5 Omega h^2 / epsilon^2 scatters by ~2e-3 between nearby
epsilon (the iteration then cannot settle within 1e-3: the 0.1 GeV point of ``qedm freeze-in``
stopped at 0.11957), at rtol = 1e-7 by ~5e-5.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .. import constants as c
from .. import solve as solve_mod
from ..models.family import ModelFamily
from .floor import solve_points

__all__ = ["FREEZE_IN_RTOL", "FREEZE_IN_MAX_SOLVES", "FreezeInLine", "freeze_in_config", "freeze_in_line"]

#: a root is converged when |ln(Omega h^2 / target)| is below this
FREEZE_IN_RTOL = 1.0e-3
#: secant solves per mass before the root counts as failed
FREEZE_IN_MAX_SOLVES = 12
#: branch check: d ln Omega / d ln epsilon between epsilon_FI / 3 and epsilon_FI must exceed this
FREEZE_IN_MIN_SLOPE = 1.0
#: alpha_D epsilon^2 of the first solve (secluded 10 GeV: 1.1e-24; BC2 Dirac 0.1-1 GeV: 0.4-1.4e-24)
_PRODUCT_GUESS = 1.0e-24
_MAX_LN_STEP = math.log(100.0)  # largest secant step in ln epsilon
_CHECK_FACTOR = 3.0  # branch check at epsilon_FI / 3


def freeze_in_config(x0: float, **kwargs) -> solve_mod.SolverConfig:
    """Two-temperature settings of the freeze-in solves: ``solve.two_temperature_config`` with
    rtol = 1e-7, atol = 1e-9 (module docstring: the root must be resolved to 1e-3).

    Args:
        x0: start x = m_chi / T0 (physical: above the production, seed 003 Sec. 2.3).
        **kwargs: other ``SolverConfig`` fields (they override rtol and atol too).

    Returns:
        ``SolverConfig`` (two-temperature).

    Raises:
        ValueError: as ``solve.two_temperature_config``: ``thermalized=True`` in ``kwargs``, or a
            field outside its range (``SolverConfig``'s checks, e.g. x0 not in (0, x_end)).
        TypeError: a keyword that is not a ``SolverConfig`` field.
    """
    kwargs.setdefault("rtol", 1.0e-7)
    kwargs.setdefault("atol", 1.0e-9)
    return solve_mod.two_temperature_config(x0=x0, **kwargs)


@dataclasses.dataclass(frozen=True, eq=False)
class FreezeInLine:
    """Freeze-in line epsilon_FI(m_chi) (numpy arrays of shape (n,)).

    Attributes:
        m_chi: DM masses [GeV].
        epsilon: photon-like epsilon_FI (NaN where status != 0).
        omega_h2: Omega h^2 at the last solve (at epsilon_FI when converged).
        slope: d ln Omega / d ln epsilon between epsilon_FI / 3 and epsilon_FI (2 on a pure
            freeze-in branch).
        n_solves: solves spent per mass (secant and check).
        status: ``solve.STATUS_*`` (4: not converged within ``FREEZE_IN_MAX_SOLVES`` solves or
            not on the rising branch: no freeze-in solution at this alpha_D).
    """

    m_chi: np.ndarray
    epsilon: np.ndarray
    omega_h2: np.ndarray
    slope: np.ndarray
    n_solves: np.ndarray
    status: np.ndarray


def freeze_in_line(family: ModelFamily, m_chi, alpha_D: float, omega_h2: float = c.OMEGA_H2_PLANCK,
                   config: solve_mod.SolverConfig | None = None) -> FreezeInLine:
    """Freeze-in root epsilon_FI per mass, iterated to convergence (module docstring).

    Args:
        family: ``ModelFamily``.
        m_chi: DM masses [GeV], shape (n,) (checked by the caller).
        alpha_D: dark coupling.
        omega_h2: target Omega h^2.
        config: two-temperature ``SolverConfig`` (default ``freeze_in_config(family's x0)``).

    Returns:
        ``FreezeInLine`` with arrays of shape (n,), in input order; a mass without a root is a
        status code, never an exception.

    Raises:
        ValueError: ``omega_h2 <= 0`` or ``alpha_D < 0`` (``math.log`` / ``math.sqrt`` domain
            errors, not checked with a message here), or a point whose model fails
            ``solve.check_model`` (from ``solve_points``, i.e. ``grids.scan``: e.g. a mass not
            finite and > 0, a non-finite alpha_D).
        ZeroDivisionError: ``alpha_D == 0``.
    """
    masses = np.atleast_1d(np.asarray(m_chi, dtype=np.float64))
    config = freeze_in_config(family.x0_two_temperature) if config is None else config
    n = masses.size
    target = math.log(omega_h2)
    ln_e = np.full(n, math.log(min(math.sqrt(_PRODUCT_GUESS / alpha_D), 1.0e-3)))
    f = np.full(n, np.nan)
    omega = np.full(n, np.nan)
    status = np.zeros(n, dtype=np.int32)
    prev_ln_e = np.full(n, np.nan)
    prev_f = np.full(n, np.nan)
    n_solves = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    for _ in range(FREEZE_IN_MAX_SOLVES):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        sol = solve_points(family, config, masses[idx], alpha_D, np.exp(ln_e[idx]))
        n_solves[idx] += 1
        prev_ln_e[idx], prev_f[idx] = ln_e[idx], f[idx]
        omega[idx], status[idx] = sol.omega_h2, sol.status
        with np.errstate(invalid="ignore", divide="ignore"):
            f[idx] = np.log(sol.omega_h2) - target
        done = (sol.status != solve_mod.STATUS_OK) | (np.abs(f[idx]) < FREEZE_IN_RTOL)
        active[idx[done]] = False
        step = idx[~done]
        with np.errstate(invalid="ignore", divide="ignore"):
            secant = (f[step] - prev_f[step]) / (ln_e[step] - prev_ln_e[step])
        slope = np.where(np.isfinite(secant) & (secant > 0.25), secant, 2.0)  # first step: Omega ~ eps^2
        delta = np.clip(-f[step] / slope, -_MAX_LN_STEP, _MAX_LN_STEP)
        ln_e[step] = np.minimum(ln_e[step] + delta, math.log(0.5))
    converged = (status == solve_mod.STATUS_OK) & (np.abs(f) < FREEZE_IN_RTOL)
    slope = np.full(n, np.nan)
    idx = np.flatnonzero(converged)
    if idx.size:
        check = solve_points(family, config, masses[idx], alpha_D, np.exp(ln_e[idx]) / _CHECK_FACTOR)
        n_solves[idx] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            slope[idx] = np.log(omega[idx] / check.omega_h2) / math.log(_CHECK_FACTOR)
        status[idx] = np.where(check.status != solve_mod.STATUS_OK, check.status, status[idx])
    on_branch = np.isfinite(slope) & (slope > FREEZE_IN_MIN_SLOPE)
    status = np.where((status == solve_mod.STATUS_OK) & ~(converged & on_branch), solve_mod.STATUS_ROOT_FAILED, status)
    epsilon = np.where(status == solve_mod.STATUS_OK, np.exp(ln_e), np.nan)
    return FreezeInLine(m_chi=masses, epsilon=epsilon, omega_h2=omega, slope=slope, n_solves=n_solves,
                        status=status.astype(np.int32))
