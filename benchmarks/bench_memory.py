"""Benchmark: memory of the grid engine per in-flight point (issue 12, item 5).

``grids.scan`` solves a chunk of ``chunk`` points as one queue on ``lanes`` solver lanes
(``lanes.solve_queue``), one compiled call per chunk. This script compiles that call
(``grids._chunk_runner``, the exact function ``scan`` runs) for several (lanes, chunk) pairs and
reads XLA's own buffer assignment (``Compiled.memory_analysis()``: arguments, outputs and
temporaries, the peak a call can hold) -- nothing is solved, so the numbers are the same on every
run and do not depend on the load. A least-squares fit

    bytes(lanes, chunk) = fixed + per_lane * lanes + per_chunk_point * chunk

separates what each solve in flight costs (``per_lane``: its ODE state, the stages, the Jacobians
and the temporaries of one step; the rate tables are built in groups of ``lanes`` points, so
their quadrature temporaries are per lane too) from what every point of a chunk costs while it
waits or after it is done (``per_chunk_point``: its rate table, initial state and outputs).
The issue's aim: < 1 MB per in-flight point, so that a 256 x 256 two-temperature grid fits one
H100 (80 GB) in one call.

Before/after in one run: ``--table-groups`` compiles each engine with the rate tables built in
groups of ``n_lanes`` points (``lanes``, the rule before 2026-12-07) and of
``lanes.TABLE_GROUP`` points (the rule now), by setting ``lanes.TABLE_GROUP`` for each variant.

Two engines: the two-temperature grid (secluded Dirac DM at m_chi = 10 GeV, m_ZD = 1 GeV,
``solve.two_temperature_config``) and the thermalized scan (BC2 Dirac, ``solve.SolverConfig``).
CPU compiles; on a GPU the buffer assignment differs in detail (fusion), which
``benchmarks/gpu_suite.py`` checks with the device's peak memory.

Usage: ``python benchmarks/bench_memory.py [--pairs 8:8 32:32 128:128 32:256] [--table-groups lanes 8]``
"""

from __future__ import annotations

import argparse
import datetime
import time

import jax
import numpy as np

import qedm_jax  # noqa: F401  (float64)
from qedm_jax import grids, lanes
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2
from qedm_jax.models.secluded import SecludedDirac

from _common import environment, write_results

M_CHI, M_ZD = 10.0, 1.0  # GeV


def secluded_model(alpha_D, epsilon):
    return SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=alpha_D, epsilon=epsilon)


def bc2_model(m_chi, epsilon):
    return BC2(m_chi=m_chi, m_A=3.0 * m_chi, alpha_D=0.1, epsilon=epsilon, species="dirac")


ENGINES = {
    "two_temperature_grid": (secluded_model, ("alpha_D", "epsilon"), solve_mod.two_temperature_config()),
    "thermalized_scan": (bc2_model, ("m_chi", "epsilon"), solve_mod.SolverConfig()),
}


def compiled_bytes(make_model, names, config, n_lanes: int, chunk: int) -> dict:
    """XLA's buffer sizes [bytes] of ``grids.scan``'s compiled chunk call at (n_lanes, chunk)."""
    devices = tuple(jax.devices())
    runner, _ = grids._chunk_runner(make_model, config, names, devices, n_lanes)
    counts = jax.ShapeDtypeStruct((len(devices),), np.int32)
    columns = [jax.ShapeDtypeStruct((chunk,), np.float64) for _ in names]
    start = time.perf_counter()
    stats = runner.lower(counts, *columns).compile().memory_analysis()
    compile_s = time.perf_counter() - start
    parts = {"argument": stats.argument_size_in_bytes, "output": stats.output_size_in_bytes,
             "temp": stats.temp_size_in_bytes, "alias": stats.alias_size_in_bytes}
    total = parts["argument"] + parts["output"] + parts["temp"] - parts["alias"]
    return {"lanes": n_lanes, "chunk": chunk, "bytes": parts, "total_bytes": int(total), "compile_s": round(compile_s, 1)}


def fit(rows: list[dict]) -> dict:
    """Least-squares bytes = fixed + per_lane lanes + per_chunk_point chunk (needs >= 3 pairs
    that are not collinear)."""
    matrix = np.array([[1.0, r["lanes"], r["chunk"]] for r in rows])
    total = np.array([r["total_bytes"] for r in rows], dtype=float)
    coefficients, *_ = np.linalg.lstsq(matrix, total, rcond=None)
    residual = total - matrix @ coefficients
    return {"fixed_bytes": float(coefficients[0]), "per_lane_bytes": float(coefficients[1]),
            "per_chunk_point_bytes": float(coefficients[2]),
            "max_abs_fit_residual_bytes": float(np.max(np.abs(residual)))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", nargs="+", default=["8:8", "32:32", "128:128", "32:256"],
                        help="lanes:chunk pairs to compile (>= 3, not all with chunk = c x lanes)")
    parser.add_argument("--engines", nargs="+", choices=tuple(ENGINES), default=tuple(ENGINES))
    parser.add_argument("--table-groups", nargs="+", default=["lanes", str(lanes.TABLE_GROUP)],
                        help="rate-table group sizes to compare: 'lanes' (= n_lanes) or an integer")
    args = parser.parse_args(argv)
    pairs = [tuple(int(v) for v in pair.split(":")) for pair in args.pairs]
    if len(pairs) < 3 or any(n_lanes < 1 or chunk < n_lanes for n_lanes, chunk in pairs):
        parser.error("give >= 3 pairs lanes:chunk with 1 <= lanes <= chunk")
    now = datetime.datetime.now(datetime.timezone.utc)
    record = {**environment(now), "benchmark": "bench_memory",
              "parameters": {"pairs": args.pairs, "table_groups": args.table_groups}, "results": {}}
    default_group = lanes.TABLE_GROUP
    try:
        for group in args.table_groups:
            lanes.TABLE_GROUP = 2**62 if group == "lanes" else int(group)  # read at trace time
            grids._chunk_runner.cache_clear()
            for name in args.engines:
                make_model, names, config = ENGINES[name]
                rows = [compiled_bytes(make_model, names, config, n_lanes, chunk) for n_lanes, chunk in pairs]
                model = fit(rows)
                record["results"][f"{name}/table_group={group}"] = {"compiled": rows, "fit": model}
                print(f"# {name}, table group {group}: {model['per_lane_bytes'] / 1e6:.4f} MB per lane (in-flight "
                      f"point), {model['per_chunk_point_bytes'] / 1e3:.2f} kB per chunk point, "
                      f"{model['fixed_bytes'] / 1e6:.2f} MB fixed", flush=True)
    finally:
        lanes.TABLE_GROUP = default_group
    write_results("bench_memory", now, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
