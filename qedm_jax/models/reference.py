"""Reference model: a constant s-wave <sigma v>, for the anchors of DESIGN.md.

``sigma(s) = sigma_v / v_rel`` with ``v_rel = 2 beta`` the relative velocity in the
centre-of-mass frame, so that sigma v_rel = sigma_v exactly in that frame and the
Gondolo-Gelmini average tends to ``sigma_v`` for x >> 1 (relativistic corrections O(1/x)).
Used to check Omega h^2 against Steigman, Dasgupta & Beacom, PRD 86 (2012) 023506
(2.2e-26 cm^3/s for self-conjugate DM) and the secluded freeze-out
sigma_v = pi alpha_D^2 / m_chi^2 (seed 003 Sec. 2.3).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .base import AbstractModel

__all__ = ["ConstantSigmaV"]


class ConstantSigmaV(AbstractModel):
    """DM with a constant s-wave <sigma v> into SM states (or into the hidden sector).

    Build it with keywords: ``ConstantSigmaV(m_chi=100.0, sigma_v=5.6e-9)``.

    Attributes:
        m_chi: DM mass [GeV], scalar.
        sigma_v: s-wave sigma v_rel [GeV^-2], scalar (per annihilating pair).
        epsilon: unused by the cross section (kept for the common interface), scalar.
        alpha_D: unused by the cross section, scalar.
        self_conjugate: True: one Majorana-like state (g = 2); False: Dirac-like chi, chibar
            (g = 2 each) (static).
        into_hidden_sector: annihilate into hidden-sector states instead of SM states (static).
    """

    m_chi: Float[Array, ""] = eqx.field(converter=jnp.asarray)
    sigma_v: Float[Array, ""] = eqx.field(converter=jnp.asarray, default=0.0)
    epsilon: Float[Array, ""] = eqx.field(converter=jnp.asarray, default=1e-3)
    alpha_D: Float[Array, ""] = eqx.field(converter=jnp.asarray, default=0.1)
    self_conjugate: bool = eqx.field(static=True, default=True)
    into_hidden_sector: bool = eqx.field(static=True, default=False)

    @property
    def name(self) -> str:
        return "constant-sigma-v"

    @property
    def pair(self) -> tuple[int, int]:
        return (0, 0) if self.self_conjugate else (0, 1)

    @property
    def g_hs_bath(self) -> float:
        return 0.0

    def dm_states(self):
        if self.self_conjugate:
            return jnp.stack([self.m_chi]), jnp.array([2.0])
        return jnp.stack([self.m_chi, self.m_chi]), jnp.array([2.0, 2.0])

    def _sigma(self, s):
        above = s > 4.0 * self.m_chi**2
        beta = jnp.sqrt(jnp.where(above, 1.0 - 4.0 * self.m_chi**2 / jnp.where(above, s, 1.0), 1.0))
        return jnp.where(above, self.sigma_v / (2.0 * beta), 0.0)  # sigma = sigma_v / v_rel, v_rel = 2 beta

    def sigma_sm(self, s: Float[Array, "..."]) -> Float[Array, "..."]:
        """sigma(s) = sigma_v / (2 beta) [GeV^-2] into SM states (zero if into_hidden_sector)."""
        return jnp.zeros_like(s) if self.into_hidden_sector else self._sigma(s)

    @property
    def has_hs_channel(self) -> bool:
        """True when annihilating into hidden-sector states (static)."""
        return self.into_hidden_sector

    def sigma_hs(self, s: Float[Array, "..."]) -> Float[Array, "..."]:
        """sigma(s) = sigma_v / (2 beta) [GeV^-2] into hidden-sector states (if selected)."""
        return self._sigma(s) if self.into_hidden_sector else jnp.zeros_like(s)

    def resonances(self):
        """No peaks: a dummy zero-width point at threshold (adds harmless panels)."""
        return jnp.stack([2.0 * self.m_chi]), jnp.zeros((1,))
