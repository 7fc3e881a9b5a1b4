"""BC2 (invisible dark photon) in the two-temperature machinery: the whole epsilon range.

The hidden sector of BC2 is chi alone (``BC2.g_hs_bath == 0``: no relativistic dark bath;
the A' is heavier than 2 m_chi and is never populated as a bath). It is filled by
f fbar -> A'(*) -> chi chibar, whose on-shell A' pole sits in ``BC2.sigma_sm`` and in the
quadrature nodes of ``qedm_jax.thermal``. Along epsilon at fixed (m_chi, alpha_D) the relic
abundance has two branches (DESIGN.md "Derived curves"):

* freeze-in (small epsilon): chi never reaches equilibrium, Omega h^2 ~ epsilon^2 exactly;
* freeze-out (large epsilon): chi thermalizes with the SM, Omega h^2 ~ 1/<sigma v> ~
  epsilon^-2; its Omega h^2 = 0.12 root is the thermal target of ``lines.thermal_target``;

joined by a single maximum of Omega h^2 (the thermalization floor, ``thermalization_floor``).

Design. A two-temperature solve compiles in 30-80 s on a 2-core CPU and runs in ~0.3 s, so
every function here drives ONE compiled kernel -- a jitted ``vmap`` of the solve over a
fixed-size chunk of (m_chi, epsilon) points, one compile per (species, config, chunk) -- and
does its search (freeze-in scaling, grid refinement of the maximum, secant root) in numpy on
the host between kernel calls. Inputs are numpy arrays (or floats), checked with
``ValueError`` before anything is traced; outputs are numpy arrays. The lines here are not
differentiable (use ``lines.thermal_target`` for gradients of the thermal target).

The kernel is ``solve.solve_unchecked``; its two-temperature Newton tolerance
(``SolverConfig.newton_atol``, default ``NEWTON_ATOL`` = 1e-2) was found here first. The stage residual of diffrax's Kvaerno5 is f_i - F(y_i), and with chi
tightly coupled to the SM the vector field F is a difference of rates ~ lambda ~ 1e10-1e12
times larger than their difference (lambda = Gamma / H near T ~ m_A / 2 for epsilon a few
times above the thermal target), so its rounding noise, ~ lambda * 1e-16 per unit of the
state, reaches the 1e-5 Cauchy tolerance: Newton never terminates, every step is rejected
and the solve ends at ``max_steps`` (measured: m_chi = 0.1 GeV, Dirac, alpha_D = 0.5:
epsilon = 1e-4 converges in 117 steps, epsilon = 3e-4 and 1e-3 hit 8192 steps, stalled at
x = 0.631 with dt ~ 1e-11). With 1e-3 every point of epsilon in [1e-12, 1e-3] at m_chi =
0.01-1 GeV converged for Dirac and pseudo-Dirac (80-650 steps, Omega h^2 changed by < 1e-5
where both converge), but the p-wave scalar and Majorana still stalled at m_chi = 0.01 GeV,
epsilon = 1e-3 (20 times the target); 1e-2 converges there too and leaves Omega h^2 unchanged
to the 4 digits compared elsewhere (Newton converges quadratically, so the accepted stage
values are far more accurate than the termination tolerance; the step-size controller keeps
rtol = 1e-5 on the state). The ceiling grows with lambda ~ epsilon^2 / m_chi: much larger
couplings may need more.
"""

from __future__ import annotations

import dataclasses
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import constants as c
from . import lines
from . import solve as solve_mod
from . import sm, thermal
from .models.bc2 import BC2, SPECIES, y_bc2

__all__ = [
    "BC2Line",
    "DEFAULT_CHUNK",
    "KINETIC_RELAXATION",
    "NEWTON_ATOL",
    "bc2_two_temperature_config",
    "omega_vs_epsilon",
    "freeze_in_line",
    "thermalization_floor",
    "large_epsilon_root",
]

#: f-space Cauchy tolerance of the Newton iteration in the implicit stages (module docstring)
NEWTON_ATOL = solve_mod.NEWTON_ATOL_TWO_TEMPERATURE  # 1e-2, the package default
#: points per kernel call (one compile per chunk size); a call costs ~ chunk solves on a CPU
DEFAULT_CHUNK = 4
#: relaxation rate of T_hs towards T per e-fold of x when kinetic equilibrium is imposed
KINETIC_RELAXATION = 1.0e4
#: default start x0 = m_chi / T0 (``bc2_two_temperature_config``)
X0_BC2 = 1.0e-2

_OMEGA_RTOL = 1e-3  # a root counts as converged when |ln(Omega h^2 / target)| is below this
_EPS_FREEZE_IN_REF = 1e-13  # reference epsilon on the freeze-in branch (Omega ~ 1e-2 at 0.01-1 GeV)
_FREEZE_IN_SLOPE_RTOL = 0.01  # branch check: d ln Omega / d ln eps = 2 within this
_FREEZE_IN_ITER = 3  # rescalings eps <- eps sqrt(target / Omega) after the reference solve
_ROOT_ITER = 8  # secant iterations of ``large_epsilon_root``
_ROOT_TOL = 1e-4  # |ln(Omega / target)| at which the secant stops
# thermalization floor: grid refinement of max ln Omega over ln eps (``thermalization_floor``)
_FLOOR_HALF_WIDTH = 3.5  # first grid: ln eps_sat +- this (a factor 33 each way)
_FLOOR_STAGES = ((9, 1.0), (5, 0.3), (5, 0.05))  # (points, half-width after the first) per stage
_STATUS_NOT_BRACKETED = solve_mod.STATUS_ROOT_FAILED


# --- configuration and input checks ---------------------------------------------------------


def bc2_two_temperature_config(**kwargs) -> solve_mod.SolverConfig:
    """Two-temperature solver settings for BC2.

    ``lines.two_temperature_config`` with a later start, x0 = 1e-2 (T0 = 100 m_chi = 33 m_A at
    the default ratio 3), and x_end = 1e4. The start temperature is a physical choice (seed
    003 Sec. 2.3): it must precede the production. In BC2 the SM couples to chi only through
    the photon-like A' (no Z contribution, unlike the secluded model whose default x0 = 1e-3
    reaches above m_Z), and the production f fbar -> A'(*) -> chi chibar peaks on the A' pole
    at T ~ m_A / few, x ~ 1; the off-shell tail above T0 adds ~ m_A / T0 relative to it.
    Measured: freeze-in Omega h^2 at x0 = 1e-2 and 1e-3 differ by < 1% (tested), and the
    later start saves steps and makes the rate table (nodes per e-fold of x) denser.

    Args:
        **kwargs: ``SolverConfig`` fields that override these (``thermalized`` must stay
            False).

    Returns:
        ``SolverConfig`` (two-temperature).

    Raises:
        ValueError: ``thermalized=True`` or an invalid ``SolverConfig`` field.
    """
    if kwargs.get("thermalized", False):
        raise ValueError("bc2_two_temperature_config: thermalized must be False (two-temperature solve)")
    kwargs.pop("thermalized", None)
    kwargs.setdefault("x0", X0_BC2)
    kwargs.setdefault("x_end", 1.0e4)
    return lines.two_temperature_config(**kwargs)


def _positive_finite(name, value, allowed="> 0", upper=None):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number {allowed}; got {value!r}") from None
    if not (math.isfinite(v) and v > 0.0 and (upper is None or v <= upper)):
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return v


def _array_1d(name, values, lower, upper, allowed):
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or 1-d array of numbers {allowed}; got {values!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a non-empty 1-d array {allowed}; got shape {arr.shape}")
    if not np.all(np.isfinite(arr) & (arr > lower) & (arr < upper)):
        raise ValueError(f"{name} must be {allowed}; got {values!r}")
    return arr


def _check(species, m_chi, alpha_D, ratio, delta, config, chunk, omega_h2=None):
    """Check every input before tracing; returns (masses, alpha_D, ratio, delta, config)."""
    if species not in SPECIES:
        raise ValueError(f"species must be one of {', '.join(SPECIES)}; got {species!r}")
    config = bc2_two_temperature_config() if config is None else config
    if not isinstance(config, solve_mod.SolverConfig) or config.thermalized:
        raise ValueError(f"config must be a two-temperature SolverConfig (thermalized=False); got {config!r}")
    # T0 = m_chi / x0 must lie inside the g_star table (sm._T_GSTAR_MAX)
    m_max = sm._T_GSTAR_MAX * config.x0
    masses = _array_1d("m_chi", m_chi, 0.0, math.inf, f"in (0, {m_max:g}] GeV (T0 = m_chi / x0 <= 1e5 GeV)")
    if np.any(masses > m_max):
        raise ValueError(f"m_chi must be in (0, {m_max:g}] GeV (T0 = m_chi / x0 <= 1e5 GeV); got {m_chi!r}")
    alpha_D = _positive_finite("alpha_D", alpha_D, "in (0, 1]", upper=1.0)
    try:
        delta = float(delta)
    except (TypeError, ValueError):
        raise ValueError(f"delta = Delta/m_chi must be a number >= 0; got {delta!r}") from None
    if not (math.isfinite(delta) and delta >= 0.0):
        raise ValueError(f"delta = Delta/m_chi must be >= 0; got {delta!r}")
    delta = delta if species == "pseudo-dirac" else 0.0
    minimum_ratio = 2.0 + delta
    try:
        ratio = float(ratio)
    except (TypeError, ValueError):
        raise ValueError(f"ratio = m_A/m_chi must be a number > {minimum_ratio}; got {ratio!r}") from None
    if not (math.isfinite(ratio) and ratio > minimum_ratio):
        raise ValueError(f"ratio = m_A/m_chi must be > {minimum_ratio} (invisible A' -> chi chi decay open); "
                         f"got {ratio!r}")
    if not (isinstance(chunk, (int, np.integer)) and chunk >= 1):
        raise ValueError(f"chunk must be an integer >= 1; got {chunk!r}")
    if omega_h2 is not None:
        _positive_finite("omega_h2", omega_h2)
    return masses, alpha_D, ratio, delta, config


# --- the compiled kernel --------------------------------------------------------------------


@eqx.filter_jit
def _kernel(m_chi, epsilon, alpha_D, ratio, delta, species, config, kinetic_equilibrium):
    """vmapped solves over equal-shaped (chunk,) arrays; species, config and
    kinetic_equilibrium are static."""

    def one(m, e, a, r, d):
        model = BC2(m_chi=m, m_A=r * m, alpha_D=a, epsilon=e, delta=d, species=species)
        if kinetic_equilibrium:
            return solve_mod.solve_unchecked(model, dataclasses.replace(config, kinetic_relaxation=KINETIC_RELAXATION))
        return solve_mod.solve_unchecked(model, config)

    return jax.vmap(one)(m_chi, epsilon, alpha_D, ratio, delta)


def _evaluate(species, m_chi, epsilon, alpha_D, ratio, delta, config, chunk, kinetic_equilibrium=False):
    """Solve at the points (m_chi[i], epsilon[i]) in chunks of ``chunk`` (the last one padded
    with copies of its last point). Returns a ``Solution`` of numpy arrays, shape (n, ...)."""
    m_chi, epsilon = np.broadcast_arrays(np.asarray(m_chi, dtype=np.float64), np.asarray(epsilon, dtype=np.float64))
    n = m_chi.size
    n_pad = -n % chunk
    m_pad = np.concatenate([m_chi.ravel(), np.repeat(m_chi.ravel()[-1:], n_pad)])
    e_pad = np.concatenate([epsilon.ravel(), np.repeat(epsilon.ravel()[-1:], n_pad)])
    full = lambda v: jnp.full((chunk,), v, dtype=jnp.float64)
    parts = []
    for start in range(0, n + n_pad, chunk):
        sl = slice(start, start + chunk)
        parts.append(_kernel(jnp.asarray(m_pad[sl]), jnp.asarray(e_pad[sl]), full(alpha_D), full(ratio), full(delta),
                             species, config, kinetic_equilibrium))
    stacked = jax.tree.map(lambda *xs: np.concatenate([np.asarray(x) for x in xs])[:n], *parts)
    return stacked


# --- public API -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class BC2Line:
    """A line in the BC2 plane (numpy arrays of shape (n_mass,)).

    Attributes:
        m_chi: DM masses [GeV] (chi1 for pseudo-Dirac), shape (n_mass,).
        epsilon: photon-like kinetic mixing on the line, shape (n_mass,) (NaN where
            status != 0).
        y_bc2: the plot variable Y = epsilon^2 alpha_D (m_chi / m_A)^4 (seed 000;
            ``models.bc2.y_bc2``), shape (n_mass,) (NaN where status != 0).
        omega_h2: Omega h^2 at the line, shape (n_mass,).
        status: int32 ``qedm_jax.solve.STATUS_*`` per mass (0 = converged; 4 = the search
            did not converge or left its branch), shape (n_mass,).
    """

    m_chi: np.ndarray
    epsilon: np.ndarray
    y_bc2: np.ndarray
    omega_h2: np.ndarray
    status: np.ndarray


def _line(masses, epsilon, omega, status, alpha_D, ratio):
    status = np.asarray(status, dtype=np.int32)
    ok = status == solve_mod.STATUS_OK
    epsilon = np.where(ok, epsilon, np.nan)
    y = np.asarray(y_bc2(epsilon, alpha_D, masses, ratio * masses))
    return BC2Line(m_chi=masses, epsilon=epsilon, y_bc2=y, omega_h2=np.asarray(omega, dtype=np.float64), status=status)


def omega_vs_epsilon(
    species: str,
    m_chi: float,
    epsilon,
    alpha_D: float = 0.5,
    ratio: float = 3.0,
    delta: float = 0.1,
    config: solve_mod.SolverConfig | None = None,
    *,
    chunk: int = DEFAULT_CHUNK,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Omega h^2(epsilon) of BC2 from the two-temperature solve, over the whole range.

    Freeze-in branch at small epsilon (Omega ~ epsilon^2), a single maximum where chi first
    reaches chemical equilibrium with the SM (``thermalization_floor``), and the freeze-out
    branch (Omega ~ epsilon^-2) whose 0.12 crossing is the thermal target.

    Args:
        species: "scalar", "majorana", "dirac" or "pseudo-dirac".
        m_chi: DM mass [GeV], scalar, > 0.
        epsilon: photon-like kinetic mixing, shape (n_eps,), each in (0, 1).
        alpha_D: dark coupling, in (0, 1].
        ratio: m_A / m_chi, > 2 (> 2 + delta for pseudo-Dirac).
        delta: (m_chi2 - m_chi1) / m_chi1 for pseudo-Dirac, >= 0 (ignored otherwise).
        config: two-temperature ``SolverConfig`` (default ``bc2_two_temperature_config()``).
        chunk: points per compiled call (static; one compile per value).

    Returns:
        ``(omega_h2, status, t_hs_over_t_end)``, numpy arrays of shape (n_eps,): Omega h^2
        today (NaN where status != 0), the ``solve.STATUS_*`` code, and T_hs / T at x_end.
        Chi is the whole hidden sector and is non-relativistic at x_end, so after its
        kinetic decoupling (from the SM, at x_kd, through the same annihilation and
        production processes) T_hs ~ 1/a^2 while T ~ 1/a: T_hs / T at x_end ~ x_kd / x_end
        << 1 on both branches (x_kd ~ 1 on the freeze-in branch, where chi is produced and
        never re-equilibrates; x_kd ~ x_f / 2 ~ 10 on the freeze-out branch).

    Raises:
        ValueError: bad species, m_chi, epsilon, alpha_D, ratio, delta, config or chunk
            (the message names the parameter and its allowed range), before tracing.
    """
    masses, alpha_D, ratio, delta, config = _check(species, m_chi, alpha_D, ratio, delta, config, chunk)
    if masses.size != 1:
        raise ValueError(f"m_chi must be a scalar mass > 0 GeV; got {m_chi!r}")
    eps = _array_1d("epsilon", epsilon, 0.0, 1.0, "in (0, 1)")
    sol = _evaluate(species, np.full_like(eps, masses[0]), eps, alpha_D, ratio, delta, config, chunk)
    return sol.omega_h2, sol.status.astype(np.int32), sol.t_hs_over_t_end


def _ln_ratio(omega, target):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(omega / target)


def freeze_in_line(
    species: str,
    m_chi,
    alpha_D: float = 0.5,
    ratio: float = 3.0,
    delta: float = 0.1,
    omega_h2: float = c.OMEGA_H2_PLANCK,
    config: solve_mod.SolverConfig | None = None,
    *,
    chunk: int = DEFAULT_CHUNK,
) -> BC2Line:
    """Freeze-in line: the small-epsilon root of Omega h^2(epsilon) = ``omega_h2`` per mass.

    On the freeze-in branch Omega h^2 is exactly proportional to epsilon^2 (production
    ~ epsilon^2 alpha_D, no back-reaction; DESIGN.md "Derived curves"), so from a reference
    solve at epsilon_ref = 1e-13 the root is epsilon_FI = epsilon_ref sqrt(omega_h2 /
    Omega(epsilon_ref)) (the method of ``lines.freeze_in_epsilon_unchecked``), checked by
    solves at epsilon_FI and epsilon_FI / 10: converged when |ln(Omega(epsilon_FI) /
    omega_h2)| < 1e-3 (else rescaled again, at most 3 times), and on the branch when
    d ln Omega / d ln epsilon between the two check points is 2 within 1%.

    Args:
        species: "scalar", "majorana", "dirac" or "pseudo-dirac".
        m_chi: DM masses [GeV], scalar or shape (n_mass,), each > 0.
        alpha_D: dark coupling, in (0, 1].
        ratio: m_A / m_chi, > 2 (> 2 + delta for pseudo-Dirac).
        delta: (m_chi2 - m_chi1) / m_chi1 for pseudo-Dirac, >= 0 (ignored otherwise).
        omega_h2: target Omega h^2, > 0.
        config: two-temperature ``SolverConfig`` (default ``bc2_two_temperature_config()``).
        chunk: points per compiled call (static; one compile per value).

    Returns:
        ``BC2Line`` over the masses (status 4 where the root is not converged or not on the
        freeze-in branch, another ``solve.STATUS_*`` code where a solve failed).

    Raises:
        ValueError: bad species, m_chi, alpha_D, ratio, delta, omega_h2, config or chunk,
            naming the parameter and its allowed range, before tracing.
    """
    masses, alpha_D, ratio, delta, config = _check(species, m_chi, alpha_D, ratio, delta, config, chunk, omega_h2)
    n = masses.size
    evaluate = lambda m, e: _evaluate(species, m, e, alpha_D, ratio, delta, config, chunk)
    eps = np.full(n, _EPS_FREEZE_IN_REF)
    ref = evaluate(masses, eps)
    omega, status = ref.omega_h2, ref.status.astype(np.int32)
    converged = np.zeros(n, dtype=bool)
    on_branch = np.zeros(n, dtype=bool)
    for _ in range(_FREEZE_IN_ITER):
        ok = status == solve_mod.STATUS_OK
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.sqrt(omega_h2 / omega)  # Omega ~ epsilon^2 on the branch
        eps = np.where(ok & ~converged & np.isfinite(step), eps * step, eps)
        eps = np.clip(eps, 1e-30, 0.5)
        check = evaluate(np.concatenate([masses, masses]), np.concatenate([eps, eps / 10.0]))
        omega, omega_tenth = check.omega_h2[:n], check.omega_h2[n:]
        status = np.maximum(check.status[:n], check.status[n:]).astype(np.int32)
        slope = _ln_ratio(omega, omega_tenth) / math.log(10.0)
        on_branch = np.abs(slope / 2.0 - 1.0) < _FREEZE_IN_SLOPE_RTOL
        converged = np.abs(_ln_ratio(omega, omega_h2)) < _OMEGA_RTOL
        if np.all(converged | (status != solve_mod.STATUS_OK)):
            break
    failed = (status == solve_mod.STATUS_OK) & ~(converged & on_branch)
    status = np.where(failed, solve_mod.STATUS_ROOT_FAILED, status)
    return _line(masses, eps, omega, status, alpha_D, ratio)


def _y_eq_at_m(species, masses, alpha_D, ratio, delta, config):
    """Equilibrium yield n_eq / s at T = m_chi (x = 1), shape (n_mass,)."""
    out = []
    for m in masses:
        model = BC2(m_chi=m, m_A=ratio * m, alpha_D=alpha_D, epsilon=1e-3, delta=delta, species=species)
        t = jnp.asarray(m)
        out.append(float(jnp.exp(thermal.ln_n_eq(model, t)) / sm.entropy_density(t, config.gstar)))
    return np.asarray(out)


def _parabola_vertex(values, spacing):
    """Offset of the vertex of the parabola through (-h, 0, h) -> (a, b, c), clipped to +-h."""
    a, b, cc = values
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = spacing * (a - cc) / (2.0 * (a - 2.0 * b + cc))
    return np.clip(np.nan_to_num(offset), -spacing, spacing)


def thermalization_floor(
    species: str,
    m_chi,
    alpha_D: float = 0.5,
    ratio: float = 3.0,
    delta: float = 0.1,
    config: solve_mod.SolverConfig | None = None,
    *,
    chunk: int = DEFAULT_CHUNK,
) -> BC2Line:
    """Thermalization floor of BC2: the epsilon at which Omega h^2(epsilon) is maximal.

    Definition: at fixed (m_chi, alpha_D, m_A / m_chi), epsilon_TF = argmax_epsilon
    Omega h^2(epsilon) of the two-temperature solve, and Y_TF = epsilon_TF^2 alpha_D
    (m_chi / m_A)^4. Below it (freeze-in) Omega grows like epsilon^2 because chi never
    reaches equilibrium; above it more coupling means more depletion: chi has reached
    chemical equilibrium with the SM and the relic abundance is set by (out-of-equilibrium,
    then ordinary) freeze-out. The maximum is where production saturates at the equilibrium
    yield, so it is a property of Omega(epsilon) alone, insensitive to tolerances (unlike
    "max_x Y / Y_eq reaches 1", which depends on where Y_eq is evaluated, or seed 003's
    "Omega within 1% of the thermalized value", which for BC2 lies on the freeze-out branch
    orders of magnitude higher in epsilon because chi kinetically decouples at freeze-out in
    this system, see ``large_epsilon_root``). At the maximum the largest Y / Y_eq(T) along
    the trajectory is of order one (chi just reaches equilibrium); a Y / Y_eq = 1 criterion
    gives an epsilon within a factor of a few of epsilon_TF. The floor is an upper bound on
    the freeze-in line at Omega h^2 = 0.12 (eps_FI < eps_TF < eps_target).

    Search: the freeze-in coefficient A = Omega / epsilon^2 from one solve at epsilon = 1e-13
    gives the saturation estimate epsilon_sat = sqrt(Omega_eq / A) with Omega_eq the Omega h^2
    of the equilibrium yield at T = m_chi; then three grids in ln epsilon (9 points over
    ln epsilon_sat +- 3.5, 5 over +-0.4, 5 over +-0.06), each centred on the vertex of the
    parabola through the largest ln Omega and its neighbours, and a final solve at the
    vertex. Located to ~1e-3 in ln epsilon (Omega is flat there: its noise is ~1e-5).

    Args:
        species: "scalar", "majorana", "dirac" or "pseudo-dirac".
        m_chi: DM masses [GeV], scalar or shape (n_mass,), each > 0.
        alpha_D: dark coupling, in (0, 1].
        ratio: m_A / m_chi, > 2 (> 2 + delta for pseudo-Dirac).
        delta: (m_chi2 - m_chi1) / m_chi1 for pseudo-Dirac, >= 0 (ignored otherwise).
        config: two-temperature ``SolverConfig`` (default ``bc2_two_temperature_config()``).
        chunk: points per compiled call (static; one compile per value).

    Returns:
        ``BC2Line``: epsilon_TF, Y_TF and omega_h2 = Omega h^2 at the floor (the maximum);
        status 4 where the maximum is not inside the first grid or a grid edge is the
        largest value at the last stage, another ``solve.STATUS_*`` code where a solve failed.

    Raises:
        ValueError: bad species, m_chi, alpha_D, ratio, delta, config or chunk, naming the
            parameter and its allowed range, before tracing.
    """
    masses, alpha_D, ratio, delta, config = _check(species, m_chi, alpha_D, ratio, delta, config, chunk)
    n = masses.size
    evaluate = lambda m, e: _evaluate(species, m, e, alpha_D, ratio, delta, config, chunk)
    ref = evaluate(masses, np.full(n, _EPS_FREEZE_IN_REF))
    status = ref.status.astype(np.int32)
    coefficient = ref.omega_h2 / _EPS_FREEZE_IN_REF**2  # freeze-in: Omega = A epsilon^2
    omega_eq = c.OMEGA_H2_PER_GEV_Y * masses * _y_eq_at_m(species, masses, alpha_D, ratio, delta, config)
    with np.errstate(invalid="ignore"):
        centre = 0.5 * np.log(omega_eq / coefficient)
    centre = np.where(np.isfinite(centre), centre, math.log(1e-8))
    bracketed = np.ones(n, dtype=bool)
    for stage, (n_points, half_width) in enumerate(_FLOOR_STAGES):
        half_width = _FLOOR_HALF_WIDTH if stage == 0 else half_width
        offsets = np.linspace(-half_width, half_width, n_points)
        spacing = offsets[1] - offsets[0]
        ln_eps = np.minimum(centre[:, None] + offsets[None, :], math.log(0.5))
        sol = evaluate(np.repeat(masses, n_points), np.exp(ln_eps).ravel())
        ln_omega = np.log(sol.omega_h2.reshape(n, n_points))
        status = np.maximum(status, sol.status.reshape(n, n_points).max(axis=1)).astype(np.int32)
        k = np.argmax(np.where(np.isfinite(ln_omega), ln_omega, -np.inf), axis=1)
        edge = (k == 0) | (k == n_points - 1)
        if stage in (0, len(_FLOOR_STAGES) - 1):
            bracketed &= ~edge
        k = np.clip(k, 1, n_points - 2)
        rows = np.arange(n)
        values = (ln_omega[rows, k - 1], ln_omega[rows, k], ln_omega[rows, k + 1])
        centre = ln_eps[rows, k] + _parabola_vertex(values, spacing)
    final = evaluate(masses, np.exp(centre))
    status = np.maximum(status, final.status).astype(np.int32)
    status = np.where((status == solve_mod.STATUS_OK) & ~bracketed, _STATUS_NOT_BRACKETED, status)
    return _line(masses, np.exp(centre), final.omega_h2, status, alpha_D, ratio)


def large_epsilon_root(
    species: str,
    m_chi,
    alpha_D: float = 0.5,
    ratio: float = 3.0,
    delta: float = 0.1,
    omega_h2: float = c.OMEGA_H2_PLANCK,
    config: solve_mod.SolverConfig | None = None,
    *,
    chunk: int = DEFAULT_CHUNK,
    kinetic_equilibrium: bool = False,
) -> BC2Line:
    """Freeze-out-branch root of Omega h^2(epsilon) = ``omega_h2`` from the two-temperature solve.

    Starts from the BC2 thermal target of ``lines.thermal_target`` (thermalized, T_hs = T,
    same model) and runs a secant iteration in ln epsilon on ln(Omega / omega_h2) (first
    step with the freeze-out slope d ln Omega / d ln epsilon = -2), at most 8 solves per
    mass, until |ln(Omega / omega_h2)| < 1e-4. Status 4 if not converged or if the local
    slope at the root is not < -1 (not the freeze-out branch).

    Physics note: the two-temperature system (seed 003 Eqs. 2.14-2.16) exchanges energy
    between chi and the SM only through annihilation and production; elastic scattering
    chi f -> chi f (t-channel A') is not in it. Chi then decouples kinetically at chemical
    freeze-out and T_hs falls below T, which lowers <sigma v>(T_hs) after freeze-out: the
    root lies ABOVE the thermal target, by 1-2% in epsilon for the (s-wave) Dirac species
    and ~50% for the p-wave scalar (sigma v ~ T_hs); measured at alpha_D = 0.5, ratio 3,
    m_chi = 0.01-1 GeV. In BC2 elastic scattering on the relativistic e+- bath keeps chi in
    kinetic equilibrium through freeze-out, so the thermal target is the physical answer on
    this branch and the gap measures the missing process. ``kinetic_equilibrium=True``
    imposes it (the limit of fast elastic scattering, valid on this branch only): a
    relaxation -K ln(T_hs/T) with K = ``KINETIC_RELAXATION`` per e-fold of x is added to
    the temperature equation, T_hs/T stays within ~1e-4 of 1, and the number equation is the
    full two-temperature one; the root then equals the thermal target to ~0.2% in epsilon.

    Args:
        species: "scalar", "majorana", "dirac" or "pseudo-dirac".
        m_chi: DM masses [GeV], scalar or shape (n_mass,), each > 0.
        alpha_D: dark coupling, in (0, 1].
        ratio: m_A / m_chi, > 2 (> 2 + delta for pseudo-Dirac).
        delta: (m_chi2 - m_chi1) / m_chi1 for pseudo-Dirac, >= 0 (ignored otherwise).
        omega_h2: target Omega h^2, > 0.
        config: two-temperature ``SolverConfig`` (default ``bc2_two_temperature_config()``).
        chunk: points per compiled call (static; one compile per value).
        kinetic_equilibrium: impose T_hs = T (see above; static, its own compile).

    Returns:
        ``BC2Line`` over the masses (the thermal target's status where it failed).

    Raises:
        ValueError: bad species, m_chi, alpha_D, ratio, delta, omega_h2, config or chunk,
            naming the parameter and its allowed range, before tracing.
    """
    masses, alpha_D, ratio, delta, config = _check(species, m_chi, alpha_D, ratio, delta, config, chunk, omega_h2)
    n = masses.size
    make = lambda m: BC2(m_chi=m, m_A=ratio * m, alpha_D=alpha_D, epsilon=1e-3, delta=delta, species=species)
    start = lines.thermal_target(make, jnp.asarray(masses), omega_h2=omega_h2)
    status = np.asarray(start.status, dtype=np.int32)
    usable = status == solve_mod.STATUS_OK
    ln_e0 = np.where(usable, np.log(np.asarray(start.epsilon)), math.log(1e-4))
    evaluate = lambda e: _evaluate(species, masses, e, alpha_D, ratio, delta, config, chunk, bool(kinetic_equilibrium))
    first = evaluate(np.exp(ln_e0))
    f0 = _ln_ratio(first.omega_h2, omega_h2)
    status = np.where(usable, first.status, status).astype(np.int32)
    ln_e1, omega, f1, slope = ln_e0, first.omega_h2, f0, np.full(n, -2.0)
    for _ in range(_ROOT_ITER):
        if np.all((np.abs(f1) < _ROOT_TOL) | (status != solve_mod.STATUS_OK)):
            break
        safe_slope = np.where(np.isfinite(slope) & (slope < -0.5), slope, -2.0)  # first: Omega ~ eps^-2
        ln_next = np.where(np.isfinite(f1), ln_e1 - f1 / safe_slope, ln_e1)
        ln_e0, f0, ln_e1 = ln_e1, f1, np.minimum(ln_next, math.log(0.5))
        sol = evaluate(np.exp(ln_e1))
        status = np.where(status == solve_mod.STATUS_OK, sol.status, status).astype(np.int32)
        omega, f1 = sol.omega_h2, _ln_ratio(sol.omega_h2, omega_h2)
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = np.where(np.abs(ln_e1 - ln_e0) > 1e-12, (f1 - f0) / (ln_e1 - ln_e0), slope)
    failed = (status == solve_mod.STATUS_OK) & ~((np.abs(f1) < 10 * _ROOT_TOL) & (slope < -1.0))
    status = np.where(failed, solve_mod.STATUS_ROOT_FAILED, status)
    return _line(masses, np.exp(ln_e1), omega, status, alpha_D, ratio)
