"""Kvaerno's 5(4) ESDIRK method with a chord Newton of fixed work: one Jacobian per step.

Why it exists (issue 12, "a stiff core fit for whole grids", item 1: fixed work per step, no
data-dependent inner loop). ``diffrax.Kvaerno5`` with ``newton.FixedNewton`` evaluates the exact
Jacobian (a ``jax.jacfwd``, ~3 right-hand sides) at every Newton iterate of each of its six
implicit stages and solves through lineax/optimistix loops: up to 60 Jacobians per step, and
under ``vmap`` every lane pays for the slowest lane's iteration count (``bench_step_cost``:
~155 us per lane per step at the cap of 10 iterations, ~34 us at 2, while a right-hand side
costs ~0.5 us). The Rosenbrock alternative (``rosenbrock.Rodas5P``, ~7 us per step) freezes
J for the whole step and its order conditions then fail where the stiff rate varies within the
step (~3x the steps, some points fail; see that module).

``Kvaerno5Chord`` keeps Kvaerno5's tableau (A-L stable, stiffly accurate, order 5 with an
embedded order 4; Kvaernø 2004) and solves the implicit stages with the chord (simplified)
Newton method of Hairer & Wanner (Solving ODEs II, Sec. IV.8): the Jacobian J = df/dy at the
start of the step, one LU factorisation of (I - gamma h J) per step (gamma = 0.26, the same for
every stage), then for each stage i = 2..7 exactly ``num_iterations`` = k iterations on the
stage value Y_i (in the plain coordinates u = y below),

    G(Y_i) = Y_i - gamma h f(t0 + c_i h, Y_i) - (y0 + sum_{j<i} a_ij K_j) = 0,
    Y_i <- Y_i - (I - gamma h J)^-1 G(Y_i),      K_i = (Y_i - y0 - sum_{j<i} a_ij K_j) / gamma.

A frozen J changes only the convergence rate of the iteration, not the solution it converges
to (unlike a Rosenbrock method, whose result depends on J): the stage equations are Kvaerno5's
own.

**Newton coordinates.** In the relic problem's state (ln(T_hs/T), ln Y) the chord stalls where
chi is tightly coupled to the hidden sector: both rows of J are ~Gamma h ~ 1e6 and nearly
parallel (the slow manifold Y = Y_eq(T_hs) is a diagonal line), so a relative change of J of
1e-6 within the step rotates the slow direction by O(1) and the iteration's contraction factor
is ~1 (measured: 12 iterations with a Jacobian at every stage's predictor still failed at
h ~ 0.01 in ln x, where full Newton takes h ~ 0.17). The iteration therefore runs on
coordinates u = to_newton(t, y) supplied by the problem (``coordinates``, a
``NewtonCoordinates``): for the relic system ``boltzmann.DepartureCoordinates``, u = (ln(T_hs/T),
ln(Y / Y_eq(T_hs))), in which the fast variable is a coordinate and J's entries vary slowly.
The stage equations stay those of y (the map only changes Newton's path to their root):

    Y_i(u) - gamma h f(t_i, Y_i(u)) = y0 + sum_{j<i} a_ij K_j,     Y_i(u) = from_newton(t_i, u),

with M = d[Y(u) - gamma h f(t0, Y(u))]/du at (t0, u0) factorised once per step. The predictor
of each stage is the straight line through (t0, u0) and the previous stage (t_{i-1}, u_{i-1})
evaluated at t_i (u0 for stage 2): in u the tightly coupled stage values lie on d ~ const, so
the start is already on the slow manifold (the Kvaerno stage predictor, K_i^0 = sum_j alpha_ij
K_j in y, moved d by ~5e-3 from its 1e-7 and the chord diverged). Without ``coordinates`` u = y.

Fixed work: the iteration count does not depend on the data, so the lanes of a batch run in
lockstep (no while loop: a ``lax.scan`` over the six implicit stages with a ``lax.fori_loop`` of
fixed length k inside), and per step a lane costs one ``jacfwd``, one small dense LU and, per
iteration, one right-hand side, one ``from_newton`` and one pair of triangular solves.
Measured (``benchmarks/bench_esdirk.py``, 76 secluded points at 10 GeV, k = 4, kappa = 0.05): no
failures, ~1.4x the steps of diffrax's Kvaerno5 with exact-Jacobian Newton at ~1/5 of its cost
per step (4x faster per point through the lane queue), Omega h^2 errors at the same level or
below; in a scratch comparison on the same points k = 3 took ~1.4x the steps of k = 4 and k = 5
~10% fewer at a higher cost per step (the same time per point).

Success of a stage (Hairer & Wanner II, Sec. IV.8, eq. 8.10-8.11): the last iteration's change
of the stage value, scaled like the step-size controller's error, is <= ``kappa``:

    max_i |Y_i^(k) - Y_i^(k-1)| / (atol + rtol |Y_i^(k)|) <= kappa,

and every stage value is finite. A step with a failed stage returns an infinite error estimate
(and ``RESULTS.nonlinear_divergence``): the PID controller rejects it and shrinks the step by its
``factormin`` -- the same convention as diffrax's own implicit Runge-Kutta steps, so
``diffeqsolve`` and ``lanes.solve_queue`` treat it as they treat Kvaerno5.

Error estimate and dense output: the embedded order-4 solution of the tableau (y_error =
sum_i (b_i - b_hat_i) K_i) and the cubic Hermite interpolant from (y0, K_1) and (y1, K_7)
(``diffrax.ThirdOrderHermitePolynomialInterpolation.from_k``, as diffrax's Kvaerno5): K_7 is the
stage derivative at y1 (stiffly accurate: Y_7 = y1, c_7 = 1).
"""

from __future__ import annotations

from typing import ClassVar

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .rosenbrock import SmallStateSolver, lu_factor, lu_solve

__all__ = ["Kvaerno5Chord", "NewtonCoordinates", "KVAERNO5_A", "KVAERNO5_B_HAT", "KVAERNO5_C", "KVAERNO5_GAMMA"]

# --- Kvaerno5 tableau ---------------------------------------------------------------------------
#
# Kvaernø, A. (2004), "Singly diagonally implicit Runge-Kutta methods with an explicit first stage",
# BIT Numer. Math. 44, 489-502: the 7-stage ESDIRK of order 5(4), gamma = 0.26. The coefficients as
# printed by diffrax 0.7 (``_solver/kvaerno5.py``) and OrdinaryDiffEq.jl (``Kvaerno5Tableau``);
# tests/test_esdirk.py checks them against diffrax's tableau object and checks the order conditions
# (b: 17 rooted trees up to order 5; b_hat: 8 trees up to order 4).

#: gamma, the diagonal of every implicit stage of Kvaerno5
KVAERNO5_GAMMA = 0.26

#: a_ij of Kvaerno5 (Kvaernø 2004), shape (7, 7), lower triangular with gamma on the diagonal from
#: row 2 (row 1 is the explicit first stage); row 7 is b (stiffly accurate)
KVAERNO5_A = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.26, 0.26, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.13, 0.84033320996790809, 0.26, 0.0, 0.0, 0.0, 0.0],
    [0.22371961478320505, 0.47675532319799699, -0.06470895363112615, 0.26, 0.0, 0.0, 0.0],
    [0.16648564323248321, 0.10450018841591720, 0.03631482272098715, -0.13090704451073998, 0.26, 0.0, 0.0],
    [0.13855640231268224, 0.0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676, 0.26, 0.0],
    [0.13659751177640291, 0.0, -0.05496908796538376, -0.04118626728321046, 0.62993304899016403,
     0.06962479448202728, 0.26],
])

#: b_hat of the embedded order-4 solution (row 6 of A, Kvaernø 2004), shape (7,)
KVAERNO5_B_HAT = KVAERNO5_A[5].copy()

#: c_i = sum_j a_ij, stage times t0 + c_i h, shape (7,)
KVAERNO5_C = KVAERNO5_A.sum(axis=1)

_STAGES = KVAERNO5_A.shape[0]
_B = KVAERNO5_A[-1]

#: default chord iterations per implicit stage and convergence factor (benchmarks/bench_esdirk.py)
NUM_ITERATIONS = 4
KAPPA = 0.05


class NewtonCoordinates(eqx.Module):
    """Coordinates u = to_newton(t, y) in which ``Kvaerno5Chord`` iterates (base class: u = y).

    Subclasses override all three methods; ``parameter`` may pick, per step and per lane, a
    variant of the map (it is evaluated once at (t0, y0) and frozen for the step), e.g. a switch
    between two coordinate systems. The maps must be inverse to each other at every t for a
    fixed parameter.
    """

    def parameter(self, t: Float[Array, ""], y: Float[Array, " n"], args) -> Float[Array, ""]:
        """The map's parameter for a step starting at (t, y) (base: 0), scalar."""
        del t, y, args
        return jnp.zeros(())

    def to_newton(self, t, y: Float[Array, " n"], args, p) -> Float[Array, " n"]:
        """u from y at time t with parameter p, shape (n,) (base: y)."""
        del t, args, p
        return y

    def from_newton(self, t, u: Float[Array, " n"], args, p) -> Float[Array, " n"]:
        """y from u at time t with parameter p, shape (n,) (base: u)."""
        del t, args, p
        return u


class Kvaerno5Chord(SmallStateSolver):
    """Kvaerno5 (Kvaernø 2004) with one Jacobian and one LU per step and a fixed number of chord
    Newton iterations per implicit stage, in problem-supplied Newton coordinates (module docstring).

    Usage: ``diffrax.diffeqsolve(diffrax.ODETerm(f), Kvaerno5Chord(rtol=..., atol=...), t0, t1,
    dt0, y0, stepsize_controller=diffrax.PIDController(rtol=..., atol=...))``; y0 must be a 1-d
    float array of small size n (the LU is dense and unrolled).

    Attributes:
        rtol, atol: the scale of the Newton convergence test (use the step controller's).
        num_iterations: k, chord iterations per implicit stage (static, >= 1).
        kappa: convergence factor of the last scaled increment (static, > 0).
        coordinates: ``NewtonCoordinates`` of the iteration (default: u = y).

    Raises:
        ValueError: (at construction) num_iterations < 1 or kappa <= 0; (at trace time) y0 not
            a 1-d float array.
    """

    rtol: float
    atol: float
    num_iterations: int = eqx.field(static=True, default=NUM_ITERATIONS)
    kappa: float = eqx.field(static=True, default=KAPPA)
    coordinates: NewtonCoordinates = NewtonCoordinates()

    interpolation_cls: ClassVar = diffrax.ThirdOrderHermitePolynomialInterpolation.from_k

    def __check_init__(self):
        if self.num_iterations < 1:
            raise ValueError(f"num_iterations must be >= 1, got {self.num_iterations}")
        if not self.kappa > 0.0:
            raise ValueError(f"kappa must be > 0, got {self.kappa}")

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        """One Kvaerno5 step from t0 to t1 with chord Newton stages.

        Args:
            terms: the ``diffrax.ODETerm`` of dy/dt = f(t, y, args).
            t0, t1: the step's start and end, scalars.
            y0: state at t0, shape (n,).
            args: passed to the vector field and to the coordinates' maps.
            solver_state, made_jump: unused (nothing is carried between steps).

        Returns:
            ``(y1, y_error, dense_info, None, result)``: y1 and y_error shape (n,); where a stage
            did not converge or is not finite, y_error = inf, y1 = y0 and ``result`` =
            ``RESULTS.nonlinear_divergence``, else ``RESULTS.successful``;
            ``dense_info = dict(y0=y0, y1=y1, k=stack([K_1, K_7]))``.
        """
        del solver_state, made_jump
        self.check_state(y0)
        dtype = y0.dtype
        h = t1 - t0
        control = terms.contr(t0, t1)
        coords = self.coordinates
        a_lower = jnp.asarray(np.tril(KVAERNO5_A, -1), dtype=dtype)
        c = jnp.asarray(KVAERNO5_C, dtype=dtype)
        p = coords.parameter(t0, y0, args)  # frozen for the step
        u0 = coords.to_newton(t0, y0, args, p)

        def increment(t, y):  # h f(t, y)
            return terms.vf_prod(t, y, args, control)

        def implicit_map(u):  # Y(u) - gamma h f(t0, Y(u)), and h f(t0, Y(u))
            stage_y = coords.from_newton(t0, u, args, p)
            hf = increment(t0, stage_y)
            return stage_y - KVAERNO5_GAMMA * hf, hf

        jac, k1 = jax.jacfwd(implicit_map, has_aux=True)(u0)  # M at (t0, u0) and K_1 = h f(t0, y0)
        factors = lu_factor(jac)
        ks = jnp.zeros((_STAGES,) + y0.shape, dtype=dtype).at[0].set(k1)

        def stage(carry, i):
            ks, c_prev, u_prev, ok = carry
            partial = y0 + a_lower[i] @ ks
            t_i = t0 + c[i] * h
            # predictor: the line through (c = 0, u0) and (c_prev, u_prev) at c_i (u0 at stage 2)
            slope = (u_prev - u0) / jnp.where(c_prev > 0.0, c_prev, 1.0)
            u_start = u_prev + (c[i] - c_prev) * slope

            def iteration(_, state):
                u, stage_y, _ = state
                du = lu_solve(factors, stage_y - KVAERNO5_GAMMA * increment(t_i, stage_y) - partial)
                u_new = u - du
                y_new = coords.from_newton(t_i, u_new, args, p)
                scaled = jnp.max(jnp.abs(y_new - stage_y) / (self.atol + self.rtol * jnp.abs(y_new)))
                return u_new, y_new, scaled

            start = (u_start, coords.from_newton(t_i, u_start, args, p), jnp.array(jnp.inf, dtype=dtype))
            u_i, y_i, scaled = jax.lax.fori_loop(0, self.num_iterations, iteration, start)
            k_i = (y_i - partial) / KVAERNO5_GAMMA
            ok = ok & (scaled <= self.kappa) & jnp.all(jnp.isfinite(k_i))
            return (ks.at[i].set(k_i), c[i], u_i, ok), None

        carry = (ks, jnp.zeros((), dtype), u0, jnp.array(True))
        (ks, _, _, ok), _ = jax.lax.scan(stage, carry, jnp.arange(1, _STAGES))

        y1 = y0 + jnp.asarray(_B, dtype=dtype) @ ks
        y_error = jnp.asarray(_B - KVAERNO5_B_HAT, dtype=dtype) @ ks
        ok = ok & jnp.all(jnp.isfinite(y1)) & jnp.all(jnp.isfinite(y_error))
        y_error = jnp.where(ok, y_error, jnp.inf)
        # a failed step returns y0, never a non-finite y1: the PID controller scales the error by
        # atol + rtol max(|y0|, |y1|), and an infinite y1 made that inf / inf = NaN and the next
        # step size NaN (a solve stuck at max_steps: secluded, m_chi = 10 GeV, epsilon = 0.1)
        y1 = jnp.where(ok, y1, y0)
        result = diffrax.RESULTS.where(ok, diffrax.RESULTS.successful, diffrax.RESULTS.nonlinear_divergence)
        dense_info = dict(y0=y0, y1=y1, k=jnp.stack([ks[0], ks[-1]]))
        return y1, y_error, dense_info, None, result

