"""Standard-Model plasma and the SM side of a virtual photon.

* g_star(T), g_star_s(T) and d ln g_star_s / d ln T from a shipped lattice-QCD-based table
  (default Saikawa & Shirai 2018, arXiv:1803.01038), as quintic B-spline least-squares fits
  of ln g in ln T (``_gstar_fit``: smooth, so that the adaptive ODE steps do not resolve the
  table's row-to-row roughness); the derivative comes from the same fit, so it is consistent
  with g_star_s itself.
* H(T), s(T) for an SM-dominated, adiabatic universe (DESIGN.md; seed 003 Sec. 2.2).
* R(sqrt s) = sigma(e+e- -> hadrons)/sigma(e+e- -> mu+mu-): a measured table below
  ``R_SWITCH_GEV``, perturbative quarks above; and the total "virtual photon" factor
  R_total = sum_l (1 + 2 m_l^2/s) beta_l + R_hadrons, so that a vector with photon-like
  couplings eps e Q_f has Gamma(V -> SM) = eps^2 alpha m_V R_total(m_V) / 3.

Temperatures in GeV. Tables load once, at import, into numpy constants.
"""

from __future__ import annotations

import functools
import math

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from . import constants as c
from . import io

__all__ = [
    "DEFAULT_GSTAR",
    "DEFAULT_RRATIO",
    "R_SWITCH_GEV",
    "g_star",
    "g_star_s",
    "dln_g_star_s_dln_T",
    "background",
    "hubble",
    "entropy_density",
    "alpha_s",
    "r_hadrons",
    "r_leptons",
    "r_total",
]

DEFAULT_GSTAR = "saikawa-shirai-2018"
DEFAULT_RRATIO = "darkcast"
#: sqrt(s) [GeV] above which R uses perturbative quarks instead of the measured table
R_SWITCH_GEV: float = 2.0
#: knot spacing in ln T of the g_star fit (``_gstar_fit``)
GSTAR_KNOT_SPACING: float = 0.05
#: weight of the third-difference penalty of the g_star fit (P-spline; Eilers & Marx 1996)
GSTAR_PENALTY: float = 1.0e-6
_T_GSTAR_MAX = 1.0e5  # [GeV] upper end of the fitted g_star range
_DEGREE = 5  # quintic B-spline: ln g is C4, d ln g / d ln T is C3


def _cardinal_bspline(x: np.ndarray) -> np.ndarray:
    """The cardinal B-spline of degree ``_DEGREE`` on the knots 0, 1, ..., _DEGREE + 1 (numpy,
    Cox-de Boor recursion)."""
    b = [((x >= k) & (x < k + 1)).astype(np.float64) for k in range(_DEGREE + 1)]
    for p in range(1, _DEGREE + 1):
        b = [((x - k) * b[k] + (k + p + 1 - x) * b[k + 1]) / p for k in range(_DEGREE + 1 - p)]
    return b[0]


@functools.cache
def _piece_matrix() -> np.ndarray:
    """M[k, j]: the weight of coefficient c[i + k] at t in [0, 1) of interval i is sum_j M[k, j] t^j."""
    t = np.linspace(0.05, 0.95, _DEGREE + 1)
    vandermonde = np.vander(t, _DEGREE + 1, increasing=True)
    return np.array([np.linalg.solve(vandermonde, _cardinal_bspline(t + _DEGREE - k)) for k in range(_DEGREE + 1)])


@functools.cache
def _gstar_fit(table: str) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Quintic B-spline least-squares fits of ln g_star and ln g_star_s in ln T (load time).

    Uniform knots ``GSTAR_KNOT_SPACING`` apart over the table's range (up to ``_T_GSTAR_MAX``),
    with a small penalty on the coefficients' third differences, so that knots without a table
    row between them stay determined. Why a fit and not an interpolant through the rows: the
    Boltzmann right-hand side contains d ln g_star_s / d ln T, and the derivative of an
    interpolant through rows of 6-7 digits (Saikawa & Shirai: 10,000 rows 0.005 apart in ln T)
    is rough at every row; the adaptive ODE steps resolved that roughness: 849 steps for a
    freeze-in point that takes 63 with a constant g_star and 224 with this fit (m_chi = 10 GeV,
    2026-12-08; 334 with knots 0.025 apart, 160 with 0.1). Residuals (relative, in g):
    saikawa-shirai-2018 7.4e-3 at the 2% step of the table between T = 0.11984 and 0.12046 GeV
    (a seam between two adjacent rows, which the fit spreads over ~0.1 in ln T), <= 3.3e-3
    elsewhere in the QCD crossover (0.1-0.3 GeV, more seams at 0.18 and 0.26 GeV) and the
    electroweak one (1.6e-3 at 135 GeV, 1.1e-3 at 146 GeV, where the cubic interpolant used
    before had 9e-4), <= 5e-4 elsewhere, rms 2.7e-4; the other tables <= 4e-8 (``tests/test_sm.py``).

    Returns:
        ``(ln T at the first knot, knot spacing, coefficients of ln g_star,
        coefficients of ln g_star_s)``, the coefficient arrays of shape (n_intervals + 5,).
    """
    temperature, g_rho, g_s = io.load_gstar(table)
    keep = temperature <= _T_GSTAR_MAX * (1.0 + 1e-12)
    ln_t = np.log(temperature[keep])
    x0 = float(ln_t.min())
    n_intervals = max(1, math.ceil((float(ln_t.max()) - x0) / GSTAR_KNOT_SPACING))
    spacing = (float(ln_t.max()) - x0) / n_intervals
    n_coef = n_intervals + _DEGREE
    position = np.minimum((ln_t - x0) / spacing, n_intervals * (1.0 - 1e-15))
    index = np.floor(position).astype(np.int64)
    weights = np.vander(position - index, _DEGREE + 1, increasing=True) @ _piece_matrix().T  # (rows, 6)
    normal = np.zeros((n_coef, n_coef))
    for k in range(_DEGREE + 1):  # A^T A from the 6 nonzeros of each row of A
        for m in range(_DEGREE + 1):
            np.add.at(normal, (index + k, index + m), weights[:, k] * weights[:, m])
    differences = np.diff(np.eye(n_coef), 3, axis=0)
    normal += GSTAR_PENALTY * differences.T @ differences
    coefficients = []
    for values in (g_rho[keep], g_s[keep]):
        rhs = np.zeros(n_coef)
        for k in range(_DEGREE + 1):
            np.add.at(rhs, index + k, weights[:, k] * np.log(values))
        coefficients.append(np.linalg.solve(normal, rhs))
    return x0, spacing, coefficients[0], coefficients[1]


def _interp_uniform(table: str, which: tuple[int, ...], temperature: ArrayLike):
    """The g_star fits (``_gstar_fit``) for the tables in ``which`` (0: g_star, 1: g_star_s),
    sharing one index computation; returns [(ln g, d ln g / d ln T), ...], clamped outside
    the fitted range (derivative 0 there)."""
    x0, spacing, *arrays = _gstar_fit(table)
    n_intervals = arrays[0].shape[0] - _DEGREE
    position = (jnp.log(temperature) - x0) / spacing
    inside = (position >= 0.0) & (position <= n_intervals)
    position = jnp.clip(position, 0.0, float(n_intervals))
    i = jnp.clip(jnp.floor(position).astype(jnp.int32), 0, n_intervals - 1)
    t = position - i
    pieces = _piece_matrix()
    powers = [jnp.ones_like(t)]
    for _ in range(_DEGREE):
        powers.append(powers[-1] * t)
    weights = [sum(float(pieces[k, j]) * powers[j] for j in range(_DEGREE + 1)) for k in range(_DEGREE + 1)]
    slopes = [sum(j * float(pieces[k, j]) * powers[j - 1] for j in range(1, _DEGREE + 1)) for k in range(_DEGREE + 1)]
    out = []
    for which_table in which:
        coefficients = jnp.asarray(arrays[which_table])
        local = [coefficients[i + k] for k in range(_DEGREE + 1)]
        value = sum(w * c_k for w, c_k in zip(weights, local))
        deriv = sum(w * c_k for w, c_k in zip(slopes, local)) / spacing
        out.append((value, jnp.where(inside, deriv, 0.0)))
    return out


def background(temperature: ArrayLike, table: str = DEFAULT_GSTAR):
    """H(T), s(T) and d ln g_star_s / d ln T in one pass over the g_star tables.

    Args:
        temperature: SM temperature T [GeV], any shape, > 0.
        table: g_star table name (static).

    Returns:
        ``(hubble [GeV], entropy_density [GeV^3], dln_g_star_s_dln_T)``, each of the input
        shape; identical to ``hubble``, ``entropy_density`` and ``dln_g_star_s_dln_T``.
    """
    (ln_g, _), (ln_gs, dln_gs) = _interp_uniform(table, (0, 1), temperature)
    hubble_rate = jnp.sqrt(8.0 * math.pi**3 * jnp.exp(ln_g) / 90.0) * temperature**2 / c.M_PL
    entropy = 2.0 * math.pi**2 / 45.0 * jnp.exp(ln_gs) * temperature**3
    return hubble_rate, entropy, dln_gs


def g_star(temperature: ArrayLike, table: str = DEFAULT_GSTAR) -> Float[Array, "..."]:
    """Effective relativistic dof for the energy density, rho = g_star (pi^2/30) T^4.

    Args:
        temperature: SM temperature T [GeV], any shape, > 0.
        table: name in ``qedm_jax.io.GSTAR_TABLES`` (static).

    Returns:
        g_star(T), same shape. Constant continuation outside the table.

    Source: the chosen table (default Saikawa & Shirai 2018, arXiv:1803.01038).
    """
    return jnp.exp(_interp_uniform(table, (0,), temperature)[0][0])


def g_star_s(temperature: ArrayLike, table: str = DEFAULT_GSTAR) -> Float[Array, "..."]:
    """Effective relativistic dof for the entropy density, s = g_star_s (2 pi^2/45) T^3.

    Args:
        temperature: SM temperature T [GeV], any shape, > 0.
        table: name in ``qedm_jax.io.GSTAR_TABLES`` (static).

    Returns:
        g_star_s(T), same shape. Constant continuation outside the table.
    """
    return jnp.exp(_interp_uniform(table, (1,), temperature)[0][0])


def dln_g_star_s_dln_T(temperature: ArrayLike, table: str = DEFAULT_GSTAR) -> Float[Array, "..."]:
    """d ln g_star_s / d ln T from the same interpolant as ``g_star_s`` (0 outside the table).

    Args:
        temperature: SM temperature T [GeV], any shape, > 0.
        table: name in ``qedm_jax.io.GSTAR_TABLES`` (static).

    Returns:
        The logarithmic derivative, same shape.
    """
    return _interp_uniform(table, (1,), temperature)[0][1]


def hubble(temperature: ArrayLike, table: str = DEFAULT_GSTAR) -> Float[Array, "..."]:
    """Hubble rate of an SM-dominated universe, H = sqrt(8 pi^3 g_star / 90) T^2 / M_PL [GeV].

    Args:
        temperature: SM temperature T [GeV], any shape.
        table: g_star table name (static).

    Returns:
        H(T) [GeV], same shape. Source: DESIGN.md "Background cosmology"; seed 003 Sec. 2.2.
    """
    return jnp.sqrt(8.0 * math.pi**3 * g_star(temperature, table) / 90.0) * temperature**2 / c.M_PL


def entropy_density(temperature: ArrayLike, table: str = DEFAULT_GSTAR) -> Float[Array, "..."]:
    """SM entropy density s = (2 pi^2 / 45) g_star_s T^3 [GeV^3].

    Args:
        temperature: SM temperature T [GeV], any shape.
        table: g_star table name (static).

    Returns:
        s(T) [GeV^3], same shape.
    """
    return 2.0 * math.pi**2 / 45.0 * g_star_s(temperature, table) * temperature**3


# --- strong coupling and R ratio ----------------------------------------------------------------

def _alpha_s_from_log(ln_mu2, alpha_ref, mu_ref, n_f):
    """One-loop alpha_s from alpha_s(mu_ref) with n_f flavours, given ln(mu^2) (the flavour branches
    of ``alpha_s`` share one log)."""
    b0 = (33.0 - 2.0 * n_f) / (12.0 * math.pi)
    return alpha_ref / (1.0 + alpha_ref * b0 * (ln_mu2 - 2.0 * math.log(mu_ref)))


_ALPHA_S_MB = float(_alpha_s_from_log(2.0 * math.log(c.M_BOTTOM), c.ALPHA_S_MZ, c.M_Z, 5))
_ALPHA_S_MC = float(_alpha_s_from_log(2.0 * math.log(c.M_CHARM), _ALPHA_S_MB, c.M_BOTTOM, 4))


def alpha_s(mu: ArrayLike) -> Float[Array, "..."]:
    """One-loop running strong coupling alpha_s(mu), from alpha_s(m_Z), with n_f = 5, 4, 3
    below m_Z, m_b, m_c (continuous matching). Frozen below mu = 1 GeV.

    Args:
        mu: scale [GeV], any shape.

    Returns:
        alpha_s(mu), same shape. Source: PDG 2024 QCD review, Eq. 9.4 truncated at one loop.
    """
    mu = jnp.maximum(jnp.asarray(mu, dtype=float), 1.0)
    ln_mu2 = 2.0 * jnp.log(mu)  # one log for the three branches (the R-ratio quadrature calls this a lot)
    return jnp.where(
        mu > c.M_BOTTOM,
        _alpha_s_from_log(ln_mu2, c.ALPHA_S_MZ, c.M_Z, 5),
        jnp.where(mu > c.M_CHARM, _alpha_s_from_log(ln_mu2, _ALPHA_S_MB, c.M_BOTTOM, 4),
                  _alpha_s_from_log(ln_mu2, _ALPHA_S_MC, c.M_CHARM, 3)),
    )


def _beta_factor(s, mass, vector=True, inv_s=None):
    """Vector-current threshold factor (1 + 2 m^2/s) beta, zero below threshold (``inv_s``:
    1/s if the caller has it, one division shared by several masses)."""
    ratio = 4.0 * mass**2 * inv_s if inv_s is not None else 4.0 * mass**2 / s
    above = ratio < 1.0
    beta = jnp.sqrt(jnp.where(above, 1.0 - ratio, 1.0))
    return jnp.where(above, beta * (1.0 + 0.5 * ratio), 0.0)


@functools.cache
def _rratio_table(table: str) -> tuple[np.ndarray, np.ndarray]:
    sqrt_s, ratio = io.load_rratio(table)
    return sqrt_s, ratio


@functools.cache
def _log_uniform_step(table: str) -> float | None:
    """The step in ln sqrt_s if the table's nodes are uniform in ln sqrt_s (DarkCast's are,
    to 1e-6 relative), else None."""
    sqrt_s, _ = _rratio_table(table)
    steps = np.diff(np.log(sqrt_s))
    return float(np.mean(steps)) if np.allclose(steps, np.mean(steps), rtol=1e-6, atol=0.0) else None


def _interp_measured(sqrt_s, table: str):
    """jnp.interp(sqrt_s, e, R, left=0, right=R[-1]) on the measured table; for a table with
    nodes uniform in ln sqrt_s the node index is computed directly (O(1), ~6x cheaper than
    the binary search of jnp.interp) and the interpolation is the same: linear in sqrt_s."""
    e_table, r_table = _rratio_table(table)
    step = _log_uniform_step(table)
    if step is None:
        return jnp.interp(sqrt_s, jnp.asarray(e_table), jnp.asarray(r_table), left=0.0, right=r_table[-1])
    e, r = jnp.asarray(e_table), jnp.asarray(r_table)
    position = (jnp.log(jnp.maximum(sqrt_s, e_table[0])) - math.log(e_table[0])) / step
    i = jnp.clip(jnp.floor(position).astype(jnp.int32), 0, e_table.size - 2)
    e_lo, e_hi = e[i], e[i + 1]
    i = jnp.where(sqrt_s < e_lo, jnp.maximum(i - 1, 0), jnp.where(sqrt_s > e_hi, jnp.minimum(i + 1, e_table.size - 2), i))
    e_lo, e_hi, r_lo, r_hi = e[i], e[i + 1], r[i], r[i + 1]  # rounding of the log moved one node at most
    value = r_lo + (jnp.clip(sqrt_s, e_lo, e_hi) - e_lo) / (e_hi - e_lo) * (r_hi - r_lo)
    return jnp.where(sqrt_s < e_table[0], 0.0, jnp.where(sqrt_s > e_table[-1], r_table[-1], value))


def _r_perturbative(sqrt_s):
    """N_c sum_q Q_q^2 (1 + 2 m^2/s) beta_q (1 + alpha_s/pi); open-flavour thresholds for c, b."""
    s = sqrt_s**2
    inv_s = 1.0 / s
    qcd = 1.0 + alpha_s(sqrt_s) / math.pi
    light = 3.0 * (4.0 / 9.0 + 1.0 / 9.0 + 1.0 / 9.0)
    charm = 3.0 * 4.0 / 9.0 * _beta_factor(s, c.M_D0, inv_s=inv_s)  # open charm: D Dbar threshold
    bottom = 3.0 * 1.0 / 9.0 * _beta_factor(s, c.M_B0, inv_s=inv_s)  # open bottom: B Bbar threshold
    top = 3.0 * 4.0 / 9.0 * _beta_factor(s, c.M_TOP, inv_s=inv_s)
    return (light + charm + bottom + top) * qcd


def r_total_thresholds(table: str = DEFAULT_RRATIO) -> np.ndarray:
    """sqrt(s) [GeV] where ``r_total`` is not smooth: the lepton pair thresholds (e, mu, tau), the
    first point of the measured table (2 pi), ``R_SWITCH_GEV`` (measured -> perturbative, a
    ~0.5% step) and the open-flavour thresholds (D Dbar, B Bbar, t tbar).

    Used as quadrature breakpoints (``qedm_jax.thermal``): a beta-factor onset inside a
    Gauss-Legendre panel cost up to 1.4e-3 in a thermal average (the muon threshold).

    Args:
        table: R-ratio table name (static).

    Returns:
        Sorted numpy array [GeV], shape (8,).

    Raises:
        ValueError: unknown ``table`` (``io.load_rratio``); ``io.DataFileError``: malformed file.
    """
    e_table, _ = _rratio_table(table)
    points = [2.0 * c.M_E, 2.0 * c.M_MU, 2.0 * c.M_TAU, float(e_table[0]), R_SWITCH_GEV,
              2.0 * c.M_D0, 2.0 * c.M_B0, 2.0 * c.M_TOP]
    return np.sort(np.asarray(points, dtype=np.float64))


def r_hadrons(sqrt_s: ArrayLike, table: str = DEFAULT_RRATIO) -> Float[Array, "..."]:
    """Hadronic R ratio, sigma(e+e- -> hadrons) / sigma(e+e- -> mu+mu-) (massless muons).

    Below ``R_SWITCH_GEV``: linear interpolation of the measured table (default: DarkCast's
    smooth u,d,s fit to e+e- data, Ilten et al. arXiv:1801.04847; "pdg2020": the PDG 2020
    compilation), zero below the table's first point (the 2 pi threshold). Above: perturbative
    u, d, s, c, b, t with one-loop QCD correction and open-flavour thresholds (narrow
    charmonium/bottomonium resonances are not included).

    Args:
        sqrt_s: centre-of-mass energy [GeV], any shape.
        table: name in ``qedm_jax.io.RRATIO_TABLES`` (static).

    Returns:
        R(sqrt_s) >= 0, same shape.
    """
    sqrt_s = jnp.asarray(sqrt_s, dtype=float)
    measured = _interp_measured(sqrt_s, table)
    safe = jnp.maximum(sqrt_s, R_SWITCH_GEV)
    return jnp.where(sqrt_s < R_SWITCH_GEV, measured, _r_perturbative(safe))


def r_leptons(sqrt_s: ArrayLike) -> Float[Array, "..."]:
    """Leptonic sum_l (1 + 2 m_l^2/s) sqrt(1 - 4 m_l^2/s) over l = e, mu, tau.

    Args:
        sqrt_s: centre-of-mass energy [GeV], any shape.

    Returns:
        Same shape; 3 far above the tau threshold.
    """
    s = jnp.asarray(sqrt_s, dtype=float) ** 2
    inv_s = 1.0 / s
    return sum(_beta_factor(s, m, inv_s=inv_s) for m in (c.M_E, c.M_MU, c.M_TAU))


def r_total(sqrt_s: ArrayLike, table: str = DEFAULT_RRATIO) -> Float[Array, "..."]:
    """R_total = r_leptons + r_hadrons: a photon-like vector V of coupling eps e decays with
    Gamma(V -> SM) = eps^2 alpha m_V R_total(m_V) / 3, and sigma(X -> V* -> SM) scales with
    R_total(sqrt s).

    Args:
        sqrt_s: centre-of-mass energy [GeV], any shape.
        table: R-ratio table name (static).

    Returns:
        Same shape.
    """
    return r_leptons(sqrt_s) + r_hadrons(sqrt_s, table)
