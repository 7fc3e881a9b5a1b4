"""Benchmark: two-temperature solves (secluded Dirac DM, seed 003) -- one point and a relic grid.

1. One solve: ``qedm_jax.solve.solve`` of one point (m_chi = 10 GeV, m_ZD = 1 GeV,
   alpha_D = 3.5e-4, epsilon = 3e-6, on the thermalization floor) with
   ``relic.contour.contour_config()``: first call (compile + run) and the minimum of ``--repeats``
   timed calls after ``block_until_ready``; ``compile_s`` = first call - ``run_s``.
2. A ``--n`` x ``--n`` (alpha_D, epsilon) grid at the same mass through
   ``qedm_jax.relic.contour.omega_grid`` (chunks of ``--chunk`` points on its solver lanes, one
   compilation), alpha_D in [1e-8, 5e-4] and epsilon in [1e-13, 0.1], log-spaced: freeze-in,
   epsilon_min, leak-in and the plateau (alpha_D^TF = 3.58e-4 at epsilon ~ 1e-4 .. 1e-2) up to
   its fall. alpha_D >= 1e-3 at epsilon >= 1e-6 is left out: those points need more than the
   8192 steps of ``solve.two_temperature_config``. Timed the same way, with ``--grid-repeats`` timed
   calls. The relic contour, epsilon_min and thermalization floor of the grid are stored with
   the timings (until 2026-11-22 the grid stopped at epsilon = 1e-4, below the plateau).

Prints one JSON line per benchmark and writes all of them, with the environment, to
``benchmarks/results/bench_two_temperature_<device>_<date>.json`` (and the grid itself as
``.npz`` next to it with ``--save-grid``).

Usage: ``python benchmarks/bench_two_temperature.py [--n 32] [--chunk 256] [--repeats 3]
[--grid-repeats 1]``
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import pathlib
import resource
import time

import jax
import numpy as np

import qedm_jax  # noqa: F401  (enables float64)
from qedm_jax import solve as solve_mod
from qedm_jax.models.secluded import SecludedDirac
from qedm_jax.relic import contour as contour_mod
from qedm_jax.relic import floor as floor_mod

M_CHI = 10.0  # GeV
M_ZD = 1.0  # GeV
ALPHA_RANGE = (1e-8, 5e-4)
EPSILON_RANGE = (1e-13, 0.1)
POINT = {"alpha_D": 3.5e-4, "epsilon": 3e-6}
from _common import RESULTS, device_slug, write_results
from _common import environment as _environment






def make_model(alpha_d, epsilon):
    return SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=alpha_d, epsilon=epsilon)


def timed(fn, repeats: int):
    start = time.perf_counter()
    out = jax.block_until_ready(fn())
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return out, first, times


def bench_one(config, repeats: int) -> dict:
    model = make_model(POINT["alpha_D"], POINT["epsilon"])
    solution, first, times = timed(lambda: solve_mod.solve(model, config), repeats)
    run_s = min(times)
    return {
        "name": "two_temperature_one_solve",
        "n_points": 1,
        "point": POINT,
        "compile_s": round(first - run_s, 3),
        "first_call_s": round(first, 3),
        "run_s": round(run_s, 4),
        "run_s_all": [round(t, 4) for t in times],
        "num_steps": int(solution.num_steps),
        "status": int(solution.status),
        "omega_h2": float(solution.omega_h2),
    }


def bench_grid(config, n: int, chunk: int, repeats: int, save_grid: pathlib.Path | None) -> dict:
    alpha_d = np.geomspace(*ALPHA_RANGE, n)
    epsilon = np.geomspace(*EPSILON_RANGE, n)
    grid, first, times = timed(lambda: contour_mod.omega_grid(make_model, alpha_d, epsilon, config, chunk=chunk),
                               repeats)
    run_s = min(times) if times else first
    relic = contour_mod.relic_contour(grid)
    summary = {"n_contour_points": len(relic),
               "regimes": {name: int(np.sum(relic.regime == name)) for name in contour_mod.REGIMES}}
    try:
        eps_min, alpha_at_min = contour_mod.epsilon_min(relic)
        floor = floor_mod.thermalization_floor(relic)
        summary.update({"epsilon_min": eps_min, "alpha_D_at_epsilon_min": alpha_at_min,
                        "floor": dataclasses.asdict(floor)})
    except ValueError as error:
        summary["error"] = str(error)
    if save_grid is not None:
        np.savez_compressed(save_grid, alpha_D=grid.alpha_D, epsilon=grid.epsilon, omega_h2=grid.omega_h2,
                            status=grid.status, num_steps=grid.num_steps, x_dec=grid.x_dec,
                            t_hs_over_t_dec=grid.t_hs_over_t_dec, t_hs_over_t_end=grid.t_hs_over_t_end)
    steps = np.asarray(grid.num_steps)
    status = np.asarray(grid.status)
    return {
        "name": "two_temperature_relic_grid",
        "n_points": int(n * n),
        "shape": [n, n],
        "chunk": chunk,
        "alpha_D_range": list(ALPHA_RANGE),
        "epsilon_range": list(EPSILON_RANGE),
        "compile_s": round(first - run_s, 3) if times else None,
        "first_call_s": round(first, 3),
        "run_s": round(run_s, 3),
        "run_s_all": [round(t, 3) for t in times],
        "per_point_ms": round(1e3 * run_s / (n * n), 2),
        "num_steps": {"min": int(steps.min()), "median": float(np.median(steps)), "max": int(steps.max())},
        "status_counts": {str(k): int(v) for k, v in zip(*np.unique(status, return_counts=True))},
        "contour": summary,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=32, help="grid points per axis")
    parser.add_argument("--chunk", type=int, default=256,
                        help="points per compiled call (memory ~30 MB per point on CPU)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls of the single solve")
    parser.add_argument("--grid-repeats", type=int, default=1, help="timed calls of the grid (after the first)")
    parser.add_argument("--save-grid", action="store_true", help="also write the grid as .npz")
    parser.add_argument("--no-save", action="store_true", help="print only, write no files")
    args = parser.parse_args()

    now = datetime.datetime.now(datetime.timezone.utc)
    stem = f"bench_two_temperature_{device_slug()}_{now.date().isoformat()}"
    config = contour_mod.contour_config()
    environment = {
        **_environment(now),
        "parameters": {"model": "SecludedDirac", "m_chi_GeV": M_CHI, "m_ZD_GeV": M_ZD,
                       "config": {"x0": config.x0, "x_end": config.x_end, "rtol": config.rtol, "atol": config.atol,
                                  "max_steps": config.max_steps, "n_save": config.n_save,
                                  "n_table": config.table_nodes()}},
    }
    grid_npz = None if (args.no_save or not args.save_grid) else RESULTS / f"{stem}_grid.npz"
    runs = (lambda: bench_one(config, args.repeats),
            lambda: bench_grid(config, args.n, args.chunk, args.grid_repeats, grid_npz))
    rows = []
    for run in runs:  # one at a time, each printed when done
        row = {**run(), "device": environment["device_kind"], "jax": environment["versions"]["jax"],
               "peak_rss_GB_so_far": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    if not args.no_save:
        write_results("bench_two_temperature", now, {**environment, "results": rows})


if __name__ == "__main__":
    main()
