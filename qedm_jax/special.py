"""Special functions: exponentially scaled Bessel K, Gauss-Legendre nodes, a safe log.

JAX has no modified Bessel function of the second kind, so ``k0e``, ``k1e`` and ``k2e``
(``exp(z) K_nu(z)``, the scaled form every thermal average uses) are built here from two
pieces joined at ``z = 2``:

* ``z <= 2``: the ascending series of Abramowitz & Stegun (A&S) 9.6.13 (K_0) and 9.6.11
  (K_1), with the I_0, I_1 series of A&S 9.6.10, truncated at ``_N_SERIES`` terms.
* ``z > 2``: a Chebyshev expansion of ``sqrt(z) exp(z) K_nu(z)`` (nu = 0, 1) in
  ``t = 4/z - 1``. Its coefficients are computed once, at import, in numpy, from the
  integral representation (A&S 9.6.24)
  ``exp(z) K_nu(z) = Int_0^inf exp(-z (cosh s - 1)) cosh(nu s) ds``
  by the trapezoid rule, which is spectrally accurate for this even, entire integrand.

K_2 follows from the recurrence K_2 = K_0 + (2/z) K_1 (A&S 9.6.26) on both branches; its
terms are all positive, so the recurrence loses no digits.

Accuracy (checked in ``tests/test_special.py`` against ``scipy.special.kve``): relative error
below 1e-14 on 1e-5 <= z <= 1e4. Both branches are evaluated on safe arguments and joined
with the double ``where``, so values and gradients are NaN-free for every z > 0.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from qedm_jax.constants import EULER_GAMMA

__all__ = [
    "k0e",
    "k1e",
    "k2e",
    "k1e_k2e_large",
    "gauss_legendre",
    "gauss_legendre_interval",
    "safe_log",
]

# --- branch switch ----------------------------------------------------------------------------
#: z at which the ascending series (z <= Z_SWITCH) hands over to the Chebyshev expansion.
Z_SWITCH: float = 2.0

# --- ascending series, z <= 2 (A&S 9.6.10, 9.6.11, 9.6.13) -----------------------------------
#: Terms in the series in y = z^2/4; at y = 1 the last term is 1/(19! 20!) ~ 2e-36.
_N_SERIES: int = 20


def _series_coefficients() -> tuple[tuple[float, ...], ...]:
    """Coefficients (highest power first, for Horner) of the four series in y = z^2/4.

    Returns:
        ``(i0, s0, i1, s1)`` with, for k = 0 .. _N_SERIES - 1,
        ``i0_k = 1/(k!)^2`` (A&S 9.6.10, nu = 0),
        ``s0_k = H_k/(k!)^2`` (A&S 9.6.13; H_k = psi(k+1) + gamma, H_0 = 0),
        ``i1_k = 1/(k! (k+1)!)`` (A&S 9.6.10, nu = 1, without the factor z/2),
        ``s1_k = (psi(k+1) + psi(k+2))/(k! (k+1)!)`` (A&S 9.6.11, n = 1).
    """
    k = np.arange(_N_SERIES)
    fact = np.array([math.factorial(int(i)) for i in range(_N_SERIES + 1)], dtype=np.float64)
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, _N_SERIES + 1))])
    psi_kp1 = harmonic[k] - EULER_GAMMA  # psi(k+1) = H_k - gamma, A&S 6.3.2
    psi_kp2 = harmonic[k + 1] - EULER_GAMMA
    i0 = 1.0 / fact[k] ** 2
    s0 = harmonic[k] * i0
    i1 = 1.0 / (fact[k] * fact[k + 1])
    s1 = (psi_kp1 + psi_kp2) * i1
    return tuple(tuple(float(c) for c in a[::-1]) for a in (i0, s0, i1, s1))


_I0_SERIES, _S0_SERIES, _I1_SERIES, _S1_SERIES = _series_coefficients()


def _horner(coefficients: tuple[float, ...], y: jax.Array) -> jax.Array:
    """Polynomial sum_k c_k y^k, coefficients highest power first; unrolled over terms."""
    acc = jnp.full_like(y, coefficients[0])
    for c in coefficients[1:]:
        acc = acc * y + c
    return acc


def _k01e_series(z: jax.Array) -> tuple[jax.Array, jax.Array]:
    """exp(z) K_0(z) and exp(z) K_1(z) from the ascending series; accurate for 0 < z <= 2."""
    y = 0.25 * z * z
    log_half_z = jnp.log(0.5 * z)
    i0 = _horner(_I0_SERIES, y)
    i1 = 0.5 * z * _horner(_I1_SERIES, y)
    k0 = -(log_half_z + EULER_GAMMA) * i0 + _horner(_S0_SERIES, y)  # A&S 9.6.13
    k1 = 1.0 / z + log_half_z * i1 - 0.25 * z * _horner(_S1_SERIES, y)  # A&S 9.6.11, n = 1
    scale = jnp.exp(z)
    return scale * k0, scale * k1


# --- Chebyshev expansion, z > 2 ---------------------------------------------------------------
#: Chebyshev terms kept; coefficients fall below 1e-16 |c_0| after about 22 terms.
_N_CHEB: int = 32
#: Chebyshev points (first kind) at which sqrt(z) exp(z) K_nu(z) is sampled; 2 x _N_CHEB, so
#: aliasing onto the kept terms comes from coefficients ~1e-30.
_N_CHEB_NODES: int = 2 * _N_CHEB
#: Trapezoid nodes on [0, s_max] for the integral representation.
_N_TRAPEZOID: int = 3000
#: Truncation of the integral where the exponent z (cosh s - 1) reaches this value (e^-60).
_INTEGRAND_CUTOFF: float = 60.0


def _scaled_k_integral(z: np.ndarray, nu: int) -> np.ndarray:
    """sqrt(z) exp(z) K_nu(z) from A&S 9.6.24 by the trapezoid rule, in numpy (import time).

    Args:
        z: arguments, z > 0, shape (m,).
        nu: order (0 or 1).

    Returns:
        sqrt(z) Int_0^{s_max} exp(-z (cosh s - 1)) cosh(nu s) ds, shape (m,), with
        s_max = arccosh(1 + 60/z) so the dropped tail is below e^-60 relative.
    """
    s_max = np.arccosh(1.0 + _INTEGRAND_CUTOFF / z)  # shape (m,)
    u = np.linspace(0.0, 1.0, _N_TRAPEZOID)  # shape (n,)
    s = s_max[:, None] * u[None, :]  # shape (m, n)
    exponent = -z[:, None] * 2.0 * np.sinh(0.5 * s) ** 2  # cosh s - 1 = 2 sinh^2(s/2)
    integrand = np.exp(exponent) * np.cosh(nu * s)
    weights = np.ones(_N_TRAPEZOID)
    weights[0] = weights[-1] = 0.5
    h = s_max / (_N_TRAPEZOID - 1)
    return np.sqrt(z) * h * (integrand @ weights)


def _chebyshev_coefficients(nu: int, z_min: float = Z_SWITCH, n_terms: int = _N_CHEB) -> tuple[float, ...]:
    """Chebyshev coefficients of sqrt(z) exp(z) K_nu(z) in t = 2 z_min/z - 1, t in (-1, 1]
    (z >= z_min).

    Interpolation at the first-kind Chebyshev points t_j = cos(pi (j + 1/2)/M) (discrete cosine
    transform); cos(k theta_j) is formed from the exact integer k (2j + 1) mod 4M so the
    angles carry no rounding error.

    Args:
        nu: order (0 or 1).
        z_min: lower end of the z range (t = 1).
        n_terms: number of coefficients kept (<= M = ``_N_CHEB_NODES``).

    Returns:
        c_0 .. c_{n_terms - 1}, with f(t) = sum_k c_k T_k(t) (c_0 already halved).
    """
    m = _N_CHEB_NODES
    j = np.arange(m)
    t = np.cos(np.pi * (j + 0.5) / m)
    values = _scaled_k_integral(2.0 * z_min / (t + 1.0), nu)
    k = np.arange(n_terms)
    phase = np.outer(k, 2 * j + 1) % (4 * m)
    coefficients = (2.0 / m) * (np.cos(np.pi * phase / (2.0 * m)) @ values)
    coefficients[0] *= 0.5
    return tuple(float(c) for c in coefficients)


_K0_CHEB = _chebyshev_coefficients(0)
_K1_CHEB = _chebyshev_coefficients(1)

#: lower end of the single-branch expansion of ``k1e_k2e_large``
Z_LARGE_MIN: float = 1.0
#: its Chebyshev terms (in t = 2/z - 1): the coefficients fall below 1e-14 |c_0| after 24
#: terms and reach the rounding level (~2e-16 |c_0|) at 28
_N_CHEB_LARGE: int = 28
_K0_CHEB_LARGE = _chebyshev_coefficients(0, Z_LARGE_MIN, _N_CHEB_LARGE)
_K1_CHEB_LARGE = _chebyshev_coefficients(1, Z_LARGE_MIN, _N_CHEB_LARGE)


def _clenshaw(coefficients: tuple[float, ...], t: jax.Array) -> jax.Array:
    """sum_k c_k T_k(t) by Clenshaw's recurrence; unrolled over the fixed number of terms."""
    b1 = jnp.zeros_like(t)
    b2 = jnp.zeros_like(t)
    two_t = 2.0 * t
    for c in coefficients[:0:-1]:
        b1, b2 = c + two_t * b1 - b2, b1
    return coefficients[0] + t * b1 - b2


def _k01e_chebyshev(z: jax.Array) -> tuple[jax.Array, jax.Array]:
    """exp(z) K_0(z) and exp(z) K_1(z) from the Chebyshev expansions; accurate for z >= 2."""
    t = 4.0 / z - 1.0
    inv_sqrt_z = jax.lax.rsqrt(z)
    return _clenshaw(_K0_CHEB, t) * inv_sqrt_z, _clenshaw(_K1_CHEB, t) * inv_sqrt_z


# --- public Bessel functions ------------------------------------------------------------------


def _k01e(z: jax.typing.ArrayLike) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Shared core: (z as float64, exp(z) K_0(z), exp(z) K_1(z)); NaN where not z > 0."""
    z = jnp.asarray(z, dtype=jnp.float64)
    small = (z > 0.0) & (z <= Z_SWITCH)
    large = z > Z_SWITCH
    # double where: each branch sees only arguments inside its own domain
    z_small = jnp.where(small, z, 1.0)
    z_large = jnp.where(large, z, 2.0 * Z_SWITCH)
    k0_small, k1_small = _k01e_series(z_small)
    k0_large, k1_large = _k01e_chebyshev(z_large)
    k0 = jnp.where(small, k0_small, jnp.where(large, k0_large, jnp.nan))
    k1 = jnp.where(small, k1_small, jnp.where(large, k1_large, jnp.nan))
    return z, k0, k1


def k0e(z: jax.typing.ArrayLike) -> jax.Array:
    r"""Exponentially scaled modified Bessel function of the second kind, order 0.

    .. math:: \mathrm{k0e}(z) = e^{z} K_0(z)

    Series of A&S 9.6.13 for z <= 2, Chebyshev expansion of A&S 9.6.24 for z > 2 (see the
    module docstring).

    Args:
        z: argument, z > 0, any shape; cast to float64.

    Returns:
        exp(z) K_0(z), float64, same shape as z. Relative error < 1e-14 on 1e-5 <= z <= 1e4.
        NaN where z <= 0 or z is NaN (no exception, so it is safe under jit/vmap).
    """
    return _k01e(z)[1]


def k1e(z: jax.typing.ArrayLike) -> jax.Array:
    r"""Exponentially scaled modified Bessel function of the second kind, order 1.

    .. math:: \mathrm{k1e}(z) = e^{z} K_1(z)

    Series of A&S 9.6.11 (n = 1) for z <= 2, Chebyshev expansion of A&S 9.6.24 for z > 2
    (see the module docstring). Derivative: k1e'(z) = k1e(z) - k0e(z) - k1e(z)/z (A&S 9.6.27).

    Args:
        z: argument, z > 0, any shape; cast to float64.

    Returns:
        exp(z) K_1(z), float64, same shape as z. Relative error < 1e-14 on 1e-5 <= z <= 1e4.
        NaN where z <= 0 or z is NaN (no exception, so it is safe under jit/vmap).
    """
    return _k01e(z)[2]


def k2e(z: jax.typing.ArrayLike) -> jax.Array:
    r"""Exponentially scaled modified Bessel function of the second kind, order 2.

    .. math:: \mathrm{k2e}(z) = e^{z} K_2(z) = \mathrm{k0e}(z) + \frac{2}{z}\,\mathrm{k1e}(z)

    The recurrence is A&S 9.6.26; both terms are positive, so it is free of cancellation.
    Derivative: k2e'(z) = k2e(z) - k1e(z) - 2 k2e(z)/z.

    Args:
        z: argument, z > 0, any shape; cast to float64.

    Returns:
        exp(z) K_2(z), float64, same shape as z. Relative error < 1e-14 on 1e-5 <= z <= 1e4.
        NaN where z <= 0 or z is NaN (no exception, so it is safe under jit/vmap).
    """
    z, k0, k1 = _k01e(z)
    return k0 + 2.0 * k1 / z  # A&S 9.6.26, nu = 1


def k1e_k2e_large(z: jax.typing.ArrayLike, n_terms: int = _N_CHEB_LARGE) -> tuple[jax.Array, jax.Array]:
    r"""``(k1e(z), k2e(z))`` for z >= 1 from one Chebyshev expansion per order, no branch.

    .. math:: \mathrm{k1e}(z) = e^{z} K_1(z), \quad \mathrm{k2e}(z) = e^{z} K_0(z) + \frac{2}{z} e^{z} K_1(z)

    sqrt(z) exp(z) K_nu(z) (nu = 0, 1) is expanded in t = 2/z - 1 on z >= ``Z_LARGE_MIN``,
    coefficients from the integral representation A&S 9.6.24 as for ``k0e``/``k1e``; K_2 by the
    recurrence A&S 9.6.26. For the thermal-average quadrature, whose arguments sqrt(s)/T
    never fall below 2 m_chi / T: without the ascending-series branch (and its ``where``),
    ``k1e`` plus ``k2e`` cost ~2x this pair of expansions in the rate table.

    Args:
        z: argument, z >= 1, any shape; cast to float64.
        n_terms: Chebyshev terms kept per order (static, 2 .. 28). The default (28) is the full
            expansion; fewer terms trade accuracy for speed: the coefficients fall as ~0.33^k, so
            14 terms give a relative error < 3e-10 (``thermal.rate_table``'s kernel).

    Returns:
        ``(exp(z) K_1(z), exp(z) K_2(z))``, float64, each of the shape of z. Relative error
        < 1e-14 on 1 <= z <= 1e4 with all terms (``tests/test_special.py``). NaN where z < 1 or z is NaN;
        gradients NaN-free there (double ``where``).
    """
    if not 2 <= n_terms <= _N_CHEB_LARGE:
        raise ValueError(f"n_terms must be in [2, {_N_CHEB_LARGE}], got {n_terms}")
    z = jnp.asarray(z, dtype=jnp.float64)
    ok = z >= Z_LARGE_MIN
    safe_z = jnp.where(ok, z, 2.0 * Z_LARGE_MIN)
    t = 2.0 * Z_LARGE_MIN / safe_z - 1.0
    inv_sqrt_z = jax.lax.rsqrt(safe_z)
    k0 = _clenshaw(_K0_CHEB_LARGE[:n_terms], t) * inv_sqrt_z
    k1 = _clenshaw(_K1_CHEB_LARGE[:n_terms], t) * inv_sqrt_z
    k2 = k0 + 2.0 * k1 / safe_z  # A&S 9.6.26, nu = 1
    return jnp.where(ok, k1, jnp.nan), jnp.where(ok, k2, jnp.nan)


# --- quadrature -------------------------------------------------------------------------------


def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [-1, 1].

    Exact for polynomials of degree <= 2n - 1 (numpy.polynomial.legendre.leggauss).

    Args:
        n: number of nodes, a Python int >= 1 (static).

    Returns:
        (nodes, weights): numpy float64 arrays, each shape (n,), nodes increasing.

    Raises:
        ValueError: n is not an int >= 1.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"gauss_legendre needs an int n >= 1, got {n!r}")
    nodes, weights = np.polynomial.legendre.leggauss(int(n))
    return nodes.astype(np.float64), weights.astype(np.float64)


def gauss_legendre_interval(
    n: int, a: jax.typing.ArrayLike, b: jax.typing.ArrayLike
) -> tuple[jax.Array, jax.Array]:
    """Gauss-Legendre nodes and weights on [a, b].

    x_i = (b - a)/2 t_i + (b + a)/2 and w_i = (b - a)/2 v_i, with (t_i, v_i) from
    ``gauss_legendre(n)``, so that Int_a^b f(x) dx ~ sum_i w_i f(x_i). Differentiable in a, b;
    a and b may be traced (jit/vmap). b < a gives negative weights (an oriented integral).

    Args:
        n: number of nodes, a Python int >= 1 (static).
        a: lower limit, scalar (shape ()).
        b: upper limit, scalar (shape ()).

    Returns:
        (nodes, weights): float64 jax arrays, each shape (n,).

    Raises:
        ValueError: n is not an int >= 1, or a or b is not a scalar (checked at trace time).
    """
    nodes, weights = gauss_legendre(n)
    a = jnp.asarray(a, dtype=jnp.float64)
    b = jnp.asarray(b, dtype=jnp.float64)
    if a.ndim != 0 or b.ndim != 0:
        raise ValueError(f"a and b must be scalars, got shapes {a.shape} and {b.shape}")
    half_width = 0.5 * (b - a)
    midpoint = 0.5 * (b + a)
    return half_width * nodes + midpoint, half_width * weights


# --- masked log -------------------------------------------------------------------------------


def safe_log(x: jax.typing.ArrayLike, mask: jax.typing.ArrayLike) -> jax.Array:
    """log(x) where mask is true, 0 elsewhere, with NaN-free gradients.

    Uses the double ``where``: the log only ever sees x where mask holds (1 elsewhere), so
    neither the value nor the gradient picks up NaN or inf from the masked entries.

    Args:
        x: argument, any shape; must be > 0 where mask is true.
        mask: boolean, broadcastable with x.

    Returns:
        Array of the broadcast shape of x and mask: log(x) where mask, 0 elsewhere.
    """
    x = jnp.asarray(x)
    safe_x = jnp.where(mask, x, jnp.ones_like(x))
    return jnp.where(mask, jnp.log(safe_x), jnp.zeros_like(safe_x))
