"""qedm_jax: relic abundance of light dark matter coupled through a kinetically mixed dark photon.

float64 is enabled here, on import, for every user of the package.
"""

import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"
