"""The model interface: what the thermal averages and the Boltzmann system need from a model.

A model is an immutable ``eqx.Module`` holding one parameter point. It supplies

* the dark-matter states that share one chemical potential (masses and internal dof),
* the one annihilating pair (indices into those states) and its cross sections,
  ``sigma_sm(s)`` into Standard-Model final states and ``sigma_hs(s)`` into hidden-sector
  states (for example Z_D Z_D), spin-averaged, in GeV^-2,
* the narrow s-channel peaks in sqrt(s) (for quadrature node placement),
* the relativistic hidden-sector bath (dof in equilibrium at T_hs, besides the DM).

Number-changing rate densities follow Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145, and
Edsjo & Gondolo, Phys. Rev. D56 (1997) 1879, for unequal masses; see ``qedm_jax.thermal``.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

__all__ = ["AbstractModel"]


class AbstractModel(eqx.Module):
    """One parameter point of a dark-matter model (abstract).

    Fields every model has (scalars, GeV where dimensionful):
        m_chi: mass of the lightest (relic) DM state [GeV].
        epsilon: kinetic mixing (the package convention is documented per model).
        alpha_D: dark gauge coupling g_D^2 / (4 pi).

    Static facts a final model sets (class attributes or properties):
        pair: indices (a, b) into ``dm_states()`` of the annihilating pair; a == b means
            identical (self-conjugate) particles.
        g_hs_bath: relativistic bosonic dof of the hidden-sector bath in equilibrium at
            T_hs besides the DM (3 for a massless-limit Z_D, 0 when the DM is alone).
        name: short model name used in file headers and legends.
    """

    m_chi: eqx.AbstractVar[Float[Array, ""]]
    epsilon: eqx.AbstractVar[Float[Array, ""]]
    alpha_D: eqx.AbstractVar[Float[Array, ""]]

    @property
    @abc.abstractmethod
    def pair(self) -> tuple[int, int]:
        """Indices (a, b) into ``dm_states()`` of the annihilating pair (a == b: identical)."""

    @property
    @abc.abstractmethod
    def g_hs_bath(self) -> float:
        """Relativistic bosonic dof of the hidden-sector bath at T_hs besides the DM."""

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """Short model name for file headers and legends."""

    @abc.abstractmethod
    def dm_states(self) -> tuple[Float[Array, " n"], Float[Array, " n"]]:
        """Masses [GeV] and internal dof of the DM states in chemical equilibrium, shape (n,)."""

    @abc.abstractmethod
    def sigma_sm(self, s: Float[Array, "..."]) -> Float[Array, "..."]:
        """Spin-averaged cross section of the pair into SM final states [GeV^-2] at
        centre-of-mass energy squared ``s`` [GeV^2] (any shape, above threshold)."""

    @property
    def has_hs_channel(self) -> bool:
        """Static: whether ``sigma_hs`` can be non-zero. False skips the hidden-sector
        quadrature (its rate is then exactly zero)."""
        return False

    def sigma_hs(self, s: Float[Array, "..."]) -> Float[Array, "..."]:
        """Spin-averaged cross section of the pair into hidden-sector states [GeV^-2].

        Zero unless a model overrides it (and sets ``has_hs_channel``). It must be smooth in
        s (no s-channel peaks): its thermal average uses the background quadrature nodes only.
        """
        return jnp.zeros_like(s)

    def thresholds(self) -> np.ndarray:
        """sqrt(s) [GeV] where the cross sections have kinks or steps (SM pair thresholds, ends of
        tables), static numpy, shape (j,): breakpoints of the thermal-average quadrature. Empty
        by default."""
        return np.zeros(0)

    @abc.abstractmethod
    def resonances(self) -> tuple[Float[Array, " k"], Float[Array, " k"]]:
        """Narrow peaks of the cross sections: positions in sqrt(s) and full widths [GeV],
        shape (k,) each, k fixed per model class (used to place quadrature nodes)."""
