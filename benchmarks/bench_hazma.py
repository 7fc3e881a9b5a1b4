"""Benchmark: qedm_jax vs hazma 2.2.0 for Dirac DM with a kinetically mixed dark photon.

hazma (Coogan, Morrison & Profumo, arXiv:1907.11846; ``pip install hazma==2.2.0``) works in
MeV and models sub-GeV DM with chiral perturbation theory below ~250 MeV. Its
``hazma.vector_mediator.KineticMixing(mx, mv, gvxx, eps)`` is a Dirac fermion chi of mass
``mx`` coupled with ``gvxx`` to a vector V of mass ``mv`` that couples to SM fermions as
``-eps e Q_f`` -- the photon-like kinetic mixing of ``qedm_jax.models.BC2``. Mapping:

    m_chi = mx / 1000 GeV,   m_A = mv / 1000 GeV,   alpha_D = gvxx^2 / (4 pi),   epsilon = eps,

species "dirac" (thermalized, T_hs = T). hazma's ``relic_density`` follows one species
(Y = n_chi / s with g = 2), so the Dirac total (chi + chibar), which qedm_jax reports, is
TWICE hazma's number.

Points: m_chi = 5 - 90 MeV (sqrt(s) near threshold stays below the two-pion threshold, so
e+e- and mu+mu- dominate and the two codes' hadronic treatments, ChPT in hazma and the
measured R ratio in qedm_jax, barely enter), m_A = 3 m_chi, alpha_D = 0.1, epsilon set near
the thermal target (qedm_jax probe at 1e-5, rescaled with Omega ~ 1/eps^2).

Timed: hazma ``relic_density(model, semi_analytic=False)`` (its Radau solve of
dW/dlog x with the thermal average inside the right-hand side; its default tolerances) and
``semi_analytic=True``, one point after the other (one pass, construction of the model
object included); qedm_jax ``grids.scan`` over all points in one compiled call (minimum of
``--repeats``). Differences come from the g_* tables, the end point (hazma x_f = e^7 x_0),
the thermal-average quadratures and hazma's A' width (which includes the hadronic ChPT
channels).

If hazma cannot be imported, prints one JSON line with ``"skipped": true`` and the reason.

Prints one JSON line per measurement and writes them, with the environment, to
``benchmarks/results/bench_hazma_<device>_<date>.json``.

Usage: ``python benchmarks/bench_hazma.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import time
import warnings

import jax
import numpy as np

import qedm_jax  # noqa: F401  (enables float64)
from qedm_jax import constants as c
from qedm_jax import grids
from qedm_jax.models import BC2
from qedm_jax.solve import STATUS_OK

HAZMA_VERSION = "2.2.0"
M_CHI_MEV = np.array([5.0, 10.0, 20.0, 30.0, 50.0, 70.0, 90.0])
RATIO = 3.0  # m_A / m_chi
ALPHA_D = 0.1
EPSILON_PROBE = 1e-5
from _common import CORE_PACKAGES, package_versions, write_results


def make_model(m_chi, epsilon):
    """Thermalized BC2 Dirac point (GeV), keywords (module level: one compilation)."""
    return BC2(m_chi=m_chi, m_A=RATIO * m_chi, alpha_D=ALPHA_D, epsilon=epsilon, species="dirac")






def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed qedm_jax calls")
    parser.add_argument("--no-save", action="store_true", help="print only, write no JSON file")
    args = parser.parse_args()
    now = datetime.datetime.now(datetime.timezone.utc)
    env = {"date": now.isoformat(timespec="seconds"), "device": [str(d) for d in jax.devices()],
           "device_kind": jax.devices()[0].device_kind, "cpu_count": os.cpu_count(),
           "python": platform.python_version(), "versions": package_versions(CORE_PACKAGES + ("scipy", "hazma")),
           "parameters": {"m_chi_MeV": M_CHI_MEV.tolist(), "m_A_over_m_chi": RATIO, "alpha_D": ALPHA_D,
                          "gvxx": math.sqrt(4.0 * math.pi * ALPHA_D), "species": "dirac"}}
    rows = []

    def emit(row):
        row = {**row, "device": env["device_kind"], "jax": env["versions"]["jax"]}
        print(json.dumps(row), flush=True)
        rows.append(row)

    def save():
        if not args.no_save:
            write_results("bench_hazma", now, {**env, "results": rows})

    try:
        from hazma.relic_density import relic_density
        from hazma.vector_mediator import KineticMixing
    except Exception as error:  # noqa: BLE001 -- any import failure means: skip
        emit({"name": "hazma_comparison", "skipped": True,
              "reason": f"hazma=={HAZMA_VERSION} not importable: {type(error).__name__}: {error}"})
        save()
        return

    masses = M_CHI_MEV * 1e-3  # GeV
    n = masses.size
    probe = grids.scan(make_model, chunk=n, progress=False,
                       points={"m_chi": masses, "epsilon": np.full(n, EPSILON_PROBE)})
    epsilon = EPSILON_PROBE * np.sqrt(probe.omega_h2 / c.OMEGA_H2_PLANCK)
    points = {"m_chi": masses, "epsilon": epsilon}
    times = []
    for _ in range(max(args.repeats, 1)):
        tic = time.perf_counter()
        result = grids.scan(make_model, chunk=n, progress=False, points=points)
        times.append(time.perf_counter() - tic)
    qedm_s = min(times)
    emit({"name": "qedm_jax_scan", "n_points": n, "run_s": round(qedm_s, 4),
          "per_point_ms": round(1e3 * qedm_s / n, 3),
          "converged": int(np.count_nonzero(result.status == STATUS_OK))})

    gvxx = math.sqrt(4.0 * math.pi * ALPHA_D)
    for semi_analytic in (False, True):
        omegas, elapsed = [], 0.0
        for m_gev, eps in zip(masses, epsilon):
            tic = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = KineticMixing(mx=1e3 * m_gev, mv=RATIO * 1e3 * m_gev, gvxx=gvxx, eps=float(eps))
                omegas.append(2.0 * relic_density(model, semi_analytic=semi_analytic))  # chi + chibar
            elapsed += time.perf_counter() - tic
        omegas = np.array(omegas)
        ratio = result.omega_h2 / omegas
        emit({"name": f"hazma_relic_density_{'semi_analytic' if semi_analytic else 'boltzmann'}",
              "n_points": n, "run_s": round(elapsed, 4), "per_point_ms": round(1e3 * elapsed / n, 3),
              "time_ratio_hazma_over_qedm_jax": round(elapsed / qedm_s, 2),
              "m_chi_MeV": M_CHI_MEV.tolist(), "epsilon": [float(f"{e:.6g}") for e in epsilon],
              "omega_h2_qedm_jax": [float(f"{o:.6g}") for o in result.omega_h2],
              "omega_h2_hazma_total": [float(f"{o:.6g}") for o in omegas],
              "ratio_qedm_jax_over_hazma": [float(f"{r:.5g}") for r in ratio],
              "max_abs_rel_diff": float(np.max(np.abs(ratio - 1.0)))})
    save()


if __name__ == "__main__":
    main()
