"""Decay of the heavier inelastic state, chi2 -> chi1 A'* -> chi1 f fbar, and the running A' width.

Models (seed 001 Sec. 2; ``model`` is a static string):

* ``"idm"``: pseudo-Dirac (inelastic) DM, two Majorana states chi1, chi2 that couple to A'
  only off-diagonally, g_D chi2bar gamma^mu chi1 A'_mu (seed 001 Eq. 2.3), with
  alpha_D = g_D^2 / (4 pi).
* ``"i2dm"``: inelastic Dirac DM, two Dirac states with the dark current
  s^2 chi1bar gamma chi1 + c^2 chi2bar gamma chi2 + s c (chi2bar gamma chi1 + h.c.),
  s = sin(theta), c = cos(theta) (seed 001 Eq. 2.5; Filimonova et al. arXiv:2201.08409).
  The chi2 -> chi1 vertex is g_D s c gamma^mu, so every i2DM decay rate is the iDM one times
  kappa = (s c)^2 = tan^2(theta) cos^4(theta), the factor printed in seed 001 Eq. 6.1 (no
  further cos^2 theta: with alpha_D = g_D^2 / (4 pi) the two readings of Eq. 6.1,
  "alpha_D tan^2 cos^4" and "(alpha_D cos^4) tan^2" with alpha_D cos^4 the chi2 chi2 coupling,
  are the same number).

The SM couples to A' as ``epsilon e Q_f`` (the package convention, ``qedm_jax.models.bc2``).
Masses, energies and widths in GeV; q2 (the invariant mass squared of the f fbar pair) in
GeV^2; c tau and decay lengths in metres. ``Delta = m_chi2 - m_chi1`` is the absolute
splitting in GeV (``BC2.delta`` is the fractional one, Delta / m_chi1).

Differential width (derived here; the spin-summed trace of chi1bar gamma^mu chi2 contracted
with the polarization sum of a vector of mass^2 q2, times the A' spectral function):

    dGamma/dq2 = kappa alpha_D epsilon^2 alpha (Delta^2 - q2)^(3/2) (Sigma^2 - q2)^(1/2)
                 (2 q2 + Sigma^2) R_f(q2) / (12 pi m_chi2^3 |D(q2)|^2)

with Sigma = m_chi1 + m_chi2, |D|^2 = (q2 - m_A^2)^2 + q2 Gamma_A(sqrt q2)^2 (running width,
``width_A_at``) and R_f the A' -> f fbar spectral factor: (1 + 2 m_l^2/q2) sqrt(1 - 4 m_l^2/q2)
for a lepton, the hadronic R ratio ``qedm_jax.sm.r_hadrons`` for hadrons. It is the
two-body width Gamma(chi2 -> chi1 V; m_V^2 = q2) = g^2 (Delta^2 - q2)^(3/2) (Sigma^2 - q2)^(1/2)
(2 q2 + Sigma^2) / (16 pi m_chi2^3 q2) times sqrt(q2) Gamma(V -> f fbar; m_V = sqrt q2) / (pi |D|^2)
= epsilon^2 alpha q2 R_f / (3 pi |D|^2) (the A' spectral function; it becomes
pi delta(q2 - m_A^2) Gamma_f / Gamma_A for a narrow on-shell A'). The two-body factor follows
from F sqrt(lambda) with F = (m_chi2^2 + m_chi1^2)/2 - 3 m_chi1 m_chi2 - q2 + (m_chi2^2 -
m_chi1^2)^2 / (2 q2) = (Delta^2 - q2)(2 q2 + Sigma^2) / (2 q2) and
lambda = (Delta^2 - q2)(Sigma^2 - q2). Checks: for m_chi1 -> 0 it is the t -> b W width with a
vector coupling, Gamma ~ (1 - x)^2 (1 + 2 x) / x (by hand); for Delta << m_chi1, m_A and
m_e << Delta the integral is seed 001 Eq. 5.1, Gamma = 4 eps^2 alpha alpha_D Delta^5 /
(15 pi m_A^4), times 1 - 3 Delta / (2 m_chi1) - 15 m_e^2 / Delta^2 + O(Delta^2/m_chi1^2,
Delta^2/m_A^2) (``tests/test_decays.py``, which also integrates the unfactorized trace form
with scipy quad).

Quadrature: q2 from the channel threshold (2 m_f)^2 (for hadrons: the first point of the R
table, below which ``sm.r_hadrons`` is zero) to Delta^2, split at fixed breakpoints (hadrons:
rho, omega, phi at 0, +-1, +-4, +-16 half-widths, the R-table switch, open charm and bottom),
each panel [a, b] mapped by q2 = a + (b - a) sin^2(phi). That map turns both endpoint
behaviours, sqrt(q2 - 4 m_f^2) at the threshold and (Delta^2 - q2)^(3/2) at the end point, into
smooth functions of phi; a composite Gauss-Legendre rule in phi, graded geometrically towards
phi = 0 for leptons (the electron factor changes on the scale 2 m_e / Delta there) and towards
phi = pi/2 (the A' pole when m_A is close to Delta), then has fixed nodes for every
parameter value (jit, vmap, grad). Differences q2 - a and Delta^2 - q2 are formed from the
map, never by subtraction, so thresholds are resolved to rounding.

Not included: chi2 -> chi1 nu nubar through A'-Z mixing, suppressed by ~(m_A / m_Z)^4 against
e+e- (the A' coupling to T3 comes from the Z-A' mass mixing, angle ~ epsilon m_A^2 / m_Z^2 for
m_A << m_Z; seed 003 Eqs. 2.5, 2.9 and Table 1), and chi2 -> chi1 gamma (gamma gamma): the
kinetically mixed A' gives a transition charge that vanishes at q2 = 0, so a real photon needs
loops. Below Delta = 2 m_e chi2 is therefore
treated as stable (``stable``; c tau = +inf). For i2DM with Delta > 2 m_chi1 the invisible
channel chi2 -> chi1 chi1 chi1bar would open; it is not included, and such inputs raise.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float

from . import constants as c
from . import io, sm, special
from .models.bc2 import _g12, _kallen  # the pair factors of the A' -> chi_i chi_j widths, one place

__all__ = [
    "MODELS",
    "CHANNELS",
    "N_GAUSS",
    "stable",
    "width_A_sm_at",
    "width_A_dark_at",
    "width_A_at",
    "dwidth_chi2_dq2",
    "width_chi2",
    "ctau_chi2",
    "decay_length",
]

#: model names (static): pseudo-Dirac iDM, inelastic Dirac i2DM (seed 001 Sec. 2.1, 2.2)
MODELS = ("idm", "i2dm")
#: final-state channels of chi2 -> chi1 f fbar; "all" is their sum
CHANNELS = ("all", "e", "mu", "tau", "hadrons")
#: Gauss-Legendre nodes per sub-panel of the q2 rule (module docstring)
N_GAUSS: int = 8

_M_PER_CM: float = 1.0e-2  # unit conversion cm -> m (exact, SI definition)
_LEPTON_MASSES = {"e": c.M_E, "mu": c.M_MU, "tau": c.M_TAU}  # [GeV], PDG via constants.py

# Sub-panel edges of the sin^2 map, as fractions of phi in [0, pi/2]. Leptons: geometric
# grading towards phi = 0 (ratio 8, down to 2^-15: the electron layer sits at
# phi ~ 2 m_e / Delta >= 1e-4 for Delta <= 10 GeV) and towards phi = pi/2 (A' pole beyond the
# end point when m_A ~ Delta). Hadrons: the R table has no sub-panel-scale layer at its start.
_LEPTON_PHI_EDGES = np.array([0.0, 2.0**-15, 2.0**-12, 2.0**-9, 2.0**-6, 2.0**-3, 0.5,
                              1.0 - 2.0**-3, 1.0 - 2.0**-6, 1.0])
_HADRON_PHI_EDGES = np.array([0.0, 0.5, 1.0])
# Hadronic breakpoints: half-width multiples around the narrow vector mesons (omega, phi) and
# the broad rho; as in qedm_jax.thermal, but only to 16 half-widths (the table is piecewise
# linear in sqrt s with nodes ~0.23% apart, so the peaks are no sharper than that).
_NARROW_OFFSETS = np.array([-16.0, -4.0, -1.0, 0.0, 1.0, 4.0, 16.0])
_BROAD_OFFSETS = np.array([-1.0, 0.0, 1.0])
# Background panels of the hadronic channel in sqrt(s) [GeV]: 50 MeV apart up to the switch to
# perturbative R (the measured table's broad rho', omega', phi' structure at 1.2-2 GeV), then
# geometric (ratio ~1.2) to 12 GeV, past the open-bottom threshold.
_HADRON_BACKGROUND_SQRT_S = np.concatenate([np.arange(0.30, 2.0, 0.05), np.geomspace(2.0, 12.0, 11)[1:]])


# --- input checks (concrete values only; traced values are the caller's responsibility) -------

def _concrete(value):
    """numpy float64 array of ``value``, or None if it is traced."""
    if value is None or isinstance(value, jax.core.Tracer):
        return None
    return np.asarray(value, dtype=np.float64)


def _check(name: str, value, ok, allowed: str) -> None:
    """Raise ValueError naming ``name`` and ``allowed`` unless every (concrete) entry is finite and ok."""
    v = _concrete(value)
    if v is None:
        return
    if not (np.all(np.isfinite(v)) and np.all(ok(v))):
        raise ValueError(f"{name} must be {allowed}; got {name} = {value!r}")


def _check_model(model: str, theta) -> None:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    if model == "i2dm":
        if theta is None:
            raise ValueError("theta (the i2DM mixing angle, radians, finite) is required for model='i2dm'")
        _check("theta", theta, lambda v: np.ones_like(v, dtype=bool), "finite (radians)")


def _check_point(m_chi1, Delta, m_A, epsilon, alpha_D, theta, model: str, channel: str) -> None:
    """Checks shared by the chi2 width functions (concrete inputs; see their Raises)."""
    _check_model(model, theta)
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}; got {channel!r}")
    _check("m_chi1", m_chi1, lambda v: v > 0.0, "> 0 GeV")
    _check("Delta", Delta, lambda v: v >= 0.0, ">= 0 GeV (Delta = m_chi2 - m_chi1)")
    _check("m_A", m_A, lambda v: v > 0.0, "> 0 GeV")
    _check("epsilon", epsilon, lambda v: v >= 0.0, ">= 0")
    _check("alpha_D", alpha_D, lambda v: v >= 0.0, ">= 0")
    d, ma, m1 = _concrete(Delta), _concrete(m_A), _concrete(m_chi1)
    if d is not None and ma is not None and not np.all(ma > d):
        raise ValueError(f"m_A must be > Delta (the A' is off shell in chi2 -> chi1 f fbar; on-shell "
                         f"chi2 -> chi1 A' is not included); got m_A = {m_A!r}, Delta = {Delta!r}")
    if model == "i2dm" and d is not None and m1 is not None and not np.all(d < 2.0 * m1):
        raise ValueError(f"Delta must be < 2 m_chi1 for model='i2dm' (above, the invisible chi2 -> chi1 "
                         f"chi1 chi1bar opens and is not included); got Delta = {Delta!r}, m_chi1 = {m_chi1!r}")


# --- couplings and two-body widths ---------------------------------------------------------------

def _off_diagonal_coupling_sq(theta, model: str):
    """kappa: (chi2 -> chi1 coupling / g_D)^2; 1 for iDM, (sin theta cos theta)^2 for i2DM
    (seed 001 Eq. 2.5; = tan^2 theta cos^4 theta of Eq. 6.1)."""
    if model == "idm":
        return 1.0
    return (jnp.sin(theta) * jnp.cos(theta)) ** 2  # seed 001 Eq. 2.5, 6.1


def _pair_width(mass, m1, m2, alpha):
    """Gamma(V -> pair) [GeV] of a vector of mass ``mass`` with vector coupling sqrt(4 pi alpha)
    to the current pair-bar gamma^mu pair': alpha M / 3 G_12(M^2) sqrt(lambda) / M^6 (bc2 module
    table); zero below threshold, double-where safe."""
    s = mass**2
    threshold = (m1 + m2) ** 2
    open_ = s > threshold
    safe_s = jnp.where(open_, s, 2.0 * threshold + 1.0)
    safe_mass = jnp.sqrt(safe_s)
    value = alpha * safe_mass / 3.0 * _g12(safe_s, m1, m2) * jnp.sqrt(_kallen(safe_s, m1**2, m2**2)) / safe_s**3
    return jnp.where(open_, value, 0.0)


def _width_sm(mass, epsilon, rratio: str):
    """eps^2 alpha M R_total(M) / 3 [GeV] at mass M >= 0 (zero at M = 0)."""
    positive = mass > 0.0
    safe = jnp.where(positive, mass, 1.0)
    return jnp.where(positive, epsilon**2 * c.ALPHA_EM * safe * sm.r_total(safe, rratio) / 3.0, 0.0)


def _width_dark(mass, m_chi1, Delta, alpha_D, theta, model: str):
    """Sum of Gamma(A'(M) -> chi_i chi_j) [GeV] over the open pairs of ``model``."""
    m_chi2 = m_chi1 + Delta
    if model == "idm":
        return _pair_width(mass, m_chi1, m_chi2, alpha_D)  # one Majorana pair chi1 chi2, coupling g_D
    s2, c2 = jnp.sin(theta) ** 2, jnp.cos(theta) ** 2
    return (s2**2 * _pair_width(mass, m_chi1, m_chi1, alpha_D)  # chi1 chi1bar, coupling g_D s^2
            + c2**2 * _pair_width(mass, m_chi2, m_chi2, alpha_D)  # chi2 chi2bar, coupling g_D c^2
            + 2.0 * s2 * c2 * _pair_width(mass, m_chi1, m_chi2, alpha_D))  # chi1 chi2bar + chi2 chi1bar, g_D s c


def _sqrt_q2(q2):
    """sqrt(q2) for q2 > 0, 0 elsewhere (NaN-free gradients)."""
    positive = q2 > 0.0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, q2, 1.0)), 0.0)


def stable(Delta: ArrayLike) -> Bool[Array, "..."]:
    """Whether chi2 is stable: no SM channel of chi2 -> chi1 f fbar is open, Delta <= 2 m_e.

    Below 2 m_e only chi2 -> chi1 nu nubar (through A'-Z mixing, ~(m_A/m_Z)^4 suppressed) and
    loop-level photon channels remain; they are neglected (module docstring).

    Args:
        Delta: splitting m_chi2 - m_chi1 [GeV], any shape.

    Returns:
        Boolean array, same shape: True where chi2 is treated as stable.
    """
    return jnp.asarray(Delta) <= 2.0 * c.M_E


# --- the A' width at a virtuality -----------------------------------------------------------------

def width_A_sm_at(q2: ArrayLike, epsilon: ArrayLike, *, rratio: str = sm.DEFAULT_RRATIO) -> Float[Array, "..."]:
    """A' -> SM width evaluated at mass M = sqrt(q2): eps^2 alpha M R_total(M) / 3 [GeV].

    The on-shell formula of ``qedm_jax.models.bc2.width_A_sm`` (DarkCast, Ilten et al.
    arXiv:1801.04847 Eq. 2.15) with m_A -> sqrt(q2); sqrt(q2) times this is Im Pi_SM(q2).

    Args:
        q2: virtuality [GeV^2], any shape; zero is returned for q2 <= 0.
        epsilon: kinetic mixing (photon-like coupling eps e Q_f), broadcast with q2.
        rratio: R-ratio table name (static), see ``qedm_jax.io.RRATIO_TABLES``.

    Returns:
        Width [GeV], broadcast shape of the inputs.

    Raises:
        ValueError: unknown ``rratio``; concrete ``epsilon`` < 0 or not finite.
    """
    if rratio not in io.RRATIO_TABLES:
        raise ValueError(f"rratio must be one of {sorted(io.RRATIO_TABLES)}; got {rratio!r}")
    _check("epsilon", epsilon, lambda v: v >= 0.0, ">= 0")
    q2, epsilon = jnp.broadcast_arrays(jnp.asarray(q2, dtype=float), jnp.asarray(epsilon, dtype=float))
    return _width_sm(_sqrt_q2(q2), epsilon, rratio)


def width_A_dark_at(q2: ArrayLike, m_chi1: ArrayLike, Delta: ArrayLike, alpha_D: ArrayLike,
                    theta: ArrayLike | None = None, *, model: str = "idm") -> Float[Array, "..."]:
    """A' -> dark-sector width evaluated at mass M = sqrt(q2) [GeV]: every pair open at M.

    iDM: Gamma(chi1 chi2) with coupling g_D (the pseudo-Dirac row of the ``qedm_jax.models.bc2``
    table). i2DM (seed 001 Eq. 2.5): s^4 Gamma(chi1 chi1bar) + c^4 Gamma(chi2 chi2bar)
    + 2 s^2 c^2 Gamma(chi1 chi2bar), the factor 2 for the two distinct Dirac final states
    chi1 chi2bar and chi2 chi1bar; Gamma(pair) = alpha_D M / 3 G_12(M^2) sqrt(lambda) / M^6.
    For m_chi1 = m_chi2 the i2DM sum is the Dirac width for every theta.

    Args:
        q2: virtuality [GeV^2], any shape; closed channels (and q2 <= 0) give 0.
        m_chi1: lighter state's mass [GeV], > 0.
        Delta: splitting m_chi2 - m_chi1 [GeV], >= 0.
        alpha_D: g_D^2 / (4 pi), >= 0.
        theta: i2DM mixing angle [rad] (required for "i2dm", ignored for "idm").
        model: "idm" or "i2dm" (static).

    Returns:
        Width [GeV], broadcast shape of the array inputs.

    Raises:
        ValueError: unknown ``model``; ``theta`` missing for "i2dm"; a concrete input outside
            its range (the message names it).
    """
    _check_model(model, theta)
    _check("m_chi1", m_chi1, lambda v: v > 0.0, "> 0 GeV")
    _check("Delta", Delta, lambda v: v >= 0.0, ">= 0 GeV (Delta = m_chi2 - m_chi1)")
    _check("alpha_D", alpha_D, lambda v: v >= 0.0, ">= 0")
    theta = 0.0 if theta is None else theta
    q2, m_chi1, Delta, alpha_D, theta = jnp.broadcast_arrays(
        *(jnp.asarray(x, dtype=float) for x in (q2, m_chi1, Delta, alpha_D, theta)))
    return _width_dark(_sqrt_q2(q2), m_chi1, Delta, alpha_D, theta, model)


def width_A_at(q2: ArrayLike, m_chi1: ArrayLike, Delta: ArrayLike, epsilon: ArrayLike, alpha_D: ArrayLike,
               theta: ArrayLike | None = None, *, model: str = "idm",
               rratio: str = sm.DEFAULT_RRATIO) -> Float[Array, "..."]:
    """Energy-dependent A' width Gamma_A(q2) = Gamma_SM(sqrt q2) + Gamma_dark(sqrt q2) [GeV].

    Convention (running width): the on-shell width formula evaluated at mass M = sqrt(q2), so
    that Im Pi(q2) = sqrt(q2) Gamma_A(q2) (unitarity: the cut of the A' self-energy at q2 is the
    decay rate of a vector of mass sqrt(q2) with the same couplings; for a width proportional to M
    this is the s-dependent Breit-Wigner of the LEP Z line shape, m_Z Gamma_Z -> s Gamma_Z / m_Z)
    and the propagator is 1 / ((q2 - m_A^2)^2 + q2 Gamma_A(q2)^2). At q2 = m_A^2 it is the on-shell
    ``qedm_jax.models.bc2.width_A`` of a pseudo-Dirac BC2 point (model "idm"). Channels closed at
    sqrt(q2) contribute nothing, so below m_chi1 + m_chi2 only SM channels remain.

    Args:
        q2: virtuality [GeV^2], any shape (q2 <= 0 gives 0).
        m_chi1: lighter state's mass [GeV], > 0.
        Delta: splitting m_chi2 - m_chi1 [GeV], >= 0.
        epsilon: kinetic mixing, >= 0.
        alpha_D: g_D^2 / (4 pi), >= 0.
        theta: i2DM mixing angle [rad] (required for "i2dm", ignored for "idm").
        model: "idm" or "i2dm" (static).
        rratio: R-ratio table name (static).

    Returns:
        Width [GeV], broadcast shape of the array inputs.

    Raises:
        ValueError: as ``width_A_sm_at`` and ``width_A_dark_at``.
    """
    return (width_A_sm_at(q2, epsilon, rratio=rratio)
            + width_A_dark_at(q2, m_chi1, Delta, alpha_D, theta, model=model))


# --- chi2 -> chi1 f fbar ----------------------------------------------------------------------------

def _dgamma(q2, upper_gap, r_f, m_chi1, Delta, m_A, epsilon, alpha_D, theta, model, running_width, rratio):
    """dGamma/dq2 [GeV^-1] from the module formula, given upper_gap = Delta^2 - q2 (>= 0) and R_f."""
    m_chi2 = m_chi1 + Delta
    sigma2 = (m_chi1 + m_chi2) ** 2
    kappa = _off_diagonal_coupling_sq(theta, model)
    if running_width:  # Im Pi(q2) = sqrt(q2) Gamma_A(sqrt q2), width_A_at
        mass = _sqrt_q2(q2)
        im_pi = mass * (_width_sm(mass, epsilon, rratio) + _width_dark(mass, m_chi1, Delta, alpha_D, theta, model))
    else:  # fixed on-shell width: m_A Gamma_A(m_A)
        im_pi = m_A * (_width_sm(m_A, epsilon, rratio) + _width_dark(m_A, m_chi1, Delta, alpha_D, theta, model))
    propagator = (q2 - m_A**2) ** 2 + im_pi**2
    kinematics = upper_gap**1.5 * jnp.sqrt(jnp.maximum(sigma2 - q2, 0.0)) * (2.0 * q2 + sigma2)
    prefactor = kappa * alpha_D * epsilon**2 * c.ALPHA_EM / (12.0 * math.pi * m_chi2**3)
    return prefactor * kinematics * r_f / propagator


def _lepton_factor(q2, lower_gap, mass):
    """(1 + 2 m^2/q2) sqrt(1 - 4 m^2/q2), with lower_gap = q2 - 4 m^2 >= 0 (no cancellation)."""
    return (1.0 + 2.0 * mass**2 / q2) * jnp.sqrt(lower_gap / q2)


def dwidth_chi2_dq2(q2: ArrayLike, m_chi1: ArrayLike, Delta: ArrayLike, m_A: ArrayLike, epsilon: ArrayLike,
                    alpha_D: ArrayLike, theta: ArrayLike | None = None, *, model: str = "idm",
                    channel: str = "all", running_width: bool = True,
                    rratio: str = sm.DEFAULT_RRATIO) -> Float[Array, "..."]:
    """Differential width dGamma(chi2 -> chi1 f fbar)/dq2 [GeV^-1] (module docstring formula).

    Zero outside (2 m_f)^2 < q2 < Delta^2 (per channel; "all" sums e, mu, tau and hadrons through
    ``sm.r_total``). This is the integrand of ``width_chi2``.

    Args:
        q2: f fbar invariant mass squared [GeV^2], any shape.
        m_chi1: lighter state's mass [GeV], > 0.
        Delta: splitting m_chi2 - m_chi1 [GeV], >= 0.
        m_A: dark-photon mass [GeV], > Delta.
        epsilon: kinetic mixing, >= 0.
        alpha_D: g_D^2 / (4 pi), >= 0.
        theta: i2DM mixing angle [rad] (required for "i2dm", ignored for "idm").
        model: "idm" or "i2dm" (static).
        channel: one of ``CHANNELS`` (static).
        running_width: propagator width at the virtuality (``width_A_at``) if True, the fixed
            on-shell width Gamma_A(m_A) if False (static).
        rratio: R-ratio table name (static).

    Returns:
        dGamma/dq2 [GeV^-1], broadcast shape of the array inputs.

    Raises:
        ValueError: as ``width_chi2``.
    """
    _check_point(m_chi1, Delta, m_A, epsilon, alpha_D, theta, model, channel)
    if rratio not in io.RRATIO_TABLES:
        raise ValueError(f"rratio must be one of {sorted(io.RRATIO_TABLES)}; got {rratio!r}")
    theta = 0.0 if theta is None else theta
    q2, m_chi1, Delta, m_A, epsilon, alpha_D, theta = jnp.broadcast_arrays(
        *(jnp.asarray(x, dtype=float) for x in (q2, m_chi1, Delta, m_A, epsilon, alpha_D, theta)))
    upper_gap = Delta**2 - q2
    inside = (q2 > 0.0) & (upper_gap > 0.0)
    safe_q2 = jnp.where(inside, q2, 0.25 * m_A**2)  # masked branch: positive, off the A' pole
    mass = jnp.sqrt(safe_q2)
    if channel == "all":
        r_f = sm.r_total(mass, rratio)
    elif channel == "hadrons":
        r_f = sm.r_hadrons(mass, rratio)
    else:
        m_f = _LEPTON_MASSES[channel]
        above = safe_q2 > 4.0 * m_f**2
        gap = jnp.where(above, safe_q2 - 4.0 * m_f**2, 1.0)
        r_f = jnp.where(above, _lepton_factor(safe_q2, gap, m_f), 0.0)
    value = _dgamma(safe_q2, jnp.where(inside, upper_gap, 0.0), r_f, m_chi1, Delta, m_A, epsilon, alpha_D,
                    theta, model, running_width, rratio)
    return jnp.where(inside, value, 0.0)


@functools.cache
def _hadron_threshold(rratio: str) -> float:
    """First sqrt(s) [GeV] of the R table (``sm.r_hadrons`` is zero below it)."""
    sqrt_s, _ = io.load_rratio(rratio)
    return float(sqrt_s[0])


@functools.cache
def _hadron_breakpoints(rratio: str) -> np.ndarray:
    """Sorted q2 breakpoints [GeV^2] of the hadronic channel above its threshold (module docstring)."""
    points = [c.M_RHO + 0.5 * c.GAMMA_RHO * _BROAD_OFFSETS,
              c.M_OMEGA + 0.5 * c.GAMMA_OMEGA * _NARROW_OFFSETS,
              c.M_PHI + 0.5 * c.GAMMA_PHI * _NARROW_OFFSETS,
              _HADRON_BACKGROUND_SQRT_S,
              np.array([sm.R_SWITCH_GEV, 2.0 * c.M_D0, 2.0 * c.M_B0, 2.0 * c.M_TOP, c.M_BOTTOM])]
    sqrt_s = np.sort(np.concatenate(points))
    return sqrt_s[sqrt_s > _hadron_threshold(rratio)] ** 2


def _channel_rule(channel: str, rratio: str):
    """(threshold q2 [GeV^2], interior breakpoints [GeV^2], phi sub-panel edges) of one channel."""
    if channel == "hadrons":
        return _hadron_threshold(rratio) ** 2, _hadron_breakpoints(rratio), _HADRON_PHI_EDGES
    return 4.0 * _LEPTON_MASSES[channel] ** 2, np.zeros((0,)), _LEPTON_PHI_EDGES


def _channel_width(channel, m_chi1, Delta, m_A, epsilon, alpha_D, theta, model, running_width, rratio, n_gauss):
    """Gamma(chi2 -> chi1 f fbar) of one channel for one point (scalars) [GeV]: the q2 rule."""
    threshold, breakpoints, phi_edges = _channel_rule(channel, rratio)
    delta2 = Delta**2
    open_ = delta2 > threshold
    # masked branch: a benign stand-in point (top 2 x threshold, A' pole far above, heavy states)
    top = jnp.where(open_, delta2, 2.0 * threshold)
    m_a = jnp.where(open_, m_A, 4.0 * math.sqrt(threshold))
    m1 = jnp.where(open_, m_chi1, 4.0 * math.sqrt(threshold))
    d = jnp.where(open_, Delta, math.sqrt(2.0 * threshold))
    edges = jnp.concatenate([jnp.array([threshold]), jnp.clip(jnp.asarray(breakpoints), threshold, top),
                             jnp.reshape(top, (1,))])
    lo, hi = edges[:-1], edges[1:]  # panels, shape (k,)
    t, w_t = special.gauss_legendre(n_gauss)
    t_lo, t_hi = phi_edges[:-1], phi_edges[1:]
    u = (0.5 * (t_hi - t_lo)[:, None] * t[None, :] + 0.5 * (t_hi + t_lo)[:, None]).ravel()  # phi / (pi/2)
    w_u = (0.5 * (t_hi - t_lo)[:, None] * w_t[None, :]).ravel()
    phi = 0.5 * math.pi * u
    sin2, cos2 = np.sin(phi) ** 2, np.cos(phi) ** 2  # static, shape (p,)
    # q2 = a + (b - a) sin^2 phi, dq2 = (b - a) sin(2 phi) dphi, dphi = (pi/2) du
    width = (hi - lo)[:, None]
    q2 = lo[:, None] + width * sin2[None, :]  # shape (k, p)
    lower_gap = (lo[:, None] - threshold) + width * sin2[None, :]  # q2 - threshold
    upper_gap = (top - hi)[:, None] + width * cos2[None, :]  # Delta^2 - q2
    weights = width * (0.5 * math.pi * w_u * np.sin(2.0 * phi))[None, :]
    if channel == "hadrons":
        r_f = sm.r_hadrons(jnp.sqrt(q2), rratio)
    else:
        r_f = _lepton_factor(q2, lower_gap, _LEPTON_MASSES[channel])
    integrand = _dgamma(q2, upper_gap, r_f, m1, d, m_a, epsilon, alpha_D, theta, model, running_width, rratio)
    return jnp.where(open_, jnp.sum(weights * integrand), 0.0)


def _width_one_point(m_chi1, Delta, m_A, epsilon, alpha_D, theta, *, model, channel, running_width, rratio,
                     n_gauss):
    """Gamma(chi2 -> chi1 f fbar) [GeV] of one point (scalars), summed over the selected channels."""
    channels = ("e", "mu", "tau", "hadrons") if channel == "all" else (channel,)
    return sum(_channel_width(ch, m_chi1, Delta, m_A, epsilon, alpha_D, theta, model, running_width, rratio, n_gauss)
               for ch in channels)


@functools.partial(jax.jit, static_argnames=("model", "channel", "running_width", "rratio", "n_gauss"))
def _width_broadcast(m_chi1, Delta, m_A, epsilon, alpha_D, theta, *, model, channel, running_width, rratio, n_gauss):
    """``_width_one_point`` over broadcast arrays (one compile per static configuration and shape;
    inlined when the caller jits or vmaps)."""
    args = jnp.broadcast_arrays(*(jnp.asarray(x, dtype=float) for x in (m_chi1, Delta, m_A, epsilon, alpha_D, theta)))
    one = functools.partial(_width_one_point, model=model, channel=channel, running_width=running_width,
                            rratio=rratio, n_gauss=n_gauss)
    return jnp.vectorize(one)(*args)


def width_chi2(m_chi1: ArrayLike, Delta: ArrayLike, m_A: ArrayLike, epsilon: ArrayLike, alpha_D: ArrayLike,
               theta: ArrayLike | None = None, *, model: str = "idm", channel: str = "all",
               running_width: bool = True, rratio: str = sm.DEFAULT_RRATIO,
               n_gauss: int = N_GAUSS) -> Float[Array, "..."]:
    """Gamma(chi2 -> chi1 f fbar) [GeV] through an off-shell A', the full q2 integral.

    Gamma = Int_{(2 m_f)^2}^{Delta^2} dq2 dGamma/dq2 (``dwidth_chi2_dq2``; module docstring for
    the formula, its derivation and the fixed-node rule), summed over e, mu, tau and hadrons
    (R ratio) for ``channel="all"``. Limit Delta << m_chi1, m_A with m_e << Delta:
    4 eps^2 alpha alpha_D Delta^5 / (15 pi m_A^4) (iDM, seed 001 Eq. 5.1) times
    tan^2 theta cos^4 theta (i2DM, seed 001 Eq. 6.1). Zero for Delta <= 2 m_e (``stable``).

    Args:
        m_chi1: lighter state's mass [GeV], > 0.
        Delta: splitting m_chi2 - m_chi1 [GeV], >= 0 (< 2 m_chi1 for "i2dm").
        m_A: dark-photon mass [GeV], > Delta (on-shell chi2 -> chi1 A' is not included).
        epsilon: kinetic mixing (A' couples to SM fermions as eps e Q_f), >= 0.
        alpha_D: g_D^2 / (4 pi), >= 0.
        theta: i2DM mixing angle [rad] (required for "i2dm", ignored for "idm").
        model: "idm" or "i2dm" (static).
        channel: one of ``CHANNELS`` (static).
        running_width: A' propagator width at the virtuality (``width_A_at``, default) or the
            fixed on-shell width (static).
        rratio: R-ratio table name (static), see ``qedm_jax.io.RRATIO_TABLES``.
        n_gauss: Gauss-Legendre nodes per sub-panel (static int >= 1).

    Returns:
        Width [GeV], the broadcast shape of the array arguments.

    Raises:
        ValueError: unknown ``model``, ``channel`` or ``rratio``; ``theta`` missing for "i2dm";
            concrete m_chi1 <= 0, Delta < 0, m_A <= 0, m_A <= Delta, epsilon < 0, alpha_D < 0,
            a non-finite value, or (i2dm) Delta >= 2 m_chi1; the message names the parameter and
            the allowed range. Traced arguments are not checked.
    """
    _check_point(m_chi1, Delta, m_A, epsilon, alpha_D, theta, model, channel)
    if rratio not in io.RRATIO_TABLES:
        raise ValueError(f"rratio must be one of {sorted(io.RRATIO_TABLES)}; got {rratio!r}")
    special.gauss_legendre(n_gauss)  # validates n_gauss
    theta = 0.0 if theta is None else theta
    return _width_broadcast(m_chi1, Delta, m_A, epsilon, alpha_D, theta, model=model, channel=channel,
                            running_width=running_width, rratio=rratio, n_gauss=int(n_gauss))


def ctau_chi2(m_chi1: ArrayLike, Delta: ArrayLike, m_A: ArrayLike, epsilon: ArrayLike, alpha_D: ArrayLike,
              theta: ArrayLike | None = None, *, model: str = "idm", channel: str = "all",
              running_width: bool = True, rratio: str = sm.DEFAULT_RRATIO,
              n_gauss: int = N_GAUSS) -> Float[Array, "..."]:
    """Proper decay length c tau = hbar c / Gamma(chi2 -> chi1 f fbar) [m].

    hbar c = ``constants.HBARC_GEV_CM`` [GeV cm] (CODATA 2018) times 1e-2 m/cm. +inf where the
    width vanishes (``stable``, or a zero coupling).

    Args:
        m_chi1, Delta, m_A, epsilon, alpha_D, theta: as ``width_chi2`` (GeV, rad), broadcast.
        model, channel, running_width, rratio, n_gauss: as ``width_chi2`` (static); with a single
            ``channel`` this is hbar c over that partial width.

    Returns:
        c tau [m], the broadcast shape of the array arguments.

    Raises:
        ValueError: as ``width_chi2``.
    """
    width = width_chi2(m_chi1, Delta, m_A, epsilon, alpha_D, theta, model=model, channel=channel,
                       running_width=running_width, rratio=rratio, n_gauss=n_gauss)
    positive = width > 0.0
    safe = jnp.where(positive, width, 1.0)
    return jnp.where(positive, c.HBARC_GEV_CM * _M_PER_CM / safe, jnp.inf)


def decay_length(p_chi2: ArrayLike, m_chi1: ArrayLike, Delta: ArrayLike, m_A: ArrayLike, epsilon: ArrayLike,
                 alpha_D: ArrayLike, theta: ArrayLike | None = None, *, model: str = "idm",
                 channel: str = "all", running_width: bool = True, rratio: str = sm.DEFAULT_RRATIO,
                 n_gauss: int = N_GAUSS) -> Float[Array, "..."]:
    """Mean lab decay length of chi2, L = beta gamma c tau = (p_chi2 / m_chi2) c tau [m].

    Convention: ``p_chi2`` is the magnitude of the chi2 three-momentum in the frame of interest
    (beta gamma = p / m_chi2, m_chi2 = m_chi1 + Delta); the decay probability within a distance
    l is 1 - exp(-l / L). A stable chi2 (``stable``) has L = +inf for every p_chi2, also 0.

    Args:
        p_chi2: chi2 momentum [GeV], >= 0, broadcast with the others.
        m_chi1, Delta, m_A, epsilon, alpha_D, theta: as ``width_chi2`` (GeV, rad).
        model, channel, running_width, rratio, n_gauss: as ``width_chi2`` (static).

    Returns:
        L [m], the broadcast shape of the array arguments.

    Raises:
        ValueError: concrete p_chi2 < 0 or not finite; otherwise as ``width_chi2``.
    """
    _check("p_chi2", p_chi2, lambda v: v >= 0.0, ">= 0 GeV")
    ctau = ctau_chi2(m_chi1, Delta, m_A, epsilon, alpha_D, theta, model=model, channel=channel,
                     running_width=running_width, rratio=rratio, n_gauss=n_gauss)
    p_chi2, m_chi1, Delta, ctau = jnp.broadcast_arrays(
        *(jnp.asarray(x, dtype=float) for x in (p_chi2, m_chi1, Delta, ctau)))
    beta_gamma = p_chi2 / (m_chi1 + Delta)  # p / m_chi2
    finite = jnp.isfinite(ctau)
    return jnp.where(finite, beta_gamma * jnp.where(finite, ctau, 0.0), jnp.inf)
