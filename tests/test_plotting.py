"""plot_bc2: both ESPP BC2 figures with a synthetic target (no physics computed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import qedm_jax  # noqa: E402,F401
from qedm_jax import plotting  # noqa: E402
from qedm_jax.relic.floor import floor_in_mzd_plane  # noqa: E402

N_MASSES = 40
FAILED = 17  # index of a point with status != 0


def synthetic_target(label="synthetic line"):
    m_chi = np.geomspace(1e-3, 2.0, N_MASSES)
    status = np.zeros(N_MASSES, dtype=np.int64)
    status[FAILED] = 3
    return {"m_chi": m_chi, "Y_BC2": 1e-12 * (m_chi / 1e-3) ** 1.3, "label": label, "status": status}


@pytest.mark.parametrize(
    "kind, xlim, ylim",
    [("elastic", (1e-3, 5.0), (1e-19, 1e-8)), ("quasi-elastic", (1e-3, 2.0), (1e-14, 1e-8))],
)
def test_plot_bc2_writes_png_and_pdf(tmp_path, kind, xlim, ylim):
    out = tmp_path / f"bc2_{kind}.png"
    fig = plotting.plot_bc2(kind, [synthetic_target(), synthetic_target("second")], out=out)
    png, pdf = out, out.with_suffix(".pdf")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_xlim(), xlim)
    np.testing.assert_allclose(ax.get_ylim(), ylim)
    # the targets: first thick black, failed point not drawn
    target_lines = [line for line in ax.get_lines() if line.get_label() in ("synthetic line", "second")]
    assert len(target_lines) == 2 and target_lines[0].get_color() == "black"
    y = np.asarray(target_lines[0].get_ydata(), dtype=float)
    assert np.isnan(y[FAILED]) and np.sum(np.isnan(y)) == 1
    texts = " ".join(t.get_text() for t in ax.texts)
    assert kind in texts and "ESPP2026-PPG/Quasi-elastic-DM" in texts
    assert ("Oscura" in texts) == (kind == "elastic")  # no direct detection on the quasi-elastic figure


def test_plot_bc2_into_given_axes_without_targets():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 5.0))
    ax = fig.add_subplot(1, 1, 1)
    assert plotting.plot_bc2("elastic", [], ax=ax) is fig
    assert ax.get_legend() is None


def test_plot_bc2_warns_off_benchmark_and_rejects_bad_input():
    with pytest.warns(UserWarning, match="drawn unchanged"):
        fig = plotting.plot_bc2("quasi-elastic", [synthetic_target()], alpha_D=0.5, ratio=3.0)
    assert any("limits:" in t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="kind"):
        plotting.plot_bc2("inelastic", [])
    bad = synthetic_target()
    bad["status"] = bad["status"][:-1]
    with pytest.raises(ValueError, match="shapes"):
        plotting.plot_bc2("elastic", [bad])


# --- seed 003 Figs. 2-3 analogues from synthetic contours (no solves) -----------------------------


def synthetic_contour(m_chi: float, scale: float = 1.0):
    """A RelicContour-shaped object: freeze-in branch, epsilon_min, leak-in, then a plateau."""
    from qedm_jax.relic import contour as contour_mod

    eps = np.array([3e-9, 1e-9, 4e-10, 3e-10, 8e-10, 1e-8, 1e-7, 1e-6, 3e-6, 1e-5]) * scale
    alpha = np.array([1e-7, 1e-6, 5e-6, 1.2e-5, 8e-5, 1.4e-4, 1.9e-4, 3.6e-4, 3.9e-4, 3.85e-4]) * m_chi / 10.0
    s_alpha = np.array([1.0, 1.0, 0.8, 0.2, -1.2, -1.6, -1.7, -1.6, -1.9, -1.9])
    slope = np.array([-2.0, -2.0, -2.4, -8.0, 0.5, 0.16, 0.18, 0.16, 0.01, -0.01])
    regime = np.array(["freeze-in"] * 4 + ["reannihilation", "leak-in", "leak-in", "leak-in",
                                           "secluded freeze-out", "secluded freeze-out"])
    return contour_mod.RelicContour(alpha_D=alpha, epsilon=eps, direction=np.array(["epsilon"] * 10),
                                    dln_omega_dln_eps=-slope * s_alpha, dln_omega_dln_alpha=s_alpha, slope=slope,
                                    t_hs_over_t_dec=np.geomspace(7e-3, 0.7, 10), regime=regime, omega_h2=0.12,
                                    m_chi=m_chi)


def test_plot_contours_and_plateaus(tmp_path):
    from qedm_jax.relic import contour as contour_mod
    from qedm_jax.relic import floor as floor_mod

    contours = [synthetic_contour(1.0), synthetic_contour(10.0, 2.0), contour_mod.RelicContour(
        *(np.zeros(0),) * 2, np.zeros(0, dtype=str), *(np.zeros(0),) * 4, np.zeros(0, dtype=str), 0.12, 100.0)]
    floors = [floor_mod.thermalization_floor(c) if len(c) else None for c in contours]
    eps_mins = [contour_mod.epsilon_min(c) if len(c) else None for c in contours]
    out = tmp_path / "contours.png"
    fig = plotting.plot_contours(contours, out=out, eps_mins=eps_mins, floors=floors)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == [r"$m_\chi = 1$ GeV", r"$m_\chi = 10$ GeV"]  # the empty contour draws nothing
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend.count("freeze-in") == 1 and "secluded freeze-out" in legend
    out = tmp_path / "plateau.png"
    fig = plotting.plot_plateaus(contours, floors, out=out)
    assert out.stat().st_size > 10_000 and len(fig.axes) == 2
    top = fig.axes[0]
    y = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in top.get_lines()
                        if line.get_label().startswith("$m")])
    # alpha_D / alpha_D^TF on the freeze-out branch: alpha_D^TF is the plateau (floor.thermalization_floor),
    # which a leak-in overshoot may exceed by a few per cent (here 1.3% at the synthetic maximum)
    assert np.all(y > 0.0) and np.max(y) <= 1.05
    with pytest.raises(ValueError, match="one entry per contour"):
        plotting.plot_plateaus(contours, floors[:1])


def test_plot_floor_two_ratios_and_bc2_lines(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot(1, 1, 1)
    m = np.array([0.1, 1.0, 10.0])
    plotting.plot_floor(floor_in_mzd_plane(m, [1e-10, 2e-10, 3e-10], [1e-6, np.nan, 2e-6], 10.0), ax=ax)
    plotting.plot_floor(floor_in_mzd_plane(m, [2e-10, 3e-10, 4e-10], [2e-6, 3e-6, 4e-6], 100.0), ax=ax, light=True)
    colors = [line.get_color() for line in ax.get_lines()]
    assert len(colors) == 4 and len(set(colors)) == 4  # the second ratio is lighter
    assert len(ax.collections) == 1  # one shaded band
    out = tmp_path / "bc2_lines.png"
    line = dict(synthetic_target("freeze-in line"), linestyle=":")
    fig = plotting.plot_bc2("elastic", [synthetic_target()], out=out, lines=[line])
    drawn = {l.get_label(): l for l in fig.axes[0].get_lines()}
    assert drawn["freeze-in line"].get_linestyle() == ":" and drawn["synthetic line"].get_color() == "black"
    assert fig.axes[0].get_legend().get_title().get_text() == "relic lines"
    assert np.isnan(np.asarray(drawn["freeze-in line"].get_ydata(), dtype=float)[FAILED])


def test_plot_plateaus_with_a_given_floor_and_note():
    """A refined floor (``qedm_jax.load_floors``) normalises the plateau view; epsilon_TF sits on the band edge
    the curve crosses there (from above after the synthetic overshoot); the note is a second title line."""
    import dataclasses

    from qedm_jax.relic import floor as floor_mod

    relic = synthetic_contour(10.0)
    own = floor_mod.thermalization_floor(relic)
    given = dataclasses.replace(own, alpha_D_TF=3.8e-4, epsilon_TF=2.5e-6)  # the curve: 3.85e-4 there
    fig = plotting.plot_plateaus([relic], [given], note="refined floor grid (floor.csv)")
    top, bottom = fig.axes
    assert top.get_title().endswith("\nrefined floor grid (floor.csv)")
    (line,) = [line for line in top.get_lines() if line.get_label().startswith("$m")]
    np.testing.assert_allclose(line.get_ydata(), relic.alpha_D[relic.dln_omega_dln_alpha < 0] / 3.8e-4)
    (circle,) = top.collections
    np.testing.assert_allclose(circle.get_offsets(), [[2.5e-6, 1.0 + given.tolerance]])
    assert bottom.get_ylim() == (-10.0, 15.0)
