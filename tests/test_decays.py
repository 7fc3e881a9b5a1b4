"""chi2 -> chi1 f fbar width, c tau, decay length and the running A' width (qedm_jax.decays).

Physics anchors: seed 001 Eq. 5.1 (iDM) and Eq. 6.1 (i2DM) in the limit Delta << m_chi1, m_A,
with the first corrections derived in ``qedm_jax.decays``; an independent numpy differential
width (the spin trace before factorization) integrated with scipy quad; threshold powers;
the on-shell A' width of ``qedm_jax.models.bc2``; hbar c.

Tolerances are named below, each with its reason (candidates for tests/tolerances.py, which this
change does not touch).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads
from scipy import integrate

from qedm_jax import constants as c
from qedm_jax import decays, io, sm
from qedm_jax.models import bc2

#: independent numpy integrand + scipy quad vs the fixed rule (lepton channels): the rule is
#: measured at <= 2e-8 (n_gauss = 8); the issue asks for 1e-6
QUAD_RTOL = 1e-6
#: hadronic channel vs the exact integral of the piecewise-linear R table (Gauss-Legendre on every
#: table segment): the fixed rule does not resolve the table's kinks (0.23% apart in sqrt s);
#: measured <= 5e-5 at n_gauss = 8, far below the R-ratio's own uncertainty (percent)
HADRON_TABLE_RTOL = 1e-4
#: the same formula evaluated two ways (rounding only)
ROUNDING_RTOL = 1e-12
#: Eq. 5.1 expansion 1 - 3 Delta/(2 m_chi1) - 15 m_e^2/Delta^2: what is left is
#: O((Delta/m_chi1)^2, Delta^2/m_A^2, (m_e/Delta)^4 ln) ~ 1e-6 at the points used
EXPANSION_ATOL = 5e-6
#: refining the rule (n_gauss 8 -> 16) in a lepton-only point: quadrature error of the fast rule
REFINE_RTOL = 1e-7

EPS, ALPHA_D = 1e-3, 0.1


def eq_5_1(Delta, m_A, epsilon=EPS, alpha_D=ALPHA_D):
    """Seed 001 Eq. 5.1: Gamma(chi2 -> chi1 e+e-) ~ 4 eps^2 alpha alpha_D Delta^5 / (15 pi m_A^4)."""
    return 4.0 * epsilon**2 * c.ALPHA_EM * alpha_D * Delta**5 / (15.0 * math.pi * m_A**4)


def dgamma_trace(q2, m1, Delta, m_A, m_f, epsilon=EPS, alpha_D=ALPHA_D):
    """Independent numpy dGamma/dq2 for a lepton of mass m_f: the spin-summed trace
    F = (M^2 + m^2)/2 - 3 m M - q2 + (M^2 - m^2)^2/(2 q2), the two-body width
    g^2 F sqrt(lambda) / (8 pi M^3), times eps^2 alpha q2 R_f / (3 pi (q2 - m_A^2)^2). The A'
    width in the propagator is left out: it changes the result by (eps^2 alpha R/3)^2 q2^2 /
    (m_A^2 - q2)^2 < 1e-16 at the points used."""
    M = m1 + Delta
    F = 0.5 * (M**2 + m1**2) - 3.0 * m1 * M - q2 + (M**2 - m1**2) ** 2 / (2.0 * q2)
    lam = (M**2 - m1**2 - q2) ** 2 - 4.0 * m1**2 * q2
    two_body = 4.0 * math.pi * alpha_D * F * math.sqrt(max(lam, 0.0)) / (8.0 * math.pi * M**3)
    r_f = (1.0 + 2.0 * m_f**2 / q2) * math.sqrt(max(1.0 - 4.0 * m_f**2 / q2, 0.0))
    return two_body * epsilon**2 * c.ALPHA_EM * q2 * r_f / (3.0 * math.pi * (q2 - m_A**2) ** 2)


def quad_width(m1, Delta, m_A, m_f):
    """scipy quad of ``dgamma_trace`` over (2 m_f)^2 < q2 < Delta^2, split geometrically above the
    threshold so that quad sees the electron layer."""
    lo, hi = 4.0 * m_f**2, Delta**2
    edges = [lo] + [lo * (1.0 + 4.0**k) for k in range(20) if lo * (1.0 + 4.0**k) < hi] + [hi]
    return sum(integrate.quad(dgamma_trace, a, b, args=(m1, Delta, m_A, m_f), epsabs=0.0, epsrel=1e-12,
                              limit=200)[0] for a, b in zip(edges[:-1], edges[1:]))


# --- the Eq. 5.1 / 6.1 limits -------------------------------------------------------------------

@pytest.mark.parametrize("m_chi1", [500.0, 5000.0, 5.0e4])
def test_eq_5_1_limit_with_first_corrections(m_chi1):
    """Delta << m_chi1, m_A: Gamma_e / Eq. 5.1 = 1 - 3 Delta/(2 m_chi1) - 15 m_e^2/Delta^2 + ...
    (decays module docstring; the m_e term is 10 (J - 1) with J = Int_1^inf ((1 + 1/2y)
    sqrt(1 - 1/y) - 1) dy = -1/2)."""
    Delta, m_A = 0.5, 3.0 * m_chi1
    ratio = float(decays.width_chi2(m_chi1, Delta, m_A, EPS, ALPHA_D, channel="e")) / eq_5_1(Delta, m_A)
    expected = 1.0 - 1.5 * Delta / m_chi1 - 15.0 * (c.M_E / Delta) ** 2
    assert abs(ratio - expected) < EXPANSION_ATOL


def test_eq_5_1_ratio_tends_to_one():
    """The ratio approaches 1 as Delta/m -> 0 with m_e << Delta."""
    Delta = 0.5
    deviations = [abs(float(decays.width_chi2(m, Delta, 3.0 * m, EPS, ALPHA_D, channel="e"))
                      / eq_5_1(Delta, 3.0 * m) - 1.0) for m in (5.0, 50.0, 500.0, 5.0e4)]
    assert all(a > b for a, b in zip(deviations[:-1], deviations[1:]))
    assert deviations[-1] < 5e-5  # 15 (m_e/Delta)^2 = 1.6e-5 and 3 Delta/(2 m) = 1.5e-5 remain


@pytest.mark.parametrize("theta", [1e-3, 0.1, 0.7])
def test_eq_6_1_i2dm(theta):
    """i2DM = iDM times (sin theta cos theta)^2 = tan^2 theta cos^4 theta (seed 001 Eq. 6.1):
    exactly (same kinematics; the propagator's dark channels are closed below Delta < 2 m_chi1),
    and hence the Eq. 6.1 limit."""
    m_chi1, Delta = 500.0, 0.5
    m_A = 3.0 * m_chi1
    i2dm = float(decays.width_chi2(m_chi1, Delta, m_A, EPS, ALPHA_D, theta, model="i2dm", channel="e"))
    idm = float(decays.width_chi2(m_chi1, Delta, m_A, EPS, ALPHA_D, channel="e"))
    factor = math.tan(theta) ** 2 * math.cos(theta) ** 4  # seed 001 Eq. 6.1
    assert i2dm / idm == pytest.approx(factor, rel=ROUNDING_RTOL)
    expected = 1.0 - 1.5 * Delta / m_chi1 - 15.0 * (c.M_E / Delta) ** 2
    assert i2dm / (eq_5_1(Delta, m_A) * factor) == pytest.approx(expected, abs=EXPANSION_ATOL)


def test_scaling_exponents_by_autodiff():
    """d ln Gamma / d ln epsilon = 2, d ln Gamma / d ln alpha_D = 1 exactly; d ln Gamma / d ln Delta
    -> 5 and d ln Gamma / d ln m_A -> -4 in the Eq. 5.1 regime (gradients through the rule)."""
    def ln_width(ln_args):
        eps, a_d, delta, m_a = jnp.exp(ln_args)
        return jnp.log(decays.width_chi2(500.0, delta, m_a, eps, a_d, channel="e"))
    slopes = jax.grad(ln_width)(jnp.log(jnp.array([EPS, ALPHA_D, 0.5, 1500.0])))
    np.testing.assert_allclose(slopes[:2], [2.0, 1.0], rtol=1e-10)
    # corrections: -3 Delta/(2 m) -> -1.5e-3 in the Delta slope, +30 (m_e/Delta)^2 -> 3e-5
    assert slopes[2] == pytest.approx(5.0 - 1.5e-3 + 30.0 * (c.M_E / 0.5) ** 2, abs=1e-5)
    assert slopes[3] == pytest.approx(-4.0, abs=1e-6)


# --- the q2 integral ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "m_chi1, Delta, m_A, channel",
    [
        (0.1, 0.04, 0.3, "e"),
        (0.01, 0.0015, 0.03, "e"),  # Delta ~ 3 m_e: threshold region dominates
        (1.0, 0.4, 3.0, "e"),
        (10.0, 4.0, 30.0, "e"),  # m_e / Delta ~ 1e-4: the graded panels
        (1.0, 0.4, 0.45, "e"),  # m_A close to Delta: steep propagator at the end point
        (1.0, 0.25, 3.0, "mu"),  # just above the muon threshold
        (1.0, 0.4, 0.41, "mu"),
    ],
)
def test_width_against_scipy_quad(m_chi1, Delta, m_A, channel):
    """The fixed-node rule vs scipy quad of an independently written differential width."""
    m_f = {"e": c.M_E, "mu": c.M_MU}[channel]
    rule = float(decays.width_chi2(m_chi1, Delta, m_A, EPS, ALPHA_D, channel=channel))
    assert rule == pytest.approx(quad_width(m_chi1, Delta, m_A, m_f), rel=QUAD_RTOL)


def test_differential_width_matches_trace_form():
    """The public integrand equals the trace form pointwise (factorization of F sqrt(lambda))."""
    m1, Delta, m_A = 1.0, 0.4, 3.0
    q2 = np.array([1e-5, 1e-3, 0.05, 0.12, 0.159])
    ours = np.asarray(decays.dwidth_chi2_dq2(q2, m1, Delta, m_A, EPS, ALPHA_D, channel="e"))
    ref = np.array([dgamma_trace(x, m1, Delta, m_A, c.M_E) for x in q2])
    np.testing.assert_allclose(ours, ref, rtol=1e-9)  # the propagator width, left out of ref: < 1e-16


@pytest.mark.parametrize("Delta", [0.5, 1.2])  # below the omega; across omega and phi
def test_hadronic_channel_against_table_integral(Delta):
    """Hadrons: the rule vs the integral of the same integrand with Gauss-Legendre on every segment
    of the (piecewise-linear) R table, which is exact up to rounding for the table."""
    m1, m_A = 2.5 * Delta, 7.5 * Delta
    e_table, _ = io.load_rratio(sm.DEFAULT_RRATIO)
    lo, hi = e_table[0] ** 2, Delta**2
    edges = np.unique(np.concatenate([[lo], e_table[(e_table**2 > lo) & (e_table**2 < hi)] ** 2, [hi]]))
    t, w = np.polynomial.legendre.leggauss(10)
    a, b = edges[:-1, None], edges[1:, None]
    q2 = (0.5 * (b - a) * t[None, :] + 0.5 * (b + a)).ravel()
    weights = (0.5 * (b - a) * w[None, :]).ravel()
    reference = float(np.sum(weights * np.asarray(decays.dwidth_chi2_dq2(q2, m1, Delta, m_A, EPS, ALPHA_D,
                                                                           channel="hadrons"))))
    rule = float(decays.width_chi2(m1, Delta, m_A, EPS, ALPHA_D, channel="hadrons"))
    assert rule == pytest.approx(reference, rel=HADRON_TABLE_RTOL)


def test_channels_sum_and_refinement():
    """"all" is the sum of the channels; the fast rule agrees with a refined one."""
    args = (2.0, 0.8, 6.0, EPS, ALPHA_D)
    parts = [float(decays.width_chi2(*args, channel=ch)) for ch in ("e", "mu", "tau", "hadrons")]
    assert parts[2] == 0.0  # tau closed
    assert float(decays.width_chi2(*args)) == pytest.approx(sum(parts), rel=ROUNDING_RTOL)
    lepton_point = (1.0, 0.25, 3.0, EPS, ALPHA_D)  # below the hadron table: e and mu only
    assert float(decays.width_chi2(*lepton_point)) == pytest.approx(
        float(decays.width_chi2(*lepton_point, n_gauss=16)), rel=REFINE_RTOL)


# --- thresholds and stability ---------------------------------------------------------------------

def test_muon_channel_threshold():
    """Zero at and below Delta = 2 m_mu, then Gamma_mu ~ (Delta^2 - 4 m_mu^2)^3 (Int (b - s)^(3/2)
    (s - a)^(1/2) ds ~ (b - a)^3): continuous, with the threshold power 3."""
    threshold = 2.0 * c.M_MU
    width = lambda d: float(decays.width_chi2(1.0, d, 3.0, EPS, ALPHA_D, channel="mu"))  # noqa: E731
    assert width(0.15) == 0.0 and width(threshold) == 0.0 and width(threshold * (1 - 1e-12)) == 0.0
    eta = np.array([1e-4, 1e-3])
    values = np.array([width(threshold * (1 + x)) for x in eta])
    assert np.all(values > 0.0)
    gap = (threshold * (1 + eta)) ** 2 - threshold**2
    assert math.log(values[1] / values[0]) / math.log(gap[1] / gap[0]) == pytest.approx(3.0, abs=2e-3)
    assert width(threshold * (1 + 1e-9)) < 1e-20 * width(0.4)


def test_hadronic_channel_threshold():
    """Zero below the first point of the R table, positive and continuous above it."""
    threshold = float(io.load_rratio(sm.DEFAULT_RRATIO)[0][0])
    width = lambda d: float(decays.width_chi2(2.0, d, 6.0, EPS, ALPHA_D, channel="hadrons"))  # noqa: E731
    assert width(0.25) == 0.0 and width(threshold) == 0.0
    above = [width(threshold * (1 + x)) for x in (1e-6, 1e-3, 1e-1)]
    assert 0.0 < above[0] < above[1] < above[2]
    assert above[0] < 1e-12 * width(0.8)
    total = lambda d: float(decays.width_chi2(2.0, d, 6.0, EPS, ALPHA_D))  # noqa: E731
    assert total(threshold * (1 + 1e-9)) == pytest.approx(total(threshold * (1 - 1e-9)), rel=1e-10)


def test_stable_below_two_electron_masses():
    """Delta <= 2 m_e: stable flag, zero width, infinite c tau and decay length."""
    Delta = np.array([0.0, 2.0 * c.M_E * (1 - 1e-12), 2.0 * c.M_E, 2.0 * c.M_E * (1 + 1e-6), 0.01])
    np.testing.assert_array_equal(np.asarray(decays.stable(Delta)), [True, True, True, False, False])
    width = np.asarray(decays.width_chi2(0.1, Delta, 0.3, EPS, ALPHA_D))
    assert np.all(width[:3] == 0.0) and np.all(width[3:] > 0.0)
    ctau = np.asarray(decays.ctau_chi2(0.1, Delta, 0.3, EPS, ALPHA_D))
    assert np.all(np.isposinf(ctau[:3])) and np.all(np.isfinite(ctau[3:]))
    length = np.asarray(decays.decay_length(np.array([0.0, 1.0, 1.0, 1.0, 0.0]), 0.1, Delta, 0.3, EPS, ALPHA_D))
    assert np.all(np.isposinf(length[:3])) and length[3] > 0.0 and length[4] == 0.0


# --- c tau and decay length ---------------------------------------------------------------------

def test_ctau_unit_conversion():
    """c tau Gamma = hbar c = 197.3269804 MeV fm = 1.973269804e-16 GeV m (CODATA 2018)."""
    args = (0.1, 0.04, 0.3, EPS, ALPHA_D)
    width = float(decays.width_chi2(*args))
    ctau = float(decays.ctau_chi2(*args))
    assert ctau * width == pytest.approx(1.973269804e-16, rel=ROUNDING_RTOL)
    # hand number: only e+e- is open (Delta < 2 m_mu); scipy quad of the trace form (above) gives
    # Gamma = 5.029012438e-16 GeV, so c tau = 1.973269804e-16 / 5.029012438e-16 m = 0.3923772 m
    assert ctau == pytest.approx(0.3923772, rel=1e-6)


def test_decay_length_convention():
    """L = (p / m_chi2) c tau."""
    m1, Delta, p = 0.1, 0.04, np.array([0.0, 1.0, 10.0])
    length = np.asarray(decays.decay_length(p, m1, Delta, 0.3, EPS, ALPHA_D))
    ctau = float(decays.ctau_chi2(m1, Delta, 0.3, EPS, ALPHA_D))
    np.testing.assert_allclose(length, p / (m1 + Delta) * ctau, rtol=ROUNDING_RTOL)


# --- the A' width at a virtuality -----------------------------------------------------------------

@pytest.mark.parametrize("m_chi, ratio, delta", [(0.1, 3.0, 0.1), (0.26, 3.0, 0.05), (1.0, 3.0, 0.4), (0.02, 2.5, 0.4)])
def test_width_A_at_on_shell_equals_bc2(m_chi, ratio, delta):
    """At q2 = m_A^2 the running width is the on-shell BC2 pseudo-Dirac width (SM and dark parts)."""
    model = bc2.BC2(m_chi=m_chi, m_A=ratio * m_chi, alpha_D=ALPHA_D, epsilon=EPS, delta=delta, species="pseudo-dirac")
    q2, Delta = (ratio * m_chi) ** 2, delta * m_chi
    total = float(decays.width_A_at(q2, m_chi, Delta, EPS, ALPHA_D))
    assert total == pytest.approx(float(bc2.width_A(model)), rel=ROUNDING_RTOL)
    assert float(decays.width_A_sm_at(q2, EPS)) == pytest.approx(float(bc2.width_A_sm(model)), rel=ROUNDING_RTOL)
    assert float(decays.width_A_dark_at(q2, m_chi, Delta, ALPHA_D)) == pytest.approx(
        float(bc2.width_A_dark(model)), rel=ROUNDING_RTOL)


@pytest.mark.parametrize("theta", [0.0, 0.3, 1.2])
def test_i2dm_dark_width_degenerate_limit_is_dirac(theta):
    """i2DM with m_chi1 = m_chi2: s^4 + c^4 + 2 s^2 c^2 = 1 times the Dirac width, any theta."""
    model = bc2.BC2(m_chi=0.1, m_A=0.3, alpha_D=ALPHA_D, epsilon=EPS, species="dirac")
    dark = float(decays.width_A_dark_at(0.09, 0.1, 0.0, ALPHA_D, theta, model="i2dm"))
    assert dark == pytest.approx(float(bc2.width_A_dark(model)), rel=ROUNDING_RTOL)


def test_width_A_at_virtuality_closes_dark_channels():
    """Below m_chi1 + m_chi2 (iDM) or 2 m_chi1 (i2DM) only the SM part is left; chi1 chi1bar opens
    first in i2DM with weight sin^4 theta."""
    m1, Delta = 0.1, 0.02
    below = (2.0 * m1) ** 2 * 0.99
    for model, theta in (("idm", None), ("i2dm", 0.3)):
        assert float(decays.width_A_dark_at(below, m1, Delta, ALPHA_D, theta, model=model)) == 0.0
    between = (2.0 * m1 + 0.5 * Delta) ** 2
    assert float(decays.width_A_dark_at(between, m1, Delta, ALPHA_D)) == 0.0
    dirac_11 = float(bc2.width_A_dark(bc2.BC2(m_chi=m1, m_A=math.sqrt(between), alpha_D=ALPHA_D, epsilon=EPS)))
    assert float(decays.width_A_dark_at(between, m1, Delta, ALPHA_D, 0.3, model="i2dm")) == pytest.approx(
        math.sin(0.3) ** 4 * dirac_11, rel=ROUNDING_RTOL)
    assert float(decays.width_A_at(0.0, m1, Delta, EPS, ALPHA_D)) == 0.0


def test_fixed_width_propagator():
    """running_width=False puts the on-shell m_A Gamma_A (here A' -> chi1 chi2 with alpha_D = 0.5,
    Gamma_A / m_A ~ 0.1) into every propagator: for Delta << m_A the width is divided by
    1 + (Gamma_A / m_A)^2, while the running width (only SM channels open below Delta) is ~0."""
    m1, Delta, m_A, alpha_d = 500.0, 0.5, 1500.0, 0.5
    running = float(decays.width_chi2(m1, Delta, m_A, EPS, alpha_d, channel="e"))
    fixed = float(decays.width_chi2(m1, Delta, m_A, EPS, alpha_d, channel="e", running_width=False))
    gamma_a = float(decays.width_A_at(m_A**2, m1, Delta, EPS, alpha_d))
    assert gamma_a / m_A > 0.05
    assert fixed / running == pytest.approx(1.0 / (1.0 + (gamma_a / m_A) ** 2), rel=1e-6)  # O(Delta^2/m_A^2)


# --- JAX behaviour ------------------------------------------------------------------------------

def test_jit_vmap_broadcast_and_single_compile():
    """jit equals eager, vmap equals a loop over 3 points, broadcasting, one compile for new values."""
    deltas = jnp.array([0.05, 0.3, 0.6])
    eager = np.array([float(decays.width_chi2(1.5, x, 4.5, EPS, ALPHA_D)) for x in deltas])
    jitted = jax.jit(lambda d: decays.width_chi2(1.5, d, 4.5, EPS, ALPHA_D))
    np.testing.assert_allclose([float(jitted(x)) for x in deltas], eager, rtol=ROUNDING_RTOL)
    assert jitted._cache_size() == 1
    np.testing.assert_allclose(np.asarray(jax.vmap(jitted)(deltas)), eager, rtol=ROUNDING_RTOL)
    grid = decays.width_chi2(jnp.array([[1.5], [3.0]]), deltas, 4.5 * jnp.ones((2, 1)), EPS, ALPHA_D)
    assert grid.shape == (2, 3)
    np.testing.assert_allclose(np.asarray(grid[0]), eager, rtol=ROUNDING_RTOL)


def test_gradients_match_finite_differences():
    """check_grads (forward and reverse) through the fixed rule: muon channel near its threshold
    (Delta = 0.25 GeV, 2 m_mu = 0.211 GeV) and the A' mass. eps = 1e-6: with the default 1e-4
    the central difference of ln Gamma ~ 3 ln(Delta^2 - 4 m_mu^2) is off by ~7e-6 there."""
    @jax.jit
    def f(x):
        delta, m_a = x
        return jnp.log(decays.width_chi2(1.0, delta, m_a, EPS, ALPHA_D, channel="mu"))
    check_grads(f, (jnp.array([0.25, 3.0]),), order=1, modes=("fwd", "rev"), eps=1e-6, atol=1e-6, rtol=1e-6)


# --- input checks ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(model="dirac"), "model"),
        (dict(channel="quarks"), "channel"),
        (dict(model="i2dm"), "theta"),
        (dict(m_chi1=-1.0), "m_chi1"),
        (dict(Delta=-0.1), "Delta"),
        (dict(m_A=0.3), "m_A"),
        (dict(epsilon=float("nan")), "epsilon"),
        (dict(alpha_D=-0.1), "alpha_D"),
        (dict(model="i2dm", theta=0.1, Delta=2.5), "Delta"),
        (dict(rratio="nonsense"), "rratio"),
    ],
)
def test_bad_inputs_raise(kwargs, match):
    args = dict(m_chi1=1.0, Delta=0.4, m_A=3.0, epsilon=EPS, alpha_D=ALPHA_D)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        decays.width_chi2(**args)


def test_bad_momentum_raises():
    with pytest.raises(ValueError, match="p_chi2"):
        decays.decay_length(-1.0, 1.0, 0.4, 3.0, EPS, ALPHA_D)
