"""Benchmark: cost and accuracy of the thermalized rate table, shared-node rule vs per-temperature rule.

The thermalized fast path tabulates ln sigma_v_eff and ln sigma_v_E_eff at the 96 nodes of
``SolverConfig().table_ln_x()`` (x = 0.67 .. 2.25e4) once per parameter point.
``thermal.rate_table`` integrates all of them on one quadrature rule in w = (sqrt(s) - 2 m) / m
(sigma(s) once per node of that rule); the alternative, measured in the same run, is the
per-temperature rule of ``thermal.sigma_v_eff`` / ``sigma_v_E_eff`` (the exact path's
quadrature) at each of the 96 nodes, in a ``lax.map`` over the nodes as the former table did.

Points: BC2 Dirac, alpha_D = 0.1, m_A = 3 m_chi, m_chi log-spaced 1 MeV - 2 GeV, epsilon
1e-7 - 1e-3 (the points of ``bench_scaling.py``), one ``jit(vmap(...))`` over ``--n`` points;
time per point = best of ``--repeats`` calls / n (after a compiling call). Accuracy: on every
8th point, max |ln rate - ln rate_refined| against the shared rule refined to 12 panels per
decade and 16 Gauss nodes, over all nodes and over 3 <= x <= 1000 (freeze-out).

Usage: ``python benchmarks/bench_rate_table.py [--n 512] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import time

from _common import environment, write_results

ALPHA_D = 0.1
RATIO = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=512, help="parameter points in one vmap")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per method")
    parser.add_argument("--no-save", action="store_true", help="print only, write no JSON file")
    args = parser.parse_args()

    import jax
    import jax.numpy as jnp
    import numpy as np

    import qedm_jax  # noqa: F401  (enables float64)
    from qedm_jax import solve, thermal
    from qedm_jax.models import BC2

    now = datetime.datetime.now(datetime.timezone.utc)
    ln_x = solve.SolverConfig().table_ln_x()
    x = np.exp(ln_x)
    m_chi = np.geomspace(1e-3, 2.0, args.n)
    epsilon = np.random.default_rng(0).permutation(np.geomspace(1e-7, 1e-3, args.n))

    def model(m, e):
        return BC2(m_chi=m, m_A=RATIO * m, alpha_D=ALPHA_D, epsilon=e, species="dirac")

    def per_temperature(m, e):
        point = model(m, e)

        def one(temperature):
            rates = jnp.stack([thermal.sigma_v_eff(point, temperature), thermal.sigma_v_E_eff(point, temperature)])
            return jnp.log(jnp.maximum(rates, 1e-300))

        return jax.lax.map(one, point.m_chi / jnp.exp(jnp.asarray(ln_x)))

    methods = {
        "shared_node_table": lambda m, e: thermal.rate_table(model(m, e), ln_x).logs[1:-1, :2],
        "per_temperature_rule": per_temperature,
    }
    refined = jax.jit(jax.vmap(lambda m, e: thermal._shared_node_logs(model(m, e), ln_x, False, 12, 16)[:, :2]))
    sample = slice(None, None, 8)
    reference = np.asarray(refined(jnp.asarray(m_chi[sample]), jnp.asarray(epsilon[sample])))
    freeze_out = (x >= 3.0) & (x <= 1000.0)
    finite = reference > np.log(1e-250)

    rows = []
    for name, fn in methods.items():
        batched = jax.jit(jax.vmap(fn))
        tic = time.perf_counter()
        logs = np.asarray(batched(jnp.asarray(m_chi), jnp.asarray(epsilon)))
        compile_s = time.perf_counter() - tic
        times = []
        for _ in range(args.repeats):
            tic = time.perf_counter()
            batched(jnp.asarray(m_chi), jnp.asarray(epsilon)).block_until_ready()
            times.append(time.perf_counter() - tic)
        error = np.abs(logs[sample] - reference)
        row = {
            "name": name,
            "n_points": args.n,
            "ms_per_point": round(1e3 * min(times) / args.n, 4),
            "compile_plus_first_call_s": round(compile_s, 2),
            "max_abs_dln_rate_all_x": float(np.max(np.where(finite, error, 0.0))),
            "max_abs_dln_rate_3_to_1000": float(np.max(np.where(finite & freeze_out[None, :, None], error, 0.0))),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    base = rows[1]["ms_per_point"]
    for row in rows:
        row["speed_up_vs_per_temperature_rule"] = round(base / row["ms_per_point"], 2)
    record = {
        **environment(now),
        "parameters": {"species": "dirac", "alpha_D": ALPHA_D, "m_A_over_m_chi": RATIO, "n_table": len(ln_x),
                       "m_chi_GeV": [1e-3, 2.0], "epsilon": [1e-7, 1e-3], "repeats": args.repeats,
                       "accuracy_reference": "shared rule, 12 panels per decade, 16 Gauss nodes, every 8th point"},
        "results": rows,
    }
    if not args.no_save:
        write_results("bench_rate_table", now, record)


if __name__ == "__main__":
    main()
