"""Many parameter points on a fixed number of solver lanes, refilled as points finish.

A ``jax.vmap`` of ``diffrax.diffeqsolve`` over a batch of points runs one batched while loop
until its slowest point is done: every point pays for the step count of the stiffest one
(on a 16 x 16 two-temperature grid at m_chi = 10 GeV, chunks of 64 points spent 3.1 times
the sum of the points' own step counts; a point that reaches ``max_steps`` makes its whole
chunk run ``max_steps`` steps). ``solve_queue`` instead keeps ``n_lanes`` solves in flight:
every iteration advances each lane by one step of the same integrator, and a lane whose
point has finished (reached x_end, failed, or used ``max_steps`` steps) writes its result
and takes the next waiting point. The cost is then ~ the sum of the step counts over the
points, plus the last few stragglers.

The integrator is the one of ``qedm_jax.solve`` (``solve.ode_solver``: Kvaerno5 with its Newton
root finder, or ``esdirk.Kvaerno5Chord`` two-temperature, and the PID controller), stepped with diffrax's own ``solver.step`` and
``stepsize_controller.adapt_step_size`` in the order of diffrax's ``diffeqsolve`` loop
(diffrax 0.7, ``_integrate.py``): accepted and rejected steps, clipping to t1 and saving at
``SaveAt(ts)`` by dense interpolation are the same, so a point gets the same Omega h^2 as
``solve.solve_unchecked`` (tested, ``tests/test_lanes.py``). Not differentiable: gradients
go through ``solve.solve`` / ``lines``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from . import solve as solve_mod
from . import thermal
from .boltzmann import vector_field

__all__ = ["solve_queue", "TABLE_GROUP"]

#: rate tables are built for this many points at a time (at most): a two-temperature table is 160
#: temperatures x ~450 quadrature nodes x the final states of sigma(s), ~25 MB of temporaries per
#: point in one vmap; built in groups of ``n_lanes`` points, that made memory grow by 25.6 MB per
#: lane (``benchmarks/bench_memory.py``, 2026-12-07), so that 8,192 lanes needed ~210 GB
TABLE_GROUP = 8


def _prev_ulps(t: float, n: int) -> float:
    """t minus n ULP (diffrax rounds a tnext above t1 - 100 ULP to t1)."""
    value = np.float64(t)
    for _ in range(n):
        value = np.nextafter(value, -np.inf)
    return float(value)


def solve_queue(
    make_model: Callable[..., object],
    columns: Mapping[str, Array],
    config: solve_mod.SolverConfig,
    n_lanes: int,
    n_valid=None,
) -> dict[str, Array]:
    """Solve the points ``make_model(**{name: columns[name][i]})``, i = 0..N-1, on ``n_lanes`` lanes.

    Traceable (call it inside ``jax.jit``); the rate tables and initial states of all N points
    are built first (``lax.map`` in groups of ``min(TABLE_GROUP, n_lanes)`` points, so that their
    quadrature temporaries do not grow with the lane count), then one ``lax.while_loop`` steps
    all lanes until every point is done. A point that needs many steps holds only its own lane
    (the others keep taking new points); one that reaches ``config.max_steps`` gets
    ``STATUS_MAX_STEPS``. (A first pass at 2048 steps with a retry of the points that reached it,
    used until 2026-12-07, solved such points twice: 720 vs 463 ms per point on a stiff 8 x 8
    grid, same statuses: ``benchmarks/results/bench_retry_cpu_2026-12-07.json``, from
    ``benchmarks/bench_retry.py`` of commit ff9aca4, removed with the retry.)

    Args:
        make_model: ``make_model(**params) -> AbstractModel`` (jnp scalars in, traced).
        columns: parameter name -> values, each shape (N,), N >= 1.
        config: ``SolverConfig`` (static); ``adjoint`` is ignored (no gradients here).
        n_lanes: number of concurrent solves, 1 <= n_lanes (clipped to N).
        n_valid: only the first ``n_valid`` points are solved (int, may be traced; None: all
            N): padding of a fixed-size chunk costs its rate tables but no ODE steps. The
            others get status ``STATUS_MAX_STEPS``, zero steps and NaN Omega h^2.

    Returns:
        Dict of arrays with leading axis N: ``omega_h2`` (N,) (NaN where status != 0),
        ``y_end`` (N,), ``status`` (N,) int32 (``solve.STATUS_*``), ``num_steps`` (N,)
        (accepted + rejected steps), ``t_hs_over_t_end`` (N,), and, with ``config.n_save > 0``,
        ``x``, ``y``, ``t_hs_over_t`` of shape (N, n_save) as in ``solve.Solution``.

    Raises:
        ValueError: (at trace time) no points, or ``n_lanes < 1``.
    """
    names = tuple(columns)
    cols = {name: jnp.asarray(columns[name]) for name in names}
    n_points = int(next(iter(cols.values())).shape[0]) if names else 0
    if n_points < 1 or n_lanes < 1:
        raise ValueError(f"solve_queue needs >= 1 point and n_lanes >= 1, got {n_points} points, n_lanes = {n_lanes}")
    n_lanes = min(int(n_lanes), n_points)

    options = solve_mod.system_options(config)
    solver, controller = solve_mod.ode_solver(config)
    terms = diffrax.ODETerm(vector_field)
    error_order = solver.error_order(terms)
    t0, t1 = math.log(config.x0), math.log(config.x_end)
    dt0 = solve_mod.DT0
    clip_floor = _prev_ulps(t1, 100)
    n_save = config.n_save
    ts = jnp.linspace(t0, t1, n_save) if n_save > 0 else None
    ln_x_table = config.table_ln_x()

    def model_at(index):
        return make_model(**{name: cols[name][index] for name in names})

    def prepare(index):
        model = model_at(index)
        table = thermal.rate_table(model, ln_x_table, with_hs=True) if config.fast else None
        return table, solve_mod.initial_state(model, config), jnp.asarray(model.m_chi, dtype=float)

    tables, y0s, m_chi = jax.lax.map(prepare, jnp.arange(n_points), batch_size=min(TABLE_GROUP, n_lanes))

    def lane_args(lane):
        model = make_model(**lane["params"])
        return (model, lane["table"], options)

    def start(index):
        """Fresh lane state for point ``index`` (diffeqsolve's initialisation)."""
        params = {name: cols[name][index] for name in names}
        table = None if tables is None else jax.tree_util.tree_map(lambda leaf: leaf[index], tables)
        lane = dict(params=params, table=table)
        args = lane_args(lane)
        y0 = y0s[index]
        tnext, ctrl_state = controller.init(terms, t0, t1, y0, dt0, args, solver.func, error_order)
        tnext = jnp.minimum(tnext, t1)
        solver_state = solver.init(terms, t0, tnext, y0, args)
        saved = jnp.zeros((max(n_save, 1), 2))
        lane.update(tprev=jnp.asarray(t0), tnext=jnp.asarray(tnext, dtype=float), y=y0,
                    solver_state=solver_state, ctrl_state=ctrl_state,
                    failed=jnp.asarray(False), steps=jnp.asarray(0, dtype=jnp.int32),
                    saved=saved, n_saved=jnp.asarray(0, dtype=jnp.int32))
        return lane

    def step(lane):
        """One step of diffrax's loop body for one lane."""
        args = lane_args(lane)
        y1, y_error, dense_info, solver_state, solver_result = solver.step(
            terms, lane["tprev"], lane["tnext"], lane["y"], args, lane["solver_state"], False)  # PID without jump_ts: no jumps (diffrax resolves this statically too)
        y_error = jnp.where(jnp.isnan(y_error), jnp.inf, y_error)
        keep, tprev, tnext, _, ctrl_state, ctrl_result = controller.adapt_step_size(
            lane["tprev"], lane["tnext"], lane["y"], y1, args, y_error, error_order, lane["ctrl_state"])
        tprev = jnp.minimum(tprev, t1)
        tnext = jnp.where(tnext > clip_floor, jnp.where(keep, t1, tprev + 0.5 * (t1 - tprev)), tnext)
        solver_ok = (solver_result == diffrax.RESULTS.successful) | jnp.logical_not(keep)
        ctrl_ok = ctrl_result == diffrax.RESULTS.successful
        saved, n_saved = lane["saved"], lane["n_saved"]
        if n_save > 0:
            interpolation = solver.interpolation_cls(t0=lane["tprev"], t1=lane["tnext"], **dense_info)
            slots = jnp.arange(n_save)
            due = keep & (slots >= n_saved) & (ts <= lane["tnext"])
            values = jax.vmap(interpolation.evaluate)(ts)
            saved = jnp.where(due[:, None], values, saved)
            n_saved = n_saved + jnp.sum(due).astype(jnp.int32)
        keep_tree = lambda new, old: jax.tree_util.tree_map(lambda a, b: jnp.where(keep, a, b), new, old)  # noqa: E731
        return dict(lane, tprev=tprev, tnext=tnext, y=keep_tree(y1, lane["y"]),
                    solver_state=keep_tree(solver_state, lane["solver_state"]), ctrl_state=ctrl_state,
                    failed=lane["failed"] | ~(solver_ok & ctrl_ok), steps=lane["steps"] + 1,
                    saved=saved, n_saved=n_saved)

    lane_start = jax.vmap(start)
    lane_step = jax.vmap(step)

    limit = jnp.asarray(n_points if n_valid is None else n_valid, dtype=jnp.int32)
    first = jnp.arange(n_lanes, dtype=jnp.int32)
    first = jnp.where(first < limit, first, n_points)
    out = dict(y_end=jnp.full((n_points, 2), jnp.nan), status=jnp.full(n_points, solve_mod.STATUS_MAX_STEPS, jnp.int32),
               steps=jnp.zeros(n_points, jnp.int32), saved=jnp.zeros((n_points, max(n_save, 1), 2)))

    def running(carry):
        point, _, _, _ = carry
        return jnp.any(point < n_points)

    def body(carry):
        point, waiting, lanes, out = carry
        active = point < n_points
        lanes = lane_step(lanes)
        reached = lanes["tprev"] >= t1
        exhausted = lanes["steps"] >= config.max_steps
        done = active & (reached | lanes["failed"] | exhausted)
        status = jnp.where(reached & ~lanes["failed"], solve_mod.STATUS_OK,
                           jnp.where(lanes["failed"], solve_mod.STATUS_SOLVER_FAILED, solve_mod.STATUS_MAX_STEPS))
        target = jnp.where(done, point, n_points)  # out of bounds: dropped
        out = dict(
            y_end=out["y_end"].at[target].set(lanes["y"], mode="drop"),
            status=out["status"].at[target].set(status.astype(jnp.int32), mode="drop"),
            steps=out["steps"].at[target].set(lanes["steps"], mode="drop"),
            saved=out["saved"].at[target].set(lanes["saved"], mode="drop"),
        )
        rank = jnp.cumsum(done.astype(jnp.int32)) - 1
        queued = waiting + rank
        new_point = jnp.where(done, jnp.where(queued < limit, queued, n_points), point).astype(jnp.int32)
        refill = done & (new_point < n_points)

        def refilled(lanes):  # only on iterations where a point finished: a real branch (not vmapped)
            fresh = lane_start(jnp.minimum(new_point, n_points - 1))
            return jax.tree_util.tree_map(
                lambda a, b: jnp.where(refill.reshape(refill.shape + (1,) * (a.ndim - 1)), a, b), fresh, lanes)

        lanes = jax.lax.cond(jnp.any(refill), refilled, lambda lanes: lanes, lanes)
        waiting = waiting + jnp.sum(done).astype(jnp.int32)
        return new_point, waiting, lanes, out

    carry = (first, jnp.asarray(n_lanes, dtype=jnp.int32), lane_start(jnp.minimum(first, n_points - 1)), out)
    _, _, _, out = jax.lax.while_loop(running, body, carry)

    return _outputs(m_chi, config, out)


def _outputs(m_chi, config, out) -> dict[str, Array]:
    """Per-point results in the form of ``solve.Solution`` (m_chi [GeV], shape (N,))."""
    y_end = jnp.exp(out["y_end"][:, 1])
    omega_h2 = solve_mod.omega_h2_of(m_chi, y_end)
    status = jnp.where((out["status"] == solve_mod.STATUS_OK) & ~jnp.isfinite(omega_h2),
                       solve_mod.STATUS_NONFINITE, out["status"]).astype(jnp.int32)
    result = dict(omega_h2=jnp.where(status == solve_mod.STATUS_OK, omega_h2, jnp.nan), y_end=y_end,
                  status=status, num_steps=out["steps"], t_hs_over_t_end=jnp.exp(out["y_end"][:, 0]))
    if config.n_save > 0:
        ts = jnp.linspace(math.log(config.x0), math.log(config.x_end), config.n_save)
        n = y_end.shape[0]
        result.update(x=jnp.broadcast_to(jnp.exp(ts), (n, config.n_save)), y=jnp.exp(out["saved"][:, :, 1]),
                      t_hs_over_t=jnp.exp(out["saved"][:, :, 0]))
    return result
