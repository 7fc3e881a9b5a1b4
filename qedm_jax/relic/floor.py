"""The thermalization floor: where the relic abundance stops depending on how the hidden
sector was filled (seed 003 Sec. 2.3, Fig. 3; DESIGN.md "Derived curves").

One implementation, two read-offs; the model family says which applies
(``ModelFamily.floor_method``):

* ``"plateau"`` (secluded DM, seed 003): on the relic contour Omega h^2(alpha_D, epsilon) =
  target, alpha_D^TF is the epsilon-independent alpha_D of the freeze-out branch (its plateau)
  and epsilon_TF the smallest epsilon beyond which alpha_D stays within a tolerance of it
  (``thermalization_floor`` on a ``RelicContour``; ``plateau_floor`` computes the grid, reads
  epsilon_min and the floor, and refines the floor on a second grid).
* ``"maximum"`` (BC2, where the hidden sector is chi alone and annihilation into it is the only
  channel): at fixed (m_chi, alpha_D), epsilon_TF = argmax over epsilon of the two-temperature
  Omega h^2(epsilon): freeze-in below (Omega ~ epsilon^2), freeze-out above (``maximum_floor``).
  The plateau definition does not apply there: without a dark channel alpha_D(epsilon) on the
  relic contour has no epsilon-independent branch.

``floor_in_mzd_plane`` maps epsilon_min and epsilon_TF to the (m_ZD, epsilon) plane (Fig. 3).
"""

from __future__ import annotations

import dataclasses
import math

import jax.numpy as jnp
import numpy as np

from .. import constants as c
from .. import grids
from .. import sm, thermal
from .. import solve as solve_mod
from ..models.family import ModelFamily
from .contour import OmegaGrid, RelicContour, epsilon_min, omega_grid, relic_contour

__all__ = [
    "FLOOR_TOLERANCE",
    "PLATEAU_WINDOW_DECADES",
    "FLOOR_STATUS_MESSAGES",
    "ThermalizationFloor",
    "PlateauFloor",
    "FloorInMzdPlane",
    "thermalization_floor",
    "refine_epsilon_range",
    "check_plateau_options",
    "plateau_floor",
    "maximum_floor",
    "floor_in_mzd_plane",
]

#: relative alpha_D band of the thermalization floor (DESIGN.md "Derived curves")
FLOOR_TOLERANCE = 0.01
#: width in decades of epsilon of the window in which ``thermalization_floor`` looks for the plateau
PLATEAU_WINDOW_DECADES = 1.0
#: alpha_D points of the floor's refinement grid, and its band around the coarse alpha_D^TF
FLOOR_N_REFINE = 16
REFINE_BAND = (0.75, 1.15)
#: top of the refinement grid in epsilon: the plateau reaches ~1e-2 before chi chibar -> f fbar
#: lowers alpha_D again (``thermalization_floor``)
FLOOR_EPSILON_MAX = 0.1
#: epsilon points per decade of the refinement grid (a one-decade plateau window needs >= 3)
FLOOR_EPS_PER_DECADE = 4
#: status of a floor (``PlateauFloor.status``; ``maximum_floor`` uses ``solve.STATUS_*``)
FLOOR_OK, FLOOR_NO_CONTOUR, FLOOR_NO_FREEZE_OUT, FLOOR_BELOW_GRID = 0, 1, 2, 3
FLOOR_STATUS_MESSAGES = {
    FLOOR_OK: "ok",
    FLOOR_NO_CONTOUR: "no Omega h^2 = target crossing on the grid (widen the alpha_D / epsilon ranges)",
    FLOOR_NO_FREEZE_OUT: "no freeze-out branch with finite slopes on the grid: no floor (raise the alpha_D range)",
    FLOOR_BELOW_GRID: "epsilon_TF lies below the first freeze-out point of the grid (NaN)",
}
#: how alpha_D^TF was read off a contour (``ThermalizationFloor.method``)
PLATEAU_METHODS = ("plateau", "flattest", "reference")


@dataclasses.dataclass(frozen=True)
class ThermalizationFloor:
    """The thermalization floor of one relic contour (``thermalization_floor``).

    Attributes:
        alpha_D_TF: alpha_D where the relic curve is epsilon-independent (the plateau).
        epsilon_TF: the smallest epsilon beyond which alpha_D(epsilon) stays within
            ``tolerance`` of alpha_D_TF up to the plateau (NaN when every freeze-out point
            below the plateau is inside: the floor lies below the grid).
        epsilon_plateau: geometric centre of the plateau window.
        plateau_range: ``(lo, hi)`` epsilon of the first and last point of the plateau window.
        method: ``"plateau"`` (the flattest window is flat to within ``tolerance``),
            ``"flattest"`` (no window that flat on the grid: alpha_D_TF is the median of the
            flattest one, judge it on ``plot_alpha_d_vs_epsilon``) or ``"reference"`` (given
            value).
        tolerance: relative band |alpha_D / alpha_D_TF - 1| used for epsilon_TF.
        n_plateau: freeze-out points in the plateau window.
        t_hs_over_t_dec: T_hs / T at decoupling at epsilon_TF (log-interpolated; NaN when
            epsilon_TF is).
        spread: relative spread (max - min) / alpha_D_TF of alpha_D over the plateau window:
            how epsilon-independent the plateau really is.
    """

    alpha_D_TF: float
    epsilon_TF: float
    epsilon_plateau: float
    plateau_range: tuple[float, float]
    method: str
    tolerance: float
    n_plateau: int
    t_hs_over_t_dec: float
    spread: float


#: minimum number of contour points in a plateau window
_PLATEAU_MIN_POINTS = 3


def _flattest_window(ln_eps, ln_alpha, width):
    """Indices (i, j) of the window ln_eps[i..j] with at least ``_PLATEAU_MIN_POINTS`` points and
    the smallest spread of ln alpha (the first of equal ones), or None. The window starting at
    point i holds the points up to ln_eps[i] + ``width``; where they span less than 0.9
    ``width`` (points sparser than the window: a coarse epsilon axis) it extends to the first
    point beyond 0.9 ``width``, so that a coarse grid still has plateau windows instead of
    leaving only the denser leak-in branch (two alpha_D crossings per epsilon column) to choose
    from."""
    best, best_spread = None, math.inf
    for i in range(ln_eps.size):
        inside = np.flatnonzero((ln_eps >= ln_eps[i]) & (ln_eps <= ln_eps[i] + width + 1e-12))
        j = int(inside[-1])
        if ln_eps[j] - ln_eps[i] < 0.9 * width:
            beyond = np.flatnonzero(ln_eps - ln_eps[i] >= 0.9 * width)
            if beyond.size == 0:
                continue
            j = int(beyond[0])
        if j - i + 1 < _PLATEAU_MIN_POINTS:
            continue
        spread = float(np.ptp(ln_alpha[i : j + 1]))
        if spread < best_spread - 1e-12:
            best, best_spread = (i, j), spread
    return best


def thermalization_floor(contour_or_grid, tolerance: float = 0.01, alpha_reference: float | None = None,
                         omega_h2: float = c.OMEGA_H2_PLANCK,
                         window_decades: float = PLATEAU_WINDOW_DECADES) -> ThermalizationFloor:
    """Thermalization floor (alpha_D^TF, epsilon_TF) of a relic contour (seed 003 Sec. 2.3;
    DESIGN.md "Derived curves").

    Only the freeze-out side of the contour is used (dL/d ln alpha_D < 0, L = ln(Omega /
    target): beyond epsilon_min), read as alpha_D(epsilon) in increasing epsilon.

    alpha_D^TF, "the value of alpha_D at which the relic abundance curve becomes
    epsilon-independent" (seed 003 Sec. 2.3), is the median alpha_D of the *plateau window*:
    of all windows of the freeze-out branch spanning ``window_decades`` in epsilon (at least
    90% of it, more where the contour points are sparser, and at least three contour points;
    ``_flattest_window``), the one where alpha_D varies least
    (smallest (max - min) of ln alpha_D). The method is ``"plateau"`` when that spread is
    within ``tolerance``, else ``"flattest"`` (the grid holds no plateau that flat: extend the
    epsilon range, or judge the curve). ``alpha_reference`` replaces alpha_D^TF by an external
    value (``"reference"``), e.g. the fully thermalized (T_hs = T) alpha_D.

    epsilon_TF, "the smallest epsilon beyond which the relic alpha_D stays within
    ``tolerance`` of alpha_D^TF": walking DOWN in epsilon from the first point of the plateau
    window, the first point outside the band; epsilon_TF is interpolated linearly in ln epsilon
    between it and the point above (inside). Walking down (not up from epsilon_min) keeps the
    leak-in branch, which crosses the band on its way to an overshoot, from counting.

    What the secluded model gives (m_ZD = m_chi / 10, photon-like epsilon, 13 epsilon per
    6 decades with alpha_D from 3-point fits, see tests/test_two_temperature.py): at m_chi =
    10 GeV leak-in up to epsilon ~ 1e-6, an overshoot to +8% over the one-temperature alpha_D
    at epsilon ~ 3e-6, then alpha_D settles by epsilon ~ 1e-4 on a plateau 3.1-3.5% BELOW the
    one-temperature value (3.57-3.59e-4 for epsilon = 1e-4..1e-2: Z_D exchanges no energy with
    the SM, so once the hidden sector decouples it evolves on its own through the QCD
    crossover), and chi chibar -> f fbar lowers alpha_D again above epsilon ~ 1e-2. At 100 GeV
    the plateau (3e-4..1e-2) lies 0.4% below the one-temperature alpha_D; at 1 GeV alpha_D
    still rises slowly (by ~6% from 1e-4 to 3e-3) into the chi chibar -> f fbar fall, so the
    flattest window there spans more than 1% (``"flattest"``). A grid must therefore reach
    epsilon ~ 1e-2 (``qedm floor`` refines up to ``FLOOR_EPSILON_MAX``).

    The accuracy is that of the contour interpolation: for a 1% band alpha_D near
    alpha_D^TF must be resolved to well below 1% (alpha_D steps of a few % around the plateau
    and several epsilon columns per decade); a coarse grid gives a coarse floor.

    Args:
        contour_or_grid: ``RelicContour``, or an ``OmegaGrid`` (its ``relic_contour`` at
            ``omega_h2`` is used).
        tolerance: relative band on alpha_D, in (0, 1).
        alpha_reference: external alpha_D^TF, > 0 (None: from the contour).
        omega_h2: target, only used when a grid is given.
        window_decades: width of the plateau window in decades of epsilon, > 0.

    Returns:
        ``ThermalizationFloor``.

    Raises:
        ValueError: tolerance outside (0, 1); window_decades not > 0; alpha_reference not
            finite and > 0; a contour without freeze-out points, or with fewer than three
            in any window of ``window_decades`` (the grid is too coarse in epsilon).
    """
    if not 0.0 < tolerance < 1.0:
        raise ValueError(f"tolerance must be in (0, 1), got {tolerance}")
    if not (math.isfinite(window_decades) and window_decades > 0.0):
        raise ValueError(f"window_decades must be > 0, got {window_decades}")
    if alpha_reference is not None and not (math.isfinite(alpha_reference) and alpha_reference > 0.0):
        raise ValueError(f"alpha_reference must be finite and > 0, got {alpha_reference}")
    contour = relic_contour(contour_or_grid, omega_h2) if isinstance(contour_or_grid, OmegaGrid) else contour_or_grid
    branch = contour.select(contour.freeze_out & np.isfinite(contour.alpha_D) & np.isfinite(contour.epsilon))
    if len(branch) == 0:
        raise ValueError("the contour has no freeze-out points (d ln Omega / d ln alpha_D < 0)")
    order = np.argsort(branch.epsilon, kind="stable")
    eps, alpha = branch.epsilon[order], branch.alpha_D[order]
    t_dec = branch.t_hs_over_t_dec[order]
    ln_eps, ln_alpha = np.log(eps), np.log(alpha)
    window = _flattest_window(ln_eps, ln_alpha, window_decades * math.log(10.0))
    if window is None:
        raise ValueError(f"no window of {window_decades:g} decades in epsilon holds {_PLATEAU_MIN_POINTS} freeze-out "
                         "points: the grid is too coarse in epsilon or too short")
    i0, i1 = window
    spread = float(np.ptp(alpha[i0 : i1 + 1]))
    alpha_tf = float(math.exp(np.median(ln_alpha[i0 : i1 + 1])))
    method = "plateau" if spread <= tolerance * alpha_tf else "flattest"
    if alpha_reference is not None:
        method, alpha_tf = "reference", float(alpha_reference)
    deviation = np.abs(alpha / alpha_tf - 1.0)
    eps_tf = t_tf = math.nan
    inside = np.flatnonzero(deviation[i0 : i1 + 1] <= tolerance)
    outside = np.flatnonzero(deviation[: i0 + (int(inside[0]) if inside.size else 0)] > tolerance)
    if inside.size and outside.size:
        j = int(outside[-1])  # the last point outside the band below the plateau; j + 1 is inside
        d0, d1 = deviation[j], deviation[j + 1]
        f = (d0 - tolerance) / (d0 - d1)
        eps_tf = math.exp((1.0 - f) * ln_eps[j] + f * ln_eps[j + 1])
        if np.all(t_dec[j : j + 2] > 0.0):
            t_tf = math.exp((1.0 - f) * math.log(t_dec[j]) + f * math.log(t_dec[j + 1]))
    return ThermalizationFloor(
        alpha_D_TF=alpha_tf,
        epsilon_TF=eps_tf,
        epsilon_plateau=float(math.sqrt(eps[i0] * eps[i1])),
        plateau_range=(float(eps[i0]), float(eps[i1])),
        method=method,
        tolerance=float(tolerance),
        n_plateau=int(i1 - i0 + 1),
        t_hs_over_t_dec=t_tf,
        spread=spread / alpha_tf,
    )


@dataclasses.dataclass(frozen=True)
class FloorInMzdPlane:
    """epsilon_min and epsilon_TF lines in the dark-photon (m_ZD, epsilon) plane.

    Attributes:
        m_ZD: dark-photon mass [GeV], shape (n,).
        epsilon_min: minimum-mixing line, shape (n,).
        epsilon_TF: thermalization floor, shape (n,).
        ratio: m_chi / m_ZD.
        hypercharge: True when the epsilons are seed 003's hypercharge mixing.
    """

    m_ZD: np.ndarray
    epsilon_min: np.ndarray
    epsilon_TF: np.ndarray
    ratio: float
    hypercharge: bool


def floor_in_mzd_plane(m_chi, eps_min, eps_TF, ratio: float = 10.0,
                       hypercharge: bool = False) -> FloorInMzdPlane:
    """Map epsilon_min(m_chi) and epsilon_TF(m_chi) to the (m_ZD, epsilon) plane at a fixed
    mass ratio (seed 003 Fig. 3: m_chi = 10 m_ZD and m_chi = 100 m_ZD).

    The lines are per DM mass; at fixed ``ratio = m_chi / m_ZD`` each mass maps to one dark-
    photon mass, m_ZD = m_chi / ratio, with the same epsilon. With ``hypercharge`` the
    epsilons are converted to seed 003's convention, eps_Y = epsilon / cos(theta_W)
    (``qedm_jax.models.secluded.epsilon_to_hypercharge``), for comparison with its figures.

    Args:
        m_chi: DM masses [GeV], shape (n,), > 0.
        eps_min: photon-like epsilon_min per mass, shape (n,) (NaN allowed).
        eps_TF: photon-like epsilon_TF per mass, shape (n,) (NaN allowed).
        ratio: m_chi / m_ZD, > 1 (the Z_D is lighter than chi in the secluded model).
        hypercharge: convert to seed 003's hypercharge mixing.

    Returns:
        ``FloorInMzdPlane``, sorted by m_ZD.

    Raises:
        ValueError: shapes differ or are not 1-d; masses not finite and > 0; ratio <= 1.
    """
    m = np.atleast_1d(np.asarray(m_chi, dtype=np.float64))
    e_min = np.atleast_1d(np.asarray(eps_min, dtype=np.float64))
    e_tf = np.atleast_1d(np.asarray(eps_TF, dtype=np.float64))
    if m.ndim != 1 or e_min.shape != m.shape or e_tf.shape != m.shape:
        raise ValueError(f"m_chi, epsilon_min, epsilon_TF must be 1-d of equal length, got {m.shape}, "
                         f"{e_min.shape}, {e_tf.shape}")
    if not np.all(np.isfinite(m) & (m > 0.0)):
        raise ValueError(f"m_chi must be finite and > 0 GeV, got {m}")
    if not (math.isfinite(ratio) and ratio > 1.0):
        raise ValueError(f"ratio = m_chi / m_ZD must be > 1, got {ratio}")
    if hypercharge:
        from ..models.secluded import epsilon_to_hypercharge

        e_min, e_tf = (np.asarray(epsilon_to_hypercharge(v)) for v in (e_min, e_tf))
    order = np.argsort(m)
    return FloorInMzdPlane(m[order] / ratio, e_min[order], e_tf[order], float(ratio), bool(hypercharge))


# --- the plateau floor of a model family, with its refinement grid ---------------------------------


def refine_epsilon_range(relic: RelicContour, alpha_estimate: float, epsilon_min_value: float,
                         epsilon_range: tuple[float, float]) -> tuple[float, float]:
    """Epsilon range of the floor's refinement grid (``plateau_floor``).

    From the last coarse freeze-out point below the refinement band (``REFINE_BAND[0]`` times
    ``alpha_estimate``) on the RISING side of the contour, i.e. at smaller epsilon than its
    largest alpha_D (so that the band entry is bracketed; the chi chibar -> f fbar fall above
    epsilon ~ 1e-2 also drops below the band and must not count), to ``max(epsilon_range[1],
    FLOOR_EPSILON_MAX)``; the lower end is at most 1e-3 of the upper.

    Args:
        relic: coarse ``RelicContour``.
        alpha_estimate: largest freeze-out alpha_D of ``relic`` (the band's anchor).
        epsilon_min_value: fallback lower end when no point lies below the band.
        epsilon_range: the coarse grid's (lo, hi) epsilon.

    Returns:
        ``(eps_lo, eps_hi)``, photon-like epsilon, floats.

    Raises:
        ValueError: ``relic`` has no freeze-out point with a finite alpha_D (numpy's "argmax of
            an empty sequence"; ``plateau_floor`` calls it only when there is one).
    """
    out = relic.freeze_out & np.isfinite(relic.alpha_D)
    eps_peak = float(relic.epsilon[out][np.argmax(relic.alpha_D[out])])
    below = out & (relic.alpha_D < REFINE_BAND[0] * alpha_estimate) & (relic.epsilon < eps_peak)
    eps_lo = float(np.max(relic.epsilon[below])) if np.any(below) else epsilon_min_value
    eps_hi = max(epsilon_range[1], FLOOR_EPSILON_MAX)
    return min(max(epsilon_range[0], eps_lo), 1e-3 * eps_hi), eps_hi


@dataclasses.dataclass(frozen=True)
class PlateauFloor:
    """epsilon_min and the plateau floor of one (m_chi, ratio) (``plateau_floor``).

    Attributes:
        m_chi: DM mass [GeV].
        ratio: the family's mass ratio.
        epsilon_min: minimum photon-like epsilon on the relic contour (NaN: no contour).
        alpha_D_at_epsilon_min: alpha_D there.
        floor: ``ThermalizationFloor`` (None: no floor, see ``status``).
        status: ``FLOOR_*`` code (``FLOOR_STATUS_MESSAGES``).
        refined: whether the floor comes from the refinement grid.
        n_failed: grid points whose solve failed (coarse and refinement grids).
        notes: remarks on the result (a refinement that found no floor).
    """

    m_chi: float
    ratio: float
    epsilon_min: float
    alpha_D_at_epsilon_min: float
    floor: ThermalizationFloor | None
    status: int
    refined: bool
    n_failed: int
    notes: tuple[str, ...] = ()


def _floor_or_none(relic: RelicContour, tolerance: float) -> ThermalizationFloor | None:
    try:
        return thermalization_floor(relic, tolerance)
    except ValueError:  # no freeze-out points, or too few per decade of epsilon
        return None


def check_plateau_options(omega_h2: float, tolerance: float, n_refine: int) -> None:
    """Check the options of ``plateau_floor`` (before any solve).

    Args:
        omega_h2: target Omega h^2, finite and > 0.
        tolerance: relative alpha_D band of the floor, in (0, 1).
        n_refine: alpha_D points of the refinement grid, 0 (none) or an integer >= 2.

    Returns:
        None.

    Raises:
        ValueError: naming the first option out of range.
    """
    if not (isinstance(omega_h2, (int, float, np.floating)) and math.isfinite(omega_h2) and omega_h2 > 0.0):
        raise ValueError(f"omega_h2 must be finite and > 0; got {omega_h2!r}")
    if not (isinstance(tolerance, (int, float, np.floating)) and 0.0 < tolerance < 1.0):
        raise ValueError(f"tolerance must be in (0, 1); got {tolerance!r}")
    if isinstance(n_refine, bool) or not isinstance(n_refine, (int, np.integer)) or n_refine == 1 or n_refine < 0:
        raise ValueError(f"n_refine must be 0 (no refinement) or an integer >= 2; got {n_refine!r}")


def plateau_floor(family: ModelFamily, m_chi: float, settings, omega_h2: float = c.OMEGA_H2_PLANCK,
                  tolerance: float = FLOOR_TOLERANCE, n_refine: int = FLOOR_N_REFINE,
                  chunk: int | None = None) -> PlateauFloor:
    """epsilon_min and the plateau thermalization floor at one mass (seed 003 Sec. 2.3, Fig. 3).

    The coarse grid (``settings``) gives the relic contour, epsilon_min and a first alpha_D^TF;
    with ``n_refine >= 2`` a second grid of ``n_refine`` alpha_D in ``REFINE_BAND`` times the
    largest freeze-out alpha_D of the coarse contour (the leak-in overshoot or the top of a
    monotone rise, 0-10% above the plateau: the coarse floor itself is a poor anchor) and
    ``FLOOR_EPS_PER_DECADE`` epsilon per decade over ``refine_epsilon_range`` gives the floor.

    Args:
        family: ``ModelFamily`` (its ``point`` builds the grid models).
        m_chi: DM mass [GeV].
        settings: ``qedm_jax.relic.contour.GridSettings`` of the coarse grid (checked by the caller).
        omega_h2: target Omega h^2.
        tolerance: relative alpha_D band of the floor, in (0, 1).
        n_refine: alpha_D points of the refinement grid; 0: no refinement.
        chunk: points per compiled call (None: the larger grid, at most ``DEFAULT_CHUNK``).

    Returns:
        ``PlateauFloor``; no contour, no floor, or a floor below the grid is a ``FLOOR_*``
        status, not an exception.

    Raises:
        ValueError: ``settings.alpha_D_range`` is None and the family has no default range
            (``ModelFamily.default_alpha_range``); ``settings`` that ``contour_config`` rejects
            (x0, max_steps); a grid that ``omega_grid`` rejects (axes, ``chunk < 1``, a corner
            model that fails ``solve.check_model``, a non-finite ``m_chi``); ``omega_h2`` not
            finite and > 0; ``tolerance`` outside (0, 1); ``n_refine`` not 0 or >= 2 (all
            before any solve).
    """
    from .contour import DEFAULT_CHUNK, family_grid

    check_plateau_options(omega_h2, tolerance, n_refine)

    alpha = settings.alpha_axis(family, m_chi)
    epsilon = settings.epsilon_axis()
    if chunk is None:
        chunk = min(DEFAULT_CHUNK, max(settings.n_alpha, n_refine) * settings.n_epsilon)
    grid = family_grid(family, m_chi, alpha, epsilon, settings, chunk)
    n_failed = int(np.sum(~grid.ok))
    relic = relic_contour(grid, omega_h2)
    if len(relic) == 0:
        return PlateauFloor(m_chi, family.ratio, math.nan, math.nan, None, FLOOR_NO_CONTOUR, False, n_failed)
    eps_min, alpha_at_min = epsilon_min(relic)
    floor = _floor_or_none(relic, tolerance)
    out = relic.alpha_D[relic.freeze_out & np.isfinite(relic.alpha_D)]
    refined, notes = False, ()
    if n_refine >= 2 and out.size:
        alpha_estimate = float(np.max(out))
        fine_alpha = alpha_estimate * np.geomspace(*REFINE_BAND, n_refine)
        eps_lo, eps_hi = refine_epsilon_range(relic, alpha_estimate, eps_min, settings.epsilon_range)
        n_eps = int(math.ceil(FLOOR_EPS_PER_DECADE * math.log10(eps_hi / eps_lo))) + 1
        fine = family_grid(family, m_chi, fine_alpha, np.geomspace(eps_lo, eps_hi, n_eps), settings, chunk)
        n_failed += int(np.sum(~fine.ok))
        fine_floor = _floor_or_none(relic_contour(fine, omega_h2), tolerance)
        if fine_floor is not None and math.isfinite(fine_floor.epsilon_TF):
            floor, refined = fine_floor, True
        else:
            notes = ("the refinement grid gave no floor; keeping the coarse one",)
    if floor is None:
        return PlateauFloor(m_chi, family.ratio, eps_min, alpha_at_min, None, FLOOR_NO_FREEZE_OUT, refined, n_failed,
                            notes)
    status = FLOOR_OK if math.isfinite(floor.epsilon_TF) else FLOOR_BELOW_GRID
    return PlateauFloor(m_chi, family.ratio, eps_min, alpha_at_min, floor, status, refined, n_failed, notes)


# --- the maximum floor: argmax over epsilon of Omega h^2 at fixed alpha_D ---------------------------

_EPS_FREEZE_IN_REF = 1e-13  # reference epsilon on the freeze-in branch (Omega ~ 1e-2 at 0.01-1 GeV, BC2)
_MAX_HALF_WIDTH = 3.5  # first grid: ln eps_sat +- this (a factor 33 each way)
_MAX_STAGES = ((9, 1.0), (5, 0.3), (5, 0.05))  # (points, half-width after the first) per stage
#: points per compiled call of the maximum floor's solves (one compile; the last call padded)
MAXIMUM_CHUNK = 8


def solve_points(family: ModelFamily, config: solve_mod.SolverConfig, m_chi, alpha_D, epsilon,
                 chunk: int = MAXIMUM_CHUNK) -> grids.ScanResult:
    """Omega h^2 at the points (m_chi[i], alpha_D[i], epsilon[i]) of one family, through the grid
    engine (``grids.scan(points=...)``), padded to ``chunk`` so that any number of points shares
    one compilation per (family, config, chunk).

    Args:
        family: ``ModelFamily``.
        config: ``SolverConfig``.
        m_chi, alpha_D, epsilon: 1-d arrays of equal length n (broadcast), GeV for m_chi.
        chunk: points per compiled call.

    Returns:
        ``grids.ScanResult`` with arrays of shape (n,).
    """
    m, a, e = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (m_chi, alpha_D, epsilon)))
    return grids.scan(_PointBuilder(family), config, chunk=chunk, pad_chunk=True, progress=False,
                      points={"m_chi": m.ravel(), "alpha_D": a.ravel(), "epsilon": e.ravel()})


@dataclasses.dataclass(frozen=True)
class _PointBuilder:
    """``make_model(m_chi, alpha_D, epsilon)`` equal for equal families (a bound method compares its
    instance by identity, so every new family object would compile anew)."""

    family: ModelFamily

    def __call__(self, m_chi, alpha_D, epsilon):
        return self.family.point(m_chi, alpha_D, epsilon)


def _y_eq_at_m(family: ModelFamily, masses, alpha_D, config) -> np.ndarray:
    """Equilibrium yield n_eq / s at T = m_chi (x = 1), shape (n_mass,)."""
    out = []
    for m in masses:
        t = jnp.asarray(m)
        model = family.point(m, alpha_D, 1e-3)
        out.append(float(jnp.exp(thermal.ln_n_eq(model, t)) / sm.entropy_density(t, config.gstar)))
    return np.asarray(out)


def _parabola_vertex(values, spacing):
    """Offset of the vertex of the parabola through (-h, 0, h) -> (a, b, c), clipped to +-h."""
    a, b, cc = values
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = spacing * (a - cc) / (2.0 * (a - 2.0 * b + cc))
    return np.clip(np.nan_to_num(offset), -spacing, spacing)


def maximum_floor(family: ModelFamily, m_chi, alpha_D: float,
                  config: solve_mod.SolverConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thermalization floor as the maximum of Omega h^2(epsilon) at fixed (m_chi, alpha_D).

    Definition: epsilon_TF = argmax_epsilon Omega h^2(epsilon) of the two-temperature solve.
    Below it (freeze-in) Omega grows like epsilon^2 because chi never reaches equilibrium; above
    it more coupling means more depletion: chi has reached chemical equilibrium with the SM and
    the relic abundance is set by (out-of-equilibrium, then ordinary) freeze-out. The maximum is
    where production saturates at the equilibrium yield, a property of Omega(epsilon) alone,
    insensitive to tolerances (unlike "max_x Y / Y_eq reaches 1"; seed 003's plateau definition
    does not apply to BC2, whose relic contour has no epsilon-independent branch). The floor is
    an upper bound on the freeze-in line (eps_FI < eps_TF < eps_target).

    Search: the freeze-in coefficient A = Omega / epsilon^2 from one solve at epsilon = 1e-13
    gives the saturation estimate epsilon_sat = sqrt(Omega_eq / A) with Omega_eq the Omega h^2
    of the equilibrium yield at T = m_chi; then three grids in ln epsilon (9 points over
    ln epsilon_sat +- 3.5, 5 over +-0.3, 5 over +-0.05: ``_MAX_STAGES``), each centred on the
    vertex of the parabola through the largest ln Omega and its neighbours, and a final solve
    at the vertex.
    Located to ~1e-3 in ln epsilon (Omega is flat there).

    Args:
        family: ``ModelFamily``.
        m_chi: DM masses [GeV], shape (n,), checked by the caller.
        alpha_D: dark coupling.
        config: two-temperature ``SolverConfig``.

    Returns:
        ``(epsilon_TF, omega_h2_at_TF, status)``, shape (n,) each: the ``solve.STATUS_*`` code
        (``STATUS_ROOT_FAILED`` when the maximum is not inside the first grid or a grid edge is
        the largest value at the last stage). A mass counts as failed when any of its solves
        failed (the largest status code of them); epsilon_TF is NaN there.

    Raises:
        ValueError: a point whose model fails ``solve.check_model`` (from ``solve_points``, i.e.
            ``grids.scan``, before anything is traced: e.g. a mass not finite and > 0, or
            alpha_D not finite and > 0).
    """
    masses = np.atleast_1d(np.asarray(m_chi, dtype=np.float64))
    n = masses.size
    ref = solve_points(family, config, masses, alpha_D, _EPS_FREEZE_IN_REF)
    status = ref.status.astype(np.int32)
    coefficient = ref.omega_h2 / _EPS_FREEZE_IN_REF**2  # freeze-in: Omega = A epsilon^2
    omega_eq = c.OMEGA_H2_PER_GEV_Y * masses * _y_eq_at_m(family, masses, alpha_D, config)
    with np.errstate(invalid="ignore"):
        centre = 0.5 * np.log(omega_eq / coefficient)
    centre = np.where(np.isfinite(centre), centre, math.log(1e-8))
    bracketed = np.ones(n, dtype=bool)
    for stage, (n_points, half_width) in enumerate(_MAX_STAGES):
        half_width = _MAX_HALF_WIDTH if stage == 0 else half_width
        offsets = np.linspace(-half_width, half_width, n_points)
        spacing = offsets[1] - offsets[0]
        ln_eps = np.minimum(centre[:, None] + offsets[None, :], math.log(0.5))
        sol = solve_points(family, config, np.repeat(masses, n_points), alpha_D, np.exp(ln_eps).ravel())
        with np.errstate(invalid="ignore", divide="ignore"):
            ln_omega = np.log(sol.omega_h2.reshape(n, n_points))
        status = np.maximum(status, sol.status.reshape(n, n_points).max(axis=1)).astype(np.int32)
        k = np.argmax(np.where(np.isfinite(ln_omega), ln_omega, -np.inf), axis=1)
        edge = (k == 0) | (k == n_points - 1)
        if stage in (0, len(_MAX_STAGES) - 1):
            bracketed &= ~edge
        k = np.clip(k, 1, n_points - 2)
        rows = np.arange(n)
        values = (ln_omega[rows, k - 1], ln_omega[rows, k], ln_omega[rows, k + 1])
        centre = ln_eps[rows, k] + _parabola_vertex(values, spacing)
    final = solve_points(family, config, masses, alpha_D, np.exp(centre))
    status = np.maximum(status, final.status).astype(np.int32)
    status = np.where((status == solve_mod.STATUS_OK) & ~bracketed, solve_mod.STATUS_ROOT_FAILED, status)
    epsilon = np.where(status == solve_mod.STATUS_OK, np.exp(centre), np.nan)
    return epsilon, final.omega_h2, status.astype(np.int32)
