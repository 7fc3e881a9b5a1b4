"""Command line: the ``qedm`` console script and ``python -m qedm_jax``.

Sub-commands:

* ``qedm target``: the BC2 thermal target of one DM species, one CSV row per mass.
* ``qedm plot bc2``: draw target CSVs over the ESPP 2026 BC2 limits (PNG and PDF).
* ``qedm main``: the main job (scalar and pseudo-Dirac targets, plus Dirac and Majorana
  lines, at alpha_D = 0.1 and m_A = 3 m_chi, and both ESPP BC2 figures).

Bad input exits with status 2 and one line ``qedm: error: <message>`` on stderr, never a
traceback: every parameter is checked (``qedm_jax.models.make_bc2``) before anything is
traced. A mass whose root find fails is not an error: its row carries the status code
(``qedm_jax.solve.STATUS_MESSAGES``) and the command reports it.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import pathlib
import sys
import time

import numpy as np

from . import __version__
from . import constants as c
from . import io, sm
from . import solve as solve_mod
from .lines import thermal_target
from .models import BC2, SPECIES, make_bc2, y_bc2

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


def _plot(kind: str, csv_paths, out: pathlib.Path, clock: _Clock) -> None:
    loaded = [load_target(p) for p in csv_paths]
    alpha_d, ratio = loaded[0][1], loaded[0][2]
    for (_, a, r), p in zip(loaded[1:], csv_paths[1:]):
        if (a, r) != (alpha_d, ratio):
            print(f"{PROG}: warning: {p} has alpha_D = {a:g}, m_A/m_chi = {r:g}; the limits are drawn for "
                  f"alpha_D = {alpha_d:g}, m_A/m_chi = {ratio:g} (from {csv_paths[0]})", file=sys.stderr)
    png, pdf = _figure_paths(out)
    _prepare_output(png)
    from . import plotting  # matplotlib is imported only here (STYLE.md 13)

    figure = plotting.plot_bc2(kind, [t for t, _, _ in loaded], alpha_D=alpha_d, ratio=ratio)
    for path in (png, pdf):
        figure.savefig(path, dpi=200, bbox_inches="tight")
    clock(f"plot bc2 {kind}: wrote {png} and {pdf}")


def _cmd_plot(args) -> int:
    clock = _Clock()
    _plot(args.kind, [pathlib.Path(p) for p in args.targets], pathlib.Path(args.out), clock)
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


def build_parser() -> argparse.ArgumentParser:
    """The ``qedm`` argument parser."""
    parser = _Parser(prog=PROG, description="Thermal targets of light dark matter with a kinetically mixed "
                     "dark photon (BC2), and ESPP 2026 BC2 figures.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{target,plot,main,evolve}")

    target = commands.add_parser("target", help="thermal target of one BC2 species -> CSV",
                                 description=f"Thermal target (Omega h^2 = target) of one BC2 species, one CSV "
                                 f"row per mass with columns {','.join(CSV_COLUMNS)} (status 0 = converged).")
    _add_target_arguments(target)
    target.set_defaults(func=_cmd_target)

    plot = commands.add_parser("plot", help="figures")
    plots = plot.add_subparsers(dest="figure", required=True, metavar="{bc2}")
    bc2 = plots.add_parser("bc2", help="ESPP 2026 BC2 limits with thermal targets -> PNG and PDF",
                           description="Draw target CSVs over the ESPP 2026 BC2 limits; writes OUT as PNG and PDF.")
    bc2.add_argument("--kind", required=True, choices=("elastic", "quasi-elastic"), help="ESPP BC2 plot")
    bc2.add_argument("--targets", required=True, nargs="+", help="target CSVs written by 'qedm target'")
    bc2.add_argument("--out", required=True, help="figure path; .png and .pdf are both written")
    bc2.set_defaults(func=_cmd_plot)

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
