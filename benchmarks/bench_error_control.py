"""Benchmark: error control of the two-temperature solve vs batch invariance and accuracy (issue 12).

The same stiff points solved alone, in two vmap batches with different batchmates and through
the grid engine's lane queue differed in Omega h^2 by up to ~1e-3 at rtol 1e-5
(``tests/test_batch_invariance.py``). This script measures, for variants of the step-size
control, how far apart the engines are, how far each is from a reference solve, and what it
costs in steps. Each variant replaces the PID controller of ``solve.ode_solver`` (the
integrator stays the default's, built with the default's Newton scale):

* ``base``: the step control before 2026-12-08: PID with rtol 1e-5, atol 1e-7 on
  (ln(T_hs/T), ln Y), rms norm.
* ``absolute``: tolerance 1e-5 absolute on both logs (= 1e-5 relative in Y and T_hs/T;
  ``rtol`` 1e-12): the default's rtol x |ln Y| ~ 23 x rtol lets ln Y err 23 times more than rtol.
* ``weighted``: ``absolute`` with the error of ln(T_hs/T) weighted by 20 in the norm: Omega h^2
  is ~x_h ~ 20 times more sensitive to ln(T_hs/T) than to ln Y (Y_eq ~ exp(-m/T_hs)). Since
  2026-12-08 this is the two-temperature default (``solve.ode_solver``).
* ``weighted_kappa``: ``weighted`` with the Newton increment test 100 x tighter (1e-4).
* ``quantized``: ``base`` with the step sizes rounded down to a ladder of 8 per octave, so that
  rounding-level differences in the error estimate rarely change the step sequence.
* ``weighted_quantized``: both.
* ``weighted_3e-6``, ``weighted_1e-6``, ``absolute_3e-6``: the same at other tolerances.

Results: ``bench_error_control_cpu_2026-12-07.json`` (Kvaerno5 + Newton, g_star interpolated
through the table rows), ``bench_error_control_tabulated_gstar_cpu_2026-12-08.json`` (the chord
integrator, same g_star), ``bench_error_control_cpu_2026-12-08.json`` (the chord integrator and
the smooth g_star fit of ``sm._gstar_fit``).

Points: the stiff block of ``tests/test_batch_invariance.py`` (13 points, m_chi = 10 GeV, m_ZD =
1 GeV) and a 6 x 6 (alpha_D, epsilon) grid (1e-5..0.1 x 1e-8..1e-4); reference: rtol 1e-9,
atol 1e-11 with the default controller. Each variant runs in its own process (the controller is
swapped by replacing ``solve.ode_solver`` before anything is traced); step counts and Omega h^2
do not depend on the machine's load, times here are not measured.

Usage: ``python benchmarks/bench_error_control.py [--variants base weighted ...]`` (~6-9 min per
variant on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import subprocess
import sys

import numpy as np

VARIANTS = {  # name: (rtol, atol, weight of ln(T_hs/T), newton_kappa, dt levels per octave (0: off))
    "base": (1e-5, 1e-7, 1.0, None, 0),
    "absolute": (1e-12, 1e-5, 1.0, None, 0),
    "weighted": (1e-12, 1e-5, 20.0, None, 0),
    "weighted_kappa": (1e-12, 1e-5, 20.0, 1e-4, 0),
    "quantized": (1e-5, 1e-7, 1.0, None, 8),
    "weighted_quantized": (1e-12, 1e-5, 20.0, None, 8),
    "weighted_3e-6": (1e-12, 3e-6, 20.0, None, 0),
    "weighted_1e-6": (1e-12, 1e-6, 20.0, None, 0),
    "absolute_3e-6": (1e-12, 3e-6, 1.0, None, 0),
}
M_CHI, M_ZD = 10.0, 1.0  # GeV
STIFF = list(itertools.product((1e-4, 2e-4, 3.5e-4, 5e-4), (2.4e-7, 5e-7, 1e-6))) + [(1e-2, 2.68e-6)]
OTHERS = [(1e-7, 1e-11), (3.5e-4, 3e-6), (1e-3, 1e-3)]
GRID = [(a, e) for a in np.geomspace(1e-5, 1e-1, 6) for e in np.geomspace(1e-8, 1e-4, 6)]
REFERENCE_MAX_STEPS = 200_000


def run_variant(name: str) -> dict:
    """Solve the points with variant ``name`` (in this process) and return its statistics."""
    import diffrax
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optimistix as optx

    import qedm_jax  # noqa: F401  (float64)
    from qedm_jax import lanes
    from qedm_jax import solve as solve_mod
    from qedm_jax.models.secluded import SecludedDirac

    rtol, atol, weight, kappa, levels = VARIANTS[name]
    weights = jnp.array([weight, 1.0])

    class QuantizedPID(diffrax.AbstractAdaptiveStepSizeController):
        """A PID controller whose step sizes are rounded down to 2^(k / levels)."""

        pid: diffrax.PIDController
        levels: int = eqx.field(static=True)

        @property
        def rtol(self):
            return self.pid.rtol

        @property
        def atol(self):
            return self.pid.atol

        @property
        def norm(self):
            return self.pid.norm

        def _ladder(self, dt):
            return jnp.exp2(jnp.floor(self.levels * jnp.log2(dt)) / self.levels)

        def wrap(self, direction):
            return QuantizedPID(self.pid.wrap(direction), self.levels)

        def init(self, terms, t0, t1, y0, dt0, args, func, error_order):
            tnext, state = self.pid.init(terms, t0, t1, y0, dt0, args, func, error_order)
            return t0 + self._ladder(tnext - t0), state

        def adapt_step_size(self, t0, t1, y0, y1_candidate, args, y_error, error_order, state):
            keep, next_t0, next_t1, jump, state, result = self.pid.adapt_step_size(
                t0, t1, y0, y1_candidate, args, y_error, error_order, state)
            return keep, next_t0, next_t0 + self._ladder(next_t1 - next_t0), jump, state, result

    default_solver = solve_mod.ode_solver

    def variant_solver(config):
        solver, controller = default_solver(config)
        if config.thermalized or config.max_steps == REFERENCE_MAX_STEPS:
            return solver, controller
        controller = diffrax.PIDController(rtol=config.rtol, atol=config.atol, pcoeff=0.3, icoeff=0.3,
                                           norm=lambda error: optx.rms_norm(error * weights))
        return solver, (QuantizedPID(controller, levels) if levels else controller)

    solve_mod.ode_solver = variant_solver  # looked up at trace time by solve_unchecked and lanes

    def make(alpha_D, epsilon):
        return SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=alpha_D, epsilon=epsilon)

    config = solve_mod.two_temperature_config(rtol=rtol, atol=atol, newton_kappa=kappa)
    reference = solve_mod.two_temperature_config(rtol=1e-9, atol=1e-11, max_steps=REFERENCE_MAX_STEPS)

    def batch(points, cfg):
        a, e = (jnp.asarray(column) for column in zip(*points))
        out = jax.jit(jax.vmap(lambda a, e: solve_mod.solve_unchecked(make(a, e), cfg)))(a, e)
        return np.asarray(out.omega_h2), np.asarray(out.status), np.asarray(out.num_steps)

    alone = np.array([float(solve_mod.solve(make(a, e), config).omega_h2) for a, e in STIFF])
    omega_a, status_a, steps_a = batch(STIFF, config)
    omega_b, status_b, _ = batch(OTHERS + STIFF[::-1], config)
    omega_b, status_b = omega_b[len(OTHERS):][::-1], status_b[len(OTHERS):][::-1]
    columns = {name: jnp.asarray(column) for name, column in zip(("alpha_D", "epsilon"), zip(*STIFF))}
    queue = jax.jit(lambda cols: lanes.solve_queue(make, cols, config, 4))(columns)
    omega_q, status_q = np.asarray(queue["omega_h2"]), np.asarray(queue["status"])
    omega_ref_stiff, _, _ = batch(STIFF, reference)
    omega_g, status_g, steps_g = batch(GRID, config)
    omega_ref_grid, status_ref, _ = batch(GRID, reference)
    ok = (status_g == 0) & (status_ref == 0)
    relative = lambda x, y: float(np.max(np.abs(x / y - 1.0)))  # noqa: E731
    return {
        "variant": name, "rtol": rtol, "atol": atol, "weight_ln_t_hs_over_t": weight, "newton_kappa": config.kappa, "integrator": config.integrator_name,
        "dt_levels_per_octave": levels,
        "statuses_equal": bool(np.array_equal(status_a, status_b) and np.array_equal(status_a, status_q)),
        "n_failed": int(np.count_nonzero(status_a) + np.count_nonzero(status_g)),
        "spread_alone_vs_batch": relative(omega_a, alone), "spread_batch_b_vs_a": relative(omega_b, omega_a),
        "spread_queue_vs_batch": relative(omega_q, omega_a),
        "error_stiff_vs_reference": relative(omega_a, omega_ref_stiff),
        "error_grid_vs_reference": relative(omega_g[ok], omega_ref_grid[ok]),
        "steps_stiff": {"median": float(np.median(steps_a)), "max": int(steps_a.max()), "sum": int(steps_a.sum())},
        "steps_grid": {"median": float(np.median(steps_g)), "max": int(steps_g.max()), "sum": int(steps_g.sum())},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", choices=tuple(VARIANTS), default=tuple(VARIANTS))
    parser.add_argument("--one", choices=tuple(VARIANTS), help=argparse.SUPPRESS)  # child process
    args = parser.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(run_variant(args.one)), flush=True)
        return 0
    from _common import environment, write_results

    now = datetime.datetime.now(datetime.timezone.utc)
    record = {**environment(now), "benchmark": "bench_error_control",
              "parameters": {"m_chi": M_CHI, "m_ZD": M_ZD, "stiff": STIFF, "others": OTHERS, "grid": GRID},
              "results": []}
    for name in args.variants:
        child = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, check=False)
        lines = [line for line in child.stdout.splitlines() if line.startswith("RESULT ")]
        result = json.loads(lines[-1][7:]) if lines else {"variant": name, "error": child.stderr[-2000:]}
        record["results"].append(result)
        print(f"# {json.dumps(result)}", flush=True)
    write_results("bench_error_control", now, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
