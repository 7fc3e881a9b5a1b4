"""Benchmark: one BC2 thermal-target line of 60 masses per DM species.

For each species (alpha_D = 0.1, m_A = 3 m_chi, Delta = 0.1 m_chi for pseudo-Dirac, masses
log-spaced 1 MeV - 2 GeV) the public ``qedm_jax.thermal_target`` is called once (compile +
run), then timed with the minimum of ``--repeats`` calls after ``block_until_ready``
(as in diffrax's ``benchmarks/``). ``compile_s`` = first call - ``run_s``.

Prints one JSON line per species and writes all of them, with the environment, to
``benchmarks/results/bench_targets_<device>_<date>.json``.

Usage: ``python benchmarks/bench_targets.py [--n 60] [--repeats 3] [--species dirac ...]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import time

import jax
import numpy as np

import qedm_jax
from qedm_jax import constants as c
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2, SPECIES

ALPHA_D = 0.1
RATIO = 3.0  # m_A / m_chi
DELTA = 0.1  # Delta / m_chi, pseudo-Dirac only
M_MIN_GEV, M_MAX_GEV = 1e-3, 2.0
from _common import write_results
from _common import environment as _environment


def make_model_fn(species: str):
    delta = DELTA if species == "pseudo-dirac" else 0.0

    def make_model(m):
        return BC2(m_chi=m, m_A=RATIO * m, alpha_D=ALPHA_D, epsilon=1e-3, delta=delta, species=species)

    return make_model


def run_line(make_model, masses):
    line = qedm_jax.thermal_target(make_model, masses, c.OMEGA_H2_PLANCK)
    return jax.block_until_ready(line)


def bench(species: str, masses: np.ndarray, repeats: int) -> dict:
    make_model = make_model_fn(species)
    start = time.perf_counter()
    line = run_line(make_model, masses)
    first_s = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_line(make_model, masses)
        times.append(time.perf_counter() - start)
    run_s = min(times)
    status = np.asarray(line.status)
    return {
        "name": f"thermal_target_{species}",
        "species": species,
        "n_points": int(masses.size),
        "compile_s": round(first_s - run_s, 3),
        "first_call_s": round(first_s, 3),
        "run_s": round(run_s, 3),
        "run_s_all": [round(t, 3) for t in times],
        "per_point_ms": round(1e3 * run_s / masses.size, 2),
        "converged": int(np.sum(status == solve_mod.STATUS_OK)),
        "status_counts": {str(k): int(v) for k, v in zip(*np.unique(status, return_counts=True))},
    }








def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="masses per line")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per line")
    parser.add_argument("--species", nargs="+", default=list(SPECIES), choices=SPECIES)
    parser.add_argument("--no-save", action="store_true", help="print only, write no JSON file")
    args = parser.parse_args()

    masses = np.geomspace(M_MIN_GEV, M_MAX_GEV, args.n)
    now = datetime.datetime.now(datetime.timezone.utc)
    environment = {
        **_environment(now, ("jax", "jaxlib", "diffrax", "equinox", "optimistix")),
        "parameters": {"alpha_D": ALPHA_D, "m_A_over_m_chi": RATIO, "delta_over_m_chi_pseudo_dirac": DELTA,
                       "m_min_GeV": M_MIN_GEV, "m_max_GeV": M_MAX_GEV, "repeats": args.repeats},
    }
    rows = []
    for species in args.species:
        row = {**bench(species, masses, args.repeats), "device": environment["device_kind"],
               "jax": environment["versions"]["jax"]}
        print(json.dumps(row), flush=True)
        rows.append(row)
    if not args.no_save:
        write_results("bench_targets", now, {**environment, "results": rows})


if __name__ == "__main__":
    main()
