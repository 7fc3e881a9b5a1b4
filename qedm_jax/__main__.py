"""``python -m qedm_jax``: the ``qedm`` command line (``qedm_jax.cli``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
