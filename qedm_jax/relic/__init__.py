"""Relic lines and surfaces: the couplings that give the observed Omega h^2.

* ``target``: thermal target epsilon(m_chi) on the freeze-out branch (thermalized root find,
  implicit differentiation), and the two-temperature freeze-out root.
* ``freeze_in``: freeze-in line epsilon_FI(m_chi) (two-temperature secant root find).
* ``contour``: Omega h^2 on (alpha_D, epsilon) grids, the relic contour, its regimes and
  epsilon_min.
* ``floor``: the thermalization floor (plateau of the relic contour, or maximum of
  Omega h^2(epsilon), as the model family says) and its map to the (m_ZD, epsilon) plane.

Each works for every model family (``qedm_jax.models.family``); the public API
(``qedm_jax.api``) checks inputs and calls them.
"""

from . import contour, floor, freeze_in, target  # noqa: F401
