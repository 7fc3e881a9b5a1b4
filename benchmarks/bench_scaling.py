"""Benchmark: time and peak memory of ``qedm_jax.grids.scan`` versus grid size.

Thermalized BC2 Dirac points (alpha_D = 0.1, m_A = 3 m_chi) on a list of N points
(m_chi log-spaced 1 MeV - 2 GeV, epsilon log-spaced 1e-7 - 1e-3, interleaved). Each size runs
in its own subprocess, so that its peak resident memory (``resource.getrusage`` ru_maxrss:
the whole process, XLA buffers included; tracemalloc does not see XLA) belongs to that
size alone. In the subprocess: one warm-up ``scan`` of ``min(N, chunk)`` points compiles the
chunk shape (``compile_s`` = its time, compile + one chunk); the timed ``scan`` of all N
points follows (``run_s``, one call, chunks of ``--chunk`` points). ``device_peak_bytes`` is
``jax.Device.memory_stats()["peak_bytes_in_use"]`` where the backend reports it (GPU), else
null.

Prints one JSON line per size and writes all of them, with the environment, to
``benchmarks/results/bench_scaling_<device>_<date>.json``.

Usage: ``python benchmarks/bench_scaling.py [--sizes 100 1000 10000] [--chunk 2048]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import subprocess
import sys
import time

from _common import CORE_PACKAGES, write_results
from _common import environment as _environment
ALPHA_D = 0.1
RATIO = 3.0


def make_model(m_chi, epsilon):
    from qedm_jax.models import BC2

    return BC2(m_chi=m_chi, m_A=RATIO * m_chi, alpha_D=ALPHA_D, epsilon=epsilon, species="dirac")


def grid_points(n):
    import numpy as np

    masses = np.geomspace(1e-3, 2.0, n)
    epsilon = np.geomspace(1e-7, 1e-3, n)
    return {"m_chi": masses, "epsilon": np.random.default_rng(0).permutation(epsilon)}


def worker(n: int, chunk: int) -> dict:
    """Runs in the subprocess of one size; returns the measurement."""
    import jax
    import numpy as np

    from qedm_jax import grids
    from qedm_jax.solve import STATUS_OK

    points = grid_points(n)
    warm = min(n, chunk)
    tic = time.perf_counter()
    grids.scan(make_model, chunk=chunk, progress=False, points={k: v[:warm] for k, v in points.items()})
    compile_s = time.perf_counter() - tic
    tic = time.perf_counter()
    result = grids.scan(make_model, chunk=chunk, progress=False, points=points)
    run_s = time.perf_counter() - tic
    stats = jax.devices()[0].memory_stats() or {}
    return {
        "name": "grids_scan_bc2_dirac_thermalized",
        "n_points": n,
        "chunk": min(chunk, n),
        "compile_s": round(compile_s, 3),
        "run_s": round(run_s, 3),
        "per_point_ms": round(1e3 * run_s / n, 3),
        "points_per_s": round(n / run_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "device_peak_bytes": stats.get("peak_bytes_in_use"),
        "num_steps_median": int(np.median(result.num_steps)),
        "converged": int(np.count_nonzero(result.status == STATUS_OK)),
        "device": jax.devices()[0].device_kind,
        "jax": jax.__version__,
    }




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--chunk", type=int, default=2048, help="grids.scan chunk size")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-save", action="store_true", help="print only, write no JSON file")
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.chunk)), flush=True)
        return

    import qedm_jax  # noqa: F401  (enables float64)

    now = datetime.datetime.now(datetime.timezone.utc)
    env = {
        **_environment(now, CORE_PACKAGES + ("scipy",)),
        "parameters": {"species": "dirac", "alpha_D": ALPHA_D, "m_A_over_m_chi": RATIO, "chunk": args.chunk,
                       "m_chi_GeV": [1e-3, 2.0], "epsilon": [1e-7, 1e-3], "thermalized": True},
    }
    rows = []
    for n in args.sizes:
        completed = subprocess.run([sys.executable, __file__, "--worker", str(n), "--chunk", str(args.chunk)],
                                   capture_output=True, text=True)
        if completed.returncode != 0:
            row = {"name": "grids_scan_bc2_dirac_thermalized", "n_points": n, "error": completed.stderr[-2000:]}
        else:
            row = json.loads(completed.stdout.strip().splitlines()[-1])
        print(json.dumps(row), flush=True)
        rows.append(row)
    if not args.no_save:
        write_results("bench_scaling", now, {**env, "results": rows})


if __name__ == "__main__":
    main()
