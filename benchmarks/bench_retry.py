"""Benchmark: does the grid engines' first pass + retry still pay (issue 12, item 4)?

``grids.scan`` and ``relic.contour.omega_grid`` stop every point at ``lanes.FIRST_PASS_MAX_STEPS``
= 2048 steps and retry the points that reach it with ``max_steps``: before the expm1 right-hand
side and the state-increment Newton test, some stiff points stalled to max_steps in one batch and
converged alone. This script solves two two-temperature grids at m_chi = 10 GeV, m_ZD = 1 GeV
through ``grids.scan`` with ``retry_failed=True`` (first pass + retry) and ``False`` (one pass
with ``max_steps``), alternating, same process, same compiled call: the benchmark grid of
``bench_two_temperature.py`` (16 x 16, alpha_D 1e-8..5e-4 x epsilon 1e-13..0.1) and a grid over the
stiff secluded region (8 x 8, alpha_D 1e-5..0.1 x epsilon 1e-8..1e-4, Gamma_hs/H up to ~1e12).
It records time per point, statuses, the points that reached the first-pass limit, and whether
the two ways give the same Omega h^2.

Usage: ``python benchmarks/bench_retry.py [--repeats 2]``
"""

from __future__ import annotations

import argparse
import datetime
import time

import numpy as np

import qedm_jax  # noqa: F401  (float64)
from qedm_jax import grids, lanes
from qedm_jax import solve as solve_mod
from qedm_jax.models.secluded import SecludedDirac

from _common import environment, write_results

M_CHI, M_ZD = 10.0, 1.0  # GeV
GRIDS = {
    "benchmark_16x16": (np.geomspace(1e-8, 5e-4, 16), np.geomspace(1e-13, 0.1, 16)),
    "stiff_8x8": (np.geomspace(1e-5, 1e-1, 8), np.geomspace(1e-8, 1e-4, 8)),
}
CHUNK, LANES = 256, 32  # relic.contour's defaults


def secluded_model(alpha_D, epsilon):
    return SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=alpha_D, epsilon=epsilon)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    now = datetime.datetime.now(datetime.timezone.utc)
    config = solve_mod.two_temperature_config()
    record = {**environment(now), "benchmark": "bench_retry",
              "parameters": {"m_chi": M_CHI, "m_ZD": M_ZD, "chunk": CHUNK, "lanes": LANES,
                             "first_pass_max_steps": lanes.FIRST_PASS_MAX_STEPS, "max_steps": config.max_steps,
                             "repeats": args.repeats},
              "results": {}}
    for name, (alpha, epsilon) in GRIDS.items():
        kwargs = dict(config=config, chunk=CHUNK, lanes_per_device=LANES, progress=False, pad_chunk=True,
                      alpha_D=alpha, epsilon=epsilon)
        start = time.perf_counter()
        grids.scan(secluded_model, retry_failed=False, **kwargs)  # compile (both ways share the call)
        first_s = time.perf_counter() - start
        times = {True: [], False: []}
        results = {}
        for _ in range(args.repeats):
            for retry in (True, False):
                start = time.perf_counter()
                results[retry] = grids.scan(secluded_model, retry_failed=retry, **kwargs)
                times[retry].append(time.perf_counter() - start)
        n = alpha.size * epsilon.size
        entry = {"n_points": n, "first_call_s": round(first_s, 2)}
        for retry, result in results.items():
            steps = result.num_steps.ravel()
            entry["retry" if retry else "one_pass"] = {
                "per_point_ms": round(1e3 * min(times[retry]) / n, 3), "run_s_all": [round(t, 3) for t in times[retry]],
                "status_counts": {str(k): int(v) for k, v in zip(*np.unique(result.status, return_counts=True))},
                "num_steps": {"median": float(np.median(steps)), "max": int(steps.max()), "sum": int(steps.sum())},
                "points_over_first_pass_limit": int(np.count_nonzero(steps > lanes.FIRST_PASS_MAX_STEPS)),
            }
        both = results[True].ok & results[False].ok
        entry["max_rel_diff_omega"] = float(np.max(np.abs(results[True].omega_h2[both] / results[False].omega_h2[both] - 1.0)))
        record["results"][name] = entry
        print(f"# {name}: {entry}", flush=True)
    write_results("bench_retry", now, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
