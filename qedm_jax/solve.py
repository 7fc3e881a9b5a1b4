"""Stiff solve of the Boltzmann system for one parameter point: Omega h^2 and diagnostics.

``solve(model, config)`` integrates ``qedm_jax.boltzmann.vector_field`` in tau = ln x with
``diffrax.Kvaerno5`` and a PID step-size controller. The default ``VeryChord`` root finder of the
released diffrax/optimistix stops after two iterations and reports divergence (optimistix
issue #221), which makes the step controller shrink steps endlessly (DESIGN.md, Numerics), so
the implicit stages use full Newton iterations: ``optimistix.Newton`` with the rate-based
termination for the thermalized system (~70 steps). The two-temperature system runs by default
on ``esdirk.Kvaerno5Chord`` (the same Kvaerno5 tableau, one Jacobian per step, a fixed number of
chord iterations in the departure coordinates ``boltzmann.DepartureCoordinates``: no
data-dependent loop, 4x faster through the lane queue); ``integrator="kvaerno5"`` keeps
diffrax's Kvaerno5 with ``newton.FixedNewton`` (early exit; it tests the state increment instead
of the residual: ``ode_solver`` has the measurements; the rate-based test rejected ~45% of the
stiff two-temperature steps, a residual tolerance had to be loosened to 1e-2).

Failures are data: the solve never raises inside jit; ``Solution.status`` holds a code per
point (``STATUS_*``), and ``omega_h2`` is NaN exactly where status != 0.
"""

from __future__ import annotations

import math

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from jaxtyping import Array, Float, Int

from . import constants as c
from . import io, sm, thermal
from .boltzmann import DepartureCoordinates, SystemOptions, vector_field
from .esdirk import KAPPA as CHORD_KAPPA
from .esdirk import Kvaerno5Chord
from .linsolve import Cramer2
from .newton import kvaerno5
from .models.base import AbstractModel

__all__ = [
    "SolverConfig",
    "Solution",
    "solve",
    "solve_unchecked",
    "two_temperature_config",
    "check_model",
    "STATUS_OK",
    "STATUS_MAX_STEPS",
    "STATUS_SOLVER_FAILED",
    "STATUS_NONFINITE",
    "STATUS_ROOT_FAILED",
    "STATUS_MESSAGES",
]

#: default rate-table nodes (``SolverConfig.n_table = 0``), thermalized and two-temperature
N_TABLE_THERMALIZED = 96
N_TABLE_TWO_TEMPERATURE = 160
#: Newton iterations at most per implicit stage, two-temperature (``newton.FixedNewton`` with early exit)
NEWTON_MAX_ITERATIONS = 10
#: default convergence factor of the two-temperature Newton (``SolverConfig.newton_kappa``)
NEWTON_KAPPA = 1.0e-2

STATUS_OK = 0
STATUS_MAX_STEPS = 1
STATUS_SOLVER_FAILED = 2
STATUS_NONFINITE = 3
STATUS_ROOT_FAILED = 4
STATUS_MESSAGES = {
    STATUS_OK: "converged",
    STATUS_MAX_STEPS: "ODE solver reached max_steps",
    STATUS_SOLVER_FAILED: "ODE solver failed (step size or implicit-stage divergence)",
    STATUS_NONFINITE: "non-finite result",
    STATUS_ROOT_FAILED: "root finder did not converge (no relic solution in range?)",
}


#: the two-temperature integrators (``SolverConfig.integrator``)
INTEGRATORS = ("kvaerno5", "kvaerno5_chord")


class SolverConfig(eqx.Module):
    """Numerical and physical settings of a solve (all static: a change recompiles).

    Attributes:
        thermalized: T_hs = T (one-temperature freeze-out, starting in equilibrium).
        x0: start x = m_chi / T. Thermalized: Y starts at Y_eq(x0). Two-temperature: the
            start temperature m_chi / x0 is a physical choice (seed 003 Sec. 2.3).
        x_end: end x; late enough that the yield is frozen.
        init_scale: two-temperature start: the hidden sector holds ``init_scale`` times the
            number and energy that the SM injects in one e-fold of x at x0 (a cold, nearly
            empty hidden sector, seed 003 Sec. 2.3; Y0 -> 0 is this with init_scale -> 0,
            which the stiff solver cannot start from in log variables). The result must not
            depend on it (tested).
        rtol, atol: step-size control. Thermalized: PID tolerances atol + rtol |ln Y| on ln Y.
            Two-temperature: rtol is the relative accuracy asked of Y and T_hs/T, i.e. each
            step's error in ln Y and in ERROR_WEIGHT_LN_T_HS x ln(T_hs/T) is held to rtol + atol
            (absolute on the logs; ``ode_solver``), and Omega h^2 comes out within ~2 rtol of a
            rtol-1e-9 solve and within 10 rtol between batches (``tests/test_batch_invariance.py``).
        max_steps: ODE step limit (hitting it gives ``STATUS_MAX_STEPS``).
        fast: use the tabulated rates (fast path) instead of quadrature in the RHS.
        n_table: nodes of the rate table in ln x; 0 (default) picks ``N_TABLE_THERMALIZED``
            (96: node spacing ~0.11 in ln x, Omega h^2 agrees with exact quadrature to the
            ODE noise floor of ~3e-4 down to 60 nodes) or ``N_TABLE_TWO_TEMPERATURE`` (160
            over the ~24 e-folds from x0 = 1e-3 to 1e3 x_end; 120-360 nodes gave the same
            Omega h^2 to <= 1e-3 at ten secluded points in all regimes).
        newton_atol: thermalized only: residual tolerance of the Newton iterations of the
            implicit stages (``optimistix.Newton``, rate-based termination); None (default):
            ``atol``. Setting it for a two-temperature config raises ValueError.
        newton_kappa: two-temperature only: a stage's Newton iteration has converged when its
            last state increment is <= newton_kappa x (atol + rtol |y|) (``ode_solver``;
            Hairer & Wanner II, Sec. IV.8: 1e-2..1e-1), in (0, 1]; None (default): the
            integrator's own (``NEWTON_KAPPA`` = 1e-2 for "kvaerno5", ``esdirk.KAPPA`` = 5e-2
            for "kvaerno5_chord"); ``kappa`` holds the value used.
        kinetic_relaxation: two-temperature only: ``SystemOptions.kinetic_relaxation``
            (0: off; the physical system has none).
        depletion: keep the depletion terms (False: production only).
        gstar: g_star table name.
        n_save: number of trajectory points saved, log-spaced in x (0: only the end).
        adjoint: "recursive" (reverse mode), "forward" (forward mode, for root finding) or
            "direct" (both).
        integrator: "kvaerno5" (diffrax's Kvaerno5; two-temperature with ``newton.FixedNewton``:
            exact Jacobian at every Newton iterate, early exit at <= 10 iterations) or
            "kvaerno5_chord" (two-temperature only: ``esdirk.Kvaerno5Chord``, the same tableau
            with one Jacobian per step and ``esdirk.NUM_ITERATIONS`` chord iterations per stage
            in ``boltzmann.DepartureCoordinates``, lanes in lockstep; on the 76-point benchmark
            set 4.0x faster through the lane queue and 5.5x in one vmap batch, Omega h^2 error
            5.8e-4 vs 1.3e-3 against rtol 1e-9, ``benchmarks/bench_esdirk.py``); None (default): "kvaerno5"
            thermalized, "kvaerno5_chord" two-temperature. ``integrator_name`` holds the choice.
    """

    thermalized: bool = eqx.field(static=True, default=True)
    x0: float = eqx.field(static=True, default=1.0)
    x_end: float = eqx.field(static=True, default=1.0e4)
    init_scale: float = eqx.field(static=True, default=1.0)
    rtol: float = eqx.field(static=True, default=1.0e-6)
    atol: float = eqx.field(static=True, default=1.0e-8)
    max_steps: int = eqx.field(static=True, default=4096)
    fast: bool = eqx.field(static=True, default=True)
    n_table: int = eqx.field(static=True, default=0)
    depletion: bool = eqx.field(static=True, default=True)
    gstar: str = eqx.field(static=True, default=sm.DEFAULT_GSTAR)
    n_save: int = eqx.field(static=True, default=0)
    adjoint: str = eqx.field(static=True, default="recursive")
    newton_atol: float | None = eqx.field(static=True, default=None)
    newton_kappa: float | None = eqx.field(static=True, default=None)
    kinetic_relaxation: float = eqx.field(static=True, default=0.0)
    integrator: str | None = eqx.field(static=True, default=None)

    @property
    def integrator_name(self) -> str:
        """The integrator used: ``integrator``, or the default of the mode (see the attribute)."""
        if self.integrator is not None:
            return self.integrator
        return "kvaerno5" if self.thermalized else "kvaerno5_chord"

    @property
    def kappa(self) -> float:
        """The two-temperature Newton convergence factor used (``newton_kappa`` or the integrator's)."""
        if self.newton_kappa is not None:
            return self.newton_kappa
        return NEWTON_KAPPA if self.integrator_name == "kvaerno5" else CHORD_KAPPA

    def __check_init__(self):
        if not 0.0 < self.x0 < self.x_end:
            raise ValueError(f"x0 and x_end must satisfy 0 < x0 < x_end, got {self.x0}, {self.x_end}")
        if not 0.0 <= self.kinetic_relaxation < 1.0e8:
            raise ValueError(f"kinetic_relaxation must be in [0, 1e8), got {self.kinetic_relaxation}")
        if self.newton_atol is not None and not 0.0 < self.newton_atol < 1.0:
            raise ValueError(f"newton_atol must be None or in (0, 1), got {self.newton_atol}")
        if self.newton_atol is not None and not self.thermalized:
            raise ValueError("newton_atol applies to the thermalized solve only (the two-temperature Newton "
                             f"tests the state increment: set newton_kappa), got newton_atol = {self.newton_atol}")
        if self.newton_kappa is not None and not 0.0 < self.newton_kappa <= 1.0:
            raise ValueError(f"newton_kappa must be in (0, 1], got {self.newton_kappa}")
        if not 0.0 < self.init_scale <= 1.0e3:
            raise ValueError(f"init_scale must be in (0, 1e3], got {self.init_scale}")
        if not (0.0 < self.rtol < 1.0 and 0.0 < self.atol < 1.0):
            raise ValueError(f"rtol and atol must be in (0, 1), got {self.rtol}, {self.atol}")
        if self.max_steps < 1 or not (self.n_table == 0 or self.n_table >= 8):
            raise ValueError(f"max_steps must be >= 1 and n_table 0 (auto) or >= 8, got {self.max_steps}, {self.n_table}")
        if self.gstar not in io.GSTAR_TABLES:
            raise ValueError(f"gstar must be one of {sorted(io.GSTAR_TABLES)}, got {self.gstar!r}")
        if self.integrator is not None and self.integrator not in INTEGRATORS:
            raise ValueError(f"integrator must be None or one of {INTEGRATORS}, got {self.integrator!r}")
        if self.thermalized and self.integrator_name != "kvaerno5":
            raise ValueError(f"integrator {self.integrator!r} applies to the two-temperature solve only; a "
                             "thermalized config uses 'kvaerno5'")
        if self.adjoint not in ("recursive", "forward", "direct"):
            raise ValueError(f"adjoint must be 'recursive', 'forward' or 'direct', got {self.adjoint!r}")

    def table_ln_x(self) -> np.ndarray:
        """The ln x nodes of the rate table (covers T and, two-temperature, colder T_hs).

        Uniform in ln x (``thermal.ln_x_grid``) from ln(x0 / 1.5) to ln(1.5 x_end) thermalized, or
        to ln(1.5e3 x_end) two-temperature (T_hs down to 1e-3 T); x = m_chi / T is
        dimensionless.

        Returns:
            numpy float64 array of shape (``table_nodes()``,), increasing.
        """
        upper = self.x_end * (1.0 if self.thermalized else 1.0e3)
        return thermal.ln_x_grid(self.x0 / 1.5, upper * 1.5, self.table_nodes())

    def table_nodes(self) -> int:
        """Number of rate-table nodes: ``n_table``, or the default of the mode when it is 0.

        Returns:
            ``n_table`` if non-zero, else ``N_TABLE_THERMALIZED`` (thermalized) or
            ``N_TABLE_TWO_TEMPERATURE``; an int >= 8.
        """
        if self.n_table:
            return self.n_table
        return N_TABLE_THERMALIZED if self.thermalized else N_TABLE_TWO_TEMPERATURE


class Solution(eqx.Module):
    """Result of one solve.

    Attributes:
        omega_h2: Omega h^2 today, scalar (NaN where status != 0).
        y_end: total DM yield Y = n/s at x_end, scalar.
        status: int32 status code (``STATUS_*``), scalar.
        num_steps: accepted + rejected ODE steps, scalar.
        t_hs_over_t_end: T_hs / T at x_end, scalar (1 when thermalized).
        x: saved x values, shape (n_save,).
        y: saved yields Y, shape (n_save,).
        t_hs_over_t: saved T_hs / T, shape (n_save,).
    """

    omega_h2: Float[Array, ""]
    y_end: Float[Array, ""]
    status: Int[Array, ""]
    num_steps: Int[Array, ""]
    t_hs_over_t_end: Float[Array, ""]
    x: Float[Array, " n_save"]
    y: Float[Array, " n_save"]
    t_hs_over_t: Float[Array, " n_save"]


def check_model(model: AbstractModel) -> None:
    """Check concrete physical inputs before anything is traced.

    Args:
        model: a parameter point with concrete (non-traced) scalar fields.

    Returns:
        None (the model passed every check). A field that is traced or absent is skipped.

    Raises:
        ValueError: m_chi <= 0, alpha_D <= 0, epsilon outside (0, 1), non-finite values,
            or model-specific conditions (m_A <= m_chi1 + m_chi2 for BC2, delta < 0,
            m_ZD >= m_chi for the secluded model).
    """
    def value(name):
        v = getattr(model, name, None)
        if v is None:
            return None
        try:
            return float(v)
        except (TypeError, jax.errors.ConcretizationTypeError):
            return None  # traced: checked by the caller before tracing

    checks = [
        ("m_chi", lambda v: v > 0.0, "m_chi must be > 0 GeV"),
        ("alpha_D", lambda v: v > 0.0, "alpha_D must be > 0"),
        ("epsilon", lambda v: 0.0 < v < 1.0, "epsilon must be in (0, 1)"),
        ("delta", lambda v: v >= 0.0, "delta (Delta/m_chi) must be >= 0"),
    ]
    for name, ok, message in checks:
        v = value(name)
        if v is not None and not (math.isfinite(v) and ok(v)):
            raise ValueError(f"{message}, got {name} = {v}")
    m_chi, m_a = value("m_chi"), value("m_A")
    if m_a is not None and m_chi is not None:
        m_chi2 = m_chi * (1.0 + (value("delta") or 0.0)) if getattr(model, "species", "") == "pseudo-dirac" else m_chi
        if not (math.isfinite(m_a) and m_a > m_chi + m_chi2):
            raise ValueError(f"m_A must be > m_chi1 + m_chi2 = {m_chi + m_chi2} GeV (invisible A'), got m_A = {m_a}")
    m_zd = value("m_ZD")
    if m_zd is not None and m_chi is not None and not (0.0 < m_zd < m_chi):
        raise ValueError(f"m_ZD must be in (0, m_chi) = (0, {m_chi}) GeV, got m_ZD = {m_zd}")


def _status_from_result(result, omega_h2):
    status = jnp.where(
        result == diffrax.RESULTS.successful,
        STATUS_OK,
        jnp.where(result == diffrax.RESULTS.max_steps_reached, STATUS_MAX_STEPS, STATUS_SOLVER_FAILED),
    )
    return jnp.where((status == STATUS_OK) & ~jnp.isfinite(omega_h2), STATUS_NONFINITE, status).astype(jnp.int32)


def _adjoint(name: str):
    if name == "forward":
        return diffrax.ForwardMode()
    if name == "direct":
        return diffrax.DirectAdjoint()
    return diffrax.RecursiveCheckpointAdjoint()


def initial_state(model: AbstractModel, config: SolverConfig) -> Float[Array, "2"]:
    """Initial (ln(T_hs/T), ln Y).

    Thermalized: Y = Y_eq(x0), T_hs = T. Two-temperature: the hidden sector holds
    ``init_scale`` times what the SM injects in one e-fold at x0 -- number
    Y_inj = (1 + delta) Gamma_n(T0) / (H s) and energy rho_inj = (1 + delta) Gamma_E(T0) / H --
    and T_hs solves rho_bath(T_hs) + n B(T_hs) = rho_inj (bisection in ln T_hs). If Y_inj
    exceeds Y_eq(T0) the hidden sector starts in equilibrium with the SM instead.

    Args:
        model: parameter point (may be traced).
        config: ``SolverConfig`` (x0, init_scale, thermalized, gstar are used).

    Returns:
        ``(ln(T_hs/T), ln Y)`` at x0, shape (2,), dimensionless.

    Source: seed 003 Sec. 2.3 (cold, nearly empty hidden sector); DESIGN.md "The Boltzmann system".
    """
    temperature = model.m_chi / config.x0
    s = sm.entropy_density(temperature, config.gstar)
    ln_neq = thermal.ln_n_eq(model, temperature)
    ln_y_eq = ln_neq - jnp.log(s)
    if config.thermalized:
        return jnp.stack([jnp.zeros_like(ln_y_eq), ln_y_eq])
    per_efold = (1.0 + sm.dln_g_star_s_dln_T(temperature, config.gstar) / 3.0) / sm.hubble(temperature, config.gstar)
    sv, sve, _ = (thermal.sigma_v_eff(model, temperature), thermal.sigma_v_E_eff(model, temperature), None)
    ln_y_inj = jnp.log(config.init_scale * per_efold * sv / s) + 2.0 * ln_neq  # Gamma_n = sv n_eq^2
    ln_rho_inj = jnp.log(config.init_scale * per_efold * sve) + 2.0 * ln_neq  # Gamma_E = svE n_eq^2
    ln_n0 = ln_y_inj + jnp.log(s)

    def excess(ln_t_hs):  # ln(rho_HS(T_hs)) - ln(rho_inj), increasing in T_hs
        t_hs = jnp.exp(ln_t_hs)
        rho = model.g_hs_bath * math.pi**2 / 30.0 * t_hs**4 + jnp.exp(ln_n0) * thermal.mean_energy(model, t_hs)
        return jnp.log(rho) - ln_rho_inj

    def bisect(_, bounds):
        lo, hi = bounds
        mid = 0.5 * (lo + hi)
        above = excess(mid) > 0.0
        return jnp.where(above, lo, mid), jnp.where(above, mid, hi)

    lo, hi = jax.lax.fori_loop(0, 64, bisect, (jnp.log(temperature) - 60.0, jnp.log(temperature)))
    ln_ratio = jnp.minimum(0.5 * (lo + hi) - jnp.log(temperature), 0.0)
    equilibrated = ln_y_inj > ln_y_eq
    return jnp.stack([jnp.where(equilibrated, 0.0, ln_ratio), jnp.where(equilibrated, ln_y_eq, ln_y_inj)])


def two_temperature_config(x0: float = 1.0e-3, **kwargs) -> SolverConfig:
    """Default settings of the two-temperature (freeze-in capable) solve.

    Args:
        x0: start x = m_chi / T0. The start temperature is physical here (seed 003 Sec. 2.3):
            the default T0 = 1000 m_chi lies above m_Z for every m_chi >= 0.1 GeV, so that
            Z -> chi chibar decays, which dominate freeze-in above a few GeV, are included.
        **kwargs: other ``SolverConfig`` fields (``thermalized`` only as False).

    Returns:
        ``SolverConfig(thermalized=False, x0=x0, ...)``.

    Raises:
        ValueError: ``thermalized=True`` (use ``SolverConfig`` for the thermalized solve), or a
            field outside its range (``SolverConfig``'s checks).
    """
    if kwargs.pop("thermalized", False):
        raise ValueError("thermalized must be False for two_temperature_config (it sets up the two-temperature "
                         "solve; use SolverConfig(thermalized=True) for the thermalized one)")
    kwargs.setdefault("max_steps", 8192)
    kwargs.setdefault("rtol", 1.0e-5)  # at 1e-6 stiff thermalized points (eps ~ 3e-6) hit 40,000 steps
    kwargs.setdefault("atol", 1.0e-7)
    return SolverConfig(thermalized=False, x0=x0, **kwargs)


#: first step in tau = ln x of every solve
DT0 = 1.0e-3


def system_options(config: SolverConfig) -> SystemOptions:
    """The ``SystemOptions`` of the Boltzmann right-hand side for ``config``.

    Args:
        config: ``SolverConfig`` (thermalized, depletion, gstar, kinetic_relaxation are used).

    Returns:
        ``boltzmann.SystemOptions`` (static switches of seed 003 Eqs. 2.14-2.16).
    """
    return SystemOptions(thermalized=config.thermalized, depletion=config.depletion, gstar=config.gstar,
                         kinetic_relaxation=config.kinetic_relaxation)


#: two-temperature step control: the error of ln(T_hs/T) counts ERROR_WEIGHT_LN_T_HS times that
#: of ln Y, the sensitivity of Omega h^2 (Y_eq(T_hs) ~ exp(-m_chi / T_hs): d ln Omega / d ln T_hs
#: ~ x_h ~ 20 at freeze-out)
ERROR_WEIGHT_LN_T_HS: float = 20.0


def local_tolerance(config: SolverConfig) -> float:
    """The two-temperature step controller's absolute tolerance on the logs.

    Args:
        config: ``SolverConfig`` (its rtol and atol).

    Returns:
        ``config.rtol + config.atol``, dimensionless: the bound on each step's error in ln Y
        and in ERROR_WEIGHT_LN_T_HS x ln(T_hs/T) (a relative error in Y and T_hs/T), used by
        ``ode_solver`` for the PID controller and the Newton increment test. Source: this
        package's measurement (``ode_solver`` docstring, ``benchmarks/bench_error_control.py``).
    """
    return config.rtol + config.atol


def two_temperature_error_norm(error: Float[Array, "2"]) -> Float[Array, ""]:
    """The step controller's norm of a two-temperature step's scaled error estimate.

    Args:
        error: the error estimate of (ln(T_hs/T), ln Y) divided by ``local_tolerance``, shape (2,).

    Returns:
        sqrt(((ERROR_WEIGHT_LN_T_HS e_r)^2 + e_lnY^2) / 2), scalar; a step is accepted where
        it is <= 1 (``diffrax.PIDController``). Raises nothing.
    """
    weights = jnp.asarray([ERROR_WEIGHT_LN_T_HS, 1.0], dtype=error.dtype)
    return jnp.sqrt(jnp.mean((weights * error) ** 2))


def ode_solver(config: SolverConfig) -> tuple[diffrax.AbstractAdaptiveSolver, diffrax.PIDController]:
    """The integrator of every solve, and the PID step-size controller (shared by
    ``solve_unchecked`` and ``qedm_jax.lanes``).

    Thermalized: ``diffrax.Kvaerno5`` with ``optimistix.Newton`` and the rate-based termination
    (``cauchy_termination=False``, residual tolerance ``newton_atol``): ~70 steps, where Cauchy
    termination hits max_steps; PID tolerances atol + rtol |y|.

    Two-temperature step control: the PID controller holds the RMS of (ERROR_WEIGHT_LN_T_HS
    e_r, e_lnY), each step's error estimate of (ln(T_hs/T), ln Y), to ``local_tolerance(config)``
    = rtol + atol, absolute on the logs (``two_temperature_error_norm``). Before 2026-12-08 it
    was rtol |y| + atol on the unweighted state, which lets ln Y (|ln Y| ~ 20-40) err ~30 x
    rtol per step and weighs ln(T_hs/T), to which Omega is ~20 times more sensitive, like ln Y:
    Omega h^2 was up to 2e-4 (stiff points) / 2.8e-4 (a 6 x 6 grid) from a rtol-1e-9 solve and
    up to 1.9e-4 apart between batches; with this control 2.3e-5 / 1.3e-5 and 2.4e-5, at 1.4x
    the median steps on the stiff points and 0.86x the total on the grid, whose slowest point
    took 896 steps instead of 2,379 (``benchmarks/bench_error_control.py``, the chord
    integrator, one run, ``bench_error_control_cpu_2026-12-08.json``). Integrator,
    ``config.integrator_name``:
    "kvaerno5_chord" (default): ``esdirk.Kvaerno5Chord`` in ``boltzmann.DepartureCoordinates``
    (measured in ``benchmarks/bench_esdirk.py``; the ``esdirk`` module docstring has the
    reasons). "kvaerno5":
    ``diffrax.Kvaerno5`` with ``newton.FixedNewton`` and ``early_exit``: up
    to ``NEWTON_MAX_ITERATIONS`` Newton iterations (exact Jacobian), stopped when the last state
    increment is <= ``config.kappa`` x (atol + rtol |y|) (Hairer & Wanner II, Sec. IV.8). Its
    test is in the state, where the rounding noise of the residual (~1e-3 at Gamma/H ~ 1e12)
    is divided by the stiff rate; the residual (Cauchy) test it replaces needed a tolerance of
    1e-2 (``NEWTON_ATOL_TWO_TEMPERATURE`` before issue 12), 1e-4 or 1e-7 left the stiffest points
    at max_steps. On the 76-point benchmark set at 10 GeV (8 x 8 grid + stiff block, one run):
    both 0 failures, median 214 steps, max 1,174 vs 1,170, Omega h^2 within 1.3e-3 of rtol 1e-8;
    kappa 1e-3 and 0.1 gave the same within noise. On thermalized BC2 points the y-space test
    took ~30% fewer steps but doubled the error against rtol 1e-10 (4e-4 vs 8e-5), so the
    thermalized solve keeps the residual test. (``optimistix.Chord``, tried on a 16 x 16
    two-temperature grid: half the cost per step but 3-4x the steps at the stiffest points;
    ``Kvaerno3``/``Kvaerno4``: 2-4x the steps; a fixed iteration count k (``FixedNewton``
    without early exit, lanes in lockstep): 1.6-3x the steps at k = 3-4, ``benchmarks/
    bench_fixed_newton.py``.)

    Args:
        config: ``SolverConfig`` (rtol, atol, thermalized, newton_atol (thermalized),
            newton_kappa and integrator (two-temperature)).

    Returns:
        ``(solver, stepsize_controller)``.
    """
    if config.thermalized:
        newton_atol = config.atol if config.newton_atol is None else config.newton_atol
        root_finder = optx.Newton(rtol=config.rtol, atol=newton_atol, cauchy_termination=False,
                                  linear_solver=Cramer2())
        solver = diffrax.Kvaerno5(root_finder=root_finder)
        controller = diffrax.PIDController(rtol=config.rtol, atol=config.atol, pcoeff=0.3, icoeff=0.3)
        return solver, controller
    tolerance = local_tolerance(config)
    if config.integrator_name == "kvaerno5_chord":
        solver = Kvaerno5Chord(rtol=0.0, atol=tolerance, kappa=config.kappa, coordinates=DepartureCoordinates())
    else:
        solver = kvaerno5(0.0, tolerance, NEWTON_MAX_ITERATIONS, config.kappa, early_exit=True)
    controller = diffrax.PIDController(rtol=0.0, atol=tolerance, pcoeff=0.3, icoeff=0.3,
                                       norm=two_temperature_error_norm)
    return solver, controller


def omega_h2_of(m_chi, y_end):
    """Omega h^2 = m_chi Y_total(x_end) s0 / (rho_c / h^2).

    Args:
        m_chi: DM mass [GeV], any shape.
        y_end: total yield Y = n / s at x_end (frozen), broadcastable with ``m_chi``.

    Returns:
        Omega h^2, the broadcast shape. Source: DESIGN.md "Background cosmology"
        (``constants.OMEGA_H2_PER_GEV_Y`` = s0 / (rho_c / h^2)).
    """
    return c.OMEGA_H2_PER_GEV_Y * m_chi * y_end


def solve_unchecked(model: AbstractModel, config: SolverConfig = SolverConfig()) -> Solution:
    """``solve`` without the input checks and without its own jit (for use inside jit/vmap).

    Args:
        model: parameter point (may be traced).
        config: ``SolverConfig``.

    Returns:
        ``Solution`` (scalars, trajectories of shape (``config.n_save``,)); a failed solve is a
        status code with NaN Omega h^2, never an exception.

    Raises:
        Nothing for bad names: ``SolverConfig`` and the models check their table names when
            built; the physical inputs are not checked here (``check_model``).
        OSError, qedm_jax.io.DataFileError: at trace time, a data table that is missing or
            malformed (an installation problem).
    """
    options = system_options(config)
    table = thermal.rate_table(model, config.table_ln_x(), with_hs=True) if config.fast else None
    t0, t1 = math.log(config.x0), math.log(config.x_end)
    if config.n_save > 0:
        saveat = diffrax.SaveAt(ts=jnp.linspace(t0, t1, config.n_save))
    else:
        saveat = diffrax.SaveAt(t1=True)
    solver, controller = ode_solver(config)
    solution = diffrax.diffeqsolve(
        diffrax.ODETerm(vector_field),
        solver,
        t0=t0,
        t1=t1,
        dt0=DT0,
        y0=initial_state(model, config),
        args=(model, table, options),
        saveat=saveat,
        stepsize_controller=controller,
        max_steps=config.max_steps,
        adjoint=_adjoint(config.adjoint),
        throw=False,
    )
    ys = solution.ys
    y_end = jnp.exp(ys[-1, 1])
    omega_h2 = omega_h2_of(model.m_chi, y_end)
    status = _status_from_result(solution.result, omega_h2)
    omega_h2 = jnp.where(status == STATUS_OK, omega_h2, jnp.nan)
    if config.n_save > 0:
        x, y_traj, ratio = jnp.exp(solution.ts), jnp.exp(ys[:, 1]), jnp.exp(ys[:, 0])
    else:
        x = y_traj = ratio = jnp.zeros((0,))
    return Solution(
        omega_h2=omega_h2,
        y_end=y_end,
        status=status,
        num_steps=solution.stats["num_steps"],
        t_hs_over_t_end=jnp.exp(ys[-1, 0]),
        x=x,
        y=y_traj,
        t_hs_over_t=ratio,
    )


_solve_jit = eqx.filter_jit(solve_unchecked)


def solve(model: AbstractModel, config: SolverConfig = SolverConfig()) -> Solution:
    """Relic abundance and (optionally) the trajectory of one parameter point.

    Args:
        model: parameter point with concrete scalar fields (``BC2``, ``SecludedDirac``, ...).
        config: ``SolverConfig`` (static).

    Returns:
        ``Solution`` with Omega h^2 = m_chi Y_total(x_end) s0 / (rho_c / h^2)
        (DESIGN.md "Background cosmology"), the status code and the step count.

    Raises:
        ValueError: unphysical model parameters (``check_model``), before tracing.
    """
    check_model(model)
    return _solve_jit(model, config)
