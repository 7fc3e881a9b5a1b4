"""Test-session settings for JAX.

* CPU unless the caller chose a platform (``JAX_PLATFORMS=cuda python -m pytest`` runs the
  suite on a GPU); tolerances are set for float64 on CPU.
* float64 (the package enables it on import; repeated here so that a test module that
  imports only jax sees the same setting).
* Rank promotion "raise", as in diffrax's ``test/conftest.py``: implicit broadcasting of
  arrays of different rank is an error, not a silent reshape.
* A persistent compilation cache under the pytest cache directory
  (``.pytest_cache/d/jax_compilation_cache``), with no minimum compile time, so that a
  second run of the suite skips most XLA compiles. ``JAX_COMPILATION_CACHE_DIR`` is
  exported too, so that subprocesses (the CLI tests) share it.
"""

from __future__ import annotations

import os

import jax

if "JAX_PLATFORMS" not in os.environ:
    jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")


def pytest_configure(config):
    """Point JAX's persistent compilation cache into the pytest cache directory."""
    cache_dir = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if not cache_dir:
        if not config.pluginmanager.hasplugin("cacheprovider"):  # -p no:cacheprovider: no cache
            return
        cache_dir = str(config.cache.mkdir("jax_compilation_cache"))
        os.environ["JAX_COMPILATION_CACHE_DIR"] = cache_dir
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    jax.config.update("jax_compilation_cache_dir", cache_dir)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
