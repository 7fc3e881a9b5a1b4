"""Helpers of ``tests/test_two_temperature_checks.py``: vmapped two-temperature solves of
SecludedDirac points (jitted, or eager to share one ``diffeqsolve`` compilation), relic grids
built from them, and an independent numpy/scipy integration of the hidden-sector energy and
number equations with production only (seed 003 Eq. 2.14)."""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special as sp_special
from scipy.integrate import cumulative_simpson, solve_ivp
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq

from qedm_jax import sm, thermal
from qedm_jax import solve as solve_mod
from qedm_jax.relic import contour as contour_mod
from qedm_jax.models.secluded import SecludedDirac


@functools.lru_cache(maxsize=16)
def _jitted(config: solve_mod.SolverConfig, function):
    def one(m, mzd, a, e):
        return function(SecludedDirac(m_chi=m, m_ZD=mzd, alpha_D=a, epsilon=e), config)

    return jax.jit(jax.vmap(one))


def solve_points(config: solve_mod.SolverConfig, m_chi, m_zd, alpha_d, epsilon, batch: int | None = None,
                 function=None, eager: bool = False):
    """Solve SecludedDirac points with ``jax.vmap``, under ``jax.jit`` or eagerly.

    ``jax.jit`` compiles everything once per (config, function, batch size) (~20 s) and runs a
    batch of 24 points in ~3 s. Eagerly only ``diffrax.diffeqsolve`` (an ``eqx.filter_jit``) is
    compiled, and its cache key holds neither ``init_scale`` (it only changes y0) nor the
    function around it: the init_scale variants of one config share one compilation at equal
    batch size, but the rest runs op by op, ~0.6 s per point (the rate table): use it for few
    points.

    Args:
        config: ``SolverConfig``.
        m_chi, m_zd, alpha_d, epsilon: columns (broadcast), one entry per point.
        batch: pad the columns to this many points (copies of the last point); None: no padding.
        function: ``function(model, config) -> pytree`` to vmap (default ``solve_unchecked``).
        eager: run outside ``jax.jit`` (see above).

    Returns:
        numpy pytree of ``function``'s output with the padding removed.
    """
    columns = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in
                                    (m_chi, m_zd, alpha_d, epsilon)))
    n = columns[0].size
    batch = n if batch is None else batch
    if batch < n:
        raise ValueError(f"batch {batch} < number of points {n}")
    padded = [jnp.asarray(np.concatenate([c.ravel(), np.full(batch - n, c.ravel()[-1])])) for c in columns]
    function = solve_mod.solve_unchecked if function is None else function
    if eager:
        def one(m, mzd, a, e):
            return function(SecludedDirac(m_chi=m, m_ZD=mzd, alpha_D=a, epsilon=e), config)

        out = jax.vmap(one)(*padded)
    else:
        out = _jitted(config, function)(*padded)
    return jax.tree_util.tree_map(lambda v: np.asarray(v)[:n], jax.device_get(out))


def solve_each(config: solve_mod.SolverConfig, m_chi, m_zd, alpha_d, epsilon, eager: bool = True):
    """``solve_points`` one point at a time (batch of 1), results stacked: no dependence on the
    batch composition (a vmapped batch can change a point's step sequence, and in one known case
    whether it converges at all; ``relic.contour.omega_grid`` docstring)."""
    columns = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in
                                    (m_chi, m_zd, alpha_d, epsilon)))
    parts = [solve_points(config, *(c.ravel()[i] for c in columns), eager=eager) for i in range(columns[0].size)]
    return jax.tree_util.tree_map(lambda *v: np.concatenate(v), *parts)


def grid_columns(m_chi: float, m_zd: float, alpha_d, epsilon):
    """Columns (m_chi, m_ZD, alpha_D, epsilon) of the Cartesian grid alpha_d x epsilon ("ij")."""
    a_col, e_col = (v.ravel() for v in np.meshgrid(np.asarray(alpha_d, dtype=np.float64),
                                                   np.asarray(epsilon, dtype=np.float64), indexing="ij"))
    return np.full(a_col.size, m_chi), np.full(a_col.size, m_zd), a_col, e_col


def omega_grid_from(solution, config, m_chi: float, alpha_d, epsilon) -> contour_mod.OmegaGrid:
    """``relic.contour.OmegaGrid`` from the ``Solution`` (numpy, points in ``grid_columns`` order)
    of a grid solved by ``solve_points``: the content of ``relic.contour.omega_grid``, whose jit compiles
    once per mass and config, where ``solve_points`` serves all masses of a config at once."""
    alpha_d, epsilon = np.asarray(alpha_d, dtype=np.float64), np.asarray(epsilon, dtype=np.float64)
    shape = (alpha_d.size, epsilon.size)
    ok = solution.status == solve_mod.STATUS_OK
    x_dec, r_dec = contour_mod.decoupling_point(solution.x, solution.y, solution.t_hs_over_t)

    def grid(values):
        return np.where(ok, values, np.nan).reshape(shape)

    return contour_mod.OmegaGrid(
        alpha_D=alpha_d, epsilon=epsilon, omega_h2=grid(solution.omega_h2),
        status=solution.status.astype(np.int32).reshape(shape), num_steps=solution.num_steps.reshape(shape),
        x_dec=grid(x_dec), t_hs_over_t_dec=grid(r_dec), t_hs_over_t_end=grid(solution.t_hs_over_t[:, -1]),
        x=solution.x[0], y=solution.y.reshape(shape + (-1,)), t_hs_over_t=solution.t_hs_over_t.reshape(shape + (-1,)),
        m_chi=float(m_chi), model_name=SecludedDirac.name, config=config,
    )


def take(tree, index):
    """The points ``index`` (slice or index array) of a numpy pytree with a leading point axis."""
    return jax.tree_util.tree_map(lambda v: v[index], tree)


# --- independent bookkeeping of the hidden sector (production only) ----------------------------


def production_sources(model, ln_x: np.ndarray, gstar: str = sm.DEFAULT_GSTAR):
    """Per-e-fold production of number and energy, per SM entropy, at x = exp(ln_x):

        S_n = (1 + delta) Gamma_n(T) / (H s),   S_E = (1 + delta) Gamma_E(T) / (H s),

    with Gamma_n = n_eq(T)^2 sigma_v_eff(T), Gamma_E = n_eq(T)^2 sigma_v_E_eff(T) (exact
    quadrature, not the solver's rate table) and delta = d ln g_star_s / d ln T / 3.

    Returns:
        ``(ln S_n, ln S_E, ln s)``, numpy arrays of the shape of ``ln_x`` [ln of 1, GeV, GeV^3].
    """

    @jax.jit
    @jax.vmap
    def one(lnx):
        t = model.m_chi * jnp.exp(-lnx)
        hubble, s, dln_gs = sm.background(t, gstar)
        common = 2.0 * thermal.ln_n_eq(model, t) + jnp.log1p(dln_gs / 3.0) - jnp.log(hubble * s)
        return (jnp.log(thermal.sigma_v_eff(model, t)) + common,
                jnp.log(thermal.sigma_v_E_eff(model, t)) + common, jnp.log(s))

    return tuple(np.asarray(v) for v in one(jnp.asarray(ln_x)))


def rho_bath(g_bath: float, t_hs):
    """Relativistic hidden-sector bath, rho = g pi^2 / 30 T'^4 [GeV^4] (seed 003 Sec. 2.2)."""
    return g_bath * math.pi**2 / 30.0 * np.asarray(t_hs) ** 4


def _mean_energy_scalar(m_chi: float, t_hs: float) -> float:
    """B(T') = m K1(m/T')/K2(m/T') + 3 T' [GeV] (seed 003 Eq. 2.15) from scipy's scaled Bessel
    functions, for Python floats (no array overhead inside the root find)."""
    z = m_chi / t_hs
    # K1/K2 = 1 - 3/(2z) + 15/(8z^2) + O(z^-3) for z -> inf (from Abramowitz & Stegun 9.7.2):
    # kve underflows for z ~ 1e300, and the series is exact to ~1e-12 beyond z = 1e4
    ratio = sp_special.kve(1, z) / sp_special.kve(2, z) if z < 1.0e4 else 1.0 - 1.5 / z + 1.875 / z**2
    return m_chi * ratio + 3.0 * t_hs


def t_hs_from_energy(m_chi: float, g_bath: float, rho: float, n: float, temperature: float) -> float:
    """T' with rho_bath(T') + n B(T') = rho (monotone in T'; Brent's method in ln T')."""
    c_bath = g_bath * math.pi**2 / 30.0
    ln_rho = math.log(rho)

    def excess(ln_t):
        t = math.exp(ln_t)
        return math.log(c_bath * t**4 + n * _mean_energy_scalar(m_chi, t)) - ln_rho

    return math.exp(brentq(excess, math.log(temperature) - 80.0, math.log(temperature) + 10.0, xtol=1e-13))


def integrate_energy_and_number(model, x_save: np.ndarray, e0: float, y0: float, n_fine: int = 6001,
                                gstar: str = sm.DEFAULT_GSTAR, rtol: float = 1e-10):
    """Integrate the production-only hidden sector independently of ``qedm_jax.boltzmann``.

    With a^3 s = const (adiabatic SM) the energy and number equations of seed 003 Eq. 2.14 with
    C_rho = Gamma_E(T), C_n = Gamma_n(T) read, for E = rho_HS / s and Y = n / s and time ln x,

        dE/d ln x = S_E - 3 (1 + delta) P_HS / s,    dY/d ln x = S_n,
        P_HS = rho_bath(T') / 3 + n T',   T' from rho_bath(T') + n B(T') = E s,

    (``production_sources``); solved with scipy's DOP853 in (ln E, Y), sources splined in ln x.

    Args:
        model: ``SecludedDirac`` point (concrete).
        x_save: x at which to report, increasing, shape (k,); x_save[0] is the start.
        e0, y0: E and Y at x_save[0].
        n_fine: nodes of the source tables.
        rtol: DOP853 relative tolerance.

    Returns:
        ``(E, Y, T_hs_over_T, Y_quad)`` at x_save, where Y_quad is the cumulative Simpson
        integral of S_n (independent of the ODE solve).
    """
    m_chi, g_bath = float(model.m_chi), float(model.g_hs_bath)
    ln_lo, ln_hi = math.log(x_save[0]), math.log(x_save[-1])
    ln_x = np.linspace(ln_lo, ln_hi, n_fine)
    ln_sn, ln_se, ln_s = production_sources(model, ln_x, gstar)
    dln_gs = np.asarray(jax.vmap(lambda lnx: sm.background(m_chi * jnp.exp(-lnx), gstar)[2])(jnp.asarray(ln_x)))
    spline_sn, spline_se = CubicSpline(ln_x, ln_sn), CubicSpline(ln_x, ln_se)
    spline_ln_s, spline_delta = CubicSpline(ln_x, ln_s), CubicSpline(ln_x, dln_gs / 3.0)

    def rhs(lnx, state):
        ln_e, y = state
        s = math.exp(spline_ln_s(lnx))
        temperature = m_chi * math.exp(-lnx)
        e = math.exp(ln_e)
        t_hs = t_hs_from_energy(m_chi, g_bath, e * s, y * s, temperature)
        pressure = rho_bath(g_bath, t_hs) / 3.0 + y * s * t_hs
        d_e = math.exp(spline_se(lnx)) - 3.0 * (1.0 + spline_delta(lnx)) * pressure / s
        return [d_e / e, math.exp(spline_sn(lnx))]

    ln_save = np.log(x_save)
    solution = solve_ivp(rhs, (ln_lo, ln_hi), [math.log(e0), y0], method="DOP853", t_eval=ln_save,
                         rtol=rtol, atol=[rtol, 1e-30])
    if not solution.success:
        raise RuntimeError(solution.message)
    e_ref, y_ref = np.exp(solution.y[0]), solution.y[1]
    ratio = np.array([t_hs_from_energy(m_chi, g_bath, e * math.exp(spline_ln_s(l)), y * math.exp(spline_ln_s(l)),
                                       m_chi * math.exp(-l)) / (m_chi * math.exp(-l))
                      for e, y, l in zip(e_ref, y_ref, ln_save)])
    # number: cumulative Simpson quadrature on the fine grid, read at the saved x (grid nodes
    # when the saved points are log-spaced with (n_fine - 1) a multiple of their intervals)
    cumulative = y0 + cumulative_simpson(np.exp(ln_sn), x=ln_x, initial=0.0)
    y_quad = np.interp(ln_save, ln_x, cumulative)
    return e_ref, y_ref, ratio, y_quad
