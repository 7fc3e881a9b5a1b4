"""Benchmark: Kvaerno5 with a fixed-k Newton (``qedm_jax.newton.FixedNewton``, k = 2, 3, 4) against
the current solver (``solve.ode_solver``: Kvaerno5 + ``optimistix.Newton`` thermalized, + ``FixedNewton`` with early
exit two-temperature since issue 12), same run.

All variants integrate the same Boltzmann system (``solve.vector_field``, fast rate tables,
``solve.initial_state``) with the same PID controller (``solve.ode_solver(config)[1]``), dt0 and
max_steps; only the root finder of the implicit stages differs. The current solver is
``solve.solve_unchecked`` itself (via ``bench_rosenbrock.solve_kvaerno``).

Problems (point sets of ``benchmarks/bench_rosenbrock.py``, imported), each one
``jax.jit(jax.vmap(...))`` over its points:
1. thermalized: BC2 Dirac, m_chi in {0.01, 0.1, 1} GeV x epsilon in {3e-5, 3e-4}, default
   ``SolverConfig``; reference: the current solver at rtol 1e-9, atol 1e-11.
2. two-temperature: secluded Dirac at m_chi = 10 GeV, the ``--n`` x ``--n`` grid plus the 12 stiff
   points, ``solve.two_temperature_config()``; reference on the stiff block: Rodas5P at rtol 1e-8
   (read from the newest ``results/bench_rosenbrock_*.json`` when it holds those points, else
   recomputed).

Per variant and problem: compile time (``jit(...).lower(...).compile()``), run time per point of one
call after compile (``block_until_ready``), steps (median/max), failures (status != 0), Omega h^2
error against the reference, and batch invariance of one probe point (the converged point with the
most steps of the current solver): (a) "alone": a batch of identical copies of the probe (no other
point shares it); (b) "other batch": the probe with different batchmates (the other points replaced
by the thermalized/grid points in reverse order, so every other lane changes); compared with the
main batch: status and steps identical? |Omega/Omega_main - 1|.

Prints one JSON line per problem; writes ``results/bench_fixed_newton_<device>_<date>.json``.

``--early-exit``: k is a cap on the iterations with the current solver's early exit (variants
``cap_k<k>``), i.e. the two-temperature default with ``solve.NEWTON_MAX_ITERATIONS`` = 10 replaced
by k; written to ``results/bench_fixed_newton_early_exit_<device>_<date>.json``.

Usage: ``python benchmarks/bench_fixed_newton.py [--n 8] [--ks 2,3,4] [--kappa 0.05] [--early-exit] [--no-save]``
"""

from __future__ import annotations

import argparse
import datetime
import glob
import hashlib
import json
import math
import pathlib
import time

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from qedm_jax import newton, thermal
from qedm_jax import solve as solve_mod

from _common import RESULTS, environment, write_results
from bench_rosenbrock import (ALPHA_RANGE, BC2, BC2_ALPHA_D, EPSILON_RANGE, M_CHI_SECLUDED, REFERENCE_ATOL,
                              REFERENCE_RTOL, SECLUDED, STIFF_ALPHA, STIFF_EPSILON, _call, solve_kvaerno,
                              solve_rodas, two_temperature_points)

#: thermalized reference tolerances (the current solver, tightened)
THERMALIZED_REFERENCE_RTOL, THERMALIZED_REFERENCE_ATOL = 1e-9, 1e-11


def solve_fixed(model, config: solve_mod.SolverConfig, num_iterations: int, kappa: float, rtol=None, atol=None,
                early_exit: bool = False):
    """``solve.solve_unchecked`` (end point only) with ``newton.kvaerno5_fixed_newton``; returns
    (Omega h^2 (NaN on failure), steps, status 0/1)."""
    table = thermal.rate_table(model, config.table_ln_x(), with_hs=True)
    solver, controller = newton.kvaerno5_fixed_newton(config, num_iterations, kappa, early_exit=early_exit)
    solution = diffrax.diffeqsolve(
        diffrax.ODETerm(solve_mod.vector_field), solver, t0=math.log(config.x0), t1=math.log(config.x_end),
        dt0=solve_mod.DT0, y0=solve_mod.initial_state(model, config),
        args=(model, table, solve_mod.system_options(config)), saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=controller, max_steps=config.max_steps, throw=False)
    omega_h2 = solve_mod.omega_h2_of(model.m_chi, jnp.exp(solution.ys[-1, 1]))
    ok = (solution.result == diffrax.RESULTS.successful) & jnp.isfinite(omega_h2)
    return jnp.where(ok, omega_h2, jnp.nan), solution.stats["num_steps"], jnp.where(ok, 0, 1)


def _compile(solver, make_model, config, columns):
    fn = jax.jit(jax.vmap(lambda a, b: solver(make_model(a, b), config)))
    start = time.perf_counter()
    compiled = fn.lower(*columns).compile()
    return compiled, time.perf_counter() - start


def bench_problem(name, make_model, config, columns, variants, reference, other_columns):
    """Every variant on one batch: compile and run time, steps, failures, errors, batch invariance."""
    n = len(columns[0])
    columns = [jnp.asarray(c, dtype=float) for c in columns]
    other_columns = [jnp.asarray(c, dtype=float) for c in other_columns]
    out = {"name": name, "n_points": n, "config": {"rtol": config.rtol, "atol": config.atol,
                                                     "max_steps": config.max_steps, "thermalized": config.thermalized}}
    probe = None
    for label, solver in variants.items():
        fn, compile_s = _compile(solver, make_model, config, columns)
        (omega, steps, status), run_s = _call(fn, columns)
        ok = status == 0
        if probe is None:  # the current solver's converged point with the most steps
            probe = int(np.flatnonzero(ok)[np.argmax(steps[ok])])
            out["probe_point"] = [float(columns[0][probe]), float(columns[1][probe])]
        ref_idx, ref_omega = reference
        err = np.abs(omega[ref_idx] / ref_omega - 1.0)
        alone_cols = [jnp.full((n,), c[probe]) for c in columns]
        other = [c.at[probe].set(c0[probe]) for c, c0 in zip(other_columns, columns)]
        (omega_a, steps_a, status_a), _ = _call(fn, alone_cols)
        (omega_o, steps_o, status_o), _ = _call(fn, other)
        rel = lambda v: None if not (np.isfinite(v) and np.isfinite(omega[probe])) else float(abs(v / omega[probe] - 1))  # noqa: E731
        out[label] = {
            "compile_s": round(compile_s, 2), "run_s": round(run_s, 3), "ms_per_point": round(1e3 * run_s / n, 2),
            "steps_median": float(np.median(steps)), "steps_max": int(steps.max()),
            "steps_median_converged": float(np.median(steps[ok])) if ok.any() else None,
            "n_failed": int(np.sum(~ok)),
            "failed_points": [[float(columns[0][i]), float(columns[1][i])] for i in np.flatnonzero(~ok)],
            "rel_err_vs_reference_median": float(np.nanmedian(err)) if np.isfinite(err).any() else None,
            "rel_err_vs_reference_max": float(np.nanmax(err)) if np.isfinite(err).any() else None,
            "n_reference_failed": int(np.sum(~np.isfinite(err))),
            "invariance": {
                "alone": {"same_status": bool(status_a[0] == status[probe]), "steps": int(steps_a[0]),
                          "steps_main": int(steps[probe]), "rel_diff_omega": rel(omega_a[0])},
                "other_batch": {"same_status": bool(status_o[probe] == status[probe]), "steps": int(steps_o[probe]),
                                "rel_diff_omega": rel(omega_o[probe])},
            },
        }
        print(f"# {name} {label}: {json.dumps(out[label])}", flush=True)
    return out


def _stored_reference(a_stiff, e_stiff):
    """Rodas5P rtol 1e-8 Omega h^2 of the stiff block from the newest bench_rosenbrock result, or None."""
    for path in sorted(glob.glob(str(RESULTS / "bench_rosenbrock_*.json")), reverse=True):
        for problem in json.loads(pathlib.Path(path).read_text()).get("results", []):
            acc = problem.get("stiff_block_accuracy")
            if acc and acc["reference"]["rtol"] == REFERENCE_RTOL and np.allclose(
                    np.asarray(acc["points"]), np.stack([a_stiff, e_stiff], axis=1), rtol=1e-12):
                return np.asarray(acc["reference"]["omega_h2"]), path
    return None, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="two-temperature grid points per axis")
    parser.add_argument("--ks", default="2,3,4", help="Newton iteration counts to compare")
    parser.add_argument("--kappa", type=float, default=newton.KAPPA, help="FixedNewton convergence factor")
    parser.add_argument("--skip-two-temperature", action="store_true")
    parser.add_argument("--early-exit", action="store_true",
                        help="k is a cap with early exit (variants cap_k<k>; results/bench_fixed_newton_early_exit_*)")
    parser.add_argument("--no-save", action="store_true", help="print only, write no files")
    args = parser.parse_args()
    ks = [int(k) for k in args.ks.split(",")]
    now = datetime.datetime.now(datetime.timezone.utc)
    env = environment(now)
    env["newton_sha256"] = hashlib.sha256(pathlib.Path(newton.__file__).read_bytes()).hexdigest()
    variants = {"current": solve_kvaerno}
    for k in ks:
        name = f"cap_k{k}" if args.early_exit else f"fixed_k{k}"
        variants[name] = (lambda k: lambda m, c: solve_fixed(m, c, k, args.kappa, early_exit=args.early_exit))(k)

    # 1. thermalized BC2 (bench_rosenbrock's six points); reference: current solver at rtol 1e-9
    make_bc2 = lambda m, e: BC2.point(m, BC2_ALPHA_D, e)  # noqa: E731
    m_chi, epsilon = np.repeat([0.01, 0.1, 1.0], 2), np.tile([3e-5, 3e-4], 3)
    tight = solve_mod.SolverConfig(rtol=THERMALIZED_REFERENCE_RTOL, atol=THERMALIZED_REFERENCE_ATOL, max_steps=65536)
    ref_fn = jax.jit(jax.vmap(lambda a, b: solve_kvaerno(make_bc2(a, b), tight)))
    (omega_ref, _, _), _ = _call(ref_fn, [jnp.asarray(m_chi), jnp.asarray(epsilon)])
    other = [m_chi[::-1], epsilon[::-1] * 1.7]
    thermalized = bench_problem("thermalized_bc2", make_bc2, solve_mod.SolverConfig(), [m_chi, epsilon], variants,
                                (np.arange(6), omega_ref), other)
    thermalized["reference"] = {"solver": "current", "rtol": THERMALIZED_REFERENCE_RTOL,
                                "atol": THERMALIZED_REFERENCE_ATOL, "omega_h2": omega_ref.tolist()}
    print(json.dumps(thermalized), flush=True)
    results = [thermalized]

    if not args.skip_two_temperature:
        make_secluded = lambda a, e: SECLUDED.point(M_CHI_SECLUDED, a, e)  # noqa: E731
        alpha_d, epsilon, a_stiff, e_stiff = two_temperature_points(args.n)
        ref_omega, ref_source = _stored_reference(a_stiff, e_stiff)
        if ref_omega is None:
            config = solve_mod.two_temperature_config(max_steps=65536)
            rodas = jax.jit(jax.vmap(lambda a, e: solve_rodas(make_secluded(a, e), config, rtol=REFERENCE_RTOL,
                                                              atol=REFERENCE_ATOL)))
            (ref_omega, _, _), _ = _call(rodas, [jnp.asarray(a_stiff), jnp.asarray(e_stiff)])
            ref_source = "recomputed"
        n_grid = alpha_d.size - a_stiff.size  # the grid comes first, then the stiff points
        # other batchmates: the grid shifted by half a cell in log space, in reverse order
        shift = lambda lo_hi, v: v * (lo_hi[1] / lo_hi[0]) ** (0.5 / max(args.n - 1, 1))  # noqa: E731
        other = [shift(ALPHA_RANGE, alpha_d[::-1]), shift(EPSILON_RANGE, epsilon[::-1])]
        two_temperature = bench_problem(
            "two_temperature_secluded", make_secluded, solve_mod.two_temperature_config(), [alpha_d, epsilon],
            variants, (np.arange(n_grid, n_grid + len(a_stiff)), ref_omega), other)
        two_temperature["reference"] = {"solver": "rodas5p", "rtol": REFERENCE_RTOL, "atol": REFERENCE_ATOL,
                                        "source": ref_source, "points": "the 12 stiff points",
                                        "omega_h2": [float(v) for v in ref_omega]}
        print(json.dumps(two_temperature), flush=True)
        results.append(two_temperature)

    if not args.no_save:
        write_results("bench_fixed_newton_early_exit" if args.early_exit else "bench_fixed_newton", now, {
            **env,
            "parameters": {"n": args.n, "ks": ks, "kappa": args.kappa, "early_exit": args.early_exit,
                           "thermalized": {"family": "bc2 dirac ratio 3", "alpha_D": BC2_ALPHA_D,
                                           "columns": "m_chi, epsilon"},
                           "two_temperature": {"family": "secluded ratio 10", "m_chi_GeV": M_CHI_SECLUDED,
                                               "alpha_D_range": ALPHA_RANGE, "epsilon_range": EPSILON_RANGE,
                                               "stiff_alpha_D": STIFF_ALPHA, "stiff_epsilon": STIFF_EPSILON,
                                               "columns": "alpha_D, epsilon"}},
            "results": results})


if __name__ == "__main__":
    main()
