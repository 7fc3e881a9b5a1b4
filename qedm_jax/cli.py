"""Command line: the ``qedm`` console script and ``python -m qedm_jax``.

Sub-commands:

* ``qedm target``: the BC2 thermal target of one DM species, one CSV row per mass.
* ``qedm plot bc2``: draw target CSVs over the ESPP 2026 BC2 limits (PNG and PDF).
* ``qedm main``: the main job (scalar and pseudo-Dirac targets, plus Dirac and Majorana
  lines, at alpha_D = 0.1 and m_A = 3 m_chi, and both ESPP BC2 figures).
* ``qedm evolve``: one point's trajectory (Y and T_hs/T versus x).
* ``qedm contour``: relic contours of secluded Dirac DM in the (alpha_D, epsilon) plane with
  their regimes and T_hs/T at decoupling (seed 003 Sec. 2.3, Fig. 2), one CSV row per point.
* ``qedm floor``: epsilon_min and the thermalization floor per DM mass and m_chi / m_ZD (seed
  003 Fig. 3), or (``--model bc2``) the BC2 hidden-sector floor.
* ``qedm freeze-in``: the freeze-in line epsilon_FI(m_chi) at fixed alpha_D (secluded or BC2).
* ``qedm scan``: Omega h^2 on a Cartesian (epsilon, alpha_D, m_chi) grid (BC2 or secluded,
  thermalized or two-temperature) via ``qedm_jax.grids.scan``, written as ``.npz``.
* ``qedm plot contour`` / ``qedm plot floor``: seed 003 Figs. 2-3 analogues from those CSVs,
  plus the plateau view alpha_D(epsilon) / alpha_D^TF (``--floors``: alpha_D^TF of ``qedm floor``'s
  refined grid); ``qedm plot bc2 --freeze-in/--floor`` adds BC2
  freeze-in lines and floors to the ESPP figures.

The two-temperature commands cost ~0.1-0.3 s per solve on one CPU core, plus a 30-80 s
compilation per chunk size, shared by all masses and ratios (m_chi and m_ZD are traced
``contour.omega_grid`` params).
``epsilon`` is always the photon-like mixing; seed 003's hypercharge mixing is
``epsilon / cos(theta_W)`` (``qedm_jax.models.secluded``).

Bad input exits with status 2 and one line ``qedm: error: <message>`` on stderr, never a
traceback: every parameter is checked (``qedm_jax.models.make_bc2``) before anything is
traced. A mass whose root find fails is not an error: its row carries the status code
(``qedm_jax.solve.STATUS_MESSAGES``) and the command reports it.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import os
import pathlib
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from . import __version__
from . import constants as c
from . import contour, grids, io, lines, sm
from . import solve as solve_mod
from .lines import thermal_target
from .models import BC2, SPECIES, make_bc2, y_bc2
from .models.secluded import SecludedDirac, make_secluded

__all__ = ["main", "build_parser", "TargetSpec", "compute_target", "target_columns", "target_header"]

PROG = "qedm"
EXIT_USAGE = 2  # bad input (argparse uses the same code)
EPSILON_CONVENTION = "epsilon: photon-like kinetic mixing (A' couples as epsilon e Q_f)"
CSV_COLUMNS = ("m_chi_GeV", "Y_BC2", "epsilon", "alpha_D", "m_A_GeV", "omega_h2", "status")
_EPSILON_PROBE = 1e-3  # epsilon of the model template; the root find replaces it
_SPECIES_LABELS = {"scalar": "complex scalar", "majorana": "Majorana", "dirac": "Dirac", "pseudo-dirac": "pseudo-Dirac"}
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
# the main job (issue: ESPP BC2 thermal targets)
MAIN_ALPHA_D = 0.1
MAIN_RATIO = 3.0
MAIN_DELTA = 0.1
MAIN_M_MIN_GEV = 1e-3
MAIN_M_MAX_GEV = 2.0
MAIN_N_MASSES = 60
MAIN_FIGURES = {"elastic": ("scalar",), "quasi-elastic": ("pseudo-dirac",)}
MAIN_EXTRA_SPECIES = ("dirac", "majorana")  # CSV only
# first word of a make_bc2 error -> command-line option
_OPTIONS = {"m_chi": "--masses", "alpha_D": "--alpha-d", "ratio": "--ratio", "delta": "--delta", "model": "--model"}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error, ``qedm: error: <message>``, and exit status 2."""

    def error(self, message):
        sys.stderr.write(f"{PROG}: error: {message} (see '{self.prog} -h')\n")
        sys.exit(EXIT_USAGE)


@dataclasses.dataclass(frozen=True)
class TargetSpec:
    """One thermal-target line to compute.

    Attributes:
        model: BC2 species, one of ``qedm_jax.models.SPECIES``.
        masses: m_chi [GeV], shape (n,), in output order.
        alpha_D: dark coupling.
        ratio: m_A / m_chi.
        delta: Delta / m_chi (pseudo-Dirac; 0 for the other species).
        omega_h2: target Omega h^2.
    """

    model: str
    masses: np.ndarray
    alpha_D: float
    ratio: float
    delta: float
    omega_h2: float

    def check(self) -> None:
        """Check every input before anything is traced.

        Raises:
            ValueError: the message names the parameter and its allowed range.
        """
        if not (math.isfinite(self.omega_h2) and self.omega_h2 > 0.0):
            raise ValueError(f"--omega-h2 must be > 0; got {self.omega_h2!r}")
        if self.masses.ndim != 1 or self.masses.size < 1:
            raise ValueError("--masses needs at least one mass")
        for m in self.masses:
            if not (math.isfinite(m) and m > 0.0):
                raise ValueError(f"--masses: every mass m_chi must be > 0 GeV; got {float(m)!r}")
        for m in self.masses:
            try:
                make_bc2(self.model, m_chi=float(m), alpha_D=self.alpha_D, ratio=self.ratio,
                         epsilon=_EPSILON_PROBE, delta=self.delta)
            except ValueError as error:  # name the command-line option too
                option = _OPTIONS.get(str(error).split()[0], None)
                raise ValueError(f"{option}: {error}" if option else str(error)) from None

    @property
    def label(self) -> str:
        return target_label(self.model, self.alpha_D, self.ratio, self.delta)


def target_label(model: str, alpha_D: float, ratio: float, delta: float) -> str:
    """Legend label of a target line (matplotlib mathtext)."""
    text = rf"{_SPECIES_LABELS.get(model, model)} ($\alpha_D = {alpha_D:g}$, $m_{{A'}} = {ratio:g}\,m_\chi$"
    if model == "pseudo-dirac":
        text += rf", $\Delta = {delta:g}\,m_\chi$"
    return text + ")"


def compute_target(spec: TargetSpec, config: solve_mod.SolverConfig | None = None):
    """Thermal target of ``spec`` (checked first).

    Args:
        spec: the line.
        config: solver settings (``qedm_jax.lines.thermal_target`` forces thermalized).

    Returns:
        ``qedm_jax.TargetLine``.

    Raises:
        ValueError: an input out of range (nothing is computed).
    """
    spec.check()
    delta = spec.delta if spec.model == "pseudo-dirac" else 0.0

    def make_model(m):
        return BC2(m_chi=m, m_A=spec.ratio * m, alpha_D=spec.alpha_D, epsilon=_EPSILON_PROBE,
                   delta=delta, species=spec.model)

    return thermal_target(make_model, spec.masses, spec.omega_h2, config)


def target_columns(spec: TargetSpec, line) -> dict[str, np.ndarray]:
    """CSV columns (``CSV_COLUMNS``) of a computed line, one row per mass in input order."""
    m_chi = np.asarray(line.m_chi, dtype=np.float64)
    m_a = spec.ratio * m_chi
    epsilon = np.asarray(line.epsilon, dtype=np.float64)
    return {
        "m_chi_GeV": m_chi,
        "Y_BC2": np.asarray(y_bc2(epsilon, spec.alpha_D, m_chi, m_a), dtype=np.float64),
        "epsilon": epsilon,
        "alpha_D": np.full_like(m_chi, spec.alpha_D),
        "m_A_GeV": m_a,
        "omega_h2": np.asarray(line.omega_h2, dtype=np.float64),
        "status": np.asarray(line.status).astype(np.int64),
    }


def target_header(spec: TargetSpec, config: solve_mod.SolverConfig | None = None) -> dict[str, str]:
    """Comment header of a target CSV: model, parameters, conventions and tables."""
    config = solve_mod.SolverConfig() if config is None else config
    rratio = sm.DEFAULT_RRATIO
    planck = "Planck 2018, arXiv:1807.06209"
    if spec.omega_h2 != c.OMEGA_H2_PLANCK:
        planck = f"user choice; {planck}: {c.OMEGA_H2_PLANCK}"
    statuses = "; ".join(f"{code} = {text}" for code, text in sorted(solve_mod.STATUS_MESSAGES.items()))
    return {
        "generator": f"qedm_jax {__version__} (qedm target)",
        "model": spec.model,
        "alpha_D": repr(float(spec.alpha_D)),
        "m_A_over_m_chi": repr(float(spec.ratio)),
        "delta_over_m_chi": repr(float(spec.delta if spec.model == "pseudo-dirac" else 0.0)),
        "omega_h2_target": f"{float(spec.omega_h2)!r} ({planck})",
        "epsilon_convention": EPSILON_CONVENTION,
        "Y_BC2_definition": "Y_BC2 = epsilon^2 alpha_D (m_chi / m_A)^4",
        "R_ratio": f"{rratio}: {_RRATIO_SOURCES.get(rratio, rratio)} below {sm.R_SWITCH_GEV:g} GeV, perturbative above",
        "g_star": f"{config.gstar}: {_GSTAR_SOURCES.get(config.gstar, config.gstar)}",
        "status": statuses,
        "label": spec.label,
    }


def _status_report(name: str, status: np.ndarray, masses: np.ndarray) -> str:
    """'name: k/n masses converged' plus, per failure code, the count, message and masses."""
    n_ok = int(np.sum(status == solve_mod.STATUS_OK))
    lines = [f"{name}: {n_ok}/{status.size} masses converged, {status.size - n_ok} failed"]
    for code in sorted(set(int(s) for s in status) - {solve_mod.STATUS_OK}):
        where = masses[status == code]
        shown = ", ".join(f"{m:.4g}" for m in where[:8]) + (", ..." if where.size > 8 else "")
        message = solve_mod.STATUS_MESSAGES.get(code, "unknown status")
        lines.append(f"  status {code} ({message}): {where.size} masses, m_chi [GeV] = {shown}")
    return "\n".join(lines)


class _Clock:
    """Progress lines with the elapsed wall time since the command started."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.start:7.1f} s] {message}", flush=True)


def _prepare_output(path: pathlib.Path) -> pathlib.Path:
    """Create the parent folder of an output file (before any computation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _run_target(spec: TargetSpec, out: pathlib.Path, clock: _Clock) -> np.ndarray:
    """Compute, write and report one line; returns the status array."""
    clock(f"target {spec.model}: {spec.masses.size} masses ...")
    line = compute_target(spec)
    columns = target_columns(spec, line)
    io.write_target_csv(out, columns, target_header(spec))
    clock(f"target {spec.model}: wrote {out}")
    print(_status_report(spec.model, columns["status"], columns["m_chi_GeV"]), flush=True)
    return columns["status"]


def _masses(args) -> np.ndarray:
    range_given = any(v is not None for v in (args.m_min, args.m_max, args.n))
    if args.masses is not None:
        if range_given:
            raise ValueError("give either --masses or --m-min/--m-max/--n, not both")
        try:
            return np.asarray([float(v) for v in args.masses.split(",")], dtype=np.float64)
        except ValueError:
            raise ValueError(
                f"--masses must be a comma-separated list of masses in GeV (> 0); got {args.masses!r}"
            ) from None
    m_min = MAIN_M_MIN_GEV if args.m_min is None else args.m_min
    m_max = MAIN_M_MAX_GEV if args.m_max is None else args.m_max
    n = MAIN_N_MASSES if args.n is None else args.n
    if not (math.isfinite(m_min) and m_min > 0.0):
        raise ValueError(f"--m-min must be > 0 GeV; got {m_min!r}")
    if not (math.isfinite(m_max) and m_max > m_min):
        raise ValueError(f"--m-max must be finite and > --m-min = {m_min!r} GeV; got {m_max!r}")
    if n < 1:
        raise ValueError(f"--n must be >= 1; got {n}")
    return np.geomspace(m_min, m_max, n)


def _cmd_target(args) -> int:
    spec = TargetSpec(model=args.model, masses=_masses(args), alpha_D=args.alpha_d, ratio=args.ratio,
                      delta=args.delta, omega_h2=args.omega_h2)
    spec.check()
    out = _prepare_output(pathlib.Path(args.out))
    _run_target(spec, out, _Clock())
    return 0


def _header_float(header: dict[str, str], key: str, path) -> float:
    try:
        return float(header[key].split()[0])
    except (KeyError, IndexError, ValueError):
        raise io.DataFileError(f"{path}: header has no numeric '{key}' (not a qedm target CSV?)") from None


def load_target(path) -> tuple[dict, float, float]:
    """Read a target CSV for plotting.

    Args:
        path: a CSV written by ``qedm target``.

    Returns:
        ``(target, alpha_D, ratio)``: the ``plot_bc2`` target dict ``{"m_chi", "Y_BC2",
        "label", "status"}`` and the line's alpha_D and m_A / m_chi.

    Raises:
        qedm_jax.io.DataFileError: missing columns or header entries.
        OSError: the file cannot be read.
    """
    columns, header = io.read_target_csv(path)
    missing = [name for name in ("m_chi_GeV", "Y_BC2", "status") if name not in columns]
    if missing:
        raise io.DataFileError(f"{path}: missing column(s) {', '.join(missing)} (not a qedm target CSV?)")
    alpha_d = _header_float(header, "alpha_D", path)
    ratio = _header_float(header, "m_A_over_m_chi", path)
    model = header.get("model", pathlib.Path(path).stem)
    delta = _header_float(header, "delta_over_m_chi", path) if model == "pseudo-dirac" else 0.0
    target = {
        "m_chi": np.asarray(columns["m_chi_GeV"], dtype=np.float64),
        "Y_BC2": np.asarray(columns["Y_BC2"], dtype=np.float64),
        "label": header.get("label") or target_label(model, alpha_d, ratio, delta),
        "status": np.asarray(columns["status"]).astype(np.int64),
    }
    return target, alpha_d, ratio


def _figure_paths(out: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    stem = out.with_suffix("") if out.suffix.lower() in (".png", ".pdf") else out
    return stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".pdf")


def _plot(kind: str, csv_paths, out: pathlib.Path, clock: _Clock, freeze_in=(), floors=()) -> None:
    loaded = [load_target(p) for p in csv_paths]
    extra = ([_load_bc2_line(p, "Y_BC2", "--") for p in freeze_in]
             + [_load_bc2_line(p, "Y_TF", ":") for p in floors])
    sources = list(csv_paths) + list(freeze_in) + list(floors)
    if not sources:
        raise ValueError("plot bc2 needs at least one of --targets, --freeze-in, --floor")
    params = [(a, r) for _, a, r in loaded + extra]
    alpha_d, ratio = params[0]
    for (a, r), p in zip(params[1:], sources[1:]):
        if (a, r) != (alpha_d, ratio):
            print(f"{PROG}: warning: {p} has alpha_D = {a:g}, m_A/m_chi = {r:g}; the limits are drawn for "
                  f"alpha_D = {alpha_d:g}, m_A/m_chi = {ratio:g} (from {sources[0]})", file=sys.stderr)
    png, pdf = _figure_paths(out)
    _prepare_output(png)
    from . import plotting  # matplotlib is imported only here (STYLE.md 13)

    figure = plotting.plot_bc2(kind, [t for t, _, _ in loaded], alpha_D=alpha_d, ratio=ratio,
                               lines=[line for line, _, _ in extra] or None)
    for path in (png, pdf):
        figure.savefig(path, dpi=200, bbox_inches="tight")
    clock(f"plot bc2 {kind}: wrote {png} and {pdf}")


def _cmd_plot(args) -> int:
    clock = _Clock()
    _plot(args.kind, [pathlib.Path(p) for p in args.targets], pathlib.Path(args.out), clock,
          freeze_in=[pathlib.Path(p) for p in args.freeze_in], floors=[pathlib.Path(p) for p in args.floor])
    return 0


def _cmd_main(args) -> int:
    clock = _Clock()
    out_dir = pathlib.Path(args.out_dir)
    if args.n < 1:
        raise ValueError(f"--n must be >= 1; got {args.n}")
    masses = np.geomspace(MAIN_M_MIN_GEV, MAIN_M_MAX_GEV, args.n)
    figure_species = [s for kind in MAIN_FIGURES for s in MAIN_FIGURES[kind]]
    species = figure_species + ([] if args.no_extra else [s for s in MAIN_EXTRA_SPECIES if s not in figure_species])
    specs = {
        s: TargetSpec(model=s, masses=masses, alpha_D=MAIN_ALPHA_D, ratio=MAIN_RATIO,
                      delta=MAIN_DELTA if s == "pseudo-dirac" else 0.0, omega_h2=c.OMEGA_H2_PLANCK)
        for s in species
    }
    for spec in specs.values():
        spec.check()
    out_dir.mkdir(parents=True, exist_ok=True)
    clock(f"main: {len(specs)} target lines x {args.n} masses, {MAIN_M_MIN_GEV:g}-{MAIN_M_MAX_GEV:g} GeV, "
          f"alpha_D = {MAIN_ALPHA_D:g}, m_A = {MAIN_RATIO:g} m_chi -> {out_dir}/")
    statuses = {}
    csv_paths = {}
    for s, spec in specs.items():
        csv_paths[s] = out_dir / f"target_{s}.csv"
        statuses[s] = _run_target(spec, csv_paths[s], clock)
    for kind, kind_species in MAIN_FIGURES.items():
        _plot(kind, [csv_paths[s] for s in kind_species], out_dir / f"espp_bc2_{kind}.png", clock)
    clock("main: done")
    print("summary (masses converged per model):")
    for s, status in statuses.items():
        print(f"  {s:13s} {int(np.sum(status == solve_mod.STATUS_OK))}/{status.size}")
    return 0


def _add_target_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, choices=SPECIES, help="BC2 DM species")
    p.add_argument("--alpha-d", type=float, default=MAIN_ALPHA_D, help="dark coupling alpha_D > 0 (default %(default)s)")
    p.add_argument("--ratio", type=float, default=MAIN_RATIO,
                   help="m_A / m_chi, > 2 (> 2 + delta for pseudo-dirac) (default %(default)s)")
    p.add_argument("--delta", type=float, default=MAIN_DELTA,
                   help="Delta / m_chi >= 0, pseudo-dirac only (default %(default)s)")
    p.add_argument("--masses", help="comma-separated m_chi [GeV], e.g. 0.01,0.1 (instead of a range)")
    p.add_argument("--m-min", type=float, help=f"lowest m_chi [GeV] of a log-spaced range (default {MAIN_M_MIN_GEV:g})")
    p.add_argument("--m-max", type=float, help=f"highest m_chi [GeV] (default {MAIN_M_MAX_GEV:g})")
    p.add_argument("--n", type=int, help=f"number of masses in the range, >= 1 (default {MAIN_N_MASSES})")
    p.add_argument("--omega-h2", type=float, default=c.OMEGA_H2_PLANCK,
                   help="target Omega h^2 > 0 (default %(default)s, Planck 2018)")
    p.add_argument("--out", required=True, help="output CSV")


TWO_TEMPERATURE_X0 = 1.0e-3  # start x of the two-temperature commands (lines.two_temperature_config)
EVOLVE_MODELS = ("secluded", "scalar", "majorana", "dirac", "pseudo-dirac")
EVOLVE_COLUMNS = ("x", "T_GeV", "T_hs_over_T", "Y")


def _evolve_model(args):
    """The parameter point of ``qedm evolve`` (ranges checked before tracing)."""
    if args.model == "secluded":
        from .models.secluded import make_secluded

        return make_secluded(m_chi=args.m_chi, m_ZD=args.m_chi / args.ratio, alpha_D=args.alpha_d,
                             epsilon=args.epsilon)
    return make_bc2(args.model, m_chi=args.m_chi, alpha_D=args.alpha_d, ratio=args.ratio,
                    epsilon=args.epsilon, delta=args.delta)


def _plot_evolution(columns: dict[str, np.ndarray], title: str, out: pathlib.Path) -> None:
    """Two panels: Y and T_hs/T versus x (PNG and PDF)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 6.4), constrained_layout=True)
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.loglog(columns["x"], columns["Y"], color="black", lw=2)
    top.set_ylabel(r"$Y = n_\chi / s$")
    top.set_title(title, fontsize=9)
    bottom.loglog(columns["x"], columns["T_hs_over_T"], color="tab:blue", lw=2)
    bottom.set_ylabel(r"$T_{\rm hs} / T$")
    bottom.set_xlabel(r"$x = m_\chi / T$")
    for axis in (top, bottom):
        axis.grid(True, which="major", alpha=0.3)
    png, pdf = _figure_paths(out)
    figure.savefig(png, dpi=200)
    figure.savefig(pdf)


def _cmd_evolve(args) -> int:
    """One point's two-temperature (or, with --thermalized, one-temperature) trajectory."""
    model = _evolve_model(args)
    out = _prepare_output(pathlib.Path(args.out))
    if args.n_save < 2:
        raise ValueError(f"n-save must be >= 2; got {args.n_save}")
    if args.thermalized:
        config = solve_mod.SolverConfig(x0=args.x0 if args.x0 is not None else 1.0, n_save=args.n_save)
    else:
        from .lines import two_temperature_config

        config = two_temperature_config(x0=args.x0 if args.x0 is not None else 1.0e-3, n_save=args.n_save)
    clock = _Clock()
    clock(f"evolve {model.name}: solving ...")
    solution = solve_mod.solve(model, config)
    status = int(solution.status)
    columns = {
        "x": np.asarray(solution.x),
        "T_GeV": args.m_chi / np.asarray(solution.x),
        "T_hs_over_T": np.asarray(solution.t_hs_over_t),
        "Y": np.asarray(solution.y),
    }
    header = {
        "model": model.name, "m_chi_GeV": f"{args.m_chi:g}", "ratio": f"{args.ratio:g}",
        "alpha_D": f"{args.alpha_d:g}", "epsilon": f"{args.epsilon:g}",
        "epsilon_convention": "photon-like kinetic mixing (the dark photon couples as epsilon e Q_f)",
        "thermalized": str(bool(args.thermalized)), "x0": f"{config.x0:g}",
        "omega_h2": f"{float(solution.omega_h2):.6g}", "status": f"{status} ({solve_mod.STATUS_MESSAGES[status]})",
        "qedm_jax_version": __version__,
    }
    io.write_target_csv(out, columns, header)
    title = (f"{model.name}: m_chi = {args.m_chi:g} GeV, alpha_D = {args.alpha_d:g}, eps = {args.epsilon:g}, "
             f"Omega h^2 = {float(solution.omega_h2):.3g}")
    _plot_evolution(columns, title, out.with_suffix(".png"))
    clock(f"evolve {model.name}: Omega h^2 = {float(solution.omega_h2):.6g}, status {status} "
          f"({solve_mod.STATUS_MESSAGES[status]}); wrote {out} and {out.with_suffix('.png')}")
    return 0


# --- two-temperature results: relic contours, floors and freeze-in lines (seed 003; BC2) ---------

#: DM masses [GeV] of ``qedm floor`` / ``qedm freeze-in --model secluded`` (seed 003 Figs. 2-3 span)
SECLUDED_MASSES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
#: m_chi / m_ZD of ``qedm contour`` (seed 003 Fig. 2)
SECLUDED_RATIO = 10.0
#: m_chi / m_ZD of ``qedm floor --model secluded`` (seed 003 Fig. 3)
FLOOR_RATIOS = (10.0, 100.0)
#: default alpha_D points of a relic grid
GRID_N = 24
#: default photon-like epsilon range of a relic grid: freeze-in (~1e-13) through the floor (seed 003 Fig. 3)
#: and the plateau (~1e-4 .. 1e-2) to the chi chibar -> f fbar fall above it (contour.thermalization_floor)
EPSILON_RANGE = (1.0e-13, 0.1)
#: default epsilon points of a relic grid: 3 per decade over EPSILON_RANGE, so that a one-decade
#: plateau window holds 4 (24 x 37 = 888 two-temperature solves per mass)
GRID_N_EPSILON = 37
#: alpha_D^TF at m_chi = 10 GeV, m_ZD = 1 GeV (benchmarks/results/bench_two_temperature_*.json); the
#: default alpha_D range of other masses scales from it (``default_alpha_range``)
_ALPHA_TF_REF = 4.0e-4
_M_CHI_REF = 10.0  # GeV, the mass of _ALPHA_TF_REF
_X_FREEZE = 20.0  # x = m_chi / T at freeze-out, only to pick g_star for the default alpha_D range
_ALPHA_HI_OVER_TF = 1.25  # top of the default range / estimated alpha_D^TF (bench grid: 5e-4 at 10 GeV)
_ALPHA_LO_OVER_HI = 2.0e-5  # bottom / top of the default range (bench grid: 1e-8 at 10 GeV)
#: alpha_D points of the floor's refinement grid, and its band around the coarse alpha_D^TF
FLOOR_N_REFINE = 16
_REFINE_BAND = (0.75, 1.15)
#: top of the floor's refinement grid in epsilon: the plateau reaches ~1e-2 before chi chibar -> f fbar
#: lowers alpha_D again (contour.thermalization_floor)
FLOOR_EPSILON_MAX = 0.1
#: epsilon points per decade of the floor's refinement grid (a one-decade plateau window needs >= 3)
FLOOR_EPS_PER_DECADE = 4
_GRID_MAX_STEPS = 8192  # lines.two_temperature_config
FLOOR_TOLERANCE = 0.01  # relative alpha_D band of the thermalization floor (DESIGN.md "Derived curves")
#: secluded freeze-in: alpha_D epsilon^2 on the freeze-in branch (m_chi = 10 GeV, tests/test_contour.py),
#: only to place the reference solve near the answer
_FREEZE_IN_PRODUCT = 1.0e-24
_FREEZE_IN_STEPS = 3  # solves per mass: epsilon_ref -> epsilon_1 -> epsilon_2, reported with Omega(epsilon_2)
_FREEZE_IN_OMEGA_RTOL = lines.FREEZE_IN_RTOL  # |ln(Omega h^2 / target)| of a converged point
SECLUDED_FREEZE_IN_ALPHA_D = 1.0e-8  # well below alpha_D(epsilon_min) ~ 1e-7 m_chi/GeV: pure freeze-in
#: BC2 hidden-sector defaults (``qedm_jax.bc2_hs``)
BC2_HS_ALPHA_D = 0.5
BC2_HS_RATIO = 3.0
BC2_MASSES = tuple(float(m) for m in np.geomspace(1e-3, 2.0, 12))
#: regime column of a contour CSV: index into ``contour.REGIMES``; -1 = no contour on the grid
REGIME_NONE = -1
CONTOUR_COLUMNS = ("m_chi", "m_ZD", "ratio", "alpha_D", "epsilon", "regime", "T_hs_over_T_dec", "slope",
                   "dln_omega_dln_eps", "dln_omega_dln_alpha", "direction", "n_failed")
FLOOR_COLUMNS = ("ratio", "m_chi", "m_ZD", "epsilon_min", "alpha_D_at_epsilon_min", "epsilon_TF", "alpha_D_TF",
                 "status", "T_hs_over_T_TF", "spread", "method", "refined", "n_failed")
BC2_FLOOR_COLUMNS = ("m_chi", "epsilon_TF", "Y_TF", "omega_h2", "status")
FREEZE_IN_COLUMNS = {"secluded": ("m_chi", "m_ZD", "epsilon", "omega_h2", "status"),
                     "bc2": ("m_chi", "epsilon", "Y_BC2", "omega_h2", "status")}
FLOOR_OK, FLOOR_NO_CONTOUR, FLOOR_NO_FREEZE_OUT, FLOOR_BELOW_GRID = 0, 1, 2, 3
FLOOR_STATUS_MESSAGES = {
    FLOOR_OK: "ok",
    FLOOR_NO_CONTOUR: "no Omega h^2 = target crossing on the grid (widen --alpha-d-range / --epsilon-range)",
    FLOOR_NO_FREEZE_OUT: "no freeze-out branch with finite slopes on the grid: no floor (raise --alpha-d-range)",
    FLOOR_BELOW_GRID: "epsilon_TF lies below the first freeze-out point of the grid (NaN)",
}
FLOOR_METHODS = ("plateau", "flattest", "reference")
_DIRECTIONS = ("epsilon", "alpha_D")
_COST_NOTE = ("cost: ~20-50 ms per grid point on one CPU core (32 solver lanes), plus a 10-80 s compilation per "
              "chunk size, shared by all masses and ratios; memory ~1-1.5 GB")


def default_alpha_range(m_chi: float) -> tuple[float, float]:
    """Default alpha_D range of a relic grid at one mass: freeze-in to just above alpha_D^TF.

    alpha_D^TF follows the thermal relic of chi chibar -> Z_D Z_D, <sigma v> = pi alpha_D^2 /
    m_chi^2 (DESIGN.md), with Omega ~ 1 / (sqrt(g_star) <sigma v>) at x_f ~ 20, so alpha_D^TF ~
    m_chi g_star^(-1/4), scaled from 4e-4 at 10 GeV. The top is 1.25 times that (alpha_D >~ 2.5
    alpha_D^TF at epsilon >~ 1e-6 needs more than 8192 steps), the bottom 2e-5 times the top.
    Check (thermalized solves at the estimate, m_ZD = m_chi / 10, epsilon = 1e-5): Omega h^2 =
    0.079, 0.084, 0.092, 0.106, 0.103, 0.102, 0.103 at m_chi = 0.1, 0.3, 1, 3, 10, 30, 100 GeV, so
    the estimate lies 2-20% above the one-temperature alpha_D and the top 1.3-1.5 times above it.

    Args:
        m_chi: DM mass [GeV], > 0.

    Returns:
        ``(alpha_lo, alpha_hi)``.
    """
    g_ref = float(sm.g_star(_M_CHI_REF / _X_FREEZE))
    g = float(sm.g_star(m_chi / _X_FREEZE))
    hi = _ALPHA_HI_OVER_TF * _ALPHA_TF_REF * (m_chi / _M_CHI_REF) * (g_ref / g) ** 0.25
    return _ALPHA_LO_OVER_HI * hi, hi


def _secluded_grid_model(alpha_D, epsilon, m_chi, m_ZD):
    """``make_model`` of every secluded (alpha_D, epsilon) grid, with m_chi and m_ZD passed as
    ``contour.omega_grid(..., params=...)``: one module-level function with the masses traced, so
    the grids of all masses and ratios (the floor's refinements too) share one compilation per
    chunk size (a closure per mass compiled each mass anew, ~20-40 s each)."""
    return SecludedDirac(m_chi=m_chi, m_ZD=m_ZD, alpha_D=alpha_D, epsilon=epsilon)


def _positive_list(values, option: str, lower: float = 0.0, what: str = "> 0") -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size < 1:
        raise ValueError(f"{option} needs at least one value")
    for v in array:
        if not (math.isfinite(v) and v > lower):
            raise ValueError(f"{option}: every value must be {what}; got {float(v)!r}")
    return array


def _range(values, option: str, upper: float | None = None) -> tuple[float, float]:
    lo, hi = (float(v) for v in values)
    if not (math.isfinite(lo) and lo > 0.0 and math.isfinite(hi) and hi > lo):
        raise ValueError(f"{option} LO HI must satisfy 0 < LO < HI; got {lo!r} {hi!r}")
    if upper is not None and not hi < upper:
        raise ValueError(f"{option}: HI must be < {upper:g}; got {hi!r}")
    return lo, hi


@dataclasses.dataclass(frozen=True)
class GridSpec:
    """The relic grids of ``qedm contour`` / ``qedm floor`` (checked by ``check``).

    Attributes:
        masses: m_chi [GeV], shape (n,).
        ratios: m_chi / m_ZD values, shape (k,).
        alpha_range: ``(lo, hi)`` of alpha_D for every mass, or None (``default_alpha_range``).
        n_alpha, n_eps: points per axis (log-spaced), >= 2.
        epsilon_range: ``(lo, hi)`` photon-like epsilon.
        omega_h2: target Omega h^2.
        x0: start x = m_chi / T0 of the two-temperature solve.
        chunk: points per compiled call, or None (the largest grid of the run, at most
            ``contour.DEFAULT_CHUNK``).
    """

    masses: np.ndarray
    ratios: np.ndarray
    alpha_range: tuple[float, float] | None
    n_alpha: int
    epsilon_range: tuple[float, float]
    n_eps: int
    omega_h2: float
    x0: float
    chunk: int | None
    max_steps: int = 8192

    def check(self) -> None:
        """Check every input before anything is traced.

        Raises:
            ValueError: the message names the option and its allowed range.
        """
        _positive_list(self.masses, "--m-chi", what="> 0 GeV")
        _positive_list(self.ratios, "--ratio", lower=1.0, what="> 1 (m_ZD = m_chi / ratio < m_chi)")
        if self.alpha_range is not None:
            _range(self.alpha_range, "--alpha-d-range")
        _range(self.epsilon_range, "--epsilon-range", upper=0.5)
        for n, option in ((self.n_alpha, "--n-alpha"), (self.n_eps, "--n-epsilon")):
            if n < 2:
                raise ValueError(f"{option} must be >= 2; got {n}")
        if not (math.isfinite(self.omega_h2) and self.omega_h2 > 0.0):
            raise ValueError(f"--omega-h2 must be > 0; got {self.omega_h2!r}")
        if not (math.isfinite(self.x0) and 0.0 < self.x0 < 1.0):
            raise ValueError(f"--x0 must be in (0, 1) (start above m_chi); got {self.x0!r}")
        if self.chunk is not None and self.chunk < 1:
            raise ValueError(f"--chunk must be >= 1; got {self.chunk}")
        if self.max_steps < 16:
            raise ValueError(f"--max-steps must be >= 16; got {self.max_steps}")
        for ratio in self.ratios:
            for m in self.masses:
                lo, hi = self.alpha_axis(m)[[0, -1]]
                try:
                    make_secluded(float(m), float(m / ratio), float(hi), float(self.epsilon_range[1]))
                except ValueError as error:
                    raise ValueError(f"--m-chi {m:g} with --ratio {ratio:g}: {error}") from None

    def alpha_axis(self, m_chi: float) -> np.ndarray:
        lo, hi = default_alpha_range(float(m_chi)) if self.alpha_range is None else self.alpha_range
        return np.geomspace(lo, hi, self.n_alpha)

    def epsilon_axis(self) -> np.ndarray:
        return np.geomspace(*self.epsilon_range, self.n_eps)

    @property
    def config(self) -> solve_mod.SolverConfig:
        return contour.contour_config(x0=self.x0, max_steps=self.max_steps)


def _grid_spec(args, default_masses, default_ratios) -> GridSpec:
    return GridSpec(
        masses=np.asarray(args.m_chi if args.m_chi is not None else default_masses, dtype=np.float64),
        ratios=np.asarray(args.ratio if args.ratio is not None else default_ratios, dtype=np.float64),
        alpha_range=None if args.alpha_d_range is None else tuple(args.alpha_d_range),
        n_alpha=args.n_alpha, epsilon_range=tuple(args.epsilon_range), n_eps=args.n_epsilon,
        omega_h2=args.omega_h2, x0=TWO_TEMPERATURE_X0 if args.x0 is None else args.x0, chunk=args.chunk,
        max_steps=args.max_steps)


def _omega_grid(spec: GridSpec, m_chi: float, ratio: float, alpha, epsilon, chunk: int) -> contour.OmegaGrid:
    return contour.omega_grid(_secluded_grid_model, alpha, epsilon, spec.config, chunk=chunk,
                              params={"m_chi": float(m_chi), "m_ZD": float(m_chi / ratio)})


def _planck_note(omega_h2: float) -> str:
    planck = "Planck 2018, arXiv:1807.06209"
    if omega_h2 != c.OMEGA_H2_PLANCK:
        planck = f"user choice; {planck}: {c.OMEGA_H2_PLANCK!r}"
    return f"{float(omega_h2)!r} ({planck})"


def _two_temperature_header(command: str, config: solve_mod.SolverConfig, omega_h2: float) -> dict[str, str]:
    """Header entries common to the two-temperature CSVs."""
    return {
        "generator": f"qedm_jax {__version__} (qedm {command})",
        "qedm_jax_version": __version__,
        "model": "secluded Dirac DM, visibly decaying Z_D (seed 003)",
        "epsilon_convention": ("photon-like kinetic mixing (Z_D couples as epsilon e Q_f for m_ZD << m_Z); "
                               "seed 003's hypercharge mixing is epsilon / cos(theta_W) = epsilon / "
                               f"{math.sqrt(1.0 - c.SIN2_THETA_W):.5f}"),
        "units": "masses in GeV; ratio = m_chi / m_ZD",
        "omega_h2_target": _planck_note(omega_h2),
        "x0": f"{config.x0!r} (start T0 = m_chi / x0; two-temperature, cold hidden sector, seed 003 Sec. 2.3)",
        "solver": (f"Kvaerno5 + PID rtol = {config.rtol:g}, atol = {config.atol:g}, max_steps = {config.max_steps}, "
                   f"x_end = {config.x_end:g}, n_save = {config.n_save}, gstar = {config.gstar}"),
        "R_ratio": f"{sm.DEFAULT_RRATIO}: {_RRATIO_SOURCES.get(sm.DEFAULT_RRATIO, sm.DEFAULT_RRATIO)}",
    }


def _contour_rows(relic: contour.RelicContour, m_chi: float, ratio: float, n_failed: int) -> dict[str, np.ndarray]:
    """CSV columns (``CONTOUR_COLUMNS``) of one contour; one NaN row with regime -1 if empty."""
    n = len(relic)
    if n == 0:
        nan = np.full(1, np.nan)
        return {"m_chi": np.full(1, m_chi), "m_ZD": np.full(1, m_chi / ratio), "ratio": np.full(1, ratio),
                "alpha_D": nan, "epsilon": nan, "regime": np.full(1, REGIME_NONE, dtype=np.int64),
                "T_hs_over_T_dec": nan, "slope": nan, "dln_omega_dln_eps": nan, "dln_omega_dln_alpha": nan,
                "direction": np.full(1, -1, dtype=np.int64), "n_failed": np.full(1, n_failed, dtype=np.int64)}
    codes = {name: i for i, name in enumerate(contour.REGIMES)}
    return {
        "m_chi": np.full(n, m_chi), "m_ZD": np.full(n, m_chi / ratio), "ratio": np.full(n, ratio),
        "alpha_D": relic.alpha_D, "epsilon": relic.epsilon,
        "regime": np.array([codes[str(r)] for r in relic.regime], dtype=np.int64),
        "T_hs_over_T_dec": relic.t_hs_over_t_dec, "slope": relic.slope,
        "dln_omega_dln_eps": relic.dln_omega_dln_eps, "dln_omega_dln_alpha": relic.dln_omega_dln_alpha,
        "direction": np.array([_DIRECTIONS.index(str(d)) for d in relic.direction], dtype=np.int64),
        "n_failed": np.full(n, n_failed, dtype=np.int64),
    }


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _regime_text() -> str:
    return "; ".join([f"{REGIME_NONE} = no Omega h^2 = target crossing on the grid (alpha_D, epsilon NaN)"]
                     + [f"{i} = {name}" for i, name in enumerate(contour.REGIMES)])


def _contour_summary(relic: contour.RelicContour) -> str:
    if len(relic) == 0:
        return "no contour on the grid"
    counts = ", ".join(f"{name} {int(np.sum(relic.regime == name))}" for name in contour.REGIMES
                       if np.any(relic.regime == name))
    return f"{len(relic)} contour points ({counts})"


def _cmd_contour(args) -> int:
    """``qedm contour``: relic contours of secluded Dirac DM, one CSV row per contour point."""
    spec = _grid_spec(args, None, (SECLUDED_RATIO,))
    spec.check()
    out = _prepare_output(pathlib.Path(args.out))
    chunk = spec.chunk if spec.chunk is not None else min(contour.DEFAULT_CHUNK, spec.n_alpha * spec.n_eps)
    header = _two_temperature_header("contour", spec.config, spec.omega_h2)
    header.update({
        "rows": "one per contour point (crossing of Omega h^2 = target between grid neighbours), in order along "
                "the contour from the freeze-in end, per (ratio, m_chi)",
        "regime": _regime_text(),
        "T_hs_over_T_dec": (f"T_hs / T at decoupling (the yield within {contour.DECOUPLING_RTOL:g} of its final value "
                            "from there on: contour.decoupling_point), log-interpolated"),
        "slope": "d ln alpha_D / d ln epsilon along the contour",
        "direction": "0 = crossing along epsilon (alpha_D is a grid value); 1 = along alpha_D",
        "n_failed": "grid points of this (ratio, m_chi) whose solve failed (skipped by the contour search)",
        "grid": (f"{spec.n_alpha} x {spec.n_eps} log-spaced; alpha_D "
                 + ("per mass from qedm_jax.cli.default_alpha_range" if spec.alpha_range is None
                    else f"{spec.alpha_range[0]:g}..{spec.alpha_range[1]:g}")
                 + f"; epsilon {spec.epsilon_range[0]:g}..{spec.epsilon_range[1]:g}"),
    })
    clock = _Clock()
    clock(f"contour: {spec.ratios.size} ratio(s) x {spec.masses.size} mass(es), {spec.n_alpha} x {spec.n_eps} grid "
          f"each ({_COST_NOTE})")
    parts = []
    for ratio in spec.ratios:
        for m in spec.masses:
            alpha = spec.alpha_axis(m)
            grid = _omega_grid(spec, m, ratio, alpha, spec.epsilon_axis(), chunk)
            relic = contour.relic_contour(grid, spec.omega_h2)
            n_failed = int(np.sum(~grid.ok))
            parts.append(_contour_rows(relic, float(m), float(ratio), n_failed))
            io.write_target_csv(out, _concat(parts), header)
            clock(f"contour m_chi = {m:g} GeV, m_ZD = {m / ratio:g} GeV (alpha_D {alpha[0]:.3g}..{alpha[-1]:.3g}): "
                  f"{_contour_summary(relic)}, {n_failed} failed grid points")
    clock(f"contour: wrote {out}")
    return 0


def refine_epsilon_range(relic: contour.RelicContour, alpha_estimate: float, epsilon_min: float,
                         epsilon_range: tuple[float, float]) -> tuple[float, float]:
    """Epsilon range of the floor's refinement grid (``qedm floor``).

    From the last coarse freeze-out point below the refinement band (``_REFINE_BAND[0]`` times
    ``alpha_estimate``) on the RISING side of the contour, i.e. at smaller epsilon than its
    largest alpha_D (so that the band entry is bracketed; the chi chibar -> f fbar fall above
    epsilon ~ 1e-2 also drops below the band and must not count), to ``max(epsilon_range[1],
    FLOOR_EPSILON_MAX)``; the lower end is at most 1e-3 of the upper.

    Args:
        relic: coarse ``RelicContour``.
        alpha_estimate: largest freeze-out alpha_D of ``relic`` (the band's anchor).
        epsilon_min: fallback lower end when no point lies below the band.
        epsilon_range: the coarse grid's (lo, hi) epsilon.

    Returns:
        ``(eps_lo, eps_hi)``.
    """
    out = relic.freeze_out & np.isfinite(relic.alpha_D)
    eps_peak = float(relic.epsilon[out][np.argmax(relic.alpha_D[out])])
    below = out & (relic.alpha_D < _REFINE_BAND[0] * alpha_estimate) & (relic.epsilon < eps_peak)
    eps_lo = float(np.max(relic.epsilon[below])) if np.any(below) else epsilon_min
    eps_hi = max(epsilon_range[1], FLOOR_EPSILON_MAX)
    return min(max(epsilon_range[0], eps_lo), 1e-3 * eps_hi), eps_hi


def _floor_of(spec: GridSpec, m_chi: float, ratio: float, tolerance: float, n_refine: int, chunk: int,
              clock: _Clock) -> dict[str, float]:
    """epsilon_min and the thermalization floor at one (m_chi, ratio): one CSV row of FLOOR_COLUMNS.

    The coarse grid gives epsilon_min and a first alpha_D^TF; with ``n_refine >= 2`` a second
    grid of ``n_refine`` alpha_D in ``_REFINE_BAND`` times the largest freeze-out alpha_D of
    the coarse contour and ``FLOOR_EPS_PER_DECADE``
    epsilon per decade up to ``FLOOR_EPSILON_MAX`` (where the plateau lies) gives the floor.
    """
    row = {name: math.nan for name in FLOOR_COLUMNS}
    row.update(ratio=ratio, m_chi=m_chi, m_ZD=m_chi / ratio, refined=0, method=-1)
    alpha = spec.alpha_axis(m_chi)
    grid = _omega_grid(spec, m_chi, ratio, alpha, spec.epsilon_axis(), chunk)
    n_failed = int(np.sum(~grid.ok))
    relic = contour.relic_contour(grid, spec.omega_h2)
    if len(relic) == 0:
        row.update(status=FLOOR_NO_CONTOUR, n_failed=n_failed)
        return row
    row["epsilon_min"], row["alpha_D_at_epsilon_min"] = contour.epsilon_min(relic)
    try:
        floor = contour.thermalization_floor(relic, tolerance)
    except ValueError:  # no freeze-out points, or too few per decade of epsilon on the coarse grid
        floor = None
    # the band of the refinement hangs from the largest freeze-out alpha_D of the coarse grid: the
    # leak-in overshoot or the top of a monotone rise, 0-10% above the plateau. (The coarse floor
    # itself is a poor anchor: grids ending at epsilon ~ 1e-4 miss the plateau, e.g. 3.9e-6 for a
    # plateau at 5.0e-6 at 0.1 GeV.)
    out = relic.alpha_D[relic.freeze_out & np.isfinite(relic.alpha_D)]
    alpha_estimate = float(np.max(out)) if out.size else None
    if n_refine >= 2 and alpha_estimate is not None:
        fine_alpha = alpha_estimate * np.geomspace(*_REFINE_BAND, n_refine)
        eps_lo, eps_hi = refine_epsilon_range(relic, alpha_estimate, row["epsilon_min"], spec.epsilon_range)
        n_eps = int(math.ceil(FLOOR_EPS_PER_DECADE * math.log10(eps_hi / eps_lo))) + 1
        fine = _omega_grid(spec, m_chi, ratio, fine_alpha, np.geomspace(eps_lo, eps_hi, n_eps), chunk)
        n_failed += int(np.sum(~fine.ok))
        try:
            fine_floor = contour.thermalization_floor(contour.relic_contour(fine, spec.omega_h2), tolerance)
        except ValueError:
            fine_floor = None
        if fine_floor is not None and math.isfinite(fine_floor.epsilon_TF):
            floor = fine_floor
            row["refined"] = 1
        else:
            clock(f"floor m_chi = {m_chi:g} GeV: the refinement grid gave no floor; keeping the coarse one")
    if floor is None:
        row.update(status=FLOOR_NO_FREEZE_OUT, n_failed=n_failed)
        return row
    row.update(epsilon_TF=floor.epsilon_TF, alpha_D_TF=floor.alpha_D_TF, T_hs_over_T_TF=floor.t_hs_over_t_dec,
               spread=floor.spread, method=FLOOR_METHODS.index(floor.method), n_failed=n_failed,
               status=FLOOR_OK if math.isfinite(floor.epsilon_TF) else FLOOR_BELOW_GRID)
    return row


def _floor_columns(rows: list[dict]) -> dict[str, np.ndarray]:
    integer = {"status", "method", "refined", "n_failed"}
    return {name: np.asarray([r[name] for r in rows], dtype=np.int64 if name in integer else np.float64)
            for name in FLOOR_COLUMNS}


def _bc2_module():
    try:
        from . import bc2_hs
    except ImportError as error:
        raise ValueError(f"--model bc2 needs qedm_jax.bc2_hs, which cannot be imported: {error}") from None
    return bc2_hs


def _bc2_masses(args, default) -> np.ndarray:
    masses = _positive_list(args.m_chi if args.m_chi is not None else default, "--m-chi", what="> 0 GeV")
    return masses


def _check_bc2(args, masses) -> None:
    """Set the BC2 defaults on ``args`` (alpha_d, ratio_bc2) and check every input before tracing."""
    if args.species is None:
        raise ValueError("--model bc2 needs --species (one of " + ", ".join(SPECIES) + ")")
    if args.ratio is not None and len(args.ratio) != 1:
        raise ValueError("--ratio: --model bc2 takes one m_A / m_chi value")
    args.ratio_bc2 = BC2_HS_RATIO if args.ratio is None else float(args.ratio[0])
    args.alpha_d = BC2_HS_ALPHA_D if args.alpha_d is None else args.alpha_d
    if args.x0 is not None and not (math.isfinite(args.x0) and 0.0 < args.x0 < 1.0):
        raise ValueError(f"--x0 must be in (0, 1) (start above m_chi); got {args.x0!r}")
    for m in masses:
        try:
            make_bc2(args.species, m_chi=float(m), alpha_D=args.alpha_d, ratio=args.ratio_bc2,
                     epsilon=_EPSILON_PROBE, delta=args.delta)
        except ValueError as error:
            option = _SCAN_BC2_OPTIONS.get(str(error).split()[0], None)
            raise ValueError(f"{option}: {error}" if option else str(error)) from None
    if not (math.isfinite(args.omega_h2) and args.omega_h2 > 0.0):
        raise ValueError(f"--omega-h2 must be > 0; got {args.omega_h2!r}")


def _bc2_header(command: str, args) -> dict[str, str]:
    delta = args.delta if args.species == "pseudo-dirac" else 0.0
    return {
        "generator": f"qedm_jax {__version__} (qedm {command} --model bc2)",
        "qedm_jax_version": __version__,
        "model": args.species,
        "hidden_sector": "BC2 invisible dark photon, two-temperature hidden sector (qedm_jax.bc2_hs)",
        "alpha_D": repr(float(args.alpha_d)),
        "m_A_over_m_chi": repr(float(args.ratio_bc2)),
        "delta_over_m_chi": repr(float(delta)),
        "epsilon_convention": EPSILON_CONVENTION,
        "Y_BC2_definition": "Y_BC2 = epsilon^2 alpha_D (m_chi / m_A)^4",
        "units": "m_chi in GeV",
        "status": "; ".join(f"{code} = {text}" for code, text in sorted(solve_mod.STATUS_MESSAGES.items())),
    }


def _bc2_config(args, bc2_hs):
    """None (``bc2_hs`` defaults), or its two-temperature settings with the start x of --x0."""
    return None if args.x0 is None else bc2_hs.bc2_two_temperature_config(x0=args.x0)


def _cmd_floor(args) -> int:
    """``qedm floor``: epsilon_min and thermalization floor per mass (secluded), or the BC2 floor."""
    clock = _Clock()
    if args.model == "bc2":
        masses = _bc2_masses(args, BC2_MASSES)
        _check_bc2(args, masses)
        bc2_hs = _bc2_module()
        out = _prepare_output(pathlib.Path(args.out))
        clock(f"floor bc2 {args.species}: {masses.size} masses ...")
        line = bc2_hs.thermalization_floor(args.species, masses, alpha_D=args.alpha_d, ratio=args.ratio_bc2,
                                           delta=args.delta, config=_bc2_config(args, bc2_hs))
        columns = {"m_chi": np.asarray(line.m_chi, dtype=np.float64),
                   "epsilon_TF": np.asarray(line.epsilon, dtype=np.float64),
                   "Y_TF": np.asarray(line.y_bc2, dtype=np.float64),
                   "omega_h2": np.asarray(line.omega_h2, dtype=np.float64),
                   "status": np.asarray(line.status).astype(np.int64)}
        header = _bc2_header("floor", args)
        header["label"] = rf"thermalization floor, {_SPECIES_LABELS.get(args.species, args.species)}"
        header["rows"] = "one per mass: the thermalization floor epsilon_TF and Y_TF = Y_BC2(epsilon_TF)"
        header["epsilon_TF"] = ("argmax over epsilon of the two-temperature Omega h^2(epsilon) at fixed m_chi, "
                                "alpha_D (freeze-in below, freeze-out above; qedm_jax.bc2_hs.thermalization_floor)")
        header["omega_h2"] = "Omega h^2 at epsilon_TF (the maximum of Omega h^2(epsilon), not the relic target)"
        io.write_target_csv(out, columns, header)
        clock(f"floor bc2 {args.species}: wrote {out}")
        print(_status_report(f"floor {args.species}", columns["status"], columns["m_chi"]), flush=True)
        return 0
    for option, value in (("--species", args.species), ("--alpha-d", args.alpha_d)):
        if value is not None:
            raise ValueError(f"{option} is for --model bc2 (the secluded floor scans alpha_D: --alpha-d-range)")
    if not (0.0 < args.tolerance < 1.0):
        raise ValueError(f"--tolerance must be in (0, 1); got {args.tolerance!r}")
    if args.n_refine == 1 or args.n_refine < 0:
        raise ValueError(f"--n-refine must be 0 (no refinement) or >= 2; got {args.n_refine}")
    spec = _grid_spec(args, SECLUDED_MASSES, FLOOR_RATIOS)
    spec.check()
    out = _prepare_output(pathlib.Path(args.out))
    n_max = max(spec.n_alpha, args.n_refine) * spec.n_eps
    chunk = spec.chunk if spec.chunk is not None else min(contour.DEFAULT_CHUNK, n_max)
    header = _two_temperature_header("floor", spec.config, spec.omega_h2)
    header.update({
        "rows": "one per (ratio, m_chi): minimum mixing and thermalization floor (seed 003 Sec. 2.3, Fig. 3)",
        "epsilon_min": "minimum photon-like epsilon on the relic contour (contour.epsilon_min, parabola-refined)",
        "epsilon_TF": (f"thermalization floor: smallest epsilon beyond which |alpha_D / alpha_D_TF - 1| <= "
                       f"{args.tolerance:g} up to the plateau, on the freeze-out branch (contour.thermalization_floor)"),
        "alpha_D_TF": ("alpha_D where the relic contour becomes epsilon-independent: median alpha_D of the flattest "
                       "one-decade epsilon window of the freeze-out branch (method column)"),
        "T_hs_over_T_TF": "T_hs / T at decoupling at epsilon_TF",
        "spread": "relative spread (max - min) / alpha_D_TF of alpha_D over the plateau window (one decade in epsilon)",
        "method": "; ".join(f"{i} = {name}" for i, name in enumerate(FLOOR_METHODS)) + "; -1 = none",
        "refined": (f"1 = floor from a second grid of {args.n_refine} alpha_D in {_REFINE_BAND[0]:g}..{_REFINE_BAND[1]:g} "
                    f"x the largest freeze-out alpha_D of the coarse contour and {FLOOR_EPS_PER_DECADE} epsilon per decade from the last coarse contour "
                    f"point below that band to max(top of the range, {FLOOR_EPSILON_MAX:g}); 0 = coarse grid only (no "
                    "refinement, or it found no floor)"),
        "status": "; ".join(f"{k} = {v}" for k, v in FLOOR_STATUS_MESSAGES.items()),
        "grid": (f"{spec.n_alpha} x {spec.n_eps} log-spaced; alpha_D "
                 + ("per mass from qedm_jax.cli.default_alpha_range" if spec.alpha_range is None
                    else f"{spec.alpha_range[0]:g}..{spec.alpha_range[1]:g}")
                 + f"; epsilon {spec.epsilon_range[0]:g}..{spec.epsilon_range[1]:g}"),
    })
    clock(f"floor: {spec.ratios.size} ratio(s) x {spec.masses.size} mass(es), {spec.n_alpha} x {spec.n_eps} grid "
          f"(+ {args.n_refine} alpha_D x {FLOOR_EPS_PER_DECADE} epsilon per decade refinement) each ({_COST_NOTE})")
    rows = []
    for ratio in spec.ratios:
        for m in spec.masses:
            row = _floor_of(spec, float(m), float(ratio), args.tolerance, args.n_refine, chunk, clock)
            rows.append(row)
            io.write_target_csv(out, _floor_columns(rows), header)
            clock(f"floor m_chi = {m:g} GeV, ratio {ratio:g}: epsilon_min = {row['epsilon_min']:.3g}, "
                  f"epsilon_TF = {row['epsilon_TF']:.3g}, alpha_D_TF = {row['alpha_D_TF']:.3g} "
                  f"({FLOOR_STATUS_MESSAGES[row['status']]})")
            doubts = []
            if row["n_failed"] > 0:
                doubts.append(f"{row['n_failed']} grid points failed (raise --max-steps?)")
            if row["method"] == FLOOR_METHODS.index("flattest"):
                doubts.append(f"no plateau flat to {args.tolerance:g} on the grid: alpha_D_TF from the flattest window "
                                  f"(spread {row['spread']:.2%})")
            if row["T_hs_over_T_TF"] < 0.5:
                doubts.append(f"T_hs/T at decoupling at the floor is {row['T_hs_over_T_TF']:.2g} (not thermalized)")
            if doubts:
                print(f"{PROG}: warning: floor at m_chi = {m:g} GeV, ratio {ratio:g}: " + "; ".join(doubts),
                      file=sys.stderr, flush=True)
    clock(f"floor: wrote {out}")
    return 0


@functools.lru_cache(maxsize=4)
def _secluded_freeze_in(config: solve_mod.SolverConfig):
    """jit(vmap) over masses of the freeze-in solution epsilon_FI (alpha_D and Omega h^2 traced:
    one compilation per config and number of masses).

    ``lines.freeze_in_epsilon_unchecked`` (Omega ~ epsilon^2 on the freeze-in branch:
    epsilon <- epsilon sqrt(target / Omega(epsilon))) with ``_FREEZE_IN_STEPS`` solves, reported with
    the Omega h^2 of the last solve, which is at the reported epsilon. One step is not enough for its own 1e-3 check: at m_chi = 10 GeV,
    alpha_D = 1e-8 the solve at epsilon_FI gave Omega h^2 = 0.120135 (the solves' relative accuracy
    is ~1e-3 at rtol = 1e-5); a second step starts from ~1e-3 away.
    """

    def one(m_chi, m_zd, alpha_d, epsilon_ref, omega_h2):
        model = SecludedDirac(m_chi=m_chi, m_ZD=m_zd, alpha_D=alpha_d, epsilon=epsilon_ref)
        return lines.freeze_in_epsilon_unchecked(model, omega_h2, config, n_solves=_FREEZE_IN_STEPS)

    return jax.jit(jax.vmap(one, in_axes=(0, 0, None, 0, None)))


def _cmd_freeze_in(args) -> int:
    """``qedm freeze-in``: epsilon_FI(m_chi) at fixed alpha_D."""
    clock = _Clock()
    if args.model == "bc2":
        masses = _bc2_masses(args, BC2_MASSES)
        _check_bc2(args, masses)
        bc2_hs = _bc2_module()
        out = _prepare_output(pathlib.Path(args.out))
        clock(f"freeze-in bc2 {args.species}: {masses.size} masses ...")
        line = bc2_hs.freeze_in_line(args.species, masses, alpha_D=args.alpha_d, ratio=args.ratio_bc2,
                                     delta=args.delta, omega_h2=args.omega_h2, config=_bc2_config(args, bc2_hs))
        columns = {"m_chi": np.asarray(line.m_chi, dtype=np.float64),
                   "epsilon": np.asarray(line.epsilon, dtype=np.float64),
                   "Y_BC2": np.asarray(line.y_bc2, dtype=np.float64),
                   "omega_h2": np.asarray(line.omega_h2, dtype=np.float64),
                   "status": np.asarray(line.status).astype(np.int64)}
        header = _bc2_header("freeze-in", args)
        header["omega_h2_target"] = _planck_note(args.omega_h2)
        header["label"] = rf"freeze-in, {_SPECIES_LABELS.get(args.species, args.species)}"
        header["rows"] = "one per mass: the freeze-in solution of Omega h^2 = target"
        io.write_target_csv(out, columns, header)
        clock(f"freeze-in bc2 {args.species}: wrote {out}")
        print(_status_report(f"freeze-in {args.species}", columns["status"], columns["m_chi"]), flush=True)
        return 0
    if args.species is not None:
        raise ValueError("--species is for --model bc2")
    masses = _positive_list(args.m_chi if args.m_chi is not None else SECLUDED_MASSES, "--m-chi", what="> 0 GeV")
    ratio = SECLUDED_RATIO if args.ratio is None else args.ratio[0]
    if args.ratio is not None and len(args.ratio) != 1:
        raise ValueError("--ratio: freeze-in takes one m_chi / m_ZD value")
    if not (math.isfinite(ratio) and ratio > 1.0):
        raise ValueError(f"--ratio must be > 1 (m_ZD = m_chi / ratio < m_chi); got {ratio!r}")
    alpha_d = SECLUDED_FREEZE_IN_ALPHA_D if args.alpha_d is None else args.alpha_d
    if not (math.isfinite(alpha_d) and alpha_d > 0.0):
        raise ValueError(f"--alpha-d must be > 0; got {alpha_d!r}")
    if not (math.isfinite(args.omega_h2) and args.omega_h2 > 0.0):
        raise ValueError(f"--omega-h2 must be > 0; got {args.omega_h2!r}")
    x0 = 1.0e-3 if args.x0 is None else args.x0
    if not (math.isfinite(x0) and 0.0 < x0 < 1.0):
        raise ValueError(f"--x0 must be in (0, 1) (start above m_chi); got {x0!r}")
    epsilon_ref = min(math.sqrt(_FREEZE_IN_PRODUCT / alpha_d), 1.0e-3)
    for m in masses:
        try:
            solve_mod.check_model(make_secluded(float(m), float(m / ratio), alpha_d, epsilon_ref))
        except ValueError as error:
            raise ValueError(f"--m-chi {m:g} with --ratio {ratio:g}, --alpha-d {alpha_d:g}: {error}") from None
    from .lines import two_temperature_config

    config = two_temperature_config(x0=x0)
    out = _prepare_output(pathlib.Path(args.out))
    clock(f"freeze-in secluded: {masses.size} masses, alpha_D = {alpha_d:g}, m_chi = {ratio:g} m_ZD ...")
    run = _secluded_freeze_in(config)
    epsilon, omega, status = jax.device_get(run(jnp.asarray(masses), jnp.asarray(masses / ratio), jnp.asarray(alpha_d),
                                                jnp.full(masses.shape, epsilon_ref), jnp.asarray(args.omega_h2)))
    columns = {"m_chi": masses, "m_ZD": masses / ratio, "epsilon": np.asarray(epsilon, dtype=np.float64),
               "omega_h2": np.asarray(omega, dtype=np.float64), "status": np.asarray(status).astype(np.int64)}
    header = _two_temperature_header("freeze-in", config, args.omega_h2)
    header.update({
        "alpha_D": repr(float(alpha_d)),
        "ratio": repr(float(ratio)),
        "rows": ("one per mass: the freeze-in solution epsilon_FI of Omega h^2 = target at fixed alpha_D "
                 f"(Omega ~ epsilon^2 on the branch, as lines.freeze_in_epsilon_unchecked, {_FREEZE_IN_STEPS} solves; "
                 f"omega_h2 is the solve at epsilon, status 4 if |ln(omega_h2 / target)| > {_FREEZE_IN_OMEGA_RTOL:g})"),
        "status": "; ".join(f"{code} = {text}" for code, text in sorted(solve_mod.STATUS_MESSAGES.items())),
    })
    io.write_target_csv(out, columns, header)
    clock(f"freeze-in secluded: wrote {out}")
    print(_status_report("freeze-in secluded", columns["status"], masses), flush=True)
    return 0


# --- figures of the two-temperature results ----------------------------------------------------------


def load_contours(path) -> list[tuple[float, float, contour.RelicContour, int]]:
    """Read a contour CSV (``qedm contour``) back into relic contours.

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
    if np.any((codes < REGIME_NONE) | (codes >= len(contour.REGIMES))):
        raise io.DataFileError(f"{path}: regime codes must be in -1..{len(contour.REGIMES) - 1}")
    key = np.stack([columns["ratio"], columns["m_chi"]], axis=1)
    groups = []
    for pair in dict.fromkeys(map(tuple, key)):
        rows = np.flatnonzero(np.all(key == np.asarray(pair), axis=1))
        rows = rows[codes[rows] != REGIME_NONE]
        direction = np.asarray(columns["direction"])[rows]
        relic = contour.RelicContour(
            alpha_D=np.asarray(columns["alpha_D"])[rows], epsilon=np.asarray(columns["epsilon"])[rows],
            direction=np.array([_DIRECTIONS[int(d)] for d in direction], dtype=str),
            dln_omega_dln_eps=np.asarray(columns["dln_omega_dln_eps"])[rows],
            dln_omega_dln_alpha=np.asarray(columns["dln_omega_dln_alpha"])[rows],
            slope=np.asarray(columns["slope"])[rows], t_hs_over_t_dec=np.asarray(columns["T_hs_over_T_dec"])[rows],
            regime=np.array([contour.REGIMES[int(k)] for k in codes[rows]], dtype=str),
            omega_h2=omega_h2, m_chi=float(pair[1]))
        n_failed = int(np.max(np.asarray(columns["n_failed"])[np.all(key == np.asarray(pair), axis=1)]))
        groups.append((float(pair[1]), float(pair[0]), relic, n_failed))
    return groups


#: the columns of a floor CSV that ``load_floors`` reads
_FLOOR_READ_COLUMNS = ("ratio", "m_chi", "epsilon_TF", "alpha_D_TF", "T_hs_over_T_TF", "spread", "method")


def load_floors(path, tolerance: float = FLOOR_TOLERANCE) -> dict[tuple[float, float], contour.ThermalizationFloor]:
    """Read a floor CSV (``qedm floor``, secluded) back into thermalization floors.

    The CSV holds alpha_D^TF, epsilon_TF, T_hs / T there, the spread and the method of the
    refined floor grid, not the plateau window: ``epsilon_plateau`` and ``plateau_range`` are
    NaN and ``n_plateau`` 0 in the result. Rows without a finite alpha_D^TF > 0 are left out.

    Args:
        path: the CSV.
        tolerance: relative alpha_D band of the ``qedm floor`` run that wrote it (its
            ``--tolerance``; only recorded in the header text), in (0, 1).

    Returns:
        ``{(ratio, m_chi): ThermalizationFloor}`` in file order (m_chi in GeV).

    Raises:
        qedm_jax.io.DataFileError: missing columns (a BC2 floor CSV has no alpha_D_TF), a
            method code outside -1..2.
        OSError: the file cannot be read.
    """
    columns, _ = io.read_target_csv(path)
    missing = [name for name in _FLOOR_READ_COLUMNS if name not in columns]
    if missing:
        raise io.DataFileError(f"{path}: missing column(s) {', '.join(missing)} (not a qedm floor CSV of the "
                               "secluded model?)")
    methods = np.asarray(columns["method"])
    if np.any((methods < -1) | (methods >= len(FLOOR_METHODS))):
        raise io.DataFileError(f"{path}: method codes must be in -1..{len(FLOOR_METHODS) - 1}")
    floors = {}
    for i in range(methods.size):
        alpha_tf = float(columns["alpha_D_TF"][i])
        if not (math.isfinite(alpha_tf) and alpha_tf > 0.0):
            continue
        floors[(float(columns["ratio"][i]), float(columns["m_chi"][i]))] = contour.ThermalizationFloor(
            alpha_D_TF=alpha_tf, epsilon_TF=float(columns["epsilon_TF"][i]), epsilon_plateau=math.nan,
            plateau_range=(math.nan, math.nan),
            method=FLOOR_METHODS[int(methods[i])] if methods[i] >= 0 else "none", tolerance=float(tolerance),
            n_plateau=0, t_hs_over_t_dec=float(columns["T_hs_over_T_TF"][i]), spread=float(columns["spread"][i]))
    return floors


def _matching_floor(floors: dict, m_chi: float, ratio: float, rtol: float = 1e-9):
    """The floor of ``floors`` (``load_floors``) at this (m_chi, ratio) up to rounding, or None."""
    for (r, m), floor in floors.items():
        if math.isclose(m, m_chi, rel_tol=rtol) and math.isclose(r, ratio, rel_tol=rtol):
            return floor
    return None


def _floor_note(names: list[str], from_file: list[bool], masses: list[float]) -> str:
    """Where alpha_D^TF of the plateau view comes from (a line under its title)."""
    if names and all(from_file):
        return rf"$\alpha_D^{{TF}}$, $\epsilon_{{TF}}$: refined floor grid ({', '.join(names)})"
    if any(from_file):
        coarse = ", ".join(f"{m:g}" for m, f in zip(masses, from_file) if not f)
        return (rf"$\alpha_D^{{TF}}$, $\epsilon_{{TF}}$: refined floor grid ({', '.join(names)}); "
                rf"$m_\chi$ = {coarse} GeV: this contour grid")
    return r"$\alpha_D^{TF}$, $\epsilon_{TF}$: from this contour grid (flattest one-decade window)"


def _cmd_plot_contour(args) -> int:
    clock = _Clock()
    groups = [g for p in args.contours for g in load_contours(pathlib.Path(p))]
    if not (0.0 < args.tolerance < 1.0):
        raise ValueError(f"--tolerance must be in (0, 1); got {args.tolerance!r}")
    references = {}
    for p in args.floors:
        for key, floor in load_floors(pathlib.Path(p), args.tolerance).items():
            references.setdefault(key, floor)  # the first file that has a (ratio, m_chi) wins
    png, pdf = _figure_paths(pathlib.Path(args.out))
    _prepare_output(png)
    plateau_png, plateau_pdf = (p.with_name(p.stem + "_plateau" + p.suffix) for p in (png, pdf))
    several_ratios = len({r for _, r, _, _ in groups}) > 1
    contours, labels, eps_mins, floors, from_file, masses = [], [], [], [], [], []
    for m, ratio, relic, _ in groups:
        contours.append(relic)
        labels.append(rf"$m_\chi = {m:g}$ GeV" + (rf", $m_\chi/m_{{Z_D}} = {ratio:g}$" if several_ratios else ""))
        eps_mins.append(contour.epsilon_min(relic) if len(relic) else None)
        floor = _matching_floor(references, m, ratio)
        from_file.append(floor is not None)
        masses.append(m)
        if floor is None:
            try:
                floor = contour.thermalization_floor(relic, args.tolerance)
            except ValueError:
                floor = None
        floors.append(floor)
    # the plateau view marks floors without a window flat to the tolerance (1 GeV: QCD crossover)
    plateau_labels = [label + (" (flattest)" if f is not None and f.method == "flattest" else "")
                      for label, f in zip(labels, floors)]
    note = _floor_note([pathlib.Path(p).name for p in args.floors], from_file, masses)
    from . import plotting  # matplotlib is imported only here (STYLE.md 13)

    figure = plotting.plot_contours(contours, labels, eps_mins=eps_mins, floors=floors)
    plateau = plotting.plot_plateaus(contours, floors, plateau_labels, note=note)
    for fig, paths in ((figure, (png, pdf)), (plateau, (plateau_png, plateau_pdf))):
        for path in paths:
            fig.savefig(path, dpi=200, bbox_inches="tight")
    clock(f"plot contour: wrote {png}, {pdf}, {plateau_png} and {plateau_pdf}")
    return 0


def _cmd_plot_floor(args) -> int:
    clock = _Clock()
    rows = []
    for p in args.floors:
        columns, _ = io.read_target_csv(pathlib.Path(p))
        missing = [name for name in ("ratio", "m_chi", "epsilon_min", "epsilon_TF") if name not in columns]
        if missing:
            raise io.DataFileError(f"{p}: missing column(s) {', '.join(missing)} (not a qedm floor CSV?)")
        rows.append(columns)
    columns = {name: np.concatenate([r[name] for r in rows]) for name in ("ratio", "m_chi", "epsilon_min", "epsilon_TF")}
    png, pdf = _figure_paths(pathlib.Path(args.out))
    _prepare_output(png)
    from . import plotting  # matplotlib is imported only here (STYLE.md 13)

    figure, ax = plotting._figure((6.4, 4.8))
    for i, ratio in enumerate(dict.fromkeys(columns["ratio"].tolist())):
        sel = columns["ratio"] == ratio
        plane = contour.floor_in_mzd_plane(columns["m_chi"][sel], columns["epsilon_min"][sel],
                                           columns["epsilon_TF"][sel], ratio=float(ratio),
                                           hypercharge=args.hypercharge)
        plotting.plot_floor(plane.m_ZD * plane.ratio, plane.epsilon_min, plane.epsilon_TF, plane.ratio, ax=ax,
                            hypercharge=args.hypercharge, light=i > 0)
    ax.set_title("thermalization floor and minimum mixing (secluded Dirac DM, seed 003 Fig. 3)", fontsize=10)
    for path in (png, pdf):
        figure.savefig(path, dpi=200, bbox_inches="tight")
    clock(f"plot floor: wrote {png} and {pdf}")
    return 0


def _load_bc2_line(path, y_column: str, linestyle: str) -> tuple[dict, float, float]:
    """A BC2 freeze-in or floor CSV as a ``plot_bc2`` line dict, with its alpha_D and m_A/m_chi."""
    columns, header = io.read_target_csv(path)
    missing = [name for name in ("m_chi", y_column, "status") if name not in columns]
    if missing:
        raise io.DataFileError(f"{path}: missing column(s) {', '.join(missing)} (not a qedm bc2 "
                               f"{'freeze-in' if y_column == 'Y_BC2' else 'floor'} CSV?)")
    alpha_d = _header_float(header, "alpha_D", path)
    ratio = _header_float(header, "m_A_over_m_chi", path)
    label = header.get("label") or pathlib.Path(path).stem
    line = {"m_chi": np.asarray(columns["m_chi"], dtype=np.float64),
            "Y_BC2": np.asarray(columns[y_column], dtype=np.float64),
            "label": f"{label} ($\\alpha_D = {alpha_d:g}$)", "status": np.asarray(columns["status"]).astype(np.int64),
            "linestyle": linestyle}
    return line, alpha_d, ratio


# --- qedm scan: a Cartesian grid of Omega h^2 (qedm_jax.grids.scan) -------------------------------------

SCAN_MODELS = ("bc2", "secluded")
#: default mass ratio of ``qedm scan``: BC2 m_A / m_chi, secluded m_chi / m_ZD
SCAN_RATIO = {"bc2": MAIN_RATIO, "secluded": SECLUDED_RATIO}
#: axis order of a ``qedm scan`` grid (the order of the ``.npz`` arrays)
SCAN_AXES = ("epsilon", "alpha_D", "m_chi")
# first word of a make_bc2 error -> ``qedm scan`` option
_SCAN_BC2_OPTIONS = {"m_chi": "--m-chi", "alpha_D": "--alpha-d", "epsilon": "--epsilon", "ratio": "--ratio",
                     "delta": "--delta", "model": "--species"}
_SCAN_COST_NOTE = ("cost: ~0.5 ms per thermalized point, ~25-30 ms per two-temperature point (--two-temperature) on "
                   "one CPU core, plus a compilation of ~10-40 s per run; memory ~0.6 GB at --chunk 2048 "
                   "thermalized (set mostly by the solver lanes, a quarter of the chunk)")


@functools.lru_cache(maxsize=None)
def scan_builder(model: str, species: str, ratio: float, delta: float):
    """``make_model(epsilon, alpha_D, m_chi)`` of ``qedm scan`` (keywords only; traced by
    ``grids.scan``). The same function object per (model, species, ratio, delta), so that
    repeated scans in one process reuse the compilation.

    Args:
        model: "bc2" or "secluded".
        species: BC2 species (ignored for secluded).
        ratio: BC2 m_A / m_chi; secluded m_chi / m_ZD.
        delta: Delta / m_chi, BC2 pseudo-Dirac only (0 is used for the other species).
    """
    if model == "secluded":
        def make_model(epsilon, alpha_D, m_chi):
            return SecludedDirac(m_chi=m_chi, m_ZD=m_chi / ratio, alpha_D=alpha_D, epsilon=epsilon)
    else:
        split = delta if species == "pseudo-dirac" else 0.0

        def make_model(epsilon, alpha_D, m_chi):
            return BC2(m_chi=m_chi, m_A=ratio * m_chi, alpha_D=alpha_D, epsilon=epsilon, delta=split,
                       species=species)
    return make_model


def _scan_values(values, grid, option: str, check, allowed: str, default=None) -> np.ndarray:
    """One axis of ``qedm scan`` from ``--X v1 v2 ...`` or ``--X-range LO HI N`` (log-spaced)."""
    if values is not None and grid is not None:
        raise ValueError(f"give either {option} or {option}-range, not both")
    if values is None and grid is None:
        if default is None:
            raise ValueError(f"{option} or {option}-range is required")
        values = [default]
    if grid is not None:
        lo, hi, n = grid
        if not (math.isfinite(n) and n == int(n) and n >= 1):
            raise ValueError(f"{option}-range: N must be an integer >= 1; got {n!r}")
        for v in (lo, hi):
            if not (math.isfinite(v) and check(v)):
                raise ValueError(f"{option}-range: LO and HI must be {allowed}; got {lo!r} {hi!r}")
        if not hi >= lo:
            raise ValueError(f"{option}-range: need LO <= HI; got {lo!r} {hi!r}")
        if int(n) >= 2 and not hi > lo:
            raise ValueError(f"{option}-range: need LO < HI for N >= 2; got {lo!r} {hi!r}")
        return np.geomspace(lo, hi, int(n))
    array = np.asarray(values, dtype=np.float64)
    for v in array:
        if not (math.isfinite(v) and check(v)):
            raise ValueError(f"{option}: every value must be {allowed}; got {float(v)!r}")
    return array


def _scan_inputs(args):
    """Axes, model builder and config of ``qedm scan``, every input checked (nothing traced).

    Returns:
        ``(axes, make_model, config)`` with ``axes = {"epsilon": ..., "alpha_D": ..., "m_chi": ...}``.

    Raises:
        ValueError: the message names the option and its allowed range.
    """
    if args.model == "secluded" and args.species is not None:
        raise ValueError("--species applies to --model bc2 only")
    species = args.species or "dirac"
    epsilon = _scan_values(args.epsilon, args.epsilon_range, "--epsilon", lambda v: 0.0 < v < 1.0, "in (0, 1)")
    alpha_d = _scan_values(args.alpha_d, args.alpha_d_range, "--alpha-d", lambda v: v > 0.0, "> 0",
                           default=MAIN_ALPHA_D if args.model == "bc2" else None)
    m_chi = _scan_values(args.m_chi, args.m_chi_range, "--m-chi", lambda v: v > 0.0, "> 0 GeV")
    ratio = SCAN_RATIO[args.model] if args.ratio is None else float(args.ratio)
    delta = float(args.delta)
    if not (math.isfinite(delta) and delta >= 0.0):
        raise ValueError(f"--delta (Delta / m_chi) must be >= 0; got {delta!r}")
    if args.model == "bc2":
        minimum = 2.0 + (delta if species == "pseudo-dirac" else 0.0)
        if not (math.isfinite(ratio) and ratio > minimum):
            what = "m_A > m_chi (2 + delta), pseudo-dirac" if species == "pseudo-dirac" else "m_A > 2 m_chi"
            raise ValueError(f"--ratio = m_A / m_chi must be > {minimum:g} ({what}: invisible A' decay); got {ratio!r}")
        try:  # the constraints are per parameter: one point checks species, ratio and delta together
            make_bc2(species, m_chi=float(m_chi[0]), alpha_D=float(alpha_d[0]), ratio=ratio,
                     epsilon=float(epsilon[0]), delta=delta)
        except ValueError as error:
            option = _SCAN_BC2_OPTIONS.get(str(error).split()[0], None)
            raise ValueError(f"{option}: {error}" if option else str(error)) from None
    else:
        if not (math.isfinite(ratio) and ratio > 1.0):
            raise ValueError(f"--ratio = m_chi / m_ZD must be > 1 (m_ZD < m_chi); got {ratio!r}")
        eps_max, alpha_max = float(epsilon.max()), float(alpha_d.max())
        for m in m_chi:  # |epsilon| < cos(theta_W) and the Z - Z_D mass-repulsion gap (widest at eps_max)
            try:
                make_secluded(float(m), float(m / ratio), alpha_max, eps_max)
            except ValueError as error:
                raise ValueError(f"--m-chi {m:g} with --ratio {ratio:g} and --epsilon up to {eps_max:g}: "
                                 f"{error}") from None
    if args.chunk is not None and args.chunk < 1:
        raise ValueError(f"--chunk must be >= 1; got {args.chunk}")
    if args.max_steps is not None and args.max_steps < 16:
        raise ValueError(f"--max-steps must be >= 16; got {args.max_steps}")
    settings = {} if args.max_steps is None else {"max_steps": int(args.max_steps)}
    if args.two_temperature:
        config = lines.two_temperature_config(**settings)
    else:
        config = solve_mod.SolverConfig(**settings)
    make_model = scan_builder(args.model, species if args.model == "bc2" else "", ratio,
                              delta if (args.model == "bc2" and species == "pseudo-dirac") else 0.0)
    axes = {"epsilon": epsilon, "alpha_D": alpha_d, "m_chi": m_chi}
    return axes, make_model, config


def scan_summary(result, wall_s: float) -> str:
    """One line: points, converged, counts per status code, wall time."""
    status = np.asarray(result.status)
    n_ok = int(np.count_nonzero(status == solve_mod.STATUS_OK))
    codes, counts = np.unique(status, return_counts=True)
    per_status = ", ".join(f"{int(code)} ({solve_mod.STATUS_MESSAGES.get(int(code), 'unknown status')}): {int(k)}"
                           for code, k in zip(codes, counts))
    shape = " x ".join(f"{len(v)} {name}" for name, v in result.axes.items())
    return (f"scan {result.model_name}: {status.size} points ({shape}), {n_ok} converged, "
            f"{status.size - n_ok} failed; status counts: {per_status}; wall {wall_s:.1f} s")


def _cmd_scan(args) -> int:
    """``qedm scan``: Omega h^2 on a Cartesian (epsilon, alpha_D, m_chi) grid -> .npz."""
    axes, make_model, config = _scan_inputs(args)
    out = _prepare_output(pathlib.Path(args.out))
    clock = _Clock()
    progress = not args.no_progress
    n = math.prod(len(v) for v in axes.values())
    if progress:
        per_point = 0.025 if args.two_temperature else 1e-3  # s per point on one CPU core (_SCAN_COST_NOTE)
        clock(f"scan: {n} points ({' x '.join(str(len(v)) for v in axes.values())} epsilon x alpha_D x m_chi), "
              f"{'two-temperature' if args.two_temperature else 'thermalized'} -> {out}; expect ~{n * per_point:.3g} s "
              "per CPU core plus a 10-40 s compilation")
    start = time.perf_counter()
    kwargs = {} if args.chunk is None else {"chunk": int(args.chunk)}
    result = grids.scan(make_model, config=config, out=out, resume=args.resume, progress=progress, **kwargs,
                        **axes)
    print(scan_summary(result, time.perf_counter() - start) + f" -> {out}", flush=True)
    return 0


def _add_scan_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", choices=SCAN_MODELS, default="bc2",
                   help="BC2 (invisible dark photon) or secluded Dirac DM with a visible Z_D (default %(default)s)")
    p.add_argument("--species", choices=SPECIES, default=None, help="BC2 DM species (default dirac)")
    for option, what, metavar in (("--epsilon", "photon-like kinetic mixing, in (0, 1)", "EPS"),
                                  ("--alpha-d", (f"dark coupling alpha_D > 0 (default bc2: {MAIN_ALPHA_D:g}; "
                                                 "required for secluded)"), "ALPHA"),
                                  ("--m-chi", "DM mass m_chi [GeV] > 0", "M")):
        p.add_argument(option, type=float, nargs="+", default=None, metavar=metavar, help=f"{what}: values")
        p.add_argument(f"{option}-range", type=float, nargs=3, default=None, metavar=("LO", "HI", "N"),
                       help=f"{what}: N log-spaced values from LO to HI (instead of {option})")
    p.add_argument("--ratio", type=float, default=None,
                   help=f"bc2: m_A / m_chi > 2 (> 2 + delta for pseudo-dirac) (default {SCAN_RATIO['bc2']:g}); "
                   f"secluded: m_chi / m_ZD > 1 (default {SCAN_RATIO['secluded']:g})")
    p.add_argument("--delta", type=float, default=MAIN_DELTA,
                   help="Delta / m_chi >= 0, bc2 pseudo-dirac only (default %(default)s)")
    p.add_argument("--two-temperature", action="store_true",
                   help="two-temperature solve (qedm_jax.lines.two_temperature_config: cold hidden sector from "
                   "x0 = 1e-3, freeze-in capable); default thermalized T_hs = T (SolverConfig())")
    p.add_argument("--chunk", type=int, default=None,
                   help="points per compiled call, >= 1 (default: that of qedm_jax.grids.scan, 512, or the grid "
                   "size if smaller); solved on a quarter as many solver lanes")
    p.add_argument("--resume", action="store_true",
                   help="reuse the finished chunks under OUT.chunks/ of an earlier run of the same grid")
    p.add_argument("--max-steps", type=int, default=None,
                   help="ODE step limit per point, >= 16 (default 4096 thermalized, 8192 two-temperature); a point "
                   "that hits it is reported with its status")
    p.add_argument("--no-progress", action="store_true", help="no per-chunk progress lines")
    p.add_argument("--out", required=True, help="output .npz (qedm_jax.grids.save_scan; read with load_scan)")


def _add_grid_arguments(p: argparse.ArgumentParser) -> None:
    """Options of a relic grid (``qedm contour``, ``qedm floor``)."""
    p.add_argument("--alpha-d-range", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                   help="alpha_D range of every grid (default per mass: freeze-in to 1.25 x the estimated "
                   "alpha_D^TF, see qedm_jax.cli.default_alpha_range; 1e-8..5e-4 at m_chi = 10 GeV)")
    p.add_argument("--n-alpha", type=int, default=GRID_N, help="alpha_D points, log-spaced, >= 2 (default %(default)s)")
    p.add_argument("--epsilon-range", type=float, nargs=2, default=EPSILON_RANGE, metavar=("LO", "HI"),
                   help=f"photon-like epsilon range (default {EPSILON_RANGE[0]:g} {EPSILON_RANGE[1]:g})")
    p.add_argument("--n-epsilon", type=int, default=GRID_N_EPSILON,
                   help="epsilon points, log-spaced, >= 2 (default %(default)s)")
    p.add_argument("--omega-h2", type=float, default=c.OMEGA_H2_PLANCK,
                   help="target Omega h^2 > 0 (default %(default)s, Planck 2018)")
    p.add_argument("--x0", type=float, default=None,
                   help=f"start x = m_chi / T0 of the two-temperature solve, in (0, 1) (default {TWO_TEMPERATURE_X0:g}; "
                   "floor --model bc2: that of qedm_jax.bc2_hs.bc2_two_temperature_config)")
    p.add_argument("--max-steps", type=int, default=_GRID_MAX_STEPS,
                   help="ODE step limit per solve (default %(default)s); the first pass stops a point at "
                   "min(2048, this) steps and retries it alone with the full limit; a point that hits it fails "
                   "(m_chi = 100 GeV: thermalized points near alpha_D^TF do)")
    p.add_argument("--chunk", type=int, default=None,
                   help=f"points per compiled call (default: the grid size, at most {contour.DEFAULT_CHUNK}), "
                   f"solved on {contour.DEFAULT_LANES} solver lanes")


def build_parser() -> argparse.ArgumentParser:
    """The ``qedm`` argument parser."""
    parser = _Parser(prog=PROG, description="Thermal targets of light dark matter with a kinetically mixed "
                     "dark photon (BC2), ESPP 2026 BC2 figures, and two-temperature results: relic contours, "
                     "thermalization floors and freeze-in lines (secluded Dirac DM, seed 003; BC2 hidden sector).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{target,plot,main,evolve,contour,floor,freeze-in,scan}")

    target = commands.add_parser("target", help="thermal target of one BC2 species -> CSV",
                                 description=f"Thermal target (Omega h^2 = target) of one BC2 species, one CSV "
                                 f"row per mass with columns {','.join(CSV_COLUMNS)} (status 0 = converged).")
    _add_target_arguments(target)
    target.set_defaults(func=_cmd_target)

    plot = commands.add_parser("plot", help="figures")
    plots = plot.add_subparsers(dest="figure", required=True, metavar="{bc2,contour,floor}")
    bc2 = plots.add_parser("bc2", help="ESPP 2026 BC2 limits with thermal targets -> PNG and PDF",
                           description="Draw target CSVs (and BC2 freeze-in lines and thermalization floors) over "
                           "the ESPP 2026 BC2 limits; writes OUT as PNG and PDF.")
    bc2.add_argument("--kind", required=True, choices=("elastic", "quasi-elastic"), help="ESPP BC2 plot")
    bc2.add_argument("--targets", nargs="+", default=[], help="target CSVs written by 'qedm target'")
    bc2.add_argument("--freeze-in", nargs="+", default=[], metavar="CSV",
                     help="freeze-in CSVs written by 'qedm freeze-in --model bc2' (dashed)")
    bc2.add_argument("--floor", nargs="+", default=[], metavar="CSV",
                     help="floor CSVs written by 'qedm floor --model bc2' (dotted)")
    bc2.add_argument("--out", required=True, help="figure path; .png and .pdf are both written")
    bc2.set_defaults(func=_cmd_plot)

    plot_contour = plots.add_parser(
        "contour", help="relic contours (seed 003 Fig. 2) and the plateau view -> PNG and PDF",
        description="Draw contour CSVs ('qedm contour'): all contours in the (epsilon, alpha_D) plane with "
        "regimes, epsilon_min and the floor point (OUT), and alpha_D / alpha_D^TF versus epsilon on the "
        "freeze-out branch (OUT with suffix _plateau) to judge the thermalization floor. alpha_D^TF and "
        "epsilon_TF come from --floors where a row matches (m_chi, ratio), else from the contour itself "
        "(contour.thermalization_floor on its grid).")
    plot_contour.add_argument("--contours", required=True, nargs="+", help="contour CSVs written by 'qedm contour'")
    plot_contour.add_argument("--floors", nargs="+", default=(), metavar="FLOOR_CSV",
                              help="floor CSVs written by 'qedm floor': their refined alpha_D^TF and epsilon_TF "
                              "replace those of the contour grid where (m_chi, ratio) match")
    plot_contour.add_argument("--tolerance", type=float, default=FLOOR_TOLERANCE,
                              help="relative alpha_D band of the floor marked in the figures (default %(default)s)")
    plot_contour.add_argument("--out", required=True, help="figure path; .png and .pdf are both written")
    plot_contour.set_defaults(func=_cmd_plot_contour)

    plot_floor = plots.add_parser(
        "floor", help="thermalization floor and minimum mixing in the (m_ZD, epsilon) plane (seed 003 Fig. 3)",
        description="Draw floor CSVs ('qedm floor --model secluded'): epsilon_TF (red) and epsilon_min (blue) "
        "against m_ZD = m_chi / ratio, one pair of lines per ratio (the second and later lighter).")
    plot_floor.add_argument("--floors", required=True, nargs="+", help="floor CSVs written by 'qedm floor'")
    plot_floor.add_argument("--hypercharge", action="store_true",
                            help="plot seed 003's hypercharge mixing epsilon / cos(theta_W) instead of photon-like")
    plot_floor.add_argument("--out", required=True, help="figure path; .png and .pdf are both written")
    plot_floor.set_defaults(func=_cmd_plot_floor)

    main_job = commands.add_parser(
        "main", help="the main job: ESPP BC2 thermal targets and figures",
        description=f"Scalar (elastic) and pseudo-Dirac (quasi-elastic, Delta = {MAIN_DELTA:g} m_chi) thermal "
        f"targets at alpha_D = {MAIN_ALPHA_D:g}, m_A = {MAIN_RATIO:g} m_chi, log-spaced masses "
        f"{MAIN_M_MIN_GEV:g}-{MAIN_M_MAX_GEV:g} GeV, plus Dirac and Majorana lines (CSV only), and both "
        "ESPP BC2 figures.")
    main_job.add_argument("--out-dir", default="out", help="output folder (default %(default)s)")
    main_job.add_argument("--n", type=int, default=MAIN_N_MASSES, help="number of masses (default %(default)s)")
    main_job.add_argument("--no-extra", action="store_true", help="skip the Dirac and Majorana lines")
    main_job.set_defaults(func=_cmd_main)

    evolve = commands.add_parser(
        "evolve", help="one point's trajectory (Y and T_hs/T versus x) -> CSV and PNG",
        description="Solve one parameter point and write its trajectory (columns "
        f"{','.join(EVOLVE_COLUMNS)}) as CSV, plus a two-panel PNG/PDF of Y and T_hs/T versus x.")
    evolve.add_argument("--model", required=True, choices=EVOLVE_MODELS,
                        help="secluded Dirac DM (visible Z_D, seed 003) or a BC2 species")
    evolve.add_argument("--m-chi", type=float, required=True, help="DM mass [GeV]")
    evolve.add_argument("--ratio", type=float, default=10.0,
                        help="secluded: m_chi/m_ZD; BC2: m_A/m_chi (default %(default)s)")
    evolve.add_argument("--alpha-d", type=float, required=True, help="alpha_D")
    evolve.add_argument("--epsilon", type=float, required=True, help="photon-like kinetic mixing")
    evolve.add_argument("--delta", type=float, default=0.1, help="Delta/m_chi, pseudo-Dirac (default %(default)s)")
    evolve.add_argument("--x0", type=float, default=None,
                        help="start x = m_chi/T0 (default 1e-3 two-temperature, 1 thermalized)")
    evolve.add_argument("--thermalized", action="store_true", help="force T_hs = T (one-temperature)")
    evolve.add_argument("--n-save", type=int, default=200, help="trajectory points (default %(default)s)")
    evolve.add_argument("--out", required=True, help="CSV path; the figure goes next to it (.png, .pdf)")
    evolve.set_defaults(func=_cmd_evolve)

    contour_cmd = commands.add_parser(
        "contour", help="relic contours of secluded Dirac DM in the (alpha_D, epsilon) plane -> CSV",
        description="Secluded Dirac DM with a visibly decaying Z_D (seed 003): for every (ratio, m_chi), "
        "two-temperature solves on a log-spaced (alpha_D, epsilon) grid (contour.omega_grid), the Omega h^2 = "
        f"target contour and its regimes (contour.relic_contour). CSV columns {','.join(CONTOUR_COLUMNS)}; "
        "regime codes and conventions in the header; epsilon is photon-like (seed 003's hypercharge mixing is "
        f"epsilon / cos(theta_W)). Default grid {GRID_N} alpha_D x {GRID_N_EPSILON} epsilon; {_COST_NOTE}.")
    contour_cmd.add_argument("--m-chi", type=float, nargs="+", required=True, metavar="M", help="DM masses [GeV]")
    contour_cmd.add_argument("--ratio", type=float, nargs="+", default=None, metavar="R",
                             help=f"m_chi / m_ZD values, > 1 (default {SECLUDED_RATIO:g})")
    _add_grid_arguments(contour_cmd)
    contour_cmd.add_argument("--out", required=True, help="output CSV")
    contour_cmd.set_defaults(func=_cmd_contour)

    floor_cmd = commands.add_parser(
        "floor", help="minimum mixing and thermalization floor per DM mass -> CSV",
        description="--model secluded: for every (ratio, m_chi) a relic grid as in 'qedm contour', epsilon_min "
        "(contour.epsilon_min) and the thermalization floor (contour.thermalization_floor), refined by a second "
        f"grid around alpha_D^TF; CSV columns {','.join(FLOOR_COLUMNS)} (seed 003 Fig. 3). Defaults: m_chi = "
        f"{', '.join(f'{m:g}' for m in SECLUDED_MASSES)} GeV, ratios {', '.join(f'{r:g}' for r in FLOOR_RATIOS)}; "
        f"{_COST_NOTE} (~20-30 min for the defaults). --model bc2 --species S: the BC2 hidden-sector floor "
        f"(qedm_jax.bc2_hs.thermalization_floor), CSV columns {','.join(BC2_FLOOR_COLUMNS)}.")
    floor_cmd.add_argument("--model", choices=("secluded", "bc2"), default="secluded",
                           help="secluded Dirac DM (seed 003) or a BC2 species (default %(default)s)")
    floor_cmd.add_argument("--species", choices=SPECIES, default=None, help="BC2 DM species (--model bc2)")
    floor_cmd.add_argument("--m-chi", type=float, nargs="+", default=None, metavar="M",
                           help="DM masses [GeV] (default: secluded as above; bc2 12 log-spaced in 0.001-2)")
    floor_cmd.add_argument("--ratio", type=float, nargs="+", default=None, metavar="R",
                           help="secluded: m_chi / m_ZD values > 1 (default 10 100); bc2: one m_A / m_chi (default 3)")
    _add_grid_arguments(floor_cmd)
    floor_cmd.add_argument("--tolerance", type=float, default=FLOOR_TOLERANCE,
                           help="relative alpha_D band of the floor, in (0, 1) (default %(default)s)")
    floor_cmd.add_argument("--n-refine", type=int, default=FLOOR_N_REFINE,
                           help="alpha_D points of the refinement grid around alpha_D^TF; 0: none (default %(default)s)")
    floor_cmd.add_argument("--alpha-d", type=float, default=None,
                           help=f"bc2 only: alpha_D (default {BC2_HS_ALPHA_D:g})")
    floor_cmd.add_argument("--delta", type=float, default=MAIN_DELTA,
                           help="bc2 pseudo-dirac only: Delta / m_chi (default %(default)s)")
    floor_cmd.add_argument("--out", required=True, help="output CSV")
    floor_cmd.set_defaults(func=_cmd_floor)

    freeze_in = commands.add_parser(
        "freeze-in", help="freeze-in line epsilon_FI(m_chi) at fixed alpha_D -> CSV",
        description="The small-coupling solution of Omega h^2 = target per mass, two-temperature. --model "
        "secluded: Omega ~ epsilon^2 on the freeze-in branch (as lines.freeze_in_epsilon_unchecked), iterated "
        f"to {_FREEZE_IN_STEPS} solves per mass, vmapped over masses (~60-120 s compile, ~1 s per mass), columns "
        f"{','.join(FREEZE_IN_COLUMNS['secluded'])}; --model bc2 --species S: qedm_jax.bc2_hs.freeze_in_line, "
        f"columns {','.join(FREEZE_IN_COLUMNS['bc2'])}. status 0 = converged and on the freeze-in branch.")
    freeze_in.add_argument("--model", choices=("secluded", "bc2"), default="secluded",
                           help="secluded Dirac DM (seed 003) or a BC2 species (default %(default)s)")
    freeze_in.add_argument("--species", choices=SPECIES, default=None, help="BC2 DM species (--model bc2)")
    freeze_in.add_argument("--m-chi", type=float, nargs="+", default=None, metavar="M",
                           help="DM masses [GeV] (default: secluded 0.1-100 as for 'qedm floor'; bc2 12 in 0.001-2)")
    freeze_in.add_argument("--ratio", type=float, nargs=1, default=None, metavar="R",
                           help=f"secluded: m_chi / m_ZD > 1 (default {SECLUDED_RATIO:g}); bc2: m_A / m_chi "
                           f"(default {BC2_HS_RATIO:g})")
    freeze_in.add_argument("--alpha-d", type=float, default=None,
                           help=f"alpha_D > 0 (default secluded {SECLUDED_FREEZE_IN_ALPHA_D:g}, bc2 {BC2_HS_ALPHA_D:g})")
    freeze_in.add_argument("--delta", type=float, default=MAIN_DELTA,
                           help="bc2 pseudo-dirac only: Delta / m_chi (default %(default)s)")
    freeze_in.add_argument("--omega-h2", type=float, default=c.OMEGA_H2_PLANCK,
                           help="target Omega h^2 > 0 (default %(default)s, Planck 2018)")
    freeze_in.add_argument("--x0", type=float, default=None,
                           help=f"start x = m_chi / T0, in (0, 1) (default: secluded {TWO_TEMPERATURE_X0:g}; bc2 "
                           "that of qedm_jax.bc2_hs.bc2_two_temperature_config)")
    freeze_in.add_argument("--out", required=True, help="output CSV")
    freeze_in.set_defaults(func=_cmd_freeze_in)

    scan_cmd = commands.add_parser(
        "scan", help="Omega h^2 on a Cartesian (epsilon, alpha_D, m_chi) grid -> .npz",
        description="Omega h^2 at every point of the Cartesian grid of --epsilon x --alpha-d x --m-chi (axes in "
        "that order; a single value gives a length-1 axis), solved by qedm_jax.grids.scan in compiled, vmapped "
        "chunks and written with qedm_jax.grids.save_scan (arrays omega_h2, t_hs_over_t_end, status, num_steps; "
        "read back with qedm_jax.load_scan). A failed point keeps its status code (qedm_jax.solve.STATUS_MESSAGES) "
        f"and NaN Omega h^2 and does not stop the grid (exit status 0); bad input exits 2. {_SCAN_COST_NOTE}.")
    _add_scan_arguments(scan_cmd)
    scan_cmd.set_defaults(func=_cmd_scan)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``qedm`` command line.

    Args:
        argv: arguments without the program name (default ``sys.argv[1:]``).

    Returns:
        Exit status: 0 on success (masses whose root find failed are reported, not errors),
        2 on bad input or an unreadable file. Set ``QEDM_TRACEBACK=1`` to see the traceback
        of such an error.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as error:  # includes io.DataFileError
        if os.environ.get("QEDM_TRACEBACK"):
            raise
        if isinstance(error, OSError) and error.filename is not None:
            message = f"cannot access {str(error.filename)!r}: {error.strerror or error}"
        else:
            message = " ".join(str(error).split())
        sys.stderr.write(f"{PROG}: error: {message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
