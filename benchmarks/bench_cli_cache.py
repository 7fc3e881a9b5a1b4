"""Benchmark: cold and warm command-line runs with the persistent compilation cache (issue 11).

Each command runs twice as a fresh process (``python -m qedm_jax ...``) with a new, empty
``--cache-dir``: the first run compiles and fills the cache (cold), the second loads the
compilations from it (warm). Wall times include Python start-up, imports and tracing, which
JAX does not cache. The commands:

* ``qedm target --species dirac --m-chi 0.01,0.1`` (thermalized thermal target, 2 masses);
* ``qedm contour --m-chi 10 --ratio 10`` (one secluded relic grid, the default 24 x 37 points).

Writes ``benchmarks/results/bench_cli_cache_<device>_<date>.json``.

Usage: ``python benchmarks/bench_cli_cache.py [--skip-contour]``
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import environment, write_results

COMMANDS = {
    "target": ["target", "--species", "dirac", "--m-chi", "0.01,0.1"],
    "contour": ["contour", "--m-chi", "10", "--ratio", "10"],
}


def timed_run(argv: list[str], cache: Path, out: Path) -> float:
    """Wall time [s] of one ``python -m qedm_jax`` process (raises if it fails)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qedm_jax", *argv, "--quiet", "--cache-dir", str(cache), "--out", str(out)],
                   check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-contour", action="store_true", help="only the target command")
    args = parser.parse_args()
    now = datetime.datetime.now(datetime.timezone.utc)
    record = {**environment(now), "benchmark": "bench_cli_cache", "results": {}}
    for name, argv in COMMANDS.items():
        if name == "contour" and args.skip_contour:
            continue
        with tempfile.TemporaryDirectory() as folder:
            cache, out = Path(folder) / "cache", Path(folder) / f"{name}.csv"
            cold = timed_run(argv, cache, out)
            warm = timed_run(argv, cache, out)
            n_files = sum(1 for _ in cache.rglob("*") if _.is_file())
        record["results"][name] = {"command": "qedm " + " ".join(argv), "cold_s": round(cold, 2),
                                   "warm_s": round(warm, 2), "cache_files": n_files}
        print(name, record["results"][name], flush=True)
    write_results("bench_cli_cache", now, record)


if __name__ == "__main__":
    main()
