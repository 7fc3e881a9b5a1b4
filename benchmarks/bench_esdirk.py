"""Benchmark: the two-temperature integrators of ``SolverConfig.integrator``, side by side in one run.

"kvaerno5" (the default: diffrax's Kvaerno5 with ``newton.FixedNewton``, exact Jacobian at every
Newton iterate, early exit at <= 10 iterations per stage) against "kvaerno5_chord"
(``esdirk.Kvaerno5Chord``: the same tableau, one Jacobian + LU per step, k chord iterations per
stage in ``boltzmann.DepartureCoordinates``, no data-dependent loop), k = ``esdirk.NUM_ITERATIONS``.

Points: the 76-point set of ``bench_rosenbrock`` (secluded Dirac DM, m_chi = 10 GeV, m_ZD = 1 GeV:
an 8 x 8 log grid alpha_D 1e-6..1e-2 x epsilon 1e-12..1e-3 plus the 12-point stiff block alpha_D
1e-4..5e-4 x epsilon 2.4e-7..1e-6), ``solve.two_temperature_config()`` (rtol 1e-5, atol 1e-7).

A second set, for accuracy across masses (``--low-mass``, default 0.3 GeV): an 8 x 8 log grid of the
family's default alpha_D range at that mass x epsilon 1e-13..0.1 (freeze-in, reannihilation,
leak-in and secluded freeze-out), with the same ``vmap`` measurements.

Per integrator:
* ``vmap``: one ``jax.jit(jax.vmap(solve.solve_unchecked))`` over all points (the batch runs until
  its slowest point is done): compile time, run time per point, steps (median, max, sum),
  failures, and the Omega h^2 error against a reference (the default integrator at rtol 1e-9,
  atol 1e-11, 200,000 steps);
* ``lanes``: ``lanes.solve_queue`` with ``--lanes`` lanes over the same points (the grid engine of
  ``grids.scan``): run time per point;
* ``alone``: the 12 stiff points each solved alone (a batch of one) against their values in the
  76-point batch: largest relative Omega h^2 difference and number of changed step counts.

Usage: ``python benchmarks/bench_esdirk.py [--lanes 32] [--repeats 2] [--no-save]``
"""

from __future__ import annotations

import argparse
import datetime
import time

import jax
import jax.numpy as jnp
import numpy as np

from qedm_jax import esdirk, lanes
from qedm_jax import solve as solve_mod

from _common import environment, write_results
from bench_rosenbrock import M_CHI_SECLUDED, SECLUDED, two_temperature_points

REFERENCE = dict(rtol=1e-9, atol=1e-11, max_steps=200_000)


def make_model(alpha_D, epsilon, m_chi=M_CHI_SECLUDED):
    return SECLUDED.point(m_chi, alpha_D, epsilon)


def vmapped(config, m_chi=M_CHI_SECLUDED):
    """jit(vmap) of the solve over (alpha_D, epsilon) columns -> (omega_h2, num_steps, status)."""
    def one(a, e):
        s = solve_mod.solve_unchecked(make_model(a, e, m_chi), config)
        return s.omega_h2, s.num_steps, s.status
    return jax.jit(jax.vmap(one))


def vmap_entry(fn, a, e, ref_omega, repeats):
    """The ``vmap`` measurements of one integrator on one point set."""
    (omega, steps, status), first, best = timed(fn, a, e, repeats=repeats)
    err = np.abs(omega / ref_omega - 1.0)
    return omega, steps, dict(
        compile_s=round(first - best, 1), ms_per_point=round(1e3 * best / len(omega), 2),
        steps_median=float(np.median(steps)), steps_max=int(steps.max()), steps_sum=int(steps.sum()),
        n_failed=int((status != 0).sum()), omega_err_max=float(np.nanmax(err)),
        omega_err_median=float(np.nanmedian(err)), omega_err_p90=float(np.nanpercentile(err, 90)))


def timed(fn, *args, repeats=1):
    """(outputs as numpy, first-call seconds, best of ``repeats`` later calls)."""
    start = time.perf_counter()
    out = jax.block_until_ready(fn(*args))
    first = time.perf_counter() - start
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - start)
    return jax.tree_util.tree_map(np.asarray, out), first, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--low-mass", type=float, default=0.3, help="m_chi [GeV] of the accuracy grid")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    now = datetime.datetime.now(datetime.timezone.utc)
    record = environment(now)

    a, e, a_stiff, e_stiff = two_temperature_points(8)
    a, e = jnp.asarray(a), jnp.asarray(e)
    n_stiff = len(a_stiff)
    reference_config = solve_mod.two_temperature_config(integrator="kvaerno5", **REFERENCE)
    reference, _, _ = timed(vmapped(reference_config), a, e, repeats=0)
    ref_omega = reference[0]
    a_low, e_low = (jnp.asarray(v.ravel()) for v in np.meshgrid(
        np.geomspace(*SECLUDED.default_alpha_range(args.low_mass), 8), np.geomspace(1e-13, 0.1, 8), indexing="ij"))
    ref_low = timed(vmapped(reference_config, args.low_mass), a_low, e_low, repeats=0)[0][0]

    results = {}
    for integrator in ("kvaerno5", "kvaerno5_chord"):
        config = solve_mod.two_temperature_config(integrator=integrator)
        fn = vmapped(config)
        omega, steps, entry_vmap = vmap_entry(fn, a, e, ref_omega, args.repeats)
        entry = dict(vmap=entry_vmap)
        entry["vmap_low_mass"] = vmap_entry(vmapped(config, args.low_mass), a_low, e_low, ref_low, args.repeats)[2]
        queue = jax.jit(lambda cols: lanes.solve_queue(make_model, cols, config, args.lanes))
        cols = dict(alpha_D=a, epsilon=e)
        out, q_first, q_best = timed(queue, cols, repeats=args.repeats)
        entry["lanes"] = dict(n_lanes=args.lanes, compile_s=round(q_first - q_best, 1),
                              ms_per_point=round(1e3 * q_best / len(omega), 2),
                              n_failed=int((out["status"] != 0).sum()),
                              max_rel_diff_vs_vmap=float(np.nanmax(np.abs(out["omega_h2"] / omega - 1.0))))
        alone_omega, alone_steps = [], []
        for i in range(len(omega) - n_stiff, len(omega)):
            (o, s, _), _, _ = timed(fn, a[i:i + 1], e[i:i + 1], repeats=0)
            alone_omega.append(o[0])
            alone_steps.append(s[0])
        stiff = slice(len(omega) - n_stiff, len(omega))
        entry["alone"] = dict(n_points=n_stiff,
                              max_rel_diff_vs_batch=float(np.max(np.abs(np.array(alone_omega) / omega[stiff] - 1.0))),
                              n_steps_changed=int(np.sum(np.array(alone_steps) != steps[stiff])))
        results[integrator] = entry
        print(integrator, entry, flush=True)

    record.update(benchmark="bench_esdirk",
                  parameters=dict(points="bench_rosenbrock.two_temperature_points(8): 64 grid + 12 stiff",
                                  m_chi_GeV=M_CHI_SECLUDED, family="secluded ratio 10",
                                  config="solve.two_temperature_config()", reference=REFERENCE,
                                  low_mass_GeV=args.low_mass,
                                  low_mass_points="8 x 8: default_alpha_range x epsilon 1e-13..0.1",
                                  chord_iterations=esdirk.NUM_ITERATIONS, lanes=args.lanes, repeats=args.repeats),
                  results=results)
    if not args.no_save:
        write_results("bench_esdirk", now, record)


if __name__ == "__main__":
    main()
