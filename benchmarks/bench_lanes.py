"""Benchmark: lane refill (``qedm_jax.lanes.solve_queue``) against a vmap over chunks, same run.

The grid engines solve a chunk of points either as one ``jax.vmap`` of ``solve_unchecked``
(a batched while loop that runs until the chunk's stiffest point is done) or, since this
benchmark was written, as a queue on a few solver lanes (a lane whose point is done takes
the next one). Both are compiled first, then timed alternately ``--repeats`` times; the
minimum per variant is kept and the ratios are taken within the run (the machine is shared
and noisy).

Grids:
1. two-temperature: ``--n`` x ``--n`` (alpha_D, epsilon) secluded Dirac grid at m_chi = 10 GeV,
   m_ZD = 1 GeV (alpha_D 1e-8..5e-4, epsilon 1e-13..1e-4), ``relic.contour.contour_config()``
   (48 saved trajectory points); vmap over chunks of 64 vs 32 and 64 lanes.
2. thermalized: ``--n-thermalized`` BC2 Dirac points (alpha_D = 0.1, m_A = 3 m_chi, m_chi
   1 MeV..2 GeV, epsilon 1e-7..1e-3 shuffled), default ``SolverConfig``; one vmap over all
   points vs 64 and 128 lanes (rate tables included in both).

Also stored: the sum and the per-chunk maximum of the step counts (the work a vmap over chunks
does is chunk size x the chunk's maximum), and the largest relative difference in Omega h^2
between the variants.

Usage: ``python benchmarks/bench_lanes.py [--n 16] [--n-thermalized 512] [--repeats 2]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import time

import jax
import jax.numpy as jnp
import numpy as np

import qedm_jax  # noqa: F401  (enables float64)
from qedm_jax import lanes
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2
from qedm_jax.models.secluded import SecludedDirac
from qedm_jax.relic import contour as contour_mod

from _common import environment, write_results


def make_secluded(alpha_D, epsilon):
    return SecludedDirac(m_chi=10.0, m_ZD=1.0, alpha_D=alpha_D, epsilon=epsilon)


def make_dirac(m_chi, epsilon):
    return BC2(m_chi=m_chi, m_A=3.0 * m_chi, alpha_D=0.1, epsilon=epsilon, species="dirac")


def vmap_chunks(make_model, names, config, columns, chunk):
    """One jitted vmap of solve_unchecked, called on consecutive chunks of ``chunk`` points."""
    run = jax.jit(jax.vmap(lambda *v: _fields(solve_mod.solve_unchecked(make_model(**dict(zip(names, v))), config))))
    n = len(next(iter(columns.values())))

    def call():
        parts = [run(*(columns[k][i:i + chunk] for k in names)) for i in range(0, n, chunk)]
        return {key: jnp.concatenate([p[key] for p in parts]) for key in parts[0]}

    return call


def _fields(solution):
    return {"omega_h2": solution.omega_h2, "num_steps": solution.num_steps}


def lane_queue(make_model, config, columns, n_lanes):
    run = jax.jit(lambda cols: lanes.solve_queue(make_model, cols, config, n_lanes))
    return lambda: run(columns)


def compare(name, variants, n_points, repeats, chunk_for_steps):
    for fn in variants.values():  # compile (and one run)
        jax.block_until_ready(fn())
    best = {key: float("inf") for key in variants}
    outputs = {}
    for _ in range(repeats):
        for key, fn in variants.items():
            tic = time.perf_counter()
            outputs[key] = jax.block_until_ready(fn())
            best[key] = min(best[key], time.perf_counter() - tic)
    baseline = next(iter(variants))
    steps = np.asarray(outputs[baseline]["num_steps"])
    padded = np.concatenate([steps, np.full((-len(steps)) % chunk_for_steps, steps[-1])])
    omega = {key: np.asarray(out["omega_h2"]) for key, out in outputs.items()}
    record = {
        "name": name,
        "n_points": n_points,
        "ms_per_point": {key: round(1e3 * t / n_points, 3) for key, t in best.items()},
        "speed_up_vs_" + baseline: {key: round(best[baseline] / t, 3) for key, t in best.items()},
        "steps_sum": int(steps.sum()),
        "steps_chunk_max_times_chunk": int(padded.reshape(-1, chunk_for_steps).max(axis=1).sum() * chunk_for_steps),
        "max_rel_diff_omega_vs_" + baseline: {
            key: float(np.nanmax(np.abs(value / omega[baseline] - 1.0))) for key, value in omega.items()},
        "n_failed": {key: int(np.count_nonzero(~np.isfinite(value))) for key, value in omega.items()},
    }
    print(json.dumps(record), flush=True)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--n-thermalized", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    now = datetime.datetime.now(datetime.timezone.utc)
    env = environment(now)

    alpha, eps = np.meshgrid(np.geomspace(1e-8, 5e-4, args.n), np.geomspace(1e-13, 1e-4, args.n), indexing="ij")
    cols = {"alpha_D": jnp.asarray(alpha.ravel()), "epsilon": jnp.asarray(eps.ravel())}
    config = contour_mod.contour_config()
    two_t = compare("two_temperature_grid", {
        "vmap_chunks_64": vmap_chunks(make_secluded, ("alpha_D", "epsilon"), config, cols, 64),
        "lanes_32": lane_queue(make_secluded, config, cols, 32),
        "lanes_64": lane_queue(make_secluded, config, cols, 64),
    }, args.n**2, args.repeats, 64)

    n = args.n_thermalized
    cols = {"m_chi": jnp.asarray(np.geomspace(1e-3, 2.0, n)),
            "epsilon": jnp.asarray(np.random.default_rng(0).permutation(np.geomspace(1e-7, 1e-3, n)))}
    config = solve_mod.SolverConfig()
    thermalized = compare("thermalized_points", {
        f"vmap_{n}": vmap_chunks(make_dirac, ("m_chi", "epsilon"), config, cols, n),
        "lanes_64": lane_queue(make_dirac, config, cols, 64),
        "lanes_128": lane_queue(make_dirac, config, cols, 128),
    }, n, args.repeats, n)

    write_results("bench_lanes", now, {**env, "parameters": vars(args), "results": [two_t, thermalized]})


if __name__ == "__main__":
    main()
