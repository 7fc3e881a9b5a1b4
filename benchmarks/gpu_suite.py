"""GPU suite (issue 12): every grid-sized job of the package in one command, one JSON.

Prepared for a device session (one NVIDIA H100/H200, ~15 minutes of device time in all): it
installs nothing, uses the machine's JAX, runs the sections below one after the other and
writes ``gpu_suite_<device>_<date>.json`` after EVERY section (a run cut off by its time limit
still leaves the sections it finished). ``--small`` runs the same code paths at toy sizes on
the CPU in about a minute; ``tests/test_gpu_suite.py`` runs it, so the script cannot rot.

Sections (full size / ``--small``), each with compile (first call minus run), run time, time
per point, status counts, step counts and the device's peak memory:

1. ``two_temperature_grid``: secluded Dirac DM (seed 003) at m_chi = 10 GeV, m_ZD = 1 GeV on a
   log-spaced 256 x 256 (4 x 4) grid, alpha_D 1e-8..5e-4 x epsilon 1e-13..0.1, through
   ``grids.scan`` (``solve.two_temperature_config``) in one call (chunk 65536 (16)) with 8192 (4)
   solves in flight. Expected memory from ``benchmarks/bench_memory.py`` (XLA's buffer
   assignment on the CPU, 2026-12-07): ~0.2 GB for the rate tables (built 8 points at a time,
   ``lanes.TABLE_GROUP``) + ~5 kB per grid point + ~1.5 kB per lane, i.e. < 1 GB.
2. ``thermalized_scan``: BC2 Dirac, alpha_D = 0.1, m_A = 3 m_chi, 1e6 (2048) points, m_chi
   1e-3..2 GeV x epsilon 1e-7..1e-3 (shuffled pairs), ``grids.scan`` in chunks of 65536 (1024).
3. ``target_line``: the Dirac thermal target at 60 (4) masses, 1e-3..2 GeV
   (``relic.target.thermal_target``), and its derivative d epsilon / d alpha_D at every mass by
   implicit differentiation (``jax.jacfwd`` through ``thermal_target_unchecked``).
4. ``omega_gradients``: d Omega h^2 / d (epsilon, alpha_D) of 1024 (8) thermalized BC2 points
   (``jax.jacfwd`` through ``solve.solve_unchecked`` with the forward-mode adjoint, vmapped).

Usage (device): ``pip install --no-deps -e . && python benchmarks/gpu_suite.py --out "$OUT"``;
(CPU check): ``python benchmarks/gpu_suite.py --small --out /tmp/suite``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import time
import traceback

import jax
import jax.numpy as jnp
import numpy as np

import qedm_jax  # noqa: F401  (float64)
from qedm_jax import grids
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2
from qedm_jax.models.secluded import SecludedDirac
from qedm_jax.relic import target as target_mod

from _common import device_slug, environment

SIZES = {
    "full": {"grid_n": 256, "lanes": 8192, "grid_chunk": 65536, "scan_n": 1_000_000, "scan_chunk": 65536,
             "target_n": 60, "grad_n": 1024},
    "small": {"grid_n": 4, "lanes": 4, "grid_chunk": 16, "scan_n": 2048, "scan_chunk": 1024, "target_n": 4,
              "grad_n": 8},
}
M_CHI, M_ZD = 10.0, 1.0  # GeV, the seed 003 benchmark point of the two-temperature grid
ALPHA_RANGE, EPSILON_RANGE = (1e-8, 5e-4), (1e-13, 0.1)
BC2_ALPHA_D, BC2_RATIO = 0.1, 3.0


def secluded_model(alpha_D, epsilon):
    return SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=alpha_D, epsilon=epsilon)


def bc2_model(m_chi, epsilon, alpha_D=BC2_ALPHA_D):
    return BC2(m_chi=m_chi, m_A=BC2_RATIO * m_chi, alpha_D=alpha_D, epsilon=epsilon, species="dirac")


def _peak_bytes():
    stats = jax.devices()[0].memory_stats() or {}
    return stats.get("peak_bytes_in_use")


def _timed(fn):
    """(result, seconds) of ``fn()`` with the device work finished."""
    start = time.perf_counter()
    out = jax.block_until_ready(fn())
    return out, time.perf_counter() - start


def _scan_summary(result, run_s: float, compile_s: float) -> dict:
    """Timings and statistics of a ``grids.ScanResult``; ``compile_s``: the warm-up call minus
    its share of ``run_s`` (an estimate: the warm-up solves a slice of the same points)."""
    status, steps = np.asarray(result.status).ravel(), np.asarray(result.num_steps).ravel()
    return {
        "n_points": int(status.size),
        "compile_s": round(max(compile_s, 0.0), 2),
        "run_s": round(run_s, 3),
        "per_point_ms": round(1e3 * run_s / status.size, 4),
        "status_counts": {str(k): int(v) for k, v in zip(*np.unique(status, return_counts=True))},
        "num_steps": {"median": float(np.median(steps)), "mean": float(np.mean(steps)), "max": int(steps.max())},
        "device_peak_bytes": _peak_bytes(),
    }


def two_temperature_grid(size: dict) -> dict:
    """Section 1 (module docstring); first a warm-up on one chunk of the same shape."""
    n = size["grid_n"]
    alpha, epsilon = np.geomspace(*ALPHA_RANGE, n), np.geomspace(*EPSILON_RANGE, n)
    config = solve_mod.two_temperature_config()
    # pad_chunk: the warm-up (an eighth of the grid) compiles the same chunk shape as the run
    kwargs = {"config": config, "chunk": size["grid_chunk"], "lanes_per_device": size["lanes"], "progress": False,
              "pad_chunk": True}
    warm = {"alpha_D": alpha[: max(2, n // 8)], "epsilon": epsilon}
    _, first_s = _timed(lambda: grids.scan(secluded_model, **kwargs, **warm))
    result, run_s = _timed(lambda: grids.scan(secluded_model, **kwargs, alpha_D=alpha, epsilon=epsilon))
    summary = _scan_summary(result, run_s, first_s - run_s * warm["alpha_D"].size / n)
    summary.update(shape=[n, n], lanes=size["lanes"], chunk=size["grid_chunk"], m_chi=M_CHI, m_ZD=M_ZD,
                   warm_up_s=round(first_s, 2))
    return summary


def thermalized_scan(size: dict) -> dict:
    """Section 2 (module docstring); the warm-up is one chunk."""
    n, chunk = size["scan_n"], size["scan_chunk"]
    points = {"m_chi": np.geomspace(1e-3, 2.0, n),
              "epsilon": np.random.default_rng(0).permutation(np.geomspace(1e-7, 1e-3, n))}
    warm = {k: v[:chunk] for k, v in points.items()}
    kwargs = {"chunk": chunk, "progress": False}
    _, first_s = _timed(lambda: grids.scan(bc2_model, points=warm, **kwargs).omega_h2)
    result, run_s = _timed(lambda: grids.scan(bc2_model, points=points, **kwargs))
    summary = _scan_summary(result, run_s, first_s - run_s * min(chunk, n) / n)
    summary.update(chunk=chunk)
    return summary


def target_line(size: dict) -> dict:
    """Section 3 (module docstring)."""
    masses = jnp.asarray(np.geomspace(1e-3, 2.0, size["target_n"]))
    make = lambda m: bc2_model(m, 1e-3)  # noqa: E731
    line, first_s = _timed(lambda: target_mod.thermal_target(make, masses).epsilon)
    line, run_s = _timed(lambda: target_mod.thermal_target(make, masses))
    config = solve_mod.SolverConfig()

    def epsilon_of(alpha_D, m_chi):
        return target_mod.thermal_target_unchecked(bc2_model(m_chi, 1e-3, alpha_D), 0.12, config)[0]

    slope = jax.jit(jax.vmap(jax.jacfwd(epsilon_of), in_axes=(None, 0)))
    alpha = jnp.asarray(BC2_ALPHA_D)
    _, grad_first_s = _timed(lambda: slope(alpha, masses))
    d_eps, grad_run_s = _timed(lambda: slope(alpha, masses))
    status = np.asarray(line.status)
    return {
        "n_masses": int(masses.size),
        "compile_s": round(max(first_s - run_s, 0.0), 2),
        "run_s": round(run_s, 4),
        "per_mass_ms": round(1e3 * run_s / masses.size, 3),
        "status_counts": {str(k): int(v) for k, v in zip(*np.unique(status, return_counts=True))},
        "gradient": {"what": "d epsilon_target / d alpha_D per mass (implicit differentiation)",
                     "compile_s": round(max(grad_first_s - grad_run_s, 0.0), 2), "run_s": round(grad_run_s, 4),
                     "finite": bool(np.all(np.isfinite(np.asarray(d_eps)[status == 0]))),
                     "dln_eps_dln_alpha_median": float(np.median(np.asarray(d_eps) * BC2_ALPHA_D
                                                                 / np.asarray(line.epsilon)))},
        "device_peak_bytes": _peak_bytes(),
    }


def omega_gradients(size: dict) -> dict:
    """Section 4 (module docstring)."""
    n = size["grad_n"]
    m_chi = jnp.asarray(np.geomspace(1e-3, 2.0, n))
    theta = jnp.stack([jnp.full(n, 1e-5), jnp.full(n, BC2_ALPHA_D)], axis=1)  # (epsilon, alpha_D)
    config = solve_mod.SolverConfig(adjoint="forward")

    def omega(t, m):
        return solve_mod.solve_unchecked(bc2_model(m, t[0], t[1]), config).omega_h2

    jacobian = jax.jit(jax.vmap(jax.jacfwd(omega)))
    _, first_s = _timed(lambda: jacobian(theta, m_chi))
    values, run_s = _timed(lambda: jacobian(theta, m_chi))
    dln = np.asarray(values) * np.asarray(theta) / np.asarray(jax.jit(jax.vmap(omega))(theta, m_chi))[:, None]
    return {
        "n_points": n,
        "compile_s": round(max(first_s - run_s, 0.0), 2),
        "run_s": round(run_s, 4),
        "per_point_ms": round(1e3 * run_s / n, 4),
        "finite": bool(np.all(np.isfinite(dln))),
        "dln_omega_dln_epsilon_median": float(np.median(dln[:, 0])),  # freeze-out: ~ -2
        "device_peak_bytes": _peak_bytes(),
    }


SECTIONS = {"two_temperature_grid": two_temperature_grid, "thermalized_scan": thermalized_scan,
            "target_line": target_line, "omega_gradients": omega_gradients}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="toy sizes (CPU check, 1-2 min)")
    parser.add_argument("--out", default=None, help="folder of the JSON (default benchmarks/results)")
    parser.add_argument("--only", nargs="+", choices=tuple(SECTIONS), default=tuple(SECTIONS), help="sections to run")
    args = parser.parse_args(argv)
    size = SIZES["small" if args.small else "full"]
    now = datetime.datetime.now(datetime.timezone.utc)
    folder = pathlib.Path(args.out) if args.out else pathlib.Path(__file__).resolve().parent / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gpu_suite{'_small' if args.small else ''}_{device_slug()}_{now.date().isoformat()}.json"
    record = {**environment(now), "benchmark": "gpu_suite", "size": "small" if args.small else "full",
              "sizes": size, "sections": {}}
    failed = 0
    for name in args.only:
        start = time.perf_counter()
        try:
            record["sections"][name] = SECTIONS[name](size)
        except Exception as error:  # noqa: BLE001  (a failed section is recorded; the others still run)
            failed += 1
            record["sections"][name] = {"error": f"{type(error).__name__}: {error}",
                                        "traceback": traceback.format_exc(limit=8)}
        record["sections"][name]["wall_s"] = round(time.perf_counter() - start, 2)
        path.write_text(json.dumps(record, indent=2) + "\n")
        print(f"# {name}: {json.dumps(record['sections'][name])[:400]}", flush=True)
    print(f"# wrote {path}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
