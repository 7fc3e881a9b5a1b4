"""A closed-form 2 x 2 linear solver for the Newton iterations of the implicit ODE stages.

The Boltzmann state is two numbers, (ln(T_hs/T), ln Y). ``optimistix.Newton`` solves
J dy = f at every iteration of every implicit stage with ``lineax.AutoLinearSolver``, which
picks LU: a LAPACK call per 2 x 2 system (per grid point under ``vmap``), which dominated
the cost of a step on CPU. DESIGN.md ("Numerics"): a hand-written 2 x 2 solve made a toy
two-state system ~5x cheaper than the dense LU. ``Cramer2`` is that solve, as a
``lineax.AbstractLinearSolver`` so that it plugs into ``optimistix.Newton(linear_solver=...)``.

A singular or non-finite Jacobian gives ``lineax.RESULTS.singular`` (the Newton iteration
then fails, and diffrax shrinks the step), never a silent NaN step.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import lineax as lx
from jaxtyping import Array

__all__ = ["Cramer2"]


class Cramer2(lx.AbstractLinearSolver):
    """Cramer's rule for square operators on a flat array of two elements.

    ``init`` materialises the 2 x 2 matrix (for a Jacobian operator: two forward-mode JVPs);
    ``compute`` returns x with A x = b (or A^T x = b after ``transpose``).

    Raises:
        ValueError: (at trace time) the operator is not 2 x 2 on a flat array of shape (2,).
    """

    def init(self, operator: lx.AbstractLinearOperator, options: dict[str, Any]):
        del options
        structure = operator.in_structure()
        if operator.in_size() != 2 or operator.out_size() != 2 or getattr(structure, "shape", None) != (2,):
            raise ValueError(f"Cramer2 solves 2 x 2 systems on arrays of shape (2,), got in_structure {structure}")
        return operator.as_matrix(), False

    def compute(self, state, vector: Array, options: dict[str, Any]):
        del options
        matrix, transposed = state
        a, b, c, d = matrix[0, 0], matrix[0, 1], matrix[1, 0], matrix[1, 1]
        b, c = jnp.where(transposed, c, b), jnp.where(transposed, b, c)  # the flag may be traced (a loop carry)
        det = a * d - b * c
        ok = jnp.isfinite(det) & (det != 0.0)
        safe_det = jnp.where(ok, det, 1.0)
        solution = jnp.stack([d * vector[0] - b * vector[1], a * vector[1] - c * vector[0]]) / safe_det
        result = lx.RESULTS.where(ok, lx.RESULTS.successful, lx.RESULTS.singular)
        return solution, result, {}

    def transpose(self, state, options: dict[str, Any]):
        matrix, transposed = state
        return (matrix, not transposed), options

    def conj(self, state, options: dict[str, Any]):
        matrix, transposed = state
        return (matrix.conj(), transposed), options

    def assume_full_rank(self) -> bool:
        return True
