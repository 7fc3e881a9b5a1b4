"""``qedm plot``: figures from the tables the other commands wrote (no physics here: contours
and floors are read back with ``qedm_jax.api.load_contours`` / ``load_floors``)."""

from __future__ import annotations

import math
import pathlib
import sys

import numpy as np

from .. import api, io
from ..relic import floor as floor_mod

__all__ = ["load_target", "plot_bc2_figure", "cmd_plot_bc2", "cmd_plot_contour", "cmd_plot_floor", "figure_paths"]

PROG = "qedm"


def _header_float(header: dict[str, str], key: str, path) -> float:
    try:
        return float(header[key].split()[0])
    except (KeyError, IndexError, ValueError):
        raise io.DataFileError(f"{path}: header has no numeric '{key}' (not a qedm target CSV?)") from None


def _column(columns: dict, names: tuple[str, ...], path):
    for name in names:
        if name in columns:
            return columns[name]
    raise io.DataFileError(f"{path}: missing column {names[0]} (not a qedm table of that kind?)")


def load_target(path) -> tuple[dict, float, float]:
    """Read a target table for plotting (``qedm target``; also the ``m_chi_GeV`` column of
    tables written before 0.2).

    Args:
        path: the CSV.

    Returns:
        ``(target, alpha_D, ratio)``: the ``plot_bc2`` dict ``{"m_chi", "Y_BC2", "label",
        "status"}`` and the line's alpha_D and m_A / m_chi.

    Raises:
        qedm_jax.io.DataFileError: missing columns or header entries.
        OSError: the file cannot be read.
    """
    columns, header = io.read_target_csv(path)
    m_chi = _column(columns, ("m_chi", "m_chi_GeV"), path)
    for name in ("Y_BC2", "status"):
        _column(columns, (name,), path)
    alpha_d = _header_float(header, "alpha_D", path)
    ratio = _header_float(header, "m_A_over_m_chi", path)
    target = {
        "m_chi": np.asarray(m_chi, dtype=np.float64),
        "Y_BC2": np.asarray(columns["Y_BC2"], dtype=np.float64),
        "label": header.get("label") or pathlib.Path(path).stem,
        "status": np.asarray(columns["status"]).astype(np.int64),
    }
    return target, alpha_d, ratio


def figure_paths(out: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """The PNG and PDF paths of one figure: ``out`` with its ``.png``/``.pdf`` suffix (any case)
    replaced, or with ``.png``/``.pdf`` appended when it has another or none.

    Args:
        out: the figure path given on the command line, e.g. ``fig.png``, ``fig.pdf`` or ``fig``.

    Returns:
        ``(png, pdf)`` paths in the folder of ``out`` (not created here).

    Raises:
        ValueError: ``out`` has an empty name (e.g. ``.`` or ``/``; from ``pathlib``).
    """
    stem = out.with_suffix("") if out.suffix.lower() in (".png", ".pdf") else out
    return stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".pdf")


def plot_bc2_figure(kind: str, csv_paths, out: pathlib.Path, freeze_in=(), floors=()) -> list[pathlib.Path]:
    """Draw target CSVs (and BC2 freeze-in lines and floors) over the ESPP BC2 limits; returns the files.

    The limits are drawn for the alpha_D and m_A / m_chi of the first file; a file with other
    values gets a ``qedm: warning:`` line on stderr (and ``plotting.plot_bc2`` warns that the
    ESPP curves are for its benchmark when they differ from it).

    Args:
        kind: ESPP BC2 figure, ``"elastic"`` or ``"quasi-elastic"``.
        csv_paths: ``qedm target`` CSVs (``load_target``), drawn as targets.
        out: figure path; ``.png`` and ``.pdf`` are both written (``figure_paths``), the folder
            is created.
        freeze_in: ``qedm freeze-in --model bc2`` CSVs (column ``Y_BC2``), drawn dashed.
        floors: ``qedm floor --model bc2`` CSVs (column ``Y_TF``), drawn dotted.

    Returns:
        ``[png, pdf]``, the files written.

    Raises:
        ValueError: no file at all; an unknown ``kind`` (``plotting.plot_bc2``); ``out`` with an
            empty name (``figure_paths``).
        qedm_jax.io.DataFileError: a CSV that does not parse, or lacks a needed column or the
            numeric ``alpha_D`` / ``m_A_over_m_chi`` header entries.
        OSError: a CSV cannot be read, or the folder or a figure cannot be written.
    """
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
    png, pdf = figure_paths(out)
    png.parent.mkdir(parents=True, exist_ok=True)
    from .. import plotting  # matplotlib is imported only here (STYLE.md 13)

    figure = plotting.plot_bc2(kind, [t for t, _, _ in loaded], alpha_D=alpha_d, ratio=ratio,
                               lines=[line for line, _, _ in extra] or None)
    for path in (png, pdf):
        figure.savefig(path, dpi=200, bbox_inches="tight")
    return [png, pdf]


def cmd_plot_bc2(args) -> list[pathlib.Path]:
    """``qedm plot bc2``; returns the files.

    Args:
        args: parsed options with ``kind``, ``targets``, ``freeze_in``, ``floor`` (lists of CSV
            paths) and ``out``.

    Returns:
        ``[png, pdf]``, the files written.

    Raises:
        ValueError, qedm_jax.io.DataFileError, OSError: as ``plot_bc2_figure``.
    """
    return plot_bc2_figure(args.kind, [pathlib.Path(p) for p in args.targets], pathlib.Path(args.out),
                           freeze_in=[pathlib.Path(p) for p in args.freeze_in],
                           floors=[pathlib.Path(p) for p in args.floor])


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


def cmd_plot_contour(args) -> list[pathlib.Path]:
    """``qedm plot contour``: seed 003 Fig. 2 and the plateau view; returns the files.

    alpha_D^TF of each contour comes from the first ``--floors`` file with the same (m_chi,
    ratio), else from ``thermalization_floor`` of the contour itself (no floor where that
    raises: the contour is drawn without one).

    Args:
        args: parsed options with ``contours`` (contour CSVs), ``floors`` (floor CSVs, may be
            empty), ``tolerance`` (relative alpha_D band, in (0, 1)) and ``out``.

    Returns:
        ``[png, pdf, plateau_png, plateau_pdf]``, the files written (the plateau view is
        ``out`` with the suffix ``_plateau``).

    Raises:
        ValueError: ``tolerance`` outside (0, 1) (checked after the contour files are read);
            ``out`` with an empty name (``figure_paths``).
        qedm_jax.io.DataFileError: a contour or floor CSV that does not parse or lacks columns
            (``api.load_contours``, ``api.load_floors``).
        OSError: a CSV cannot be read, or the folder or a figure cannot be written.
    """
    groups = [g for p in args.contours for g in api.load_contours(pathlib.Path(p))]
    if not (0.0 < args.tolerance < 1.0):
        raise ValueError(f"--tolerance must be in (0, 1); got {args.tolerance!r}")
    references = {}
    for p in args.floors:
        for key, floor in api.load_floors(pathlib.Path(p), args.tolerance).items():
            references.setdefault(key, floor)  # the first file that has a (ratio, m_chi) wins
    png, pdf = figure_paths(pathlib.Path(args.out))
    png.parent.mkdir(parents=True, exist_ok=True)
    plateau_png, plateau_pdf = (p.with_name(p.stem + "_plateau" + p.suffix) for p in (png, pdf))
    several_ratios = len({r for _, r, _, _ in groups}) > 1
    contours, labels, eps_mins, floors, from_file, masses = [], [], [], [], [], []
    for m, ratio, relic, _ in groups:
        contours.append(relic)
        labels.append(rf"$m_\chi = {m:g}$ GeV" + (rf", $m_\chi/m_{{Z_D}} = {ratio:g}$" if several_ratios else ""))
        eps_mins.append(api.contour_mod.epsilon_min(relic) if len(relic) else None)
        floor = _matching_floor(references, m, ratio)
        from_file.append(floor is not None)
        masses.append(m)
        if floor is None:
            try:
                floor = floor_mod.thermalization_floor(relic, args.tolerance)
            except ValueError:
                floor = None
        floors.append(floor)
    # the plateau view marks floors without a window flat to the tolerance (1 GeV: QCD crossover)
    plateau_labels = [label + (" (flattest)" if f is not None and f.method == "flattest" else "")
                      for label, f in zip(labels, floors)]
    note = _floor_note([pathlib.Path(p).name for p in args.floors], from_file, masses)
    from .. import plotting  # matplotlib is imported only here (STYLE.md 13)

    figure = plotting.plot_contours(contours, labels, eps_mins=eps_mins, floors=floors)
    plateau = plotting.plot_plateaus(contours, floors, plateau_labels, note=note)
    for fig, paths in ((figure, (png, pdf)), (plateau, (plateau_png, plateau_pdf))):
        for path in paths:
            fig.savefig(path, dpi=200, bbox_inches="tight")
    return [png, pdf, plateau_png, plateau_pdf]


def cmd_plot_floor(args) -> list[pathlib.Path]:
    """``qedm plot floor``: seed 003 Fig. 3; returns the files.

    One pair of lines (epsilon_TF and epsilon_min against m_ZD = m_chi / ratio,
    ``floor_in_mzd_plane``) per ratio found in the files, in order of first appearance.

    Args:
        args: parsed options with ``floors`` (``qedm floor --model secluded`` CSVs, at least
            one), ``hypercharge`` (bool: plot seed 003's hypercharge mixing) and ``out``.

    Returns:
        ``[png, pdf]``, the files written.

    Raises:
        qedm_jax.io.DataFileError: a CSV that does not parse or lacks the ``ratio``, ``m_chi``,
            ``epsilon_min`` or ``epsilon_TF`` column (a ``--model bc2`` floor CSV has no
            ``epsilon_min``).
        ValueError: masses not finite and > 0 or a ratio <= 1 in a file
            (``floor_in_mzd_plane``); an empty ``floors`` list; ``out`` with an empty name.
        OSError: a CSV cannot be read, or the folder or a figure cannot be written.
    """
    rows = []
    for p in args.floors:
        columns, _ = io.read_target_csv(pathlib.Path(p))
        missing = [name for name in ("ratio", "m_chi", "epsilon_min", "epsilon_TF") if name not in columns]
        if missing:
            raise io.DataFileError(f"{p}: missing column(s) {', '.join(missing)} (not a qedm floor CSV?)")
        rows.append(columns)
    columns = {name: np.concatenate([r[name] for r in rows]) for name in ("ratio", "m_chi", "epsilon_min", "epsilon_TF")}
    png, pdf = figure_paths(pathlib.Path(args.out))
    png.parent.mkdir(parents=True, exist_ok=True)
    from .. import plotting  # matplotlib is imported only here (STYLE.md 13)

    figure, ax = plotting._figure((6.4, 4.8))
    for i, ratio in enumerate(dict.fromkeys(columns["ratio"].tolist())):
        sel = columns["ratio"] == ratio
        plane = floor_mod.floor_in_mzd_plane(columns["m_chi"][sel], columns["epsilon_min"][sel],
                                           columns["epsilon_TF"][sel], ratio=float(ratio),
                                           hypercharge=args.hypercharge)
        plotting.plot_floor(plane, ax=ax, light=i > 0)
    ax.set_title("thermalization floor and minimum mixing (secluded Dirac DM, seed 003 Fig. 3)", fontsize=10)
    for path in (png, pdf):
        figure.savefig(path, dpi=200, bbox_inches="tight")
    return [png, pdf]


