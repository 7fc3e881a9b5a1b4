"""Benchmark: Rodas5P (``qedm_jax.rosenbrock``) against Kvaerno5 (``solve.ode_solver``), same run.

Both solvers integrate the same Boltzmann system (``solve.vector_field``, fast rate tables,
``solve.initial_state``) with the same PID controller (``solve.ode_solver(config)[1]``: same
rtol, atol, pcoeff, icoeff), dt0 and max_steps; only the solver differs. Kvaerno5 is
``solve.solve_unchecked`` itself; Rodas5P is the same diffeqsolve call with ``Rodas5P()``.

Problems, each one ``jax.jit(jax.vmap(...))`` over its points:
1. thermalized: BC2 Dirac (``make_family("bc2")``, m_A = 3 m_chi, alpha_D = 0.5),
   m_chi in {0.01, 0.1, 1} GeV x epsilon in {3e-5, 3e-4}, default ``SolverConfig``.
2. two-temperature: secluded Dirac (``make_family("secluded")``, m_ZD = m_chi / 10) at
   m_chi = 10 GeV, a ``--n`` x ``--n`` grid alpha_D 1e-6..1e-2 x epsilon 1e-12..1e-3
   (log-spaced) plus the stiff block alpha_D in {1e-4, 2e-4, 3.5e-4, 5e-4} x epsilon in
   {2.4e-7, 5e-7, 1e-6}; ``solve.two_temperature_config()`` (rtol 1e-5, 8192 steps).

Per solver and problem: compile time (first call minus run time), run time per point (the
minimum over a call with the points in a random order and ``--repeats`` calls in the original
order, after ``block_until_ready``), steps (median/max, all points and converged points),
failures (status != 0: max_steps or solver failure), and batch invariance: the permuted call's
Omega h^2 and steps against the first call's, and ``--alone`` points (the most Kvaerno5 steps
among the points both solvers converge) each "alone", as a batch of identical copies (no other
point shares the batch; reuses the compiled batch). Between the solvers: the relative Omega h^2
difference (points where both converge) and the step ratio. On the stiff block (12 points): a
reference Omega h^2 from Rodas5P at rtol 1e-8 (it converges to scipy Radau: at alpha_D = 1e-4,
epsilon = 1e-6 Rodas5P at rtol 1e-8 / 1e-10 is 2e-6 / 2e-8 from Radau at rtol 1e-10), and the
error, steps and run time of Kvaerno5 (production tolerances), Rodas5P (production) and
Rodas5P at rtol 1e-6 (which matches Kvaerno5's accuracy there). ``rosenbrock_sha256`` records
the solver source (``_common.git_commit`` looks for changes under ``benchmarks/qedm_jax`` and
never reports "+dirty").

Prints one JSON line per problem and writes all of them with the environment to
``benchmarks/results/bench_rosenbrock_<device>_<date>.json``.

Usage: ``python benchmarks/bench_rosenbrock.py [--n 8] [--repeats 0] [--alone 1] [--no-reference]
[--scan-stages] [--no-save]``
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import math
import pathlib
import time

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import qedm_jax
from qedm_jax import solve as solve_mod
from qedm_jax import thermal
from qedm_jax import rosenbrock
from qedm_jax.rosenbrock import Rodas5P

from _common import environment, write_results

BC2 = qedm_jax.make_family("bc2", species="dirac", ratio=3.0)
BC2_ALPHA_D = 0.5
SECLUDED = qedm_jax.make_family("secluded", ratio=10.0)
M_CHI_SECLUDED = 10.0  # GeV
ALPHA_RANGE = (1e-6, 1e-2)
EPSILON_RANGE = (1e-12, 1e-3)
STIFF_ALPHA = (1e-4, 2e-4, 3.5e-4, 5e-4)
STIFF_EPSILON = (2.4e-7, 5e-7, 1e-6)
SEED = 0
#: Omega h^2 reference of the stiff block: Rodas5P at these settings (converges to Radau: see the module doc)
REFERENCE_RTOL = 1e-8
REFERENCE_ATOL = 1e-10
REFERENCE_MAX_STEPS = 65536
#: Rodas5P rtol (atol = rtol / 100) whose Omega h^2 error on the stiff block matches Kvaerno5's at rtol 1e-5
MATCHED_RTOL = 1e-6


def solve_rodas(model, config: solve_mod.SolverConfig, scan_stages: bool = False, rtol=None, atol=None):
    """``solve.solve_unchecked`` with Rodas5P in place of Kvaerno5 (end point only); ``rtol``/``atol``
    (may be traced: one compilation for several tolerances) replace the config's PID tolerances."""
    table = thermal.rate_table(model, config.table_ln_x(), with_hs=True)
    _, controller = solve_mod.ode_solver(config)
    if rtol is not None:
        controller = eqx.tree_at(lambda c: (c.rtol, c.atol), controller, (rtol, atol))
    solution = diffrax.diffeqsolve(
        diffrax.ODETerm(solve_mod.vector_field), Rodas5P(scan_stages=scan_stages), t0=math.log(config.x0),
        t1=math.log(config.x_end), dt0=solve_mod.DT0, y0=solve_mod.initial_state(model, config),
        args=(model, table, solve_mod.system_options(config)), saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=controller, max_steps=config.max_steps, throw=False)
    omega_h2 = solve_mod.omega_h2_of(model.m_chi, jnp.exp(solution.ys[-1, 1]))
    ok = (solution.result == diffrax.RESULTS.successful) & jnp.isfinite(omega_h2)
    return jnp.where(ok, omega_h2, jnp.nan), solution.stats["num_steps"], jnp.where(ok, 0, 1)


def solve_kvaerno(model, config: solve_mod.SolverConfig):
    """The current solver: ``solve.solve_unchecked`` (Kvaerno5)."""
    solution = solve_mod.solve_unchecked(model, config)
    return solution.omega_h2, solution.num_steps, solution.status


SOLVERS = {"kvaerno5": solve_kvaerno, "rodas5p": solve_rodas}


def batched(solver, make_model, config):
    """jit(vmap) of one solver over columns (a, b) of the point parameters."""
    return jax.jit(jax.vmap(lambda a, b: solver(make_model(a, b), config)))


def _max_rel(a, b):
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[both] / b[both] - 1.0))) if both.any() else None


def two_temperature_points(n: int):
    """The two-temperature point set: an n x n log grid over ALPHA_RANGE x EPSILON_RANGE
    followed by the STIFF_ALPHA x STIFF_EPSILON points. Returns (alpha_D, epsilon) of all
    points, shape (n^2 + n_stiff,) each, and (alpha_D, epsilon) of the stiff ones."""
    a_grid, e_grid = np.meshgrid(np.geomspace(*ALPHA_RANGE, n), np.geomspace(*EPSILON_RANGE, n), indexing="ij")
    a_stiff, e_stiff = (v.ravel() for v in np.meshgrid(STIFF_ALPHA, STIFF_EPSILON, indexing="ij"))
    return np.concatenate([a_grid.ravel(), a_stiff]), np.concatenate([e_grid.ravel(), e_stiff]), a_stiff, e_stiff


def _call(fn, columns):
    start = time.perf_counter()
    out = jax.block_until_ready(fn(*columns))
    return [np.asarray(v) for v in out], time.perf_counter() - start


def bench_problem(name, make_model, config, columns, repeats, n_alone, rng):
    """Both solvers on one batch of points: timings, steps, Omega differences, batch invariance."""
    n = len(columns[0])
    columns = [jnp.asarray(c, dtype=float) for c in columns]
    perm = rng.permutation(n)
    inverse = np.argsort(perm)
    out = {"name": name, "n_points": n, "config": {"rtol": config.rtol, "atol": config.atol,
                                                     "max_steps": config.max_steps, "x0": config.x0,
                                                     "x_end": config.x_end, "thermalized": config.thermalized}}
    fns, results = {}, {}
    for label, solver in SOLVERS.items():
        fns[label] = fn = batched(solver, make_model, config)
        (omega, steps, status), first = _call(fn, columns)  # compile + run
        # the same points in a random order: timed (same compiled code, same work) and compared
        (omega_p, steps_p, _), run_s = _call(fn, [c[perm] for c in columns])
        times = [run_s] + [_call(fn, columns)[1] for _ in range(repeats)]
        run_s = min(times)
        omega_p, steps_p = omega_p[inverse], steps_p[inverse]
        results[label] = (omega, steps, status)
        ok = status == 0
        out[label] = {
            "compile_s": round(first - run_s, 2),
            "run_s": round(run_s, 3),
            "run_s_all": [round(t, 3) for t in times],
            "ms_per_point": round(1e3 * run_s / n, 3),
            "steps_median": float(np.median(steps)),
            "steps_max": int(steps.max()),
            "steps_median_converged": float(np.median(steps[ok])) if ok.any() else None,
            "steps_max_converged": int(steps[ok].max()) if ok.any() else None,
            "steps_sum": int(steps.sum()),
            "n_failed": int(np.sum(~ok)),
            "failed_points": [[float(columns[0][i]), float(columns[1][i])] for i in np.flatnonzero(~ok)],
            "permuted_max_rel_diff_omega": _max_rel(omega_p, omega),
            "permuted_n_steps_changed": int(np.sum(steps_p != steps)),
        }
        print(f"# {name} {label}: {json.dumps(out[label])}", flush=True)
    (omega_k, steps_k, status_k), (omega_r, steps_r, status_r) = results["kvaerno5"], results["rodas5p"]
    both = (status_k == 0) & (status_r == 0)
    # "alone": the points with the most Kvaerno5 steps among those both solvers converge, each as a batch
    # of n identical copies (no other point shares the batch; the compiled batch is reused)
    alone = np.flatnonzero(both)[np.argsort(-steps_k[both])[:n_alone]]
    out["alone_points"] = [[float(columns[0][i]), float(columns[1][i])] for i in alone]
    for label, fn in fns.items():
        omega, steps, _ = results[label]
        diffs, changed = [], 0
        for i in alone:
            (omega_a, steps_a, _), _ = _call(fn, [jnp.full((n,), c[i]) for c in columns])
            diffs.append(abs(float(omega_a[0] / omega[i]) - 1.0))
            changed += int(steps_a[0] != steps[i])
        out[label]["alone_max_rel_diff_omega"] = max(diffs, default=None)
        out[label]["alone_n_steps_changed"] = changed
    rel = omega_r[both] / omega_k[both] - 1.0
    worst = np.flatnonzero(both)[np.argsort(-np.abs(rel))[:5]]
    out["omega_rel_diff_rodas_vs_kvaerno"] = {
        "n_both_converged": int(both.sum()),
        "median_abs": float(np.median(np.abs(rel))) if rel.size else None,
        "max_abs": float(np.max(np.abs(rel))) if rel.size else None,
        "worst_points": [{"a": float(columns[0][i]), "b": float(columns[1][i]),
                          "rel_diff": float(omega_r[i] / omega_k[i] - 1),
                          "steps_kvaerno5": int(steps_k[i]), "steps_rodas5p": int(steps_r[i])} for i in worst],
    }
    ratio = steps_r[both] / steps_k[both]
    out["steps_ratio_rodas_over_kvaerno_converged"] = {"median": float(np.median(ratio)), "max": float(np.max(ratio))}
    return out, omega_k, omega_r


def accuracy(make_model, config, columns):
    """On a few points: an Omega h^2 reference (Rodas5P at ``REFERENCE_RTOL``), and the error, steps and
    run time of Kvaerno5 at the production tolerances and of Rodas5P at the production and the
    ``MATCHED_RTOL`` tolerances (the latter matches Kvaerno5's accuracy)."""
    columns = [jnp.asarray(c, dtype=float) for c in columns]
    tight = solve_mod.two_temperature_config(max_steps=REFERENCE_MAX_STEPS)
    rodas = jax.jit(jax.vmap(lambda a, b, rtol, atol: solve_rodas(make_model(a, b), tight, rtol=rtol, atol=atol),
                             in_axes=(0, 0, None, None)))
    kvaerno = batched(solve_kvaerno, make_model, config)
    (omega_ref, steps_ref, _), first = _call(rodas, columns + [REFERENCE_RTOL, REFERENCE_ATOL])
    runs = {}
    for label, fn, extra in (("kvaerno5", kvaerno, []), ("rodas5p", rodas, [config.rtol, config.atol]),
                             (f"rodas5p_rtol_{MATCHED_RTOL:g}", rodas, [MATCHED_RTOL, MATCHED_RTOL * 1e-2])):
        if fn is kvaerno:
            _call(fn, columns + extra)  # compile at this batch size
        (omega, steps, *_), run_s = _call(fn, columns + extra)
        err = np.abs(omega / omega_ref - 1.0)
        runs[label] = {"run_s": round(run_s, 3), "steps_median": float(np.median(steps)), "steps_max": int(steps.max()),
                       "rel_err_median": float(np.nanmedian(err)), "rel_err_max": float(np.nanmax(err)),
                       "rel_err": [float(v) for v in omega / omega_ref - 1.0]}
    return {"points": [[float(a), float(b)] for a, b in zip(*columns)],
            "reference": {"solver": "rodas5p", "rtol": REFERENCE_RTOL, "atol": REFERENCE_ATOL,
                          "max_steps": REFERENCE_MAX_STEPS, "first_call_s": round(first, 2),
                          "steps": [int(v) for v in steps_ref], "omega_h2": [float(v) for v in omega_ref]},
            "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="two-temperature grid points per axis")
    parser.add_argument("--repeats", type=int, default=0,
                        help="timed calls in the original order (besides the timed permuted-order call)")
    parser.add_argument("--alone", type=int, default=1, help="points re-solved alone per problem and solver")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the accuracy comparison on the stiff block (reference: Rodas5P at rtol 1e-8)")
    parser.add_argument("--scan-stages", action="store_true",
                        help="Rodas5P(scan_stages=True) (default: unrolled)")
    parser.add_argument("--no-save", action="store_true", help="print only, write no files")
    args = parser.parse_args()
    if args.scan_stages:
        SOLVERS["rodas5p"] = functools.partial(solve_rodas, scan_stages=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    env = environment(now)
    env["rosenbrock_sha256"] = hashlib.sha256(pathlib.Path(rosenbrock.__file__).read_bytes()).hexdigest()
    rng = np.random.default_rng(SEED)

    m_chi = np.repeat([0.01, 0.1, 1.0], 2)
    epsilon = np.tile([3e-5, 3e-4], 3)
    thermalized, _, _ = bench_problem(
        "thermalized_bc2", lambda m, e: BC2.point(m, BC2_ALPHA_D, e), solve_mod.SolverConfig(),
        [m_chi, epsilon], args.repeats, args.alone, rng)
    print(json.dumps(thermalized), flush=True)

    make_secluded = lambda a, e: SECLUDED.point(M_CHI_SECLUDED, a, e)  # noqa: E731
    alpha_d, epsilon, a_stiff, e_stiff = two_temperature_points(args.n)
    two_temperature, _, _ = bench_problem(
        "two_temperature_secluded", make_secluded, solve_mod.two_temperature_config(), [alpha_d, epsilon],
        args.repeats, args.alone, rng)
    if not args.no_reference:
        two_temperature["stiff_block_accuracy"] = accuracy(make_secluded, solve_mod.two_temperature_config(),
                                                           [a_stiff, e_stiff])
    print(json.dumps(two_temperature), flush=True)

    if not args.no_save:
        write_results("bench_rosenbrock", now, {
            **env,
            "parameters": {"n": args.n, "repeats": args.repeats, "alone": args.alone, "seed": SEED,
                           "rodas5p_scan_stages": args.scan_stages,
                           "thermalized": {"family": "bc2 dirac ratio 3", "alpha_D": BC2_ALPHA_D,
                                           "columns": "m_chi, epsilon"},
                           "two_temperature": {"family": "secluded ratio 10", "m_chi_GeV": M_CHI_SECLUDED,
                                               "alpha_D_range": ALPHA_RANGE, "epsilon_range": EPSILON_RANGE,
                                               "stiff_alpha_D": STIFF_ALPHA, "stiff_epsilon": STIFF_EPSILON,
                                               "columns": "alpha_D, epsilon"}},
            "results": [thermalized, two_temperature]})


if __name__ == "__main__":
    main()
