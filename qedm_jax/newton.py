"""A fixed-work Newton root finder for the implicit stages of diffrax's ESDIRK solvers.

Why it exists (issue 12, "a stiff core fit for whole grids"): ``diffrax.Kvaerno5`` solves each of
its six implicit stages with ``optimistix.Newton`` inside a data-dependent while loop. Under
``vmap`` the loop runs until the slowest lane of the batch has converged, every lane pays for it,
and a lane's arithmetic (hence its Omega h^2 and its step count) depends on its batchmates
(measured before: 3.3e-5 in Omega h^2). And in two-temperature mode the residual
F = f_i - f(t_i, y_i) has a rounding-noise floor of ~1e-3 where Gamma/H ~ 1e12 (the rate times the
rounding of ln Y; ``qedm_jax.boltzmann``), so a residual (Cauchy) test needed a tolerance of 1e-2.

``FixedNewton`` does exactly ``num_iterations`` = k Newton iterations (exact Jacobian at every
iterate, one forward-mode ``jax.jacfwd`` giving f and J together, then a closed-form 2 x 2 solve
(``linsolve.Cramer2``) or an unrolled dense LU (``rosenbrock.lu_factor``)). ``terminate`` is true
exactly when the iteration counter reaches k, and the counter does not depend on the data, so the
root finder's while loop has the same trip count k in every lane: the lanes of a batch run in
lockstep. (``optimistix``'s loop also stops a lane whose iterate became non-finite; such a lane
fails anyway, and the healthy lanes still do exactly k iterations.)

Success is decided from the LAST Newton increment in the space of the ODE state, scaled like the
step-size controller's error norm (Hairer & Wanner, Solving ODEs II, Sec. IV.8: stop the
simplified Newton iteration when the remaining error is below kappa x Tol with kappa ~ 1e-1..1e-2):

    max_i |dy_i| / (atol + rtol |y_i|) <= kappa,

with dy = a_ii dt dF the state increment of the last iteration (a_ii the tableau diagonal, dF the
Newton increment of the stage derivative) and y the stage value. Near a root Newton converges
quadratically, so the error left after applying the last increment is far below the increment
itself; kappa = 0.05 (the default ``KAPPA``) sits in Hairer's range and leaves the step
controller's own tolerance (its error estimate is accepted at rms(err / scale) <= 1) to the
time discretisation. The test is in y space, not on the residual: a residual noise delta in F
moves y by ~delta / Gamma (Gamma ~ 1e10-1e12, the stiff rate), far below atol, so rounding noise
can no longer fail a stage. A stage that fails this test reports
``optimistix.RESULTS.nonlinear_divergence``; diffrax's Runge-Kutta step then sets the error
estimate to inf, the PID controller rejects the step and shrinks it (diffrax 0.7,
``_solver/runge_kutta.py``: ``y_error = where(is_okay(result), y_error, inf)``; ``_integrate.py``
records the solver result only for kept steps).

The y-space scaling needs a_ii, dt and the stage's partial sum, which diffrax passes to the root
finder as its ``args`` (``_implicit_relation_f``: ``(stage_index, diagonal, vf, prod, t_i,
yi_partial, args, control)``; ``_implicit_relation_k``: the same without ``vf``). This module
reads that layout (``increment_space="diffrax_stage"``, checked at trace time) or, for a plain
root find, scales the root variable itself (``increment_space="root"``).

``kvaerno5_fixed_newton(config, k)`` returns ``(Kvaerno5(root_finder=FixedNewton(...)), PID)``
with the same controller as ``solve.ode_solver``; measured against it in
``benchmarks/bench_fixed_newton.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import optimistix as optx
from jax.flatten_util import ravel_pytree
from jaxtyping import Array, Bool, Float, Int, PyTree

from .linsolve import Cramer2
from .rosenbrock import lu_factor, lu_solve

__all__ = ["FixedNewton", "FixedNewtonState", "kvaerno5", "kvaerno5_fixed_newton", "KAPPA", "NUM_ITERATIONS"]

#: default convergence factor: the last increment must be <= KAPPA x the controller's scale
#: (Hairer & Wanner II, Sec. IV.8, eq. 8.10-8.11: kappa ~ 1e-1..1e-2)
KAPPA = 0.05
#: default number of Newton iterations per implicit stage (benchmarks/bench_fixed_newton.py)
NUM_ITERATIONS = 3

_INCREMENT_SPACES = ("diffrax_stage", "root")


class FixedNewtonState(eqx.Module):
    """Loop state of ``FixedNewton``.

    Attributes:
        step: Newton iterations done so far, int scalar (the same in every lane).
        scaled_increment: max_i |dy_i| / (atol + rtol |y_i|) of the last iteration, scalar
            (inf before the first iteration).
        linear_ok: every linear solve so far had a finite, non-singular Jacobian, bool scalar.
    """

    step: Int[Array, ""]
    scaled_increment: Float[Array, ""]
    linear_ok: Bool[Array, ""]


def _solve_dense(matrix: Float[Array, "n n"], rhs: Float[Array, " n"]) -> tuple[Float[Array, " n"], Bool[Array, ""]]:
    """x with matrix @ x = rhs (Cramer's rule for n = 2, unrolled pivoted LU otherwise) and its validity."""
    if matrix.shape == (2, 2):
        x, result, _ = Cramer2().compute((matrix, False), rhs, {})
        return x, result == lx.RESULTS.successful
    x = lu_solve(lu_factor(matrix), rhs)
    return x, jnp.all(jnp.isfinite(x))


class FixedNewton(optx.AbstractRootFinder):
    """Newton's method with a fixed iteration count k and a y-space convergence test.

    Each ``step`` evaluates the residual F and its exact Jacobian J = dF/dz at the current
    iterate z (one ``jax.jacfwd``), solves J dz = F and sets z <- z - dz. ``terminate`` is true
    after exactly ``num_iterations`` steps; the result is successful iff every linear solve was
    regular and the last increment satisfies max_i |dy_i| / (atol + rtol |y_i|) <= kappa (see
    the module docstring for dy and y).

    Attributes:
        rtol: relative tolerance of the scale (use the step controller's rtol), float.
        atol: absolute tolerance of the scale (the controller's atol), float, in units of y.
        norm: norm of the scaled increment dy / (atol + rtol |y|) (``optimistix.max_norm``:
            every component must pass; the PID controller's own default is an rms norm).
        num_iterations: k, Newton iterations per root find (static, >= 1).
        kappa: convergence factor of the last increment relative to the scale (static, > 0).
        increment_space: "diffrax_stage": the root finder runs inside a diffrax Runge-Kutta
            stage and measures the state increment a_ii * prod(dz, control) (f-space stages)
            or a_ii * dz (k-space stages); "root": measures dz itself against z (plain root
            finding). Static.
        early_exit: False (default): exactly ``num_iterations`` iterations (lockstep lanes).
            True: stop as soon as the y-space test passes, at most ``num_iterations``
            iterations (a data-dependent trip count, like ``optimistix.Newton``, but with the
            y-space test instead of a residual tolerance). Static.

    Raises:
        ValueError: (at construction) num_iterations < 1, kappa <= 0 or an unknown
            increment_space; (at trace time) "diffrax_stage" with root-find args that are not
            diffrax's stage tuple.
    """

    rtol: float
    atol: float
    norm: Callable[[PyTree[Array]], Float[Array, ""]] = optx.max_norm
    num_iterations: int = eqx.field(static=True, default=NUM_ITERATIONS)
    kappa: float = eqx.field(static=True, default=KAPPA)
    increment_space: str = eqx.field(static=True, default="diffrax_stage")
    early_exit: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        if self.num_iterations < 1:
            raise ValueError(f"num_iterations must be >= 1, got {self.num_iterations}")
        if not self.kappa > 0.0:
            raise ValueError(f"kappa must be > 0, got {self.kappa}")
        if self.increment_space not in _INCREMENT_SPACES:
            raise ValueError(f"increment_space must be one of {_INCREMENT_SPACES}, got {self.increment_space!r}")

    def init(self, fn, y: PyTree[Array], args: PyTree, options: dict[str, Any], f_struct, aux_struct,
             tags: frozenset[object]) -> FixedNewtonState:
        """The state before the first iteration (no function evaluation: diffrax calls this once
        per step to build the state it then passes as ``init_state``).

        Args:
            fn: residual, ``fn(z, args) -> (F, aux)``; unused.
            y: initial iterate z0 (a pytree of float arrays); its dtype sets the state's.
            args, options, f_struct, aux_struct, tags: unused (optimistix interface).

        Returns:
            ``FixedNewtonState`` with step 0, scaled_increment inf, linear_ok True.
        """
        del fn, args, options, f_struct, aux_struct, tags
        dtype = jnp.result_type(*jax.tree_util.tree_leaves(y))
        return FixedNewtonState(step=jnp.array(0), scaled_increment=jnp.array(jnp.inf, dtype=dtype),
                                linear_ok=jnp.array(True))

    def _scaled(self, diff, new_z, args):
        """norm(dy / (atol + rtol |y|)): the Newton increment in y space, scalar."""
        if self.increment_space == "root":
            dy, y = diff, new_z
        elif isinstance(args, tuple) and len(args) == 8:  # diffrax _implicit_relation_f (f-space stage)
            _, diagonal, _, prod, _, yi_partial, _, control = args
            dy = jax.tree_util.tree_map(lambda d: diagonal * d, prod(diff, control))
            y = jax.tree_util.tree_map(lambda p, z: p + diagonal * z, yi_partial, prod(new_z, control))
        elif isinstance(args, tuple) and len(args) == 7:  # diffrax _implicit_relation_k (k-space stage)
            _, diagonal, _, _, yi_partial, _, _ = args
            dy = jax.tree_util.tree_map(lambda d: diagonal * d, diff)
            y = jax.tree_util.tree_map(lambda p, z: p + diagonal * z, yi_partial, new_z)
        else:
            raise ValueError("FixedNewton(increment_space='diffrax_stage') needs diffrax's implicit-stage args "
                             "(a tuple of 7 or 8 entries); use increment_space='root' for a plain root find")
        scaled = jax.tree_util.tree_map(lambda d, v: d / (self.atol + self.rtol * jnp.abs(v)), dy, y)
        return self.norm(scaled)

    def step(self, fn, y: PyTree[Array], args: PyTree, options: dict[str, Any], state: FixedNewtonState,
             tags: frozenset[object]):
        """One Newton iteration z <- z - J(z)^-1 F(z) with the exact Jacobian.

        Args:
            fn: residual ``fn(z, args) -> (F, aux)``, F with the structure of z.
            y: current iterate z (pytree of float arrays, n elements in all; n small).
            args: residual arguments (diffrax's stage tuple for "diffrax_stage").
            options, tags: unused.
            state: ``FixedNewtonState``.

        Returns:
            ``(new_z, new_state, aux)``.
        """
        del options, tags
        z_flat, unravel = ravel_pytree(y)

        def residual(v):
            out, aux = fn(unravel(v), args)
            out_flat, _ = ravel_pytree(out)
            return out_flat, (out_flat, aux)

        jac, (f_flat, aux) = jax.jacfwd(residual, has_aux=True)(z_flat)  # exact J and F in one pass
        diff_flat, ok = _solve_dense(jac, f_flat)
        new_z = unravel(z_flat - diff_flat)
        scaled = self._scaled(unravel(diff_flat), new_z, args)
        new_state = FixedNewtonState(step=state.step + 1,
                                     scaled_increment=jnp.asarray(scaled, dtype=state.scaled_increment.dtype),
                                     linear_ok=state.linear_ok & ok)
        return new_z, new_state, aux

    def terminate(self, fn, y, args, options, state: FixedNewtonState, tags):
        """Stop after ``num_iterations`` iterations (a data-independent trip count), or, with
        ``early_exit``, as soon as the y-space test passes.

        Returns:
            ``(done, result)``: done = step >= k (or converged, with ``early_exit``); result is
            ``nonlinear_divergence`` when done and (a linear solve failed or the last scaled
            increment exceeds kappa), else successful.
        """
        del fn, y, args, options, tags
        converged = state.linear_ok & (state.scaled_increment <= self.kappa)
        done = state.step >= self.num_iterations
        if self.early_exit:
            done = done | converged
        result = optx.RESULTS.where(done & ~converged, optx.RESULTS.nonlinear_divergence, optx.RESULTS.successful)
        return done, result

    def postprocess(self, fn, y, aux, args, options, state, tags, result):
        """The last iterate, its aux and no statistics (optimistix interface)."""
        del fn, args, options, state, tags, result
        return y, aux, {}


def kvaerno5(rtol: float, atol: float, num_iterations: int, kappa: float, early_exit: bool) -> diffrax.Kvaerno5:
    """``diffrax.Kvaerno5`` whose implicit stages use ``FixedNewton`` (the one place this pair is
    built: ``solve.ode_solver``'s two-temperature solver and ``kvaerno5_fixed_newton``).

    Args:
        rtol, atol: the step-size controller's tolerances (the scale of the increment test).
        num_iterations: k, Newton iterations per stage (with ``early_exit``: the cap); static.
        kappa: convergence factor of the last increment; static.
        early_exit: stop a lane's iterations once its increment test passes; static.

    Returns:
        ``diffrax.Kvaerno5(root_finder=FixedNewton(...), root_find_max_steps=num_iterations)``.

    Raises:
        ValueError: ``num_iterations < 1`` or ``kappa <= 0`` (``FixedNewton``'s checks).
    """
    root_finder = FixedNewton(rtol=rtol, atol=atol, num_iterations=num_iterations, kappa=kappa, early_exit=early_exit)
    return diffrax.Kvaerno5(root_finder=root_finder, root_find_max_steps=num_iterations)


def kvaerno5_fixed_newton(config, num_iterations: int = NUM_ITERATIONS, kappa: float = KAPPA,
                          early_exit: bool = False) -> tuple[diffrax.Kvaerno5, diffrax.PIDController]:
    """``solve.ode_solver(config)`` with ``FixedNewton`` as Kvaerno5's root finder.

    Args:
        config: ``solve.SolverConfig`` (rtol, atol are used: the Newton scale is the controller's).
        num_iterations: k, Newton iterations per implicit stage (static); with ``early_exit``
            the cap (the two-temperature default is ``solve.NEWTON_MAX_ITERATIONS``).
        kappa: convergence factor of the last increment (static).
        early_exit: stop a lane's iterations once its increment test passes (``FixedNewton``).

    Returns:
        ``(solver, stepsize_controller)``: Kvaerno5 with ``root_find_max_steps = k`` and the same
        PID controller as ``solve.ode_solver(config)`` (rtol, atol, pcoeff 0.3, icoeff 0.3).

    Raises:
        ValueError: ``num_iterations < 1`` or ``kappa <= 0`` (``FixedNewton``'s checks).
    """
    from .solve import ode_solver  # same layer; imported here to keep solve.py free of this module

    _, controller = ode_solver(config)
    return kvaerno5(config.rtol, config.atol, num_iterations, kappa, early_exit), controller
