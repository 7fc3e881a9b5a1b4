"""Dark-matter models: each final ``eqx.Module`` is one parameter point.

* ``BC2``: invisible dark photon, species scalar / majorana / dirac / pseudo-dirac.
* ``SecludedDirac``: secluded Dirac DM with a visibly decaying dark photon (seed 003).
"""

from __future__ import annotations

import math

from .base import AbstractModel
from .bc2 import BC2, SPECIES, width_A, width_A_dark, width_A_sm, y_bc2

__all__ = ["AbstractModel", "BC2", "SPECIES", "make_bc2", "width_A", "width_A_dark", "width_A_sm", "y_bc2"]


def make_bc2(
    species: str,
    m_chi: float,
    alpha_D: float = 0.1,
    ratio: float = 3.0,
    epsilon: float = 1e-3,
    delta: float = 0.1,
    rratio: str = "darkcast",
) -> BC2:
    """Build a BC2 point from Python floats, checking every range before anything is traced.

    Args:
        species: "scalar", "majorana", "dirac" or "pseudo-dirac".
        m_chi: DM mass (chi1 for pseudo-Dirac) [GeV], > 0.
        alpha_D: dark coupling, > 0.
        ratio: m_A / m_chi, > 2 (> 2 + delta for pseudo-Dirac).
        epsilon: photon-like kinetic mixing, in (0, 1).
        delta: Delta / m_chi for pseudo-Dirac, >= 0 (ignored for other species).
        rratio: R-ratio table name.

    Returns:
        ``BC2`` with m_A = ratio * m_chi.

    Raises:
        ValueError: a parameter outside its range; the message names it and the range.
    """
    if species not in SPECIES:
        raise ValueError(f"model must be one of {', '.join(SPECIES)}; got {species!r}")
    checks = [
        ("m_chi", m_chi, lambda v: v > 0.0, "> 0 GeV"),
        ("alpha_D", alpha_D, lambda v: v > 0.0, "> 0"),
        ("epsilon", epsilon, lambda v: 0.0 < v < 1.0, "in (0, 1)"),
        ("delta", delta, lambda v: v >= 0.0, ">= 0"),
    ]
    for name, value, ok, allowed in checks:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and ok(value)):
            raise ValueError(f"{name} must be {allowed}; got {value!r}")
    minimum_ratio = 2.0 + (delta if species == "pseudo-dirac" else 0.0)
    if not (math.isfinite(ratio) and ratio > minimum_ratio):
        raise ValueError(f"ratio = m_A/m_chi must be > {minimum_ratio} (invisible A' decay); got {ratio!r}")
    return BC2(m_chi=m_chi, m_A=ratio * m_chi, alpha_D=alpha_D, epsilon=epsilon,
               delta=delta if species == "pseudo-dirac" else 0.0, species=species, rratio=rratio)
