"""Figures only: no physics is computed here.

``plot_bc2`` redraws the European Strategy (ESPP 2026) BC2 figures
(``ESPP_ElasticDM.png``, ``ESPP_QuasiElasticDM.png`` from ESPP2026-PPG/Quasi-elastic-DM) from
the curves of ``qedm_jax.limits`` and overlays thermal targets computed elsewhere.

matplotlib is imported inside the functions, so that ``import qedm_jax`` does not need it.
Figures made here are ``matplotlib.figure.Figure`` objects that are not registered with
pyplot: no GUI backend is touched (they render with Agg for PNG and the PDF backend for
PDF, with or without a display), and no figure stays open after the caller drops it. The
helpers ``_setup_axes``, ``_draw_limits`` and ``_label_curve`` are meant for other figures.
"""

from __future__ import annotations

import math
import pathlib
import warnings

import numpy as np

from . import limits

__all__ = ["plot_bc2", "BC2_AXES", "CURVE_STYLES"]

#: axis ranges of the ESPP BC2 figures: kind -> ((m_chi min, max) [GeV], (Y_BC2 min, max))
BC2_AXES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "elastic": ((1e-3, 5.0), (1e-19, 1e-8)),
    "quasi-elastic": ((1e-3, 2.0), (1e-14, 1e-8)),
}

_GOLDENROD = "#daa520"
_DARKSIDE = "#ff4500"
#: line style of each curve as on the ESPP figures: name -> matplotlib line properties
CURVE_STYLES: dict[str, dict] = {
    "faser-nu2": {"color": "#ff00ff", "linestyle": "-"},
    "flare": {"color": "#33c233", "linestyle": "-"},
    "ship": {"color": "#4169e1", "linestyle": "-"},
    "na64e-1e13": {"color": _GOLDENROD, "linestyle": "-"},
    "na64mu-3e11": {"color": _GOLDENROD, "linestyle": "--"},
    "na64mu-2e13": {"color": _GOLDENROD, "linestyle": "--"},
    "na64mu-1e14": {"color": _GOLDENROD, "linestyle": "--"},
    "belle-ii": {"color": "#00c5d0", "linestyle": "-"},
    "lohengrin": {"color": "#000080", "linestyle": "-"},
    "oscura": {"color": "#a31f1f", "linestyle": ":"},
    "darksphere": {"color": "#2e8b57", "linestyle": "--"},
    "supercdms-snolab": {"color": "#800080", "linestyle": "-"},
    "darkside-20k-electron": {"color": _DARKSIDE, "linestyle": "-"},
    "darkside-20k-migdal": {"color": _DARKSIDE, "linestyle": "-"},
}
_DEFAULT_STYLE = {"color": "#555555", "linestyle": "-"}
_LIMIT_LINEWIDTH = 1.6
_EXCLUDED_FACE = "#e6e6e6"
_EXCLUDED_EDGE = "#7a7a7a"
_TARGET_COLORS = ("black", "#8b4513", "#2f4f4f", "#556b2f", "#4b0082")
_TARGET_LINEWIDTH = 2.4
_LINE_COLORS = ("#c71585", "#008b8b", "#b8860b", "#6a5acd", "#228b22")  # freeze-in lines, floors
_EXTRA_LINEWIDTH = 1.8
_SOURCE_NOTE = "data: ESPP2026-PPG/Quasi-elastic-DM"
_LABEL_FONTSIZE = 8.5

# In-figure labels, placed as on the ESPP figures: kind -> name -> (m_chi [GeV], Y_BC2,
# rotation). Rotation is in degrees, or None to follow the curve's slope at m_chi.
_BC2_LABELS: dict[str, dict[str, tuple[float, float, float | None]]] = {
    "elastic": {
        "na64mu-3e11": (6.0e-3, 1.8e-10, 0.0),
        "faser-nu2": (1.9e-3, 1.0e-11, 0.0),
        "flare": (1.7e-3, 1.3e-12, 0.0),
        "na64mu-2e13": (8.0e-3, 1.9e-12, 0.0),
        "lohengrin": (1.9e-3, 1.3e-13, None),
        "na64mu-1e14": (1.6e-2, 7.0e-14, 0.0),
        "na64e-1e13": (2.6e-3, 5.0e-15, None),
        "ship": (4.0e-2, 1.5e-11, 0.0),
        "darkside-20k-electron": (0.115, 2.3e-12, None),
        "darkside-20k-migdal": (0.25, 4.5e-13, 0.0),
        "belle-ii": (1.2, 7.0e-13, 0.0),
        "supercdms-snolab": (2.6, 1.0e-15, 0.0),
        "darksphere": (0.3, 2.0e-16, 0.0),
        "oscura": (1.8e-2, 6.0e-17, 0.0),
    },
    "quasi-elastic": {
        "na64mu-3e11": (5.0e-3, 1.2e-10, 0.0),
        "faser-nu2": (1.7e-3, 5.0e-12, 0.0),
        "flare": (2.4e-3, 1.38e-12, 0.0),
        "na64mu-2e13": (6.5e-3, 1.45e-12, 0.0),
        "ship": (3.2e-2, 6.5e-13, 0.0),
        "lohengrin": (1.7e-3, 9.0e-14, None),
        "na64e-1e13": (0.135, 2.6e-11, 0.0),
        "na64mu-1e14": (0.024, 1.2e-13, 0.0),
        "belle-ii": (0.5, 1.2e-12, 0.0),
    },
}
# position of the Omega_DM label on the first target: kind -> (m_chi [GeV], factor on Y_BC2)
_TARGET_LABEL_AT = {"elastic": (3.2e-2, 3.0), "quasi-elastic": (8.0e-3, 0.32)}


def _figure(figsize: tuple[float, float]):
    """A new Figure with one Axes, independent of pyplot (works without a display)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot(1, 1, 1)


def _setup_axes(ax, xlim: tuple[float, float], ylim: tuple[float, float], xlabel: str, ylabel: str) -> None:
    """Log-log axes in the ESPP style: limits, labels, a tick label every decade, ticks inside.

    Args:
        ax: matplotlib Axes.
        xlim, ylim: axis ranges (positive).
        xlabel, ylabel: axis labels (mathtext allowed).
    """
    from matplotlib.ticker import LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel, fontsize=13)
    ax.set_ylabel(ylabel, fontsize=13)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10.0, numticks=40))
        axis.set_minor_locator(LogLocator(base=10.0, subs=np.arange(2, 10), numticks=40))
        axis.set_minor_formatter(NullFormatter())
    ax.tick_params(which="both", direction="in", top=True, right=True, labelsize=11)
    ax.tick_params(which="major", length=6)
    ax.tick_params(which="minor", length=3)


def _draw_limits(ax, curves, styles: dict[str, dict] | None = None, linewidth: float = _LIMIT_LINEWIDTH) -> None:
    """Draw ESPP curves: closed constraint outlines filled grey, everything else as lines.

    Args:
        ax: matplotlib Axes (log-log).
        curves: ``qedm_jax.limits.Curve`` objects, drawn in order.
        styles: name -> line properties (``CURVE_STYLES`` if None); missing names get grey.
        linewidth: line width of the sensitivity lines [points].
    """
    styles = CURVE_STYLES if styles is None else styles
    for curve in curves:
        if curve.kind == "constraint" and curve.is_closed:
            ax.fill(curve.m_chi, curve.Y_BC2, facecolor=_EXCLUDED_FACE, edgecolor=_EXCLUDED_EDGE,
                    linewidth=0.8, zorder=1, label=curve.label)
        else:
            style = {**_DEFAULT_STYLE, **styles.get(curve.name, {})}
            ax.plot(curve.m_chi, curve.Y_BC2, linewidth=linewidth, zorder=3, label=curve.label, **style)


def _curve_angle(ax, m_chi: np.ndarray, y: np.ndarray, x0: float) -> float:
    """Screen angle [degrees] of a curve at m_chi = x0, from its neighbouring points."""
    order = np.argsort(m_chi)
    xs, ys = np.log(m_chi[order]), np.log(y[order])
    lx = np.log(x0)
    span = 0.06 * (np.log(ax.get_xlim()[1]) - np.log(ax.get_xlim()[0]))
    la, lb = max(lx - span, xs[0]), min(lx + span, xs[-1])
    if lb <= la:
        return 0.0
    points = np.exp(np.array([[la, np.interp(la, xs, ys)], [lb, np.interp(lb, xs, ys)]]))
    (xa, ya), (xb, yb) = ax.transData.transform(points)
    return float(np.degrees(np.arctan2(yb - ya, xb - xa)))


def _label_curve(ax, text: str, m_chi: float, y: float, color: str, rotation: float | None = 0.0,
                 curve: tuple[np.ndarray, np.ndarray] | None = None, **kwargs):
    """Write a curve's label inside the axes, centred at (m_chi, y) in data coordinates.

    Args:
        ax: matplotlib Axes.
        text: the label.
        m_chi, y: centre of the text in data coordinates.
        color: text colour (the curve's).
        rotation: degrees, or None to follow ``curve``'s slope at ``m_chi`` (the slope uses
            the current axes size, so resizing the figure afterwards tilts the text).
        curve: (m_chi, Y_BC2) arrays of the curve, needed when ``rotation`` is None.
        **kwargs: more ``Axes.text`` properties.

    Returns:
        The matplotlib Text.
    """
    if rotation is None:
        rotation = 0.0 if curve is None else _curve_angle(ax, curve[0], curve[1], m_chi)
    from matplotlib import patheffects

    props = {"fontsize": _LABEL_FONTSIZE, "ha": "center", "va": "center", "rotation_mode": "anchor",
             "linespacing": 1.0, "zorder": 6, "multialignment": "center",
             "path_effects": [patheffects.withStroke(linewidth=2.2, foreground="white", alpha=0.85)]}
    props.update(kwargs)
    return ax.text(m_chi, y, text, color=color, rotation=rotation, **props)


def _ratio_text(ratio: float) -> str:
    """m_chi/m_V written as a fraction when m_V/m_chi is an integer (1/3), else a decimal."""
    return f"1/{ratio:.0f}" if float(ratio).is_integer() else f"{1.0 / ratio:.3g}"


def _target_arrays(target: dict, index: int) -> tuple[np.ndarray, np.ndarray]:
    """A target's (m_chi, Y_BC2) sorted in mass, with points of status != 0 set to NaN."""
    for key in ("m_chi", "Y_BC2"):
        if key not in target:
            raise ValueError(f"targets[{index}] has no {key!r} entry (needs m_chi, Y_BC2, label, status)")
    m_chi = np.asarray(target["m_chi"], dtype=np.float64)
    y = np.asarray(target["Y_BC2"], dtype=np.float64)
    status = np.asarray(target.get("status", np.zeros(m_chi.shape, dtype=np.int64)))
    if m_chi.ndim != 1 or m_chi.shape != y.shape or status.shape != m_chi.shape:
        raise ValueError(
            f"targets[{index}]: m_chi {m_chi.shape}, Y_BC2 {y.shape} and status {status.shape} must be equal 1-D shapes"
        )
    good = (status == 0) & np.isfinite(m_chi) & (m_chi > 0.0) & np.isfinite(y) & (y > 0.0)
    order = np.argsort(np.where(np.isfinite(m_chi), m_chi, np.inf), kind="stable")
    m_chi, y, good = m_chi[order], y[order], good[order]
    return m_chi, np.where(good, y, np.nan)


def plot_bc2(kind: str, targets: list[dict], out=None, ax=None, *, alpha_D: float = limits.ESPP_ALPHA_D,
             ratio: float = limits.ESPP_M_A_OVER_M_CHI, lines: list[dict] | None = None):
    """Redraw an ESPP 2026 BC2 figure with thermal targets on top.

    Log-log axes m_chi [GeV] against Y = alpha_D epsilon^2 (m_chi/m_V)^4 with the ranges of
    ``BC2_AXES``; the merged constraint filled grey; the sensitivities of
    ``qedm_jax.limits.BC2_FIGURES[kind]`` in the ESPP colours and line styles with in-figure
    labels; a box with the benchmark; a small note naming the data source. The first target
    is a thick black line labelled Omega_DM in the figure; every target is named in a legend.

    Points of a target whose status is not 0 (a failed root find), or whose m_chi or Y_BC2
    is not finite and positive, are not drawn: the line breaks there.

    The ESPP curves are for alpha_D = 0.1, m_V = 3 m_chi and are drawn unchanged; other
    ``alpha_D``/``ratio`` only change the box text (a warning says so).

    Args:
        kind: ``"elastic"`` or ``"quasi-elastic"``.
        targets: list of dicts with ``"m_chi"`` (GeV, shape (n,)), ``"Y_BC2"`` (shape (n,)),
            ``"label"`` (legend text) and ``"status"`` (ints, shape (n,), 0 = ok; all 0 if
            missing). May be empty.
        out: output file or None. Written with dpi 200; if it ends in ``.png``, the same
            figure is also written as ``.pdf`` next to it. The folder must exist.
        ax: matplotlib Axes to draw into, or None for a new 7.2 x 4.6 inch figure.
        alpha_D: dark coupling of the targets (box text).
        ratio: m_V / m_chi of the targets (box text).
        lines: other relic lines (freeze-in lines, thermalization floors), dicts like
            ``targets`` plus optional ``"color"`` and ``"linestyle"``; drawn thinner than the
            targets (dashed unless given) and named in the legend; the lower y limit is
            extended to show them if they lie below the ESPP range. None: no such lines.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: unknown ``kind``, or a target or line without ``m_chi``/``Y_BC2`` or
            with inconsistent shapes.
    """
    if kind not in BC2_AXES:
        raise ValueError(f"kind must be one of {sorted(BC2_AXES)}, got {kind!r}")
    prepared = [_target_arrays(target, i) for i, target in enumerate(targets)]
    lines = [] if lines is None else list(lines)
    prepared_lines = [_target_arrays(line, i) for i, line in enumerate(lines)]
    benchmark = (alpha_D, ratio) == (limits.ESPP_ALPHA_D, limits.ESPP_M_A_OVER_M_CHI)
    if not benchmark:
        warnings.warn(
            f"plot_bc2: targets at alpha_D = {alpha_D:g}, m_V/m_chi = {ratio:g}, but the ESPP curves are for "
            f"alpha_D = {limits.ESPP_ALPHA_D:g}, m_V/m_chi = {limits.ESPP_M_A_OVER_M_CHI:g} and are drawn unchanged",
            stacklevel=2,
        )

    if ax is None:
        fig, ax = _figure((7.2, 4.6))
    else:
        fig = ax.figure
    xlim, ylim = BC2_AXES[kind]
    _setup_axes(ax, xlim, ylim, r"$m_\chi$ [GeV]", r"$Y = \alpha_D\,\epsilon^2\,(m_\chi/m_V)^4$")

    curves = limits.bc2_figure_curves(kind)
    _draw_limits(ax, curves)
    for curve in curves:
        spot = _BC2_LABELS[kind].get(curve.name)
        if spot is not None:
            style = {**_DEFAULT_STYLE, **CURVE_STYLES.get(curve.name, {})}
            _label_curve(ax, curve.label, spot[0], spot[1], style["color"], rotation=spot[2],
                         curve=(curve.m_chi, curve.Y_BC2))

    handles = []
    for i, ((m_chi, y), target) in enumerate(zip(prepared, targets)):
        color = _TARGET_COLORS[i % len(_TARGET_COLORS)]
        (line,) = ax.plot(m_chi, y, color=color, linewidth=_TARGET_LINEWIDTH, zorder=5,
                          label=str(target.get("label", f"target {i + 1}")), solid_capstyle="round")
        handles.append(line)
    for i, ((m_chi, y), extra) in enumerate(zip(prepared_lines, lines)):
        style = {"color": _LINE_COLORS[i % len(_LINE_COLORS)], "linestyle": "--"}
        style.update({k: extra[k] for k in ("color", "linestyle") if k in extra})
        (line,) = ax.plot(m_chi, y, linewidth=_EXTRA_LINEWIDTH, zorder=5,
                          label=str(extra.get("label", f"line {i + 1}")), **style)
        handles.append(line)
    extra_y = [y[np.isfinite(y) & (y > 0.0)] for _, y in prepared_lines]
    extra_y = np.concatenate(extra_y) if extra_y else np.zeros(0)
    if extra_y.size and extra_y.min() < ylim[0]:  # freeze-in lines sit decades below the ESPP range
        ax.set_ylim(10.0 ** math.floor(math.log10(extra_y.min()) - 0.5), ylim[1])
    if prepared and np.any(np.isfinite(prepared[0][1])):
        m_chi, y = prepared[0]
        ok = np.isfinite(y)
        x0, factor = _TARGET_LABEL_AT[kind]
        x0 = float(np.clip(x0, m_chi[ok].min(), m_chi[ok].max()))
        y0 = float(np.exp(np.interp(np.log(x0), np.log(m_chi[ok]), np.log(y[ok])))) * factor
        _label_curve(ax, r"$\Omega_{\rm DM}$", x0, y0, "black", rotation=None, curve=(m_chi[ok], y[ok]),
                     fontsize=11)

    box = rf"$\alpha_D = {alpha_D:g},\ m_\chi/m_V = {_ratio_text(ratio)}$, {kind}"
    if not benchmark:
        box += (f"\n(limits: $\\alpha_D = {limits.ESPP_ALPHA_D:g},\\ m_\\chi/m_V = "
                f"{_ratio_text(limits.ESPP_M_A_OVER_M_CHI)}$)")
    ax.text(0.012, 0.975, box, transform=ax.transAxes, ha="left", va="top", fontsize=10.5, zorder=7,
            bbox={"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": "black", "linewidth": 0.8})
    ax.text(0.99, 0.012, _SOURCE_NOTE, transform=ax.transAxes, ha="right", va="bottom", fontsize=6.5,
            color="#555555", zorder=7)
    if handles:
        legend = ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 0.035), fontsize=7.5,
                           title="thermal targets" if not lines else "relic lines", title_fontsize=7.5,
                           borderpad=0.3, handlelength=1.8, frameon=True, framealpha=0.9, edgecolor="#999999",
                           fancybox=False)
        legend.set_zorder(8)

    if out is not None:
        out = pathlib.Path(out)
        fig.savefig(out, dpi=200, bbox_inches="tight")
        if out.suffix.lower() == ".png":
            fig.savefig(out.with_suffix(".pdf"), dpi=200, bbox_inches="tight")
    return fig


# --- relic contour, thermalization floor (seed 003 Figs. 2-3) ------------------------------------
# The objects come from ``qedm_jax.contour`` (RelicContour, OmegaGrid, ThermalizationFloor);
# they are read by attribute only, so this module does not import it.

__all__ += ["plot_contour", "plot_contours", "plot_alpha_d_vs_epsilon", "plot_plateaus", "plot_floor",
            "REGIME_COLORS"]

#: marker colour of each contour regime (``qedm_jax.relic.contour.REGIMES``)
REGIME_COLORS: dict[str, str] = {
    "freeze-in": "#1f77b4",
    "reannihilation": "#9467bd",
    "leak-in": "#ff7f0e",
    "secluded freeze-out": "#d62728",
    "unclassified": "#7f7f7f",
}
_FLOOR_COLOR = "#d62728"  # seed 003 Fig. 3: thermalization floor red
_EPS_MIN_COLOR = "#1f77b4"  # seed 003 Fig. 3: minimum mixing blue
_FLOOR_COLOR_LIGHT = "#f4a6a6"  # seed 003 Fig. 3: the m_chi = 100 m_ZD lines are lighter
_EPS_MIN_COLOR_LIGHT = "#9ecae1"


def _save(fig, out) -> None:
    if out is not None:
        fig.savefig(pathlib.Path(out), dpi=200, bbox_inches="tight")


def _geometric_edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges of a log-spaced axis: geometric midpoints, the ends mirrored."""
    log_c = np.log(np.asarray(centres, dtype=np.float64))
    mid = 0.5 * (log_c[1:] + log_c[:-1])
    return np.exp(np.concatenate([[2.0 * log_c[0] - mid[0]], mid, [2.0 * log_c[-1] - mid[-1]]]))


def plot_contour(contour, grid=None, out=None, ax=None, *, eps_min: tuple[float, float] | None = None,
                 floor=None):
    """The relic contour in the (epsilon, alpha_D) plane, coloured by regime (seed 003 Fig. 2).

    Log-log axes: photon-like epsilon (x) against alpha_D (y). The contour points are joined
    in their order along the curve and drawn as markers in ``REGIME_COLORS``; with ``grid``,
    log10(Omega h^2) is the background (failed points hatched grey) and the axes span the grid.

    Args:
        contour: ``qedm_jax.relic.contour.RelicContour``.
        grid: ``qedm_jax.relic.contour.OmegaGrid`` for the background, or None.
        out: output file (format from its suffix, dpi 200) or None.
        ax: matplotlib Axes, or None for a new 6.4 x 4.8 inch figure.
        eps_min: ``(epsilon_min, alpha_D)`` to mark, or None.
        floor: ``qedm_jax.relic.floor.ThermalizationFloor`` to mark (alpha_D^TF line, epsilon_TF), or None.

    Returns:
        The matplotlib Figure.
    """
    fig, ax = _figure((6.4, 4.8)) if ax is None else (ax.figure, ax)
    ax.set_xscale("log")
    ax.set_yscale("log")
    if grid is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            log_omega = np.log10(np.asarray(grid.omega_h2, dtype=np.float64))
        x_edges, y_edges = _geometric_edges(grid.epsilon), _geometric_edges(grid.alpha_D)
        mesh = ax.pcolormesh(x_edges, y_edges, np.ma.masked_invalid(log_omega), cmap="viridis", shading="flat",
                             zorder=0)
        fig.colorbar(mesh, ax=ax, label=r"$\log_{10}\,\Omega h^2$")
        failed = np.asarray(grid.status) != 0
        if np.any(failed):
            ax.pcolor(x_edges, y_edges, np.ma.masked_where(~failed, np.ones(failed.shape)), hatch="//",
                      cmap="Greys", vmin=0.0, vmax=2.0, alpha=0.6, zorder=0.5)
        ax.set_xlim(x_edges[0], x_edges[-1])
        ax.set_ylim(y_edges[0], y_edges[-1])
    eps, alpha = np.asarray(contour.epsilon), np.asarray(contour.alpha_D)
    if eps.size:
        ax.plot(eps, alpha, color="black", linewidth=1.0, zorder=2)
    regimes = np.asarray(contour.regime)
    for name, color in REGIME_COLORS.items():
        mask = regimes == name
        if np.any(mask):
            ax.scatter(eps[mask], alpha[mask], s=28, color=color, edgecolor="black", linewidth=0.5, zorder=3,
                       label=name)
    if eps_min is not None:
        ax.scatter([eps_min[0]], [eps_min[1]], marker="*", s=160, color=_EPS_MIN_COLOR, edgecolor="white",
                   zorder=4, label=r"$\epsilon_{\min}$")
    if floor is not None:
        ax.axhline(floor.alpha_D_TF, color=_FLOOR_COLOR, linestyle="--", linewidth=1.0, zorder=2,
                   label=r"$\alpha_D^{TF}$")
        if np.isfinite(floor.epsilon_TF):
            ax.axvline(floor.epsilon_TF, color=_FLOOR_COLOR, linestyle=":", linewidth=1.2, zorder=2,
                       label=r"$\epsilon_{TF}$")
    ax.set_xlabel(r"$\epsilon$ (photon-like)")
    ax.set_ylabel(r"$\alpha_D$")
    ax.set_title(rf"$\Omega h^2 = {contour.omega_h2:g}$, $m_\chi = {contour.m_chi:g}$ GeV", fontsize=10)
    ax.legend(loc="lower left", fontsize=7.5, framealpha=0.9)
    _save(fig, out)
    return fig


def plot_alpha_d_vs_epsilon(contour, floor, out=None):
    """alpha_D(epsilon) on the freeze-out side of the contour with the floor marked, to judge
    the definition of ``qedm_jax.relic.floor.thermalization_floor``.

    Two panels sharing a log epsilon axis (photon-like): on top alpha_D (log) of the
    freeze-out points (d ln Omega / d ln alpha_D < 0) sorted by epsilon and coloured by
    regime; below, the same points as alpha_D / alpha_D^TF - 1 in per cent, zoomed to
    [-10, +5] tolerances, with the +-tolerance band. Both mark alpha_D^TF, epsilon_TF and the
    plateau window that defined alpha_D^TF.

    Args:
        contour: ``qedm_jax.relic.contour.RelicContour``.
        floor: ``qedm_jax.relic.floor.ThermalizationFloor`` of that contour.
        out: output file (format from its suffix, dpi 200) or None.

    Returns:
        The matplotlib Figure.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 6.2))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.0, 1.0], "hspace": 0.08})
    mask = np.asarray(contour.dln_omega_dln_alpha) < 0.0
    eps, alpha = np.asarray(contour.epsilon)[mask], np.asarray(contour.alpha_D)[mask]
    regimes = np.asarray(contour.regime)[mask]
    order = np.argsort(eps)
    a_tf, tol = floor.alpha_D_TF, floor.tolerance
    deviation = 100.0 * (alpha / a_tf - 1.0)
    for ax, values in ((top, alpha), (bottom, deviation)):
        ax.set_xscale("log")
        ax.plot(eps[order], values[order], color="black", linewidth=1.0, zorder=2)
        for name, color in REGIME_COLORS.items():
            sel = regimes == name
            if np.any(sel):
                ax.scatter(eps[sel], values[sel], s=28, color=color, edgecolor="black", linewidth=0.5, zorder=3,
                           label=name if ax is top else None)
        if np.isfinite(floor.epsilon_TF):
            ax.axvline(floor.epsilon_TF, color=_FLOOR_COLOR, linestyle=":", linewidth=1.2, zorder=1,
                       label=rf"$\epsilon_{{TF}} = {floor.epsilon_TF:.3g}$" if ax is top else None)
        ax.axvspan(*floor.plateau_range, color="#555555", alpha=0.12, zorder=0,
                   label=r"plateau window (defines $\alpha_D^{TF}$)" if ax is top else None)
    top.set_yscale("log")
    top.axhline(a_tf, color=_FLOOR_COLOR, linestyle="--", linewidth=1.0, zorder=1,
                label=rf"$\alpha_D^{{TF}} = {a_tf:.4g}$ ({floor.method})")
    bottom.axhspan(-100.0 * tol, 100.0 * tol, color=_FLOOR_COLOR, alpha=0.15, zorder=1,
                   label=rf"$\pm{100 * tol:g}\%$")
    bottom.axhline(0.0, color=_FLOOR_COLOR, linestyle="--", linewidth=1.0, zorder=1)
    bottom.set_ylim(-1000.0 * tol, 500.0 * tol)
    top.set_ylabel(r"$\alpha_D$ on the relic contour")
    bottom.set_ylabel(r"$\alpha_D / \alpha_D^{TF} - 1$ [%]")
    bottom.set_xlabel(r"$\epsilon$ (photon-like)")
    top.set_title(rf"freeze-out branch, $m_\chi = {contour.m_chi:g}$ GeV; $\alpha_D$ varies by "
                  rf"{100 * floor.spread:.1f}% over the plateau window", fontsize=10)
    top.legend(loc="lower right", fontsize=7.5, framealpha=0.9)
    bottom.legend(loc="lower right", fontsize=7.5, framealpha=0.9)
    _save(fig, out)
    return fig


def plot_floor(plane, out=None, ax=None, *, light: bool = False):
    """Minimum-mixing line and thermalization floor in the (m_ZD, epsilon) plane at fixed
    m_chi / m_ZD (seed 003 Fig. 3: floor red, epsilon_min blue).

    Args:
        plane: ``qedm_jax.relic.floor.FloorInMzdPlane`` (``floor_in_mzd_plane``: the lines
            sorted by m_ZD [GeV], photon-like or, with its ``hypercharge``, seed 003's epsilon;
            NaN values are not drawn).
        out: output file or None.
        ax: matplotlib Axes, or None for a new 6.0 x 4.4 inch figure.
        light: lighter colours, open markers and no shaded band (a second mass ratio drawn
            into the same Axes, as seed 003 Fig. 3 draws m_chi = 100 m_ZD lighter).

    Returns:
        The matplotlib Figure.
    """
    fig, ax = _figure((6.0, 4.4)) if ax is None else (ax.figure, ax)
    m_zd, e_min, e_tf, ratio = plane.m_ZD, plane.epsilon_min, plane.epsilon_TF, plane.ratio
    ax.set_xscale("log")
    ax.set_yscale("log")
    ratio_text = f"{ratio:g}"
    floor_color, min_color = (_FLOOR_COLOR_LIGHT, _EPS_MIN_COLOR_LIGHT) if light else (_FLOOR_COLOR, _EPS_MIN_COLOR)
    face = {"markerfacecolor": "white"} if light else {}
    ax.plot(m_zd, e_tf, color=floor_color, marker="o", linewidth=2.0, **face,
            label=rf"thermalization floor $\epsilon_{{TF}}$, $m_\chi = {ratio_text}\,m_{{Z_D}}$")
    ax.plot(m_zd, e_min, color=min_color, marker="s", linewidth=2.0, **face,
            label=rf"minimum mixing $\epsilon_{{\min}}$, $m_\chi = {ratio_text}\,m_{{Z_D}}$")
    if not light:
        ax.fill_between(m_zd, e_min, e_tf, color="#2ca02c", alpha=0.12, linewidth=0.0,
                        label="out-of-equilibrium freeze-out")
    ax.set_xlabel(r"$m_{Z_D}$ [GeV]")
    ax.set_ylabel(r"$\epsilon_Y$ (hypercharge, seed 003)" if plane.hypercharge else r"$\epsilon$ (photon-like)")
    ax.margins(x=0.05, y=0.15)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    _save(fig, out)
    return fig


def _mass_colors(n: int) -> list:
    """n colours along a perceptually ordered colormap (light to dark: increasing mass)."""
    from matplotlib import colormaps

    cmap = colormaps["plasma"]
    return [cmap(0.08 + 0.8 * i / max(n - 1, 1)) for i in range(n)]


def plot_contours(contours, labels=None, out=None, ax=None, *, eps_mins=None, floors=None):
    """Relic contours of several DM masses in one (epsilon, alpha_D) plane (seed 003 Fig. 2).

    Log-log axes, photon-like epsilon (x) against alpha_D (y). Each contour is a line in its
    own colour (ordered as given), its points marked by regime (``REGIME_COLORS``); epsilon_min
    is a star and the floor point (epsilon_TF, alpha_D^TF) a red-edged circle.

    Args:
        contours: ``qedm_jax.relic.contour.RelicContour`` objects (an empty one draws nothing).
        labels: legend text per contour (default ``m_chi = ... GeV``), or None.
        out: output file (format from its suffix, dpi 200) or None.
        ax: matplotlib Axes, or None for a new 7.0 x 5.2 inch figure.
        eps_mins: ``(epsilon_min, alpha_D)`` per contour (None entries: not drawn), or None.
        floors: ``qedm_jax.relic.floor.ThermalizationFloor`` per contour (None entries: not
            drawn), or None.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: ``labels``, ``eps_mins`` or ``floors`` of another length than ``contours``.
    """
    contours = list(contours)
    n = len(contours)
    labels = [rf"$m_\chi = {c.m_chi:g}$ GeV" for c in contours] if labels is None else list(labels)
    eps_mins = [None] * n if eps_mins is None else list(eps_mins)
    floors = [None] * n if floors is None else list(floors)
    if not len(labels) == len(eps_mins) == len(floors) == n:
        raise ValueError(f"labels, eps_mins, floors must have one entry per contour ({n}), got {len(labels)}, "
                         f"{len(eps_mins)}, {len(floors)}")
    fig, ax = _figure((7.0, 5.2)) if ax is None else (ax.figure, ax)
    ax.set_xscale("log")
    ax.set_yscale("log")
    seen_regimes = set()
    for contour, label, color, eps_min, floor in zip(contours, labels, _mass_colors(n), eps_mins, floors):
        eps, alpha = np.asarray(contour.epsilon, dtype=np.float64), np.asarray(contour.alpha_D, dtype=np.float64)
        if eps.size == 0:
            continue
        ax.plot(eps, alpha, color=color, linewidth=1.8, zorder=2, label=label)
        regimes = np.asarray(contour.regime)
        for name, regime_color in REGIME_COLORS.items():
            mask = regimes == name
            if np.any(mask):
                ax.scatter(eps[mask], alpha[mask], s=12, color=regime_color, edgecolor="none", zorder=3,
                           label=None if name in seen_regimes else name)
                seen_regimes.add(name)
        if eps_min is not None and np.all(np.isfinite(eps_min)):
            ax.scatter([eps_min[0]], [eps_min[1]], marker="*", s=110, color=_EPS_MIN_COLOR, edgecolor="white",
                       linewidth=0.5, zorder=4, label=None if "eps_min" in seen_regimes else r"$\epsilon_{\min}$")
            seen_regimes.add("eps_min")
        if floor is not None and np.isfinite(floor.epsilon_TF):
            ax.scatter([floor.epsilon_TF], [floor.alpha_D_TF], marker="o", s=60, facecolor="none",
                       edgecolor=_FLOOR_COLOR, linewidth=1.5, zorder=4,
                       label=None if "floor" in seen_regimes else r"$(\epsilon_{TF}, \alpha_D^{TF})$")
            seen_regimes.add("floor")
    ax.set_xlabel(r"$\epsilon$ (photon-like)")
    ax.set_ylabel(r"$\alpha_D$")
    target = contours[0].omega_h2 if contours else float("nan")
    ax.set_title(rf"relic contours $\Omega h^2 = {target:g}$ (secluded Dirac DM, seed 003 Fig. 2)", fontsize=10)
    ax.grid(True, which="major", alpha=0.25)
    handles, texts = ax.get_legend_handles_labels()
    if handles:
        from matplotlib.lines import Line2D

        # the mass lines in one column, the regime and floor markers in the other
        order = sorted(range(len(handles)), key=lambda i: not isinstance(handles[i], Line2D))
        ax.legend([handles[i] for i in order], [texts[i] for i in order], loc="best", fontsize=7, framealpha=0.9,
                  ncol=2)
    _save(fig, out)
    return fig


def plot_plateaus(contours, floors, labels=None, out=None, *, note: str | None = None):
    """alpha_D(epsilon) on the freeze-out branch of several contours, to judge the
    thermalization floor (the plateau view of ``plot_alpha_d_vs_epsilon`` for many masses).

    Two panels sharing a log epsilon axis (photon-like). Top: alpha_D / alpha_D^TF of the
    freeze-out points (d ln Omega / d ln alpha_D < 0), sorted by epsilon, one colour per
    contour, with epsilon_TF marked (open circle on the band edge the curve crosses there).
    Bottom: the same as alpha_D / alpha_D^TF - 1 in per cent with the +-tolerance band of the
    first floor, zoomed to [-10, +15] tolerances.
    A contour whose floor is None is drawn against its largest freeze-out alpha_D.

    Args:
        contours: ``qedm_jax.relic.contour.RelicContour`` objects.
        floors: ``qedm_jax.relic.floor.ThermalizationFloor`` (or None) per contour: from the
            contour itself, or a refined one (``qedm_jax.cli.load_floors``).
        labels: legend text per contour (default ``m_chi = ... GeV``), or None.
        out: output file (format from its suffix, dpi 200) or None.
        note: a second title line, e.g. where alpha_D^TF comes from, or None.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: ``floors`` or ``labels`` of another length than ``contours``.
    """
    from matplotlib.figure import Figure

    contours, floors = list(contours), list(floors)
    n = len(contours)
    labels = [rf"$m_\chi = {c.m_chi:g}$ GeV" for c in contours] if labels is None else list(labels)
    if not len(floors) == len(labels) == n:
        raise ValueError(f"floors and labels must have one entry per contour ({n}), got {len(floors)}, {len(labels)}")
    fig = Figure(figsize=(6.8, 6.4))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.0, 1.0], "hspace": 0.08})
    tolerance = next((f.tolerance for f in floors if f is not None), 0.01)
    for contour, floor, label, color in zip(contours, floors, labels, _mass_colors(n)):
        mask = np.asarray(contour.dln_omega_dln_alpha) < 0.0
        eps, alpha = np.asarray(contour.epsilon)[mask], np.asarray(contour.alpha_D)[mask]
        if eps.size == 0:
            continue
        order = np.argsort(eps)
        eps, alpha = eps[order], alpha[order]
        a_tf = floor.alpha_D_TF if floor is not None else float(np.max(alpha))
        ratio = alpha / a_tf
        top.plot(eps, ratio, color=color, marker="o", markersize=3, linewidth=1.4, label=label)
        bottom.plot(eps, 100.0 * (ratio - 1.0), color=color, marker="o", markersize=3, linewidth=1.4)
        if floor is not None and np.isfinite(floor.epsilon_TF):
            # on the band edge that the curve crosses there: from above after a leak-in overshoot
            above = np.interp(np.log(floor.epsilon_TF), np.log(eps), ratio) > 1.0
            edge = floor.tolerance if above else -floor.tolerance
            for ax, value in ((top, 1.0 + edge), (bottom, 100.0 * edge)):
                ax.scatter([floor.epsilon_TF], [value], marker="o", s=55, facecolor="none", edgecolor=color,
                           linewidth=1.5, zorder=4)
    for ax in (top, bottom):
        ax.set_xscale("log")
        ax.grid(True, which="major", alpha=0.25)
    top.set_yscale("log")
    top.axhline(1.0, color=_FLOOR_COLOR, linestyle="--", linewidth=1.0)
    bottom.axhspan(-100.0 * tolerance, 100.0 * tolerance, color=_FLOOR_COLOR, alpha=0.15,
                   label=rf"$\pm{100 * tolerance:g}\%$")
    bottom.axhline(0.0, color=_FLOOR_COLOR, linestyle="--", linewidth=1.0)
    bottom.set_ylim(-1000.0 * tolerance, 1500.0 * tolerance)  # the leak-in overshoot reaches +12% (10 GeV)
    top.set_ylabel(r"$\alpha_D / \alpha_D^{TF}$ (freeze-out branch)")
    bottom.set_ylabel(r"$\alpha_D / \alpha_D^{TF} - 1$ [%]")
    bottom.set_xlabel(r"$\epsilon$ (photon-like)")
    title = r"plateau view: $\alpha_D(\epsilon)$ beyond $\epsilon_{\min}$; open circles: $\epsilon_{TF}$"
    top.set_title(title if note is None else f"{title}\n{note}", fontsize=10)
    # one legend, in the zoomed panel (where the curves run off-axis below epsilon_TF and above the
    # plateau the top panel has no free corner)
    handles, texts = top.get_legend_handles_labels()
    band_handles, band_texts = bottom.get_legend_handles_labels()
    bottom.legend(handles + band_handles, texts + band_texts, loc="best", fontsize=7, framealpha=0.9)
    _save(fig, out)
    return fig


def plot_evolution(x, y, t_hs_over_t, title: str = "", out=None):
    """One point's trajectory: Y and T_hs / T versus x = m_chi / T, two panels (``qedm evolve``).

    Args:
        x: x = m_chi / T, shape (n,).
        y: yield Y = n / s, shape (n,).
        t_hs_over_t: T_hs / T, shape (n,).
        title: figure title.
        out: output file or None (a ``.png`` is also written as ``.pdf``).

    Returns:
        ``matplotlib.figure.Figure``.
    """
    figure, _ = _figure((6.4, 6.4))
    figure.clear()
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.loglog(x, y, color="black", lw=2)
    top.set_ylabel(r"$Y = n_\chi / s$")
    top.set_title(title, fontsize=9)
    bottom.loglog(x, t_hs_over_t, color="tab:blue", lw=2)
    bottom.set_ylabel(r"$T_{\rm hs} / T$")
    bottom.set_xlabel(r"$x = m_\chi / T$")
    for axis in (top, bottom):
        axis.grid(True, which="major", alpha=0.3)
    if out is not None:
        _save(figure, out)
    return figure
