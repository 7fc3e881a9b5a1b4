"""Relic contour in the (alpha_D, epsilon) plane, its regimes and epsilon_min (seed 003
Sec. 2.3, Fig. 2; DESIGN.md "Derived curves").

Pipeline (the thermalization floor read off a contour is ``qedm_jax.relic.floor``)::

    grid = omega_grid(make_model, alpha_D, epsilon)       # two-temperature solves, lane queue
    contour = relic_contour(grid)                          # Omega h^2 = 0.12 crossings + regimes
    eps_min, alpha_at_min = epsilon_min(contour)

Everything after ``omega_grid`` is numpy post-processing of the grid (no solves), so
definitions can be changed without recomputing. ``epsilon`` is the package's photon-like
mixing (``qedm_jax.models.secluded``: seed 003's hypercharge mixing is
``epsilon / cos(theta_W)``).

Failures are data (STYLE.md 7): a point whose solve fails keeps its status code and NaN
Omega h^2 in the grid; grid edges that touch it are skipped by the contour search, so the
contour has a hole there and nothing raises.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .. import constants as c
from .. import lanes
from .. import solve as solve_mod
from ..models.base import AbstractModel

__all__ = [
    "CONTOUR_N_SAVE",
    "DECOUPLING_RTOL",
    "DEFAULT_CHUNK",
    "DEFAULT_LANES",
    "REGIMES",
    "OmegaGrid",
    "RelicContour",
    "contour_config",
    "decoupling_point",
    "omega_grid",
    "relic_contour",
    "epsilon_min",
]

#: saved trajectory points per solve (log-spaced in x) used to locate the decoupling point
CONTOUR_N_SAVE = 48
#: decoupling: Y stays within this relative distance of Y(x_end) from x_dec on
DECOUPLING_RTOL = 0.1
#: default points per compiled call of ``omega_grid`` (a queue on ``DEFAULT_LANES`` solver lanes;
#: memory is set by the lanes, not by the chunk)
DEFAULT_CHUNK = 256
#: concurrent solves of ``omega_grid`` (``lanes.solve_queue``): on a 16 x 16 two-temperature grid
#: at m_chi = 10 GeV (2 CPU cores) 32 lanes took 21 ms per point, 64 lanes 26, 16 lanes 41, and
#: the former vmap over chunks of 64 points 31
DEFAULT_LANES = 32
#: regime labels, in the order met along the contour from small to large alpha_D
REGIMES = ("freeze-in", "reannihilation", "leak-in", "secluded freeze-out", "unclassified")

# Regime thresholds (relic_contour docstring). k = d ln alpha_D / d ln epsilon along the contour.
_K_REANNIHILATION = 0.5  # k above this: steep, reannihilation (k = +inf at epsilon_min)
_K_FLAT = 0.05  # |k| below this: epsilon-independent (secluded freeze-out / plateau)
_T_RATIO_THERMALIZED = 0.5  # T_hs/T at decoupling above this: hidden sector (nearly) thermalized


def contour_config(**kwargs) -> solve_mod.SolverConfig:
    """The two-temperature settings used by ``omega_grid`` when none are given.

    ``solve.two_temperature_config`` (start at x0 = 1e-3) with ``x_end = 1e4`` and
    ``n_save = CONTOUR_N_SAVE`` trajectory points for the decoupling point. x_end: the yield
    still falls like ~x_f / x after freeze-out; at m_chi = 10 GeV, alpha_D = 3.5e-4 and
    epsilon = 1e-6-1e-4, stopping at x = 1e3 leaves Omega h^2 ~1% high, at 1e4 ~0.1% (and the
    decoupling points found lie at x <= 200 everywhere on the tested grids).

    Args:
        **kwargs: ``SolverConfig`` fields that override these.

    Returns:
        ``SolverConfig`` (two-temperature).

    Raises:
        ValueError: as ``solve.two_temperature_config``: ``thermalized=True`` in ``kwargs``, or a
            field outside its range (``SolverConfig``'s checks, e.g. x_end <= x0).
        TypeError: a keyword that is not a ``SolverConfig`` field.
    """
    kwargs.setdefault("x_end", 1.0e4)
    kwargs.setdefault("n_save", CONTOUR_N_SAVE)
    return solve_mod.two_temperature_config(**kwargs)


# --- the grid of solves ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class OmegaGrid:
    """Omega h^2 and decoupling diagnostics on a Cartesian (alpha_D, epsilon) grid (numpy).

    Attributes:
        alpha_D: dark coupling axis, strictly increasing, shape (n_alpha,).
        epsilon: photon-like kinetic-mixing axis, strictly increasing, shape (n_eps,).
        omega_h2: Omega h^2 today, shape (n_alpha, n_eps) (NaN where status != 0).
        status: int32 ``qedm_jax.solve.STATUS_*`` per point, shape (n_alpha, n_eps).
        num_steps: ODE steps per point, shape (n_alpha, n_eps).
        x_dec: decoupling point x = m_chi / T (``decoupling_point``), shape (n_alpha, n_eps)
            (NaN where status != 0).
        t_hs_over_t_dec: T_hs / T at x_dec, shape (n_alpha, n_eps) (NaN where status != 0).
        t_hs_over_t_end: T_hs / T at x_end, shape (n_alpha, n_eps) (NaN where status != 0).
        x: the saved x = m_chi / T, shape (n_save,).
        y: saved yields Y = n / s, shape (n_alpha, n_eps, n_save) (as solved, also where
            status != 0), e.g. to recompute ``decoupling_point`` with another band.
        t_hs_over_t: saved T_hs / T, shape (n_alpha, n_eps, n_save).
        m_chi: DM mass [GeV] of the grid (from the first point).
        model_name: ``AbstractModel.name`` of the points.
        config: the ``SolverConfig`` of the solves.
    """

    alpha_D: np.ndarray
    epsilon: np.ndarray
    omega_h2: np.ndarray
    status: np.ndarray
    num_steps: np.ndarray
    x_dec: np.ndarray
    t_hs_over_t_dec: np.ndarray
    t_hs_over_t_end: np.ndarray
    x: np.ndarray
    y: np.ndarray
    t_hs_over_t: np.ndarray
    m_chi: float
    model_name: str
    config: solve_mod.SolverConfig

    @property
    def shape(self) -> tuple[int, int]:
        """(n_alpha, n_eps)."""
        return self.status.shape

    @property
    def ok(self) -> np.ndarray:
        """Converged points (status == 0), shape (n_alpha, n_eps)."""
        return self.status == solve_mod.STATUS_OK


def decoupling_point(x, y, t_hs_over_t, rtol: float = DECOUPLING_RTOL):
    """Decoupling point of saved trajectories: where the yield has (nearly) stopped changing.

    Definition: x_dec = x[k] for the smallest index k such that |Y[j] / Y[-1] - 1| <= rtol for
    every j >= k (the yield stays within ``rtol`` of its final value from x_dec on). This works
    for freeze-out (Y leaves Y_eq(T_hs) and freezes), freeze-in (production switches off) and
    reannihilation (Y overshoots, then is depleted: x_dec is after the depletion), and it
    needs no equilibrium yield. The resolution is the spacing of the saved points
    (log-spaced, ``CONTOUR_N_SAVE`` of them by default: ~0.34 in ln x for x in [1e-3, 1e4]).
    ``T_hs / T`` "at freeze-out" is the saved ratio at that same index.

    Being a 10% band on the final yield, x_dec lies late: after a freeze-out at x_f the yield
    approaches its final value like ~x_f / x, so x_dec ~ 10 x_f (m_chi = 10 GeV: x_dec ~ 100-160
    on the thermalized branch, T ~ 0.1 GeV, after the QCD crossover has reheated the SM: T_hs/T
    there is ~0.6-0.7 where it was ~1 at x_f). On the freeze-in branch x_dec ~ 1 (production
    ends). A smaller ``rtol`` moves x_dec later still; the saved trajectories in ``OmegaGrid``
    allow other bands without new solves.

    Args:
        x: saved x = m_chi / T, shape (..., n_save), increasing along the last axis.
        y: saved yields Y = n / s, shape (..., n_save).
        t_hs_over_t: saved T_hs / T, shape (..., n_save).
        rtol: relative band around Y(x_end).

    Returns:
        ``(x_dec, t_hs_over_t_dec)``, float64 arrays of shape (...); NaN where the last
        yield is not finite and positive.

    Raises:
        ValueError: mismatched shapes or an empty last axis.
    """
    x, y, ratio = (np.asarray(a, dtype=np.float64) for a in (x, y, t_hs_over_t))
    if not (x.shape == y.shape == ratio.shape) or x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"x, y, t_hs_over_t must have equal shapes (..., n_save >= 1), got "
                         f"{x.shape}, {y.shape}, {ratio.shape}")
    y_end = y[..., -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        inside = np.abs(y / y_end - 1.0) <= rtol
    # stays[..., k]: inside for every j >= k (reverse cumulative AND)
    stays = np.flip(np.logical_and.accumulate(np.flip(inside, axis=-1), axis=-1), axis=-1)
    k = np.argmax(stays, axis=-1)  # first True; stays[..., -1] is True whenever y_end is finite > 0
    valid = np.isfinite(y_end[..., 0]) & (y_end[..., 0] > 0.0) & stays[..., -1]
    x_dec = np.take_along_axis(x, k[..., None], axis=-1)[..., 0]
    r_dec = np.take_along_axis(ratio, k[..., None], axis=-1)[..., 0]
    return np.where(valid, x_dec, np.nan), np.where(valid, r_dec, np.nan)


def _check_axis(name: str, values, upper: float | None) -> np.ndarray:
    try:
        axis = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a 1-d array of numbers: {error}") from None
    if axis.ndim != 1 or axis.size < 2:
        raise ValueError(f"{name} must be a 1-d array of at least 2 values, got shape {axis.shape}")
    if not np.all(np.isfinite(axis)) or not np.all(axis > 0.0) or (upper is not None and not np.all(axis < upper)):
        bound = f"(0, {upper:g})" if upper is not None else "(0, inf)"
        raise ValueError(f"{name} values must be finite and in {bound}, got {axis}")
    if not np.all(np.diff(axis) > 0.0):
        raise ValueError(f"{name} must be strictly increasing, got {axis}")
    return axis


@functools.lru_cache(maxsize=16)
def _batched_solver(make_model: Callable, config: solve_mod.SolverConfig, n_lanes: int) -> Callable:
    """jit of ``lanes.solve_queue`` for (alpha_D, epsilon) columns, the extra parameters (a dict
    of scalars, traced) and the number of valid points; cached per (make_model, config, lanes),
    so grids of any size and any parameter values cost one compilation per chunk size."""

    def run(alpha_d, epsilon, params, n_valid):
        columns = {"alpha_D": alpha_d, "epsilon": epsilon}
        columns.update({name: jnp.full_like(alpha_d, value) for name, value in params.items()})
        out = lanes.solve_queue(lambda alpha_D, epsilon, **extra: make_model(alpha_D, epsilon, **extra),
                                columns, config, n_lanes, n_valid)
        return out["omega_h2"], out["status"], out["num_steps"], out["x"], out["y"], out["t_hs_over_t"]

    return jax.jit(run)


def omega_grid(
    make_model: Callable[[jax.Array, jax.Array], AbstractModel],
    alpha_D,
    epsilon,
    config: solve_mod.SolverConfig | None = None,
    chunk: int | None = None,
    params: dict[str, float] | None = None,
) -> OmegaGrid:
    """Omega h^2, status and T_hs/T at decoupling on the Cartesian (alpha_D, epsilon) grid.

    Every point is a two-temperature solve (seed 003 Eqs. 2.14-2.17, ``solve.solve_unchecked``)
    with the trajectory saved on ``config.n_save`` log-spaced x; the decoupling point x_dec and
    T_hs / T there follow from ``decoupling_point`` (Y within ``DECOUPLING_RTOL`` of Y(x_end)
    from x_dec on). Points are solved in fixed-size chunks (the last one padded; padding costs
    rate tables, no ODE steps), each a queue on ``min(DEFAULT_LANES, chunk)`` solver lanes
    (``lanes.solve_queue``: a lane whose point is done takes the next one, so a stiff point no
    longer holds up its chunk), so any grid costs one compilation per (make_model, config,
    chunk).

    Args:
        make_model: ``make_model(alpha_D, epsilon) -> AbstractModel`` (jnp scalars in; traced,
            so no Python control flow on them), e.g. ``lambda a, e: SecludedDirac(m_chi=10.0,
            m_ZD=1.0, alpha_D=a, epsilon=e)``. Pass the same function object to reuse the
            compilation.
        alpha_D: dark coupling values, strictly increasing, > 0, shape (n_alpha,), n_alpha >= 2.
        epsilon: photon-like mixing values, strictly increasing, in (0, 1), shape (n_eps,),
            n_eps >= 2.
        config: ``SolverConfig`` (``contour_config()`` if None). Needs ``n_save >= 2``.
        chunk: points per compiled call (None: ``min(DEFAULT_CHUNK, n_alpha * n_eps)``). Each
            distinct value compiles once; memory grows mainly with the lanes. An
            explicit value is used as given (a smaller grid is padded up to it), so grids of
            different sizes can share one compilation.
        params: further scalar arguments of the model, passed as keywords, traced:
            ``make_model(alpha_D, epsilon, **params)``, e.g. ``{"m_chi": 10.0, "m_ZD": 1.0}``
            for ``lambda a, e, m_chi, m_ZD: SecludedDirac(m_chi=m_chi, m_ZD=m_ZD, alpha_D=a,
            epsilon=e)``: grids at other masses then reuse the compilation (the same keys).

    Returns:
        ``OmegaGrid`` with arrays of shape (n_alpha, n_eps); failed points keep their status
        code and NaN values, the others are unaffected. Omega h^2 can differ from a solve of the
        same point alone by up to ~1e-3 (the solver's accuracy at rtol 1e-5; statuses agree,
        ``tests/test_batch_invariance.py``).

    Raises:
        ValueError: an axis that is not a strictly increasing 1-d array of >= 2 finite values
            in range; ``chunk < 1``; ``config.n_save < 2``; a corner of the grid whose model
            fails ``solve.check_model`` (e.g. m_ZD >= m_chi); a ``params`` value that is not a
            finite number. All before tracing.
    """
    alpha = _check_axis("alpha_D", alpha_D, None)
    eps = _check_axis("epsilon", epsilon, 1.0)
    config = contour_config() if config is None else config
    if config.n_save < 2:
        raise ValueError(f"config.n_save must be >= 2 (the trajectory locates decoupling), got {config.n_save}")
    n = alpha.size * eps.size
    if chunk is None:
        chunk = min(DEFAULT_CHUNK, n)
    elif isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer or None, got {chunk!r}")
    chunk = int(chunk)
    params = {} if params is None else dict(params)
    for name, value in params.items():
        if not isinstance(value, (int, float, np.floating, np.integer)) or not math.isfinite(float(value)):
            raise ValueError(f"params[{name!r}] must be a finite number, got {value!r}")
    params = {name: float(value) for name, value in params.items()}
    corner = None
    for a in (alpha[0], alpha[-1]):
        for e in (eps[0], eps[-1]):
            corner = make_model(jnp.asarray(a), jnp.asarray(e), **params)
            if not isinstance(corner, AbstractModel):
                raise ValueError(f"make_model must return an AbstractModel, got {type(corner).__name__}")
            solve_mod.check_model(corner)

    a_col, e_col = (v.ravel() for v in np.meshgrid(alpha, eps, indexing="ij"))
    run = _batched_solver(make_model, config, min(DEFAULT_LANES, chunk))

    def solve_chunk(a_values, e_values):
        valid = a_values.size
        a_chunk = np.concatenate([a_values, np.full(chunk - valid, a_values[-1])])
        e_chunk = np.concatenate([e_values, np.full(chunk - valid, e_values[-1])])
        out = jax.device_get(run(jnp.asarray(a_chunk), jnp.asarray(e_chunk),
                                 {name: jnp.asarray(value) for name, value in params.items()},
                                 jnp.asarray(valid, dtype=jnp.int32)))
        return [np.array(v)[:valid] for v in out]

    parts = []
    for start in range(0, n, chunk):
        parts.append(solve_chunk(a_col[start:start + chunk], e_col[start:start + chunk]))
    omega, status, steps, x, y, ratio = (np.concatenate([p[i] for p in parts]) for i in range(6))
    x_dec, r_dec = decoupling_point(x, y, ratio)
    ok = status == solve_mod.STATUS_OK
    shape = (alpha.size, eps.size)

    def grid(values):
        return np.where(ok, values, np.nan).reshape(shape)

    return OmegaGrid(
        alpha_D=alpha,
        epsilon=eps,
        omega_h2=grid(omega),
        status=status.astype(np.int32).reshape(shape),
        num_steps=steps.reshape(shape),
        x_dec=grid(x_dec),
        t_hs_over_t_dec=grid(r_dec),
        t_hs_over_t_end=grid(ratio[:, -1]),
        x=x[0],
        y=y.reshape(shape + (-1,)),
        t_hs_over_t=ratio.reshape(shape + (-1,)),
        m_chi=float(corner.m_chi),
        model_name=str(corner.name),
        config=config,
    )


# --- the contour -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class RelicContour:
    """Points with Omega h^2 = target, ordered along the contour from the freeze-in end.

    Attributes:
        alpha_D: dark coupling of each point, shape (n,).
        epsilon: photon-like mixing of each point, shape (n,).
        direction: ``"epsilon"`` (crossing found along epsilon in an alpha_D row: alpha_D is a
            grid value) or ``"alpha_D"`` (along alpha_D in an epsilon column), shape (n,).
        dln_omega_dln_eps: local d ln Omega / d ln epsilon, shape (n,).
        dln_omega_dln_alpha: local d ln Omega / d ln alpha_D, shape (n,).
        slope: d ln alpha_D / d ln epsilon along the contour = -dln_omega_dln_eps /
            dln_omega_dln_alpha, shape (n,).
        t_hs_over_t_dec: T_hs / T at decoupling (log-interpolated), shape (n,).
        regime: one of ``REGIMES`` per point, shape (n,) (numpy str array).
        omega_h2: the target Omega h^2.
        m_chi: DM mass [GeV].
    """

    alpha_D: np.ndarray
    epsilon: np.ndarray
    direction: np.ndarray
    dln_omega_dln_eps: np.ndarray
    dln_omega_dln_alpha: np.ndarray
    slope: np.ndarray
    t_hs_over_t_dec: np.ndarray
    regime: np.ndarray
    omega_h2: float
    m_chi: float

    def __len__(self) -> int:
        return int(self.alpha_D.size)

    def select(self, mask) -> "RelicContour":
        """The points where ``mask`` is True, order kept.

        Args:
            mask: bool array (or anything ``np.asarray(mask, dtype=bool)`` accepts), shape (n,).

        Returns:
            A new ``RelicContour`` with the selected points (every array field indexed by
            ``mask``; ``omega_h2`` and ``m_chi`` unchanged).

        Raises:
            IndexError: a 1-d ``mask`` of another length, or one with more dimensions (numpy
                boolean indexing; a 0-d mask is not caught and adds an axis).
        """
        mask = np.asarray(mask, dtype=bool)
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return RelicContour(**{k: (v[mask] if isinstance(v, np.ndarray) else v) for k, v in fields.items()})

    @property
    def freeze_out(self) -> np.ndarray:
        """Points on the freeze-out side of epsilon_min (d ln Omega / d ln alpha_D < 0), shape (n,)."""
        return self.dln_omega_dln_alpha < 0.0


def _crossings(ln_u, ln_v, lnr, t_ln, dlnr_du):
    """Sign changes of lnr (shape (n_u, n_v)) along the v axis, for every u row.

    Returns a list of (ln u, ln v, d lnr / d ln v secant, d lnr / d ln u interpolated from
    ``dlnr_du`` (shape (n_u, n_v)), ln T ratio interpolated) per crossing.
    """
    out = []
    for i in range(lnr.shape[0]):
        for j in range(lnr.shape[1] - 1):
            a, b = lnr[i, j], lnr[i, j + 1]
            if not (np.isfinite(a) and np.isfinite(b)) or a * b > 0.0 or a == b:
                continue
            if b == 0.0 and j + 1 < lnr.shape[1] - 1:
                continue  # a zero on a node is reported once, by the edge that starts there
            f = a / (a - b)  # linear in (ln v, ln Omega): exact for a local power law
            v = ln_v[j] + f * (ln_v[j + 1] - ln_v[j])
            secant = (b - a) / (ln_v[j + 1] - ln_v[j])
            across = (1.0 - f) * dlnr_du[i, j] + f * dlnr_du[i, j + 1]
            t = (1.0 - f) * t_ln[i, j] + f * t_ln[i, j + 1]
            out.append((ln_u[i], v, secant, across, t))
    return out


def _order_along_curve(points: np.ndarray, start: int) -> np.ndarray:
    """Greedy nearest-neighbour chain through points (shape (n, 2), scaled coordinates)."""
    n = points.shape[0]
    order = [start]
    left = np.ones(n, dtype=bool)
    left[start] = False
    for _ in range(n - 1):
        d = np.linalg.norm(points - points[order[-1]], axis=1)
        d[~left] = np.inf
        nxt = int(np.argmin(d))
        order.append(nxt)
        left[nxt] = False
    return np.asarray(order, dtype=np.int64)


def _classify(s_eps, s_alpha, slope, ratio) -> np.ndarray:
    regime = np.full(s_eps.shape, "unclassified", dtype=object)
    finite = np.isfinite(s_eps) & np.isfinite(s_alpha)
    freeze_in = finite & (s_alpha > 0.0)
    out = finite & (s_alpha < 0.0)
    flat = out & (np.abs(slope) < _K_FLAT)
    hot = np.isfinite(ratio) & (ratio >= _T_RATIO_THERMALIZED)
    regime[freeze_in] = "freeze-in"
    regime[out & (slope >= _K_REANNIHILATION)] = "reannihilation"
    regime[out & (slope < _K_REANNIHILATION)] = "leak-in"
    regime[(flat | (out & (slope < 0.0))) & hot] = "secluded freeze-out"
    return regime.astype(str)


def relic_contour(grid: OmegaGrid, omega_h2: float = c.OMEGA_H2_PLANCK) -> RelicContour:
    """The relic contour Omega h^2(alpha_D, epsilon) = ``omega_h2`` and its regimes (seed 003
    Sec. 2.3, Fig. 2).

    Points: every sign change of L = ln(Omega h^2 / omega_h2) between neighbouring grid points
    along epsilon (each alpha_D row) and along alpha_D (each epsilon column), located by linear
    interpolation of L in (ln alpha_D, ln epsilon) (exact where Omega is a local power law).
    Edges touching a failed point (status != 0) are skipped. Both directions are kept: rows
    resolve the steep parts (freeze-in, near epsilon_min), columns the flat ones (plateau).

    Local slopes at a point: the derivative along the crossing edge is its secant; the one
    across it is ``np.gradient`` of L in the log of the other axis at the two edge ends,
    interpolated linearly. The contour slope is k = d ln alpha_D / d ln epsilon =
    -(dL/d ln epsilon) / (dL/d ln alpha_D).

    Regimes (thresholds are module constants; along the contour, from small alpha_D). Seed 003
    Sec. 2.3 separates them by "significant changes in the slope" of the contour drawn as
    alpha_D(epsilon), with a "steep reannihilation" and a "more shallowly sloped leak-in"
    phase between epsilon_min and the epsilon-independent freeze-out; these are conventions
    that follow that description:

    * ``"freeze-in"``: dL/d ln alpha_D > 0 -- Omega still grows with alpha_D (pure freeze-in:
      Omega ~ epsilon^2 alpha_D, slopes (2, 1), k = -2). The sign change of dL/d ln alpha_D is
      exactly where d epsilon / d alpha_D = 0 on the contour, i.e. epsilon_min, so this is seed
      003's "freeze-in branch = alpha_D < alpha_D(epsilon_min)". Near epsilon_min the branch
      is already depleted by chi chibar -> Z_D Z_D and leaves the epsilon^2 alpha_D scaling
      (at m_chi = 10 GeV: slopes (1.87, 0.29) at alpha_D = 1e-5).
    * ``"reannihilation"``: dL/d ln alpha_D < 0 and k >= 0.5 (steep, right after epsilon_min,
      where k = +infinity): DM production from the SM and annihilation in a cold hidden sector
      compete (T_hs/T ~ 1e-2 at decoupling).
    * ``"leak-in"``: dL/d ln alpha_D < 0 and k < 0.5, unless classified as below (shallow:
      DM freezes out of a hidden sector whose temperature is set by the energy leaking in
      from the SM; at m_chi = 10 GeV, k = 0.15-0.4 for 1e-9 < epsilon < 1e-6, with T_hs/T at
      decoupling rising from 0.02 to 0.6).
    * ``"secluded freeze-out"``: dL/d ln alpha_D < 0, T_hs/T at decoupling >=
      ``_T_RATIO_THERMALIZED`` and either |k| < ``_K_FLAT`` (epsilon-independent) or k < 0
      (beyond the maximum of alpha_D(epsilon), see ``thermalization_floor``).
    * ``"unclassified"``: a slope is not finite (a neighbour failed).

    ``decoupling_point`` explains T_hs/T "at decoupling": for freeze-out it is read ~10 x_f
    after the freeze-out x_f, so on the thermalized branch it is ~0.6-0.7, not 1 (the
    hidden sector is colder than the SM after the QCD crossover).

    Args:
        grid: ``OmegaGrid``.
        omega_h2: target Omega h^2 (Planck 2018 by default), > 0.

    Returns:
        ``RelicContour`` ordered along the curve (greedy nearest-neighbour chain in
        (ln alpha_D, ln epsilon) scaled by the grid spans, from the freeze-in end: the
        smallest-alpha_D freeze-in point, else the smallest alpha_D). Empty if the grid has no
        crossing.

    Raises:
        ValueError: ``omega_h2`` not finite and > 0.
    """
    if not (math.isfinite(omega_h2) and omega_h2 > 0.0):
        raise ValueError(f"omega_h2 must be finite and > 0, got {omega_h2}")
    ln_a, ln_e = np.log(grid.alpha_D), np.log(grid.epsilon)
    with np.errstate(invalid="ignore", divide="ignore"):
        lnr = np.log(grid.omega_h2 / omega_h2)
        t_ln = np.log(grid.t_hs_over_t_dec)
    d_da = np.gradient(lnr, ln_a, axis=0)  # NaN next to failed points
    d_de = np.gradient(lnr, ln_e, axis=1)
    rows = _crossings(ln_a, ln_e, lnr, t_ln, d_da)  # along epsilon: secant = dL/dln eps
    cols = _crossings(ln_e, ln_a, lnr.T, t_ln.T, d_de.T)  # along alpha: secant = dL/dln alpha
    la = np.array([p[0] for p in rows] + [p[1] for p in cols], dtype=np.float64)
    le = np.array([p[1] for p in rows] + [p[0] for p in cols], dtype=np.float64)
    s_eps = np.array([p[2] for p in rows] + [p[3] for p in cols], dtype=np.float64)
    s_alpha = np.array([p[3] for p in rows] + [p[2] for p in cols], dtype=np.float64)
    t_dec = np.exp(np.array([p[4] for p in rows] + [p[4] for p in cols], dtype=np.float64))
    direction = np.array(["epsilon"] * len(rows) + ["alpha_D"] * len(cols), dtype=str)
    # a zero of L exactly on a grid node is found by its row and its column: keep the first
    keep = np.ones(la.size, dtype=bool)
    for i in range(la.size):
        if keep[i]:
            same = (np.abs(la - la[i]) < 1e-12) & (np.abs(le - le[i]) < 1e-12)
            same[: i + 1] = False
            keep &= ~same
    la, le, s_eps, s_alpha, t_dec, direction = (v[keep] for v in (la, le, s_eps, s_alpha, t_dec, direction))
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = -s_eps / s_alpha
    regime = _classify(s_eps, s_alpha, slope, t_dec)
    if la.size:
        scaled = np.stack([la / max(np.ptp(ln_a), 1e-300), le / max(np.ptp(ln_e), 1e-300)], axis=1)
        fi = np.flatnonzero(regime == "freeze-in")
        start = int(fi[np.argmin(la[fi])]) if fi.size else int(np.argmin(la))
        order = _order_along_curve(scaled, start)
    else:
        order = np.zeros(0, dtype=np.int64)
    return RelicContour(
        alpha_D=np.exp(la[order]),
        epsilon=np.exp(le[order]),
        direction=direction[order] if order.size else np.zeros(0, dtype=str),
        dln_omega_dln_eps=s_eps[order],
        dln_omega_dln_alpha=s_alpha[order],
        slope=slope[order],
        t_hs_over_t_dec=t_dec[order],
        regime=regime[order] if order.size else np.zeros(0, dtype=str),
        omega_h2=float(omega_h2),
        m_chi=grid.m_chi,
    )


# --- epsilon_min --------------------------------------------------------


def epsilon_min(contour: RelicContour, refine: bool = True) -> tuple[float, float]:
    """Minimum epsilon on the relic contour and the alpha_D there (seed 003 Sec. 2.3: the
    boundary between the freeze-in branch and out-of-equilibrium freeze-out).

    The smallest epsilon among the contour points; with ``refine``, a parabola in
    (ln alpha_D, ln epsilon) through that point and its two nearest row crossings
    (``direction == "epsilon"``, one at smaller and one at larger alpha_D) moves it to the
    vertex when the vertex lies between them and is lower (a coarse grid samples the minimum
    of epsilon(alpha_D) only at its alpha_D rows).

    Args:
        contour: ``RelicContour``.
        refine: parabolic refinement (see above).

    Returns:
        ``(epsilon_min, alpha_D_at_epsilon_min)`` (floats; photon-like epsilon).

    Raises:
        ValueError: an empty contour.
    """
    if len(contour) == 0:
        raise ValueError("the contour has no points (no Omega h^2 = target crossing on the grid)")
    i = int(np.argmin(contour.epsilon))
    eps, alpha = float(contour.epsilon[i]), float(contour.alpha_D[i])
    if not refine:
        return eps, alpha
    rows = contour.direction == "epsilon"
    la, le = np.log(contour.alpha_D[rows]), np.log(contour.epsilon[rows])
    order = np.argsort(la)
    la, le = la[order], le[order]
    if la.size < 3:
        return eps, alpha
    k = int(np.clip(np.argmin(le), 1, la.size - 2))
    xs, ys = la[k - 1 : k + 2], le[k - 1 : k + 2]
    if np.ptp(xs) <= 0.0 or np.min(np.diff(xs)) <= 0.0:
        return eps, alpha
    a2, a1, a0 = np.polyfit(xs, ys, 2)
    if a2 <= 0.0:
        return eps, alpha
    x_v = -a1 / (2.0 * a2)
    y_v = a0 - a1**2 / (4.0 * a2)
    if xs[0] <= x_v <= xs[-1] and y_v < math.log(eps):
        return math.exp(y_v), math.exp(x_v)
    return eps, alpha




# --- relic grids of a model family -------------------------------------------------------------------

#: default alpha_D points of a relic grid
GRID_N_ALPHA = 24
#: default photon-like epsilon range of a relic grid: freeze-in (~1e-13) through the floor (seed 003
#: Fig. 3) and the plateau (~1e-4 .. 1e-2) to the chi chibar -> f fbar fall above it
EPSILON_RANGE = (1.0e-13, 0.1)
#: default epsilon points of a relic grid: 3 per decade over EPSILON_RANGE, so that a one-decade
#: plateau window holds 4 (24 x 37 = 888 two-temperature solves per mass)
GRID_N_EPSILON = 37
#: ODE step limit of a relic-grid solve
GRID_MAX_STEPS = 8192


@dataclasses.dataclass(frozen=True)
class GridBuilder:
    """``make_model(alpha_D, epsilon, m_chi, ratio)`` of the relic grids of one model family, for
    ``omega_grid(..., params={"m_chi": m, "ratio": r})``: m_chi and the family's mass ratio are
    traced, so that the grids of every mass and ratio share one compilation per chunk size (the
    equality and hash ignore the family's ratio).

    Attributes:
        family: ``ModelFamily``.
    """

    family: object

    def __call__(self, alpha_D, epsilon, m_chi, ratio):
        return self.family.point(m_chi, alpha_D, epsilon, ratio=ratio)

    def _key(self):
        return self.family.static_key()

    def __eq__(self, other):
        return isinstance(other, GridBuilder) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


@dataclasses.dataclass(frozen=True)
class GridSettings:
    """The (alpha_D, epsilon) grids of ``qedm contour`` and ``qedm floor`` (``check`` validates).

    Attributes:
        alpha_D_range: ``(lo, hi)`` of alpha_D for every mass, or None (the family's
            ``default_alpha_range(m_chi)``).
        n_alpha: alpha_D points (log-spaced), >= 2.
        epsilon_range: ``(lo, hi)`` photon-like epsilon, 0 < lo < hi < 0.5.
        n_epsilon: epsilon points (log-spaced), >= 2.
        x0: start x = m_chi / T0 of the two-temperature solves, in (0, 1); None: the family's.
        max_steps: ODE step limit per solve, >= 16.
        chunk: points per compiled call, >= 1, or None (``DEFAULT_CHUNK`` or the grid size).
    """

    alpha_D_range: tuple[float, float] | None = None
    n_alpha: int = GRID_N_ALPHA
    epsilon_range: tuple[float, float] = EPSILON_RANGE
    n_epsilon: int = GRID_N_EPSILON
    x0: float | None = None
    max_steps: int = GRID_MAX_STEPS
    chunk: int | None = None

    def check(self, family, m_chi) -> None:
        """Check every setting against ``family`` and the masses, before anything is traced.

        Args:
            family: ``ModelFamily``.
            m_chi: DM masses [GeV], 1-d.

        Raises:
            ValueError: the message names the parameter and its allowed range.
        """
        for name, rng, upper in (("alpha_D_range", self.alpha_D_range, None), ("epsilon_range", self.epsilon_range, 0.5)):
            if rng is None:
                continue
            try:
                lo, hi = (float(v) for v in rng)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be (lo, hi); got {rng!r}") from None
            if not (math.isfinite(lo) and lo > 0.0 and math.isfinite(hi) and hi > lo):
                raise ValueError(f"{name} (lo, hi) must satisfy 0 < lo < hi; got {lo!r} {hi!r}")
            if upper is not None and not hi < upper:
                raise ValueError(f"{name}: hi must be < {upper:g}; got {hi!r}")
        for name, n in (("n_alpha", self.n_alpha), ("n_epsilon", self.n_epsilon)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
                raise ValueError(f"{name} must be an integer >= 2; got {n!r}")
        if self.chunk is not None and (isinstance(self.chunk, bool) or not isinstance(self.chunk, (int, np.integer))
                                       or self.chunk < 1):
            raise ValueError(f"chunk must be an integer >= 1 or None; got {self.chunk!r}")
        if isinstance(self.max_steps, bool) or not isinstance(self.max_steps, (int, np.integer)) or self.max_steps < 16:
            raise ValueError(f"max_steps must be an integer >= 16; got {self.max_steps!r}")
        family.check_start(m_chi, self.start_x(family))
        for m in np.atleast_1d(m_chi):
            alpha = self.alpha_axis(family, float(m))
            family.check(float(m), alpha_D=alpha[-1], epsilon=self.epsilon_range[1])

    def start_x(self, family) -> float:
        """x0 of the solves: ``x0``, or the family's two-temperature start."""
        return family.x0_two_temperature if self.x0 is None else float(self.x0)

    def alpha_axis(self, family, m_chi: float) -> np.ndarray:
        """alpha_D axis at one mass, shape (n_alpha,)."""
        rng = family.default_alpha_range(m_chi) if self.alpha_D_range is None else self.alpha_D_range
        return np.geomspace(*rng, self.n_alpha)

    def epsilon_axis(self) -> np.ndarray:
        """epsilon axis, shape (n_epsilon,)."""
        return np.geomspace(*self.epsilon_range, self.n_epsilon)

    def config(self, family) -> solve_mod.SolverConfig:
        """``contour_config`` with this start and step limit."""
        return contour_config(x0=self.start_x(family), max_steps=int(self.max_steps))


def family_grid(family, m_chi: float, alpha_D, epsilon, settings: GridSettings, chunk: int) -> OmegaGrid:
    """``omega_grid`` of one model family at one mass (m_chi and the ratio traced).

    Args:
        family: ``ModelFamily``.
        m_chi: DM mass [GeV].
        alpha_D: alpha_D axis, shape (n_alpha,).
        epsilon: epsilon axis, shape (n_eps,).
        settings: ``GridSettings`` (x0, max_steps).
        chunk: points per compiled call.

    Returns:
        ``OmegaGrid``.

    Raises:
        ValueError: as ``omega_grid``.
    """
    return omega_grid(GridBuilder(family), alpha_D, epsilon, settings.config(family), chunk=chunk,
                      params={"m_chi": float(m_chi), "ratio": float(family.ratio)})
