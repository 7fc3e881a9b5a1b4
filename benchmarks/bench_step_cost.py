"""Benchmark: where a two-temperature step spends its time (issue 12, item 3: "cheaper RHS").

A two-temperature grid point costs ~50-60 ms on 2 CPU cores at ~120-700 steps, i.e. ~0.1-0.5 ms
per step per point, while the right-hand side is a few dozen transcendental functions. This
script times, for a batch of ``--lanes`` points (vmapped, as the lane queue runs them), each
piece of one step of the default integrator (``solve.ode_solver``: Kvaerno5 with
``newton.FixedNewton``, PID controller) in a compiled ``lax.fori_loop`` of ``--repeats``
iterations (the state is nudged every iteration so nothing is hoisted):

* ``rhs``: ``boltzmann.vector_field`` (table interpolation, g_star, n_eq, B(T_hs), expm1 form);
* ``rhs_and_jacobian``: ``jax.jacfwd`` of it with the value (what each Newton iteration does);
* ``solver_step``: one Kvaerno5 step (6 implicit stages, up to 10 Newton iterations each, early
  exit) at a step size typical of the stiff region;
* ``queue_iteration``: ``solver_step`` plus the PID controller's ``adapt_step_size`` (one
  iteration of ``lanes.solve_queue`` without its bookkeeping);
* ``solver_step_newton_cap_k``: ``solver_step`` with the Newton loop capped at k iterations;
* ``rodas5p_step``: one step of ``rosenbrock.Rodas5P`` (one Jacobian, eight linear solves, no
  iteration) for comparison.

Points: secluded Dirac DM at m_chi = 10 GeV, m_ZD = 1 GeV on an (alpha_D, epsilon) grid through
freeze-in, the stiff block and secluded freeze-out; states taken from the trajectories of their
own solves at x = ``--x`` (default 20, around freeze-out). Reported: microseconds per lane per
call, and the step's cost in units of the right-hand side.

``--newton-iterations k1 k2 ...`` times ``solver_step`` once per cap k on the Newton loop of
every implicit stage (``solve.NEWTON_MAX_ITERATIONS`` = 10 is the default; early exit kept), in
the same run: how much of a step the Newton iterations are.

Usage: ``python benchmarks/bench_step_cost.py [--lanes 32] [--repeats 200] [--x 20] [--dt 0.01]
[--newton-iterations 2 10]``
"""

from __future__ import annotations

import argparse
import datetime
import math
import time

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

import qedm_jax  # noqa: F401  (float64)
from qedm_jax import solve as solve_mod
from qedm_jax import thermal
from qedm_jax.boltzmann import vector_field
from qedm_jax.newton import kvaerno5
from qedm_jax.rosenbrock import Rodas5P
from qedm_jax.models.secluded import SecludedDirac

from _common import environment, write_results

M_CHI, M_ZD = 10.0, 1.0  # GeV


def points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n (alpha_D, epsilon) pairs spread over freeze-in .. secluded freeze-out."""
    side = math.ceil(math.sqrt(n))
    a, e = np.meshgrid(np.geomspace(1e-5, 1e-2, side), np.geomspace(1e-9, 1e-5, side), indexing="ij")
    return a.ravel()[:n], e.ravel()[:n]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lanes", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--x", type=float, default=20.0, help="x = m_chi / T of the states")
    parser.add_argument("--dt", type=float, default=0.01, help="step in ln x of solver_step")
    parser.add_argument("--newton-iterations", type=int, nargs="+", default=[2, solve_mod.NEWTON_MAX_ITERATIONS],
                        help="caps of the Newton loop per implicit stage to time solver_step with")
    args = parser.parse_args(argv)
    now = datetime.datetime.now(datetime.timezone.utc)
    config = solve_mod.two_temperature_config(n_save=64)
    options = solve_mod.system_options(config)
    solver, controller = solve_mod.ode_solver(config)

    terms = diffrax.ODETerm(vector_field)
    alpha, epsilon = (jnp.asarray(v) for v in points(args.lanes))
    make = lambda a, e: SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=a, epsilon=e)  # noqa: E731

    @jax.jit
    def setup(alpha, epsilon):
        def one(a, e):
            model = make(a, e)
            table = thermal.rate_table(model, config.table_ln_x(), with_hs=True)
            solution = solve_mod.solve_unchecked(model, config)
            ln_x = jnp.log(solution.x)
            state = jnp.stack([jnp.interp(math.log(args.x), ln_x, jnp.log(solution.t_hs_over_t)),
                               jnp.interp(math.log(args.x), ln_x, jnp.log(solution.y))])
            return table, state, solution.status
        return jax.vmap(one)(alpha, epsilon)

    tables, states, status = setup(alpha, epsilon)
    tau = jnp.asarray(math.log(args.x))
    dt = args.dt
    error_order = solver.error_order(terms)

    def lane_args(a, e, table):
        return (make(a, e), table, options)

    def rhs(a, e, table, y):
        return vector_field(tau, y, lane_args(a, e, table))

    def rhs_and_jacobian(a, e, table, y):
        jac, value = jax.jacfwd(lambda v: (vector_field(tau, v, lane_args(a, e, table)),) * 2, has_aux=True)(y)
        return value + jac[:, 0] * 1e-30

    def solver_step_with(stepper):
        def solver_step(a, e, table, y):
            args_ = lane_args(a, e, table)
            state = stepper.init(terms, tau, tau + dt, y, args_)
            y1, *_ = stepper.step(terms, tau, tau + dt, y, args_, state, False)
            return y1
        return solver_step

    def queue_iteration(a, e, table, y):
        args_ = lane_args(a, e, table)
        tnext, ctrl = controller.init(terms, tau, tau + 1.0, y, dt, args_, solver.func, error_order)
        state = solver.init(terms, tau, tnext, y, args_)
        y1, y_error, _, _, _ = solver.step(terms, tau, tnext, y, args_, state, False)
        keep, _, t_next, _, _, _ = controller.adapt_step_size(tau, tnext, y, y1, args_, y_error, error_order, ctrl)
        return jnp.where(keep, y1, y) + 0.0 * t_next

    def timed(name, fn):
        batched = jax.vmap(fn)

        @jax.jit
        def loop(alpha, epsilon, tables, states):
            def body(i, acc):
                nudged = states + (i * 1e-13)  # a new state every iteration: nothing is hoisted
                return acc + batched(alpha, epsilon, tables, nudged)
            return jax.lax.fori_loop(0, args.repeats, body, jnp.zeros_like(states))

        start = time.perf_counter()
        jax.block_until_ready(loop(alpha, epsilon, tables, states))
        compile_s = time.perf_counter() - start
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            jax.block_until_ready(loop(alpha, epsilon, tables, states))
            runs.append(time.perf_counter() - start)
        per_lane_us = 1e6 * min(runs) / (args.repeats * args.lanes)
        print(f"# {name}: {per_lane_us:.2f} us per lane per call (compile {compile_s:.1f} s)", flush=True)
        return {"per_lane_us": round(per_lane_us, 3), "run_s_all": [round(r, 4) for r in runs],
                "compile_s": round(compile_s, 2)}

    pieces = [("rhs", rhs), ("rhs_and_jacobian", rhs_and_jacobian), ("solver_step", solver_step_with(solver)),
              ("queue_iteration", queue_iteration)]
    capped = {k: kvaerno5(config.rtol, config.atol, k, config.kappa, early_exit=True) for k in args.newton_iterations}
    pieces += [(f"solver_step_newton_cap_{k}", solver_step_with(stepper)) for k, stepper in capped.items()]
    pieces += [("rodas5p_step", solver_step_with(Rodas5P()))]
    results = {name: timed(name, fn) for name, fn in pieces}
    unit = results["rhs"]["per_lane_us"]
    for entry in results.values():
        entry["in_rhs_units"] = round(entry["per_lane_us"] / unit, 1)
    record = {**environment(now), "benchmark": "bench_step_cost",
              "parameters": {"lanes": args.lanes, "repeats": args.repeats, "x": args.x, "dt": args.dt,
                             "newton_iterations": args.newton_iterations,
                             "m_chi": M_CHI, "m_ZD": M_ZD, "n_converged_setup": int(np.sum(np.asarray(status) == 0))},
              "results": results}
    write_results("bench_step_cost", now, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
