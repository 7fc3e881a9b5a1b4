"""Thermal averages: equilibrium densities, <sigma v>, <sigma v E>, and their tables.

For the model's annihilating pair (a, b) with masses m_a, m_b and dof g_a, g_b
(Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145, Eq. 3.8; Edsjo & Gondolo, PRD 56 (1997)
1879, Eq. 18, for unequal masses; seed 003 Eqs. 2.11-2.12 for the energy moment):

    n_a n_b <sigma v>   = g_a g_b T / (32 pi^4) Int ds sigma(s) lambda(s, m_a^2, m_b^2) / sqrt(s) K1(sqrt(s)/T)
    n_a n_b <sigma v E> = g_a g_b T / (32 pi^4) Int ds sigma(s) lambda(s, m_a^2, m_b^2) K2(sqrt(s)/T)

The Boltzmann system evolves the total DM number n = sum_i n_i (all states in chemical
equilibrium with each other). Its equilibrium rate densities are

    Gamma_n(T) = c_pair n_a n_b <sigma v>        (DM particles destroyed per volume and time)
    Gamma_E(T) = (c_pair / 2) n_a n_b <sigma v E> (energy carried away per volume and time)

with ``c_pair = 2`` for distinct particles and 1 for identical ones. This module returns
them divided by n_eq_total(T)^2, so that every quantity stays finite for any x = m/T:
``sigma_v_eff = Gamma_n / n_eq^2`` [GeV^-2] and ``sigma_v_E_eff = Gamma_E / n_eq^2`` [GeV^-1].

Quadrature: u = (sqrt(s) - m_a - m_b) / T, written as u = v^2 (removes the threshold square
root), composite Gauss-Legendre on panels whose breakpoints are a fixed background set plus,
for every narrow peak (A' or Z pole, omega, phi), the points u_k + a Gamma_k / (2T) for
a in {0, +-1, +-4, ..., +-1024}, and the kinks of sigma (SM pair thresholds, ``model.thresholds()``),
sorted: the peak is then integrated on panels scaled to its width wherever it sits, and no
panel straddles a threshold (see DESIGN.md, "Numerics"). The thermalized rate table uses one such rule
in w = (sqrt(s) - m_a - m_b) / m_chi for all its temperatures (``rate_table``).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from . import special
from .models.base import AbstractModel

__all__ = [
    "ln_n_eq",
    "mean_energy",
    "mean_energy_and_slope",
    "sigma_v_eff",
    "sigma_v_E_eff",
    "sigma_v_hs_eff",
    "RateTable",
    "rate_table",
    "interp_rates",
    "ln_x_grid",
]

_V_EDGES = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.75, 3.5, 4.5, 5.5, 7.0, 8.5])  # v = sqrt(u)
# Breit-Wigner tails: geometric panels out to 1024 half-widths (to 64 only, the tail beyond sat
# on one temperature-sized panel: up to 9e-3 error in the rate at Gamma / m ~ 1e-6)
_PEAK_OFFSETS = np.array([-1024.0, -256.0, -64.0, -16.0, -4.0, -1.0, 0.0, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0])
_N_GAUSS = 6
_GL_NODES, _GL_WEIGHTS = special.gauss_legendre(_N_GAUSS)


def _kallen(a, b, c_):
    return a**2 + b**2 + c_**2 - 2.0 * (a * b + a * c_ + b * c_)


def _ln_d_sum(model: AbstractModel, temperature):
    """ln of D(T) = sum_i g_i m_i^2 K2e(m_i/T) exp(-(m_i - m_min)/T); returns (ln D, m_min)."""
    masses, dofs = model.dm_states()
    m_min = jnp.min(masses)
    terms = dofs * masses**2 * special.k2e(masses / temperature) * jnp.exp(-(masses - m_min) / temperature)
    return jnp.log(jnp.sum(terms)), m_min


def ln_n_eq(model: AbstractModel, temperature: ArrayLike) -> Float[Array, ""]:
    """ln of the total Maxwell-Boltzmann equilibrium density sum_i g_i m_i^2 T K2(m_i/T)/(2 pi^2).

    Args:
        model: parameter point.
        temperature: temperature [GeV], scalar.

    Returns:
        ln(n_eq / GeV^3), scalar; finite for any T > 0 (scaled Bessel functions).

    Source: Gondolo & Gelmini (1991) Eq. 2.1 (Maxwell-Boltzmann limit).
    """
    ln_d, m_min = _ln_d_sum(model, temperature)
    return ln_d + jnp.log(temperature / (2.0 * math.pi**2)) - m_min / temperature


def mean_energy(model: AbstractModel, temperature: ArrayLike) -> Float[Array, ""]:
    """Mean energy per DM particle in kinetic and chemical equilibrium at T,
    B(T) = sum_i f_i (m_i K1(m_i/T)/K2(m_i/T) + 3 T) with f_i = n_i,eq / n_eq [GeV].

    Args:
        model: parameter point.
        temperature: temperature [GeV], scalar.

    Returns:
        B(T) [GeV], scalar. Source: seed 003 (rho_chi = n_chi B(T'), Sec. 2.2).
    """
    masses, dofs = model.dm_states()
    m_min = jnp.min(masses)
    z = masses / temperature
    weights = dofs * masses**2 * special.k2e(z) * jnp.exp(-(masses - m_min) / temperature)
    energies = masses * special.k1e(z) / special.k2e(z) + 3.0 * temperature
    return jnp.sum(weights * energies) / jnp.sum(weights)


_Z_SERIES = 200.0  # m/T above which dE/dT is taken from its large-z series


def mean_energy_and_slope(model: AbstractModel, temperature: ArrayLike) -> tuple[Float[Array, ""], Float[Array, ""]]:
    """B(T) of ``mean_energy`` and its derivative dB/dT, in closed form.

    With f_i = n_i,eq / n_eq, E_i = m_i K1(z_i)/K2(z_i) + 3T (z_i = m_i/T) and
    d ln n_i,eq / dT = E_i / T^2 (from n ~ m^2 T K2(m/T)):

        dB/dT = sum_i f_i [dE_i/dT + E_i (E_i - B) / T^2],
        dE_i/dT = 3 + z^2 K0/K2 - z K1/K2 - z^2 (K1/K2)^2  (z = m_i / T),

    using K1' = -K0 - K1/z and K2' = -K1 - 2 K2/z. The Boltzmann right-hand side needs
    dB/dT at every call; this replaces automatic differentiation of ``mean_energy`` (a
    gradient inside the Jacobian of the implicit stages, ~10x the cost of the right-hand side).

    Args:
        model: parameter point.
        temperature: temperature [GeV], scalar.

    Returns:
        ``(B [GeV], dB/dT [dimensionless])``, scalars. dB/dT -> 3/2 for T << m and 3 for
        T >> m (heat capacity per particle).
    """
    masses, dofs = model.dm_states()
    m_min = jnp.min(masses)
    z = masses / temperature
    k1, k2 = special.k1e(z), special.k2e(z)
    weights = dofs * masses**2 * k2 * jnp.exp(-(masses - m_min) / temperature)
    fractions = weights / jnp.sum(weights)
    ratio = k1 / k2
    energies = masses * ratio + 3.0 * temperature
    mean = jnp.sum(fractions * energies)
    # dE/dT with K0 = K2 - 2 K1/z: 3 + z^2 (1 - r^2) - 3 z r (r = K1/K2). Its O(z) terms cancel
    # for z >> 1, where the Maxwell-Juttner series 3/2 + 15/(4z) - 45/(8 z^2) + 135/(32 z^3)
    # (error < 3e-9 at z > 200, checked against 50-digit mpmath) takes over.
    exact = 3.0 + z**2 * (1.0 - ratio) * (1.0 + ratio) - 3.0 * z * ratio
    t = 1.0 / jnp.maximum(z, _Z_SERIES)
    series = 1.5 + t * (3.75 + t * (-5.625 + t * 4.21875))
    slopes = jnp.where(z > _Z_SERIES, series, exact)
    # E_i - B = sum_j f_j (m_i r_i - m_j r_j): exactly zero for equal masses (no rounding / T^2)
    kinetic = masses * ratio
    excess = jnp.sum(fractions[None, :] * (kinetic[:, None] - kinetic[None, :]), axis=1)
    slope = jnp.sum(fractions * (slopes + energies * excess / temperature**2))
    return mean, slope


def _breakpoints(model: AbstractModel, scale) -> Float[Array, " k"]:
    """Breakpoints in y = (sqrt(s) - m_a - m_b) / scale: the points y_k + a Gamma_k / (2 scale),
    a in ``_PEAK_OFFSETS``, of every peak of ``model.resonances()`` and the kinks of
    ``model.thresholds()`` (unclipped; scale = T for u, m_chi for w)."""
    masses, _ = model.dm_states()
    a, b = model.pair
    threshold = masses[a] + masses[b]
    res_mass, res_width = model.resonances()
    y_peak = (res_mass - threshold) / scale
    half_width = 0.5 * res_width / scale
    peak_points = (y_peak[:, None] + _PEAK_OFFSETS[None, :] * half_width[:, None]).ravel()
    kinks = (jnp.asarray(model.thresholds()) - threshold) / scale  # SM pair thresholds etc.
    return jnp.concatenate([peak_points, kinks])


def _panel_rule(background_v: np.ndarray, points, y_max: float, gl_nodes: np.ndarray, gl_weights: np.ndarray):
    """Composite Gauss-Legendre rule in v = sqrt(y) for Int_0^y_max dy f(y): panels between the
    sorted union of the static ``background_v`` edges and sqrt of ``points`` clipped to
    [0, y_max]. Returns nodes y and weights dy = 2 v dv (both rules of this module)."""
    clipped = jnp.clip(points, 0.0, y_max)
    positive = clipped > 0.0
    v_points = jnp.where(positive, jnp.sqrt(jnp.where(positive, clipped, 1.0)), 0.0)  # NaN-free tangents
    edges = jnp.sort(jnp.concatenate([jnp.asarray(background_v), v_points]))
    lo, hi = edges[:-1], edges[1:]
    v = 0.5 * (hi - lo)[:, None] * gl_nodes[None, :] + 0.5 * (hi + lo)[:, None]
    w = 0.5 * (hi - lo)[:, None] * gl_weights[None, :]
    v, w = v.ravel(), w.ravel()
    return v**2, 2.0 * v * w  # dy = 2 v dv


def _quadrature_nodes(model: AbstractModel, temperature, peaks: bool = True):
    """Nodes u and weights for Int_0^inf du f(u), placed on the background and (``peaks``)
    on every peak of ``model.resonances()`` and at every point of ``model.thresholds()``."""
    if not peaks:
        lo, hi = _V_EDGES[:-1], _V_EDGES[1:]
        v = 0.5 * (hi - lo)[:, None] * _GL_NODES[None, :] + 0.5 * (hi + lo)[:, None]
        w = 0.5 * (hi - lo)[:, None] * _GL_WEIGHTS[None, :]
        v, w = jnp.asarray(v.ravel()), jnp.asarray(w.ravel())
        return v**2, 2.0 * v * w
    return _panel_rule(_V_EDGES, _breakpoints(model, temperature), _V_EDGES[-1] ** 2, _GL_NODES, _GL_WEIGHTS)


def _pair_integrals(model: AbstractModel, temperature, sigma_fn, peaks: bool = True):
    """J_n = Int du sigma lambda K1e(sqrt s/T) e^-u and J_E = Int du sqrt(s) sigma lambda K2e e^-u
    (``peaks=False``: background nodes only, for a cross section without s-channel peaks)."""
    masses, _ = model.dm_states()
    a, b = model.pair
    m_a, m_b = masses[a], masses[b]
    u, weight = _quadrature_nodes(model, temperature, peaks)
    sqrt_s = m_a + m_b + u * temperature
    s = sqrt_s**2
    lam = _kallen(s, m_a**2, m_b**2)
    common = weight * sigma_fn(s) * lam * jnp.exp(-u)
    z = sqrt_s / temperature  # >= (m_a + m_b) / T >= 2 m_chi / T
    k1, k2 = special.k1e(z), special.k2e(z)
    return jnp.sum(common * k1), jnp.sum(common * sqrt_s * k2)


def _normalisation(model: AbstractModel, temperature):
    """g_a g_b / (4 D^2) exp(-(m_a + m_b - 2 m_min)/T): converts J to Gamma / n_eq^2."""
    masses, dofs = model.dm_states()
    a, b = model.pair
    ln_d, m_min = _ln_d_sum(model, temperature)
    excess = (masses[a] + masses[b] - 2.0 * m_min) / temperature
    return dofs[a] * dofs[b] / 4.0 * jnp.exp(-2.0 * ln_d - excess)


def _c_pair(model: AbstractModel) -> float:
    a, b = model.pair
    return 1.0 if a == b else 2.0


def sigma_v_eff(model: AbstractModel, temperature: ArrayLike) -> Float[Array, ""]:
    """Gamma_n(T) / n_eq(T)^2 for annihilation into SM states [GeV^-2] (module docstring).

    For a single self-conjugate state this is the usual <sigma v>; for Dirac-like pairs
    (n = n_chi + n_chibar) it is <sigma v> / 2, so that dn/dt + 3 H n = -sigma_v_eff
    (n^2 - n_eq^2) in every case.

    Args:
        model: parameter point.
        temperature: temperature [GeV], scalar > 0.

    Returns:
        Scalar [GeV^-2].

    Source: Gondolo & Gelmini (1991) Eq. 3.8; Edsjo & Gondolo (1997) Eq. 18.
    """
    j_n, _ = _pair_integrals(model, temperature, model.sigma_sm)
    return _c_pair(model) * _normalisation(model, temperature) * j_n


def sigma_v_E_eff(model: AbstractModel, temperature: ArrayLike) -> Float[Array, ""]:
    """Gamma_E(T) / n_eq(T)^2: energy moment of annihilation into SM states [GeV^-1].

    Args:
        model: parameter point.
        temperature: temperature [GeV], scalar > 0.

    Returns:
        Scalar [GeV^-1].

    Source: seed 003 Eq. 2.12 (energy-weighted Gondolo-Gelmini average).
    """
    _, j_e = _pair_integrals(model, temperature, model.sigma_sm)
    return 0.5 * _c_pair(model) * _normalisation(model, temperature) * j_e


def sigma_v_hs_eff(model: AbstractModel, temperature: ArrayLike) -> Float[Array, ""]:
    """Gamma_n / n_eq^2 for annihilation into hidden-sector states (e.g. Z_D Z_D) [GeV^-2].

    Args:
        model: parameter point.
        temperature: hidden-sector temperature [GeV], scalar > 0.

    Returns:
        Scalar [GeV^-2]; zero for models without such a channel.
    """
    if not model.has_hs_channel:
        return jnp.zeros_like(jnp.asarray(temperature, dtype=float))
    j_n, _ = _pair_integrals(model, temperature, model.sigma_hs, peaks=False)  # smooth: no s-channel peaks
    return _c_pair(model) * _normalisation(model, temperature) * j_n


# --- tabulated fast path -----------------------------------------------------------------------

_TINY = 1e-300


def ln_x_grid(x_min: float, x_max: float, n: int) -> np.ndarray:
    """Uniform grid in ln x = ln(m_chi / T) (numpy), shape (n,)."""
    return np.linspace(math.log(x_min), math.log(x_max), n)


class RateTable(eqx.Module):
    """ln of the three rates on a uniform ln x grid (x = m_chi / T), one parameter point.

    Attributes:
        ln_x0: first node ln x, scalar.
        d_ln_x: node spacing, scalar.
        logs: (ln sigma_v_eff [ln GeV^-2], ln sigma_v_E_eff [ln GeV^-1], ln sigma_v_hs_eff
            [ln GeV^-2]) per node, shape (n + 2, 3): rows 1..n are the n nodes, rows 0 and
            n + 1 linear ghost nodes, so that ``interp_rates`` reads one contiguous window of
            four rows (a ``dynamic_slice``; an index gather on a batched table was quadratic
            in the batch size under ``vmap``).
    """

    ln_x0: Float[Array, ""]
    d_ln_x: Float[Array, ""]
    logs: Float[Array, "n_plus_2 3"]

    @property
    def ln_sv(self) -> Float[Array, " n"]:
        """ln sigma_v_eff at the nodes, shape (n,)."""
        return self.logs[1:-1, 0]

    @property
    def ln_svE(self) -> Float[Array, " n"]:
        """ln sigma_v_E_eff at the nodes, shape (n,)."""
        return self.logs[1:-1, 1]

    @property
    def ln_sv_hs(self) -> Float[Array, " n"]:
        """ln sigma_v_hs_eff at the nodes, shape (n,) (ln 1e-300 where absent)."""
        return self.logs[1:-1, 2]


# Shared-node table (thermalized grids, 2 x_min >= 1): one quadrature rule in w = (sqrt(s) - m_a -
# m_b) / m_chi serves every table temperature, so sigma(s) is evaluated once per point instead of
# once per (temperature, node). Background: w in [0, W_LO / x_max] (one panel) and geometric
# panels, _W_PANELS_PER_DECADE per decade, up to W_HI / x_min; peaks: w_k + a gamma_k for
# a in _PEAK_OFFSETS, gamma_k = Gamma_k / (2 m_chi). Kernel: the Bessel functions from
# _KERNEL_CHEB_TERMS Chebyshev terms (relative error < 3e-10).
_W_LO = 1.0e-3  # x w at the lower end of the geometric panels, at the largest x of the table
_W_HI = 80.0  # x w at the upper end, at the smallest x: exp(-80) of the peak of the integrand
_W_PANELS_PER_DECADE = 3
_KERNEL_CHEB_TERMS = 14


def _shared_nodes(model: AbstractModel, w_lo: float, w_hi: float, panels_per_decade: int, n_gauss: int):
    """Nodes w and weights dw for Int_0^w_hi dw f(w), one rule for all table temperatures
    (module constants above): v = sqrt(w) Gauss-Legendre panels (``n_gauss`` nodes) on the sorted
    union of the background edges, the peak points of ``model.resonances()`` and the kinks of
    ``model.thresholds()``."""
    n_panels = max(1, math.ceil(panels_per_decade * math.log10(w_hi / w_lo)))
    background = np.sqrt(np.concatenate([[0.0], np.geomspace(w_lo, w_hi, n_panels + 1)]))
    return _panel_rule(background, _breakpoints(model, model.m_chi), w_hi, *special.gauss_legendre(n_gauss))


def _shared_node_logs(
    model: AbstractModel,
    ln_x: np.ndarray,
    with_hs: bool,
    panels_per_decade: int = _W_PANELS_PER_DECADE,
    n_gauss: int = _N_GAUSS,
):
    """(ln sigma_v_eff, ln sigma_v_E_eff, ln sigma_v_hs_eff) at the nodes ``ln_x`` (2 x_min >= 1)
    on one quadrature rule shared by all temperatures (comment above ``_shared_nodes``); the
    resolution arguments exist for convergence tests.

    With u = x w: J_n(T) = x Int dw sigma lambda k1e(x (r + w)) e^{-x w}, r = (m_a + m_b) / m_chi,
    and J_E likewise with sqrt(s) k2e (the integrals of ``_pair_integrals``)."""
    x_nodes = np.exp(ln_x)
    w, dw = _shared_nodes(model, _W_LO / float(x_nodes.max()), _W_HI / float(x_nodes.min()), panels_per_decade, n_gauss)
    masses, _ = model.dm_states()
    a, b = model.pair
    threshold = masses[a] + masses[b]
    sqrt_s = threshold + model.m_chi * w
    s = sqrt_s**2
    base = dw * _kallen(s, masses[a] ** 2, masses[b] ** 2)
    sm_weight = base * model.sigma_sm(s)
    sm_energy_weight = sm_weight * sqrt_s  # temperature-independent: outside the loop
    hs_weight = base * model.sigma_hs(s) if with_hs and model.has_hs_channel else None
    r = threshold / model.m_chi
    c_pair = _c_pair(model)

    def one(x):
        # separate sums, no stacked (3, nodes) kernel: a stack broke XLA's fusion (1.4x slower)
        k1, k2 = special.k1e_k2e_large(x * (r + w), _KERNEL_CHEB_TERMS)
        damp = x * jnp.exp(-x * w)
        k1_damped = k1 * damp
        norm = c_pair * _normalisation(model, model.m_chi / x)
        sv = norm * jnp.sum(sm_weight * k1_damped)
        sve = 0.5 * norm * jnp.sum(sm_energy_weight * k2 * damp)
        sv_hs = jnp.zeros(()) if hs_weight is None else norm * jnp.sum(hs_weight * k1_damped)
        return jnp.log(jnp.maximum(jnp.stack([sv, sve, sv_hs]), _TINY))

    return jax.lax.map(one, jnp.asarray(x_nodes))


def rate_table(model: AbstractModel, ln_x: np.ndarray, with_hs: bool = True) -> RateTable:
    """Tabulate the rates of ``model`` at x = m_chi / T on the uniform grid ``ln_x``.

    Args:
        model: parameter point.
        ln_x: uniform grid of ln x, numpy shape (n,), n >= 2 (static).
        with_hs: also tabulate the hidden-sector channel (static).

    Returns:
        ``RateTable``. The fast path of DESIGN.md: built once per parameter point, inside jit.
        Two quadrature schemes (static choice):

        - 2 exp(ln_x[0]) >= ``special.Z_LARGE_MIN`` (thermalized grids, x >= 0.5): one rule in
          w = (sqrt(s) - m_a - m_b) / m_chi shared by all temperatures (``_shared_nodes``), so
          sigma(s) is evaluated once per point (462 nodes for BC2: 31 background edges, 13 per
          peak, 8 thresholds) instead of at 96 x 342 (temperature, node) pairs; the Bessel
          kernel (96 x 462 pairs) from a 14-term Chebyshev expansion (relative error < 3e-10). Against
          the same rule refined (16 Gauss nodes, 12 panels per decade) its nodes agree to
          < 1e-3 in ln on ``tests/test_thermal.py``'s models (narrow peaks: 1e-5; the largest
          differences sit where the measured R ratio is rough, near the phi). Measured (512 BC2
          Dirac points in one vmap, 2 CPU cores, ``benchmarks/bench_rate_table.py``): ~0.3 ms
          per point, ~6x less than the per-temperature rule at the same 96 nodes.
        - otherwise (two-temperature tables, x down to 1e-3): each node is the quadrature of
          ``sigma_v_eff`` / ``sigma_v_E_eff`` / ``sigma_v_hs_eff`` (equal to rounding), in a
          ``vmap`` over the nodes.

    Raises:
        Nothing at run time; ``ln_x`` must be a concrete numpy array (static).
    """
    ln_x = np.asarray(ln_x, dtype=np.float64)
    if 2.0 * math.exp(float(ln_x[0])) >= special.Z_LARGE_MIN:  # static: every sqrt(s)/T >= 2 x >= 1
        logs = _shared_node_logs(model, ln_x, with_hs)
    else:
        temperatures = model.m_chi / jnp.exp(jnp.asarray(ln_x))

        def one(temperature):
            j_n, j_e = _pair_integrals(model, temperature, model.sigma_sm)
            norm = _normalisation(model, temperature)
            sv = _c_pair(model) * norm * j_n
            sve = 0.5 * _c_pair(model) * norm * j_e
            sv_hs = sigma_v_hs_eff(model, temperature) if with_hs else jnp.zeros(())  # 0 without the channel
            return jnp.log(jnp.maximum(jnp.stack([sv, sve, sv_hs]), _TINY))

        # vmap over the nodes: with lax.map three points of tests/test_contour.py's grid (alpha_D
        # 1e-4..4.2e-4, epsilon 1e-6) hit max_steps (rounding-level changes flip the stiff Newton
        # iterations there); not investigated further.
        logs = jax.vmap(one)(temperatures)
    ghosts = (2.0 * logs[:1] - logs[1:2], 2.0 * logs[-1:] - logs[-2:-1])  # linear extrapolation
    return RateTable(
        ln_x0=jnp.asarray(ln_x[0]),
        d_ln_x=jnp.asarray(ln_x[1] - ln_x[0]),
        logs=jnp.concatenate([ghosts[0], logs, ghosts[1]]),
    )


def interp_rates(table: RateTable, ln_x: ArrayLike) -> Float[Array, "3"]:
    """Cubic (Catmull-Rom) interpolation of (ln sv, ln svE, ln sv_hs) in ln x; linear
    extrapolation outside the table.

    The interpolant is C1, so the Jacobian of the Boltzmann system is continuous in
    ln(T_hs/T) -- a piecewise-linear table made Newton chatter in stiff two-temperature steps.

    Args:
        table: a ``RateTable``.
        ln_x: ln(m_chi / T), scalar.

    Returns:
        The three logs, shape (3,).
    """
    n = table.logs.shape[0] - 2
    position = (ln_x - table.ln_x0) / table.d_ln_x
    i = jnp.clip(jnp.floor(position).astype(jnp.int32), 0, n - 2)
    t = position - i
    window = jax.lax.dynamic_slice_in_dim(table.logs, i, 4, axis=0)  # nodes i-1 .. i+2
    p0, p1, p2, p3 = window[0], window[1], window[2], window[3]
    m1 = 0.5 * (p2 - p0)  # slopes per node spacing; at the ends the ghost nodes make them one-sided
    m2 = 0.5 * (p3 - p1)
    inside = (position >= 0.0) & (position <= n - 1)
    t_in = jnp.clip(t, 0.0, 1.0)
    h00, h10 = 2 * t_in**3 - 3 * t_in**2 + 1, t_in**3 - 2 * t_in**2 + t_in
    h01, h11 = -2 * t_in**3 + 3 * t_in**2, t_in**3 - t_in**2
    cubic = h00 * p1 + h10 * m1 + h01 * p2 + h11 * m2
    linear = p1 * (1.0 - t) + p2 * t
    return jnp.where(inside, cubic, linear)
