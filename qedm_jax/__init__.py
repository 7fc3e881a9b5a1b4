"""qedm_jax: relic abundance of light dark matter coupled through a kinetically mixed dark photon.

float64 is enabled here, on import, for every user of the package.

The public API has one function per command of ``qedm`` (``qedm_jax.api``): ``target``,
``freeze_in``, ``contour``, ``floor``, ``scan``, ``evolve``; the layers below them are the
subpackages and modules listed in the README ("Architecture").
"""

import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

from . import constants, io, sm, special, thermal  # noqa: E402
from . import decays  # noqa: E402  (chi2 -> chi1 f fbar widths, the running A' width; issue 13)
from .models import BC2, make_bc2, y_bc2  # noqa: E402
from .models.family import BC2Family, ModelFamily, SecludedFamily, make_family  # noqa: E402
from . import solve  # noqa: E402  (module: solve.solve(model, config))
from .solve import Solution, SolverConfig  # noqa: E402
from . import grids  # noqa: E402
from .grids import ScanResult, load_scan, save_scan  # noqa: E402
from . import relic  # noqa: E402
from .relic.target import TargetLine, thermal_target  # noqa: E402
from . import api  # noqa: E402
from .api import (  # noqa: E402
    ValidityWarning,
    contour,
    evolve,
    floor,
    freeze_in,
    load_contours,
    load_floors,
    mass_list,
    scan,
    target,
)
from .io import Table  # noqa: E402

__all__ = [
    "__version__",
    "BC2",
    "BC2Family",
    "ModelFamily",
    "SecludedFamily",
    "Solution",
    "ScanResult",
    "SolverConfig",
    "Table",
    "TargetLine",
    "ValidityWarning",
    "api",
    "constants",
    "contour",
    "decays",
    "evolve",
    "floor",
    "freeze_in",
    "grids",
    "io",
    "load_contours",
    "load_floors",
    "load_scan",
    "make_bc2",
    "make_family",
    "mass_list",
    "relic",
    "save_scan",
    "scan",
    "sm",
    "solve",
    "special",
    "target",
    "thermal",
    "thermal_target",
    "y_bc2",
]
