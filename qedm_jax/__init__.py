"""qedm_jax: relic abundance of light dark matter coupled through a kinetically mixed dark photon.

float64 is enabled here, on import, for every user of the package.
"""

import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

from . import constants, io, sm, special, thermal  # noqa: E402
from .lines import TargetLine, thermal_target  # noqa: E402
from .models import BC2, make_bc2, y_bc2  # noqa: E402
from . import solve  # noqa: E402  (module: solve.solve(model, config))
from .solve import Solution, SolverConfig  # noqa: E402
from . import grids  # noqa: E402
from .grids import ScanResult, load_scan, save_scan, scan  # noqa: E402

__all__ = [
    "__version__",
    "BC2",
    "Solution",
    "ScanResult",
    "SolverConfig",
    "TargetLine",
    "constants",
    "grids",
    "io",
    "load_scan",
    "make_bc2",
    "save_scan",
    "scan",
    "sm",
    "solve",
    "special",
    "thermal",
    "thermal_target",
    "y_bc2",
]
