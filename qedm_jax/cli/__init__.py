"""Command line: the ``qedm`` console script and ``python -m qedm_jax``.

Each command parses its options, calls ONE function of the public API (``qedm_jax.api``) and
writes what it returns; no physics is decided here:

=============  =============================================================================
command        public function, output
=============  =============================================================================
target         ``api.target``: thermal target per mass -> CSV
freeze-in      ``api.freeze_in``: freeze-in line per mass -> CSV
contour        ``api.contour``: relic contours and regimes per (ratio, m_chi) -> CSV
floor          ``api.floor``: epsilon_min and thermalization floor per (ratio, m_chi) -> CSV
scan           ``api.scan``: Omega h^2 on an (epsilon, alpha_D, m_chi) grid -> .npz
evolve         ``api.evolve``: one point's trajectory -> CSV and a figure
main           ``api.target`` for four BC2 species and both ESPP BC2 figures
plot           figures from those files (``qedm_jax.plotting``)
=============  =============================================================================

Options mean the same in every command (``qedm_jax.cli.options``). Bad input exits with status 2
and one line ``qedm: error: <message>``; inputs outside a model's validity print one line
``qedm: warning: <message>`` each. XLA compilations are kept in a persistent per-user cache
(``configure_cache``), so a command compiles once per machine, not once per run.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time
import warnings

import numpy as np

from .. import __version__, api
from .. import solve as solve_mod
from ..progress import progress
from ..relic import contour as contour_mod
from ..relic import floor as floor_mod
from . import options, plots

__all__ = ["main", "build_parser", "configure_cache", "default_cache_dir"]

PROG = "qedm"
EXIT_USAGE = 2  # bad input (argparse uses the same code)
#: the main job: ESPP BC2 thermal targets at alpha_D = 0.1, m_A = 3 m_chi
MAIN_ALPHA_D, MAIN_RATIO, MAIN_DELTA = 0.1, 3.0, 0.1
MAIN_FIGURES = {"elastic": ("scalar",), "quasi-elastic": ("pseudo-dirac",)}
MAIN_EXTRA_SPECIES = ("dirac", "majorana")  # CSV only
_CACHE_ENV = "QEDM_CACHE_DIR"
#: API parameter named first in an error message -> its command-line option
_OPTIONS = {"m_chi": "--m-chi", "m_min": "--m-min", "m_max": "--m-max", "n": "--n", "alpha_D": "--alpha-d",
            "epsilon": "--epsilon", "omega_h2": "--omega-h2", "ratio": "--ratio", "delta": "--delta",
            "species": "--species", "model": "--model", "x0": "--x0", "alpha_D_range": "--alpha-d-range",
            "epsilon_range": "--epsilon-range", "n_alpha": "--n-alpha", "n_epsilon": "--n-epsilon",
            "max_steps": "--max-steps", "chunk": "--chunk", "tolerance": "--tolerance", "n_refine": "--n-refine",
            "n_save": "--n-save"}
_GRID = contour_mod.GridSettings()


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error, ``qedm: error: <message>``, and exit status 2."""

    def error(self, message):
        sys.stderr.write(f"{PROG}: error: {message} (see '{self.prog} -h')\n")
        sys.exit(EXIT_USAGE)


# --- compilation cache ------------------------------------------------------------------------------


def default_cache_dir() -> pathlib.Path | None:
    """The persistent compilation cache folder: ``$QEDM_CACHE_DIR`` (``off``, ``0`` or empty: none),
    else ``$XDG_CACHE_HOME/qedm_jax/jax``, else ``~/.cache/qedm_jax/jax``.

    It reads the environment only (``QEDM_CACHE_DIR``; ``""``, ``0``, ``off``, ``none`` and
    ``false``, in any case and with surrounding blanks, switch the cache off). The folder is not
    created here (``configure_cache`` does that).

    Returns:
        The folder as a ``pathlib.Path`` (relative if ``$QEDM_CACHE_DIR`` is), or None when the
        cache is switched off.

    Raises:
        Nothing: a home folder that cannot be found leaves ``~`` unexpanded (``os.path.expanduser``).
    """
    value = os.environ.get(_CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in ("", "0", "off", "none", "false") else pathlib.Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "qedm_jax" / "jax"


def configure_cache(cache_dir: str | os.PathLike | None = None, enabled: bool = True) -> pathlib.Path | None:
    """Switch on JAX's persistent compilation cache (every compilation that takes more than 0.5 s).

    Args:
        cache_dir: folder (None: ``default_cache_dir()``).
        enabled: False leaves the cache off.

    Returns:
        The folder in use, or None (cache off, or the folder cannot be created).

    Side effect (process-wide): unless ``EQX_ON_ERROR`` is set in the environment, equinox's
    runtime checks are switched to return NaN instead of raising (see the comment in the body),
    so that executables can be cached.

    Raises:
        TypeError: a ``cache_dir`` that is not a str or path-like object. An ``OSError`` while
            creating the folder is not raised: the cache stays off and None is returned.
    """
    import jax

    folder = (pathlib.Path(cache_dir) if cache_dir is not None else default_cache_dir()) if enabled else None
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a cache we cannot write is no reason to fail
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    try:  # ``import qedm_jax`` compiled small tables before the folder was set: JAX then decided "no cache"
        from jax._src import compilation_cache

        compilation_cache.reset_cache()
    except (ImportError, AttributeError):  # a JAX without it: the cache starts with the next process
        pass
    if "EQX_ON_ERROR" not in os.environ:
        # JAX does not store executables with host callbacks, and equinox's runtime checks (inside
        # diffrax, optimistix, lineax) are host callbacks unless EQX_ON_ERROR=nan: with it a check
        # that fires returns NaN, which every solve reports as a status code (never a silent NaN)
        try:
            import equinox._errors

            equinox._errors.EQX_ON_ERROR = "nan"
        except (ImportError, AttributeError):
            pass
    return folder


# --- output --------------------------------------------------------------------------------------------


class _Clock:
    """Progress lines with the elapsed wall time since the command started (silent with --quiet)."""

    def __init__(self, quiet: bool):
        self.start, self.quiet = time.perf_counter(), quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:7.1f} s] {message}", flush=True)


def _prepare_output(path) -> pathlib.Path:
    """Create the parent folder of an output file (before any computation)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _status_report(name: str, status: np.ndarray, masses: np.ndarray, messages=None) -> str:
    """'name: k/n converged' plus, per failure code, the count, message and masses."""
    messages = solve_mod.STATUS_MESSAGES if messages is None else messages
    status = np.asarray(status)
    n_ok = int(np.sum(status == 0))
    lines = [f"{name}: {n_ok}/{status.size} masses converged, {status.size - n_ok} failed"]
    for code in sorted(set(int(s) for s in status) - {0}):
        where = np.asarray(masses)[status == code]
        shown = ", ".join(f"{m:.4g}" for m in where[:8]) + (", ..." if where.size > 8 else "")
        lines.append(f"  status {code} ({messages.get(code, 'unknown status')}): {where.size}, m_chi [GeV] = {shown}")
    return "\n".join(lines)


def _write(table, out, clock, name: str, messages=None) -> None:
    table.write_csv(out)
    clock(f"{name}: wrote {out}")
    if "status" in table.columns:
        print(_status_report(name, table["status"], table["m_chi"], messages), flush=True)


def _model_kwargs(args, ratio=None) -> dict:
    kwargs = options.family_of(args)
    kwargs["ratio"] = args.ratio if ratio is None else ratio
    return kwargs


def _mass_kwargs(args) -> dict:
    return {"m_chi": options.masses_of(args), "m_min": args.m_min, "m_max": args.m_max, "n": args.n}


def _grid_kwargs(args) -> dict:
    return {"alpha_D_range": args.alpha_d_range, "n_alpha": args.n_alpha, "epsilon_range": tuple(args.epsilon_range),
            "n_epsilon": args.n_epsilon, "max_steps": args.max_steps, "chunk": args.chunk}


# --- commands ------------------------------------------------------------------------------------------


def _cmd_target(args, clock) -> int:
    out = _prepare_output(args.out)
    table = api.target(**_mass_kwargs(args), **_model_kwargs(args), alpha_D=args.alpha_d, omega_h2=args.omega_h2)
    _write(table, out, clock, f"target {table.header['species']}")
    return 0


def _cmd_freeze_in(args, clock) -> int:
    out = _prepare_output(args.out)
    table = api.freeze_in(**_mass_kwargs(args), **_model_kwargs(args), alpha_D=args.alpha_d,
                          omega_h2=args.omega_h2, x0=args.x0, progress=not args.quiet)
    _write(table, out, clock, f"freeze-in {args.model}")
    return 0


def _cmd_contour(args, clock) -> int:
    out = _prepare_output(args.out)
    table = api.contour(**_mass_kwargs(args), **_model_kwargs(args), **_grid_kwargs(args), omega_h2=args.omega_h2,
                        x0=args.x0, progress=not args.quiet)
    table.write_csv(out)
    for m, ratio, relic, n_failed in table.objects:
        counts = ", ".join(f"{name} {int(np.sum(relic.regime == name))}" for name in contour_mod.REGIMES
                           if np.any(relic.regime == name))
        clock(f"contour m_chi = {m:g} GeV, ratio {ratio:g}: {len(relic)} contour points ({counts}), "
              f"{n_failed} failed grid points")
    clock(f"contour: wrote {out}")
    return 0


def _cmd_floor(args, clock) -> int:
    out = _prepare_output(args.out)
    table = api.floor(**_mass_kwargs(args), **_model_kwargs(args), **_grid_kwargs(args), alpha_D=args.alpha_d,
                      tolerance=args.tolerance, n_refine=args.n_refine, omega_h2=args.omega_h2, x0=args.x0,
                      progress=not args.quiet)
    plateau = "epsilon_min" in table.columns
    _write(table, out, clock, f"floor {args.model}", floor_mod.FLOOR_STATUS_MESSAGES if plateau else None)
    return 0


def _cmd_scan(args, clock) -> int:
    out = _prepare_output(args.out)
    axes = {}
    flat = lambda groups: None if groups is None else [v for group in groups for v in group]  # noqa: E731
    for name, values, grid in (("epsilon", flat(args.epsilon), args.epsilon_range), ("alpha_D", flat(args.alpha_d),
                                                                                    args.alpha_d_range),
                               ("m_chi", options.masses_of(args), args.m_chi_range)):
        opt = "--" + name.replace("_", "-").lower()
        if values is not None and grid is not None:
            raise ValueError(f"give either {opt} or {opt}-range, not both")
        if grid is not None:
            lo, hi, n = grid
            if not (n == int(n) and n >= 1):
                raise ValueError(f"{opt}-range: N must be an integer >= 1; got {n!r}")
            if not (lo > 0.0 and hi >= lo):
                raise ValueError(f"{opt}-range: need 0 < LO <= HI; got {lo!r} {hi!r}")
            values = api.mass_list(None, lo, hi, int(n)) if name == "m_chi" else np.geomspace(lo, hi, int(n))
        axes[name] = values
    if axes["m_chi"] is None and any(v is not None for v in (args.m_min, args.m_max, args.n)):
        axes["m_chi"] = api.mass_list(None, args.m_min, args.m_max, args.n)
    start = time.perf_counter()
    result = api.scan(**axes, **_model_kwargs(args), two_temperature=args.two_temperature, chunk=args.chunk,
                      max_steps=args.max_steps, out=out, resume=args.resume, progress=not args.quiet)
    status = np.asarray(result.status)
    codes, counts = np.unique(status, return_counts=True)
    per_status = ", ".join(f"{int(k)} ({solve_mod.STATUS_MESSAGES.get(int(k), 'unknown')}): {int(n)}"
                           for k, n in zip(codes, counts))
    n_ok = int(np.sum(status == 0))
    print(f"scan {result.model_name}: {status.size} points, {n_ok} converged, {status.size - n_ok} failed; status counts: "
          f"{per_status}; wall {time.perf_counter() - start:.1f} s -> {out}", flush=True)
    return 0


def _cmd_evolve(args, clock) -> int:
    out = _prepare_output(args.out)
    table = api.evolve(args.m_chi_value, args.alpha_d, args.epsilon, **_model_kwargs(args),
                       thermalized=args.thermalized, x0=args.x0, n_save=args.n_save)
    table.write_csv(out)
    from .. import plotting  # matplotlib only here and in plots (STYLE.md 13)

    title = (f"{args.model}: m_chi = {args.m_chi_value:g} GeV, alpha_D = {args.alpha_d:g}, eps = {args.epsilon:g}, "
             f"Omega h^2 = {float(table.header['omega_h2']):.3g}")
    png, pdf = plots.figure_paths(out.with_suffix(".png"))
    figure = plotting.plot_evolution(table["x"], table["Y"], table["T_hs_over_T"], title)
    figure.savefig(png, dpi=200)
    figure.savefig(pdf)
    clock(f"evolve: Omega h^2 = {float(table.header['omega_h2']):.6g}, status {table.header['status']}; wrote {out} "
          f"and {png}")
    return 0


def _cmd_main(args, clock) -> int:
    out_dir = pathlib.Path(args.out_dir)
    if args.n < 1:
        raise ValueError(f"--n must be >= 1; got {args.n}")
    species = [s for kind in MAIN_FIGURES.values() for s in kind]
    species += [] if args.no_extra else [s for s in MAIN_EXTRA_SPECIES if s not in species]
    out_dir.mkdir(parents=True, exist_ok=True)
    clock(f"main: {len(species)} target lines x {args.n} masses, {api.TARGET_MASSES[0]:g}-{api.TARGET_MASSES[1]:g} "
          f"GeV, alpha_D = {MAIN_ALPHA_D:g}, m_A = {MAIN_RATIO:g} m_chi -> {out_dir}/")
    paths, statuses = {}, {}
    with progress(len(species) + len(MAIN_FIGURES), "main: target lines and figures", not args.quiet) as bar:
        for s in species:
            table = api.target(m_min=api.TARGET_MASSES[0], m_max=api.TARGET_MASSES[1], n=args.n, model="bc2",
                               species=s, ratio=MAIN_RATIO, delta=MAIN_DELTA, alpha_D=MAIN_ALPHA_D)
            paths[s] = out_dir / f"target_{s}.csv"
            table.write_csv(paths[s])
            statuses[s] = table["status"]
            bar.update(1, note=f"target {s}: {int(np.sum(table['status'] == 0))}/{args.n} converged -> {paths[s]}")
        for kind, kind_species in MAIN_FIGURES.items():
            files = plots.plot_bc2_figure(kind, [paths[s] for s in kind_species], out_dir / f"espp_bc2_{kind}.png")
            bar.update(1, note=f"plot bc2 {kind}: wrote {' and '.join(str(f) for f in files)}")
    clock("main: done")
    print("summary (masses converged per model):")
    for s, status in statuses.items():
        print(f"  {s:13s} {int(np.sum(status == 0))}/{status.size}")
    return 0


def _cmd_plot(args, clock) -> int:
    files = {"bc2": plots.cmd_plot_bc2, "contour": plots.cmd_plot_contour, "floor": plots.cmd_plot_floor}[args.figure](args)
    clock(f"plot {args.figure}: wrote {', '.join(str(f) for f in files)}")
    return 0


# --- the parser ------------------------------------------------------------------------------------------


def _omega_x0_out(p: argparse.ArgumentParser) -> None:
    """``--omega-h2``, ``--x0`` and ``--out`` (CSV) of the two-temperature relic commands."""
    _omega(p)
    _x0(p)
    p.add_argument("--out", required=True, help="output CSV")


def _sub(commands, name: str, help_text: str, description: str, func) -> argparse.ArgumentParser:
    p = commands.add_parser(name, help=help_text, description=description)
    options.add_common(p)
    p.set_defaults(func=func)
    return p


def _omega(p) -> None:
    p.add_argument("--omega-h2", type=float, default=0.120, help="target Omega h^2 > 0 (default %(default)s, Planck 2018)")


def _x0(p) -> None:
    p.add_argument("--x0", type=float, default=None,
                   help="start x = m_chi / T0 of the two-temperature solve, in (0, 1) (default: the family's, bc2 1e-2, "
                   "secluded 1e-3)")


def build_parser() -> argparse.ArgumentParser:
    """The ``qedm`` argument parser.

    The parser has one subcommand per command of the module docstring (and ``plot
    bc2|contour|floor``), each with the common options (``options.add_common``) and ``func`` set
    to its ``_cmd_*`` function; a usage error prints ``qedm: error: <message>`` and exits with
    status 2.

    Returns:
        A new ``argparse.ArgumentParser`` (a subclass with the one-line error) for ``main``.

    Raises:
        Nothing at run time (``argparse.ArgumentError`` would mean two options of one command
        clash: a bug in this module).
    """
    parser = _Parser(prog=PROG, description="Relic lines of light dark matter with a kinetically mixed dark photon: "
                     "thermal targets, freeze-in lines, relic contours, thermalization floors, grids, and the ESPP "
                     "2026 BC2 figures. Each command calls one function of qedm_jax.api.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{target,freeze-in,contour,floor,scan,evolve,main,plot}")

    p = _sub(commands, "target", "thermal target per mass -> CSV (api.target)",
             "Thermal target (Omega h^2 = target on the freeze-out branch) per mass, one CSV row per mass with "
             "columns m_chi,Y_BC2,epsilon,alpha_D,m_A,omega_h2,status (status 0 = converged).", _cmd_target)
    options.add_model(p, "bc2")
    options.add_masses(p, what="default 60 log-spaced in 0.001-2")
    p.add_argument("--alpha-d", type=float, default=api.TARGET_ALPHA_D, help="alpha_D > 0 (default %(default)s)")
    _omega(p)
    p.add_argument("--out", required=True, help="output CSV")

    p = _sub(commands, "freeze-in", "freeze-in line per mass -> CSV (api.freeze_in)",
             "The small-coupling root of the two-temperature Omega h^2(epsilon) = target at fixed alpha_D, per "
             "mass, root-found to |ln(Omega h^2 / target)| < 1e-3 and checked to lie on the rising branch.",
             _cmd_freeze_in)
    options.add_model(p, "secluded")
    options.add_masses(p, what="default: secluded 0.1-100, bc2 12 log-spaced in 0.001-2")
    p.add_argument("--alpha-d", type=float, default=None, help="alpha_D > 0 (default: secluded 1e-8, bc2 0.5)")
    _omega_x0_out(p)

    p = _sub(commands, "contour", "relic contours in the (alpha_D, epsilon) plane -> CSV (api.contour)",
             "For every (ratio, m_chi), two-temperature solves on a log-spaced (alpha_D, epsilon) grid, the "
             "Omega h^2 = target contour and its regimes (seed 003 Fig. 2). Cost: ~20-50 ms per grid point on one "
             "CPU core plus one compilation per chunk size, shared by all masses and ratios.", _cmd_contour)
    options.add_model(p, "secluded", ratio_nargs="+")
    options.add_masses(p, what="default: 0.1-100 (secluded)")
    options.add_grid(p, _GRID)
    _omega_x0_out(p)

    p = _sub(commands, "floor", "thermalization floor (and epsilon_min) per mass -> CSV (api.floor)",
             "secluded: per (ratio, m_chi) a relic grid, epsilon_min and the plateau floor, refined on a second grid "
             "(seed 003 Fig. 3; ~20-30 min for the defaults). bc2: the maximum of the two-temperature Omega h^2("
             "epsilon) at fixed alpha_D.", _cmd_floor)
    options.add_model(p, "secluded", ratio_nargs="+",
                      secluded_ratio=" and ".join(f"{r:g}" for r in api.FLOOR_RATIOS_SECLUDED))
    options.add_masses(p, what="default: secluded 0.1-100, bc2 12 log-spaced in 0.001-2")
    options.add_grid(p, _GRID)
    p.add_argument("--alpha-d", type=float, default=None, help="bc2 only: alpha_D (default 0.5)")
    p.add_argument("--tolerance", type=float, default=floor_mod.FLOOR_TOLERANCE,
                   help="secluded: relative alpha_D band of the floor, in (0, 1) (default %(default)s)")
    p.add_argument("--n-refine", type=int, default=floor_mod.FLOOR_N_REFINE,
                   help="secluded: alpha_D points of the refinement grid; 0: none (default %(default)s)")
    _omega_x0_out(p)

    p = _sub(commands, "scan", "Omega h^2 on an (epsilon, alpha_D, m_chi) grid -> .npz (api.scan)",
             "Omega h^2 at every point of the Cartesian grid epsilon x alpha_D x m_chi (axes in that order), written "
             "with qedm_jax.save_scan (read back with qedm_jax.load_scan). Failed points keep their status code.",
             _cmd_scan)
    options.add_model(p, "bc2")
    options.add_masses(p)
    p.add_argument("--m-chi-range", type=float, nargs=3, default=None, metavar=("LO", "HI", "N"),
                   help="N log-spaced masses from LO to HI [GeV] (instead of --m-chi)")
    for option, what in (("--epsilon", "photon-like kinetic mixing in (0, 1)"), ("--alpha-d", "alpha_D > 0 (default "
                                                                                                "bc2 0.1)")):
        p.add_argument(option, type=options.floats, nargs="+", default=None, help=f"{what}: values (a,b or a b)")
        p.add_argument(f"{option}-range", type=float, nargs=3, default=None, metavar=("LO", "HI", "N"),
                       help=f"{what}: N log-spaced values from LO to HI")
    p.add_argument("--two-temperature", action="store_true", help="two-temperature solve (default thermalized)")
    p.add_argument("--chunk", type=int, default=None, help="points per compiled call, >= 1 (default 512)")
    p.add_argument("--resume", action="store_true", help="reuse the finished chunks under OUT.chunks/")
    p.add_argument("--max-steps", type=int, default=None, help="ODE step limit per point, >= 16")
    p.add_argument("--no-progress", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", required=True, help="output .npz")

    p = _sub(commands, "evolve", "one point's trajectory -> CSV and PNG (api.evolve)",
             "Solve one parameter point and write its trajectory (columns x,T,T_hs_over_T,Y) as CSV, plus a "
             "two-panel PNG/PDF of Y and T_hs/T versus x.", _cmd_evolve)
    options.add_model(p, "secluded")
    p.add_argument("--m-chi", dest="m_chi_value", type=float, required=True, help="DM mass [GeV]")
    p.add_argument("--alpha-d", type=float, required=True, help="alpha_D")
    p.add_argument("--epsilon", type=float, required=True, help="photon-like kinetic mixing")
    _x0(p)
    p.add_argument("--thermalized", action="store_true", help="force T_hs = T (one-temperature)")
    p.add_argument("--n-save", type=int, default=200, help="trajectory points (default %(default)s)")
    p.add_argument("--out", required=True, help="CSV path; the figure goes next to it (.png, .pdf)")

    p = _sub(commands, "main", "the main job: ESPP BC2 thermal targets and figures",
             f"Scalar (elastic) and pseudo-Dirac (quasi-elastic, Delta = {MAIN_DELTA:g} m_chi) thermal targets at "
             f"alpha_D = {MAIN_ALPHA_D:g}, m_A = {MAIN_RATIO:g} m_chi, plus Dirac and Majorana lines (CSV only), and "
             "both ESPP BC2 figures.", _cmd_main)
    p.add_argument("--out-dir", default="out", help="output folder (default %(default)s)")
    p.add_argument("--n", type=int, default=api.TARGET_MASSES[2], help="number of masses (default %(default)s)")
    p.add_argument("--no-extra", action="store_true", help="skip the Dirac and Majorana lines")

    plot = commands.add_parser("plot", help="figures from the CSVs of the other commands")
    plot_kinds = plot.add_subparsers(dest="figure", required=True, metavar="{bc2,contour,floor}")
    p = _sub(plot_kinds, "bc2", "ESPP 2026 BC2 limits with thermal targets -> PNG and PDF",
             "Draw target CSVs (and bc2 freeze-in lines and floors) over the ESPP 2026 BC2 limits.", _cmd_plot)
    p.add_argument("--kind", required=True, choices=("elastic", "quasi-elastic"), help="ESPP BC2 plot")
    p.add_argument("--targets", nargs="+", default=[], help="target CSVs ('qedm target')")
    p.add_argument("--freeze-in", nargs="+", default=[], metavar="CSV", help="'qedm freeze-in --model bc2' CSVs")
    p.add_argument("--floor", nargs="+", default=[], metavar="CSV", help="'qedm floor --model bc2' CSVs")
    p.add_argument("--out", required=True, help="figure path; .png and .pdf are both written")
    p = _sub(plot_kinds, "contour", "relic contours (seed 003 Fig. 2) and the plateau view -> PNG and PDF",
             "Draw contour CSVs ('qedm contour'): the contours with regimes, epsilon_min and the floor point, and "
             "alpha_D / alpha_D^TF versus epsilon (OUT with suffix _plateau). alpha_D^TF comes from --floors where "
             "(m_chi, ratio) match, else from the contour itself.", _cmd_plot)
    p.add_argument("--contours", required=True, nargs="+", help="contour CSVs ('qedm contour')")
    p.add_argument("--floors", nargs="+", default=(), metavar="FLOOR_CSV", help="floor CSVs ('qedm floor')")
    p.add_argument("--tolerance", type=float, default=floor_mod.FLOOR_TOLERANCE,
                   help="relative alpha_D band of the floor (default %(default)s)")
    p.add_argument("--out", required=True, help="figure path; .png and .pdf are both written")
    p = _sub(plot_kinds, "floor", "thermalization floor and minimum mixing in the (m_ZD, epsilon) plane (Fig. 3)",
             "Draw floor CSVs ('qedm floor --model secluded'): epsilon_TF and epsilon_min against m_ZD.", _cmd_plot)
    p.add_argument("--floors", required=True, nargs="+", help="floor CSVs ('qedm floor')")
    p.add_argument("--hypercharge", action="store_true", help="seed 003's hypercharge mixing epsilon / cos(theta_W)")
    p.add_argument("--out", required=True, help="figure path; .png and .pdf are both written")
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write(f"{PROG}: warning: {' '.join(str(message).split())}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the ``qedm`` command line.

    Args:
        argv: arguments without the program name (default ``sys.argv[1:]``).

    Returns:
        Exit status: 0 on success (masses or points that fail are reported, not errors), 2 on bad
        input or an unreadable file (a ``ValueError``, including ``io.DataFileError``, or an
        ``OSError``, printed as one ``qedm: error:`` line), 130 on ``KeyboardInterrupt``. Set
        ``QEDM_TRACEBACK=1`` to see the traceback of such an error.

    Raises:
        SystemExit: from argparse: status 2 for a usage error (unknown option or command, bad
            option value), 0 for ``-h`` and ``--version``.
        ValueError, OSError: the errors above, re-raised instead of returning 2 when
            ``QEDM_TRACEBACK`` is set (non-empty).
        Exception: any other exception of a command (not caught).
    """
    args = build_parser().parse_args(argv)
    configure_cache(args.cache_dir, enabled=not args.no_cache)
    clock = _Clock(args.quiet)
    with warnings.catch_warnings():
        warnings.simplefilter("always", api.ValidityWarning)
        warnings.simplefilter("always", options.DeprecatedOption)
        warnings.showwarning = _show_warning
        try:
            options.resolve_aliases(args)
            return args.func(args, clock)
        except (ValueError, OSError) as error:  # includes io.DataFileError
            if os.environ.get("QEDM_TRACEBACK"):
                raise
            if isinstance(error, OSError) and error.filename is not None:
                message = f"cannot access {str(error.filename)!r}: {error.strerror or error}"
            else:
                message = " ".join(str(error).split())
                option = _OPTIONS.get(message.split()[0].rstrip(":,") if message else "")
                message = f"{option}: {message}" if option and not message.startswith("--") else message
            sys.stderr.write(f"{PROG}: error: {message}\n")
            return EXIT_USAGE
        except KeyboardInterrupt:
            sys.stderr.write(f"{PROG}: interrupted\n")
            return 130
