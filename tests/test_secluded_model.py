"""Physics tests for qedm_jax.models.secluded (seed 003: secluded Dirac DM, Z - Z_D mixing)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax  # noqa: F401  (enables float64)
from qedm_jax import constants as c
from qedm_jax import sm
from qedm_jax.models import secluded as sec
from qedm_jax.models.secluded import SecludedDirac

# --- tolerances -------------------------------------------------------------------------------
#: Exact algebra (conversions, Eq. 2.7 round trip) up to a few ulp of cancellation.
RTOL_EXACT = 1e-12
#: Z_D couplings vs eps e Q for m_ZD = 10 MeV, eps = 1e-3: corrections O(m_ZD^2/m_Z^2, eps^2) ~ 1e-6.
RTOL_PHOTON_COUPLING = 1e-5
#: sigma_sm vs the photon-like formula for sqrt(s) <= 3 GeV: the neglected-in-formula Z
#: interference is ~0.35 s/m_Z^2 (<= 4e-4 here); the brief's budget is ~1e-3.
RTOL_PHOTON_LIMIT = 1e-3
#: Gamma(Z_D -> SM) vs eps^2 alpha m R_total / 3: rounding floor; the test adds m_ZD^2 / m_Z^2 for
#: the Z admixture of the Z_D couplings (measured ~0.4 m_ZD^2 / m_Z^2).
RTOL_ZD_WIDTH = 1e-6
#: Breit-Wigner peak formula at sqrt(s) = m_Z: the non-resonant |Z_D|^2 term (the Z_D amplitude is
#: real, the Z one imaginary, so they do not interfere at the pole) adds ~0.15%. Brief: a few %.
RTOL_Z_PEAK = 1e-2
#: Gamma(Z -> chi chibar) vs alpha_D eps^2 tan^2(theta_W) m_Z beta (1 + 2r) / 3 for m_ZD <= 1 GeV:
#: corrections O(m_ZD^2/m_Z^2, eps^2).
RTOL_Z_CHICHI = 1e-3
#: Tree-level G_mu-scheme SM Z width vs the measured GAMMA_Z (no EW loops): measured 0.7%.
RTOL_Z_WIDTH_SM = 1.5e-2
#: epsilon^2 scaling between eps = 1e-7 and 1e-5: corrections O(eps^2) ~ 1e-10 + rounding.
RTOL_EPS2 = 1e-8
#: NR limit of sigma_hs * v_rel at beta = 1e-3: relative correction (1 + 2 b^2)(1 - b^2) - 1 ~ b^2.
RTOL_NR = 3e-6
#: sigma_hs vs Dirac's pair-annihilation formula (different algebraic form, same function); the
#: reference form itself cancels as ~1e-16 / (g - 1) near threshold (measured 1.8e-10 at g - 1 = 1e-6).
RTOL_DIRAC = 1e-9
#: jit may fuse and reorder float ops: a few ulp.
RTOL_JIT = 1e-13

ALPHA_D = 0.1
MASSES = (0.1, 1.0, 10.0, 100.0)
RATIOS = (10.0, 100.0)


def photon_like_sigma(model, s):
    """sigma = (4 pi alpha alpha_D eps^2 / 3)(s + 2 m^2) R_total / (beta ((s - m^2)^2 + m^2 G^2))."""
    m, md = model.m_chi, model.m_ZD
    beta = jnp.sqrt(1.0 - 4.0 * m**2 / s)
    gamma = sec.width_ZD(model)
    bw = (s - md**2) ** 2 + md**2 * gamma**2
    pref = 4.0 * math.pi * c.ALPHA_EM * model.alpha_D * model.epsilon**2 / 3.0
    return pref * (s + 2.0 * m**2) / (beta * bw) * sm.r_total(jnp.sqrt(s), model.rratio)


# --- conventions and mixing ---------------------------------------------------------------------

def test_hypercharge_conversion_round_trips():
    eps = jnp.array([1e-12, 1e-6, 3e-3, 0.2])
    eps_y = sec.epsilon_to_hypercharge(eps)
    np.testing.assert_allclose(eps_y, eps / math.sqrt(1.0 - c.SIN2_THETA_W), rtol=RTOL_EXACT)
    np.testing.assert_allclose(sec.epsilon_from_hypercharge(eps_y), eps, rtol=RTOL_EXACT)
    np.testing.assert_allclose(sec.epsilon_to_hypercharge(sec.epsilon_from_hypercharge(eps)), eps, rtol=RTOL_EXACT)


@pytest.mark.parametrize("eps,m_zd", [(1e-3, 0.01), (1e-2, 5.0), (0.1, 30.0), (0.05, 150.0)])
def test_mixing_reproduces_seed_eqs_2_5_and_2_7(eps, m_zd):
    """The angle from physical masses, fed back through the bare parameters, gives Eq. 2.7 and 2.5."""
    m_z0, delta = sec.bare_parameters(eps, m_zd)
    eta = sec.eta_from_epsilon(eps)
    m_z, m_zd_back = sec.mass_eigenvalues_bare(eta, delta, m_z0)  # seed Eq. 2.7 as printed
    np.testing.assert_allclose(m_z, c.M_Z, rtol=RTOL_EXACT)
    np.testing.assert_allclose(m_zd_back, m_zd, rtol=1e3 * RTOL_EXACT)
    alpha = sec.mixing_angle(eps, m_zd)
    s_w2 = c.SIN2_THETA_W
    tan_2a = -2.0 * eta * math.sqrt(s_w2) / (1.0 - eta**2 * s_w2 - delta**2)  # seed Eq. 2.5
    np.testing.assert_allclose(jnp.tan(2.0 * alpha), tan_2a, rtol=1e3 * RTOL_EXACT)
    # small-mixing limit alpha ~ -eta s_W m_Z^2 / (m_Z^2 - m_ZD^2)
    approx = -eta * math.sqrt(s_w2) * c.M_Z**2 / (c.M_Z**2 - m_zd**2)
    np.testing.assert_allclose(alpha, approx, rtol=max(10 * eps**2, 1e-9) * 50)


def test_low_energy_zd_couplings_are_photon_like():
    eps, m_zd = 1e-3, 0.01
    charge = jnp.array([-1.0, 0.0, 2.0 / 3.0, -1.0 / 3.0])
    t3 = jnp.array([-0.5, 0.5, 0.5, -0.5])
    v_z, a_z, v_d, a_d = sec.fermion_couplings(eps, m_zd, charge, t3)
    e = math.sqrt(4.0 * math.pi * c.ALPHA_EM)
    charged = charge != 0.0
    np.testing.assert_allclose(v_d[charged], eps * e * charge[charged], rtol=RTOL_PHOTON_COUPLING)
    # axial and neutrino couplings are Z-like: suppressed by m_ZD^2 / m_Z^2
    assert jnp.all(jnp.abs(a_d) < 1e-6 * eps * e)
    assert abs(v_d[1]) < 1e-6 * eps * e
    # the Z keeps its SM couplings g_Z (T3/2 - Q s_W^2), g_Z T3/2, up to O(eps^2) e Q
    np.testing.assert_allclose(v_z, sec.G_Z * (0.5 * t3 - charge * c.SIN2_THETA_W), rtol=1e-6, atol=2.0 * eps**2 * e)
    np.testing.assert_allclose(a_z, sec.G_Z * 0.5 * t3, rtol=1e-6)
    g_z_chi, g_zd_chi = sec.dm_couplings(ALPHA_D, eps, m_zd)
    np.testing.assert_allclose(g_zd_chi, math.sqrt(4.0 * math.pi * ALPHA_D), rtol=RTOL_EXACT)
    np.testing.assert_allclose(g_z_chi / g_zd_chi, -sec.eta_from_epsilon(eps) * math.sqrt(c.SIN2_THETA_W), rtol=1e-6)


# --- cross sections ---------------------------------------------------------------------------

@pytest.mark.parametrize("m_chi", [0.1, 0.3, 1.0])
@pytest.mark.parametrize("ratio", RATIOS)
def test_sigma_sm_low_energy_photon_limit(m_chi, ratio):
    """sqrt(s) << m_Z, m_ZD << m_Z: the photon-like formula with R_total (incl. measured R)."""
    model = SecludedDirac(m_chi, m_chi / ratio, ALPHA_D, 1e-4)
    sqrt_s = jnp.array([2.0 * m_chi * 1.001, 2.0 * m_chi * 1.3, 0.78266, 1.02, 1.5, 1.99, 2.5, 3.0])
    sqrt_s = sqrt_s[sqrt_s > 2.0 * m_chi]
    s = sqrt_s**2
    np.testing.assert_allclose(model.sigma_sm(s), photon_like_sigma(model, s), rtol=RTOL_PHOTON_LIMIT)


@pytest.mark.parametrize("m_zd", [0.005, 0.3, 0.78266, 1.0, 1.5])
def test_zd_width_is_photon_like_below_switch(m_zd):
    model = SecludedDirac(10.0, m_zd, ALPHA_D, 1e-4)
    expected = model.epsilon**2 * c.ALPHA_EM * m_zd * sm.r_total(m_zd) / 3.0
    got = sec.width_ZD(model)
    # below 2 m_e only neutrinos (Z-like, ~ (m_ZD/m_Z)^4) remain; compare only where open
    if m_zd > 2 * c.M_E:
        np.testing.assert_allclose(got, expected, rtol=RTOL_ZD_WIDTH + m_zd**2 / c.M_Z**2)
    assert jnp.isfinite(got) and got >= 0.0
    assert sec.width_ZD_to_chichi(model) == 0.0  # closed: m_ZD < 2 m_chi


def test_z_widths():
    gamma_sm = sec.width_Z_to_sm(SecludedDirac(1.0, 0.1, ALPHA_D, 1e-4))
    np.testing.assert_allclose(gamma_sm, c.GAMMA_Z, rtol=RTOL_Z_WIDTH_SM)
    tan2_w = c.SIN2_THETA_W / (1.0 - c.SIN2_THETA_W)
    for m_chi in (0.1, 1.0, 10.0, 40.0):
        for ratio in RATIOS:
            model = SecludedDirac(m_chi, m_chi / ratio, ALPHA_D, 1e-3)
            r = m_chi**2 / c.M_Z**2
            approx = ALPHA_D * 1e-6 * tan2_w * c.M_Z * math.sqrt(1 - 4 * r) * (1 + 2 * r) / 3.0
            rtol = RTOL_Z_CHICHI + 2.0 * (m_chi / ratio) ** 2 / c.M_Z**2  # alpha ~ m_Z^2/(m_Z^2 - m_ZD^2)
            np.testing.assert_allclose(sec.width_Z_to_chichi(model), approx, rtol=rtol)
    assert sec.width_Z_to_chichi(SecludedDirac(46.0, 4.6, ALPHA_D, 1e-3)) == 0.0


@pytest.mark.parametrize("m_chi", [0.1, 1.0, 10.0, 30.0, 44.0])
@pytest.mark.parametrize("ratio", RATIOS)
def test_sigma_sm_z_pole_breit_wigner(m_chi, ratio):
    """sigma(m_Z^2) = (4 pi / k^2) (2J+1)/((2s1+1)(2s2+1)) Gamma_in Gamma_out / Gamma^2, k = sqrt(s) beta / 2."""
    model = SecludedDirac(m_chi, m_chi / ratio, ALPHA_D, 1e-3)
    s = c.M_Z**2
    k2 = s * (1.0 - 4.0 * m_chi**2 / s) / 4.0
    spin = 3.0 / 4.0  # J = 1 from two spin-1/2
    gamma_in = sec.width_Z_to_chichi(model)
    gamma_out = sec.width_Z_to_sm(model)
    peak = 4.0 * math.pi / k2 * spin * gamma_in * gamma_out / sec.width_Z(model) ** 2
    np.testing.assert_allclose(model.sigma_sm(s), peak, rtol=RTOL_Z_PEAK)
    # and it is a peak: the Z pole dominates its neighbourhood by orders of magnitude
    assert model.sigma_sm(s) > 30.0 * model.sigma_sm((c.M_Z - 10.0 * c.GAMMA_Z) ** 2)


@pytest.mark.parametrize("m_chi", MASSES)
def test_sigma_sm_scales_as_epsilon_squared(m_chi):
    sqrt_s = 2.0 * m_chi * jnp.array([1.01, 1.5, 4.0])
    s = jnp.concatenate([sqrt_s**2, jnp.array([c.M_Z**2, 500.0**2])])
    s = s[s > 4.0 * m_chi**2]
    small = SecludedDirac(m_chi, m_chi / 10.0, ALPHA_D, 1e-7).sigma_sm(s) / 1e-14
    larger = SecludedDirac(m_chi, m_chi / 10.0, ALPHA_D, 1e-5).sigma_sm(s) / 1e-10
    np.testing.assert_allclose(small, larger, rtol=RTOL_EPS2)
    # and d ln sigma / d ln eps = 2 by autodiff
    def log_sigma(log_eps):
        return jnp.log(SecludedDirac(m_chi, m_chi / 10.0, ALPHA_D, jnp.exp(log_eps)).sigma_sm(s[0]))

    dlog = jax.grad(log_sigma)
    np.testing.assert_allclose(dlog(math.log(1e-6)), 2.0, rtol=RTOL_EPS2)


@pytest.mark.parametrize("m_chi", MASSES)
def test_sigma_hs_nonrelativistic_limit(m_chi):
    """sigma v_rel -> pi alpha_D^2 / m_chi^2 as beta -> 0, v_rel = 2 beta (seed 003 Eq. 3.2 at m_ZD = 0)."""
    model = SecludedDirac(m_chi, m_chi / 10.0, ALPHA_D, 1e-4)
    beta = 1e-3
    s = 4.0 * m_chi**2 / (1.0 - beta**2)
    np.testing.assert_allclose(model.sigma_hs(s) * 2.0 * beta, math.pi * ALPHA_D**2 / m_chi**2, rtol=RTOL_NR)
    # ultrarelativistic limit (2 pi alpha^2 / s)(ln(s/m^2) - 1) up to O(m^2/s log)
    s_hi = (1e4 * m_chi) ** 2
    np.testing.assert_allclose(
        model.sigma_hs(s_hi), 2 * math.pi * ALPHA_D**2 / s_hi * (math.log(s_hi / m_chi**2) - 1.0), rtol=1e-6
    )


def test_sigma_hs_matches_dirac_formula():
    """Dirac (1930): sigma = pi r^2/(g+1) [(g^2+4g+1)/(g^2-1) ln(g + sqrt(g^2-1)) - (g+3)/sqrt(g^2-1)],
    r = alpha_D / m, g = s / (2 m^2) - 1 the Lorentz factor in the rest frame of one particle."""
    m_chi = 3.0
    model = SecludedDirac(m_chi, 0.3, ALPHA_D, 1e-4)
    g = np.array([1.0 + 1e-6, 1.01, 1.6, 2.5, 10.0, 1e3, 1e6])
    s = 2.0 * m_chi**2 * (1.0 + g)
    root = np.sqrt(g**2 - 1.0)
    bracket = (g**2 + 4 * g + 1) / (g**2 - 1) * np.log(g + root) - (g + 3) / root
    dirac = math.pi * (ALPHA_D / m_chi) ** 2 / (g + 1) * bracket
    np.testing.assert_allclose(model.sigma_hs(jnp.asarray(s)), dirac, rtol=RTOL_DIRAC)


# --- robustness, transformations -----------------------------------------------------------------

@jax.jit
def _scan_model(model, s):
    """sigma_sm, sigma_hs, d sigma_sm / ds on an s grid, widths: one compile for every point."""
    grads = jax.vmap(jax.grad(model.sigma_sm))(s)
    return model.sigma_sm(s), model.sigma_hs(s), grads, model.resonances()


@pytest.mark.parametrize("m_chi", MASSES)
@pytest.mark.parametrize("ratio", RATIOS)
def test_finite_from_threshold_to_1_tev(m_chi, ratio):
    model = SecludedDirac(m_chi, m_chi / ratio, ALPHA_D, 1e-5)
    threshold = 2.0 * m_chi
    sqrt_s = jnp.concatenate([
        threshold * (1.0 + jnp.array([0.0, 1e-14, 1e-10, 1e-6, 1e-3])),
        jnp.geomspace(threshold * 1.01, 1000.0, 400),
        jnp.maximum(threshold * 1.001, jnp.array([c.M_Z, c.M_OMEGA, c.M_PHI, sm.R_SWITCH_GEV, 2.0 * c.M_TOP + 1.0])),
    ])
    sigma_sm, sigma_hs, grads, (masses, widths) = _scan_model(model, sqrt_s**2)
    for sigma in (sigma_sm, sigma_hs):
        assert jnp.all(jnp.isfinite(sigma))
        assert jnp.all(sigma[1:] > 0.0)
        assert sigma[0] == 0.0  # exactly at threshold
    assert jnp.all(jnp.isfinite(grads))
    assert masses.shape == widths.shape == (4,)
    assert jnp.all(jnp.isfinite(widths)) and jnp.all(widths > 0.0)


def test_scan_compiled_once():
    assert _scan_model._cache_size() <= 1


def test_jit_vmap_and_single_compile():
    model = SecludedDirac(1.0, 0.1, ALPHA_D, 1e-4)
    s = jnp.array([4.5, 30.0, c.M_Z**2])
    eager = jnp.stack([model.sigma_sm(x) for x in s])
    np.testing.assert_allclose(jax.jit(lambda x: model.sigma_sm(x))(s), eager, rtol=RTOL_JIT)
    np.testing.assert_allclose(jax.vmap(model.sigma_sm)(s), eager, rtol=RTOL_JIT)
    np.testing.assert_allclose(jax.vmap(model.sigma_hs)(s), jnp.stack([model.sigma_hs(x) for x in s]), rtol=RTOL_JIT)

    @jax.jit
    def both(model, s):
        return model.sigma_sm(s), model.sigma_hs(s), sec.width_ZD(model)

    for eps, m_chi in [(1e-4, 1.0), (3e-6, 10.0), (1e-2, 0.1)]:
        both(SecludedDirac(m_chi, m_chi / 10.0, ALPHA_D, eps), jnp.asarray(4.0 * m_chi**2 * 1.2))
    assert both._cache_size() == 1
    # vmap over parameter points
    batch = SecludedDirac(
        jnp.array([1.0, 10.0, 0.1]), jnp.array([0.1, 1.0, 0.01]), ALPHA_D * jnp.ones(3), jnp.array([1e-4, 1e-5, 1e-3])
    )
    vs = jax.vmap(lambda m, x: m.sigma_sm(x))(batch, jnp.array([5.0, 500.0, 0.05]))
    loop = [SecludedDirac(mc, mzd, ALPHA_D, e).sigma_sm(x) for mc, mzd, e, x in
            [(1.0, 0.1, 1e-4, 5.0), (10.0, 1.0, 1e-5, 500.0), (0.1, 0.01, 1e-3, 0.05)]]
    np.testing.assert_allclose(vs, jnp.stack(loop), rtol=RTOL_JIT)


def test_interface_and_validation():
    model = SecludedDirac(2.0, 0.2, ALPHA_D, 1e-4)
    assert (model.m_chi, model.m_ZD, model.alpha_D, model.epsilon) == (2.0, 0.2, ALPHA_D, 1e-4)
    masses, dof = model.dm_states()
    np.testing.assert_array_equal(masses, [2.0, 2.0])
    np.testing.assert_array_equal(dof, [2.0, 2.0])
    assert model.pair == (0, 1) and model.g_hs_bath == 3.0 and model.name == "secluded-dirac"
    with pytest.raises(ValueError):
        SecludedDirac(2.0, 0.2, ALPHA_D, 1e-4, rratio="nope")
    with pytest.raises(ValueError):
        sec.make_secluded(1.0, 0.1, ALPHA_D, 0.95)  # |eps_Y| > 1
    with pytest.raises(ValueError):
        sec.make_secluded(1.0, c.M_Z * 1.0001, ALPHA_D, 0.05)  # inside the mass-repulsion gap
    with pytest.raises(ValueError):
        sec.make_secluded(-1.0, 0.1, ALPHA_D, 1e-4)
    assert sec.make_secluded(1.0, 0.1, ALPHA_D, 1e-4).rratio == sm.DEFAULT_RRATIO


@pytest.mark.parametrize("m_chi,sqrt_s", [(0.1, 0.25), (1.0, 2.5), (10.0, c.M_Z), (30.0, 150.0)])
def test_parameter_gradients_match_finite_differences(m_chi, sqrt_s):
    from jax.test_util import check_grads

    def log_sigma(params):
        log_m, log_mzd, log_eps, log_alpha = params
        model = SecludedDirac(jnp.exp(log_m), jnp.exp(log_mzd), jnp.exp(log_alpha), jnp.exp(log_eps))
        return jnp.log(model.sigma_sm(sqrt_s**2)) + jnp.log(model.sigma_hs(sqrt_s**2))

    params = jnp.log(jnp.array([m_chi, m_chi / 10.0, 1e-4, ALPHA_D]))
    check_grads(log_sigma, (params,), order=1, modes=("fwd", "rev"), eps=1e-4)
