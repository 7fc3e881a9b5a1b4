"""BC2: dark matter coupled to an invisibly decaying dark photon A' (m_A > 2 m_chi).

Benchmark BC2 of the PBC/ESPP plots (seed 000; Beacham et al., arXiv:1901.09966). The SM
current couples to A' as ``epsilon e Q_f`` (the package convention: ``epsilon`` is the
photon-like coupling); the dark current as ``g_D`` with ``alpha_D = g_D^2 / (4 pi)``.
Annihilation is s-channel through A' with a Breit-Wigner propagator of fixed total width
``Gamma_A = Gamma(A' -> SM) + Gamma(A' -> dark sector)``; the SM side of the virtual A' is
``R_total(sqrt s)`` of ``qedm_jax.sm`` (leptons with mass factors; hadrons from the measured
R ratio below 2 GeV, perturbative quarks above). With ``P = 4 pi alpha alpha_D eps^2 / 3``
and ``BW = (s - m_A^2)^2 + m_A^2 Gamma_A^2``:

=================  =====================================  ================================
species            sigma(pair -> SM) / (P R_total / BW)   Gamma(A' -> dark) / (alpha_D m_A / 3)
=================  =====================================  ================================
dirac              (s + 2 m^2) / beta                     (1 + 2 r) beta_A
complex scalar     s beta                                 beta_A^3 / 4
majorana           s beta                                 beta_A^3 / 2
pseudo-dirac       G_12(s) / sqrt(lambda(s, m1^2, m2^2))  G_12(m_A^2) sqrt(lambda) / m_A^6
=================  =====================================  ================================

with ``beta = sqrt(1 - 4 m^2/s)``, ``r = m^2/m_A^2``, ``beta_A = sqrt(1 - 4 r)`` and
``G_12(s) = s (s - m1^2 - m2^2 + 4 m1 m2) + (m1 - m2)^2 (s - (m1 + m2)^2) / 2`` (the
spin-averaged vector current of chi1 chi2, contracted with the conserved SM current; for
m1 = m2 it reduces to the Dirac s (s + 2 m^2)). These are the standard tree-level results
(e.g. Izaguirre, Krnjaic, Schuster & Toro, arXiv:1505.07107, Eqs. 3-5, in their
non-relativistic limits: Dirac s-wave sigma v = 16 pi eps^2 alpha alpha_D m^2 / m_A^4, scalar
p-wave sigma v = (8 pi / 3) eps^2 alpha alpha_D m^2 v^2 / m_A^4 for m_A >> m). The Majorana
state couples through an axial current, L = (g_D / 2) chibar gamma^mu gamma^5 chi A'_mu. The
pseudo-Dirac pair chi1 (mass m_chi) and chi2 (mass m_chi (1 + delta)) couples off-diagonally
(seed 001 Sec. 2.1); chi2 is kept in chemical equilibrium with chi1 and decays to chi1 after
freeze-out, so both count towards the relic density.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .. import constants as c
from .. import io, sm
from .base import AbstractModel

__all__ = ["BC2", "SPECIES", "width_A_sm", "width_A_dark", "width_A"]

SPECIES = ("scalar", "majorana", "dirac", "pseudo-dirac")
_N_OMEGA_PHI = 2


def _kallen(a, b, c_):
    """Kallen function lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2ac - 2bc."""
    return a**2 + b**2 + c_**2 - 2.0 * (a * b + a * c_ + b * c_)


def _g12(s, m1, m2):
    """Spin-averaged vector-current factor G_12(s) (module docstring); s (s + 2 m^2) at m1 = m2."""
    return s * (s - m1**2 - m2**2 + 4.0 * m1 * m2) + 0.5 * (m1 - m2) ** 2 * (s - (m1 + m2) ** 2)


class BC2(AbstractModel):
    """One BC2 parameter point.

    Attributes:
        m_chi: mass of the lightest DM state chi (chi1 for pseudo-Dirac) [GeV], scalar.
        m_A: dark-photon mass [GeV], scalar, > 2 m_chi (> m_chi1 + m_chi2 for pseudo-Dirac).
        alpha_D: dark coupling g_D^2 / (4 pi), scalar.
        epsilon: photon-like kinetic mixing, A' couples to SM fermions as eps e Q_f, scalar.
        delta: fractional splitting Delta / m_chi = (m_chi2 - m_chi1) / m_chi1 (pseudo-Dirac
            only; ignored otherwise), scalar >= 0.
        species: "scalar" (complex scalar), "majorana", "dirac" or "pseudo-dirac" (static).
        rratio: R-ratio table name (static), see ``qedm_jax.io.RRATIO_TABLES``.

    Use ``qedm_jax.models.make_bc2`` to build one from Python floats with range checks.
    """

    m_chi: Float[Array, ""] = eqx.field(converter=jnp.asarray)
    m_A: Float[Array, ""] = eqx.field(converter=jnp.asarray)
    alpha_D: Float[Array, ""] = eqx.field(converter=jnp.asarray)
    epsilon: Float[Array, ""] = eqx.field(converter=jnp.asarray)
    delta: Float[Array, ""] = eqx.field(converter=jnp.asarray, default=0.0)
    species: str = eqx.field(static=True, default="dirac")
    rratio: str = eqx.field(static=True, default=sm.DEFAULT_RRATIO)

    def __check_init__(self):
        if self.species not in SPECIES:
            raise ValueError(f"species must be one of {SPECIES}, got {self.species!r}")
        if self.rratio not in io.RRATIO_TABLES:
            raise ValueError(f"rratio must be one of {sorted(io.RRATIO_TABLES)}, got {self.rratio!r}")

    @property
    def name(self) -> str:
        return f"bc2-{self.species}"

    @property
    def pair(self) -> tuple[int, int]:
        return (0, 0) if self.species == "majorana" else (0, 1)

    @property
    def g_hs_bath(self) -> float:
        return 0.0

    @property
    def m_chi2(self) -> Float[Array, ""]:
        """Mass of the partner state [GeV]: m_chi (1 + delta) for pseudo-Dirac, else m_chi."""
        if self.species == "pseudo-dirac":
            return self.m_chi * (1.0 + self.delta)
        return self.m_chi

    def dm_states(self):
        """Masses [GeV] and dof: (chi, chibar) for dirac/scalar, chi for majorana,
        (chi1, chi2) for pseudo-dirac."""
        if self.species == "majorana":
            return jnp.stack([self.m_chi]), jnp.array([2.0])
        dof = 1.0 if self.species == "scalar" else 2.0
        return jnp.stack([self.m_chi, self.m_chi2]), jnp.array([dof, dof])

    def _dm_current(self, s):
        """sigma / (P R_total / BW) of the module table, zero below threshold."""
        m1, m2 = self.m_chi, self.m_chi2
        threshold = (m1 + m2) ** 2
        above = s > threshold
        safe_s = jnp.where(above, s, threshold * 2.0 + 1.0)
        if self.species in ("scalar", "majorana"):
            beta = jnp.sqrt(1.0 - 4.0 * m1**2 / safe_s)
            value = safe_s * beta  # 1505.07107 Eq. 3 (scalar); axial Majorana has the same |M|^2
        else:
            sqrt_lambda = jnp.sqrt(_kallen(safe_s, m1**2, m2**2))
            value = _g12(safe_s, m1, m2) / sqrt_lambda  # Dirac: (s + 2 m^2) / beta
        return jnp.where(above, value, 0.0)

    def sigma_sm(self, s: Float[Array, "..."]) -> Float[Array, "..."]:
        """Spin-averaged sigma(pair -> A'* -> SM) [GeV^-2] at s [GeV^2] (module table).

        Args:
            s: Mandelstam s [GeV^2], any shape; zero below the pair threshold.

        Returns:
            Cross section [GeV^-2], same shape.
        """
        s = jnp.asarray(s, dtype=float)
        prefactor = 4.0 * math.pi * c.ALPHA_EM * self.alpha_D * self.epsilon**2 / 3.0
        width = width_A(self)
        bw = (s - self.m_A**2) ** 2 + self.m_A**2 * width**2  # Breit-Wigner, fixed width
        r_total = sm.r_total(jnp.sqrt(s), self.rratio)
        return prefactor * self._dm_current(s) * r_total / bw

    def thresholds(self):
        """The kinks and steps of R_total(sqrt s) (``sm.r_total_thresholds``), shape (8,)."""
        return sm.r_total_thresholds(self.rratio)

    def resonances(self):
        """A' pole and the omega, phi peaks of R (rho is broad and needs no extra nodes)."""
        masses = jnp.stack([self.m_A, jnp.asarray(c.M_OMEGA), jnp.asarray(c.M_PHI)])
        widths = jnp.stack([width_A(self), jnp.asarray(c.GAMMA_OMEGA), jnp.asarray(c.GAMMA_PHI)])
        return masses, widths


def width_A_sm(model: BC2) -> Float[Array, ""]:
    """Gamma(A' -> SM) = eps^2 alpha m_A R_total(m_A) / 3 [GeV].

    Leptons with (1 + 2 m_l^2/m_A^2) beta_l; hadrons via the measured R ratio (below 2 GeV) or
    perturbative quarks (DarkCast, Ilten et al. arXiv:1801.04847, Eq. 2.15).

    Args:
        model: a ``BC2`` point.

    Returns:
        Width [GeV], scalar.
    """
    return model.epsilon**2 * c.ALPHA_EM * model.m_A * sm.r_total(model.m_A, model.rratio) / 3.0


def width_A_dark(model: BC2) -> Float[Array, ""]:
    """Gamma(A' -> DM pair) [GeV] (module table), zero when closed.

    Args:
        model: a ``BC2`` point.

    Returns:
        Width [GeV], scalar.
    """
    m_a, m1, m2 = model.m_A, model.m_chi, model.m_chi2
    s = m_a**2
    open_ = s > (m1 + m2) ** 2
    safe_s = jnp.where(open_, s, (m1 + m2) ** 2 * 2.0 + 1.0)
    base = model.alpha_D * m_a / 3.0
    if model.species in ("scalar", "majorana"):
        beta3 = (1.0 - 4.0 * m1**2 / safe_s) ** 1.5
        factor = beta3 / (4.0 if model.species == "scalar" else 2.0)
    else:
        factor = _g12(safe_s, m1, m2) * jnp.sqrt(_kallen(safe_s, m1**2, m2**2)) / safe_s**3
    return jnp.where(open_, base * factor, 0.0)


def width_A(model: BC2) -> Float[Array, ""]:
    """Total A' width Gamma_A = width_A_sm + width_A_dark [GeV], scalar."""
    return width_A_sm(model) + width_A_dark(model)


def y_bc2(epsilon: ArrayLike, alpha_D: ArrayLike, m_chi: ArrayLike, m_A: ArrayLike) -> Float[Array, "..."]:
    """The BC2 plot variable Y = eps^2 alpha_D (m_chi / m_A)^4 (seed 000), broadcast shapes."""
    return jnp.asarray(epsilon) ** 2 * alpha_D * (jnp.asarray(m_chi) / m_A) ** 4
