"""The public API: one function per command of ``qedm``, with the same names, parameters and
defaults (``qedm target`` is ``target(...)``, ``qedm freeze-in`` is ``freeze_in(...)``, and so on).

Every function takes the model family and its fixed parameters the same way, ``model="bc2"``
with ``species``, ``ratio`` (m_A / m_chi) and ``delta`` (Delta / m_chi), or ``model="secluded"``
with ``ratio`` (m_chi / m_ZD) (``qedm_jax.models.family.make_family``), and the DM masses as
``m_chi`` (a list, GeV) or ``m_min, m_max, n`` (log-spaced). Inputs are checked before anything
is traced (``ValueError`` naming the parameter and its range); inputs outside a family's range of
validity give one ``ValidityWarning`` per parameter; failures of single masses or grid points are
data (a ``status`` column), never exceptions.

Results are ``qedm_jax.io.Table`` (columns with the units of ``io.COLUMN_UNITS`` and a header;
``table.write_csv(path)`` writes exactly what the command writes), except ``scan``, which returns
the ``grids.ScanResult`` that ``qedm scan`` saves as ``.npz``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import __version__
from . import constants as c
from . import grids, io, sm
from . import solve as solve_mod
from .models.bc2 import y_bc2
from .models.family import BC2Family, ModelFamily, check_masses, check_positive, check_values, make_family
from .progress import progress as _progress
from .relic import contour as contour_mod
from .relic import floor as floor_mod
from .relic import freeze_in as freeze_in_mod
from .relic import target as target_mod

__all__ = [
    "ValidityWarning",
    "mass_list",
    "target",
    "freeze_in",
    "contour",
    "floor",
    "scan",
    "evolve",
    "load_contours",
    "load_floors",
    "TARGET_ALPHA_D",
    "TARGET_MASSES",
]

#: default alpha_D of a thermal target (BC2 benchmark, seed 000)
TARGET_ALPHA_D = 0.1
#: default masses of a thermal target [GeV]: 60 log-spaced from 1 MeV to 2 GeV (the main job)
TARGET_MASSES = (1.0e-3, 2.0, 60)
#: default mass ratios of ``floor``: secluded m_chi / m_ZD (seed 003 Fig. 3)
FLOOR_RATIOS_SECLUDED = (10.0, 100.0)
#: regime column of a contour table: index into ``relic.contour.REGIMES``; -1 = no contour
REGIME_NONE = -1
CONTOUR_COLUMNS = ("m_chi", "m_ZD", "ratio", "alpha_D", "epsilon", "regime", "T_hs_over_T_dec", "slope",
                   "dln_omega_dln_eps", "dln_omega_dln_alpha", "direction", "n_failed")
PLATEAU_FLOOR_COLUMNS = ("ratio", "m_chi", "m_ZD", "epsilon_min", "alpha_D_at_epsilon_min", "epsilon_TF", "alpha_D_TF",
                         "status", "T_hs_over_T_TF", "spread", "method", "refined", "n_failed")
_DIRECTIONS = ("epsilon", "alpha_D")
_RRATIO_SOURCES = {
    "darkcast": "DarkCast smooth u,d,s fit (Ilten et al., arXiv:1801.04847)",
    "pdg2020": "PDG 2020 compilation (Zyla et al., PTEP 2020 083C01)",
}
_GSTAR_SOURCES = {
    "saikawa-shirai-2018": "Saikawa & Shirai 2018, arXiv:1803.01038",
    "drees-hajkarim-schmitz-2015": "Drees, Hajkarim & Schmitz 2015, arXiv:1503.03513",
    "laine-meyer-2015": "Laine & Meyer 2015, arXiv:1503.04935",
    "gondolo-gelmini-1991": "Gondolo & Gelmini 1991, Nucl. Phys. B360 145",
}
EPSILON_CONVENTION = ("photon-like kinetic mixing (the dark photon couples as epsilon e Q_f for m << m_Z); seed 003's "
                      f"hypercharge mixing is epsilon / cos(theta_W) = epsilon / {math.sqrt(1.0 - c.SIN2_THETA_W):.5f}")


class ValidityWarning(UserWarning):
    """An input outside the model family's range of validity (the run goes on)."""


# --- inputs ----------------------------------------------------------------------------------------


def mass_list(m_chi=None, m_min: float | None = None, m_max: float | None = None, n: int | None = None,
              default=TARGET_MASSES) -> np.ndarray:
    """DM masses from an explicit list or a log-spaced range (one of the two).

    Args:
        m_chi: masses [GeV], scalar or 1-d, each > 0; None: the range.
        m_min, m_max, n: log-spaced range [GeV] with n >= 1 points; unset ones from ``default``.
        default: ``(m_min, m_max, n)`` of the range, or a tuple of masses [GeV] used when nothing
            is given.

    Returns:
        float64 array of shape (n,).

    Raises:
        ValueError: both a list and a range, a mass not > 0, m_max <= m_min, n < 1.
    """
    range_given = any(v is not None for v in (m_min, m_max, n))
    if m_chi is not None:
        if range_given:
            raise ValueError("give either m_chi or m_min/m_max/n, not both")
        return check_masses(m_chi)
    if not range_given and len(default) != 3:
        return check_masses(default)
    d_min, d_max, d_n = default if len(default) == 3 else (min(default), max(default), len(default))
    lo = check_positive("m_min", d_min if m_min is None else m_min, what="> 0 GeV")
    hi = check_positive("m_max", d_max if m_max is None else m_max, what="> 0 GeV")
    count = d_n if n is None else n
    if not hi > lo and count > 1:
        raise ValueError(f"m_max must be > m_min = {lo!r} GeV; got {hi!r}")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"n must be an integer >= 1; got {count!r}")
    return np.geomspace(lo, hi, int(count))


def _warn(family: ModelFamily, m_chi, alpha_D=None, epsilon=None) -> None:
    for line in family.validity_warnings(m_chi, alpha_D, epsilon):
        warnings.warn(line, ValidityWarning, stacklevel=3)


def _check_omega(omega_h2) -> float:
    return check_positive("omega_h2", omega_h2)


def _status_text(messages=None) -> str:
    messages = solve_mod.STATUS_MESSAGES if messages is None else messages
    return "; ".join(f"{code} = {text}" for code, text in sorted(messages.items()))


def _header(command: str, family: ModelFamily, omega_h2: float | None = None,
            config: solve_mod.SolverConfig | None = None) -> dict[str, str]:
    """Header entries common to every table: generator, model, conventions, tables, units."""
    header = {"generator": f"qedm_jax {__version__} (qedm {command})", "qedm_jax_version": __version__}
    header.update(family.header())
    header["epsilon_convention"] = EPSILON_CONVENTION
    if isinstance(family, BC2Family):
        header["Y_BC2_definition"] = "Y_BC2 = epsilon^2 alpha_D (m_chi / m_A)^4"
    if omega_h2 is not None:
        planck = "Planck 2018, arXiv:1807.06209"
        if omega_h2 != c.OMEGA_H2_PLANCK:
            planck = f"user choice; {planck}: {c.OMEGA_H2_PLANCK!r}"
        header["omega_h2_target"] = f"{float(omega_h2)!r} ({planck})"
    header["R_ratio"] = (f"{family.rratio}: {_RRATIO_SOURCES.get(family.rratio, family.rratio)} below "
                         f"{sm.R_SWITCH_GEV:g} GeV, perturbative above")
    gstar = sm.DEFAULT_GSTAR if config is None else config.gstar
    header["g_star"] = f"{gstar}: {_GSTAR_SOURCES.get(gstar, gstar)}"
    if config is not None:
        header["solver"] = (f"{'thermalized' if config.thermalized else 'two-temperature'}, x0 = {config.x0:g}, "
                            f"x_end = {config.x_end:g}, rtol = {config.rtol:g}, atol = {config.atol:g}, "
                            f"max_steps = {config.max_steps}, integrator = {config.integrator_name}")
    header["units"] = io.COLUMN_UNITS
    header["status"] = _status_text()
    return header


def _family_columns(family: ModelFamily, m_chi, epsilon, alpha_D) -> dict[str, np.ndarray]:
    """The family's mass column (m_A or m_ZD) and, for BC2, Y_BC2."""
    m_chi = np.asarray(m_chi, dtype=np.float64)
    if isinstance(family, BC2Family):
        m_a = family.ratio * m_chi
        return {"m_A": m_a, "Y_BC2": np.asarray(y_bc2(np.asarray(epsilon), alpha_D, m_chi, m_a), dtype=np.float64)}
    return {"m_ZD": m_chi / family.ratio}


# --- thermal target ----------------------------------------------------------------------------------


def target(m_chi=None, *, model: str | ModelFamily = "bc2", species: str | None = None, ratio: float | None = None,
           delta: float | None = None, alpha_D: float = TARGET_ALPHA_D, omega_h2: float = c.OMEGA_H2_PLANCK,
           m_min: float | None = None, m_max: float | None = None, n: int | None = None,
           config: solve_mod.SolverConfig | None = None) -> io.Table:
    """Thermal target: the epsilon with Omega h^2 = ``omega_h2`` on the freeze-out branch, per mass
    (``qedm target``; DESIGN.md "Derived curves", root find of ``relic.target.thermal_target``).

    Args:
        m_chi: DM masses [GeV], shape (n,) (None: ``m_min, m_max, n``, default 60 masses from
            1 MeV to 2 GeV).
        model: model family with an epsilon thermal target ("bc2").
        species, ratio, delta: the family's fixed parameters (``make_family``).
        alpha_D: dark coupling, > 0.
        omega_h2: target Omega h^2, > 0 (Planck 2018: 0.120).
        m_min, m_max, n: log-spaced mass range instead of ``m_chi``.
        config: thermalized ``SolverConfig`` (default ``SolverConfig()``).

    Returns:
        ``Table`` with columns m_chi, Y_BC2, epsilon, alpha_D, m_A, omega_h2 (at the root),
        status (one row per mass, input order; NaN epsilon where status != 0).

    Raises:
        ValueError: a parameter out of range, or a family without an epsilon thermal target.
    """
    family = make_family(model, species=species, ratio=ratio, delta=delta)
    if not family.has_epsilon_target:
        raise ValueError(f"model {family.name} has no epsilon thermal target (its thermalized relic does not depend "
                         "on epsilon): use floor (alpha_D^TF) or contour")
    masses = mass_list(m_chi, m_min, m_max, n)
    alpha_D = check_positive("alpha_D", alpha_D)
    omega_h2 = _check_omega(omega_h2)
    family.check(masses, alpha_D=alpha_D)
    _warn(family, masses, alpha_D)
    config = solve_mod.SolverConfig() if config is None else config
    epsilon = np.full(masses.shape, np.nan)
    omega = np.full(masses.shape, np.nan)
    status = np.full(masses.shape, solve_mod.STATUS_ROOT_FAILED, dtype=np.int64)  # no open channel: no root
    open_ = family.channel_open(masses)
    if np.any(open_):
        line = target_mod.thermal_target(lambda m: family.point(m, alpha_D, 1e-3), masses[open_], omega_h2, config)
        epsilon[open_], omega[open_] = np.asarray(line.epsilon), np.asarray(line.omega_h2)
        status[open_] = np.asarray(line.status)
    extra = _family_columns(family, masses, epsilon, alpha_D)
    columns = {"m_chi": masses, "Y_BC2": extra["Y_BC2"], "epsilon": epsilon, "alpha_D": np.full_like(masses, alpha_D),
               "m_A": extra["m_A"], "omega_h2": omega, "status": status}
    header = _header("target", family, omega_h2, target_mod.target_config(config))
    header["alpha_D"] = repr(alpha_D)
    header["rows"] = "one per mass: the freeze-out (thermalized) root of Omega h^2 = target in epsilon"
    header["label"] = family.label().replace("(", rf"($\alpha_D = {alpha_D:g}$, ", 1)
    return io.Table(columns, header)


# --- freeze-in line -------------------------------------------------------------------------------------


def freeze_in(m_chi=None, *, model: str | ModelFamily = "secluded", species: str | None = None,
              ratio: float | None = None, delta: float | None = None, alpha_D: float | None = None,
              omega_h2: float = c.OMEGA_H2_PLANCK, x0: float | None = None, m_min: float | None = None,
              m_max: float | None = None, n: int | None = None, progress: bool = False) -> io.Table:
    """Freeze-in line: the small-epsilon root of the two-temperature Omega h^2(epsilon) = target at
    fixed alpha_D, per mass, root-found to |ln(Omega h^2 / target)| < 1e-3 (``qedm freeze-in``;
    ``relic.freeze_in.freeze_in_line``).

    Args:
        m_chi: DM masses [GeV] (None: the range, else the family's ``default_masses``).
        model: "secluded" or "bc2"; species, ratio, delta: its fixed parameters.
        alpha_D: dark coupling, > 0 (None: the family's ``alpha_D_freeze_in``, secluded 1e-8 below
            alpha_D(epsilon_min), BC2 0.5).
        omega_h2: target Omega h^2, > 0.
        x0: start x = m_chi / T0 in (0, 1) (None: the family's two-temperature start).
        m_min, m_max, n: log-spaced mass range instead of ``m_chi``.
        progress: report progress on stderr.

    Returns:
        ``Table`` with columns m_chi, (m_A, Y_BC2 | m_ZD), epsilon, alpha_D, omega_h2,
        dln_omega_dln_eps (2 on a pure freeze-in branch), n_solves, status.

    Raises:
        ValueError: a parameter out of range.
    """
    family = make_family(model, species=species, ratio=ratio, delta=delta)
    masses = mass_list(m_chi, m_min, m_max, n, default=family.default_masses)
    alpha_D = check_positive("alpha_D", family.alpha_D_freeze_in if alpha_D is None else alpha_D)
    omega_h2 = _check_omega(omega_h2)
    x0 = family.x0_two_temperature if x0 is None else x0
    family.check_start(masses, x0)
    family.check(masses, alpha_D=alpha_D)
    _warn(family, masses, alpha_D)
    config = freeze_in_mod.freeze_in_config(x0)
    with _progress(1, f"freeze-in {family.name}: {masses.size} masses", progress) as bar:
        line = freeze_in_mod.freeze_in_line(family, masses, alpha_D, omega_h2, config)
        bar.update(1)
    columns = {"m_chi": masses, **_family_columns(family, masses, line.epsilon, alpha_D), "epsilon": line.epsilon,
               "alpha_D": np.full_like(masses, alpha_D), "omega_h2": line.omega_h2,
               "dln_omega_dln_eps": line.slope, "n_solves": line.n_solves, "status": line.status.astype(np.int64)}
    header = _header("freeze-in", family, omega_h2, config)
    header["alpha_D"] = repr(alpha_D)
    header["rows"] = (f"one per mass: the freeze-in root of Omega h^2 = target (secant in ln epsilon to "
                      f"|ln(omega_h2 / target)| < {freeze_in_mod.FREEZE_IN_RTOL:g}; status 4 if not converged or "
                      f"dln_omega_dln_eps <= {freeze_in_mod.FREEZE_IN_MIN_SLOPE:g}: no freeze-in solution)")
    header["label"] = f"freeze-in, {family.label()}"
    return io.Table(columns, header)


# --- relic contours and floors -----------------------------------------------------------------------


def _ratios(family_args: dict, ratio, default) -> list[ModelFamily]:
    values = default if ratio is None else ratio
    values = [values] if np.ndim(values) == 0 else list(values)
    if not values:
        raise ValueError("ratio needs at least one value")
    return [make_family(ratio=float(r), **family_args) for r in values]


def _grid_settings(alpha_D_range, n_alpha, epsilon_range, n_epsilon, x0, max_steps, chunk):
    return contour_mod.GridSettings(alpha_D_range=None if alpha_D_range is None else tuple(alpha_D_range),
                                    n_alpha=n_alpha, epsilon_range=tuple(epsilon_range), n_epsilon=n_epsilon, x0=x0,
                                    max_steps=max_steps, chunk=chunk)


def _grid_header(command: str, family: ModelFamily, settings, omega_h2: float) -> dict[str, str]:
    header = _header(command, family, omega_h2, settings.config(family))
    header.pop("m_chi_over_m_ZD", None)
    header.pop("m_A_over_m_chi", None)
    header["ratio"] = "m_A / m_chi (bc2) or m_chi / m_ZD (secluded), per row"
    header["grid"] = (f"{settings.n_alpha} x {settings.n_epsilon} log-spaced; alpha_D "
                      + ("per mass from the family's default_alpha_range" if settings.alpha_D_range is None
                         else f"{settings.alpha_D_range[0]:g}..{settings.alpha_D_range[1]:g}")
                      + f"; epsilon {settings.epsilon_range[0]:g}..{settings.epsilon_range[1]:g}")
    return header


def _contour_rows(relic, m_chi: float, ratio: float, n_failed: int) -> dict[str, np.ndarray]:
    """Columns (``CONTOUR_COLUMNS``) of one contour; one NaN row with regime -1 if empty."""
    n = max(len(relic), 1)
    nan = np.full(n, np.nan)
    rows = {"m_chi": np.full(n, m_chi), "m_ZD": np.full(n, m_chi / ratio), "ratio": np.full(n, ratio)}
    if len(relic) == 0:
        rows.update(alpha_D=nan, epsilon=nan, regime=np.full(1, REGIME_NONE, dtype=np.int64), T_hs_over_T_dec=nan,
                    slope=nan, dln_omega_dln_eps=nan, dln_omega_dln_alpha=nan, direction=np.full(1, -1, dtype=np.int64))
    else:
        codes = {name: i for i, name in enumerate(contour_mod.REGIMES)}
        rows.update(alpha_D=relic.alpha_D, epsilon=relic.epsilon,
                    regime=np.array([codes[str(r)] for r in relic.regime], dtype=np.int64),
                    T_hs_over_T_dec=relic.t_hs_over_t_dec, slope=relic.slope,
                    dln_omega_dln_eps=relic.dln_omega_dln_eps, dln_omega_dln_alpha=relic.dln_omega_dln_alpha,
                    direction=np.array([_DIRECTIONS.index(str(d)) for d in relic.direction], dtype=np.int64))
    rows["n_failed"] = np.full(n, n_failed, dtype=np.int64)
    return rows


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def contour(m_chi=None, *, model: str | ModelFamily = "secluded", species: str | None = None, ratio=None,
            delta: float | None = None, alpha_D_range=None, n_alpha: int = contour_mod.GRID_N_ALPHA,
            epsilon_range=contour_mod.EPSILON_RANGE, n_epsilon: int = contour_mod.GRID_N_EPSILON,
            omega_h2: float = c.OMEGA_H2_PLANCK, x0: float | None = None, max_steps: int = contour_mod.GRID_MAX_STEPS,
            chunk: int | None = None, m_min: float | None = None, m_max: float | None = None, n: int | None = None,
            progress: bool = False) -> io.Table:
    """Relic contours Omega h^2(alpha_D, epsilon) = target with their regimes, per (ratio, m_chi)
    (``qedm contour``; seed 003 Sec. 2.3, Fig. 2): two-temperature solves on a log-spaced
    (alpha_D, epsilon) grid (``relic.contour.omega_grid``), the crossings and regimes
    (``relic.contour.relic_contour``).

    Args:
        m_chi: DM masses [GeV] (None: the range ``m_min, m_max, n``, else the family's defaults).
        model: "secluded" (or "bc2" with an explicit ``alpha_D_range``); species, delta: BC2.
        ratio: the family's mass ratio, a value or a list (default: the family's).
        alpha_D_range: ``(lo, hi)`` for every mass (None: the family's ``default_alpha_range``).
        n_alpha, n_epsilon: grid points per axis, >= 2.
        epsilon_range: ``(lo, hi)`` photon-like epsilon, hi < 0.5.
        omega_h2: target Omega h^2.
        x0: start x of the solves (None: the family's), max_steps: ODE step limit (>= 16).
        chunk: points per compiled call (None: the grid size, at most ``DEFAULT_CHUNK``).
        m_min, m_max, n: log-spaced mass range instead of ``m_chi``.
        progress: report progress on stderr (one unit per grid point).

    Returns:
        ``Table`` with ``CONTOUR_COLUMNS`` (one row per contour point, ordered along the contour
        from the freeze-in end, per (ratio, m_chi); a NaN row with regime -1 where a grid has no
        crossing) and ``objects`` = ``((m_chi, ratio, RelicContour, n_failed), ...)``.

    Raises:
        ValueError: a parameter out of range (before any solve).
    """
    base = make_family(model, species=species, delta=delta)
    families = _ratios(_family_args(base), ratio, base.ratio)
    masses = mass_list(m_chi, m_min, m_max, n, default=base.default_masses or TARGET_MASSES)
    settings = _grid_settings(alpha_D_range, n_alpha, epsilon_range, n_epsilon, x0, max_steps, chunk)
    omega_h2 = _check_omega(omega_h2)
    for family in families:
        settings.check(family, masses)
        _warn(family, masses, [settings.alpha_axis(family, float(m))[-1] for m in masses])
    chunk = settings.chunk if settings.chunk is not None else min(contour_mod.DEFAULT_CHUNK,
                                                                   settings.n_alpha * settings.n_epsilon)
    parts, objects = [], []
    total = len(families) * masses.size * settings.n_alpha * settings.n_epsilon
    with _progress(total, f"contour {base.name}", progress) as bar:
        for family in families:
            for m in masses:
                alpha = settings.alpha_axis(family, float(m))
                grid = contour_mod.family_grid(family, float(m), alpha, settings.epsilon_axis(), settings, chunk)
                relic = contour_mod.relic_contour(grid, omega_h2)
                n_failed = int(np.sum(~grid.ok))
                parts.append(_contour_rows(relic, float(m), family.ratio, n_failed))
                objects.append((float(m), family.ratio, relic, n_failed))
                bar.update(grid.ok.size, note=f"m_chi = {m:g} GeV: {len(relic)} contour points, {n_failed} failed")
    header = _grid_header("contour", base, settings, omega_h2)
    header.update({
        "rows": "one per contour point (crossing of Omega h^2 = target between grid neighbours), in order along "
                "the contour from the freeze-in end, per (ratio, m_chi)",
        "regime": "; ".join([f"{REGIME_NONE} = no Omega h^2 = target crossing on the grid (alpha_D, epsilon NaN)"]
                            + [f"{i} = {name}" for i, name in enumerate(contour_mod.REGIMES)]),
        "T_hs_over_T_dec": (f"T_hs / T at decoupling (the yield within {contour_mod.DECOUPLING_RTOL:g} of its final "
                            "value from there on: relic.contour.decoupling_point), log-interpolated"),
        "slope": "d ln alpha_D / d ln epsilon along the contour",
        "direction": "0 = crossing along epsilon (alpha_D is a grid value); 1 = along alpha_D",
        "n_failed": "grid points of this (ratio, m_chi) whose solve failed (skipped by the contour search)",
    })
    return io.Table(_concat(parts), header, tuple(objects))


def _family_args(family: ModelFamily) -> dict:
    """``make_family`` keywords that rebuild ``family`` with another ratio."""
    if isinstance(family, BC2Family):
        return {"model": "bc2", "species": family.species, "delta": family.delta, "rratio": family.rratio}
    return {"model": family.name, "rratio": family.rratio}


def floor(m_chi=None, *, model: str | ModelFamily = "secluded", species: str | None = None, ratio=None,
          delta: float | None = None, alpha_D: float | None = None,
          tolerance: float = floor_mod.FLOOR_TOLERANCE, n_refine: int = floor_mod.FLOOR_N_REFINE,
          alpha_D_range=None, n_alpha: int = contour_mod.GRID_N_ALPHA, epsilon_range=contour_mod.EPSILON_RANGE,
          n_epsilon: int = contour_mod.GRID_N_EPSILON, omega_h2: float = c.OMEGA_H2_PLANCK, x0: float | None = None,
          max_steps: int = contour_mod.GRID_MAX_STEPS, chunk: int | None = None, m_min: float | None = None,
          m_max: float | None = None, n: int | None = None, progress: bool = False) -> io.Table:
    """Thermalization floor (and, for the plateau definition, epsilon_min) per mass (``qedm floor``;
    seed 003 Sec. 2.3, Fig. 3). The family says how the floor is read off
    (``ModelFamily.floor_method``, ``relic.floor``):

    * "plateau" (secluded): per (ratio, m_chi) a relic grid as in ``contour``, epsilon_min, and the
      floor refined on a second grid of ``n_refine`` alpha_D (``relic.floor.plateau_floor``).
    * "maximum" (BC2): epsilon_TF = argmax_epsilon Omega h^2 at fixed ``alpha_D``
      (``relic.floor.maximum_floor``); the grid options do not apply.

    Args:
        m_chi: DM masses [GeV] (None: the range, else the family's ``default_masses``).
        model: "secluded" or "bc2"; species, delta: BC2.
        ratio: the family's mass ratio, a value or (plateau) a list (default: secluded 10 and
            100, BC2 3).
        alpha_D: maximum floor only: dark coupling (default the family's ``alpha_D_freeze_in``, 0.5).
        tolerance: plateau only: relative alpha_D band, in (0, 1).
        n_refine: plateau only: alpha_D points of the refinement grid (0: none, else >= 2).
        alpha_D_range, n_alpha, epsilon_range, n_epsilon, max_steps, chunk: plateau only: the
            coarse grid (as ``contour``).
        omega_h2: target Omega h^2 (plateau; the maximum does not depend on it).
        x0: start x of the solves (None: the family's).
        m_min, m_max, n: log-spaced mass range instead of ``m_chi``.
        progress: report progress on stderr.

    Returns:
        ``Table``: plateau ``PLATEAU_FLOOR_COLUMNS`` (one row per (ratio, m_chi); status
        ``relic.floor.FLOOR_*``; objects ``PlateauFloor``), maximum m_chi, m_A, alpha_D, epsilon_TF,
        Y_TF, omega_h2 (the maximum), status (``solve.STATUS_*``).

    Raises:
        ValueError: a parameter out of range, or an option the family's floor does not use.
    """
    base = make_family(model, species=species, delta=delta)
    masses = mass_list(m_chi, m_min, m_max, n, default=base.default_masses)
    omega_h2 = _check_omega(omega_h2)
    if base.floor_method == "maximum":
        return _maximum_floor(base, masses, ratio, alpha_D, x0, progress, omega_h2,
                              grid_options={"alpha_D_range": alpha_D_range})
    if alpha_D is not None:
        raise ValueError(f"alpha_D applies to the maximum floor (bc2); the {base.name} floor scans alpha_D "
                         "(alpha_D_range)")
    floor_mod.check_plateau_options(omega_h2, tolerance, n_refine)
    families = _ratios(_family_args(base), ratio, FLOOR_RATIOS_SECLUDED if base.name == "secluded" else base.ratio)
    settings = _grid_settings(alpha_D_range, n_alpha, epsilon_range, n_epsilon, x0, max_steps, chunk)
    for family in families:
        settings.check(family, masses)
        _warn(family, masses, [settings.alpha_axis(family, float(m))[-1] for m in masses])
    chunk = settings.chunk if settings.chunk is not None else min(
        contour_mod.DEFAULT_CHUNK, max(settings.n_alpha, n_refine) * settings.n_epsilon)
    rows, objects = [], []
    with _progress(len(families) * masses.size, f"floor {base.name}", progress) as bar:
        for family in families:
            for m in masses:
                result = floor_mod.plateau_floor(family, float(m), settings, omega_h2, tolerance, n_refine, chunk)
                objects.append(result)
                rows.append(_plateau_row(result))
                for note in result.notes + _floor_doubts(result, tolerance):
                    bar.write(f"floor at m_chi = {m:g} GeV, ratio {family.ratio:g}: {note}")
                bar.update(1, note=f"m_chi = {m:g} GeV: {floor_mod.FLOOR_STATUS_MESSAGES[result.status]}")
    integer = {"status", "method", "refined", "n_failed"}
    columns = {name: np.asarray([r[name] for r in rows], dtype=np.int64 if name in integer else np.float64)
               for name in PLATEAU_FLOOR_COLUMNS}
    header = _grid_header("floor", base, settings, omega_h2)
    header.update({
        "rows": "one per (ratio, m_chi): minimum mixing and thermalization floor (seed 003 Sec. 2.3, Fig. 3)",
        "floor_method": "plateau (relic.floor.plateau_floor)",
        "epsilon_min": "minimum photon-like epsilon on the relic contour (relic.contour.epsilon_min, parabola-refined)",
        "epsilon_TF": (f"thermalization floor: smallest epsilon beyond which |alpha_D / alpha_D_TF - 1| <= "
                       f"{tolerance:g} up to the plateau, on the freeze-out branch (relic.floor.thermalization_floor)"),
        "alpha_D_TF": ("alpha_D where the relic contour becomes epsilon-independent: median alpha_D of the flattest "
                       "one-decade epsilon window of the freeze-out branch (method column)"),
        "T_hs_over_T_TF": "T_hs / T at decoupling at epsilon_TF",
        "spread": "relative spread (max - min) / alpha_D_TF of alpha_D over the plateau window (one decade in epsilon)",
        "method": "; ".join(f"{i} = {name}" for i, name in enumerate(floor_mod.PLATEAU_METHODS)) + "; -1 = none",
        "refined": (f"1 = floor from a second grid of {n_refine} alpha_D in {floor_mod.REFINE_BAND[0]:g}.."
                    f"{floor_mod.REFINE_BAND[1]:g} x the largest freeze-out alpha_D of the coarse contour and "
                    f"{floor_mod.FLOOR_EPS_PER_DECADE} epsilon per decade (relic.floor.refine_epsilon_range); 0 = coarse "
                    "grid only"),
        "status": _status_text(floor_mod.FLOOR_STATUS_MESSAGES),
    })
    return io.Table(columns, header, tuple(objects))


def _plateau_row(result) -> dict:
    row = {name: math.nan for name in PLATEAU_FLOOR_COLUMNS}
    row.update(ratio=result.ratio, m_chi=result.m_chi, m_ZD=result.m_chi / result.ratio,
               epsilon_min=result.epsilon_min, alpha_D_at_epsilon_min=result.alpha_D_at_epsilon_min,
               status=result.status, refined=int(result.refined), n_failed=result.n_failed, method=-1)
    floor = result.floor
    if floor is not None:
        row.update(epsilon_TF=floor.epsilon_TF, alpha_D_TF=floor.alpha_D_TF, T_hs_over_T_TF=floor.t_hs_over_t_dec,
                   spread=floor.spread, method=floor_mod.PLATEAU_METHODS.index(floor.method))
    return row


def _floor_doubts(result, tolerance: float) -> tuple[str, ...]:
    doubts = []
    if result.n_failed > 0:
        doubts.append(f"{result.n_failed} grid points failed (raise max_steps?)")
    floor = result.floor
    if floor is not None and floor.method == "flattest":
        doubts.append(f"no plateau flat to {tolerance:g} on the grid: alpha_D_TF from the flattest window "
                      f"(spread {floor.spread:.2%})")
    if floor is not None and floor.t_hs_over_t_dec < 0.5:
        doubts.append(f"T_hs/T at decoupling at the floor is {floor.t_hs_over_t_dec:.2g} (not thermalized)")
    return tuple(doubts)


def _maximum_floor(family, masses, ratio, alpha_D, x0, progress, omega_h2, grid_options) -> io.Table:
    if grid_options["alpha_D_range"] is not None:
        raise ValueError(f"alpha_D_range applies to the plateau floor; the {family.name} floor is at fixed alpha_D")
    if ratio is not None:
        if np.ndim(ratio) != 0 and len(ratio) != 1:
            raise ValueError(f"ratio: the {family.name} floor takes one value")
        family = make_family(ratio=float(np.ravel(ratio)[0]), **_family_args(family))
    alpha_D = check_positive("alpha_D", family.alpha_D_freeze_in if alpha_D is None else alpha_D)
    x0 = family.x0_two_temperature if x0 is None else x0
    family.check_start(masses, x0)
    family.check(masses, alpha_D=alpha_D)
    _warn(family, masses, alpha_D)
    config = solve_mod.two_temperature_config(x0=x0)
    with _progress(1, f"floor {family.name}: {masses.size} masses", progress) as bar:
        epsilon, omega, status = floor_mod.maximum_floor(family, masses, alpha_D, config)
        bar.update(1)
    extra = _family_columns(family, masses, epsilon, alpha_D)
    columns = {"m_chi": masses, "m_A": extra["m_A"], "alpha_D": np.full_like(masses, alpha_D), "epsilon_TF": epsilon,
               "Y_TF": extra["Y_BC2"], "omega_h2": omega, "status": status.astype(np.int64)}
    header = _header("floor", family, None, config)
    header["alpha_D"] = repr(alpha_D)
    header["floor_method"] = "maximum (relic.floor.maximum_floor)"
    header["rows"] = "one per mass: the thermalization floor epsilon_TF and Y_TF = Y_BC2(epsilon_TF)"
    header["epsilon_TF"] = ("argmax over epsilon of the two-temperature Omega h^2(epsilon) at fixed m_chi, alpha_D "
                            "(freeze-in below, freeze-out above)")
    header["omega_h2"] = "Omega h^2 at epsilon_TF (the maximum of Omega h^2(epsilon), not the relic target)"
    header["label"] = f"thermalization floor, {family.label()}"
    return io.Table(columns, header)


# --- scan and evolve -------------------------------------------------------------------------------------


def scan(*, epsilon, m_chi, alpha_D=None, model: str | ModelFamily = "bc2", species: str | None = None,
         ratio: float | None = None, delta: float | None = None, two_temperature: bool = False,
         chunk: int | None = None, max_steps: int | None = None, out=None, resume: bool = False,
         progress: bool = False) -> grids.ScanResult:
    """Omega h^2 on the Cartesian grid epsilon x alpha_D x m_chi (axes in that order; ``qedm scan``;
    the grid engine ``grids.scan``).

    Args:
        epsilon: photon-like mixings, a value or a list, each in (0, 1).
        m_chi: DM masses [GeV], a value or a list.
        alpha_D: dark couplings, a value or a list (default bc2: 0.1; required for secluded).
        model: "bc2" or "secluded"; species, ratio, delta: its fixed parameters.
        two_temperature: two-temperature solve (cold hidden sector from the family's x0,
            freeze-in capable) instead of the thermalized one (T_hs = T).
        chunk: points per compiled call, >= 1 (default that of ``grids.scan``).
        max_steps: ODE step limit per point, >= 16 (default 4096 thermalized, 8192 two-temperature).
        out: ``.npz`` path to save to (and ``<out>.chunks/`` for resuming), or None.
        resume: reuse finished chunks of an earlier run of the same grid (needs ``out``).
        progress: report progress on stderr.

    Returns:
        ``grids.ScanResult`` with arrays of shape (n_epsilon, n_alpha_D, n_m_chi).

    Raises:
        ValueError: a parameter out of range (before any solve).
    """
    family = make_family(model, species=species, ratio=ratio, delta=delta)
    epsilon = check_values("epsilon", epsilon, 0.0, 1.0, "in (0, 1)")
    alpha = check_values("alpha_D", TARGET_ALPHA_D if (alpha_D is None and family.name == "bc2") else alpha_D, 0.0, None, "> 0")
    masses = check_masses(m_chi)
    family.check(masses, alpha_D=alpha, epsilon=epsilon)
    _warn(family, masses, alpha, epsilon)
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1):
        raise ValueError(f"chunk must be an integer >= 1; got {chunk!r}")
    if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer))
                                  or max_steps < 16):
        raise ValueError(f"max_steps must be an integer >= 16; got {max_steps!r}")
    settings = {} if max_steps is None else {"max_steps": int(max_steps)}
    if two_temperature:
        family.check_start(masses, family.x0_two_temperature)
        config = solve_mod.two_temperature_config(x0=family.x0_two_temperature, **settings)
    else:
        config = solve_mod.SolverConfig(**settings)
    kwargs = {} if chunk is None else {"chunk": int(chunk)}
    return grids.scan(_ScanBuilder(family), config=config, out=out, resume=resume, progress=progress, **kwargs,
                      epsilon=epsilon, alpha_D=alpha, m_chi=masses)


class _ScanBuilder:
    """``make_model(epsilon, alpha_D, m_chi)`` of ``scan`` (keywords; equal for equal families, so
    repeated scans reuse the compilation)."""

    def __init__(self, family: ModelFamily):
        self.family = family

    def __call__(self, epsilon, alpha_D, m_chi):
        return self.family.point(m_chi, alpha_D, epsilon)

    def __eq__(self, other):
        return isinstance(other, _ScanBuilder) and other.family == self.family

    def __hash__(self):
        return hash(self.family)


def evolve(m_chi: float, alpha_D: float, epsilon: float, *, model: str | ModelFamily = "secluded",
           species: str | None = None, ratio: float | None = None, delta: float | None = None,
           thermalized: bool = False, x0: float | None = None, n_save: int = 200) -> io.Table:
    """One point's trajectory: Y and T_hs / T versus x (``qedm evolve``; seed 003 Eqs. 2.14-2.17,
    ``solve.solve``).

    Args:
        m_chi: DM mass [GeV], > 0.
        alpha_D: dark coupling, > 0.
        epsilon: photon-like kinetic mixing, in (0, 1).
        model: "secluded" or "bc2"; species, ratio, delta: its fixed parameters.
        thermalized: force T_hs = T (one-temperature freeze-out, starting in equilibrium).
        x0: start x (None: 1 thermalized, the family's two-temperature start otherwise), in (0, 1]
            thermalized, (0, 1) two-temperature.
        n_save: trajectory points, log-spaced in x, >= 2.

    Returns:
        ``Table`` with columns x, T, T_hs_over_T, Y (n_save rows); the header has omega_h2 and
        the status.

    Raises:
        ValueError: a parameter out of range.
    """
    family = make_family(model, species=species, ratio=ratio, delta=delta)
    m = check_positive("m_chi", m_chi, what="> 0 GeV")
    alpha_D = check_positive("alpha_D", alpha_D)
    family.check(m, alpha_D=alpha_D, epsilon=epsilon)
    _warn(family, m, alpha_D, epsilon)
    if isinstance(n_save, bool) or not isinstance(n_save, (int, np.integer)) or n_save < 2:
        raise ValueError(f"n_save must be an integer >= 2; got {n_save!r}")
    if thermalized:
        x0 = 1.0 if x0 is None else check_positive("x0", x0)
        config = solve_mod.SolverConfig(x0=x0, n_save=int(n_save))
    else:
        x0 = family.x0_two_temperature if x0 is None else x0
        family.check_start(m, x0)
        config = solve_mod.two_temperature_config(x0=x0, n_save=int(n_save))
    point = family.point(m, alpha_D, float(epsilon))
    solve_mod.check_model(point)
    solution = solve_mod.solve(point, config)
    status = int(solution.status)
    x = np.asarray(solution.x, dtype=np.float64)
    columns = {"x": x, "T": m / x, "T_hs_over_T": np.asarray(solution.t_hs_over_t, dtype=np.float64),
               "Y": np.asarray(solution.y, dtype=np.float64)}
    header = _header("evolve", family, None, config)
    header.update({"m_chi": repr(m), "alpha_D": repr(alpha_D), "epsilon": repr(float(epsilon)),
                   "thermalized": str(bool(thermalized)), "omega_h2": repr(float(solution.omega_h2)),
                   "status": f"{status} ({solve_mod.STATUS_MESSAGES[status]})"})
    return io.Table(columns, header)


# --- reading tables back ---------------------------------------------------------------------------------


def _header_float(header: dict[str, str], key: str, path) -> float:
    try:
        return float(header[key].split()[0])
    except (KeyError, IndexError, ValueError):
        raise io.DataFileError(f"{path}: header has no numeric '{key}' (not a qedm table of that kind?)") from None


def load_contours(path) -> list:
    """Read a contour table (``contour(...).write_csv`` / ``qedm contour``) back into contours.

    Args:
        path: the CSV.

    Returns:
        ``[(m_chi, ratio, RelicContour, n_failed), ...]`` per (ratio, m_chi) in file order (an
        empty ``RelicContour`` where the grid had no contour).

    Raises:
        qedm_jax.io.DataFileError: missing columns or header entries, an unknown regime code.
        OSError: the file cannot be read.
    """
    columns, header = io.read_target_csv(path)
    missing = [name for name in CONTOUR_COLUMNS if name not in columns]
    if missing:
        raise io.DataFileError(f"{path}: missing column(s) {', '.join(missing)} (not a qedm contour CSV?)")
    omega_h2 = _header_float(header, "omega_h2_target", path)
    codes = np.asarray(columns["regime"])
    if np.any((codes < REGIME_NONE) | (codes >= len(contour_mod.REGIMES))):
        raise io.DataFileError(f"{path}: regime codes must be in -1..{len(contour_mod.REGIMES) - 1}")
    key = np.stack([columns["ratio"], columns["m_chi"]], axis=1)
    groups = []
    for pair in dict.fromkeys(map(tuple, key)):
        rows = np.flatnonzero(np.all(key == np.asarray(pair), axis=1))
        rows = rows[codes[rows] != REGIME_NONE]
        direction = np.asarray(columns["direction"])[rows]
        relic = contour_mod.RelicContour(
            alpha_D=np.asarray(columns["alpha_D"])[rows], epsilon=np.asarray(columns["epsilon"])[rows],
            direction=np.array([_DIRECTIONS[int(d)] for d in direction], dtype=str),
            dln_omega_dln_eps=np.asarray(columns["dln_omega_dln_eps"])[rows],
            dln_omega_dln_alpha=np.asarray(columns["dln_omega_dln_alpha"])[rows],
            slope=np.asarray(columns["slope"])[rows], t_hs_over_t_dec=np.asarray(columns["T_hs_over_T_dec"])[rows],
            regime=np.array([contour_mod.REGIMES[int(k)] for k in codes[rows]], dtype=str),
            omega_h2=omega_h2, m_chi=float(pair[1]))
        n_failed = int(np.max(np.asarray(columns["n_failed"])[np.all(key == np.asarray(pair), axis=1)]))
        groups.append((float(pair[1]), float(pair[0]), relic, n_failed))
    return groups


_FLOOR_READ_COLUMNS = ("ratio", "m_chi", "epsilon_TF", "alpha_D_TF", "T_hs_over_T_TF", "spread", "method")


def load_floors(path, tolerance: float = floor_mod.FLOOR_TOLERANCE) -> dict:
    """Read a plateau floor table (``floor(...).write_csv`` / ``qedm floor``, secluded) back.

    The table holds alpha_D^TF, epsilon_TF, T_hs / T there, the spread and the method of the
    refined floor grid, not the plateau window: ``epsilon_plateau`` and ``plateau_range`` are
    NaN and ``n_plateau`` 0 in the result. Rows without a finite alpha_D^TF > 0 are left out.

    Args:
        path: the CSV.
        tolerance: relative alpha_D band of the run that wrote it, in (0, 1).

    Returns:
        ``{(ratio, m_chi): ThermalizationFloor}`` in file order (m_chi in GeV).

    Raises:
        qedm_jax.io.DataFileError: missing columns (a maximum-floor table has no alpha_D_TF), a
            method code outside -1..2.
        OSError: the file cannot be read.
    """
    columns, _ = io.read_target_csv(path)
    missing = [name for name in _FLOOR_READ_COLUMNS if name not in columns]
    if missing:
        raise io.DataFileError(f"{path}: missing column(s) {', '.join(missing)} (not a qedm floor CSV of the "
                               "plateau definition, secluded model?)")
    methods = np.asarray(columns["method"])
    if np.any((methods < -1) | (methods >= len(floor_mod.PLATEAU_METHODS))):
        raise io.DataFileError(f"{path}: method codes must be in -1..{len(floor_mod.PLATEAU_METHODS) - 1}")
    floors = {}
    for i in range(methods.size):
        alpha_tf = float(columns["alpha_D_TF"][i])
        if not (math.isfinite(alpha_tf) and alpha_tf > 0.0):
            continue
        floors[(float(columns["ratio"][i]), float(columns["m_chi"][i]))] = floor_mod.ThermalizationFloor(
            alpha_D_TF=alpha_tf, epsilon_TF=float(columns["epsilon_TF"][i]), epsilon_plateau=math.nan,
            plateau_range=(math.nan, math.nan),
            method=floor_mod.PLATEAU_METHODS[int(methods[i])] if methods[i] >= 0 else "none",
            tolerance=float(tolerance), n_plateau=0, t_hs_over_t_dec=float(columns["T_hs_over_T_TF"][i]),
            spread=float(columns["spread"][i]))
    return floors

