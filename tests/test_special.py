"""Tests for qedm_jax.special: scaled Bessel K against scipy, gradients, quadrature, safe log."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
from jax.test_util import check_grads

import qedm_jax  # noqa: F401  (enables float64)
from qedm_jax import special

# --- tolerances -------------------------------------------------------------------------------
#: Accuracy contract of k0e/k1e/k2e vs scipy.special.kve on 1e-3 < z < 700 (measured ~5e-15).
RTOL_KVE = 1e-12
#: Same contract at the range ends z = 1e-6 .. 1e-5 and 1e3 .. 1e4; no loosening was needed.
RTOL_KVE_EDGE = 1e-12
#: jit may fuse and reorder float ops, so jitted and eager values agree to a few ulp only.
RTOL_JIT = 1e-14
#: Autodiff through series/Clenshaw vs the closed-form derivative; Chebyshev derivatives lose
#: ~N^2 ulp at the t = 1 end (z -> 2+), measured ~3e-12.
RTOL_GRAD = 1e-9
#: Second derivative: Chebyshev differentiation loses ~N^4 ulp at z -> 2+ (measured ~7e-10).
RTOL_GRAD2 = 1e-8
#: check_grads' default float64 budget: central differences with step 1e-4 err at O(h^2).
RTOL_CHECK_GRADS = 1e-5
#: Gauss-Legendre is exact for degree <= 2n - 1 up to rounding in the nodes and weights.
RTOL_QUADRATURE = 1e-13

BESSEL = {0: special.k0e, 1: special.k1e, 2: special.k2e}
SHAPES = [(), (4,), (3, 4)]


@pytest.fixture(autouse=True)
def _strict_promotion():
    """Run every test under diffrax's promotion settings (strict dtypes, no rank promotion)."""
    with jax.numpy_dtype_promotion("strict"), jax.numpy_rank_promotion("raise"):
        yield


def _kve(nu: int, z: np.ndarray) -> np.ndarray:
    return scipy.special.kve(nu, z)


def _max_rel_err(actual, expected) -> float:
    return float(np.max(np.abs(np.asarray(actual) / expected - 1.0)))


# --- values vs scipy --------------------------------------------------------------------------


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_kve_dense_grid(nu):
    """Dense log grid over the contract range; includes points on both sides of z = 2."""
    z = np.concatenate([np.geomspace(1.0001e-3, 699.9, 20001), [2.0, np.nextafter(2.0, 3.0)]])
    assert _max_rel_err(jax.jit(BESSEL[nu])(z), _kve(nu, z)) < RTOL_KVE


@pytest.mark.parametrize("nu", [0, 1, 2])
@pytest.mark.parametrize("shape", SHAPES)
def test_kve_shapes(nu, shape):
    rng = np.random.default_rng(1234 + nu)
    z = np.exp(rng.uniform(np.log(1e-3), np.log(700.0), size=shape))
    value = jax.jit(BESSEL[nu])(z)
    assert value.shape == shape
    assert value.dtype == jnp.float64
    assert _max_rel_err(value, _kve(nu, z)) < RTOL_KVE


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_kve_range_ends(nu):
    z = np.array([1e-6, 1e-5, 1e-4, 1e3, 5e3, 1e4])
    assert _max_rel_err(jax.jit(BESSEL[nu])(z), _kve(nu, z)) < RTOL_KVE_EDGE


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_kve_outside_domain_is_nan(nu):
    value = BESSEL[nu](jnp.array([0.0, -1.0, jnp.nan]))
    assert bool(jnp.all(jnp.isnan(value)))


def test_integer_and_python_scalar_input():
    assert special.k1e(3).dtype == jnp.float64
    assert _max_rel_err(special.k1e(3), _kve(1, 3.0)) < RTOL_KVE


# --- transformations --------------------------------------------------------------------------


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_jit_equals_eager(nu):
    z = jnp.array([1e-4, 0.3, 2.0, 2.5, 40.0, 900.0])
    np.testing.assert_allclose(jax.jit(BESSEL[nu])(z), BESSEL[nu](z), rtol=RTOL_JIT, atol=0.0)


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_vmap_equals_loop(nu):
    z = jnp.array([0.05, 2.0, 17.0])
    batched = jax.vmap(BESSEL[nu])(z)
    looped = jnp.stack([BESSEL[nu](z_i) for z_i in z])
    np.testing.assert_allclose(batched, looped, rtol=RTOL_JIT, atol=0.0)


def test_single_compile_across_values():
    jitted = jax.jit(lambda z: special.k2e(z))  # fresh wrapper: its own compile cache
    jitted(jnp.array([0.5, 3.0])).block_until_ready()
    jitted(jnp.array([1.5, 300.0])).block_until_ready()
    assert jitted._cache_size() == 1


# --- gradients --------------------------------------------------------------------------------

GRAD_POINTS = [1e-5, 0.01, 0.5, 1.5, 1.999, 2.0, 2.001, 2.5, 5.0, 50.0, 700.0]


def _dk1e_exact(z):
    """d/dz [e^z K_1(z)] = e^z K_1 + e^z K_1' with K_1' = -K_0 - K_1/z (A&S 9.6.27)."""
    return _kve(1, z) - _kve(0, z) - _kve(1, z) / z


def _dk2e_exact(z):
    """d/dz [e^z K_2(z)] = e^z K_2 + e^z K_2' with K_2' = -K_1 - 2 K_2/z (A&S 9.6.27)."""
    return _kve(2, z) - _kve(1, z) - 2.0 * _kve(2, z) / z


def _batched_grad(f):
    """Jitted elementwise derivative f'(z) over a vector of points (one compile per f)."""
    return jax.jit(jax.vmap(jax.grad(f)))


def test_grad_k0e_analytic():
    """d/dz [e^z K_0(z)] = e^z K_0 - e^z K_1 (A&S 9.6.27, K_0' = -K_1)."""
    z = np.array(GRAD_POINTS)
    expected = _kve(0, z) - _kve(1, z)
    assert _max_rel_err(_batched_grad(special.k0e)(z), expected) < RTOL_GRAD


def test_grad_k1e_analytic():
    z = np.array(GRAD_POINTS)
    assert _max_rel_err(_batched_grad(special.k1e)(z), _dk1e_exact(z)) < RTOL_GRAD


def test_grad_k2e_analytic():
    z = np.array(GRAD_POINTS)
    assert _max_rel_err(_batched_grad(special.k2e)(z), _dk2e_exact(z)) < RTOL_GRAD


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_grad_finite_at_switch_and_batched(nu):
    """z = 2 exactly, neighbours, and a masked batch: no NaN from the unused branch."""
    z = jnp.array([1e-6, 1.0, 2.0, np.nextafter(2.0, 3.0), 3.0, 1e4])
    grad = jax.jit(jax.grad(lambda x: jnp.sum(BESSEL[nu](x))))(z)
    assert bool(jnp.all(jnp.isfinite(grad)))
    second = jax.jit(jax.grad(jax.grad(BESSEL[nu])))(2.0)
    assert bool(jnp.isfinite(second))


def test_second_derivative_k0e_analytic():
    """d^2/dz^2 [e^z K_0] = 2 e^z K_0 - 2 e^z K_1 + e^z K_1/z (A&S 9.6.27 applied twice)."""
    z = np.array(GRAD_POINTS)
    expected = 2.0 * _kve(0, z) - 2.0 * _kve(1, z) + _kve(1, z) / z
    second = jax.jit(jax.vmap(jax.grad(jax.grad(special.k0e))))(z)
    assert _max_rel_err(second, expected) < RTOL_GRAD2


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_check_grads(nu):
    """Forward and reverse mode against finite differences (second order: next test)."""
    z = jnp.array([0.3, 1.9, 2.1, 30.0])
    check_grads(
        BESSEL[nu], (z,), order=1, modes=("fwd", "rev"), rtol=RTOL_CHECK_GRADS, eps=1e-4
    )


# --- single-branch K1, K2 for z >= 1 (rate tables) --------------------------------------------


def test_k1e_k2e_large_vs_scipy_and_general_branches():
    """Same contract as k1e/k2e on 1 <= z <= 1e4, dense grid, and agreement with them."""
    z = np.concatenate([np.geomspace(1.0, 1e4, 20001), [2.0, np.nextafter(2.0, 3.0)]])
    k1, k2 = jax.jit(special.k1e_k2e_large)(z)
    assert k1.shape == k2.shape == z.shape and k1.dtype == k2.dtype == jnp.float64
    assert _max_rel_err(k1, _kve(1, z)) < RTOL_KVE
    assert _max_rel_err(k2, _kve(2, z)) < RTOL_KVE
    assert _max_rel_err(k1, special.k1e(z)) < RTOL_KVE
    assert _max_rel_err(k2, special.k2e(z)) < RTOL_KVE


def test_k1e_k2e_large_below_domain_is_nan_with_finite_gradient():
    z = jnp.array([0.0, 0.5, np.nextafter(1.0, 0.0), jnp.nan])
    k1, k2 = special.k1e_k2e_large(z)
    assert bool(jnp.all(jnp.isnan(k1)) and jnp.all(jnp.isnan(k2)))
    mixed = jnp.array([0.5, 1.0, 3.0, 1e4])
    grad = jax.grad(lambda x: jnp.sum(jnp.where(x >= 1.0, sum(special.k1e_k2e_large(x)), 0.0)))(mixed)
    assert bool(jnp.all(jnp.isfinite(grad)))


def test_k1e_k2e_large_gradients_analytic():
    """Autodiff through the Clenshaw sums vs A&S 9.6.27 (as for k1e, k2e)."""
    z = np.array([1.0, 1.2, 1.999, 2.0, 2.5, 5.0, 50.0, 700.0])
    d1 = jax.jit(jax.vmap(jax.grad(lambda x: special.k1e_k2e_large(x)[0])))(z)
    d2 = jax.jit(jax.vmap(jax.grad(lambda x: special.k1e_k2e_large(x)[1])))(z)
    assert _max_rel_err(d1, _dk1e_exact(z)) < RTOL_GRAD
    assert _max_rel_err(d2, _dk2e_exact(z)) < RTOL_GRAD


# --- quadrature -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5, 16])
def test_gauss_legendre_exact_for_polynomials(n):
    nodes, weights = special.gauss_legendre(n)
    assert isinstance(nodes, np.ndarray) and isinstance(weights, np.ndarray)
    assert nodes.dtype == np.float64 and weights.dtype == np.float64
    assert nodes.shape == weights.shape == (n,)
    for degree in range(2 * n):
        exact = 2.0 / (degree + 1) if degree % 2 == 0 else 0.0
        assert abs(np.sum(weights * nodes**degree) - exact) < RTOL_QUADRATURE


@pytest.mark.parametrize("n", [0, -3, 2.0, True])
def test_gauss_legendre_bad_n(n):
    with pytest.raises(ValueError):
        special.gauss_legendre(n)


def test_gauss_legendre_interval_jit_and_grad():
    def integral(a, b):
        nodes, weights = special.gauss_legendre_interval(4, a, b)
        return jnp.sum(weights * nodes**3)  # exact for degree 3 <= 2*4 - 1

    a, b = jnp.array(0.5), jnp.array(2.0)
    exact = (b**4 - a**4) / 4.0
    np.testing.assert_allclose(jax.jit(integral)(a, b), exact, rtol=RTOL_QUADRATURE)
    # d/db Int_a^b x^3 dx = b^3, d/da = -a^3
    grad_a, grad_b = jax.grad(integral, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(grad_b, b**3, rtol=RTOL_QUADRATURE)
    np.testing.assert_allclose(grad_a, -(a**3), rtol=RTOL_QUADRATURE)


def test_gauss_legendre_interval_vmap_and_python_scalars():
    nodes, weights = special.gauss_legendre_interval(3, 1.0, 3.0)
    assert nodes.shape == weights.shape == (3,)
    np.testing.assert_allclose(jnp.sum(weights), 2.0, rtol=RTOL_QUADRATURE)
    upper = jnp.array([1.0, 2.0, 4.0])
    lengths = jax.vmap(lambda b: jnp.sum(special.gauss_legendre_interval(3, 0.0, b)[1]))(upper)
    np.testing.assert_allclose(lengths, upper, rtol=RTOL_QUADRATURE)


def test_gauss_legendre_interval_rejects_arrays():
    with pytest.raises(ValueError):
        special.gauss_legendre_interval(3, jnp.zeros(2), 1.0)


# --- safe log ---------------------------------------------------------------------------------


def test_safe_log_values_and_nan_free_grad():
    x = jnp.array([0.0, -1.0, 2.0, 5.0])
    mask = x > 0.0
    np.testing.assert_allclose(special.safe_log(x, mask), [0.0, 0.0, np.log(2.0), np.log(5.0)])
    grad = jax.grad(lambda v: jnp.sum(special.safe_log(v, v > 0.0)))(x)
    np.testing.assert_allclose(grad, [0.0, 0.0, 0.5, 0.2])
